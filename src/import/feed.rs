//! Feeds: RSS 0.9x, 1.0 and 2.0, Atom 1.0 and JSON Feed 1.0/1.1, parsed with
//! feed-rs (which tells the formats apart by their content), one
//! [`Article`] per entry.
//!
//! What kanbao adds around feed-rs:
//!
//! - **Encodings.** The bytes are decoded here, from the byte order mark or
//!   else the XML declaration's `encoding` (GBK, GB2312, GB18030, Big5,
//!   Shift_JIS, ISO-8859-1, … through encoding_rs), and feed-rs is handed
//!   UTF-8 with the declaration rewritten to say so. feed-rs 3 cannot read a
//!   GBK-declared feed on its own (it reports "no root element").
//! - **Positions.** Before feed-rs runs, the XML is checked for
//!   well-formedness with quick-xml, so a malformed feed is reported with a
//!   1-based line and column (in characters); an unclosed tag is reported
//!   where it was opened. JSON errors carry serde_json's line and column.
//! - **Dates keep their offset.** feed-rs turns every date into a UTC instant.
//!   The feed is parsed a second time with a timestamp hook that records the
//!   raw date text of each field; that text is read with
//!   [`Published::parse`] and kept with the offset the feed wrote
//!   (`+08:00`) when it denotes the same instant feed-rs found. When kanbao
//!   cannot read the text but feed-rs's lenient parser could, the date is
//!   kept as that instant in UTC (`Z`), which is still exact. A date without
//!   any offset stays without one, as everywhere in kanbao.
//! - **Ids.** feed-rs invents an id (a hash, or a random UUID) for entries
//!   that have none; kanbao replaces its generator by one that returns
//!   nothing, so an entry without guid/id gets an empty id and
//!   [`Article::finish`] derives a stable one: from the entry's URL when it
//!   has one (the id [`crate::import::page`] gives a page whose canonical
//!   URL that is), else from title, date and source. An entry without a
//!   web link whose guid/id is an `http(s)` URL gets that as its URL.
//! - **Relative links** in entry content are resolved against the `xml:base`
//!   in scope at the content element (feed-rs only applies it to `<link>`
//!   elements), else against `base` (where the feed came from), else against
//!   the entry's own URL, else the feed's home page.
//! - **Bodies** come from the full content (`content:encoded`, Atom
//!   `content`, `content_html`/`content_text`), else the summary
//!   (`description`, `summary`). HTML and XHTML go through
//!   [`html_to_text`]; plain text is split on blank lines. RSS descriptions
//!   are read as HTML whatever the RSS version says, as feeds write them; HTML
//!   without any tag is split on its blank lines first. An entry without a
//!   title is titled with the start of its text.
//! - **Authors** are the entry's; Atom and JSON Feed entries without any
//!   inherit the feed's, as their specifications say. **Language**: the
//!   entry's (`xml:lang` in scope, JSON Feed 1.1 `language`), else the
//!   feed's, in conventional case (`zh-cn` → `zh-CN`).

use std::sync::{Arc, Mutex};

use encoding_rs::Encoding;
use feed_rs::model::{Entry, Feed, FeedType, Text};
use feed_rs::parser::{Builder, ParseErrorKind, ParseFeedError};
use quick_xml::events::{BytesStart, Event};
use url::Url;

use crate::article::{Article, bare_message};
use crate::import::html_text::{html_to_plain_line, html_to_text};
use crate::import::{ImportError, Imported};
use crate::published::Published;

/// Parses a feed (RSS, Atom or JSON Feed, told apart by content) into
/// articles. `base` is the feed's own URL, for relative links.
///
/// ```
/// let xml = r#"<rss version="2.0"><channel><title>示例日报</title>
///   <item><title>标题</title><link>/a.html</link><description>正文</description></item>
/// </channel></rss>"#;
/// let base = url::Url::parse("https://example.org/feed.xml").unwrap();
/// let articles = kanbao::import::feed::parse(xml.as_bytes(), Some(&base)).unwrap();
/// assert_eq!(articles[0].title, "标题");
/// assert_eq!(articles[0].url.as_deref(), Some("https://example.org/a.html"));
/// assert_eq!(articles[0].source.as_deref(), Some("示例日报"));
/// ```
pub fn parse(bytes: &[u8], base: Option<&Url>) -> Imported {
    let text = decode(bytes);
    let json = text.trim_start().starts_with('{');
    // feed-rs's reader takes text that starts like this for UTF-16, and
    // quick-xml then panics at a declaration naming UTF-8 past the first 64
    // bytes (found while fixing a fuzzing crash). As UTF-8, NUL characters
    // are no XML at all.
    if text.starts_with("<\0?\0") || text.starts_with("\0<\0?") {
        return Err(ImportError::new(
            "invalid XML: the document starts with NUL characters",
        ));
    }
    let scopes = if json {
        json_scopes(&text)?
    } else {
        xml_scopes(&text, base)?
    };
    let feed = builder(base)
        .build()
        .parse(text.as_bytes())
        .map_err(|e| feed_error(e, &text))?;
    let raw = RawDates::read(&text, base);
    let scopes = (scopes.len() == feed.entries.len()).then_some(scopes);
    Ok(feed
        .entries
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let scope = scopes.as_ref().map(|s| &s[i]);
            let published = raw.published(i, entry);
            article(&feed, entry, scope, published, base)
        })
        .collect())
}

/// A feed-rs parser builder: resolving against `base`, and generating no ids.
fn builder(base: Option<&Url>) -> Builder {
    Builder::new()
        .base_uri(base.map(Url::as_str))
        .id_generator(|_, _, _| String::new())
}

// ---------------------------------------------------------------------------
// Decoding

/// The feed as UTF-8: decoded by BOM, else by the XML declaration's encoding
/// (whose label is then rewritten to `UTF-8` so feed-rs does not decode it
/// again), else as UTF-8 (invalid bytes become U+FFFD).
fn decode(bytes: &[u8]) -> String {
    let (encoding, body) = if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        (enc, &bytes[bom_len..])
    } else if bytes.starts_with(b"<\0?\0") {
        (encoding_rs::UTF_16LE, bytes)
    } else if bytes.starts_with(b"\0<\0?") {
        (encoding_rs::UTF_16BE, bytes)
    } else {
        // Leading whitespace before the declaration is not XML, but feeds have
        // it; the declaration must still be found (and its label rewritten
        // below), or feed-rs would act on its encoding itself.
        let declared = declaration(bytes.trim_ascii_start())
            .and_then(|decl| {
                let range = encoding_label(decl)?;
                Encoding::for_label(decl[range].as_bytes())
            })
            // Read as ASCII, the bytes cannot be UTF-16, whatever they claim.
            .filter(|e| *e != encoding_rs::UTF_16LE && *e != encoding_rs::UTF_16BE);
        (declared.unwrap_or(encoding_rs::UTF_8), bytes)
    };
    let (text, _had_errors) = encoding.decode_without_bom_handling(body);
    let mut text = text.into_owned();
    let lead = text.len() - text.trim_ascii_start().len();
    if let Some(decl) = declaration(&text.as_bytes()[lead..])
        && let Some(range) = encoding_label(decl)
    {
        text.replace_range(lead + range.start..lead + range.end, "UTF-8");
    }
    text
}

/// The XML declaration `<?xml … ?>` at the very start, if it is ASCII text.
fn declaration(bytes: &[u8]) -> Option<&str> {
    if !bytes.starts_with(b"<?xml") {
        return None;
    }
    let head = &bytes[..bytes.len().min(512)];
    let end = head.windows(2).position(|w| w == b"?>")?;
    std::str::from_utf8(&head[..end]).ok()
}

/// Byte range of the `encoding` pseudo-attribute's value within `decl`.
fn encoding_label(decl: &str) -> Option<std::ops::Range<usize>> {
    let mut from = 0;
    while let Some(i) = decl[from..].find("encoding") {
        let at = from + i;
        from = at + "encoding".len();
        if !decl[..at].ends_with(|c: char| c.is_ascii_whitespace()) {
            continue;
        }
        let rest = decl[from..].trim_start();
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        let rest = rest.trim_start();
        let quote = rest.chars().next().filter(|q| *q == '"' || *q == '\'')?;
        let start = decl.len() - rest.len() + 1;
        let len = decl[start..].find(quote)?;
        return Some(start..start + len);
    }
    None
}

// ---------------------------------------------------------------------------
// Errors

/// 1-based line and column (in characters) of a byte offset in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

fn error_at(text: &str, offset: usize, message: String) -> ImportError {
    let (line, column) = line_column(text, offset);
    ImportError {
        line,
        column,
        message,
    }
}

/// A serde_json error with its position turned into a character column.
fn json_error(text: &str, e: &serde_json::Error, what: &str) -> ImportError {
    use serde_json::error::Category;
    let message = match e.classify() {
        Category::Syntax | Category::Eof => format!("invalid JSON: {}", bare_message(e)),
        Category::Data | Category::Io => format!("{what}: {}", bare_message(e)),
    };
    if e.line() == 0 {
        return ImportError::new(message);
    }
    // serde_json counts the column in bytes.
    let line_text = text.split('\n').nth(e.line() - 1).unwrap_or("");
    let mut byte = e.column().saturating_sub(1).min(line_text.len());
    while !line_text.is_char_boundary(byte) {
        byte -= 1;
    }
    ImportError {
        line: e.line(),
        column: line_text[..byte].chars().count() + 1,
        message,
    }
}

fn feed_error(e: ParseFeedError, text: &str) -> ImportError {
    match e {
        ParseFeedError::ParseError(kind) => {
            let position = match &kind {
                ParseErrorKind::NoFeedRoot => {
                    return ImportError::new(
                        "not a feed: expected RSS (<rss> or <rdf:RDF>), Atom (<feed>) or JSON Feed",
                    );
                }
                ParseErrorKind::UnknownMimeType { position, .. }
                | ParseErrorKind::MissingContent { position, .. }
                | ParseErrorKind::UnknownEnumVariant { position, .. }
                | ParseErrorKind::IllegalState { position, .. } => *position,
            };
            let message = kind.to_string();
            let message = match message.rfind(" at position ") {
                Some(i) => message[..i].to_owned(),
                None => message,
            };
            let offset = usize::try_from(position).unwrap_or(usize::MAX);
            error_at(text, offset, format!("invalid feed: {message}"))
        }
        ParseFeedError::JsonSerde(e) => json_error(text, &e, "not a JSON Feed"),
        ParseFeedError::JsonUnsupportedVersion(v) => {
            ImportError::new(format!("unsupported JSON Feed version {v:?}"))
        }
        ParseFeedError::XmlReader(e) => ImportError::new(format!("invalid XML: {e}")),
        ParseFeedError::IoError(e) => ImportError::new(format!("cannot read the feed: {e}")),
    }
}

// ---------------------------------------------------------------------------
// The XML check, and what feed-rs does not tell: xml:base and xml:lang in scope

/// `xml:base` and `xml:lang` in effect at some element.
#[derive(Clone, Debug, Default)]
struct Scope {
    base: Option<Url>,
    lang: Option<String>,
}

/// Scopes of one entry: at the entry, its content and its summary.
#[derive(Clone, Debug, Default)]
struct EntryScopes {
    entry: Scope,
    content: Option<Scope>,
    summary: Option<Scope>,
}

struct Open {
    name: String,
    offset: usize,
    scope: Scope,
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// Checks that `text` is well-formed XML (as far as feeds need) and collects
/// the scopes of each entry, in document order — the order of feed-rs's entries.
fn xml_scopes(text: &str, base: Option<&Url>) -> Result<Vec<EntryScopes>, ImportError> {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = false;
    let mut stack: Vec<Open> = Vec::new();
    let mut entries: Vec<EntryScopes> = Vec::new();
    // Stack depth of the entry being read.
    let mut in_entry: Option<usize> = None;
    loop {
        let offset = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader.read_event().map_err(|e| {
            let at = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
            error_at(text, at, format!("invalid XML: {e}"))
        })?;
        let (start, empty) = match &event {
            Event::Start(s) => (Some(s), false),
            Event::Empty(s) => (Some(s), true),
            _ => (None, false),
        };
        if let Some(start) = start {
            let open = open_element(start, offset, stack.last(), base);
            let depth = stack.len() + 1;
            let name = local(&open.name);
            let root = stack.first().map_or(name, |r| local(&r.name));
            let parent = stack.last().map(|p| local(&p.name));
            if depth == 1 && !matches!(name, "rss" | "RDF" | "feed" | "entry") {
                return Err(ImportError::new(format!(
                    "not a feed: the root element is <{}>, expected <rss>, <rdf:RDF> or <feed>",
                    open.name
                )));
            }
            let is_entry = match (root, depth) {
                ("entry", 1) => true,
                ("feed", 2) => name == "entry",
                ("RDF", 2) => name == "item",
                ("rss", 3) => name == "item" && parent == Some("channel"),
                _ => false,
            };
            if is_entry {
                entries.push(EntryScopes {
                    entry: open.scope.clone(),
                    ..EntryScopes::default()
                });
                in_entry = Some(depth);
            } else if in_entry == Some(depth - 1)
                && let Some(e) = entries.last_mut()
            {
                match name {
                    "content" | "encoded" => e.content = Some(open.scope.clone()),
                    "summary" | "description" => e.summary = Some(open.scope.clone()),
                    _ => {}
                }
            }
            if !empty {
                stack.push(open);
            } else if in_entry == Some(depth) {
                in_entry = None;
            }
            continue;
        }
        match event {
            // feed-rs switches its decoder at every declaration that names an
            // encoding, and quick-xml panics when that happens past the first
            // 64 bytes (found by fuzzing). `decode` made the leading
            // declaration say UTF-8; one that still names another encoding is
            // misplaced (or unreadable to `decode`) and must not reach feed-rs.
            Event::Decl(decl) => {
                let named = decl
                    .encoding()
                    .and_then(Result::ok)
                    .and_then(|label| Encoding::for_label(label.as_bytes()));
                if named.is_some_and(|e| e != encoding_rs::UTF_8) {
                    return Err(error_at(
                        text,
                        offset,
                        "invalid XML: a misplaced XML declaration (`<?xml …?>` with an encoding may only start the document)".into(),
                    ));
                }
            }
            Event::End(end) => {
                let name = end.name().as_ref().to_owned();
                match stack.last() {
                    Some(top) if top.name == name => {
                        if in_entry == Some(stack.len()) {
                            in_entry = None;
                        }
                        stack.pop();
                    }
                    Some(top) if stack.iter().any(|o| o.name == name) => {
                        let (line, column) = line_column(text, offset);
                        return Err(error_at(
                            text,
                            top.offset,
                            format!(
                                "invalid XML: <{}> is not closed (</{name}> at line {line}, column {column} closes an outer element first)",
                                top.name
                            ),
                        ));
                    }
                    _ => {
                        return Err(error_at(
                            text,
                            offset,
                            format!("invalid XML: </{name}> closes no open element"),
                        ));
                    }
                }
            }
            Event::Eof => {
                if let Some(top) = stack.last() {
                    return Err(error_at(
                        text,
                        top.offset,
                        format!(
                            "invalid XML: <{}> is not closed before the end of the document",
                            top.name
                        ),
                    ));
                }
                return Ok(entries);
            }
            _ => {}
        }
    }
}

/// An element being opened, with the `xml:base`/`xml:lang` now in scope.
fn open_element(
    start: &BytesStart,
    offset: usize,
    parent: Option<&Open>,
    base: Option<&Url>,
) -> Open {
    let name = start.name().as_ref().to_owned();
    let mut scope = parent.map_or_else(
        || Scope {
            base: base.cloned(),
            lang: None,
        },
        |p| p.scope.clone(),
    );
    for attr in start.attributes().flatten() {
        let key = attr.key.as_ref();
        if key != "xml:base" && key != "xml:lang" {
            continue;
        }
        let Ok(value) = attr.normalized_value(quick_xml::XmlVersion::Implicit1_0) else {
            continue;
        };
        let value = value.trim();
        if key == "xml:lang" {
            scope.lang = (!value.is_empty()).then(|| value.to_owned());
        } else {
            let resolved = match &scope.base {
                Some(b) => b.join(value).ok(),
                None => Url::parse(value).ok(),
            };
            if resolved.is_some() {
                scope.base = resolved;
            }
        }
    }
    Open {
        name,
        offset,
        scope,
    }
}

/// JSON Feed: check the JSON (for the error position) and read each item's
/// `language` (JSON Feed 1.1), which feed-rs does not keep.
fn json_scopes(text: &str) -> Result<Vec<EntryScopes>, ImportError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| json_error(text, &e, "not a JSON Feed"))?;
    let items = value.get("items").and_then(|i| i.as_array());
    Ok(items
        .into_iter()
        .flatten()
        .map(|item| EntryScopes {
            entry: Scope {
                base: None,
                lang: item
                    .get("language")
                    .and_then(|l| l.as_str())
                    .map(str::to_owned),
            },
            ..EntryScopes::default()
        })
        .collect())
}

// ---------------------------------------------------------------------------
// Dates

/// The raw text of every date feed-rs read, per entry field: from a second
/// parse whose timestamp hook records each date's text and hands back a
/// marker (the text's index, as seconds after the epoch) instead of a date.
struct RawDates {
    texts: Vec<String>,
    feed: Option<Feed>,
}

impl RawDates {
    fn read(text: &str, base: Option<&Url>) -> RawDates {
        let log = Arc::new(Mutex::new(Vec::<String>::new()));
        let hook = Arc::clone(&log);
        let feed = builder(base)
            .timestamp_parser(move |s: &str| {
                let mut texts = hook.lock().unwrap_or_else(|e| e.into_inner());
                texts.push(s.to_owned());
                marker(texts.len() - 1)
            })
            .build()
            .parse(text.as_bytes())
            .ok();
        let texts = std::mem::take(&mut *log.lock().unwrap_or_else(|e| e.into_inner()));
        RawDates { texts, feed }
    }

    /// The entry's publication date (else its update date), with the offset
    /// its feed wrote when kanbao can read the text, else in UTC.
    fn published(&self, index: usize, entry: &Entry) -> Option<Published> {
        let marked = self.feed.as_ref().and_then(|f| f.entries.get(index));
        let raw = |t: Option<i64>| {
            t.and_then(|i| usize::try_from(i).ok())
                .and_then(|i| self.texts.get(i))
        };
        let fields = [
            (
                entry
                    .published
                    .map(|d| (d.timestamp(), d.timestamp_subsec_nanos())),
                raw(marked.and_then(|m| m.published).map(|d| d.timestamp())),
            ),
            (
                entry
                    .updated
                    .map(|d| (d.timestamp(), d.timestamp_subsec_nanos())),
                raw(marked.and_then(|m| m.updated).map(|d| d.timestamp())),
            ),
        ];
        fields
            .into_iter()
            .find_map(|(instant, raw)| resolve_date(instant, raw.map(String::as_str)))
    }
}

/// A date `seconds` after the Unix epoch, as whatever type feed-rs's
/// timestamp hook returns (chrono's `DateTime<Utc>`, built through its serde
/// support, so kanbao needs no chrono dependency of its own).
fn marker<T: serde::de::DeserializeOwned>(seconds: usize) -> Option<T> {
    let ts = jiff::Timestamp::from_second(i64::try_from(seconds).ok()?).ok()?;
    serde_json::from_value(serde_json::Value::String(ts.to_string())).ok()
}

/// Combines feed-rs's instant (seconds, nanoseconds) with the raw text.
fn resolve_date(instant: Option<(i64, u32)>, raw: Option<&str>) -> Option<Published> {
    if let Some(p) = raw.and_then(read_date) {
        match instant {
            // Both read it, as different instants: trust feed-rs's reading.
            Some((secs, _)) if p.offset.is_some() && p.sort_key() != secs => {}
            _ => return Some(p),
        }
    }
    let (secs, nanos) = instant?;
    let ts = jiff::Timestamp::new(secs, i32::try_from(nanos).ok()?).ok()?;
    Some(Published {
        datetime: jiff::tz::Offset::UTC.to_datetime(ts),
        offset: Some(jiff::tz::Offset::UTC),
    })
}

/// A feed's date text, read by kanbao: as is, else without a (possibly
/// wrong) weekday, as in `Thu, 06 Jan 2024 …`.
fn read_date(text: &str) -> Option<Published> {
    let text = text.trim();
    if let Ok(p) = Published::parse(text, None) {
        return Some(p);
    }
    let (day, rest) = text.split_once(',')?;
    if !day.trim().chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    Published::parse(rest.trim(), None).ok()
}

// ---------------------------------------------------------------------------
// Entries to articles

fn is_html(t: &str) -> bool {
    t.contains("html")
}

/// A title or name: HTML titles reduced to plain text, whitespace collapsed.
fn text_line(t: &Text) -> String {
    if is_html(t.content_type.as_str()) {
        html_to_plain_line(&t.content)
    } else {
        t.content.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// BCP 47 tags in their conventional case: `zh-cn` → `zh-CN`, `zh_hant_tw` → `zh-Hant-TW`.
pub(crate) fn normalize_lang(tag: &str) -> Option<String> {
    let parts: Vec<String> = tag
        .trim()
        .split(['-', '_'])
        .filter(|p| !p.is_empty())
        .enumerate()
        .map(|(i, p)| match p.len() {
            _ if i == 0 => p.to_ascii_lowercase(),
            2 => p.to_ascii_uppercase(),
            4 if p.chars().all(|c| c.is_ascii_alphabetic()) => {
                let lower = p.to_ascii_lowercase();
                lower[..1].to_ascii_uppercase() + &lower[1..]
            }
            _ => p.to_ascii_lowercase(),
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("-"))
}

/// Resolves a link against `base` (kept as written when it cannot be).
fn resolve(href: &str, base: Option<&Url>) -> String {
    let href = href.trim();
    match Url::parse(href) {
        Ok(url) => url.to_string(),
        Err(url::ParseError::RelativeUrlWithoutBase) => base
            .and_then(|b| b.join(href).ok())
            .map_or_else(|| href.to_owned(), |u| u.to_string()),
        Err(_) => href.to_owned(),
    }
}

/// The entry's web page: its first alternate link that is (or may be) a page.
fn entry_url(entry: &Entry, base: Option<&Url>) -> Option<String> {
    let page = entry.links.iter().find(|l| {
        matches!(l.rel.as_deref(), None | Some("alternate"))
            && l.target.is_none()
            && l.media_type.as_deref().is_none_or(is_html)
    });
    if let Some(link) = page {
        return Some(resolve(&link.href, base));
    }
    // An RSS guid that is a permalink, or an Atom id that is a web address.
    Url::parse(entry.id.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(|u| u.to_string())
}

/// Body paragraphs and links of an entry: full content when there is some,
/// else the summary.
fn body(
    feed: &Feed,
    entry: &Entry,
    scopes: Option<&EntryScopes>,
    base: Option<&Url>,
) -> (Vec<String>, Vec<String>) {
    let rss = matches!(
        feed.feed_type,
        FeedType::RSS0 | FeedType::RSS1 | FeedType::RSS2
    );
    let content = entry.content.as_ref().and_then(|c| {
        let kind = c.content_type.to_string();
        let text = c.body.as_deref().filter(|b| !b.trim().is_empty())?;
        (kind.starts_with("text/") || is_html(&kind)).then_some((
            text,
            kind,
            scopes.and_then(|s| s.content.as_ref()),
        ))
    });
    let chosen = content.or_else(|| {
        let summary = entry
            .summary
            .as_ref()
            .filter(|t| !t.content.trim().is_empty())?;
        let scope = scopes.and_then(|s| s.summary.as_ref());
        Some((
            summary.content.as_str(),
            summary.content_type.to_string(),
            scope,
        ))
    });
    let Some((text, kind, scope)) = chosen else {
        return (Vec::new(), Vec::new());
    };
    // RSS descriptions are HTML in practice, whatever the version says.
    if !is_html(&kind) && !rss {
        return (vec![text.to_owned()], Vec::new());
    }
    let base = scope
        .or(scopes.map(|s| &s.entry))
        .and_then(|s| s.base.as_ref())
        .or(base);
    if !text.contains('<') {
        // HTML without markup: its blank lines are the paragraph breaks.
        let mut paragraphs = Vec::new();
        for chunk in text.split("\n\n") {
            paragraphs.extend(html_to_text(chunk, base).paragraphs);
        }
        return (paragraphs, Vec::new());
    }
    let html = if kind.contains("xhtml") {
        // feed-rs writes XHTML's `<br/>` as `<br></br>`, and HTML reads `</br>` as another `<br>`.
        text.replace("</br>", "")
    } else {
        text.to_owned()
    };
    let t = html_to_text(&html, base);
    (t.paragraphs, t.links)
}

/// A title for an entry without one: the start of its first paragraph.
fn title_from_body(body: &[String]) -> String {
    let first = body
        .iter()
        .flat_map(|p| p.lines())
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let mut title: String = first.chars().take(40).collect();
    if first.chars().count() > 40 {
        title.push('…');
    }
    title
}

fn article(
    feed: &Feed,
    entry: &Entry,
    scopes: Option<&EntryScopes>,
    published: Option<Published>,
    base: Option<&Url>,
) -> Article {
    let home = feed
        .links
        .iter()
        .find(|l| matches!(l.rel.as_deref(), None | Some("alternate")))
        .and_then(|l| Url::parse(&resolve(&l.href, base)).ok());
    // A relative entry link resolves against the feed's address, else its home page.
    let url = entry_url(entry, base.or(home.as_ref()));
    let url_base = url.as_deref().and_then(|u| Url::parse(u).ok());
    let content_base = base.or(url_base.as_ref()).or(home.as_ref());
    let (body, links) = body(feed, entry, scopes, content_base);
    let mut title = entry.title.as_ref().map(text_line).unwrap_or_default();
    if title.trim().is_empty() {
        title = title_from_body(&body);
    }
    let mut authors: Vec<String> = entry
        .authors
        .iter()
        .filter_map(|p| p.name.as_deref())
        .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|n| !n.is_empty())
        .collect();
    if authors.is_empty() && feed.feed_type == FeedType::Atom {
        // Atom: an entry without authors has the feed's.
        authors = feed.authors.iter().filter_map(|p| p.name.clone()).collect();
    }
    let lang = entry
        .language
        .clone()
        .or_else(|| scopes.and_then(|s| s.entry.lang.clone()))
        .or_else(|| feed.language.clone())
        .and_then(|l| normalize_lang(&l));
    Article {
        id: entry.id.trim().to_owned(),
        title,
        body,
        published,
        source: feed.title.as_ref().map(text_line),
        authors,
        url,
        lang,
        links,
        ..Article::default()
    }
    .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSS2: &[u8] = include_bytes!("../../tests/fixtures/feeds/rss2.xml");
    const RSS1: &[u8] = include_bytes!("../../tests/fixtures/feeds/rss1.rdf");
    const RSS091: &[u8] = include_bytes!("../../tests/fixtures/feeds/rss091.xml");
    const ATOM: &[u8] = include_bytes!("../../tests/fixtures/feeds/atom.xml");
    const JSON: &[u8] = include_bytes!("../../tests/fixtures/feeds/feed.json");
    const GBK: &[u8] = include_bytes!("../../tests/fixtures/feeds/gbk.xml");
    const BROKEN: &[u8] = include_bytes!("../../tests/fixtures/feeds/broken.xml");

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn date(a: &Article) -> Option<String> {
        a.published.as_ref().map(Published::to_rfc3339)
    }

    #[test]
    fn rss2_titles_dates_bodies_and_links() {
        let base = url("https://example.org/feeds/rss2.xml");
        let a = parse(RSS2, Some(&base)).unwrap();
        assert_eq!(a.len(), 3);

        assert_eq!(a[0].title, "嘉禾市举办首届虚构科技节");
        assert_eq!(a[0].id, "example-org-20240105-001");
        assert_eq!(date(&a[0]).as_deref(), Some("2024-01-05T09:18:16+08:00"));
        assert_eq!(a[0].source.as_deref(), Some("示例日报 · 要闻"));
        assert_eq!(a[0].authors, ["王小明"]);
        assert_eq!(a[0].lang.as_deref(), Some("zh-CN"));
        assert_eq!(
            a[0].url.as_deref(),
            Some("https://example.org/news/2024/0105/tech-festival.html")
        );
        // Full content (CDATA) wins over the description; the script is gone.
        assert_eq!(
            a[0].body,
            [
                "本报讯　1月5日，嘉禾市首届虚构科技节在会展中心[1]开幕。",
                "本届科技节共有“120”家虚构企业参展，详见日程安排[2]。参观者可预约[1]入场。",
                "• 机器人展区",
                "• 新能源展区",
            ]
        );
        assert_eq!(
            a[0].links,
            [
                "https://example.org/venue/expo.html",
                "https://example.org/feeds/schedule.html"
            ]
        );

        // Entities in the title; escaped HTML in the description; a relative <link>.
        assert_eq!(a[1].title, "Tom & Jerry 虚构画展 <开幕>");
        assert_eq!(date(&a[1]).as_deref(), Some("2024-01-06T20:00:00Z"));
        assert_eq!(
            a[1].url.as_deref(),
            Some("https://example.org/news/2024/0106/art.html")
        );
        assert_eq!(
            a[1].body,
            ["画展位于示例美术馆[1]，门票&导览免费。", "展期一个月。"]
        );
        assert_eq!(a[1].links, ["https://example.org/feeds/gallery/"]);
        // No guid: the id is derived from the URL, like any article with a URL.
        let by_url = Article {
            url: a[1].url.clone(),
            ..Article::default()
        }
        .finish();
        assert_eq!(a[1].id, by_url.id);

        // No link, no guid; a plain-text description split on its blank line.
        assert_eq!(a[2].url, None);
        assert_eq!(a[2].body, ["简讯正文第一段。", "简讯正文第二段。"]);
        assert_eq!(date(&a[2]).as_deref(), Some("2024-01-07T07:05:00+08:00"));
        assert_eq!(a[2].id.len(), 16);
    }

    #[test]
    fn ids_are_stable_across_parses() {
        for bytes in [RSS2, RSS1, RSS091, ATOM, JSON, GBK] {
            let a = parse(bytes, None).unwrap();
            let b = parse(bytes, None).unwrap();
            let ids = |v: &[Article]| v.iter().map(|a| a.id.clone()).collect::<Vec<_>>();
            assert_eq!(ids(&a), ids(&b));
            assert!(a.iter().all(|x| !x.id.is_empty()));
        }
    }

    #[test]
    fn rss1_is_read() {
        let a = parse(RSS1, None).unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].title, "虚构城市公园改造完成");
        assert_eq!(date(&a[0]).as_deref(), Some("2024-01-07T08:30:00+08:00"));
        assert_eq!(a[0].authors, ["李华"]);
        assert_eq!(a[0].lang.as_deref(), Some("zh-CN"));
        assert_eq!(a[0].body, ["公园改造完成，周末起开放。\n欢迎市民游览。"]);
        // feed-rs would have invented an id; the URL gives it instead.
        let by_url = Article {
            url: Some("https://example.org/news/rss1-park.html".into()),
            ..Article::default()
        }
        .finish();
        assert_eq!(a[0].id, by_url.id);
    }

    #[test]
    fn rss091_in_latin1_is_read() {
        let a = parse(RSS091, None).unwrap();
        assert_eq!(a[0].title, "Fictional Café opens on Main Street");
        assert_eq!(
            a[0].body,
            ["The fictional café served its first crème brûlée today."]
        );
        assert_eq!(a[0].published, None);
        assert_eq!(a[0].lang.as_deref(), Some("en-US"));
        assert_eq!(a[0].source.as_deref(), Some("Example Daily Digest"));
    }

    #[test]
    fn atom_xhtml_content_html_titles_and_xml_base() {
        let base = url("https://example.org/feeds/atom.xml");
        let a = parse(ATOM, Some(&base)).unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].source.as_deref(), Some("示例日报 博客"));
        assert_eq!(a[0].title, "虚构图书馆夜间开放 & 延长");
        assert_eq!(a[0].id, "tag:example.org,2024:blog/library");
        // Only <updated>: that is the date, with its offset.
        assert_eq!(date(&a[0]).as_deref(), Some("2024-01-08T10:30:00+08:00"));
        assert_eq!(
            a[0].url.as_deref(),
            Some("https://example.org/blog/2024/01/library.html")
        );
        assert_eq!(a[0].authors, ["示例编辑部"]);
        assert_eq!(a[0].lang.as_deref(), Some("zh-CN"));
        assert_eq!(
            a[0].body,
            [
                "图书馆开放时间[1]调整，夜间开放至22时。",
                "读者可在线预约[2]。\n详情请致电。",
                "• 周一至周五",
                "• 周六",
            ]
        );
        assert_eq!(
            a[0].links,
            [
                "https://example.org/blog/2024/01/hours.html",
                "https://example.org/reserve"
            ]
        );

        assert_eq!(a[1].title, "Fictional river cleanup & more");
        assert_eq!(date(&a[1]).as_deref(), Some("2024-01-07T09:00:00-05:00"));
        assert_eq!(a[1].authors, ["Jane Roe"]);
        assert_eq!(a[1].lang.as_deref(), Some("en"));
        assert_eq!(
            a[1].body,
            ["Volunteers cleaned the fictional river. Photos[1]."]
        );
        assert_eq!(a[1].links, ["https://example.org/blog/photos/"]);
    }

    #[test]
    fn json_feed_html_text_and_undated_items() {
        let a = parse(JSON, None).unwrap();
        assert_eq!(a.len(), 3);
        assert_eq!(a[0].title, "虚构地铁新线开通");
        assert_eq!(a[0].id, "json-1");
        assert_eq!(date(&a[0]).as_deref(), Some("2024-01-09T07:00:00+08:00"));
        assert_eq!(a[0].authors, ["赵六"]);
        assert_eq!(a[0].source.as_deref(), Some("示例日报 JSON"));
        assert_eq!(a[0].lang.as_deref(), Some("zh-CN"));
        assert_eq!(
            a[0].body,
            ["虚构地铁5号线今日开通，线路图[1]已公布。", "全长20公里。"]
        );
        // Relative to the item's URL when no base is given.
        assert_eq!(a[0].links, ["https://example.org/metro/map.html"]);

        assert_eq!(
            a[1].body,
            ["First paragraph.", "Second paragraph <not a tag> & so on."]
        );
        assert!(a[1].links.is_empty());
        assert_eq!(date(&a[1]).as_deref(), Some("2024-01-09T08:00:00Z"));
        assert_eq!(a[1].lang.as_deref(), Some("en"));
        assert_eq!(a[1].authors, ["示例编辑部"]);

        assert_eq!(a[2].published, None);
        assert_eq!(a[2].url, None);
        assert_eq!(a[2].body, ["这一条没有日期。"]);
    }

    #[test]
    fn a_misplaced_xml_declaration_is_an_error_not_a_panic() {
        // Found by fuzzing (fuzz/ target `feed`): a declaration naming an
        // encoding past the first 64 bytes made quick-xml panic inside feed-rs.
        let crasher = b"\x01\x00\x00\xff\xff\xff\x0ao\xf5\xff\xff\xff9\"UT<?xml version=\"1.0\"encoding=\"GBK\"?>";
        let e = parse(crasher, None).unwrap_err();
        assert!(e.message.contains("misplaced XML declaration"), "{e:?}");
        let late = format!(
            "<rss version=\"2.0\"><channel>{}\n<?xml version=\"1.0\" encoding=\"GBK\"?></channel></rss>",
            " ".repeat(80)
        );
        let e = parse(late.as_bytes(), None).unwrap_err();
        assert_eq!((e.line, e.column), (2, 1), "{e:?}");
        // The same declaration at the start is the feed's own, rewritten to UTF-8.
        let rss = "<rss version=\"2.0\"><channel><item><title>t</title></item></channel></rss>";
        let first = format!("<?xml version=\"1.0\" encoding=\"GBK\"?>{rss}");
        assert_eq!(parse(first.as_bytes(), None).unwrap()[0].title, "t");
    }

    #[test]
    fn text_that_looks_like_utf16_to_feed_rs_is_an_error_not_a_panic() {
        // Found while fixing the above: decoded text starting `<\0?\0` is
        // read as UTF-16 by feed-rs's reader, which then panicked at a later
        // declaration (here spelt in UTF-16 inside an attribute value).
        let utf16 = |s: &str| s.chars().flat_map(|c| [c, '\0']).collect::<String>();
        let text = format!(
            "\u{feff}<\0?\0:rss \0a=\"x?\0>\0{}{}\"></\0?\0:rss>",
            "\0 ".repeat(40),
            utf16("<?xml version='1.0' encoding='UTF-8'?>")
        );
        let e = parse(text.as_bytes(), None).unwrap_err();
        assert!(e.message.contains("NUL"), "{e:?}");
    }

    #[test]
    fn whitespace_before_the_declaration_still_decodes_by_it() {
        // Not XML, but feeds have it. Past 64 bytes it also made quick-xml
        // panic (found by fuzzing), and before it the declared encoding was
        // ignored.
        for lead in ["\n", &" ".repeat(100)] {
            let mut bytes = lead.as_bytes().to_vec();
            bytes.extend_from_slice(GBK);
            let a = parse(&bytes, None).unwrap();
            assert_eq!(a[0].title, "虚构古镇迎来春节客流高峰");
        }
    }

    #[test]
    fn gbk_feed_is_decoded() {
        let a = parse(GBK, None).unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].source.as_deref(), Some("示例日报（GBK 编码）"));
        assert_eq!(a[0].title, "虚构古镇迎来春节客流高峰");
        assert_eq!(
            a[0].body,
            [
                "春节期间，虚构古镇接待游客逾十万人次。",
                "镇上“灯会”持续至元宵节。"
            ]
        );
        assert_eq!(date(&a[0]).as_deref(), Some("2024-02-12T10:00:00+08:00"));
        assert_eq!(a[0].id, "https://example.org/news/gbk-town.html");
    }

    #[test]
    fn other_declared_encodings_and_boms() {
        let xml = "<?xml version='1.0' encoding='Big5'?><rss version=\"2.0\"><channel><title>示例日報</title>\
                   <item><title>繁體標題</title></item></channel></rss>";
        let (bytes, _, _) = encoding_rs::BIG5.encode(xml);
        let a = parse(&bytes, None).unwrap();
        assert_eq!(
            (a[0].title.as_str(), a[0].source.as_deref()),
            ("繁體標題", Some("示例日報"))
        );

        let xml = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><rss version=\"2.0\"><channel><title>示例</title>\
                   <item><title>十六位</title></item></channel></rss>";
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(xml.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(parse(&bytes, None).unwrap()[0].title, "十六位");
    }

    #[test]
    fn broken_xml_reports_where_the_unclosed_tag_is() {
        let e = parse(BROKEN, None).unwrap_err();
        assert_eq!((e.line, e.column), (7, 5), "{e:?}");
        assert!(e.message.contains("<title> is not closed"), "{e:?}");
        assert!(e.message.contains("line 9"), "{e:?}");
    }

    #[test]
    fn other_malformed_input_has_positions_or_messages() {
        let e = parse(
            b"<rss version=\"2.0\">\n<channel>\n<title>x</title>\n</rss>",
            None,
        )
        .unwrap_err();
        assert_eq!((e.line, e.column), (2, 1), "{e:?}");
        let e = parse(
            b"<rss version=\"2.0\"><channel></channel></rss>\n</item>",
            None,
        )
        .unwrap_err();
        assert_eq!((e.line, e.column), (2, 1), "{e:?}");
        let e = parse(b"<rss version=\"2.0\"><channel>\n  <title>a</title>", None).unwrap_err();
        assert_eq!((e.line, e.column), (1, 20), "{e:?}");
        let e = parse(
            "{\"version\": \"https://jsonfeed.org/version/1.1\",\n  \"title\": \"示例\",, }"
                .as_bytes(),
            None,
        )
        .unwrap_err();
        assert_eq!(e.line, 2, "{e:?}");
        assert!(e.message.starts_with("invalid JSON"), "{e:?}");
        let e = parse(
            b"{\"version\": \"https://jsonfeed.org/version/1.1\", \"items\": []}",
            None,
        )
        .unwrap_err();
        assert!(e.message.contains("title"), "{e:?}");
        let e = parse(b"<html><body>not a feed</body></html>", None).unwrap_err();
        assert!(e.message.starts_with("not a feed"), "{e:?}");
        let e = parse(b"", None).unwrap_err();
        assert!(e.message.starts_with("not a feed"), "{e:?}");
    }

    #[test]
    fn dates_keep_their_offset_or_fall_back_to_utc() {
        let d = |s: &str| read_date(s).map(|p| p.to_rfc3339());
        assert_eq!(
            d("Fri, 05 Jan 2024 09:18:16 +0800").as_deref(),
            Some("2024-01-05T09:18:16+08:00")
        );
        // A wrong weekday is ignored.
        assert_eq!(
            d("Thu, 05 Jan 2024 09:18:16 +0800").as_deref(),
            Some("2024-01-05T09:18:16+08:00")
        );
        // Disagreeing with feed-rs: feed-rs wins, in UTC.
        let p = resolve_date(Some((0, 0)), Some("2024-01-05T09:18:16+08:00")).unwrap();
        assert_eq!(p.to_rfc3339(), "1970-01-01T00:00:00Z");
        // Unreadable by kanbao: feed-rs's instant, in UTC.
        let p = resolve_date(Some((1_704_417_496, 0)), Some("garbled")).unwrap();
        assert_eq!(p.to_rfc3339(), "2024-01-05T01:18:16Z");
        // A date without offset keeps none, even though feed-rs could not read it.
        let p = resolve_date(None, Some("2024-01-05 09:18")).unwrap();
        assert_eq!(p.to_rfc3339(), "2024-01-05T09:18:00");
    }

    #[test]
    fn entries_without_title_get_one_from_the_body() {
        let xml = "<rss version=\"2.0\"><channel><title>t</title><item><description>\
                   这是一条没有标题的简讯，正文比较长，需要截断成为一个合适长度的标题以便在列表里显示。</description>\
                   </item></channel></rss>";
        let a = parse(xml.as_bytes(), None).unwrap();
        assert_eq!(
            a[0].title,
            "这是一条没有标题的简讯，正文比较长，需要截断成为一个合适长度的标题以便在列表里显…"
        );
    }

    #[test]
    fn languages_are_normalized() {
        assert_eq!(normalize_lang("zh-cn").as_deref(), Some("zh-CN"));
        assert_eq!(normalize_lang("ZH_hant_tw").as_deref(), Some("zh-Hant-TW"));
        assert_eq!(normalize_lang("en").as_deref(), Some("en"));
        assert_eq!(normalize_lang(" "), None);
    }
}
