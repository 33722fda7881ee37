//! The library's database (SQLite). Only its full-text index lives here so
//! far: `fts`, which narrows a search to the articles that may match.

// Not called yet: the database that indexes articles comes next.
#[allow(dead_code)]
pub(crate) mod fts;
