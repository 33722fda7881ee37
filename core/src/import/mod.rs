//! Getting news in: feeds (RSS, Atom, JSON Feed), web pages and text dumps
//! of news pages, turned into [`Article`]s.
//!
//! Every importer returns articles passed through [`Article::finish`], so
//! their text is sanitized like anything else kanbao loads.

pub mod feed;
pub mod html_parse;
pub mod html_text;
pub mod page;
pub mod textdump;

use crate::diagnostic::Diagnostic;
use crate::model::article::Article;

/// The imported articles of one source, or why it could not be imported
/// (with the line and column when known; the library names the source).
pub type Imported = Result<Vec<Article>, Diagnostic>;
