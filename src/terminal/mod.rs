//! The terminal: the event loop, the Lean backend, the ambiguous-width
//! probe, `kanbao snapshot` and the SGR writer they share.

pub mod event_loop;
pub mod lean;
pub mod probe;
pub mod sgr;
pub mod snapshot;
