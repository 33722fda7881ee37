//! One idea: the query language — its grammar, parser, matcher, writer and
//! highlighter, which must agree term by term (folding is `text::fold`).
//!
//! The search and filter language of the browser's `/` prompt and of
//! `kanbao list --query Q`.
//!
//! # Grammar
//!
//! A query is a sequence of terms separated by whitespace (any Unicode
//! whitespace, so the ideographic space `　` separates too). Every term must
//! hold for an article to match (the terms are ANDed):
//!
//! | term | matches an article when |
//! |---|---|
//! | `word` | the word occurs in the title or in a body paragraph, anywhere: `光伏` finds 光伏产业 |
//! | `"exact phrase"`, `“exact phrase”` | the phrase, spaces included, occurs in the title or in a paragraph |
//! | `source:嘉兴日报`, `source:"示例 日报"` | the value occurs in the article's source |
//! | `lang:zh` | the language tag is `zh` or starts with `zh-` (`zh-CN`, `zh-Hant-TW`; `_` counts as `-`) |
//! | `after:2024-01-01` | published on that day or later (the source's own calendar date) |
//! | `before:2024-02-01` | published before that day |
//! | `is:unread`, `is:read`, `is:starred` | the article is (un)read or starred, as [`Marks`] says |
//! | `-term` | the term does *not* hold: `-广告`, `-"sponsored content"`, `-is:read`, `-lang:en` |
//!
//! Text is compared after [`fold`]ing both sides: Latin letters match in any
//! case, full-width forms match half-width ones (`ＡＢＣ` ~ `abc`, `１２３` ~
//! `123`, `？` ~ `?`), half-width katakana match full-width ones (`ｶﾞｲﾄﾞ` ~
//! `ガイド`) and every kind of whitespace matches a plain space. Filter names
//! and the values of `source:`, `lang:` and `is:` are folded too.
//!
//! Details:
//!
//! - A quote opens a phrase only at the start of a term (also right after
//!   `-` or after `name:`); inside a word, `"` is an ordinary character. A
//!   phrase opened with `"` (or full-width `＂`) ends at the next `"` or `＂`,
//!   and inside it `\"` and `\\` stand for `"` and `\` (any other backslash is
//!   kept); one opened with `“` ends at the next `”`. [`quote`] writes any
//!   text as a phrase.
//! - A word is a filter when it starts with ASCII letters and a colon. An
//!   unknown name is an error (`foo:bar`), unless the colon is followed by
//!   `//` (`https://example.org` is a word). With a full-width colon
//!   (`source：嘉兴日报`) only the known names make a filter, so `时间：2024`
//!   stays a word. Put anything else in quotes: `"foo:bar"`.
//! - A lone `-` is a word; `-` only negates when a term follows at once.
//! - An empty phrase (`""`) is ignored; an empty filter value is an error.
//! - Dates are `YYYY-MM-DD` and must exist (`2024-02-30` is an error). An
//!   article without a date, source or language never satisfies a filter on
//!   it (and so always satisfies its negation).
//!
//! # Matching cost
//!
//! Terms are folded once, in [`Query::parse`]. [`Query::matches`] checks
//! the filters first (they are cheap), then the text terms, in two tiers:
//!
//! 1. A term made only of CJK ideographs and Hangul syllables (`光伏`,
//!    `산업`) is searched in the article's text as it is, with no folding at
//!    all: nothing but those characters themselves folds to them, so the
//!    unfolded text contains the term exactly where the folded text does.
//!    These terms go first and can reject an article before anything is
//!    folded.
//! 2. For any other term, the title and body are folded once per call, and
//!    only if needed: a byte scan finds the first character [`fold`] would
//!    change (ASCII capitals, tabs and newlines, U+3000, full- and half-width
//!    forms, other cased letters), skipping CJK three-byte sequences by
//!    their first byte. A field with no such character (lowercase text) is
//!    searched in place; otherwise it is folded into a per-thread scratch
//!    buffer reused from call to call, copying the unchanged stretches whole.
//!
//! Measured on 50,000 Chinese and 50,000 English articles (215 MB of text,
//! optimised build): a CJK query takes about 25 ms, a Latin one about 250 ms.
//! An app that searches the same articles often can keep [`fold`]`(title)`
//! and [`fold_body`]`(body)` per article and call [`Query::matches_folded`],
//! which never folds (20–70 ms for any query there).
//!
//! ```
//! use kanbao_core::Article;
//! use kanbao_core::{NoMarks, Query};
//! let a = Article::new("嘉兴制造业向高质量迈进", vec!["光伏产业和 ＡＩ 芯片……".into()]);
//! assert!(Query::parse("光伏 制造业").unwrap().matches(&a, &NoMarks));
//! assert!(Query::parse("ai is:unread").unwrap().matches(&a, &NoMarks));
//! assert!(!Query::parse("光伏 -芯片").unwrap().matches(&a, &NoMarks));
//! let e = Query::parse("光伏 foo:bar").unwrap_err();
//! assert_eq!(e.position, 7);
//! assert_eq!(e.message, "unknown filter `foo:` (known: source, feed, lang, after, before, is)");
//! ```

use std::cell::RefCell;
use std::fmt;
use std::ops::Range;

use jiff::civil::Date;

use crate::model::article::Article;
#[cfg(any(doc, test))]
use crate::text::fold::fold_body;
use crate::text::fold::{first_change, fold, fold_onto, fold_with_offsets, folds_only_from_itself};

// ---------------------------------------------------------------------------
// Errors

/// Why a query could not be read, and where. A query is one line, so its
/// place is a column alone, counted in characters like every column kanbao
/// reports (see [`crate::Diagnostic`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryError {
    /// Byte offset in the query of the offending part (on a character boundary).
    pub position: usize,
    /// The same place as a 1-based column, in characters.
    pub column: usize,
    /// What is wrong, in words for the user.
    pub message: String,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at column {})", self.message, self.column)
    }
}

impl std::error::Error for QueryError {}

impl QueryError {
    /// An error at byte `position`; [`Query::parse`] sets the column.
    fn new(position: usize, message: impl Into<String>) -> QueryError {
        QueryError {
            position,
            column: 0,
            message: message.into(),
        }
    }

    /// The error with its column counted in `query`.
    fn placed_in(mut self, query: &str) -> QueryError {
        self.column = crate::text::position::line_column(query.as_bytes(), self.position).1;
        self
    }

    /// The query, and under it a `^` at the error's position and the message,
    /// for a command line (columns counted in terminal cells).
    ///
    /// ```
    /// use kanbao_core::Query;
    /// let q = "光伏 after:2024-13-01";
    /// let e = Query::parse(q).unwrap_err();
    /// assert_eq!(e.pointer(q), "光伏 after:2024-13-01\n           ^ bad date `2024-13-01` for `after:`: there is no month 13");
    /// ```
    pub fn pointer(&self, query: &str) -> String {
        use crate::text::sanitize::sanitize_line;
        use crate::text::width::{Ambiguous, str_width};
        let at = self.position.min(query.len());
        let at = (0..=at)
            .rev()
            .find(|&i| query.is_char_boundary(i))
            .unwrap_or(0);
        let column = str_width(&sanitize_line(&query[..at]), Ambiguous::Narrow);
        format!(
            "{}\n{}^ {}",
            sanitize_line(query),
            " ".repeat(column),
            self.message
        )
    }
}

// ---------------------------------------------------------------------------
// The query

/// Read and starred state, as the query needs it (`is:read`, `is:unread`,
/// `is:starred`).
pub trait Marks {
    /// Whether the article with this id has been read.
    fn is_read(&self, id: &str) -> bool;
    /// Whether the article with this id is starred.
    fn is_starred(&self, id: &str) -> bool;
}

/// No marks: every article unread, none starred.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoMarks;

impl Marks for NoMarks {
    fn is_read(&self, _id: &str) -> bool {
        false
    }
    fn is_starred(&self, _id: &str) -> bool {
        false
    }
}

/// The states `is:` knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Read,
    Unread,
    Starred,
}

/// One term, its text already folded.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    /// A word or a phrase: searched the same way.
    Text(String),
    Source(String),
    /// The feed's address, whole (folded).
    Feed(String),
    Lang(String),
    After(Date),
    Before(Date),
    Is(State),
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Term {
    negated: bool,
    kind: Kind,
}

/// A parsed query. The grammar: a sequence of words, `"phrases"`,
/// `source:`, `lang:`, `after:`, `before:` and `is:` filters, each negated
/// by a leading `-`, all of which must hold (the README has the table; the
/// query module's own documentation, the details).
///
/// `Display` writes it back in a canonical form (folded, with phrases and
/// odd words quoted) that parses to the same query.
///
/// ```
/// use kanbao_core::Query;
/// let q = Query::parse("ＡＩ “光伏 产业” -Ads SOURCE:嘉兴日报 is:unread").unwrap();
/// assert_eq!(q.to_string(), "ai \"光伏 产业\" -ads source:嘉兴日报 is:unread");
/// assert_eq!(q.highlight_terms(), ["ai", "光伏 产业"]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    terms: Vec<Term>,
    /// The text terms, as searched: those that can be searched in place first.
    needles: Vec<Needle>,
    highlights: Vec<String>,
}

/// A text term, ready to search for.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Needle {
    /// Folded.
    text: String,
    negated: bool,
    /// Made only of characters that nothing else folds to (CJK ideographs,
    /// Hangul syllables): found in the unfolded text exactly where it is
    /// found in the folded text.
    verbatim: bool,
}

const KNOWN_FILTERS: &str = "source, feed, lang, after, before, is";

impl Query {
    /// Reads a query. An empty (or blank) query is valid and matches every
    /// article.
    ///
    /// ```
    /// use kanbao_core::Query;
    /// assert!(Query::parse("  ").unwrap().is_empty());
    /// let e = Query::parse("source:\"示例 日报").unwrap_err();
    /// assert_eq!(e.position, 7);
    /// assert_eq!(e.message, "unterminated quote `\"`: add a closing `\"`");
    /// let e = Query::parse("is:new").unwrap_err();
    /// assert_eq!(e.position, 3);
    /// assert_eq!(e.message, "unknown value `new` for `is:` (known: read, unread, starred)");
    /// ```
    pub fn parse(text: &str) -> Result<Query, QueryError> {
        let mut terms = Vec::new();
        let mut i = 0;
        loop {
            i = skip_whitespace(text, i);
            if i >= text.len() {
                break;
            }
            let rest = &text[i..];
            let negated = rest.starts_with('-')
                && rest[1..].chars().next().is_some_and(|c| !c.is_whitespace());
            let start = if negated { i + 1 } else { i };
            let (kind, end) = parse_term(text, start).map_err(|e| e.placed_in(text))?;
            i = end;
            if let Some(kind) = kind {
                terms.push(Term { negated, kind });
            }
        }
        Ok(Query::from_terms(terms))
    }

    fn from_terms(terms: Vec<Term>) -> Query {
        let mut highlights: Vec<String> = Vec::new();
        for t in &terms {
            if let (false, Kind::Text(s)) = (t.negated, &t.kind)
                && !highlights.contains(s)
            {
                highlights.push(s.clone());
            }
        }
        let mut needles: Vec<Needle> = terms
            .iter()
            .filter_map(|t| match &t.kind {
                Kind::Text(s) => Some(Needle {
                    text: s.clone(),
                    negated: t.negated,
                    verbatim: s.chars().all(folds_only_from_itself),
                }),
                _ => None,
            })
            .collect();
        needles.sort_by_key(|n| !n.verbatim);
        Query {
            terms,
            needles,
            highlights,
        }
    }

    /// Whether the query has no terms (and so matches every article).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether the article satisfies every term. `marks` answers `is:`.
    ///
    /// ```
    /// use kanbao_core::Article;
    /// use kanbao_core::Published;
    /// use kanbao_core::{NoMarks, Query};
    /// let mut a = Article::new("Solar Power", vec!["光伏产业".into()]);
    /// a.published = Some(Published::parse("2024-01-31T23:30:00+08:00", None).unwrap());
    /// a.lang = Some("zh-CN".into());
    /// let q = |s: &str| Query::parse(s).unwrap().matches(&a, &NoMarks);
    /// assert!(q("solar 光伏 lang:zh after:2024-01-31 before:2024-02-01"));
    /// assert!(!q("after:2024-02-01"));
    /// assert!(!q("lang:zh-TW"));
    /// assert!(q("\"solar power\" -\"wind power\""));
    /// ```
    pub fn matches(&self, article: &Article, marks: &dyn Marks) -> bool {
        self.filters_match(article, marks) && self.text_matches(&article.title, &article.body)
    }

    /// Whether the query has words or phrases to look for in the text (not
    /// only filters on metadata and marks).
    pub fn has_text_terms(&self) -> bool {
        !self.needles.is_empty()
    }

    /// Whether the query asks about read or starred marks (`is:`).
    pub fn uses_marks(&self) -> bool {
        self.terms.iter().any(|t| matches!(t.kind, Kind::Is(_)))
    }

    /// Whether the query has filters (source, language, dates, marks) as
    /// well as, or instead of, words.
    pub fn has_filters(&self) -> bool {
        self.terms.iter().any(|t| !matches!(t.kind, Kind::Text(_)))
    }

    /// Whether every article this query matches is matched by `wider` too,
    /// as far as words tell (`光伏 产业` narrows `光伏`, `ai` narrows `a`):
    /// `wider` has only words, none negated, each inside a word of this one.
    /// Searching the matches of `wider` is then enough.
    ///
    /// ```
    /// use kanbao_core::Query;
    /// let q = |s: &str| Query::parse(s).unwrap();
    /// assert!(q("ai").narrows(&q("a")));
    /// assert!(q("光伏 产业").narrows(&q("光伏")));
    /// assert!(q("光伏 is:unread").narrows(&q("光")));
    /// assert!(!q("a").narrows(&q("ai")));
    /// assert!(!q("光伏").narrows(&q("光 -伏")));
    /// assert!(!q("光伏").narrows(&q("光 source:x")));
    /// ```
    pub fn narrows(&self, wider: &Query) -> bool {
        wider
            .terms
            .iter()
            .all(|t| !t.negated && matches!(t.kind, Kind::Text(_)))
            && wider
                .needles
                .iter()
                .all(|w| !w.negated && self.required_text().any(|n| n.contains(w.text.as_str())))
    }

    /// The words and phrases an article must hold, folded (not the negated ones).
    pub fn required_text(&self) -> impl Iterator<Item = &str> {
        self.needles
            .iter()
            .filter(|n| !n.negated)
            .map(|n| n.text.as_str())
    }

    /// Whether a match can be decided from the title alone: no word is
    /// negated, so every word found in the title makes a match whatever the
    /// body says.
    pub fn title_can_decide(&self) -> bool {
        self.needles.iter().all(|n| !n.negated)
    }

    /// Whether a title and body hold every word and phrase of the query (and
    /// none of the negated ones); filters are not checked.
    pub fn text_matches(&self, title: &str, body: &[String]) -> bool {
        if self.needles.is_empty() {
            return true;
        }
        let in_place = |s: &str| title.contains(s) || body.iter().any(|p| p.contains(s));
        SCRATCH.with(|scratch| {
            let mut guard = scratch.try_borrow_mut();
            let mut own = (String::new(), String::new());
            let (folded_title, folded_body) = match guard.as_deref_mut() {
                Ok((t, b)) => (t, b),
                // Not reachable (nothing here calls back), but never panic.
                Err(_) => (&mut own.0, &mut own.1),
            };
            // Folded on first need, and only the fields that change.
            let mut folded: Option<(bool, bool)> = None;
            let found = self.needles.iter().all(|n| {
                if n.verbatim {
                    return in_place(&n.text) != n.negated;
                }
                let (title_plain, body_plain) = *folded.get_or_insert_with(|| {
                    let title_plain = first_change(title).is_none();
                    if !title_plain {
                        folded_title.clear();
                        fold_onto(title, folded_title);
                    }
                    let body_plain = body.iter().all(|p| first_change(p).is_none());
                    if !body_plain {
                        folded_body.clear();
                        for (i, p) in body.iter().enumerate() {
                            if i > 0 {
                                folded_body.push('\n');
                            }
                            fold_onto(p, folded_body);
                        }
                    }
                    (title_plain, body_plain)
                });
                let s = n.text.as_str();
                let in_title = if title_plain {
                    title.contains(s)
                } else {
                    folded_title.contains(s)
                };
                let in_body = || {
                    if body_plain {
                        body.iter().any(|p| p.contains(s))
                    } else {
                        folded_body.contains(s)
                    }
                };
                (in_title || in_body()) != n.negated
            });
            for buffer in [folded_title, folded_body] {
                if buffer.capacity() > SCRATCH_KEEP {
                    *buffer = String::new();
                }
            }
            found
        })
    }

    /// [`Query::matches`] for an app that keeps each article's folded text:
    /// `folded_title` must be [`fold`]`(&article.title)` and `folded_body`
    /// [`fold_body`]`(&article.body)`. The text terms are searched in those
    /// strings, the filters checked on `article`.
    ///
    /// ```
    /// use kanbao_core::Article;
    /// use kanbao_core::{fold, fold_body, NoMarks, Query};
    /// let a = Article::new("Ｓｏｌａｒ", vec!["光伏产业".into()]);
    /// let (title, body) = (fold(&a.title), fold_body(&a.body));
    /// let q = Query::parse("solar 光伏").unwrap();
    /// assert!(q.matches_folded(&a, &title, &body, &NoMarks));
    /// ```
    pub fn matches_folded(
        &self,
        article: &Article,
        folded_title: &str,
        folded_body: &str,
        marks: &dyn Marks,
    ) -> bool {
        self.filters_match(article, marks)
            && self.needles.iter().all(|n| {
                let s = n.text.as_str();
                (folded_title.contains(s) || folded_body.contains(s)) != n.negated
            })
    }

    /// The words and phrases to highlight in the reader, folded, without
    /// duplicates (not filters, not negated terms). Give them to
    /// [`find_in_line`].
    pub fn highlight_terms(&self) -> &[String] {
        &self.highlights
    }

    /// Whether the article passes the filters (source, language, dates, marks),
    /// whatever its text.
    pub fn filters_match(&self, article: &Article, marks: &dyn Marks) -> bool {
        self.terms.iter().all(|t| {
            let holds = match &t.kind {
                Kind::Text(_) => return true,
                Kind::Source(v) => article
                    .source
                    .as_deref()
                    .is_some_and(|s| contains_folded(s, v)),
                Kind::Feed(v) => article.feed.as_deref().is_some_and(|f| fold(f) == *v),
                Kind::Lang(v) => article.lang.as_deref().is_some_and(|l| lang_matches(l, v)),
                Kind::After(d) => article
                    .published
                    .as_ref()
                    .is_some_and(|p| p.datetime.date() >= *d),
                Kind::Before(d) => article
                    .published
                    .as_ref()
                    .is_some_and(|p| p.datetime.date() < *d),
                Kind::Is(State::Read) => marks.is_read(&article.key()),
                Kind::Is(State::Unread) => !marks.is_read(&article.key()),
                Kind::Is(State::Starred) => marks.is_starred(&article.key()),
            };
            holds != t.negated
        })
    }
}

/// Scratch buffers [`Query::matches`] folds into, kept per thread so that
/// searching many articles allocates only while they grow.
type Scratch = RefCell<(String, String)>;

thread_local! {
    static SCRATCH: Scratch = const { RefCell::new((String::new(), String::new())) };
}

/// A scratch buffer grown past this (by one huge article) is let go.
const SCRATCH_KEEP: usize = 1 << 20;

fn contains_folded(haystack: &str, folded_needle: &str) -> bool {
    match first_change(haystack) {
        None => haystack.contains(folded_needle),
        Some(_) => fold(haystack).contains(folded_needle),
    }
}

/// RFC 4647 basic filtering: `zh` matches `zh` and `zh-CN`, not `zha`.
/// `range` is folded; `_` counts as `-` on both sides.
fn lang_matches(tag: &str, range: &str) -> bool {
    let tag = fold(tag).replace('_', "-");
    let range = range.replace('_', "-");
    match tag.strip_prefix(range.as_str()) {
        Some(rest) => rest.is_empty() || rest.starts_with('-') || range.ends_with('-'),
        None => false,
    }
}

// ---------------------------------------------------------------------------
// Parsing

fn skip_whitespace(text: &str, mut i: usize) -> usize {
    while let Some(c) = text[i..].chars().next() {
        if !c.is_whitespace() {
            break;
        }
        i += c.len_utf8();
    }
    i
}

/// The end of the word starting at `i`: the next whitespace, or the end.
fn word_end(text: &str, i: usize) -> usize {
    text[i..]
        .find(char::is_whitespace)
        .map_or(text.len(), |n| i + n)
}

/// The quotes that close a phrase opened with `open`, if `open` opens one.
fn closers(open: char) -> Option<&'static [char]> {
    match open {
        '"' | '＂' => Some(&['"', '＂']),
        '“' => Some(&['”']),
        _ => None,
    }
}

fn opens_quote(text: &str, i: usize) -> bool {
    text[i..].chars().next().and_then(closers).is_some()
}

/// Reads the quoted text whose opening quote is at `i`: its content
/// (unescaped) and the offset after the closing quote.
fn read_quoted(text: &str, i: usize) -> Result<(String, usize), QueryError> {
    let open = text[i..].chars().next().unwrap_or('"');
    let close = closers(open).unwrap_or(&['"']);
    let escapes = open != '“';
    let mut content = String::new();
    let mut chars = text[i + open.len_utf8()..].char_indices();
    let base = i + open.len_utf8();
    while let Some((j, c)) = chars.next() {
        if close.contains(&c) {
            return Ok((content, base + j + c.len_utf8()));
        }
        if escapes && c == '\\' {
            let mut lookahead = chars.clone();
            if let Some((_, next @ ('\\' | '"' | '＂'))) = lookahead.next() {
                content.push(next);
                chars = lookahead;
                continue;
            }
        }
        content.push(c);
    }
    Err(QueryError::new(
        i,
        format!("unterminated quote `{open}`: add a closing `{}`", close[0]),
    ))
}

/// Where `word` is a filter: the name as written, the name folded, and the
/// separator (`:` or `：`).
fn filter_prefix(word: &str) -> Option<(&str, String, char)> {
    let n = word
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_alphabetic() || matches!(c, 'Ａ'..='Ｚ' | 'ａ'..='ｚ')))
        .map_or(word.len(), |(n, _)| n);
    let sep = word[n..].chars().next()?;
    if n == 0 || !matches!(sep, ':' | '：') {
        return None;
    }
    Some((&word[..n], fold(&word[..n]), sep))
}

fn is_known_filter(name: &str) -> bool {
    matches!(name, "source" | "feed" | "lang" | "after" | "before" | "is")
}

/// Parses the term starting at `start` (after any `-`): the term (`None`
/// for an empty phrase) and the offset after it.
fn parse_term(text: &str, start: usize) -> Result<(Option<Kind>, usize), QueryError> {
    if opens_quote(text, start) {
        let (content, end) = read_quoted(text, start)?;
        let kind = (!content.is_empty()).then(|| Kind::Text(fold(&content)));
        return Ok((kind, end));
    }
    let end = word_end(text, start);
    let word = &text[start..end];
    let Some((name, folded_name, sep)) = filter_prefix(word) else {
        return Ok((Some(Kind::Text(fold(word))), end));
    };
    let after_sep = start + name.len() + sep.len_utf8();
    if !is_known_filter(&folded_name) {
        if sep == '：' || text[after_sep..end].starts_with("//") {
            return Ok((Some(Kind::Text(fold(word))), end));
        }
        return Err(QueryError::new(
            start,
            format!("unknown filter `{name}:` (known: {KNOWN_FILTERS})"),
        ));
    }
    let (value, value_end) = if opens_quote(text, after_sep) {
        read_quoted(text, after_sep)?
    } else {
        (text[after_sep..end].to_owned(), end)
    };
    if value.is_empty() {
        let example = match folded_name.as_str() {
            "source" => "source:嘉兴日报",
            "feed" => "feed:https://example.org/rss",
            "lang" => "lang:zh",
            "after" => "after:2024-01-01",
            "before" => "before:2024-02-01",
            _ => "is:unread",
        };
        return Err(QueryError::new(
            after_sep,
            format!("empty value for `{folded_name}:`: write e.g. `{example}`"),
        ));
    }
    let value = fold(&value);
    let kind = match folded_name.as_str() {
        "source" => Kind::Source(value),
        "feed" => Kind::Feed(value),
        "lang" => Kind::Lang(value),
        "after" => Kind::After(parse_date(&value, "after", after_sep)?),
        "before" => Kind::Before(parse_date(&value, "before", after_sep)?),
        _ => Kind::Is(match value.as_str() {
            "read" => State::Read,
            "unread" => State::Unread,
            "starred" => State::Starred,
            _ => {
                return Err(QueryError::new(
                    after_sep,
                    format!(
                        "unknown value `{}` for `is:` (known: read, unread, starred)",
                        shown(&value)
                    ),
                ));
            }
        }),
    };
    Ok((Some(kind), value_end))
}

/// A value from the query, safe to show in a message.
fn shown(value: &str) -> String {
    let clean = crate::text::sanitize::sanitize_line(value);
    if clean.chars().count() > 40 {
        clean.chars().take(40).chain(['…']).collect()
    } else {
        clean
    }
}

/// A folded `YYYY-MM-DD` that exists on the calendar.
fn parse_date(value: &str, filter: &str, position: usize) -> Result<Date, QueryError> {
    let bad = |why: String| {
        QueryError::new(
            position,
            format!("bad date `{}` for `{filter}:`: {why}", shown(value)),
        )
    };
    let b = value.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return Err(bad("expected YYYY-MM-DD, like 2024-01-31".into()));
    }
    let number = |r: Range<usize>| value[r].parse::<i16>().unwrap_or(0);
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    if !(1..=12).contains(&month) {
        return Err(bad(format!("there is no month {month}")));
    }
    Date::new(year, month as i8, day as i8)
        .map_err(|_| bad(format!("{year:04}-{month:02} has no day {day}")))
}

// ---------------------------------------------------------------------------
// Writing queries

/// `text` as a phrase that matches it literally: in `"…"`, with `\` and
/// quotes escaped.
///
/// ```
/// use kanbao_core::{quote, Query};
/// assert_eq!(quote("say \"hi\""), r#""say \"hi\"""#);
/// let q = Query::parse(&quote("foo:bar -x")).unwrap();
/// assert_eq!(q.highlight_terms(), ["foo:bar -x"]);
/// ```
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if matches!(c, '\\' | '"' | '＂') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Whether a folded word or filter value must be quoted to read back as itself.
fn needs_quotes(word: &str, as_value: bool) -> bool {
    word.is_empty()
        || word.contains(char::is_whitespace)
        || opens_quote(word, 0)
        || (!as_value && (word.starts_with('-') || filter_prefix(word).is_some()))
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = |v: &str| {
            if needs_quotes(v, true) {
                quote(v)
            } else {
                v.to_owned()
            }
        };
        for (i, t) in self.terms.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            if t.negated {
                f.write_str("-")?;
            }
            match &t.kind {
                Kind::Text(w) if needs_quotes(w, false) => f.write_str(&quote(w))?,
                Kind::Text(w) => f.write_str(w)?,
                Kind::Source(v) => write!(f, "source:{}", value(v))?,
                Kind::Feed(v) => write!(f, "feed:{}", value(v))?,
                Kind::Lang(v) => write!(f, "lang:{}", value(v))?,
                Kind::After(d) => write!(f, "after:{d}")?,
                Kind::Before(d) => write!(f, "before:{d}")?,
                Kind::Is(State::Read) => f.write_str("is:read")?,
                Kind::Is(State::Unread) => f.write_str("is:unread")?,
                Kind::Is(State::Starred) => f.write_str("is:starred")?,
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Highlighting

/// Byte ranges in `line` where any of `terms` occurs, compared [`fold`]ed:
/// sorted, non-overlapping, on character boundaries, and each one folds to
/// one of the terms. Where matches overlap, the leftmost wins, and of those
/// starting at the same place the longest.
///
/// ```
/// use kanbao_core::find_in_line;
/// let line = "ＡＩ芯片与光伏产业：ai 光伏";
/// let terms = ["ai".to_string(), "光伏".to_string()];
/// let ranges = find_in_line(line, &terms);
/// let found: Vec<&str> = ranges.iter().map(|r| &line[r.clone()]).collect();
/// assert_eq!(found, ["ＡＩ", "光伏", "ai", "光伏"]);
/// ```
pub fn find_in_line(line: &str, terms: &[String]) -> Vec<Range<usize>> {
    let terms: Vec<String> = terms
        .iter()
        .map(|t| fold(t))
        .filter(|t| !t.is_empty())
        .collect();
    if terms.is_empty() || line.is_empty() {
        return Vec::new();
    }
    let (folded, offsets) = match first_change(line) {
        None => (std::borrow::Cow::Borrowed(line), None),
        Some(_) => {
            let (folded, offsets) = fold_with_offsets(line);
            (std::borrow::Cow::Owned(folded), Some(offsets))
        }
    };
    let source = |i: usize| offsets.as_ref().map_or(i, |o| o[i]);
    // The next occurrence of each term at or after `pos`.
    let mut next: Vec<Option<usize>> = terms.iter().map(|t| folded.find(t.as_str())).collect();
    let mut ranges = Vec::new();
    let mut pos = 0;
    loop {
        for (n, t) in next.iter_mut().zip(&terms) {
            if n.is_some_and(|s| s < pos) {
                *n = folded[pos..].find(t.as_str()).map(|s| s + pos);
            }
        }
        let best = next
            .iter()
            .zip(&terms)
            .filter_map(|(n, t)| n.map(|s| (s, std::cmp::Reverse(t.len()))))
            .min();
        let Some((start, std::cmp::Reverse(len))) = best else {
            break;
        };
        ranges.push(source(start)..source(start + len));
        pos = start + len;
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::published::Published;
    use std::collections::HashSet;

    fn article(title: &str, body: &[&str]) -> Article {
        let mut a = Article::new(title, body.iter().map(|s| s.to_string()).collect());
        a.id = "a1".into();
        a
    }

    fn hit(query: &str, a: &Article) -> bool {
        Query::parse(query)
            .unwrap_or_else(|e| panic!("{query}: {e}"))
            .matches(a, &NoMarks)
    }

    fn err(query: &str) -> QueryError {
        Query::parse(query).expect_err(query)
    }

    struct Set {
        read: HashSet<&'static str>,
        starred: HashSet<&'static str>,
    }

    impl Marks for Set {
        fn is_read(&self, id: &str) -> bool {
            self.read.contains(id)
        }
        fn is_starred(&self, id: &str) -> bool {
            self.starred.contains(id)
        }
    }

    #[test]
    fn cjk_words_match_as_substrings_without_spaces() {
        let a = article("嘉兴制造业向高质量迈进", &["　　光伏产业是……"]);
        assert!(hit("光伏", &a));
        assert!(hit("制造 光伏产业", &a));
        assert!(!hit("风电", &a));
    }

    #[test]
    fn words_are_anded_across_title_and_body() {
        let a = article("Solar", &["first paragraph", "wind turbines"]);
        assert!(hit("solar wind", &a));
        assert!(hit("paragraph turbines", &a));
        assert!(!hit("solar hydro", &a));
    }

    #[test]
    fn latin_matches_in_any_case() {
        let a = article("The EU Summit", &["Ölpreise ΣΥΝΟΔΟΣ"]);
        assert!(hit("eu summit", &a));
        assert!(hit("THE", &a));
        assert!(hit("ölpreise", &a));
        assert!(hit("συνοδοσ", &a) && hit("συνοδος", &a));
    }

    #[test]
    fn full_width_and_half_width_forms_match_each_other() {
        let a = article("ＡＩ芯片 １２３ ｶﾞｲﾄﾞ", &["abc 456 Ｑ＆Ａ　end"]);
        assert!(hit("ai", &a));
        assert!(hit("ＡＩ", &a));
        assert!(hit("123", &a));
        assert!(hit("ガイド", &a));
        assert!(hit("ＡＢＣ", &a));
        assert!(hit("４５６", &a));
        assert!(hit("q&a", &a));
        assert!(hit("\"q&a end\"", &a), "U+3000 matches a space");
    }

    #[test]
    fn phrases_keep_their_spaces() {
        let a = article("t", &["solar power plant", "光伏 产业"]);
        assert!(hit("\"solar power\"", &a));
        assert!(!hit("\"power solar\"", &a));
        assert!(hit("“光伏 产业”", &a));
        assert!(!hit("\"光伏产业\"", &a));
        assert!(hit("＂Solar Power＂", &a));
        assert!(!hit("\"solar  power\"", &a), "two spaces are two spaces");
    }

    #[test]
    fn phrases_escape_quotes_and_backslashes() {
        let q = Query::parse(r#""say \"hi\" \\ \x""#).unwrap();
        assert_eq!(q.highlight_terms(), [r#"say "hi" \ \x"#]);
        let q = Query::parse(r#"“a "b" c\”"#).unwrap();
        assert_eq!(q.highlight_terms(), [r#"a "b" c\"#]);
    }

    #[test]
    fn quotes_inside_words_are_literal() {
        let q = Query::parse(r#"5" it"s"#).unwrap();
        assert_eq!(q.highlight_terms(), ["5\"", "it\"s"]);
    }

    #[test]
    fn empty_phrases_are_ignored() {
        assert!(Query::parse("\"\"  “”").unwrap().is_empty());
    }

    #[test]
    fn source_filter_is_a_folded_substring() {
        let mut a = article("t", &[]);
        a.source = Some("嘉兴日报 Ｄaily".into());
        assert!(hit("source:嘉兴日报", &a));
        assert!(hit("source:日报", &a));
        assert!(hit("source:\"日报 daily\"", &a));
        assert!(hit("SOURCE:DAILY", &a));
        assert!(
            hit("source：嘉兴", &a),
            "a full-width colon works for known names"
        );
        assert!(!hit("source:人民日报", &a));
        a.source = None;
        assert!(!hit("source:嘉兴日报", &a));
        assert!(hit("-source:嘉兴日报", &a));
    }

    #[test]
    fn lang_filter_matches_tag_prefixes_by_subtag() {
        let mut a = article("t", &[]);
        a.lang = Some("zh-CN".into());
        assert!(hit("lang:zh", &a));
        assert!(hit("lang:zh-cn", &a));
        assert!(hit("lang:ZH-CN", &a));
        assert!(hit("lang:zh_CN", &a));
        assert!(!hit("lang:z", &a));
        assert!(!hit("lang:ja", &a));
        assert!(!hit("lang:zh-TW", &a));
        a.lang = None;
        assert!(!hit("lang:zh", &a));
    }

    #[test]
    fn date_filters_use_the_civil_date_after_inclusive_before_exclusive() {
        let mut a = article("t", &[]);
        a.published = Some(Published::parse("2024-01-31T23:59:00-05:00", None).unwrap());
        assert!(hit("after:2024-01-31", &a));
        assert!(hit("after:2024-01-01 before:2024-02-01", &a));
        assert!(!hit("after:2024-02-01", &a));
        assert!(!hit("before:2024-01-31", &a));
        assert!(
            hit("before:２０２４－０２－０１", &a),
            "full-width digits are folded"
        );
        a.published = None;
        assert!(!hit("after:2000-01-01", &a));
        assert!(!hit("before:2100-01-01", &a));
    }

    #[test]
    fn is_filters_ask_the_marks() {
        let a = article("t", &[]);
        let marks = Set {
            read: HashSet::from(["a1"]),
            starred: HashSet::new(),
        };
        let q = |s: &str| Query::parse(s).unwrap().matches(&a, &marks);
        assert!(q("is:read") && !q("is:unread") && !q("is:starred"));
        assert!(q("-is:starred") && q("IS:Read"));
        assert!(Query::parse("is:unread").unwrap().matches(&a, &NoMarks));
        assert!(!Query::parse("is:starred").unwrap().matches(&a, &NoMarks));
    }

    #[test]
    fn negation_excludes_words_phrases_and_filters() {
        let mut a = article("Solar power", &["广告"]);
        a.lang = Some("en".into());
        assert!(!hit("-广告", &a));
        assert!(!hit("solar -\"solar power\"", &a));
        assert!(hit("solar -wind", &a));
        assert!(hit("-lang:zh", &a));
        assert!(!hit("-lang:en", &a));
        assert!(
            hit("-", &Article::new("a - b", vec![])),
            "a lone - is a word"
        );
        assert!(!hit("-", &Article::new("ab", vec![])));
    }

    #[test]
    fn highlight_terms_are_positive_text_terms_only() {
        let q = Query::parse("Solar -wind \"光伏 产业\" source:x is:read solar").unwrap();
        assert_eq!(q.highlight_terms(), ["solar", "光伏 产业"]);
    }

    #[test]
    fn empty_query_matches_everything() {
        let q = Query::parse("").unwrap();
        assert!(q.is_empty());
        assert!(q.matches(&article("t", &[]), &NoMarks));
    }

    #[test]
    fn urls_and_unknown_full_width_colons_are_words() {
        let a = article("see https://example.org/a 时间：2024", &[]);
        assert!(hit("https://example.org", &a));
        assert!(hit("时间：2024", &a));
    }

    #[test]
    fn unterminated_quotes_are_errors_at_the_quote() {
        let e = err("solar \"power plant");
        assert_eq!(e.position, 6);
        assert_eq!(e.message, "unterminated quote `\"`: add a closing `\"`");
        let e = err("光伏 “产业");
        assert_eq!(e.position, "光伏 ".len());
        assert_eq!(e.message, "unterminated quote `“`: add a closing `”`");
        assert_eq!(err("-\"x").position, 1);
    }

    #[test]
    fn unknown_filters_are_errors_naming_the_known_ones() {
        let e = err("光伏 foo:bar");
        assert_eq!(e.position, "光伏 ".len());
        assert_eq!(
            e.message,
            "unknown filter `foo:` (known: source, feed, lang, after, before, is)"
        );
        assert_eq!(err("a -Sorce:x").position, 3);
        assert!(err("Sorce:x").message.contains("`Sorce:`"));
    }

    #[test]
    fn bad_dates_are_errors_at_the_value() {
        let e = err("after:2024-13-01");
        assert_eq!(e.position, 6);
        assert_eq!(
            e.message,
            "bad date `2024-13-01` for `after:`: there is no month 13"
        );
        let e = err("x before:2024-02-30");
        assert_eq!(e.position, 9);
        assert_eq!(
            e.message,
            "bad date `2024-02-30` for `before:`: 2024-02 has no day 30"
        );
        let e = err("after:yesterday");
        assert!(e.message.contains("expected YYYY-MM-DD"), "{e}");
        assert!(err("after:2024-1-1").message.contains("YYYY-MM-DD"));
    }

    #[test]
    fn unknown_is_values_are_errors() {
        let e = err("is:new");
        assert_eq!(e.position, 3);
        assert_eq!(
            e.message,
            "unknown value `new` for `is:` (known: read, unread, starred)"
        );
    }

    #[test]
    fn empty_filter_values_are_errors() {
        let e = err("solar source:");
        assert_eq!(e.position, "solar source:".len());
        assert_eq!(
            e.message,
            "empty value for `source:`: write e.g. `source:嘉兴日报`"
        );
        assert_eq!(err("lang: zh").position, 5);
        assert_eq!(err("is:\"\"").position, 3);
    }

    #[test]
    fn errors_display_their_position() {
        let e = err("is:new");
        assert_eq!(
            e.to_string(),
            "unknown value `new` for `is:` (known: read, unread, starred) (at column 4)"
        );
        let boxed: Box<dyn std::error::Error> = Box::new(e);
        assert!(boxed.to_string().contains("is:"));
    }

    #[test]
    fn error_columns_count_characters() {
        let e = err("光伏 is:new");
        assert_eq!((e.position, e.column), (10, 7));
        assert!(e.to_string().ends_with("(at column 7)"), "{e}");
    }

    #[test]
    fn display_round_trips() {
        for q in [
            "a b",
            "\"a b\" -c",
            "source:\"示例 日报\" lang:zh after:2024-01-01 before:2024-02-01 is:starred",
            "\"foo:bar\" \"-x\" \"\\\"q\"",
            "-is:read -\"x y\"",
        ] {
            let parsed = Query::parse(q).unwrap();
            let again = Query::parse(&parsed.to_string()).unwrap();
            assert_eq!(parsed, again, "{q} → {parsed}");
        }
    }

    #[test]
    fn find_in_line_maps_folded_matches_back_to_the_line() {
        let line = "ＡＩ and ai, ｶﾞｲﾄﾞ";
        let ranges = find_in_line(line, &["AI".into(), "ガイド".into()]);
        let found: Vec<&str> = ranges.iter().map(|r| &line[r.clone()]).collect();
        assert_eq!(found, ["ＡＩ", "ai", "ｶﾞｲﾄﾞ"]);
    }

    #[test]
    fn find_in_line_prefers_leftmost_then_longest() {
        let line = "abcabc";
        let terms = ["bc".to_string(), "abc".to_string(), "ab".to_string()];
        assert_eq!(find_in_line(line, &terms), [0..3, 3..6]);
        assert_eq!(
            find_in_line("aaa", &["aa".into()]),
            [Range { start: 0, end: 2 }]
        );
        assert!(find_in_line("abc", &[String::new()]).is_empty());
    }

    #[test]
    fn matches_folded_agrees_with_matches() {
        let a = article("Ｔｈｅ Title", &["Ｐara one\nline", "ｶﾞｲﾄﾞ two"]);
        for q in [
            "the",
            "\"one line\"",
            "ガイド",
            "\"line ガイド\"",
            "-two",
            "title -x",
        ] {
            let q = Query::parse(q).unwrap();
            let cached = q.matches_folded(&a, &fold(&a.title), &fold_body(&a.body), &NoMarks);
            assert_eq!(q.matches(&a, &NoMarks), cached, "{q}");
        }
    }

    #[test]
    fn error_pointer_points_at_the_column() {
        let q = "光伏 is:new";
        assert_eq!(
            err(q).pointer(q),
            "光伏 is:new\n        ^ unknown value `new` for `is:` (known: read, unread, starred)"
        );
    }
}
