//! Getting news in: feeds (RSS, Atom, JSON Feed), web pages and text dumps
//! of news pages, turned into [`Article`]s.
//!
//! Every importer returns articles passed through [`Article::finish`], so
//! their text is sanitized like anything else kanbao loads.

pub mod feed;
pub mod html_text;
pub mod page;
pub mod textdump;

use crate::model::article::Article;

/// Why a source could not be imported, with the position when known.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ImportError {
    /// 1-based line of the problem, or 0 when unknown.
    pub line: usize,
    /// 1-based column, or 0 when unknown.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl ImportError {
    /// An error without a position.
    pub fn new(message: impl Into<String>) -> ImportError {
        ImportError {
            line: 0,
            column: 0,
            message: message.into(),
        }
    }
}

/// The imported articles of one source.
pub type Imported = Result<Vec<Article>, ImportError>;
