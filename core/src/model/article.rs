//! The article: what one news item holds, and how it is read from JSON.
//!
//! Field names follow the article format (README, "Article format"), with the aliases common news datasets use
//! (`content`/`text` for `body`, `time`/`date`/`pubDate` for `published`,
//! `media` for `source`). Unknown fields are kept in [`Article::extra`].
//! Every string goes through [`crate::text::sanitize`] here, where text enters the
//! program, so nothing downstream can leak an escape sequence.

use std::fmt;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::diagnostic::Diagnostic;
use crate::model::link::{Link, LinkRefused};
use crate::model::published::Published;
use crate::text::position::{column_of_byte_column, line_column};
use crate::text::sanitize::{sanitize, sanitize_line};

/// Where an article came from: file path, and the line and column its JSON starts at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    /// The file, as given (or `<sample>/name` for the embedded library);
    /// shared by the articles of one file.
    pub path: Arc<str>,
    /// 1-based line of the article's first byte.
    pub line: usize,
    /// 1-based column (in characters) of the article's first byte.
    pub column: usize,
}

/// Why the body of an article left on disk could not be read
/// ([`Article::load_body`]). Paths are shown sanitized.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// The article file no longer holds the article where it was.
    #[error("{path} changed since kanbao loaded it: restart kanbao to read this article")]
    Changed {
        /// The article file.
        path: String,
    },
    /// The article file could not be read.
    #[error("cannot read {path}: {error}")]
    Unreadable {
        /// The article file.
        path: String,
        /// What the system said.
        error: String,
    },
    /// The metadata cache's copy of the body changed.
    #[error(
        "kanbao's cached copy of {file} changed since it was loaded: restart kanbao to read this article"
    )]
    CachedCopyChanged {
        /// The article's own file, which the user opened.
        file: String,
    },
    /// The metadata cache's copy of the body could not be read.
    #[error(
        "cannot read kanbao's cached copy of {file} ({error}): restart kanbao to read this article"
    )]
    CachedCopyUnreadable {
        /// The article's own file, which the user opened.
        file: String,
        /// What the system said.
        error: String,
    },
}

/// Where the body of an article lives when it was left on disk (or in the
/// library database). Big libraries keep only metadata in memory and read a
/// body when it is needed ([`Article::load_body`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BodyAt {
    /// The article's JSON object: `len` bytes at `offset` of the file at `path`.
    File {
        /// The file.
        path: Arc<str>,
        /// Byte offset of the article's JSON object in the file.
        offset: u64,
        /// Its length in bytes.
        len: u64,
    },
    /// The article's JSON (`len` bytes) in row `rowid` of a database.
    Row {
        /// The database, which reads the row.
        docs: Docs,
        /// The row.
        rowid: i64,
        /// The length of its JSON in bytes.
        len: u64,
    },
}

impl BodyAt {
    /// The length of the article's JSON in bytes.
    pub fn len(&self) -> u64 {
        match self {
            BodyAt::File { len, .. } | BodyAt::Row { len, .. } => *len,
        }
    }

    /// Whether the article's JSON is empty (never, for an article).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The file the body is in: the article file, the cache's bodies file or
    /// the database.
    pub fn path(&self) -> &str {
        match self {
            BodyAt::File { path, .. } => path,
            BodyAt::Row { docs, .. } => docs.0.path(),
        }
    }
}

/// What reads the article JSON of a database's rows: the library database
/// (`db/`) hands one to each article it loads, so that the model reads a
/// body without knowing the schema.
pub trait RowSource: Send + Sync + fmt::Debug {
    /// The database file, for messages.
    fn path(&self) -> &str;
    /// The article JSON in row `rowid`; `Ok(None)` when there is no such row.
    fn doc(&self, rowid: i64) -> Result<Option<String>, String>;
}

/// A shared [`RowSource`]: the articles of one database share one.
#[derive(Clone, Debug)]
pub struct Docs(pub Arc<dyn RowSource>);

impl PartialEq for Docs {
    /// The same database file.
    fn eq(&self, other: &Docs) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0.path() == other.0.path()
    }
}

impl Eq for Docs {}

/// One news article.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Article {
    /// Stable identifier: the `id` field, else derived from the URL, else from the content.
    pub id: String,
    /// The headline.
    pub title: String,
    /// Body paragraphs, in order.
    pub body: Vec<String>,
    /// When it was published.
    pub published: Option<Published>,
    /// The publisher.
    pub source: Option<String>,
    /// Authors, for display.
    pub authors: Vec<String>,
    /// The responsible editor.
    pub editor: Option<String>,
    /// Breadcrumb, e.g. `["浙江", "嘉兴", "要闻"]`.
    pub section: Vec<String>,
    /// Where the article lives on the web.
    pub url: Option<String>,
    /// The feed it came from (its URL, or `file://` address), which scopes
    /// its id: the same guid in another feed is another article (see
    /// [`Article::key`]). `None` for articles that belong to no feed (plain
    /// JSON libraries, pages, text dumps). Stored as `"feed"`.
    pub feed: Option<String>,
    /// BCP 47 language tag, e.g. `zh-CN`.
    pub lang: Option<String>,
    /// Links found in the body (numbered `[1]`, `[2]`… in the text), in order.
    pub links: Vec<String>,
    /// Fields kanbao does not know, kept as they were.
    pub extra: Map<String, Value>,
    /// Where it was loaded from.
    pub origin: Origin,
    /// Where the body is, when it was not read into memory (`body` is empty then).
    pub body_at: Option<BodyAt>,
}

impl Article {
    /// An article with just a title and body paragraphs (for tests and examples).
    pub fn new(title: &str, body: Vec<String>) -> Article {
        Article {
            title: title.to_owned(),
            body,
            ..Article::default()
        }
        .finish()
    }

    /// The article's identity: what the library directory, the duplicate
    /// check and the read and starred marks key by. It is the id alone for
    /// an article of no feed (so the marks of plain JSON libraries never
    /// change), else the feed, a separator (U+001F, a control character,
    /// which sanitizing removes from both) and the id: a feed cannot reach
    /// another feed's article by reusing its guid or URL.
    ///
    /// ```
    /// use kanbao_core::Article;
    /// let mut a = Article::new("t", vec![]);
    /// a.id = "guid-1".into();
    /// assert_eq!(a.key(), "guid-1");
    /// a.feed = Some("https://a.example/feed".into());
    /// let mut b = a.clone();
    /// b.feed = Some("https://b.example/feed".into());
    /// assert_ne!(a.key(), b.key());
    /// ```
    pub fn key(&self) -> std::borrow::Cow<'_, str> {
        article_key(self.feed.as_deref(), &self.id)
    }

    /// The metadata line shown under the title: date · source · authors.
    ///
    /// ```
    /// use kanbao_core::Article;
    /// let a = Article::from_json(r#"{"title":"t","source":"嘉兴日报",
    ///     "published":"2023-01-06T09:18:16+08:00","authors":["沈哲韬","徐佳叶"],"lang":"zh-CN"}"#).unwrap();
    /// assert_eq!(a.meta_line(), "2023-01-06 09:18 · 嘉兴日报 · 沈哲韬、徐佳叶");
    /// ```
    pub fn meta_line(&self) -> String {
        let mut parts = Vec::new();
        if let Some(p) = &self.published {
            parts.push(p.display());
        }
        if let Some(s) = &self.source {
            parts.push(s.clone());
        }
        if !self.authors.is_empty() {
            let cjk = self
                .lang
                .as_deref()
                .is_some_and(|l| l.starts_with("zh") || l.starts_with("ja"));
            parts.push(self.authors.join(if cjk { "、" } else { ", " }));
        }
        parts.join(" · ")
    }

    /// The article's URL checked as every URL that leaves kanbao is
    /// ([`Link::parse`]): `None` when it has none, the reason when it is
    /// not a safe web or mail link (it is then shown only as plain text, and
    /// never opened, copied or handed on).
    ///
    /// ```
    /// use kanbao_core::Article;
    /// let mut a = Article::new("t", vec![]);
    /// a.url = Some("https://example.org/a".into());
    /// assert_eq!(a.link().unwrap().unwrap().as_str(), "https://example.org/a");
    /// a.url = Some("javascript:alert(1)".into());
    /// assert!(a.link().unwrap().is_err());
    /// ```
    pub fn link(&self) -> Option<Result<Link, LinkRefused>> {
        self.url.as_deref().map(Link::parse)
    }

    /// The `n`th link of the body (1-based, as numbered in the text),
    /// checked like [`Article::link`]; `None` when there is no such link.
    pub fn body_link(&self, n: usize) -> Option<Result<Link, LinkRefused>> {
        let i = n.checked_sub(1)?;
        self.links.get(i).map(|l| Link::parse(l))
    }

    /// Total size of the article's text in bytes (title and body); for a
    /// body left on disk, the size of its JSON.
    pub fn text_len(&self) -> usize {
        let on_disk = self.body_at.as_ref().map_or(0, |b| b.len() as usize);
        self.title.len() + self.body.iter().map(String::len).sum::<usize>() + on_disk
    }

    /// The body paragraphs: from memory, or read from the file for a body
    /// left on disk. Fails when the file can no longer be read or no longer
    /// holds this article there (it changed since it was loaded).
    ///
    /// The body of a feed, page or text dump may be in the metadata cache's
    /// bodies file (see the library's metadata cache): messages name the article's own file,
    /// which is what the user opened.
    pub fn load_body(&self) -> Result<Vec<String>, BodyError> {
        let Some(at) = &self.body_at else {
            return Ok(self.body.clone());
        };
        let file = sanitize_line(&self.origin.path);
        let cached = at.path() != &*self.origin.path && !self.origin.path.is_empty();
        let changed = || match cached {
            false => BodyError::Changed {
                path: sanitize_line(at.path()),
            },
            true => BodyError::CachedCopyChanged { file: file.clone() },
        };
        let unreadable = |e: String| match cached {
            false => BodyError::Unreadable {
                path: sanitize_line(at.path()),
                error: e,
            },
            true => BodyError::CachedCopyUnreadable {
                file: file.clone(),
                error: e,
            },
        };
        let text = match at {
            BodyAt::File { .. } => {
                let bytes = read_at(at).map_err(|e| unreadable(e.to_string()))?;
                String::from_utf8(bytes).map_err(|_| changed())?
            }
            BodyAt::Row { docs, rowid, .. } => docs
                .0
                .doc(*rowid)
                .map_err(unreadable)?
                .ok_or_else(changed)?,
        };
        match Article::from_json(&text) {
            Ok(a) if a.id == self.id && a.title == self.title => Ok(a.body),
            _ => Err(changed()),
        }
    }

    /// The article with its body in memory (a copy when it was on disk; a
    /// body that cannot be read becomes a paragraph saying why).
    pub fn with_body(&self) -> std::borrow::Cow<'_, Article> {
        if self.body_at.is_none() {
            return std::borrow::Cow::Borrowed(self);
        }
        let mut full = self.clone();
        full.body = self.load_body().unwrap_or_else(|e| vec![format!("⚠ {e}")]);
        full.body_at = None;
        std::borrow::Cow::Owned(full)
    }

    /// Makes an article built by an importer safe and complete: every text
    /// field sanitized (see [`crate::sanitize`]), empty paragraphs dropped,
    /// and an id derived if it has none. Every importer ends with this.
    pub fn finish(mut self) -> Article {
        let line = |s: &mut String| *s = sanitize_line(s);
        let opt = |s: &mut Option<String>| {
            if let Some(v) = s {
                *v = sanitize_line(v);
                if v.trim().is_empty() {
                    *s = None;
                }
            }
        };
        line(&mut self.title);
        opt(&mut self.source);
        opt(&mut self.editor);
        opt(&mut self.url);
        opt(&mut self.lang);
        opt(&mut self.feed);
        for list in [&mut self.authors, &mut self.section, &mut self.links] {
            list.iter_mut().for_each(|s| *s = sanitize_line(s));
            list.retain(|s| !s.trim().is_empty());
        }
        let mut body = Vec::new();
        for p in &self.body {
            paragraphs(p, &mut body);
        }
        self.body = body;
        self.extra = std::mem::take(&mut self.extra)
            .into_iter()
            .map(|(k, v)| (sanitize_line(&k), sanitize_value(v)))
            .collect();
        line(&mut self.id);
        if self.id.trim().is_empty() {
            self.id = self.derived_id();
        }
        self
    }

    /// An id for an article without one: from its URL; else from title,
    /// date and source when it is dated (so a corrected body replaces the
    /// older version on re-import); else from title and body.
    fn derived_id(&self) -> String {
        let mut h = Fnv::new();
        match (&self.url, &self.published) {
            (Some(url), _) => h.write(url.as_bytes()),
            (None, Some(p)) => {
                h.write(self.title.as_bytes());
                h.write(b"\n");
                h.write(p.to_rfc3339().as_bytes());
                h.write(b"\n");
                h.write(self.source.as_deref().unwrap_or("").as_bytes());
            }
            (None, None) => {
                h.write(self.title.as_bytes());
                for p in &self.body {
                    h.write(b"\n");
                    h.write(p.as_bytes());
                }
            }
        }
        format!("{:016x}", h.0)
    }

    /// Whether [`Article::to_json`] reads back ([`Article::from_json`]) with
    /// the same id, title and body: true of every article an importer
    /// finished, unless a kept unknown field has the name of a known one or
    /// the date is one RFC 3339 cannot say. Checked before a body is kept in
    /// the metadata cache's bodies file, where it must be found again.
    pub fn reads_back_from_json(&self) -> bool {
        const KNOWN: [&str; 20] = [
            "id",
            "title",
            "body",
            "content",
            "text",
            "published",
            "time",
            "date",
            "pubDate",
            "tz",
            "source",
            "media",
            "authors",
            "author",
            "editor",
            "section",
            "url",
            "lang",
            "links",
            "feed",
        ];
        !self.id.is_empty()
            && !self.title.trim().is_empty()
            && !self.extra.keys().any(|k| KNOWN.contains(&k.as_str()))
            && self
                .published
                .as_ref()
                .is_none_or(|p| Published::parse(&p.to_rfc3339(), None).is_ok())
    }

    /// The article as a JSON object in kanbao's own field names.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self.as_json()).unwrap_or_default()
    }

    /// [`Article::to_json`] without a copy of the article: serializing it
    /// (`serde_json::to_writer`) writes the same object.
    pub fn as_json(&self) -> AsJson<'_> {
        AsJson(self)
    }
}

/// An article, serialized as the JSON object [`Article::to_json`] gives.
#[derive(Clone, Copy, Debug)]
pub struct AsJson<'a>(&'a Article);

impl AsJson<'_> {
    /// Whether a field of that name is written before the unknown fields
    /// (which never replace one).
    fn writes(&self, key: &str) -> bool {
        let a = self.0;
        match key {
            "id" | "title" | "body" => true,
            "published" => a.published.is_some(),
            "source" => a.source.is_some(),
            "authors" => !a.authors.is_empty(),
            "editor" => a.editor.is_some(),
            "section" => !a.section.is_empty(),
            "url" => a.url.is_some(),
            "lang" => a.lang.is_some(),
            "links" => !a.links.is_empty(),
            "feed" => a.feed.is_some(),
            _ => false,
        }
    }
}

impl serde::Serialize for AsJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let a = self.0;
        let mut m = serializer.serialize_map(None)?;
        m.serialize_entry("id", &a.id)?;
        m.serialize_entry("title", &a.title)?;
        if let Some(p) = &a.published {
            m.serialize_entry("published", &p.to_rfc3339())?;
        }
        let opt = |m: &mut S::SerializeMap, key: &str, v: &Option<String>| match v {
            Some(v) => m.serialize_entry(key, v),
            None => Ok(()),
        };
        let list = |m: &mut S::SerializeMap, key: &str, v: &Vec<String>| match v.is_empty() {
            false => m.serialize_entry(key, v),
            true => Ok(()),
        };
        opt(&mut m, "source", &a.source)?;
        list(&mut m, "authors", &a.authors)?;
        opt(&mut m, "editor", &a.editor)?;
        list(&mut m, "section", &a.section)?;
        opt(&mut m, "url", &a.url)?;
        opt(&mut m, "lang", &a.lang)?;
        list(&mut m, "links", &a.links)?;
        opt(&mut m, "feed", &a.feed)?;
        m.serialize_entry("body", &a.body)?;
        for (k, v) in &a.extra {
            if !self.writes(k) {
                m.serialize_entry(k, v)?;
            }
        }
        m.end()
    }
}

/// The separator of feed and id in [`Article::key`]: a control character,
/// which [`sanitize_line`] removes from both, so no two (feed, id) pairs
/// give the same key.
const KEY_SEPARATOR: char = '\u{1f}';

/// [`Article::key`] of an article with this feed and id.
pub(crate) fn article_key<'a>(feed: Option<&str>, id: &'a str) -> std::borrow::Cow<'a, str> {
    match feed {
        None => std::borrow::Cow::Borrowed(id),
        Some(feed) => std::borrow::Cow::Owned(format!("{feed}{KEY_SEPARATOR}{id}")),
    }
}

/// The bytes of an article's JSON object in a file (none for a row).
fn read_at(at: &BodyAt) -> std::io::Result<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let BodyAt::File { path, offset, len } = at else {
        return Ok(Vec::new());
    };
    let mut file = std::fs::File::open(&**path)?;
    file.seek(SeekFrom::Start(*offset))?;
    let mut buf = Vec::with_capacity(*len as usize);
    file.take(*len).read_to_end(&mut buf)?;
    Ok(buf)
}

/// FNV-1a, 64 bit: a tiny, stable hash for derived ids, stored file names
/// and cache entries (stable across runs and platforms, unlike `std`'s
/// randomly seeded hasher).
pub(crate) struct Fnv(pub(crate) u64);

impl Fnv {
    pub(crate) fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    /// The hash of `bytes` alone.
    pub(crate) fn hash(bytes: &[u8]) -> u64 {
        let mut h = Fnv::new();
        h.write(bytes);
        h.0
    }
    pub(crate) fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// The fields of one JSON object, in order, each with its raw text (which
/// borrows from the input, so its position is known).
struct RawFields<'a>(Vec<(String, &'a RawValue)>);

impl<'de> Deserialize<'de> for RawFields<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawFields<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an article object with a \"title\"")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut fields = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, &'de RawValue>()? {
                    fields.push((k, v));
                }
                Ok(RawFields(fields))
            }
        }
        deserializer.deserialize_map(V)
    }
}

/// A serde_json error as a user should read it: what kind of problem, then
/// serde's words without their " at line L column C" suffix (the position is
/// reported separately).
pub fn json_message(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let bare = bare_message(e);
    match e.classify() {
        Category::Syntax => format!("invalid JSON: {bare}"),
        Category::Eof => format!("invalid JSON: unexpected end of file ({bare})"),
        Category::Data => format!("not an article: {bare}"),
        Category::Io => bare,
    }
}

/// serde_json's message without its " at line L column C" suffix.
pub fn bare_message(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg,
    }
}

impl Article {
    /// Reads one article from the text of a JSON object.
    ///
    /// An error is a [`Diagnostic`] without a path, placed relative to
    /// `text` (the column in characters); it names the field and points at
    /// its value:
    ///
    /// ```
    /// use kanbao_core::Article;
    /// let a = Article::from_json(r#"{"title": "看报", "content": "第一段\n\n第二段"}"#).unwrap();
    /// assert_eq!(a.body, ["第一段", "第二段"]);
    /// let e = Article::from_json("{\n  \"title\": 5\n}").unwrap_err();
    /// assert_eq!((e.line, e.column), (2, 12));
    /// assert_eq!(e.message, "field `title`: expected a string, found a number");
    /// ```
    pub fn from_json(text: &str) -> Result<Article, Diagnostic> {
        Article::parse_json(text, true)
    }

    /// [`Article::from_json`] without the body: it is checked (its type, and
    /// every paragraph's) but not kept, so a big library holds only
    /// metadata. The caller records where the body is ([`Article::body_at`]).
    /// An article whose id has to be derived from its body reads it once.
    pub fn from_json_meta(text: &str) -> Result<Article, Diagnostic> {
        Article::parse_json(text, false)
    }

    /// Only the title and body of an article's JSON, as [`Article::from_json`]
    /// would read them (sanitized, in paragraphs): what a search looks at,
    /// for a fraction of the cost. `None` when it is not a valid article.
    pub fn text_from_json(text: &str) -> Option<(String, Vec<String>)> {
        #[derive(Deserialize)]
        struct TextOnly {
            title: String,
            #[serde(default, alias = "content", alias = "text")]
            body: Value,
        }
        match serde_json::from_str::<TextOnly>(text) {
            Ok(t) => Some((sanitize_line(&t.title), body("body", t.body).ok()?)),
            // Duplicate or aliased fields, odd types: the full reader decides.
            Err(_) => Article::from_json(text).ok().map(|a| (a.title, a.body)),
        }
    }

    fn parse_json(text: &str, keep_body: bool) -> Result<Article, Diagnostic> {
        let fields = serde_json::from_str::<RawFields>(text).map_err(|e| {
            // serde would quote the value; say only what kind it was, so no
            // text from the file (or an escape sequence in it) is echoed.
            let message = if e.classify() == serde_json::error::Category::Data {
                let found = match text.trim_start().chars().next() {
                    Some('"') => "a string",
                    Some('[') => "an array",
                    Some('t' | 'f') => "a boolean",
                    Some('n') => "null",
                    _ => "a number",
                };
                format!("not an article: expected a JSON object with a \"title\", found {found}")
            } else {
                json_message(&e)
            };
            let line = e.line().max(1);
            Diagnostic::at(line, column_of_byte_column(text, line, e.column()), message)
        })?;
        let base = text.as_ptr() as usize;
        let at = |raw: &RawValue, message: String| {
            let (line, column) = line_column(text.as_bytes(), raw.get().as_ptr() as usize - base);
            Diagnostic::at(line, column, message)
        };
        let mut a = Article::default();
        let mut title = None;
        let mut published: Option<(&str, String, &RawValue)> = None;
        let mut tz = None;
        let mut id = None;
        let mut body_raw = None;
        for (key, raw) in fields.0 {
            let k = key.as_str();
            if !keep_body
                && matches!(k, "body" | "content" | "text")
                && serde_json::from_str::<BodyShape>(raw.get()).is_ok()
            {
                body_raw = Some(raw);
                continue;
            }
            let v: Value =
                serde_json::from_str(raw.get()).map_err(|e| at(raw, json_message(&e)))?;
            let result: Result<(), Diagnostic> = (|| {
                match k {
                    "title" => match v {
                        Value::String(s) => title = Some(sanitize_line(&s)),
                        other => return Err(wrong(k, "a string", &other)),
                    },
                    "body" | "content" | "text" => a.body = body(k, v)?,
                    "published" | "time" | "date" | "pubDate" => match v {
                        Value::Null => {}
                        Value::String(s) => {
                            let name = ["published", "time", "date", "pubDate"]
                                .into_iter()
                                .find(|n| *n == k)
                                .unwrap_or("published");
                            published = Some((name, sanitize_line(&s), raw));
                        }
                        other => return Err(wrong(k, "an RFC 3339 date string", &other)),
                    },
                    "tz" => tz = opt_string(k, v)?,
                    "source" | "media" => a.source = opt_string(k, v)?,
                    "authors" | "author" => a.authors = string_list(k, v)?,
                    "editor" => a.editor = opt_string(k, v)?,
                    "section" => a.section = string_list(k, v)?,
                    "url" => a.url = opt_string(k, v)?,
                    "lang" => a.lang = opt_string(k, v)?,
                    "links" => a.links = string_list(k, v)?,
                    "feed" => a.feed = opt_string(k, v)?,
                    "id" => match v {
                        Value::String(s) => id = Some(sanitize_line(&s)),
                        Value::Number(n) => id = Some(n.to_string()),
                        other => return Err(wrong(k, "a string", &other)),
                    },
                    _ => {
                        a.extra.insert(sanitize_line(&key), sanitize_value(v));
                    }
                }
                Ok(())
            })();
            result.map_err(|d| at(raw, d.message))?;
        }
        let start = text.len() - text.trim_start().len();
        let (line, column) = line_column(text.as_bytes(), start);
        a.title = title.ok_or_else(|| {
            Diagnostic::at(
                line,
                column,
                "missing field `title`: every article needs a title",
            )
        })?;
        if a.title.trim().is_empty() {
            return Err(Diagnostic::at(
                line,
                column,
                "field `title`: the title is empty",
            ));
        }
        if let Some((field, text, raw)) = published {
            a.published = Some(
                Published::parse(&text, tz.as_deref())
                    .map_err(|e| at(raw, format!("field `{field}`: {e}")))?,
            );
        }
        a.id = match id {
            Some(id) if !id.is_empty() => id,
            _ if a.url.is_none() && a.published.is_none() && body_raw.is_some() => {
                // Derived from the body: read it this once.
                let raw = body_raw.unwrap_or_else(|| unreachable!());
                let v: Value =
                    serde_json::from_str(raw.get()).map_err(|e| at(raw, json_message(&e)))?;
                a.body = body("body", v).map_err(|d| at(raw, d.message))?;
                let id = a.derived_id();
                a.body = Vec::new();
                id
            }
            _ => a.derived_id(),
        };
        Ok(a)
    }
}

/// Sanitizes every string (and key) inside a JSON value: unknown fields are
/// kept, and kept clean.
fn sanitize_value(v: Value) -> Value {
    match v {
        Value::String(s) => Value::String(sanitize(&s)),
        Value::Array(items) => Value::Array(items.into_iter().map(sanitize_value).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (sanitize_line(&k), sanitize_value(v)))
                .collect(),
        ),
        other => other,
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A field of the wrong type; placed where its value is by the caller.
fn wrong(field: &str, want: &str, got: &Value) -> Diagnostic {
    Diagnostic::new(format!(
        "field `{field}`: expected {want}, found {}",
        type_name(got)
    ))
}

fn opt_string(field: &str, v: Value) -> Result<Option<String>, Diagnostic> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => {
            let s = sanitize_line(&s);
            Ok((!s.trim().is_empty()).then_some(s))
        }
        other => Err(wrong(field, "a string", &other)),
    }
}

fn string_list(field: &str, v: Value) -> Result<Vec<String>, Diagnostic> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::String(s) => Ok(vec![sanitize_line(&s)]),
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) => Ok(sanitize_line(&s)),
                other => Err(wrong(&format!("{field}[{i}]"), "a string", &other)),
            })
            .collect(),
        other => Err(wrong(field, "an array of strings", &other)),
    }
}

/// [`paragraphs`] of a string the caller gives up: a clean one-line
/// paragraph is moved, not copied.
fn paragraphs_owned(mut text: String, out: &mut Vec<String>) {
    if crate::text::sanitize::is_clean(&text) {
        text.truncate(text.trim_end().len());
        if !text.trim_start().is_empty() {
            out.push(text);
        }
        return;
    }
    paragraphs(&text, out);
}

/// Splits text into paragraphs on blank lines; drops empty ones.
fn paragraphs(text: &str, out: &mut Vec<String>) {
    // The common case: one clean line, kept as it is (less trailing space).
    if crate::text::sanitize::is_clean(text) {
        let kept = text.trim_end();
        if !kept.trim_start().is_empty() {
            out.push(kept.to_owned());
        }
        return;
    }
    let clean = sanitize(text);
    let mut current: Vec<&str> = Vec::new();
    for line in clean.split('\n') {
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(current.join("\n"));
                current.clear();
            }
        } else {
            current.push(line.trim_end());
        }
    }
    if !current.is_empty() {
        out.push(current.join("\n"));
    }
}

/// A body's shape, checked without keeping it: null, a string, or an array
/// of strings. Anything else is left to [`body`], which says what is wrong.
struct BodyShape;

impl<'de> Deserialize<'de> for BodyShape {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Text;
        impl<'de> Deserialize<'de> for Text {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = Text;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str("a string")
                    }
                    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Text, E> {
                        Ok(Text)
                    }
                }
                deserializer.deserialize_str(V)
            }
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = BodyShape;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or an array of strings")
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<BodyShape, E> {
                Ok(BodyShape)
            }
            fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<BodyShape, E> {
                Ok(BodyShape)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<BodyShape, A::Error> {
                while seq.next_element::<Text>()?.is_some() {}
                Ok(BodyShape)
            }
        }
        deserializer.deserialize_any(V)
    }
}

fn body(field: &str, v: Value) -> Result<Vec<String>, Diagnostic> {
    let mut out = Vec::new();
    match v {
        Value::Null => {}
        Value::String(s) => paragraphs_owned(s, &mut out),
        Value::Array(items) => {
            for (i, item) in items.into_iter().enumerate() {
                match item {
                    Value::String(s) => paragraphs_owned(s, &mut out),
                    other => return Err(wrong(&format!("{field}[{i}]"), "a string", &other)),
                }
            }
        }
        other => return Err(wrong(field, "a string or an array of strings", &other)),
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_of_common_datasets_are_accepted() {
        let a = Article::from_json(
            r#"{"title":"标题","content":"第一段\n\n第二段","time":"2023-01-06 09:18:16","media":"嘉兴日报","tz":"+08:00"}"#,
        )
        .unwrap();
        assert_eq!(a.body, ["第一段", "第二段"]);
        assert_eq!(a.source.as_deref(), Some("嘉兴日报"));
        assert_eq!(
            a.published.unwrap().to_rfc3339(),
            "2023-01-06T09:18:16+08:00"
        );
    }

    #[test]
    fn unknown_fields_are_kept() {
        let a = Article::from_json(r#"{"title":"t","credits":[{"role":"记者"}]}"#).unwrap();
        assert!(a.extra.contains_key("credits"));
        assert!(a.to_json().get("credits").is_some());
    }

    #[test]
    fn as_json_writes_what_to_json_holds_known_fields_first() {
        let mut a = Article::from_json(
            r#"{"title":"标题","body":["一","二"],"published":"2023-01-06T09:18:16.5+08:00","links":["https://example.org/"],"credits":[{"role":"记者"}],"source":"嘉兴日报"}"#,
        )
        .unwrap();
        a.extra.insert("title".into(), "shadowed".into());
        a.extra
            .insert("editor".into(), "kept: no editor field".into());
        let want = serde_json::json!({
            "id": a.id, "title": "标题", "body": ["一", "二"],
            "published": "2023-01-06T09:18:16+08:00", "source": "嘉兴日报",
            "links": ["https://example.org/"], "credits": [{"role": "记者"}],
            "editor": "kept: no editor field",
        });
        assert_eq!(a.to_json(), want);
        let written = serde_json::to_string(&a.as_json()).unwrap();
        assert_eq!(serde_json::from_str::<Value>(&written).unwrap(), want);
    }

    #[test]
    fn wrong_types_name_the_field_and_position() {
        let e = Article::from_json("{\n  \"title\": 5\n}").unwrap_err();
        assert!(
            e.message.contains("field `title`") && e.message.contains("a number"),
            "{e}"
        );
        assert_eq!((e.line, e.column), (2, 12));
        let e = Article::from_json(r#"{"title":"t","body":["a",3]}"#).unwrap_err();
        assert!(e.to_string().contains("field `body[1]`"), "{e}");
    }

    #[test]
    fn missing_title_is_an_error() {
        let e = Article::from_json(r#"{"body":"x"}"#).unwrap_err();
        assert!(e.to_string().contains("missing field `title`"), "{e}");
    }

    #[test]
    fn ids_are_stable_and_derived_when_absent() {
        let json = r#"{"title":"t","url":"https://example.org/a"}"#;
        let a = Article::from_json(json).unwrap();
        let b = Article::from_json(json).unwrap();
        assert_eq!(a.id, b.id);
        assert_eq!(a.id.len(), 16);
        let c = Article::from_json(r#"{"title":"t","id":"x1"}"#).unwrap();
        assert_eq!(c.id, "x1");
    }

    #[test]
    fn hostile_text_is_sanitized_on_load() {
        let a = Article::from_json(
            r#"{"title":"正常标题\u001b]0;x\u0007看这里","body":"a\u001b[2Jb"}"#,
        )
        .unwrap();
        assert_eq!(a.title, "正常标题看这里");
        assert_eq!(a.body, ["ab"]);
    }
}
