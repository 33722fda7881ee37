//! kanbao's integration tests: one test binary (one link step), a module
//! per area, and the helpers they share in [`common`]. Unit tests live
//! beside the code they test, in `src/` and `core/src/`.

mod common;

mod architecture;
mod bad_input;
mod big_library;
mod cli;
mod e2e_pty;
mod feed_cache;
mod feed_equivalence;
mod fetch_http;
mod hostile;
mod hostile_files;
mod hostile_links;
mod hostile_net;
mod hostile_parse;
mod import_cli;
mod lean_screen;
mod library_db;
mod library_window;
mod probe_pty;
mod query_props;
mod screens;
mod state_durability;
mod typeset_props;
