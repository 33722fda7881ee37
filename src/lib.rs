//! kanbao (看报): a terminal news browser whose typesetting keeps Chinese,
//! Japanese and Korean text on the terminal's cell grid.
//!
//! The pipeline is pure up to the terminal:
//! files → [`library`] → [`app`] state → [`typeset`] → [`ui`] buffer → terminal.

#![warn(missing_docs)]

pub mod app;
pub mod article;
pub mod cache;
pub mod config;
pub mod fetch;
pub mod import;
pub mod importer;
pub mod keys;
pub mod lean;
pub mod library;
pub mod probe;
pub mod published;
pub mod query;
pub mod sanitize;
pub mod search;
pub mod snapshot;
pub mod state;
pub mod store;
pub mod subscriptions;
pub mod tui;
pub mod typeset;
pub mod ui;
pub mod width;
