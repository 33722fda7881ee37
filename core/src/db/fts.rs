//! Full-text search of the library database: a placeholder that indexes
//! nothing and never narrows a search (every row is a candidate), with the
//! interface the real index keeps.

use crate::model::article::Article;
use crate::query::Query;

/// The index's tables, created by the database's first migration.
pub(crate) const SCHEMA: &str = "";

/// (Re)indexes the article in row `rowid`, its body in memory; called in the
/// transaction that writes the row.
pub(crate) fn index(
    _conn: &rusqlite::Connection,
    _rowid: i64,
    _article: &Article,
) -> rusqlite::Result<()> {
    Ok(())
}

/// Removes row `rowid` from the index; called in the transaction that
/// deletes the row.
pub(crate) fn unindex(_conn: &rusqlite::Connection, _rowid: i64) -> rusqlite::Result<()> {
    Ok(())
}

/// The rows that may match `query` (a superset, ascending); `None` when the
/// index cannot narrow the search.
pub(crate) fn candidates(
    _conn: &rusqlite::Connection,
    _query: &Query,
) -> rusqlite::Result<Option<Vec<i64>>> {
    Ok(None)
}
