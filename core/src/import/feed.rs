//! One idea: reading a feed, all formats — feed-rs, plus the XML check and
//! the scopes (`xml:base`, `xml:lang`, `<source>`) it does not report, which
//! share one pass over the document.
//!
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
//!   Its timestamp hook is replaced by one that records the raw date text
//!   of each field (and hands back a marker that leads to it); that text is
//!   read with [`Published::parse`] and kept with the offset the feed wrote
//!   (`+08:00`) when it denotes the same instant feed-rs's own lenient
//!   parser reads in it (worked out here for plain RFC 3339 and RFC 2822
//!   dates, else asked of feed-rs). When kanbao cannot read the text but
//!   feed-rs could, the date is kept as that instant in UTC (`Z`), which is
//!   still exact. A date without any offset stays without one, as
//!   everywhere in kanbao.
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
//!
//! **Speed** (a feed of thousands of entries opens about as fast as the
//! same articles as JSON Lines). The well-formedness check also finds
//! where every entry and every text-only body is; feed-rs is handed the
//! feed with placeholders instead of the bodies and without the elements
//! kanbao has no use for (`Held`), and on several cores the feed is cut
//! into parts, each parsed and converted on a thread of its own
//! (`parse_in_parts`); HTML as feeds mostly write it is read without
//! html5ever ([`html_to_text`]). None of it changes what is read:
//! [`parse_tuned`] with [`Tuning::reference`] still does it the slow way,
//! and `tests/feed_equivalence.rs` checks that both agree, errors and
//! their positions included.

use std::borrow::Cow;
use std::io::Read;
use std::sync::{Arc, Mutex};

use encoding_rs::Encoding;
use feed_rs::model::{Entry, Feed, FeedType, Text};
use feed_rs::parser::{Builder, ParseErrorKind, ParseFeedError};
use quick_xml::events::{BytesStart, Event};
use url::Url;

use crate::diagnostic::Diagnostic;
use crate::import::Imported;
use crate::import::html_parse;
use crate::import::html_text::{html_to_plain_line, html_to_text, html_to_text_tree};
use crate::model::article::{Article, bare_message};
use crate::model::published::Published;
use crate::text::position::{column_of_byte_column, line_column};

/// Parses a feed (RSS, Atom or JSON Feed, told apart by content) into
/// articles. `base` is the feed's own URL, for relative links.
///
/// ```
/// let xml = r#"<rss version="2.0"><channel><title>示例日报</title>
///   <item><title>标题</title><link>/a.html</link><description>正文</description></item>
/// </channel></rss>"#;
/// let base = url::Url::parse("https://example.org/feed.xml").unwrap();
/// let articles = kanbao_core::feed::parse(xml.as_bytes(), Some(&base)).unwrap();
/// assert_eq!(articles[0].title, "标题");
/// assert_eq!(articles[0].url.as_deref(), Some("https://example.org/a.html"));
/// assert_eq!(articles[0].source.as_deref(), Some("示例日报"));
/// ```
pub fn parse(bytes: &[u8], base: Option<&Url>) -> Imported {
    parse_tuned(bytes, base, Tuning::default())
}

/// How [`parse_tuned`] goes about it; the result is the same whatever the
/// tuning (what the tests check). Not part of the API.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct Tuning {
    /// Threads to use at most (feed-rs parses and entries are converted on
    /// all of them).
    pub threads: usize,
    /// The least bytes of entries worth a thread of their own.
    pub min_bytes_per_thread: usize,
    /// Entry bodies shorter than this (in bytes) are left to feed-rs; the
    /// longer ones feed-rs gets a placeholder for (see [`Held`]).
    pub min_body: usize,
    /// The slow reference: every event of the feed read by quick-xml, the
    /// whole feed parsed twice by feed-rs (once for the dates' text),
    /// entries converted one after the other, HTML always through
    /// html5ever's tree. What kanbao did before it was made fast; kept to
    /// check that it still gives the same.
    pub reference: bool,
}

impl Default for Tuning {
    fn default() -> Tuning {
        Tuning {
            threads: cores(),
            min_bytes_per_thread: 256 * 1024,
            min_body: 256,
            reference: false,
        }
    }
}

/// The cores to use (up to 8), asked once: the standard library reads
/// cgroup files to tell.
fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get().min(8)))
}

/// [`parse`] with the given [`Tuning`]. Not part of the API.
#[doc(hidden)]
pub fn parse_tuned(bytes: &[u8], base: Option<&Url>, tuning: Tuning) -> Imported {
    // All the feed's HTML shares one budget, whatever thread reads it.
    html_parse::with_budget(
        Some(html_parse::SharedBudget::for_document(bytes.len())),
        || parse_unbudgeted(bytes, base, tuning),
    )
}

fn parse_unbudgeted(bytes: &[u8], base: Option<&Url>, tuning: Tuning) -> Imported {
    let text = decode(bytes);
    let json = text.trim_start().starts_with('{');
    // feed-rs's reader takes text that starts like this for UTF-16, and
    // quick-xml then panics at a declaration naming UTF-8 past the first 64
    // bytes (found while fixing a fuzzing crash). As UTF-8, NUL characters
    // are no XML at all.
    if text.starts_with("<\0?\0") || text.starts_with("\0<\0?") {
        return Err(Diagnostic::new(
            "invalid XML: the document starts with NUL characters",
        ));
    }
    let outline = if json {
        Outline {
            entries: json_scopes(&text)?,
            spans: None,
            cuts: Vec::new(),
        }
    } else {
        if tuning.reference {
            xml_scopes(&text, base, None)?
        } else {
            xml_scopes(&text, base, Some(tuning.min_body))?
        }
    };
    if tuning.reference {
        return reference(&text, outline.entries, base);
    }
    let scopes = outline.entries;
    let mut held = Held::new(&text, outline.spans, outline.cuts);
    if let Some(articles) = parse_in_parts(&text, &mut held, &scopes, base, tuning) {
        return Ok(articles);
    }
    // The feed whole: with its bodies held back, else (when feed-rs fails
    // there, or did not keep a placeholder as it is) as it came.
    if held.holds()
        && let Ok(mut part) = Part::parse(held.doc.as_bytes(), base)
        && part.restore(&mut held.bodies, 0, &held.marker)
        && let Some(articles) = whole(&part, &text, &scopes, base, tuning)
    {
        return Ok(articles);
    }
    let part = Part::parse(text.as_bytes(), base).map_err(|e| feed_error(e, &text))?;
    whole(&part, &text, &scopes, base, tuning)
        .ok_or_else(|| Diagnostic::new("internal error: a feed body was lost"))
}

/// The articles of a feed parsed whole, converted on all threads (JSON
/// feeds, and feeds whose entries are not all siblings).
fn whole(
    part: &Part,
    text: &str,
    scopes: &[EntryScopes],
    base: Option<&Url>,
    tuning: Tuning,
) -> Option<Vec<Article>> {
    let scopes = (scopes.len() == part.feed.entries.len()).then_some(scopes);
    let entries = part.feed.entries.len();
    let threads = tuning.threads.min(entries / 32).max(1);
    let per_thread = entries.div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = (1..threads)
            .map(|t| {
                let range = (t * per_thread).min(entries)..((t + 1) * per_thread).min(entries);
                let budget = html_parse::current_budget();
                s.spawn(move || {
                    html_parse::with_budget(budget, || part.articles(text, range, scopes, base))
                })
            })
            .collect();
        let mut articles = part.articles(text, 0..per_thread.min(entries), scopes, base)?;
        for h in handles {
            articles.extend(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))?);
        }
        Some(articles)
    })
}

/// The document feed-rs is handed: the feed with the text of its bodies
/// replaced by placeholders (`\n\u{E000}<nonce>-<index>\u{E001}\n`) and
/// the elements kanbao has no use for left out (see [`Cut`]), or the feed
/// itself when there is nothing to cut. feed-rs then reads a small part of
/// the bytes, and [`Part::restore`] puts the bodies back where feed-rs put
/// a placeholder: as it is or trimmed, as feed-rs took it (which the
/// surrounding newlines tell). The nonce is random, so that no feed can
/// write a placeholder.
struct Held<'t> {
    doc: Cow<'t, str>,
    /// Where each entry is in `doc`.
    spans: Option<Vec<Span>>,
    /// Where each placeholder is in `doc`, and its body in the feed.
    at: Vec<usize>,
    bodies: Vec<Option<Span>>,
    /// The placeholders' start, up to the index.
    marker: String,
    /// Bytes of the entries in the feed as it came (the work in them).
    entry_bytes: usize,
}

impl<'t> Held<'t> {
    fn new(text: &'t str, spans: Option<Vec<Span>>, cuts: Vec<Cut>) -> Held<'t> {
        let entry_bytes = spans
            .as_deref()
            .and_then(|s| Some(s.last()?.1.saturating_sub(s.first()?.0)))
            .unwrap_or(0);
        if cuts.is_empty() {
            return Held {
                doc: Cow::Borrowed(text),
                spans,
                at: Vec::new(),
                bodies: Vec::new(),
                marker: String::new(),
                entry_bytes,
            };
        }
        use std::hash::{BuildHasher, Hasher};
        let nonce = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        let marker = format!("\u{E000}{nonce:016x}-");
        let cut: usize = cuts.iter().map(|c| c.span.1 - c.span.0).sum();
        let mut doc = String::with_capacity(text.len() - cut + cuts.len() * (marker.len() + 16));
        // Where each cut ends, in `text` and in `doc`.
        let mut ends: Vec<(usize, usize)> = Vec::with_capacity(cuts.len());
        let mut at = Vec::new();
        let mut bodies = Vec::new();
        let mut from = 0;
        for c in &cuts {
            doc.push_str(&text[from..c.span.0]);
            if c.body {
                at.push(doc.len());
                doc.push('\n');
                doc.push_str(&marker);
                doc.push_str(&bodies.len().to_string());
                doc.push_str("\u{E001}\n");
                bodies.push(Some(c.span));
            }
            from = c.span.1;
            ends.push((from, doc.len()));
        }
        doc.push_str(&text[from..]);
        // Entries hold the cuts whole.
        let spans = spans.map(|spans| {
            let mut k = 0;
            let mut map = |p: usize| {
                while k < ends.len() && ends[k].0 <= p {
                    k += 1;
                }
                match k.checked_sub(1) {
                    Some(k) => ends[k].1 + (p - ends[k].0),
                    None => p,
                }
            };
            spans.iter().map(|&(s, e)| (map(s), map(e))).collect()
        });
        Held {
            doc: Cow::Owned(doc),
            spans,
            at,
            bodies,
            marker,
            entry_bytes,
        }
    }

    /// Whether `doc` is not the feed as it came.
    fn holds(&self) -> bool {
        matches!(self.doc, Cow::Owned(_))
    }
}

/// The feed cut in parts parsed on threads of their own, when it is worth it
/// and can be done. Every part is the feed without the entries of the other
/// parts: the same text before the first entry and after the last, so the
/// same feed-level fields and the same namespaces and `xml:base` in scope.
/// Only done when nothing but whitespace separates the entries, so that
/// every part has all of the feed's own elements, and only trusted when
/// feed-rs finds in each part the entries it was given; else (and for any
/// error, which must be reported where the whole feed has it) the feed is
/// parsed whole.
fn parse_in_parts(
    original: &str,
    held: &mut Held,
    scopes: &[EntryScopes],
    base: Option<&Url>,
    tuning: Tuning,
) -> Option<Vec<Article>> {
    let text: &str = &held.doc;
    let spans = held.spans.as_deref()?;
    let (first, last) = (spans.first()?, spans.last()?);
    let parts = tuning
        .threads
        .min(held.entry_bytes / tuning.min_bytes_per_thread.max(1))
        .min(spans.len());
    if parts < 2 || scopes.len() != spans.len() {
        return None;
    }
    let separated = spans.iter().all(|s| s.0 < s.1)
        && spans.windows(2).all(|w| {
            text.as_bytes()
                .get(w[0].1..w[1].0)
                .is_some_and(|gap| gap.iter().all(u8::is_ascii_whitespace))
        });
    if !separated {
        return None;
    }
    // Cut where the parts have about the same entries.
    let mut cuts = vec![0];
    for p in 1..parts {
        let at = spans.len() * p / parts;
        if at > *cuts.last()? {
            cuts.push(at);
        }
    }
    cuts.push(spans.len());
    // The bodies of each part.
    let mut bodies: Vec<(usize, &mut [Option<Span>])> = Vec::new();
    let mut rest = &mut held.bodies[..];
    let mut taken = 0;
    for w in cuts.windows(2) {
        let end = held.at.partition_point(|&a| a < spans[w[1] - 1].1);
        let (mine, others) = rest.split_at_mut(end - taken);
        bodies.push((taken, mine));
        rest = others;
        taken = end;
    }
    let (head, tail) = (&text[..first.0], &text[last.1..]);
    let marker = held.marker.as_str();
    let one = |range: std::ops::Range<usize>,
               (first, bodies): (usize, &mut [Option<Span>])|
     -> Option<Vec<Article>> {
        let entries = &text[spans[range.start].0..spans[range.end - 1].1];
        let source = head
            .as_bytes()
            .chain(entries.as_bytes())
            .chain(tail.as_bytes());
        let mut part = Part::parse(source, base).ok()?;
        let scopes = &scopes[range];
        if part.feed.entries.len() != scopes.len() || !part.restore(bodies, first, marker) {
            return None;
        }
        part.articles(original, 0..scopes.len(), Some(scopes), base)
    };
    let mut bodies = bodies.into_iter();
    let mine = bodies.next()?;
    let results: Vec<Option<Vec<Article>>> = std::thread::scope(|s| {
        let one = &one;
        let handles: Vec<_> = cuts[1..]
            .windows(2)
            .zip(bodies)
            .map(|(w, b)| {
                let range = w[0]..w[1];
                let budget = html_parse::current_budget();
                s.spawn(move || html_parse::with_budget(budget, || one(range, b)))
            })
            .collect();
        let mut results = vec![one(cuts[0]..cuts[1], mine)];
        // A part that panicked is parsed again whole, where it panics
        // again or is reported as the error it is.
        results.extend(handles.into_iter().map(|h| h.join().ok().flatten()));
        results
    });
    let mut articles = Vec::with_capacity(spans.len());
    for r in results {
        articles.extend(r?);
    }
    Some(articles)
}

/// The slow reference (see [`Tuning::reference`]).
fn reference(text: &str, scopes: Vec<EntryScopes>, base: Option<&Url>) -> Imported {
    let feed = builder(base)
        .build()
        .parse(text.as_bytes())
        .map_err(|e| feed_error(e, text))?;
    let raw = RawDates::read(text, base);
    let scopes = (scopes.len() == feed.entries.len()).then_some(scopes);
    let info = FeedInfo::new(&feed, base);
    Ok(feed
        .entries
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let scope = scopes.as_ref().map(|s| &s[i]);
            let published = raw.published(i, entry);
            article(&info, entry, [None, None], scope, published, base, true)
        })
        .collect())
}

/// A feed-rs parser builder: resolving against `base`, and generating no ids.
fn builder(base: Option<&Url>) -> Builder {
    Builder::new()
        .base_uri(base.map(Url::as_str))
        .id_generator(|_, _, _| String::new())
}

/// `text` without the whitespace around it, as `str::trim` has it.
fn trimmed(mut text: String) -> String {
    let end = text.trim_end().len();
    text.truncate(end);
    let start = text.len() - text.trim_start().len();
    text.drain(..start);
    text
}

/// One feed-rs parse: the feed (or part of it), with the text of its dates.
struct Part {
    feed: Feed,
    /// The text of every date, in the order feed-rs read them; its dates
    /// are markers, seconds after the epoch that index this.
    dates: Vec<String>,
    /// Per entry, the bodies feed-rs had a placeholder for: its content's,
    /// its summary's (see [`Part::restore`]). Empty without placeholders.
    bodies: Vec<[Option<HeldBody>; 2]>,
}

impl Part {
    /// Parses with a timestamp hook that records each date's text and
    /// hands back a marker instead of a date: a date's field then leads to
    /// its text, which kanbao reads keeping its offset, and feed-rs's own
    /// reading of the text is only needed when kanbao's is not conclusive
    /// ([`feed_rs_instant`]).
    fn parse(source: impl Read, base: Option<&Url>) -> Result<Part, ParseFeedError> {
        let log = Arc::new(Mutex::new(Vec::<String>::new()));
        let hook = Arc::clone(&log);
        let feed = builder(base)
            .timestamp_parser(move |s: &str| {
                let mut texts = hook.lock().unwrap_or_else(|e| e.into_inner());
                texts.push(s.to_owned());
                marker(texts.len() - 1)
            })
            .build()
            .parse(source)?;
        let dates = std::mem::take(&mut *log.lock().unwrap_or_else(|e| e.into_inner()));
        Ok(Part {
            feed,
            dates,
            bodies: Vec::new(),
        })
    }

    /// Finds the bodies (`bodies[i - first]` for placeholder `i`) whose
    /// placeholders feed-rs put in the content or summary of an entry, as
    /// it is (with its newlines) or trimmed: the body's text is taken as
    /// it is or trimmed likewise when the entry is converted. `false` when
    /// feed-rs made anything else of a placeholder (or of XHTML), or put
    /// one anywhere else kanbao looks.
    fn restore(&mut self, bodies: &mut [Option<Span>], first: usize, marker: &str) -> bool {
        if marker.is_empty() {
            return true;
        }
        let mut take = |field: &str, kind: &str| -> Result<Option<HeldBody>, ()> {
            if !field.contains(marker) {
                return Ok(None);
            }
            let (placeholder, whole) =
                match field.strip_prefix('\n').and_then(|f| f.strip_suffix('\n')) {
                    Some(p) => (p, true),
                    None => (field, false),
                };
            placeholder
                .strip_prefix(marker)
                .and_then(|p| p.strip_suffix('\u{E001}'))
                .and_then(|i| i.parse::<usize>().ok())
                .and_then(|i| i.checked_sub(first))
                .and_then(|i| bodies.get_mut(i))
                .and_then(Option::take)
                .filter(|_| !kind.contains("xhtml"))
                .map(|(from, to)| Some(HeldBody { from, to, whole }))
                .ok_or(())
        };
        let leaks = |s: &str| s.contains(marker);
        let text_leaks = |t: &Option<Text>| t.as_ref().is_some_and(|t| leaks(&t.content));
        let feed = &self.feed;
        if text_leaks(&feed.title)
            || feed.language.as_deref().is_some_and(leaks)
            || feed.links.iter().any(|l| leaks(&l.href))
            || feed
                .authors
                .iter()
                .any(|p| p.name.as_deref().is_some_and(leaks))
            || self.dates.iter().any(|d| leaks(d))
        {
            return false;
        }
        let mut held = Vec::with_capacity(feed.entries.len());
        for entry in &feed.entries {
            if leaks(&entry.id)
                || text_leaks(&entry.title)
                || entry.language.as_deref().is_some_and(leaks)
                || entry.links.iter().any(|l| leaks(&l.href))
                || entry
                    .authors
                    .iter()
                    .any(|p| p.name.as_deref().is_some_and(leaks))
            {
                return false;
            }
            let content = match &entry.content {
                Some(c) => c
                    .body
                    .as_deref()
                    .map_or(Ok(None), |b| take(b, c.content_type.as_str())),
                None => Ok(None),
            };
            let summary = match &entry.summary {
                Some(s) => take(&s.content, s.content_type.as_str()),
                None => Ok(None),
            };
            match (content, summary) {
                (Ok(content), Ok(summary)) => held.push([content, summary]),
                _ => return false,
            }
        }
        self.bodies = held;
        true
    }

    /// The articles of the entries in `range`; `scopes` are those of the
    /// feed's (or part's) entries, `text` the feed the bodies are in.
    /// `None` when a body is not what [`xml_scopes`] found.
    fn articles(
        &self,
        text: &str,
        range: std::ops::Range<usize>,
        scopes: Option<&[EntryScopes]>,
        base: Option<&Url>,
    ) -> Option<Vec<Article>> {
        let info = FeedInfo::new(&self.feed, base);
        let mut instants = Instants::default();
        self.feed.entries[range.clone()]
            .iter()
            .zip(range)
            .map(|(entry, i)| {
                let mut held = [None, None];
                for (h, b) in held
                    .iter_mut()
                    .zip(self.bodies.get(i).into_iter().flatten())
                {
                    if let Some(b) = b {
                        *h = Some(b.text(text)?);
                    }
                }
                let published = self.published(entry, &mut instants);
                Some(article(
                    &info,
                    entry,
                    held,
                    scopes.map(|s| &s[i]),
                    published,
                    base,
                    false,
                ))
            })
            .collect()
    }

    /// The entry's publication date (else its update date), with the offset
    /// its feed wrote when kanbao can read the text, else in UTC.
    fn published(&self, entry: &Entry, instants: &mut Instants) -> Option<Published> {
        [entry.published, entry.updated].into_iter().find_map(|d| {
            let raw = d
                .and_then(|d| usize::try_from(d.timestamp()).ok())
                .and_then(|i| self.dates.get(i))?;
            resolve_date(instants.get(raw), Some(raw))
        })
    }
}

/// A body feed-rs had a placeholder for: where it is in the feed, and
/// whether feed-rs took the placeholder whole (else trimmed).
#[derive(Clone, Copy)]
struct HeldBody {
    from: usize,
    to: usize,
    whole: bool,
}

impl HeldBody {
    /// The text feed-rs would have made of the body.
    fn text(self, feed: &str) -> Option<String> {
        let text = body_text(feed.get(self.from..self.to)?)?;
        Some(if self.whole { text } else { trimmed(text) })
    }
}

// ---------------------------------------------------------------------------
// Decoding

/// The feed as UTF-8: decoded by BOM, else by the XML declaration's encoding
/// (whose label is then rewritten to `UTF-8` so feed-rs does not decode it
/// again), else as UTF-8 (invalid bytes become U+FFFD). Valid UTF-8 that
/// says so is not copied.
fn decode(bytes: &[u8]) -> Cow<'_, str> {
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
    let lead = text.len() - text.trim_ascii_start().len();
    if let Some(decl) = declaration(&text.as_bytes()[lead..])
        && let Some(range) = encoding_label(decl)
        && !decl[range.clone()].eq_ignore_ascii_case("UTF-8")
    {
        let mut text = text.into_owned();
        text.replace_range(lead + range.start..lead + range.end, "UTF-8");
        return Cow::Owned(text);
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

fn error_at(text: &str, offset: usize, message: String) -> Diagnostic {
    let (line, column) = line_column(text.as_bytes(), offset);
    Diagnostic::at(line, column, message)
}

/// A serde_json error with its position turned into a character column.
fn json_error(text: &str, e: &serde_json::Error, what: &str) -> Diagnostic {
    use serde_json::error::Category;
    let message = match e.classify() {
        Category::Syntax | Category::Eof => format!("invalid JSON: {}", bare_message(e)),
        Category::Data | Category::Io => format!("{what}: {}", bare_message(e)),
    };
    if e.line() == 0 {
        return Diagnostic::new(message);
    }
    // serde_json counts the column in bytes.
    let column = column_of_byte_column(text, e.line(), e.column());
    Diagnostic::at(e.line(), column, message)
}

fn feed_error(e: ParseFeedError, text: &str) -> Diagnostic {
    match e {
        ParseFeedError::ParseError(kind) => {
            let position = match &kind {
                ParseErrorKind::NoFeedRoot => {
                    return Diagnostic::new(
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
            Diagnostic::new(format!("unsupported JSON Feed version {v:?}"))
        }
        ParseFeedError::XmlReader(e) => Diagnostic::new(format!("invalid XML: {e}")),
        ParseFeedError::IoError(e) => Diagnostic::new(format!("cannot read the feed: {e}")),
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

/// Scopes of one entry: at the entry, its content and its summary; and the
/// feed it was copied from, if it says (which feed-rs does not read).
#[derive(Clone, Debug, Default)]
struct EntryScopes {
    entry: Arc<Scope>,
    content: Option<Arc<Scope>>,
    summary: Option<Arc<Scope>>,
    /// Atom `<entry><source><title>`, RSS `<item><source>`: the name of the
    /// feed the entry comes from (an aggregator's entries name their own
    /// papers), the article's source rather than the aggregator's title.
    source: Option<String>,
}

/// A byte range `(start, end)` in the feed.
type Span = (usize, usize);

/// What the check of the document finds: the scopes of each entry, in
/// document order (the order of feed-rs's entries), and for XML where each
/// entry is (byte range from its `<` to after its `>`) and the text of its
/// bodies.
struct Outline {
    entries: Vec<EntryScopes>,
    spans: Option<Vec<Span>>,
    cuts: Vec<Cut>,
}

/// What feed-rs is not handed of an entry (see [`Held`]), which saves it
/// most of its work on big feeds. Either a body: the content of an entry's
/// content or summary (`content`, `content:encoded`, `description`,
/// `summary`) that holds only text (character data, CDATA and
/// references), replaced by a placeholder and read by [`body_text`] as
/// feed-rs reads it; or an element of an Atom entry feed-rs reads into
/// nothing kanbao uses and cannot fail on (`category`, `source` without
/// references or namespace declarations), left out.
struct Cut {
    span: Span,
    body: bool,
}

/// A body being read.
struct Reading {
    /// Stack depth of its element.
    depth: usize,
    /// Where its content starts.
    start: usize,
    /// Still only text.
    pure: bool,
}

impl Reading {
    fn event(&mut self, event: &Event) {
        self.pure = match event {
            Event::Text(_) | Event::CData(_) => true,
            // A bad character reference is left to feed-rs, whose error it is.
            Event::GeneralRef(r) => r.resolve_char_ref().is_ok(),
            // Elements, comments, processing instructions, declarations.
            _ => false,
        };
    }
}

/// The text of a body (`text[inner]` of a [`Body`]) as feed-rs reads it:
/// character data and CDATA as they are, references resolved as quick-xml
/// resolves them, unknown entities kept as written. `None` for what
/// [`xml_scopes`] does not take for a body.
fn body_text(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while let Some(p) = memchr::memchr2(b'<', b'&', &bytes[i..]) {
        let at = i + p;
        out.push_str(&raw[i..at]);
        let (markup, end) = markup_in_text(raw, at)?;
        match markup {
            Markup::Ref(name) => match quick_xml::events::BytesRef::new(name).resolve_char_ref() {
                Ok(Some(c)) => out.push(c),
                Ok(None) => match quick_xml::escape::resolve_predefined_entity(name) {
                    Some(resolved) => out.push_str(resolved),
                    None => {
                        out.push('&');
                        out.push_str(name);
                        out.push(';');
                    }
                },
                Err(_) => return None,
            },
            Markup::CData(cdata) => out.push_str(cdata),
            Markup::EndTag => return None,
        }
        i = end;
    }
    out.push_str(&raw[i..]);
    Some(out)
}

/// What starts at `text[at]` (a `<` or `&`) in the text of an element.
enum Markup<'t> {
    /// A reference, by its name (between `&` and `;`).
    Ref(&'t str),
    /// A CDATA section, by its content.
    CData(&'t str),
    /// `</`.
    EndTag,
}

/// The markup at `text[at]`, and where it ends, for what quick-xml reads
/// without error as a reference (up to `;`, with no `&` or `<` before it)
/// or a CDATA section; `None` for anything else.
fn markup_in_text(text: &str, at: usize) -> Option<(Markup<'_>, usize)> {
    let rest = &text[at..];
    if rest.starts_with('&') {
        let end = memchr::memchr3(b';', b'&', b'<', &rest.as_bytes()[1..])? + 1;
        (rest.as_bytes()[end] == b';').then(|| (Markup::Ref(&rest[1..end]), at + end + 1))
    } else if let Some(cdata) = rest.strip_prefix("<![CDATA[") {
        let end = memchr::memmem::find(cdata.as_bytes(), b"]]>")?;
        let after = at + "<![CDATA[".len() + end + "]]>".len();
        Some((Markup::CData(&cdata[..end]), after))
    } else if rest.starts_with("</") {
        Some((Markup::EndTag, at))
    } else {
        None
    }
}

/// Whether a body element's `type` attribute (or its absence) has feed-rs
/// take its text as it is (or trimmed): not for XHTML, which feed-rs
/// escapes again.
fn plain_type(start: &BytesStart) -> bool {
    start.attributes().flatten().all(|a| {
        local(a.key.as_ref()) != "type"
            || matches!(&*a.value, "html" | "text" | "text/html" | "text/plain")
    })
}

struct Open<'t> {
    /// As written, borrowed from the feed when it can be.
    name: Cow<'t, str>,
    offset: usize,
    scope: Arc<Scope>,
    /// Whether names without prefix are in the Atom namespace here (or in
    /// none, which feed-rs takes for Atom in an Atom feed).
    atom_default: bool,
}

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";

fn local(name: &str) -> &str {
    match name.bytes().rposition(|b| b == b':') {
        Some(colon) => &name[colon + 1..],
        None => name,
    }
}

/// Checks that `text` is well-formed XML (as far as feeds need) and collects
/// the scopes of each entry, in document order — the order of feed-rs's entries.
/// `min_body`: the least bytes of a body held back from feed-rs; `None`
/// for no bodies at all, every event read by quick-xml (the reference).
fn xml_scopes(
    text: &str,
    base: Option<&Url>,
    min_body: Option<usize>,
) -> Result<Outline, Diagnostic> {
    let mut reader = Cursor::new(text);
    let mut stack: Vec<Open<'_>> = Vec::new();
    let mut entries: Vec<EntryScopes> = Vec::new();
    let mut spans: Vec<Span> = Vec::new();
    let mut cuts: Vec<Cut> = Vec::new();
    let mut reading: Option<Reading> = None;
    // An element of an Atom entry being read that may be left out: its
    // stack depth and start.
    let mut leaving: Option<(usize, usize)> = None;
    // Stack depth of the entry being read.
    let mut in_entry: Option<usize> = None;
    // The entry's source title being read: its stack depth and start.
    let mut source_title: Option<(usize, usize)> = None;
    loop {
        let offset = reader.position();
        let event = reader
            .reader
            .read_event()
            .map_err(|e| error_at(text, reader.error_position(), format!("invalid XML: {e}")))?;
        if let Some((depth, from)) = source_title
            && matches!(event, Event::End(_))
            && stack.len() == depth
        {
            // Text only (references and CDATA read as feed-rs reads them).
            let name = body_text(&text[from..offset])
                .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|t| !t.is_empty());
            if let (Some(name), Some(e)) = (name, entries.last_mut()) {
                e.source = Some(name);
            }
            source_title = None;
        }
        if let Some((depth, from)) = leaving
            && matches!(event, Event::End(_))
            && stack.len() == depth
        {
            left_out(text, (from, reader.position()), &mut cuts);
            leaving = None;
        }
        if let Some(r) = &mut reading {
            match &event {
                Event::End(_) if stack.len() == r.depth => {
                    if r.pure && min_body.is_some_and(|min| offset - r.start >= min) {
                        cuts.push(Cut {
                            span: (r.start, offset),
                            body: true,
                        });
                    }
                    reading = None;
                }
                event if r.pure => r.event(event),
                _ => {}
            }
        }
        let (start, empty) = match &event {
            Event::Start(s) => (Some(s), false),
            Event::Empty(s) => (Some(s), true),
            _ => (None, false),
        };
        if let Some(start) = start {
            let open = open_element(text, start, offset, stack.last(), base);
            let depth = stack.len() + 1;
            let name = local(&open.name);
            // Entries are no deeper than 3.
            let (root, parent) = if depth <= 3 {
                (
                    stack.first().map_or(name, |r| local(&r.name)),
                    stack.last().map(|p| local(&p.name)),
                )
            } else {
                ("", None)
            };
            if depth == 1 && !matches!(name, "rss" | "RDF" | "feed" | "entry") {
                return Err(Diagnostic::new(format!(
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
                spans.push((offset, offset));
            } else if let Some(entry_depth) = in_entry
                && !empty
                && plain_type(start)
                && entries.last().is_some_and(|e| e.source.is_none())
                && match stack.first().map(|r| local(&r.name)) {
                    // <feed><entry><source><title>
                    Some("feed") => {
                        depth == entry_depth + 2
                            && name == "title"
                            && stack.last().is_some_and(|p| local(&p.name) == "source")
                    }
                    // <rss><channel><item><source url="…">
                    Some("rss") => depth == entry_depth + 1 && name == "source",
                    _ => false,
                }
            {
                source_title = Some((depth, reader.position()));
            }
            if in_entry == Some(depth - 1)
                && let Some(e) = entries.last_mut()
            {
                match name {
                    "content" | "encoded" => e.content = Some(open.scope.clone()),
                    "summary" | "description" => e.summary = Some(open.scope.clone()),
                    _ => {}
                }
                if min_body.is_some()
                    && root == "feed"
                    && matches!(&*open.name, "category" | "source")
                    && open.atom_default
                {
                    if empty {
                        left_out(text, (offset, reader.position()), &mut cuts);
                    } else {
                        leaving = Some((depth, offset));
                    }
                }
                if !empty
                    && min_body.is_some()
                    && matches!(name, "content" | "encoded" | "summary" | "description")
                    && plain_type(start)
                {
                    let start = reader.position();
                    reading = Some(Reading {
                        depth,
                        start,
                        pure: true,
                    });
                    // Text only up to an end tag: read here at once rather
                    // than event by event.
                    if let Some(end) = text_up_to_end_tag(text, start) {
                        reader.skip_to(end);
                    }
                }
            }
            if !empty {
                stack.push(open);
            } else if in_entry == Some(depth) {
                in_entry = None;
                entry_end(&mut spans, reader.position());
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
                let qname = end.name();
                let name: &str = qname.as_ref();
                match stack.last() {
                    Some(top) if top.name == name => {
                        if in_entry == Some(stack.len()) {
                            in_entry = None;
                            entry_end(&mut spans, reader.position());
                        }
                        stack.pop();
                    }
                    Some(top) if stack.iter().any(|o| o.name == name) => {
                        let (line, column) = line_column(text.as_bytes(), offset);
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
                return Ok(Outline {
                    entries,
                    spans: Some(spans),
                    cuts,
                });
            }
            _ => {}
        }
    }
}

/// Leaves out the element at `span` (see [`Cut`]) when it has no
/// references (which feed-rs could fail on) and declares no namespace.
fn left_out(text: &str, span: Span, cuts: &mut Vec<Cut>) {
    let Some(element) = text.get(span.0..span.1) else {
        return;
    };
    if !element.contains('&') && !element.contains("xmlns") {
        cuts.push(Cut { span, body: false });
    }
}

/// Ends the span of the entry whose end was just read, at `end`.
fn entry_end(spans: &mut [Span], end: usize) {
    if let Some(span) = spans.last_mut() {
        span.1 = end;
    }
}

/// A quick-xml reader over `text`, positions as `usize`.
struct Cursor<'t> {
    reader: quick_xml::Reader<&'t [u8]>,
}

impl<'t> Cursor<'t> {
    fn new(text: &'t str) -> Cursor<'t> {
        let mut reader = quick_xml::Reader::from_str(text);
        reader.config_mut().check_end_names = false;
        Cursor { reader }
    }

    /// Where the next event starts.
    fn position(&self) -> usize {
        usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX)
    }

    fn error_position(&self) -> usize {
        usize::try_from(self.reader.error_position()).unwrap_or(usize::MAX)
    }

    /// Goes on at `to`, past text inside an element (as quick-xml's
    /// `stream` lets one).
    fn skip_to(&mut self, to: usize) {
        let n = to.saturating_sub(self.position());
        std::io::BufRead::consume(&mut self.reader.stream(), n);
    }
}

/// Where the end tag is that ends the text at `text[from..]`, when there is
/// only text up to it that quick-xml reads without error, as character
/// data, CDATA sections and references (which a [`Reading`] takes for a
/// body): `None` for anything else, left to quick-xml.
fn text_up_to_end_tag(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = from;
    loop {
        let at = i + memchr::memchr2(b'<', b'&', &bytes[i..])?;
        let (markup, end) = markup_in_text(text, at)?;
        match markup {
            Markup::EndTag => return Some(at),
            Markup::Ref(name) => {
                quick_xml::events::BytesRef::new(name)
                    .resolve_char_ref()
                    .ok()?;
            }
            Markup::CData(_) => {}
        }
        i = end;
    }
}

/// An element being opened, with the `xml:base`/`xml:lang` now in scope.
fn open_element<'t>(
    text: &'t str,
    start: &BytesStart,
    offset: usize,
    parent: Option<&Open>,
    base: Option<&Url>,
) -> Open<'t> {
    let qname = start.name();
    let written: &str = qname.as_ref();
    // The name follows the `<` at `offset`.
    let name = match text.get(offset + 1..offset + 1 + written.len()) {
        Some(n) if n == written => Cow::Borrowed(n),
        _ => Cow::Owned(written.to_owned()),
    };
    let mut scope = parent.map_or_else(
        || {
            Arc::new(Scope {
                base: base.cloned(),
                lang: None,
            })
        },
        |p| Arc::clone(&p.scope),
    );
    let mut atom_default = parent.is_none_or(|p| p.atom_default);
    for attr in start.attributes().flatten() {
        let key = attr.key.as_ref();
        if key == "xmlns" {
            atom_default = &*attr.value == ATOM_NS;
        }
        if key != "xml:base" && key != "xml:lang" {
            continue;
        }
        let Ok(value) = attr.normalized_value(quick_xml::XmlVersion::Implicit1_0) else {
            continue;
        };
        let value = value.trim();
        if key == "xml:lang" {
            Arc::make_mut(&mut scope).lang = (!value.is_empty()).then(|| value.to_owned());
        } else {
            let resolved = match &scope.base {
                Some(b) => b.join(value).ok(),
                None => Url::parse(value).ok(),
            };
            if resolved.is_some() {
                Arc::make_mut(&mut scope).base = resolved;
            }
        }
    }
    Open {
        name,
        offset,
        scope,
        atom_default,
    }
}

/// JSON Feed: check the JSON (for the error position) and read each item's
/// `language` (JSON Feed 1.1), which feed-rs does not keep.
fn json_scopes(text: &str) -> Result<Vec<EntryScopes>, Diagnostic> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| json_error(text, &e, "not a JSON Feed"))?;
    let items = value.get("items").and_then(|i| i.as_array());
    Ok(items
        .into_iter()
        .flatten()
        .map(|item| EntryScopes {
            entry: Arc::new(Scope {
                base: None,
                lang: item
                    .get("language")
                    .and_then(|l| l.as_str())
                    .map(str::to_owned),
            }),
            ..EntryScopes::default()
        })
        .collect())
}

// ---------------------------------------------------------------------------
// Dates

/// The raw text of every date feed-rs read, per entry field: from a second
/// parse whose timestamp hook records each date's text and hands back a
/// marker (the text's index, as seconds after the epoch) instead of a date.
/// Only for the reference ([`Tuning::reference`]): [`Part`] parses once.
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
/// timestamp hook returns (chrono's `DateTime<Utc>`, built from a
/// `SystemTime`, so kanbao needs no chrono dependency of its own).
fn marker<T: From<std::time::SystemTime>>(seconds: usize) -> Option<T> {
    let seconds = std::time::Duration::from_secs(u64::try_from(seconds).ok()?);
    Some(
        std::time::SystemTime::UNIX_EPOCH
            .checked_add(seconds)?
            .into(),
    )
}

/// feed-rs's own readings of date texts (its lenient parser's), as seconds
/// and nanoseconds after the epoch, remembered per text.
#[derive(Default)]
struct Instants {
    known: std::collections::HashMap<String, Option<(i64, u32)>>,
}

impl Instants {
    /// The instant feed-rs reads in `text`: worked out here for the plain
    /// RFC 3339 and RFC 2822 dates feeds mostly have (whose reading by
    /// feed-rs is certain), else by asking feed-rs itself.
    fn get(&mut self, text: &str) -> Option<(i64, u32)> {
        if let Some(instant) = plain_date(text) {
            return Some(instant);
        }
        if let Some(known) = self.known.get(text) {
            return *known;
        }
        let instant = feed_rs_instant(text);
        self.known.insert(text.to_owned(), instant);
        instant
    }
}

/// What feed-rs's lenient date parser makes of `text`: the text given to it
/// as the date of a JSON Feed item, which feed-rs hands to the parser as is.
fn feed_rs_instant(text: &str) -> Option<(i64, u32)> {
    let item = serde_json::json!({"id": "x", "date_published": text});
    let json = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": "x",
        "items": [item],
    });
    let feed = feed_rs::parser::parse(json.to_string().as_bytes()).ok()?;
    let date = feed.entries.first()?.published?;
    Some((date.timestamp(), date.timestamp_subsec_nanos()))
}

/// The instant of a date written the plain way, `2024-01-05T09:18:16+08:00`
/// (RFC 3339 with `T` and `Z` in capitals, at most nine decimals, no leap
/// second) or `Fri, 05 Jan 2024 09:18:16 +0800` (RFC 2822 with a numeric
/// offset or `GMT`/`UT`/`UTC`, four-digit year, English names as written
/// there, no leap second): `Some(instant)` when `text` is one, `None` when
/// it is written otherwise or is no valid date (left to feed-rs).
///
/// On such text feed-rs's lenient parser reads what chrono's strict RFC
/// 3339 or RFC 2822 parser reads (none of its regular-expression repairs
/// matches it, and a plain RFC 2822 date is no RFC 3339 date), and that is
/// computed here; `plain_dates_are_read_as_feed_rs_reads_them` checks it
/// against feed-rs.
fn plain_date(text: &str) -> Option<(i64, u32)> {
    let t = text.trim().as_bytes();
    let rfc3339 = t.len() >= 20 && t[4] == b'-' && t[10] == b'T';
    let fields = if rfc3339 {
        rfc3339_fields(t)?
    } else {
        rfc2822_fields(t)?
    };
    fields.instant()
}

/// A date and time with an offset, as written.
struct Fields {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    nanos: u32,
    offset_seconds: i64,
}

impl Fields {
    /// Seconds and nanoseconds after the epoch (chrono's `timestamp()`
    /// and `timestamp_subsec_nanos()`), or `None` for a date that does not
    /// exist. Hours, minutes, seconds and offsets are already in range.
    fn instant(&self) -> Option<(i64, u32)> {
        let leap = self.year % 4 == 0 && (self.year % 100 != 0 || self.year % 400 == 0);
        let days_in_month = match self.month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        if !(1..=days_in_month).contains(&self.day) {
            return None;
        }
        // Days from the epoch to the civil date (Howard Hinnant's algorithm).
        let y = if self.month <= 2 {
            self.year - 1
        } else {
            self.year
        };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (self.month + 9) % 12;
        let doy = (153 * mp + 2) / 5 + self.day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        let seconds = days * 86_400 + self.hour * 3_600 + self.minute * 60 + self.second
            - self.offset_seconds;
        Some((seconds, self.nanos))
    }
}

/// Digits `t[range]` as a number, when they are all ASCII digits.
fn digits(t: &[u8], range: std::ops::Range<usize>) -> Option<i64> {
    let d = t.get(range)?;
    if d.is_empty() || !d.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(d.iter().fold(0, |n, c| n * 10 + i64::from(c - b'0')))
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
fn rfc3339_fields(t: &[u8]) -> Option<Fields> {
    let year = digits(t, 0..4)?;
    let month = digits(t, 5..7)?;
    let day = digits(t, 8..10)?;
    let hour = digits(t, 11..13)?;
    let minute = digits(t, 14..16)?;
    let second = digits(t, 17..19)?;
    if t[7] != b'-' || t[13] != b':' || t[16] != b':' {
        return None;
    }
    let mut rest = &t[19..];
    let mut nanos = 0;
    if let Some(fraction) = rest.strip_prefix(b".") {
        let n = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if !(1..=9).contains(&n) {
            return None;
        }
        let value = digits(fraction, 0..n)?;
        nanos = u32::try_from(value * 10_i64.pow(9 - n as u32)).ok()?;
        rest = &fraction[n..];
    }
    let offset_seconds = match rest {
        b"Z" => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (h, m) = (digits(rest, 1..3)?, digits(rest, 4..6)?);
            if h > 23 || m > 59 {
                return None;
            }
            let s = h * 3_600 + m * 60;
            if *sign == b'-' { -s } else { s }
        }
        _ => return None,
    };
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    Some(Fields {
        year,
        month,
        day,
        hour,
        minute,
        second,
        nanos,
        offset_seconds,
    })
}

/// `[Ddd, ]D[D] Mmm YYYY HH:MM[:SS] (±HHMM|GMT|UT|UTC)`.
fn rfc2822_fields(t: &[u8]) -> Option<Fields> {
    const DAYS: [&[u8]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
    const MONTHS: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let mut t = t;
    if t.len() > 5 && DAYS.contains(&&t[..3]) && &t[3..5] == b", " {
        t = &t[5..];
    }
    let mut parts = t.split(|c| *c == b' ');
    let mut next = || parts.next();
    let day = next()?;
    let month = next()?;
    let year = next()?;
    let time = next()?;
    let zone = next()?;
    if next().is_some() || !(1..=2).contains(&day.len()) || year.len() != 4 {
        return None;
    }
    let day = digits(day, 0..day.len())?;
    let month = MONTHS.iter().position(|m| *m == month)? as i64 + 1;
    let year = digits(year, 0..4)?;
    let (hour, minute, second) = match time.len() {
        5 if time[2] == b':' => (digits(time, 0..2)?, digits(time, 3..5)?, 0),
        8 if time[2] == b':' && time[5] == b':' => (
            digits(time, 0..2)?,
            digits(time, 3..5)?,
            digits(time, 6..8)?,
        ),
        _ => return None,
    };
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let offset_seconds = match zone {
        b"GMT" | b"UT" | b"UTC" => 0,
        [sign @ (b'+' | b'-'), ..] if zone.len() == 5 => {
            let (h, m) = (digits(zone, 1..3)?, digits(zone, 3..5)?);
            if h > 23 || m > 59 {
                return None;
            }
            let s = h * 3_600 + m * 60;
            if *sign == b'-' { -s } else { s }
        }
        _ => return None,
    };
    Some(Fields {
        year,
        month,
        day,
        hour,
        minute,
        second,
        nanos: 0,
        offset_seconds,
    })
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
/// else the summary. `held`: the text of content and summary where feed-rs
/// had a placeholder (see [`Held`]). `tree`: HTML always through the
/// parsed tree (the reference).
fn body(
    info: &FeedInfo,
    entry: &Entry,
    held: [Option<String>; 2],
    scopes: Option<&EntryScopes>,
    base: Option<&Url>,
    tree: bool,
) -> (Vec<String>, Vec<String>) {
    let rss = info.rss;
    let html_to_text = if tree {
        html_to_text_tree
    } else {
        html_to_text
    };
    let [held_content, held_summary] = held;
    let content = entry.content.as_ref().and_then(|c| {
        let kind = c.content_type.to_string();
        let text = held_content
            .as_deref()
            .or(c.body.as_deref())
            .filter(|b| !b.trim().is_empty())?;
        (kind.starts_with("text/") || is_html(&kind)).then_some((
            text,
            kind,
            scopes.and_then(|s| s.content.as_ref()),
        ))
    });
    let chosen = content.or_else(|| {
        let summary = entry.summary.as_ref()?;
        let text = held_summary.as_deref().unwrap_or(&summary.content);
        if text.trim().is_empty() {
            return None;
        }
        let scope = scopes.and_then(|s| s.summary.as_ref());
        Some((text, summary.content_type.to_string(), scope))
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
        Cow::Owned(text.replace("</br>", ""))
    } else {
        Cow::Borrowed(text)
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

/// What the articles of a feed take from the feed itself.
struct FeedInfo {
    /// Its home page.
    home: Option<Url>,
    /// Its title, the articles' source.
    source: Option<String>,
    /// The authors Atom entries without any inherit.
    authors: Vec<String>,
    language: Option<String>,
    rss: bool,
}

impl FeedInfo {
    fn new(feed: &Feed, base: Option<&Url>) -> FeedInfo {
        let home = feed
            .links
            .iter()
            .find(|l| matches!(l.rel.as_deref(), None | Some("alternate")))
            .and_then(|l| Url::parse(&resolve(&l.href, base)).ok());
        let authors = if feed.feed_type == FeedType::Atom {
            feed.authors.iter().filter_map(|p| p.name.clone()).collect()
        } else {
            Vec::new()
        };
        FeedInfo {
            home,
            source: feed.title.as_ref().map(text_line),
            authors,
            language: feed.language.clone(),
            rss: matches!(
                feed.feed_type,
                FeedType::RSS0 | FeedType::RSS1 | FeedType::RSS2
            ),
        }
    }
}

fn article(
    info: &FeedInfo,
    entry: &Entry,
    held: [Option<String>; 2],
    scopes: Option<&EntryScopes>,
    published: Option<Published>,
    base: Option<&Url>,
    tree: bool,
) -> Article {
    let home = info.home.as_ref();
    // A relative entry link resolves against the feed's address, else its home page.
    let url = entry_url(entry, base.or(home));
    let url_base = url.as_deref().and_then(|u| Url::parse(u).ok());
    let content_base = base.or(url_base.as_ref()).or(home);
    let (body, links) = body(info, entry, held, scopes, content_base, tree);
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
    if authors.is_empty() {
        // Atom: an entry without authors has the feed's.
        authors = info.authors.clone();
    }
    let lang = entry
        .language
        .clone()
        .or_else(|| scopes.and_then(|s| s.entry.lang.clone()))
        .or_else(|| info.language.clone())
        .and_then(|l| normalize_lang(&l));
    Article {
        id: entry.id.trim().to_owned(),
        title,
        body,
        published,
        // The feed the entry was copied from, else this feed.
        source: scopes
            .and_then(|s| s.source.clone())
            .or_else(|| info.source.clone()),
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

    const RSS2: &[u8] = include_bytes!("../../../tests/fixtures/feeds/rss2.xml");
    const RSS1: &[u8] = include_bytes!("../../../tests/fixtures/feeds/rss1.rdf");
    const RSS091: &[u8] = include_bytes!("../../../tests/fixtures/feeds/rss091.xml");
    const ATOM: &[u8] = include_bytes!("../../../tests/fixtures/feeds/atom.xml");
    const JSON: &[u8] = include_bytes!("../../../tests/fixtures/feeds/feed.json");
    const GBK: &[u8] = include_bytes!("../../../tests/fixtures/feeds/gbk.xml");
    const BROKEN: &[u8] = include_bytes!("../../../tests/fixtures/feeds/broken.xml");

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn date(a: &Article) -> Option<String> {
        a.published.as_ref().map(Published::to_rfc3339)
    }

    #[test]
    fn an_entry_copied_from_another_feed_names_that_feed_as_its_source() {
        let long = "正文很长。".repeat(40); // past the placeholder threshold
        let atom = format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>聚合</title><id>f</id>
<entry><id>1</id><title>甲</title><source><id>s</id><title> 原始日报 &amp; 晚报 </title></source><content>{long}</content></entry>
<entry><id>2</id><title>乙</title><content>{long}</content></entry>
<entry><id>3</id><title>丙</title><source><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">X</div></title></source><content>短</content></entry>
<entry><id>4</id><title>丁</title><source><title><![CDATA[新华社]]></title></source><content>短</content></entry>
</feed>"#
        );
        let rss = r#"<rss version="2.0"><channel><title>聚合频道</title>
<item><title>一</title><source url="https://example.org/x.xml">经济日报</source><description>正文</description></item>
<item><title>二</title><description>正文</description></item>
</channel></rss>"#;
        for tuning in [
            Tuning::default(),
            Tuning {
                reference: true,
                ..Tuning::default()
            },
        ] {
            let sources = |xml: &str| -> Vec<Option<String>> {
                parse_tuned(xml.as_bytes(), None, tuning)
                    .unwrap()
                    .into_iter()
                    .map(|a| a.source)
                    .collect()
            };
            assert_eq!(
                sources(&atom),
                [
                    Some("原始日报 & 晚报".to_string()),
                    Some("聚合".into()),
                    Some("聚合".into()),
                    Some("新华社".into())
                ],
                "{tuning:?}"
            );
            assert_eq!(
                sources(rss),
                [Some("经济日报".to_string()), Some("聚合频道".into())],
                "{tuning:?}"
            );
        }
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
    fn plain_dates_are_read_as_feed_rs_reads_them() {
        let mut texts = Vec::new();
        for (date, time) in [
            ("2024-01-05", "09:18:16"),
            ("2024-02-29", "23:59:59"),
            ("2023-02-29", "10:00:00"),
            ("2024-04-31", "00:00:00"),
            ("2024-13-01", "00:00:00"),
            ("1969-12-31", "23:59:59"),
            ("1970-01-01", "00:00:00"),
            ("0001-01-01", "00:00:00"),
            ("9999-12-31", "23:59:59"),
            ("2016-12-31", "23:59:60"),
            ("2024-01-05", "24:00:00"),
            ("2024-01-05", "09:60:00"),
        ] {
            for fraction in ["", ".5", ".123456789", ".1234567891", "."] {
                for offset in [
                    "Z", "z", "+08:00", "-05:30", "+23:59", "+24:00", "-00:00", "+0800", "",
                ] {
                    texts.push(format!("{date}T{time}{fraction}{offset}"));
                }
            }
            texts.push(format!("{date}t{time}Z"));
            texts.push(format!("{date} {time}+08:00"));
            texts.push(format!(" {date}T{time}+08:00\n"));
        }
        for day in ["Fri, ", "Thu, ", "Friday, ", "", "Fri,"] {
            for date in [
                "05 Jan 2024",
                "5 Jan 2024",
                "30 Feb 2024",
                "29 Feb 2023",
                "05 Jan 24",
                "05 January 2024",
                "Jan 05 2024",
                "31 Dec 1969",
            ] {
                for time in ["09:18:16", "09:18", "9:18:16", "24:00:00", "23:59:60"] {
                    for zone in [
                        "+0800", "-0000", "+0000", "-0530", "+2400", "GMT", "UT", "UTC", "EST",
                        "Z", "gmt", "",
                    ] {
                        texts.push(format!("{day}{date} {time} {zone}"));
                    }
                }
            }
        }
        let mut plain = 0;
        for text in &texts {
            if let Some(instant) = plain_date(text) {
                plain += 1;
                assert_eq!(Some(instant), feed_rs_instant(text), "{text:?}");
            }
        }
        assert!(plain > 150, "{plain} of {}", texts.len());
        // The usual forms are read here.
        for text in [
            "2024-06-30T18:00:32+08:00",
            "2024-06-30T10:00:32Z",
            "2024-06-30T10:00:32.250Z",
            "Sun, 30 Jun 2024 18:00:32 +0800",
            "Sun, 30 Jun 2024 10:00:32 GMT",
            "30 Jun 2024 10:00 GMT",
        ] {
            assert!(plain_date(text).is_some(), "{text:?}");
        }
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
