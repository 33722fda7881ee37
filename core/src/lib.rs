//! kanbao-core: everything from article files to typeset lines, with no
//! terminal in it. ratatui, crossterm and clap are not dependencies of this
//! crate, so the compiler keeps the pipeline pure; see ARCHITECTURE.md.

#![warn(missing_docs)]

mod diagnostic;
pub mod import;
pub mod library;
pub mod model;
pub mod net;
pub mod paths;
pub mod query;
pub mod store;
pub mod text;
pub mod typeset;

pub use diagnostic::Diagnostic;
pub use text::position::line_column;
