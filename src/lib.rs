//! kanbao (看报): a terminal news browser whose typesetting keeps Chinese,
//! Japanese and Korean text on the terminal's cell grid.
//!
//! This crate is the terminal side; everything from article files to
//! typeset lines is in `kanbao_core`. See ARCHITECTURE.md.

#![warn(missing_docs)]

pub mod app;
pub mod config;
pub mod input;
pub mod terminal;
pub mod ui;
