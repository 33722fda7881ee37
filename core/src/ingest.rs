//! `kanbao import` and `kanbao update`: articles into the library database
//! (one transaction per feed or per [`BATCH`] articles), or into a directory
//! of article files (`--into DIR`: one JSON file per article, written
//! atomically); idempotent either way.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::db::{BATCH, DbError, LibraryDb, MARK_READ, MARK_STARRED, Rescoped, Stored};
use crate::diagnostic::Diagnostic;
use crate::library::{Format, Library};
use crate::model::article::Article;
use crate::net::fetch::{FetchError, Fetched, Fetcher, Validators};
use crate::net::subscriptions::{Subscriptions, SubscriptionsError};
use crate::store::atomic::{WriteError, write_atomic};
use crate::store::read::{MAX_BYTES, ReadError, read_bounded};

/// Why `kanbao import` (or finding where to store) failed as a whole.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The subscription list could not be read or written.
    #[error(transparent)]
    Subscriptions(#[from] SubscriptionsError),
    /// Articles could not be stored.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why articles could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An article file could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// The library database refused.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Where `kanbao import` and `kanbao update` store articles.
#[derive(Debug)]
pub enum Destination {
    /// The library database (the default).
    Db(LibraryDb),
    /// A directory of article files, one JSON file per article (`--into DIR`).
    Dir(PathBuf),
}

impl Destination {
    /// The database file or the directory, for messages.
    pub fn path(&self) -> &Path {
        match self {
            Destination::Db(db) => db.path(),
            Destination::Dir(dir) => dir,
        }
    }

    /// Stores articles whose bodies are in memory: into the database in one
    /// transaction, or into the directory one file each.
    fn store(&mut self, articles: &[Article]) -> Result<Stored, StoreError> {
        match self {
            Destination::Db(db) => Ok(db.store(articles)?),
            Destination::Dir(dir) => Ok(store(dir, articles)?),
        }
    }
}

/// Why one feed could not be updated; the message names the feed.
#[derive(Clone, Debug, thiserror::Error)]
pub enum UpdateError {
    /// A `file://` address that names no file.
    #[error("{url}: not a valid file:// address")]
    NotAFileUrl {
        /// The address.
        url: String,
    },
    /// A local feed that could not be read: the system refused, it is not
    /// a regular file, or it is larger than [`MAX_BYTES`].
    #[error("{url}: {error}")]
    ReadLocal {
        /// The feed's address.
        url: String,
        /// Why.
        error: Arc<ReadError>,
    },
    /// Fetching failed.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// What was fetched is not a feed kanbao can read.
    #[error(transparent)]
    Invalid(Diagnostic),
    /// Its articles could not be stored.
    #[error("{url}: {error}")]
    Store {
        /// The feed's address.
        url: String,
        /// Why.
        error: Arc<StoreError>,
    },
}

/// What an import or update did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Articles the library did not have.
    pub new: usize,
    /// Articles it had in an older version, now replaced.
    pub updated: usize,
    /// Articles it already had exactly.
    pub unchanged: usize,
    /// Sources (or articles) that could not be imported.
    pub failed: usize,
}

impl Summary {
    /// The counts of what was stored (none failed).
    pub fn of(stored: &Stored) -> Summary {
        Summary {
            new: stored.new,
            updated: stored.updated,
            unchanged: stored.unchanged,
            failed: 0,
        }
    }

    /// Adds another summary's counts.
    pub fn add(&mut self, other: Summary) {
        self.new += other.new;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.failed += other.failed;
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} new, {} updated, {} unchanged, {} failed",
            self.new, self.updated, self.unchanged, self.failed
        )
    }
}

/// The file an article is stored in: named by a hash of its identity
/// ([`Article::key`]: the id, scoped to the article's feed), so any id (a
/// URL, a guid with slashes) makes a safe, stable file name, and two feeds
/// using the same guid get two files.
fn file_name(key: &str) -> String {
    format!(
        "{:016x}.json",
        crate::model::article::Fnv::hash(key.as_bytes())
    )
}

/// Stores articles in `dir`: new ones are added, changed ones replace their
/// older version, identical ones are left alone. Each is stored under its
/// identity ([`Article::key`]), so an article of one feed never replaces
/// another feed's, whatever guid or URL it reuses.
///
/// A library written before ids were scoped has a feed's articles in files
/// named by their bare id, without `feed`: the first time a feed stores an
/// article with the same id and URL, that file is taken over (renamed, so
/// only one feed can take it) instead of the article being added again.
fn store(dir: &Path, articles: &[Article]) -> Result<Stored, WriteError> {
    let mut stored = Stored::default();
    for article in articles {
        let key = article.key();
        let path = dir.join(file_name(&key));
        // A JSON value always encodes; `{:#}` is `to_string_pretty`.
        let text = format!("{:#}\n", article.to_json());
        // Never waits on a FIFO put in the library under an article's name.
        match crate::store::read::read_regular(&path, crate::store::read::MAX_FILE_BYTES) {
            Ok(old) if old == text.as_bytes() => stored.unchanged += 1,
            Ok(_) => {
                write_atomic(&path, text.as_bytes())?;
                stored.updated += 1;
            }
            Err(_) => match take_over_unscoped(dir, article, &path) {
                Some(same) => {
                    write_atomic(&path, text.as_bytes())?;
                    match same {
                        true => stored.unchanged += 1,
                        false => stored.updated += 1,
                    }
                    stored.rescoped.push(Rescoped {
                        id: article.id.clone(),
                        key: key.into_owned(),
                    });
                }
                None => {
                    write_atomic(&path, text.as_bytes())?;
                    stored.new += 1;
                }
            },
        }
    }
    Ok(stored)
}

/// For an article of a feed with no file of its own yet: moves the file an
/// older kanbao stored it in (named by its bare id, holding the same id and
/// URL and no feed) to `path`. Returns `None` when there is none (or another
/// feed took it first), else whether it held this article exactly, but for
/// the feed.
fn take_over_unscoped(dir: &Path, article: &Article, path: &Path) -> Option<bool> {
    article.feed.as_ref()?;
    let legacy = dir.join(file_name(&article.id));
    let old_text = crate::store::read::read_regular(&legacy, crate::store::read::MAX_FILE_BYTES)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())?;
    let old = Article::from_json(&old_text).ok()?;
    if old.feed.is_some() || old.id != article.id || old.url != article.url {
        return None;
    }
    // A rename either happens or not: one feed only takes the file.
    std::fs::rename(&legacy, path).ok()?;
    let unscoped = Article {
        feed: None,
        ..article.clone()
    };
    Some(old_text == format!("{:#}\n", unscoped.to_json()))
}

/// Carries the marks of articles stored before ids were scoped to feeds
/// ([`Rescoped`]) over to their scoped identity, so an upgrade loses no read
/// or starred mark. Marks already set under the new identity are kept.
pub fn carry_marks(
    marks: &mut crate::store::marks::MarkStore,
    rescoped: &[Rescoped],
) -> Result<(), crate::store::marks::MarksError> {
    let read: Vec<&str> = rescoped
        .iter()
        .filter(|r| marks.is_read(&r.id) && !marks.is_read(&r.key))
        .map(|r| r.key.as_str())
        .collect();
    marks.mark_all_read(&read)?;
    for r in rescoped {
        if marks.is_starred(&r.id) && !marks.is_starred(&r.key) {
            marks.set_starred(&r.key, true)?;
        }
    }
    Ok(())
}

/// One feed's update.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FeedOutcome {
    /// The server said nothing changed (304).
    NotModified,
    /// Fetched and stored.
    Stored(Summary),
}

/// What updating one subscription did.
#[derive(Clone, Debug)]
pub struct FeedResult {
    /// The feed's URL.
    pub url: String,
    /// What happened, or the error (naming the source).
    pub outcome: Result<FeedOutcome, UpdateError>,
    /// Articles stored before ids were scoped, whose marks move
    /// ([`carry_marks`]).
    pub rescoped: Vec<Rescoped>,
}

/// Reads a `file://` feed; "not modified" when its modification time is the
/// one recorded last time. Only a regular file is read (checked on the open
/// handle: `file:///dev/zero` or a FIFO is refused, never waited on), and at
/// most [`MAX_BYTES`] of it, the network's cap.
fn read_local(url: &str, validators: &Validators) -> Result<Fetched, UpdateError> {
    let path = url::Url::parse(url)
        .ok()
        .and_then(|u| u.to_file_path().ok())
        .ok_or_else(|| UpdateError::NotAFileUrl {
            url: url.to_owned(),
        })?;
    let cannot_read = |e| UpdateError::ReadLocal {
        url: url.to_owned(),
        error: Arc::new(e),
    };
    let (file, meta) = crate::store::read::open(&path, false).map_err(cannot_read)?;
    let stamp = meta
        .modified()
        .ok()
        .and_then(|t| jiff::Timestamp::try_from(t).ok())
        .map(|t| t.to_string());
    if stamp.is_some() && stamp == validators.last_modified {
        return Ok(Fetched::NotModified);
    }
    let mut bytes = Vec::new();
    let what = "of a feed";
    if meta.len() > MAX_BYTES {
        let too_large = ReadError::TooLarge {
            limit: MAX_BYTES,
            what,
        };
        return Err(cannot_read(too_large));
    }
    read_bounded(file, &mut bytes, MAX_BYTES, what).map_err(cannot_read)?;
    Ok(Fetched::Body {
        bytes,
        final_url: url.to_owned(),
        content_type: None,
        validators: Validators {
            etag: None,
            last_modified: stamp,
        },
    })
}

/// What a subscription answered with when it is not a feed: a page, a text,
/// a key file... is never stored as an article.
fn not_a_feed(format: Format) -> Option<&'static str> {
    match format {
        Format::Feed => None,
        Format::Html => Some("a web page (`kanbao import URL` stores a page)"),
        Format::Opml => Some("a subscription list (OPML: `kanbao import` it)"),
        Format::Json | Format::JsonLines => Some("JSON, not a JSON Feed"),
        Format::TextDump => Some("plain text or binary data"),
    }
}

/// What updating one feed did: the outcome, the validators and title to
/// remember, the articles whose identity was scoped.
type UpdatedOne = (
    Result<FeedOutcome, UpdateError>,
    Option<Validators>,
    Option<String>,
    Vec<Rescoped>,
);

/// Fetches one feed (conditional GET) and stores its articles, each scoped
/// to the subscription's URL (whatever the feed says, wherever it
/// redirected). The library is only written once the whole feed has parsed.
fn update_one(
    fetcher: &Fetcher,
    url: &str,
    validators: &Validators,
    into: &Mutex<&mut Destination>,
) -> UpdatedOne {
    let fetched = if url.starts_with("file://") {
        read_local(url, validators)
    } else {
        fetcher.get(url, validators).map_err(UpdateError::from)
    };
    match fetched {
        Ok(Fetched::NotModified) => (Ok(FeedOutcome::NotModified), None, None, Vec::new()),
        Ok(Fetched::Body {
            bytes,
            final_url,
            validators,
            ..
        }) => {
            let mut lib = Library::default();
            let base = url::Url::parse(&final_url).ok();
            let format = Format::detect(url, &bytes);
            if let Some(found) = not_a_feed(format) {
                let message =
                    format!("not a feed (RSS, Atom or JSON Feed): this is {found}; nothing stored");
                let error = Diagnostic::new(message).in_file(url);
                return (Err(UpdateError::Invalid(error)), None, None, Vec::new());
            }
            lib.load_with_base(url, &bytes, format, base.as_ref());
            // HTML cut at the parse budget still gives its article.
            if let Some(p) = lib.problems.iter().find(|p| !Library::is_cut(p)) {
                return (Err(UpdateError::Invalid(p.clone())), None, None, Vec::new());
            }
            for a in &mut lib.articles {
                a.feed = Some(url.to_owned());
            }
            let title = lib.articles.iter().find_map(|a| a.source.clone());
            let stored = into
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .store(&lib.articles);
            match stored {
                Ok(stored) => (
                    Ok(FeedOutcome::Stored(Summary::of(&stored))),
                    Some(validators),
                    title,
                    stored.rescoped,
                ),
                Err(e) => {
                    let error = UpdateError::Store {
                        url: url.to_owned(),
                        error: Arc::new(e),
                    };
                    (Err(error), None, None, Vec::new())
                }
            }
        }
        Err(e) => (Err(e), None, None, Vec::new()),
    }
}

/// Updates every subscription, `workers` at a time, storing into `into`
/// (one transaction per feed in the database) and remembering validators,
/// titles and errors in `subs`. `progress` is called as each feed finishes.
pub fn update_all(
    subs: &mut Subscriptions,
    into: &mut Destination,
    fetcher: &Fetcher,
    workers: usize,
    progress: &(dyn Fn(&FeedResult) + Sync),
) -> Vec<FeedResult> {
    let next = AtomicUsize::new(0);
    let done = Mutex::new(Vec::new());
    let feeds = subs.feeds.clone();
    let into = Mutex::new(into);
    std::thread::scope(|scope| {
        for _ in 0..workers.max(1).min(feeds.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(feed) = feeds.get(i) else { break };
                    let validators = Validators {
                        etag: feed.etag.clone(),
                        last_modified: feed.last_modified.clone(),
                    };
                    let (outcome, validators, title, rescoped) =
                        update_one(fetcher, &feed.url, &validators, &into);
                    let result = FeedResult {
                        url: feed.url.clone(),
                        outcome,
                        rescoped,
                    };
                    progress(&result);
                    done.lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((i, result, validators, title));
                }
            });
        }
    });
    let mut done = done.into_inner().unwrap_or_else(|e| e.into_inner());
    done.sort_by_key(|d| d.0);
    let now = jiff::Timestamp::now().to_string();
    let mut results = Vec::new();
    for (i, result, validators, title) in done {
        let feed = &mut subs.feeds[i];
        match &result.outcome {
            Ok(_) => {
                feed.error = None;
                feed.updated = Some(now.clone());
                if let Some(v) = validators {
                    feed.etag = v.etag;
                    feed.last_modified = v.last_modified;
                }
                if feed.title.is_none() {
                    feed.title = title;
                }
            }
            Err(e) => feed.error = Some(e.to_string()),
        }
        results.push(result);
    }
    // What the feeds brought (a few hundred articles, usually) goes into the
    // search index at once; if that fails, searches read those rows until
    // the browser's indexer takes them in.
    if let Ok(into) = into.into_inner()
        && let Destination::Db(db) = into
        && db.read_only().is_none()
    {
        let _ = db.catch_up_index(crate::db::INDEX_BATCH, |_| true);
    }
    results
}

/// What `kanbao import` did with its sources.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// Articles written, replaced, left alone; sources that failed.
    pub summary: Summary,
    /// Feeds added to the subscriptions from OPML files.
    pub subscribed: usize,
    /// Every problem, naming its source (and line and column when known).
    pub problems: Vec<String>,
    /// Feeds of OPML files not subscribed to, each naming the file, the
    /// address and why: local files (without `allow_local`), addresses
    /// neither http(s) nor local.
    pub skipped: Vec<String>,
    /// Local files subscribed to from OPML files (with `allow_local`), each
    /// naming the file and the address.
    pub local: Vec<String>,
    /// Articles stored before ids were scoped, whose marks move
    /// ([`carry_marks`]).
    pub rescoped: Vec<Rescoped>,
    /// Marks that article JSON carried (`"read": true`, `"starred": true`,
    /// as `kanbao export --jsonl` writes them), for the marks store
    /// ([`apply_marks`]); the fields themselves are not stored.
    pub marked: Vec<Marked>,
}

/// The marks an imported article carried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marked {
    /// The article ([`Article::key`]).
    pub key: String,
    /// It was read.
    pub read: bool,
    /// It was starred.
    pub starred: bool,
}

/// Takes the marks an article carries (`"read": true`, `"starred": true`:
/// [`MARK_READ`], [`MARK_STARRED`]) out of its unknown fields. A field of
/// another value is an unknown field like any other, and stays.
fn take_marks(a: &mut Article) -> Option<Marked> {
    let mut take = |name: &str| {
        let set = a.extra.get(name) == Some(&serde_json::Value::Bool(true));
        if set {
            a.extra.remove(name);
        }
        set
    };
    let (read, starred) = (take(MARK_READ), take(MARK_STARRED));
    (read || starred).then(|| Marked {
        key: a.key().into_owned(),
        read,
        starred,
    })
}

/// Sets the marks imported articles carried ([`ImportReport::marked`]);
/// marks already set stay.
pub fn apply_marks(
    marks: &mut crate::store::marks::MarkStore,
    marked: &[Marked],
) -> Result<(), crate::store::marks::MarksError> {
    let read: Vec<&str> = marked
        .iter()
        .filter(|m| m.read)
        .map(|m| m.key.as_str())
        .collect();
    marks.mark_all_read(&read)?;
    for m in marked.iter().filter(|m| m.starred) {
        if !marks.is_starred(&m.key) {
            marks.set_starred(&m.key, true)?;
        }
    }
    Ok(())
}

/// Why an article whose body was left on disk was not imported, placed
/// where it is.
fn not_imported(a: &Article, e: &crate::model::article::BodyError) -> String {
    use crate::model::article::BodyError;
    let why = match e {
        BodyError::Unreadable { error, .. } => format!("cannot read the article: {error}"),
        _ => "the file changed while it was imported: this article was not; import it again"
            .to_owned(),
    };
    Diagnostic::at(a.origin.line, a.origin.column, why)
        .in_file(&a.origin.path)
        .to_string()
}

/// Where an OPML outline's feed is.
#[derive(Debug, PartialEq, Eq)]
enum Address {
    /// http(s): subscribed to.
    Web,
    /// A local file, as a `file://` address: only with `--allow-local`.
    Local(String),
    /// Anything else (`ftp:`, `data:`, `javascript:`...): never.
    Other,
}

/// Where `url`, read from the OPML file `opml`, points: a bare path is a
/// local file, relative to the OPML file's directory.
fn address(url: &str, opml: &Path) -> Address {
    if crate::library::is_url(url) {
        return Address::Web;
    }
    if let Ok(parsed) = url::Url::parse(url) {
        return if parsed.scheme() == "file" {
            Address::Local(parsed.to_string())
        } else {
            Address::Other
        };
    }
    let dir = opml.parent().unwrap_or(Path::new("."));
    let path = std::path::absolute(dir.join(url)).unwrap_or_else(|_| dir.join(url));
    match url::Url::from_file_path(&path) {
        Ok(u) => Address::Local(u.to_string()),
        Err(()) => Address::Other,
    }
}

/// Whether a `file://` address names a regular file (following links):
/// `/dev/zero`, a FIFO or a directory is never a local feed.
fn is_regular_file(file: &str) -> bool {
    url::Url::parse(file)
        .ok()
        .and_then(|u| u.to_file_path().ok())
        .and_then(|p| std::fs::metadata(p).ok())
        .is_some_and(|m| m.is_file())
}

/// Imports files, directories and URLs into `into`, [`BATCH`] articles at
/// a time (bodies of article files are read from disk a batch at a time,
/// so a big source is never all in memory with its JSON). OPML files add their
/// http(s) feeds to the subscriptions at `subs_path` instead; their local
/// files only when `allow_local`, and both kinds left out are listed in
/// [`ImportReport::skipped`]. `tz` places the naive dates of text dumps.
/// The articles of a feed are scoped to it (its URL, or the `file://`
/// address of a feed file); article JSON from a URL to that URL; pages and
/// text dumps belong to no feed.
pub fn import_sources(
    sources: &[String],
    into: &mut Destination,
    tz: Option<&str>,
    subs_path: &Path,
    allow_local: bool,
) -> Result<ImportReport, IngestError> {
    let mut report = ImportReport::default();
    for source in sources {
        // Read once (a FIFO or stdin cannot be read twice), by the library's
        // bounded reader; subscription lists come back in `opml`. A big
        // JSON Lines file is streamed: its articles are stored a batch at a
        // time as they are read, and only the identities of those stored
        // are kept, for the duplicate check.
        let mut streamed = Streamed::default();
        let mut lib = if crate::library::is_url(source) {
            Library::load_with_tz(&[source], tz)
        } else {
            let (send, receive) = std::sync::mpsc::sync_channel::<Vec<Article>>(2);
            std::thread::scope(|scope| -> Result<Library, IngestError> {
                let reader =
                    scope.spawn(move || Library::load_for_import(&[source], tz, Some(send)));
                let mut failed = None;
                // Stored [`BATCH`] at a time, one transaction each, whatever
                // the reader sends at once.
                let mut held: Vec<Article> = Vec::new();
                let mut store = |batch: Vec<Article>, failed: &mut Option<IngestError>| {
                    if failed.is_none()
                        && let Err(e) = store_batch(batch, into, &mut report, Some(&mut streamed))
                    {
                        *failed = Some(e);
                    }
                };
                for batch in receive {
                    held.extend(batch);
                    while held.len() >= BATCH {
                        let rest = held.split_off(BATCH);
                        store(std::mem::replace(&mut held, rest), &mut failed);
                    }
                }
                if !held.is_empty() {
                    store(held, &mut failed);
                }
                let lib = reader.join().unwrap_or_default();
                match failed {
                    Some(e) => Err(e),
                    None => Ok(lib),
                }
            })?
        };
        report.summary.failed += streamed.duplicates.len();
        report
            .problems
            .extend(streamed.duplicates.iter().map(|p| p.to_string()));
        let named = if source == "-" {
            crate::library::STDIN
        } else {
            source
        };
        for (path, bytes) in lib.opml.take().unwrap_or_default() {
            if path != named {
                report.summary.failed += 1;
                report.problems.push(format!(
                    "{path}: a subscription list (OPML) inside a directory is not read: name it to `kanbao import`"
                ));
                continue;
            }
            let text = String::from_utf8_lossy(&bytes);
            let found = match Subscriptions::from_opml_checked(&text) {
                Ok((found, warnings)) => {
                    report
                        .problems
                        .extend(warnings.iter().map(|w| format!("{path}:{w}")));
                    found
                }
                Err(e) => {
                    report.summary.failed += 1;
                    report.problems.push(format!("{path}:{e}"));
                    continue;
                }
            };
            let mut wanted = Vec::new();
            for mut feed in found.feeds {
                match address(&feed.url, Path::new(source)) {
                    Address::Web => {}
                    Address::Local(file) if allow_local && !is_regular_file(&file) => {
                        report.skipped.push(format!(
                            "{path}: skipped {file}: not a regular file (a local feed is a file)"
                        ));
                        continue;
                    }
                    Address::Local(file) if allow_local => {
                        report
                            .local
                            .push(format!("{path}: subscribing to a local file: {file}"));
                        feed.url = file;
                    }
                    Address::Local(_) => {
                        report.skipped.push(format!(
                            "{path}: skipped {}: a local file (`kanbao import --allow-local` subscribes to local files)",
                            feed.url
                        ));
                        continue;
                    }
                    Address::Other => {
                        report.skipped.push(format!(
                            "{path}: skipped {}: not an http(s) address nor a local file",
                            feed.url
                        ));
                        continue;
                    }
                }
                wanted.push(feed);
            }
            let mut subs = Subscriptions::load(subs_path)?;
            report.subscribed += subs.add_all(wanted);
            subs.save(subs_path)?;
        }
        report.summary.failed += lib.problems.iter().filter(|p| !Library::is_cut(p)).count();
        report
            .problems
            .extend(lib.problems.iter().map(|p| p.to_string()));
        let mut articles = std::mem::take(&mut lib.articles).into_iter();
        while articles.len() > 0 {
            let batch: Vec<Article> = articles.by_ref().take(BATCH).collect();
            store_batch(batch, into, &mut report, None)?;
        }
    }
    Ok(report)
}

/// What a streamed source has stored so far: each article's identity (a
/// hash of it, 8 bytes) and its file and line, to report a duplicate id
/// as a library loaded whole does; and the duplicates found.
#[derive(Default)]
struct Streamed {
    /// Identity → (file, line).
    seen: std::collections::HashMap<u64, (u32, u32)>,
    /// The files met, in order.
    files: Vec<std::sync::Arc<str>>,
    duplicates: Vec<crate::diagnostic::Diagnostic>,
}

impl Streamed {
    fn check(&mut self, a: &Article) {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        a.key().hash(&mut h);
        match self.seen.entry(h.finish()) {
            std::collections::hash_map::Entry::Occupied(first) => {
                let (file, line) = *first.get();
                let path = &self.files[file as usize];
                let within = match &a.feed {
                    Some(feed) => format!(" in feed {feed}"),
                    None => String::new(),
                };
                let message = format!(
                    "field `id`: duplicate id {:?}{within}, first used at {path}:{line}",
                    a.id
                );
                self.duplicates.push(
                    crate::diagnostic::Diagnostic::at(a.origin.line, a.origin.column, message)
                        .in_file(&a.origin.path),
                );
            }
            std::collections::hash_map::Entry::Vacant(v) => {
                if self.files.last().is_none_or(|f| *f != a.origin.path) {
                    self.files.push(a.origin.path.clone());
                }
                let file = (self.files.len() - 1) as u32;
                v.insert((file, a.origin.line.min(u32::MAX as usize) as u32));
            }
        }
    }
}

/// Stores a batch of articles: their bodies read where they were left on
/// disk (one that cannot be is reported, not stored), their marks taken
/// out; checked for duplicates when they are `streamed`.
fn store_batch(
    batch: Vec<Article>,
    into: &mut Destination,
    report: &mut ImportReport,
    mut streamed: Option<&mut Streamed>,
) -> Result<(), IngestError> {
    let mut ready = Vec::with_capacity(batch.len());
    for mut a in batch {
        if a.body_at.is_some() {
            match a.load_body() {
                Ok(body) => {
                    a.body = body;
                    a.body_at = None;
                }
                Err(e) => {
                    report.summary.failed += 1;
                    report.problems.push(not_imported(&a, &e));
                    continue;
                }
            }
        }
        if let Some(s) = streamed.as_deref_mut() {
            s.check(&a);
        }
        report.marked.extend(take_marks(&mut a));
        ready.push(a);
    }
    if !ready.is_empty() {
        let stored = into.store(&ready)?;
        report.summary.add(Summary::of(&stored));
        report.rescoped.extend(stored.rescoped);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opml_addresses_are_web_local_or_refused() {
        let opml = Path::new("/feeds/subs.opml");
        assert_eq!(address("https://example.org/a.xml", opml), Address::Web);
        assert_eq!(address("HTTP://example.org/a.xml", opml), Address::Web);
        assert_eq!(
            address("file:///dev/zero", opml),
            Address::Local("file:///dev/zero".into())
        );
        assert_eq!(
            address("local/feed.xml", opml),
            Address::Local("file:///feeds/local/feed.xml".into())
        );
        assert_eq!(
            address("/etc/passwd", opml),
            Address::Local("file:///etc/passwd".into())
        );
        for other in [
            "ftp://example.org/a",
            "javascript:alert(1)",
            "data:text/xml,<rss/>",
        ] {
            assert_eq!(address(other, opml), Address::Other, "{other}");
        }
    }

    #[test]
    fn a_non_feed_is_never_stored() {
        for format in [
            Format::Html,
            Format::Json,
            Format::JsonLines,
            Format::TextDump,
            Format::Opml,
        ] {
            assert!(not_a_feed(format).is_some(), "{format:?}");
        }
        assert_eq!(not_a_feed(Format::Feed), None);
    }
}
