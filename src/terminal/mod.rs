//! The terminal: the event loop, the Lean backend, the ambiguous-width
//! probe and `kanbao snapshot`.

pub mod event_loop;
pub mod lean;
pub mod probe;
pub mod snapshot;
