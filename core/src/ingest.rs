//! `kanbao import` and `kanbao update`: articles into the library directory,
//! one JSON file per article, written atomically, idempotent.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::diagnostic::Diagnostic;
use crate::library::{Format, Library};
use crate::model::article::Article;
use crate::net::fetch::{FetchError, Fetched, Fetcher, Validators};
use crate::net::subscriptions::{Subscriptions, SubscriptionsError};
use crate::store::atomic::{WriteError, write_atomic};

/// Why `kanbao import` (or finding where to store) failed as a whole.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// No library directory could be found.
    #[error("cannot find the library directory: set XDG_DATA_HOME or HOME, or pass --into DIR")]
    NoLibraryDir,
    /// The subscription list could not be read or written.
    #[error(transparent)]
    Subscriptions(#[from] SubscriptionsError),
    /// An article file could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
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
    /// A local feed that could not be read.
    #[error("{url}: cannot read: {error}")]
    ReadLocal {
        /// The feed's address.
        url: String,
        /// What the system said.
        error: Arc<std::io::Error>,
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
        error: Arc<WriteError>,
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

/// The file an article is stored in: named by a hash of its id, so any id
/// (a URL, a guid with slashes) makes a safe, stable file name.
fn file_name(id: &str) -> String {
    format!(
        "{:016x}.json",
        crate::model::article::Fnv::hash(id.as_bytes())
    )
}

/// Stores articles in `dir`: new ones are added, changed ones replace their
/// older version, identical ones are left alone.
fn store(dir: &Path, articles: &[Article]) -> Result<Summary, WriteError> {
    let mut summary = Summary::default();
    for article in articles {
        let path = dir.join(file_name(&article.id));
        // A JSON value always encodes; `{:#}` is `to_string_pretty`.
        let text = format!("{:#}\n", article.to_json());
        match std::fs::read(&path) {
            Ok(old) if old == text.as_bytes() => summary.unchanged += 1,
            Ok(_) => {
                write_atomic(&path, text.as_bytes())?;
                summary.updated += 1;
            }
            Err(_) => {
                write_atomic(&path, text.as_bytes())?;
                summary.new += 1;
            }
        }
    }
    Ok(summary)
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
}

/// Reads a `file://` feed; "not modified" when its modification time is the
/// one recorded last time.
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
    let meta = std::fs::metadata(&path).map_err(cannot_read)?;
    let stamp = meta
        .modified()
        .ok()
        .and_then(|t| jiff::Timestamp::try_from(t).ok())
        .map(|t| t.to_string());
    if stamp.is_some() && stamp == validators.last_modified {
        return Ok(Fetched::NotModified);
    }
    let bytes = std::fs::read(&path).map_err(cannot_read)?;
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

/// Fetches one feed (conditional GET) and stores its articles. The library
/// is only written once the whole feed has parsed.
fn update_one(
    fetcher: &Fetcher,
    url: &str,
    validators: &Validators,
    library: &Path,
) -> (
    Result<FeedOutcome, UpdateError>,
    Option<Validators>,
    Option<String>,
) {
    let fetched = if url.starts_with("file://") {
        read_local(url, validators)
    } else {
        fetcher.get(url, validators).map_err(UpdateError::from)
    };
    match fetched {
        Ok(Fetched::NotModified) => (Ok(FeedOutcome::NotModified), None, None),
        Ok(Fetched::Body {
            bytes,
            final_url,
            validators,
            ..
        }) => {
            let mut lib = Library::default();
            let base = url::Url::parse(&final_url).ok();
            let format = Format::detect(url, &bytes);
            lib.load_with_base(url, &bytes, format, base.as_ref());
            // HTML cut at the parse budget still gives its article.
            if let Some(p) = lib.problems.iter().find(|p| !Library::is_cut(p)) {
                return (Err(UpdateError::Invalid(p.clone())), None, None);
            }
            let title = lib.articles.iter().find_map(|a| a.source.clone());
            match store(library, &lib.articles) {
                Ok(summary) => (Ok(FeedOutcome::Stored(summary)), Some(validators), title),
                Err(e) => {
                    let error = UpdateError::Store {
                        url: url.to_owned(),
                        error: Arc::new(e),
                    };
                    (Err(error), None, None)
                }
            }
        }
        Err(e) => (Err(e), None, None),
    }
}

/// Updates every subscription, `workers` at a time, storing into `library`
/// and remembering validators, titles and errors in `subs`. `progress` is
/// called as each feed finishes.
pub fn update_all(
    subs: &mut Subscriptions,
    library: &Path,
    fetcher: &Fetcher,
    workers: usize,
    progress: &(dyn Fn(&FeedResult) + Sync),
) -> Vec<FeedResult> {
    let next = AtomicUsize::new(0);
    let done = Mutex::new(Vec::new());
    let feeds = subs.feeds.clone();
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
                    let (outcome, validators, title) =
                        update_one(fetcher, &feed.url, &validators, library);
                    let result = FeedResult {
                        url: feed.url.clone(),
                        outcome,
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
    results
}

/// Where `kanbao import` and `kanbao update` store articles by default.
pub fn default_library_dir() -> Result<PathBuf, IngestError> {
    crate::paths::library_dir().ok_or(IngestError::NoLibraryDir)
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
}

/// Imports files, directories and URLs into `into`. OPML files add their
/// feeds to the subscriptions at `subs_path` instead. `tz` places the naive
/// dates of text dumps.
pub fn import_sources(
    sources: &[String],
    into: &Path,
    tz: Option<&str>,
    subs_path: &Path,
) -> Result<ImportReport, IngestError> {
    let mut report = ImportReport::default();
    for source in sources {
        if !crate::library::is_url(source)
            && let Ok(bytes) = std::fs::read(source)
            && Format::detect(source, &bytes) == Format::Opml
        {
            let text = String::from_utf8_lossy(&bytes);
            match Subscriptions::from_opml(&text) {
                Ok(found) => {
                    let mut subs = Subscriptions::load(subs_path)?;
                    for feed in found.feeds {
                        report.subscribed += usize::from(subs.add(feed));
                    }
                    subs.save(subs_path)?;
                }
                Err(e) => {
                    report.summary.failed += 1;
                    report.problems.push(format!("{source}:{e}"));
                }
            }
            continue;
        }
        let lib = Library::load_with_tz(&[source], tz);
        report.summary.failed += lib.problems.iter().filter(|p| !Library::is_cut(p)).count();
        report
            .problems
            .extend(lib.problems.iter().map(|p| p.to_string()));
        report.summary.add(store(into, &lib.articles)?);
    }
    Ok(report)
}
