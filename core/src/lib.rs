//! kanbao-core: everything from article files to typeset lines, with no
//! terminal in it. ratatui, crossterm and clap are not dependencies of this
//! crate, so the compiler keeps the pipeline pure; see ARCHITECTURE.md.
//!
//! The stages are private modules, in pipeline order: `text` (width,
//! sanitizing, positions), `model` (the article, dates), `query`,
//! `typeset`, `import` (feeds, pages, text dumps), `library` (loading, the
//! metadata cache, search), `net` (fetching, subscriptions), `store`
//! (marks, atomic writes), `db` (the library database) and `ingest`
//! (`kanbao import` and `update`), with
//! `paths` and [`Diagnostic`] beside them. What the terminal side, the
//! tests, the benches and the fuzz targets use is exported here; the
//! importers, whose functions share names (`parse`), and the cache and
//! search keep their module as a namespace.

#![warn(missing_docs)]

mod db;
mod diagnostic;
mod import;
mod ingest;
mod library;
mod model;
mod net;
mod paths;
mod query;
mod store;
mod text;
mod typeset;

pub use db::{
    BATCH, BUSY_TIMEOUT, DbError, DefaultLibrary, FeedCount, INDEX_BATCH, LibraryDb, MARK_READ,
    MARK_STARRED, Migrated, Opened, Order, Prepared, Ready, Rescoped, RowSearch, Stored,
    open_default, open_default_library,
};
pub use diagnostic::Diagnostic;
pub use import::{Imported, feed, html_parse, html_text, page, textdump};
pub use ingest::{
    Destination, FeedOutcome, FeedResult, ImportReport, IngestError, Marked, StoreError, Summary,
    UpdateError, apply_marks, carry_marks, import_sources, update_all,
};
pub use library::sources::{SourceCount, count_sources};
pub use library::walk::{MAX_WALK_DEPTH, MAX_WALK_ENTRIES};
pub use library::{Format, Library, Progress, cache, is_url, search};
pub use model::article::{Article, AsJson, BodyAt, BodyError, Docs, Origin, RowSource};
pub use model::link::{Link, LinkRefused, MAILTO_HEADERS};
pub use model::published::{DateError, Published, set_shown_zone, today, zone_named};
pub use net::fetch::{
    DEFAULT_USER_AGENT, FetchConfig, FetchError, Fetched, Fetcher, MAX_RESPONSE_HEADERS,
    Validators, is_public, redirect_allowed,
};
pub use net::subscriptions::{Named, Subscription, Subscriptions, SubscriptionsError};
pub use paths::{cache_dir, config_dir, data_dir, library_db, library_dir, state_dir};
pub use query::{Marks, NoMarks, Query, QueryError, find_in_line, quote};
pub use store::atomic::{Durability, WriteError, write_atomic, write_atomic_with};
pub use store::marks::{BACKGROUND_WRITE, MarkStore, MarksError, MarksSnapshot};
pub use store::read::{MAX_BYTES, MAX_FILE_BYTES, ReadError, read_regular};
pub use text::fold::{fold, fold_body, fold_with_offsets};
pub use text::output::{json_line, xml_attribute};
pub use text::position::line_column;
pub use text::sanitize::{is_clean, sanitize, sanitize_line};
pub use text::width::{Ambiguous, cluster_width, fit, str_width, truncate};
pub use typeset::{
    Lazy, Line, LineKind, MAX_CLUSTER, MIN_WIDTH, TypesetOptions, is_no_end, is_no_start,
    matches_in_line, typeset, wrap, wrap_measured, wrap_ranges,
};
