//! One idea: the library database — every article of the user's library in
//! one SQLite file, `$XDG_DATA_HOME/kanbao/library.sqlite3` (default
//! `~/.local/share/kanbao/library.sqlite3`), written by `kanbao import` and
//! `kanbao update`, read by the browser, `list`, `read`, `unread` and
//! `export`.
//!
//! **What a row holds.** The `doc` column is the article's complete JSON,
//! exactly [`Article::to_json`]: authors, credits, section, body, links and
//! unknown fields are all there, and it is what every reader trusts. The
//! other columns (`key` = [`Article::key`], `feed`, `id`, `title`,
//! `published_at` in Unix seconds and `published` as the source wrote it,
//! `source`, `url`, `lang`) are copies for the indexes: the list's orders
//! (date, source, title: ties in the order rows were stored), counts per feed, the identity. `fetched`
//! and `updated` are when the row was first and last written (Unix seconds).
//! `meta` is `doc` without its body: what the list needs. It is read at
//! start from its own covering index (`articles_meta`, with the length of
//! `doc`), a few hundred bytes per article, never from the table, whose
//! rows hold kilobytes of body each: 100,000 articles load in a fraction
//! of the time their full JSON would take, and their bodies stay on disk.
//! The subscriptions stay in their JSON file; counts per feed come from the
//! `feed` column, indexed with the key, so no table of feeds is kept. The
//! number of articles is kept in `meta` (`count`) by triggers, in the
//! transaction of each insert and delete.
//!
//! **The browser** never loads the table: it is a window over it
//! (`window`): each order's row numbers read whole from its index, the
//! rows on screen read by number, searches of the rows in threads.
//!
//! **Writes.** [`LibraryDb::store`] writes a slice of articles in one
//! transaction (one sync of the log for a whole feed or a batch of
//! [`BATCH`] articles, not one per article): an article whose JSON is the
//! same is left alone, a changed one is rewritten in place (same row, same
//! `rowid`), a new one is added, and the full-text index (`fts`) follows in
//! the same transaction.
//!
//! **Durability and concurrency.** Write-ahead log: readers never wait for
//! a writer, so a browser left open while `kanbao update` runs from cron
//! reads on, and a `kill -9` of either leaves the last commit complete.
//! `synchronous=FULL`: each commit is synced, so what `import` reported
//! stored survives a power cut too; commits are per feed or per batch, so
//! that costs one sync per thousands of articles. A write waits up to
//! [`BUSY_TIMEOUT`] for another's lock, and writes are short (one feed, one
//! batch), so "database is locked" is never seen in normal use. Opening
//! takes no lock unless the schema has to be created or migrated.
//!
//! **Schema.** Its version is `PRAGMA user_version`; [`MIGRATIONS`] go
//! forward only. A database written by a newer kanbao is opened read-only,
//! with a message saying so ([`LibraryDb::read_only`]).
//!
//! **Marks** stay in `state.sqlite3` (`store::marks`) and are not attached
//! here. Each file has its own writer and its own lock: marks are written at
//! the pace of the reader's keys, the library by `import` and `update`, so a
//! key never waits for an update's transaction, nor an update for a key; a
//! marks file that is broken, locked or from a newer kanbao never stops the
//! library from opening (nor the other way round); no transaction spans
//! both; and each is backed up or restored on its own. Counting unread
//! articles reads the keys through the key's own index (no article is
//! loaded) and asks the marks, which are in memory anyway
//! ([`LibraryDb::unread_count`]).
//!
//! **Reading bodies.** The articles a [`LibraryDb`] loads share one
//! [`RowSource`] (`Rows`): a few connections that only read, opened when
//! first needed, one per thread reading at once, which also narrows the
//! browser's searches with the full-text index (`library::search::Narrow`).
//!
//! **The 0.1 library.** kanbao 0.1 kept one JSON file per article in
//! `$XDG_DATA_HOME/kanbao/library/`. The first time the database is opened
//! by [`LibraryDb::open_default`], that directory, if there is one, is
//! imported in one transaction and the import recorded in the `meta` table,
//! so it never runs twice; the files are left in place. Marks are keyed by
//! [`Article::key`] in both, so they carry over.

pub(crate) mod fts;
mod window;

pub use window::{Order, Prepared, Ready, RowSearch};

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};

use crate::diagnostic::Diagnostic;
use crate::library::{Library, Progress};
use crate::model::article::{Article, BodyAt, BodyError, Docs, Origin, RowSource};
use crate::query::{Marks, Query};

/// The schema version this kanbao writes, kept in `PRAGMA user_version`.
const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// `MIGRATIONS[v]` takes the schema from version `v` to `v + 1`, each a list
/// of SQL batches run in one transaction. Only ever append.
const MIGRATIONS: &[&[&str]] = &[
    // 0 → 1: the articles, their indexes, the full-text index, `meta`.
    &[
        "CREATE TABLE articles (
             rowid INTEGER PRIMARY KEY,
             key TEXT UNIQUE NOT NULL,
             feed TEXT,
             id TEXT NOT NULL,
             title TEXT NOT NULL,
             published_at INTEGER,
             published TEXT,
             source TEXT,
             url TEXT,
             lang TEXT,
             fetched INTEGER NOT NULL,
             updated INTEGER NOT NULL,
             meta TEXT NOT NULL,
             doc TEXT NOT NULL
         );
         CREATE INDEX articles_by_date ON articles (published_at DESC, key);
         CREATE INDEX articles_by_source ON articles (source, published_at DESC, key);
         CREATE INDEX articles_by_title ON articles (title, key);
         CREATE INDEX articles_by_feed ON articles (feed, key);
         CREATE INDEX articles_meta ON articles (meta, octet_length(doc));
         CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;",
        fts::SCHEMA,
    ],
    // 1 → 2: rows left for the full-text index to take in later (an import
    // does not wait for it; see `fts::PENDING_SCHEMA`).
    &[fts::PENDING_SCHEMA],
    // 2 → 3: the list's orders break ties by row (the order articles were
    // first stored in, as a list of files does), which every index ends
    // with, so the browser reads each order whole from its index
    // (`window`).
    &["DROP INDEX articles_by_date;
       CREATE INDEX articles_by_date ON articles (published_at DESC);
       DROP INDEX articles_by_source;
       CREATE INDEX articles_by_source ON articles (source, published_at DESC);
       DROP INDEX articles_by_title;
       CREATE INDEX articles_by_title ON articles (title);"],
    // 3 → 4: how many articles there are, kept by triggers in the same
    // transaction as every insert and delete, so that the browser's first
    // screen says it without counting a million rows (which reads a whole
    // index: ~0.2 s from a cold disk).
    &["INSERT OR REPLACE INTO meta (name, value)
           VALUES ('count', (SELECT count(*) FROM articles));
       CREATE TRIGGER articles_counted_in AFTER INSERT ON articles
           BEGIN UPDATE meta SET value = value + 1 WHERE name = 'count'; END;
       CREATE TRIGGER articles_counted_out AFTER DELETE ON articles
           BEGIN UPDATE meta SET value = value - 1 WHERE name = 'count'; END;"],
    // 4 → 5: the list's orders saved as they were last read (`window`),
    // with the generation of the articles they were read at: a number the
    // triggers move on, in the same transaction, with every insert, delete
    // and change of what the orders sort by. A browser whose saved orders
    // are of the current generation has them at once instead of reading
    // three indexes (half a second on a million articles).
    &[
        "CREATE TABLE IF NOT EXISTS orders (name TEXT PRIMARY KEY, generation INTEGER NOT NULL,
           rows BLOB NOT NULL);
       INSERT OR REPLACE INTO meta (name, value) VALUES ('generation', 0);
       CREATE TRIGGER IF NOT EXISTS articles_reordered_in AFTER INSERT ON articles
           BEGIN UPDATE meta SET value = value + 1 WHERE name = 'generation'; END;
       CREATE TRIGGER IF NOT EXISTS articles_reordered_out AFTER DELETE ON articles
           BEGIN UPDATE meta SET value = value + 1 WHERE name = 'generation'; END;
       CREATE TRIGGER IF NOT EXISTS articles_reordered AFTER UPDATE OF published_at, source, title
           ON articles
           BEGIN UPDATE meta SET value = value + 1 WHERE name = 'generation'; END;",
    ],
    // 5 → 6: the feed index holds each article's source too, so that the
    // browser's sources view counts every source (feed, source, key: one
    // scan of one index) without reading a row.
    &["DROP INDEX IF EXISTS articles_by_feed;
       CREATE INDEX articles_by_feed ON articles (feed, source, key);"],
];

/// How long a write waits while another kanbao holds the write lock (a
/// feed's or a batch's transaction takes a fraction of that).
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How many articles `kanbao import` stores per transaction: a big source
/// is written (and its JSON held) a batch at a time.
pub const BATCH: usize = 2_000;

/// How many articles the search index takes in per transaction
/// ([`LibraryDb::catch_up_index`]): about a tenth of a second of work.
pub const INDEX_BATCH: usize = 500;

/// The `meta` row recording that the 0.1 library directory was looked at
/// (and imported, if there was one).
const DIRECTORY_IMPORTED: &str = "directory_imported";

/// Why the library database could not be opened, read or written. Each
/// message names the database file.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No data directory could be found.
    #[error("cannot find the library database: set XDG_DATA_HOME or HOME")]
    NoDataDir,
    /// The directory of the database could not be created.
    #[error("cannot create directory {}: {error}", dir.display())]
    CreateDir {
        /// The directory.
        dir: PathBuf,
        /// What the system said.
        error: std::io::Error,
    },
    /// SQLite refused.
    #[error("{}: {what}: {error}", path.display())]
    Sqlite {
        /// The database.
        path: PathBuf,
        /// What kanbao was doing ("cannot open", "cannot store articles"…).
        what: &'static str,
        /// What SQLite said.
        error: rusqlite::Error,
    },
    /// A search of the rows failed.
    #[error("{}: cannot search: {why}", path.display())]
    Search {
        /// The database.
        path: PathBuf,
        /// What went wrong, as a search thread saw it.
        why: String,
    },
    /// The database is not written to (a newer kanbao's schema).
    #[error("{}: not written: {why}", path.display())]
    ReadOnly {
        /// The database.
        path: PathBuf,
        /// Why.
        why: String,
    },
    /// An article whose body was left on disk could not be read to store it.
    #[error("{}: cannot store \"{title}\": {error}", path.display())]
    Body {
        /// The database.
        path: PathBuf,
        /// The article's title.
        title: String,
        /// Why its body could not be read.
        error: BodyError,
    },
    /// Writing an export failed (a closed pipe, a full disk).
    #[error("cannot write the export")]
    Output(#[source] std::io::Error),
}

/// An article stored before ids were scoped to feeds, now stored under its
/// scoped identity: its read and starred marks are under `id` and belong
/// under `key` (`ingest::carry_marks`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rescoped {
    /// Its id, which the marks of an older kanbao were keyed by.
    pub id: String,
    /// Its identity now ([`Article::key`]).
    pub key: String,
}

/// What [`LibraryDb::store`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stored {
    /// Articles the library did not have.
    pub new: usize,
    /// Articles it had in an older version, now replaced in place.
    pub updated: usize,
    /// Articles it already had exactly.
    pub unchanged: usize,
    /// Articles of an older kanbao (no feed) taken over by their feed.
    pub rescoped: Vec<Rescoped>,
}

impl Stored {
    fn add(&mut self, outcome: Outcome, article: &Article) {
        match outcome {
            Outcome::New => self.new += 1,
            Outcome::Updated => self.updated += 1,
            Outcome::Unchanged => self.unchanged += 1,
            Outcome::TakenOver { same } => {
                match same {
                    true => self.unchanged += 1,
                    false => self.updated += 1,
                }
                self.rescoped.push(Rescoped {
                    id: article.id.clone(),
                    key: article.key().into_owned(),
                });
            }
        }
    }
}

/// What importing the 0.1 library directory did.
#[derive(Debug)]
pub struct Migrated {
    /// The directory, left as it was.
    pub dir: PathBuf,
    /// The articles stored.
    pub stored: Stored,
    /// Files and articles that could not be imported, each with its place.
    pub problems: Vec<Diagnostic>,
}

/// How many articles a feed has, and how many of them are unread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedCount {
    /// The feed (`None`: articles of no feed).
    pub feed: Option<String>,
    /// Its articles.
    pub total: usize,
    /// Those not marked read.
    pub unread: usize,
}

/// What storing one article did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    New,
    Updated,
    Unchanged,
    /// An article of no feed, with the same id and URL, became this feed's:
    /// `same` when it held this article exactly, but for the feed.
    TakenOver {
        same: bool,
    },
}

/// The library database, open.
#[derive(Debug)]
pub struct LibraryDb {
    conn: Connection,
    path: PathBuf,
    /// What reads rows for the articles loaded from it (and narrows the
    /// browser's searches of them).
    rows: Arc<Rows>,
    /// Why it is not written to, when it is not.
    read_only: Option<String>,
}

impl LibraryDb {
    /// Opens (creating directories, file and schema) the database at
    /// `path`. One written by a newer kanbao opens read-only
    /// ([`LibraryDb::read_only`] says why).
    pub fn open(path: &Path) -> Result<LibraryDb, DbError> {
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            let existed = dir.is_dir();
            std::fs::create_dir_all(dir).map_err(|error| DbError::CreateDir {
                dir: dir.to_owned(),
                error,
            })?;
            if !existed && let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                // SQLite syncs the directory holding the file, not those above.
                crate::store::atomic::sync_dir(parent);
            }
        }
        let mut conn = Connection::open(path).map_err(failed_at(path, "cannot open"))?;
        configure(&conn).map_err(failed_at(path, "cannot open"))?;
        let read_only =
            migrate(&mut conn).map_err(failed_at(path, "cannot create or upgrade the schema"))?;
        let read_only = read_only.map(|version| {
            format!(
                "written by a newer kanbao (schema version {version}, this one knows \
                 {SCHEMA_VERSION}): opened read-only"
            )
        });
        Ok(LibraryDb {
            conn,
            path: path.to_owned(),
            rows: Arc::new(Rows::new(path)),
            read_only,
        })
    }

    /// Opens the user's library database ([`crate::paths::library_db`]),
    /// importing the 0.1 library directory the first time (see the module's
    /// documentation); says what that import did, if it ran.
    pub fn open_default() -> Result<(LibraryDb, Option<Migrated>), DbError> {
        let path = crate::paths::library_db().ok_or(DbError::NoDataDir)?;
        let mut db = LibraryDb::open(&path)?;
        let migrated = match crate::paths::library_dir() {
            Some(dir) => db.import_directory_once(&dir)?,
            None => None,
        };
        Ok((db, migrated))
    }

    /// Whether the user has a library: the database, or a 0.1 library
    /// directory it would be made from.
    pub fn default_exists() -> bool {
        crate::paths::library_db().is_some_and(|p| p.exists())
            || crate::paths::library_dir().is_some_and(|d| d.is_dir())
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Why the database is not written to, when it is not (a newer
    /// kanbao's schema).
    pub fn read_only(&self) -> Option<&str> {
        self.read_only.as_deref()
    }

    fn failed(&self, what: &'static str) -> impl FnOnce(rusqlite::Error) -> DbError + use<> {
        failed_at(&self.path, what)
    }

    fn writable(&self) -> Result<(), DbError> {
        match &self.read_only {
            Some(why) => Err(DbError::ReadOnly {
                path: self.path.clone(),
                why: why.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Stores `articles` in one transaction: new ones are added, changed
    /// ones replace their row in place, identical ones (the same JSON) are
    /// left alone. Each is stored under its identity ([`Article::key`]), so
    /// an article of one feed never replaces another feed's. An article of
    /// no feed stored by an older kanbao, with the same id and URL, is
    /// taken over by the first feed that stores it ([`Stored::rescoped`]).
    /// A body left on disk is read to be stored; one that cannot be fails
    /// the whole call, and nothing is written.
    pub fn store(&mut self, articles: &[Article]) -> Result<Stored, DbError> {
        self.writable()?;
        let failed = failed_at(&self.path, "cannot store articles");
        let now = jiff::Timestamp::now().as_second();
        let mut stored = Stored::default();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(failed.clone())?;
        for a in articles {
            let full = match &a.body_at {
                None => std::borrow::Cow::Borrowed(a),
                Some(_) => {
                    let body = a.load_body().map_err(|error| DbError::Body {
                        path: self.path.clone(),
                        title: a.title.clone(),
                        error,
                    })?;
                    std::borrow::Cow::Owned(Article {
                        body,
                        body_at: None,
                        ..a.clone()
                    })
                }
            };
            let outcome = store_one(&tx, &full, now).map_err(failed.clone())?;
            stored.add(outcome, a);
        }
        tx.commit().map_err(failed)?;
        Ok(stored)
    }

    /// Removes the articles with these identities ([`Article::key`]) and
    /// their index entries, in one transaction; returns how many there were.
    pub fn remove(&mut self, keys: &[&str]) -> Result<usize, DbError> {
        self.writable()?;
        let failed = failed_at(&self.path, "cannot remove articles");
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(failed.clone())?;
        let mut removed = 0;
        for key in keys {
            let rowid: Option<i64> = tx
                .prepare_cached("SELECT rowid FROM articles WHERE key = ?1")
                .and_then(|mut find| find.query_row([key], |r| r.get(0)).optional())
                .map_err(failed.clone())?;
            if let Some(rowid) = rowid {
                fts::unindex(&tx, rowid).map_err(failed.clone())?;
                tx.prepare_cached("DELETE FROM articles WHERE rowid = ?1")
                    .and_then(|mut delete| delete.execute([rowid]))
                    .map_err(failed.clone())?;
                removed += 1;
            }
        }
        tx.commit().map_err(failed)?;
        Ok(removed)
    }

    /// Imports the 0.1 library directory `dir` once: if the database has
    /// not looked at it yet and it exists, every article in it is stored in
    /// one transaction, which also records that the import ran. Files
    /// that cannot be read are reported and left out; all files stay where
    /// they are. `None` when the import had already run (or there is no
    /// directory, or the database is read-only).
    pub fn import_directory_once(&mut self, dir: &Path) -> Result<Option<Migrated>, DbError> {
        if self.read_only.is_some() || self.meta(DIRECTORY_IMPORTED)?.is_some() {
            return Ok(None);
        }
        let found = dir.is_dir();
        // Read before the transaction (bodies left on disk): the write lock
        // is held only while storing.
        let lib = match found {
            true => Library::load_lazy_cached_in(&[dir], None, None, None),
            false => Library::default(),
        };
        let failed = failed_at(&self.path, "cannot import the 0.1 library directory");
        let now = jiff::Timestamp::now().as_second();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(failed.clone())?;
        let done: Option<String> = tx
            .query_row(
                "SELECT value FROM meta WHERE name = ?1",
                [DIRECTORY_IMPORTED],
                |r| r.get(0),
            )
            .optional()
            .map_err(failed.clone())?;
        if done.is_some() {
            // Another kanbao did it meanwhile.
            return Ok(None);
        }
        let mut stored = Stored::default();
        let mut problems = lib.problems;
        for a in &lib.articles {
            let body = match a.load_body() {
                Ok(body) => body,
                Err(e) => {
                    problems.push(
                        Diagnostic::at(a.origin.line, a.origin.column, e.to_string())
                            .in_file(&a.origin.path),
                    );
                    continue;
                }
            };
            let full = Article {
                body,
                body_at: None,
                ..a.clone()
            };
            let outcome = store_one(&tx, &full, now).map_err(failed.clone())?;
            stored.add(outcome, a);
        }
        let record = serde_json::json!({
            "dir": dir.display().to_string(),
            "found": found,
            "articles": stored.new + stored.updated + stored.unchanged,
            "at": jiff::Timestamp::now().to_string(),
        });
        tx.execute(
            "INSERT INTO meta (name, value) VALUES (?1, ?2)",
            params![DIRECTORY_IMPORTED, record.to_string()],
        )
        .map_err(failed.clone())?;
        tx.commit().map_err(failed)?;
        Ok(found.then(|| Migrated {
            dir: dir.to_owned(),
            stored,
            problems,
        }))
    }

    /// A value of the `meta` table.
    fn meta(&self, name: &str) -> Result<Option<String>, DbError> {
        self.conn
            .query_row("SELECT value FROM meta WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()
            .map_err(self.failed("cannot read"))
    }

    /// How many articles the full-text index has not taken in yet (a search
    /// reads them all, so it is exact, only slower, until
    /// [`LibraryDb::catch_up_index`] has run).
    pub fn unindexed(&self) -> Result<usize, DbError> {
        fts::pending(&self.conn).map_err(self.failed("cannot read the search index"))
    }

    /// Brings the full-text index up to date, `batch` articles per
    /// transaction (so another kanbao's write waits for one batch at most),
    /// calling `go_on` between batches: it stops when that says no. Returns
    /// how many were indexed.
    pub fn catch_up_index(
        &mut self,
        batch: usize,
        mut go_on: impl FnMut(usize) -> bool,
    ) -> Result<usize, DbError> {
        self.writable()?;
        let mut total = 0;
        loop {
            let done = fts::catch_up(&mut self.conn, batch)
                .map_err(failed_at(&self.path, "cannot update the search index"))?;
            total += done;
            if done == 0 || !go_on(total) {
                return Ok(total);
            }
        }
    }

    /// How many articles there are.
    pub fn count(&self) -> Result<usize, DbError> {
        // Kept by triggers (schema 4); counted where it is not (a newer
        // kanbao's schema, opened read-only, may keep it otherwise).
        let kept: Option<i64> = self
            .conn
            .query_row(
                "SELECT CAST(value AS INTEGER) FROM meta WHERE name = 'count'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.failed("cannot count articles"))?;
        match kept {
            Some(n) if self.read_only.is_none() => Ok(n.max(0) as usize),
            _ => self
                .conn
                .query_row("SELECT count(*) FROM articles", [], |r| r.get::<_, i64>(0))
                .map(|n| n as usize)
                .map_err(self.failed("cannot count articles")),
        }
    }

    /// Every source of the library with its counts ([`count_sources`]),
    /// from the feed index alone.
    ///
    /// [`count_sources`]: crate::count_sources
    pub fn source_counts(&self, marks: &dyn Marks) -> Result<Vec<crate::SourceCount>, DbError> {
        let failed = || self.failed("cannot count articles by source");
        let mut stmt = self
            .conn
            .prepare_cached("SELECT feed, source, key FROM articles INDEXED BY articles_by_feed")
            .map_err(failed())?;
        let mut rows = stmt.query([]).map_err(failed())?;
        let mut counter = crate::library::sources::SourceCounter::default();
        while let Some(row) = rows.next().map_err(failed())? {
            let text = |i: usize| -> Result<Option<&str>, DbError> {
                let value = row.get_ref(i).map_err(failed())?;
                value.as_str_or_null().map_err(|e| failed()(e.into()))
            };
            counter.add(text(0)?, text(1)?, text(2)?.unwrap_or(""), marks);
        }
        Ok(counter.counts)
    }

    /// How many articles each feed has (`None`: articles of no feed), by
    /// feed.
    pub fn counts_by_feed(&self) -> Result<Vec<(Option<String>, usize)>, DbError> {
        let failed = || self.failed("cannot count articles");
        let mut stmt = self
            .conn
            .prepare("SELECT feed, count(*) FROM articles GROUP BY feed ORDER BY feed")
            .map_err(failed())?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as usize)))
            .map_err(failed())?;
        rows.collect::<Result<_, _>>().map_err(failed())
    }

    /// How many articles are not marked read. Reads only the keys (from
    /// their index): no article is loaded.
    pub fn unread_count(&self, marks: &dyn Marks) -> Result<usize, DbError> {
        let failed = || self.failed("cannot count unread articles");
        let mut stmt = self
            .conn
            .prepare("SELECT key FROM articles")
            .map_err(failed())?;
        let mut rows = stmt.query([]).map_err(failed())?;
        let mut unread = 0;
        while let Some(row) = rows.next().map_err(failed())? {
            let key = row.get_ref(0).map_err(failed())?.as_str().unwrap_or("");
            unread += usize::from(!marks.is_read(key));
        }
        Ok(unread)
    }

    /// Per feed (`None`: articles of no feed), by feed: how many articles
    /// and how many unread. Reads only feeds and keys (from their index).
    pub fn unread_by_feed(&self, marks: &dyn Marks) -> Result<Vec<FeedCount>, DbError> {
        // The sources, in the feed index's order (articles of no feed
        // first, by source name), taken together by feed.
        let mut counts: Vec<FeedCount> = Vec::new();
        for c in self.source_counts(marks)? {
            match counts.last_mut() {
                Some(last) if last.feed == c.feed => {
                    last.total += c.total;
                    last.unread += c.unread;
                }
                _ => counts.push(FeedCount {
                    feed: c.feed,
                    total: c.total,
                    unread: c.unread,
                }),
            }
        }
        Ok(counts)
    }

    /// The metadata of every article, in the order they were first stored,
    /// with `body` empty and the body left in the database
    /// ([`BodyAt::Row`], read by [`Article::load_body`]); and a problem for
    /// each row that does not read as an article.
    pub fn articles(&self) -> Result<(Vec<Article>, Vec<Diagnostic>), DbError> {
        self.articles_with(None)
    }

    /// [`LibraryDb::articles`], reporting to `progress` (in articles).
    fn articles_with(
        &self,
        progress: Option<&Progress>,
    ) -> Result<(Vec<Article>, Vec<Diagnostic>), DbError> {
        use std::sync::atomic::Ordering;
        let failed = || self.failed("cannot read articles");
        if let Some(p) = progress {
            let count = self.count()?;
            p.total.store(count as u64, Ordering::Relaxed);
            p.expected.store(count, Ordering::Relaxed);
        }
        let shown: Arc<str> = Arc::from(self.path.display().to_string());
        let docs = Docs(self.rows.clone());
        let article = |row: &rusqlite::Row| -> rusqlite::Result<Result<Article, Diagnostic>> {
            article_of_row(row, &shown, &docs)
        };
        if let Some(p) = progress {
            // A first screenful while the rest loads: the newest, from the
            // date index, which are the top of the list the browser will
            // show (the rest come in the order of `meta`).
            let mut stmt = self.conn.prepare(NEWEST).map_err(failed())?;
            let first: Vec<Article> = stmt
                .query_map([FIRST_SCREENS], article)
                .map_err(failed())?
                .filter_map(|r| r.ok().and_then(Result::ok))
                .collect();
            p.offer(&first);
        }
        let mut stmt = self.conn.prepare(METADATA).map_err(failed())?;
        let mut rows = stmt.query([]).map_err(failed())?;
        let (mut articles, mut problems) = (Vec::new(), Vec::new());
        while let Some(row) = rows.next().map_err(failed())? {
            match article(row).map_err(failed())? {
                Ok(a) => articles.push(a),
                Err(problem) => problems.push(problem),
            }
            if let Some(p) = progress {
                p.done.fetch_add(1, Ordering::Relaxed);
                p.articles.fetch_add(1, Ordering::Relaxed);
            }
        }
        // The index is in the order of `meta`: put the articles back in
        // the order they were first stored.
        articles.sort_unstable_by_key(|a| a.origin.line);
        Ok((articles, problems))
    }

    /// A [`Library`] of every article ([`LibraryDb::articles`]): one file,
    /// bodies in the database, indexed for the browser's search.
    pub fn library(&self) -> Result<Library, DbError> {
        self.library_with(None)
    }

    /// [`LibraryDb::library`], reporting to `progress` (in articles).
    pub fn library_with(&self, progress: Option<Arc<Progress>>) -> Result<Library, DbError> {
        let (articles, problems) = self.articles_with(progress.as_deref())?;
        let mut lib = Library::from_articles(articles);
        lib.problems = problems;
        lib.files = 1;
        lib.lazy = true;
        lib.progress = progress;
        let index = crate::library::search::Index::build(&lib.articles)
            .narrowed_by(&Docs(self.rows.clone()), self.rows.clone());
        lib.search_index = Some(Arc::new(index));
        Ok(lib)
    }

    /// The whole article in row `rowid` (`None`: no such row, or it does
    /// not read as an article).
    pub fn article(&self, rowid: i64) -> Result<Option<Article>, DbError> {
        let doc: Option<String> = self
            .conn
            .query_row("SELECT doc FROM articles WHERE rowid = ?1", [rowid], |r| {
                r.get(0)
            })
            .optional()
            .map_err(self.failed("cannot read an article"))?;
        Ok(doc.and_then(|d| Article::from_json(&d).ok()))
    }

    /// The rows of the articles `query` matches, ascending: exactly those
    /// [`Query::matches`] accepts (the full-text index only narrows which
    /// rows are read; each candidate is checked whole). The browser's
    /// search of the rows ([`LibraryDb::search_in_background`]), waited for.
    pub fn search(
        &self,
        query: &Query,
        marks: Arc<dyn Marks + Send + Sync>,
    ) -> Result<Vec<i64>, DbError> {
        match self.search_in_background(query, marks, None).wait() {
            (_, Some(why)) => Err(DbError::Search {
                path: self.path.clone(),
                why,
            }),
            (found, None) => Ok(found.into_iter().map(i64::from).collect()),
        }
    }

    /// Writes the articles (those `query` matches, if given) to `out` as
    /// JSON Lines in the order they were first stored: one
    /// [`Article::to_json`] per line, with `"read": true` and
    /// `"starred": true` when the article is marked so (which `kanbao
    /// import` turns back into marks). Returns how many were written.
    pub fn export_jsonl(
        &self,
        query: Option<&Query>,
        marks: Arc<dyn Marks + Send + Sync>,
        out: &mut dyn std::io::Write,
    ) -> Result<usize, DbError> {
        let failed = || self.failed("cannot export");
        let wanted = match query {
            Some(q) if !q.is_empty() => Some(self.search(q, marks.clone())?),
            _ => None,
        };
        let mut stmt = self
            .conn
            .prepare("SELECT rowid, key, doc FROM articles ORDER BY rowid")
            .map_err(failed())?;
        let mut rows = stmt.query([]).map_err(failed())?;
        let mut written = 0;
        while let Some(row) = rows.next().map_err(failed())? {
            let rowid: i64 = row.get(0).map_err(failed())?;
            if wanted
                .as_ref()
                .is_some_and(|w| w.binary_search(&rowid).is_err())
            {
                continue;
            }
            let key = row.get_ref(1).map_err(failed())?.as_str().unwrap_or("");
            let doc = row.get_ref(2).map_err(failed())?.as_str().unwrap_or("");
            let Ok(serde_json::Value::Object(mut fields)) = serde_json::from_str(doc) else {
                continue;
            };
            for (name, set) in [
                (MARK_READ, marks.is_read(key)),
                (MARK_STARRED, marks.is_starred(key)),
            ] {
                if set {
                    fields.insert(name.into(), true.into());
                }
            }
            let line = crate::text::output::json_line(&fields);
            writeln!(out, "{line}").map_err(DbError::Output)?;
            written += 1;
        }
        out.flush().map_err(DbError::Output)?;
        Ok(written)
    }
}

/// What `kanbao` (and `list`, `read`, `snapshot`) open without PATHs.
#[derive(Debug)]
pub struct Opened {
    /// The user's library, else the sample.
    pub library: Library,
    /// The database it was read from (`None`: the sample).
    pub db: Option<LibraryDb>,
    /// What to tell once: the 0.1 directory imported (and what in it was
    /// not), a database opened read-only.
    pub notes: Vec<String>,
}

/// What the user's library is, opened but not loaded
/// ([`open_default`]).
#[derive(Debug)]
pub enum DefaultLibrary {
    /// The library database, holding articles, and what to tell once (the
    /// 0.1 directory imported, the database opened read-only).
    Database {
        /// The database.
        db: LibraryDb,
        /// What to tell.
        notes: Vec<String>,
    },
    /// Something else, loaded: the sample library (no database, or one
    /// with no article), or the 0.1 directory read as kanbao 0.1 read it
    /// (the database could not be opened; a note says why).
    Loaded(Opened),
}

/// The user's library database ([`LibraryDb::open_default`], importing the
/// 0.1 directory the first time) when there is one and it holds articles,
/// else the sample library; nothing is created when there is neither a
/// database nor a 0.1 directory. When the database cannot be opened but a
/// 0.1 directory is there, that directory is read as kanbao 0.1 read it,
/// with a note saying why. No article of the database is read.
pub fn open_default(progress: Option<Arc<Progress>>) -> Result<DefaultLibrary, DbError> {
    let sample = |notes| {
        DefaultLibrary::Loaded(Opened {
            library: Library::sample(),
            db: None,
            notes,
        })
    };
    if !LibraryDb::default_exists() {
        return Ok(sample(Vec::new()));
    }
    let (db, migrated) = match LibraryDb::open_default() {
        Ok(opened) => opened,
        Err(e) => match crate::paths::library_dir().filter(|d| d.is_dir()) {
            Some(dir) => {
                let library = Library::load_lazy(&[&dir], None, progress);
                let note = format!(
                    "{e}; reading the kanbao 0.1 library {} instead",
                    dir.display()
                );
                return Ok(DefaultLibrary::Loaded(Opened {
                    library,
                    db: None,
                    notes: vec![note],
                }));
            }
            None => return Err(e),
        },
    };
    let mut notes = Vec::new();
    if let Some(m) = migrated {
        notes.push(m.note(db.path()));
        notes.extend(m.problems.iter().map(|p| p.to_string()));
    }
    if let Some(why) = db.read_only() {
        notes.push(format!("{}: {why}", db.path().display()));
    }
    if db.count()? == 0 {
        return Ok(sample(notes));
    }
    Ok(DefaultLibrary::Database { db, notes })
}

/// [`open_default`], with every article of a database loaded (its
/// metadata; bodies stay in their rows): what `list`, `read` and
/// `snapshot` show without PATHs.
pub fn open_default_library(progress: Option<Arc<Progress>>) -> Result<Opened, DbError> {
    match open_default(progress.clone())? {
        DefaultLibrary::Loaded(opened) => Ok(opened),
        DefaultLibrary::Database { db, notes } => Ok(Opened {
            library: db.library_with(progress)?,
            db: Some(db),
            notes,
        }),
    }
}

impl Migrated {
    /// What the import did, in a sentence naming the directory and `db`.
    pub fn note(&self, db: &Path) -> String {
        let n = self.stored.new + self.stored.updated + self.stored.unchanged;
        let failed = match self.problems.len() {
            0 => String::new(),
            p => format!(" ({p} problem{} below)", if p == 1 { "" } else { "s" }),
        };
        format!(
            "imported the {n} article{} of the kanbao 0.1 library {} into {}{failed};              its files are left where they were",
            if n == 1 { "" } else { "s" },
            self.dir.display(),
            db.display()
        )
    }
}

/// The field of an exported article saying it was read (`true`; absent
/// otherwise).
pub const MARK_READ: &str = "read";

/// The field of an exported article saying it is starred (`true`; absent
/// otherwise).
pub const MARK_STARRED: &str = "starred";

/// Every article's metadata and the length of its JSON, from the covering
/// index `articles_meta` alone (no table row, no body is read).
const METADATA: &str =
    "SELECT rowid, meta, octet_length(doc) FROM articles INDEXED BY articles_meta";

/// The metadata of the `?1` newest articles, in the order of the date
/// index (SQLite puts NULL, the undated, last in a descending order, as the
/// browser lists them).
const NEWEST: &str =
    "SELECT rowid, meta, octet_length(doc) FROM articles INDEXED BY articles_by_date
     ORDER BY published_at DESC, rowid LIMIT ?1";

/// How many articles the first screenful is offered from: a few screens.
const FIRST_SCREENS: i64 = 256;

/// A [`DbError::Sqlite`] about the database at `path`, for `map_err`.
fn failed_at(
    path: &Path,
    what: &'static str,
) -> impl FnOnce(rusqlite::Error) -> DbError + Clone + use<> {
    let path = path.to_owned();
    move |error| DbError::Sqlite { path, what, error }
}

/// The article of a row of `rowid, meta, octet_length(doc)`: its metadata,
/// the body left in the row; or a problem naming the row.
fn article_of_row(
    row: &rusqlite::Row,
    shown: &Arc<str>,
    docs: &Docs,
) -> rusqlite::Result<Result<Article, Diagnostic>> {
    let rowid: i64 = row.get(0)?;
    let meta = row.get_ref(1)?.as_str().unwrap_or("");
    let len: i64 = row.get(2)?;
    Ok(match Article::from_json_meta(meta) {
        Ok(mut a) => {
            a.origin = Origin {
                path: shown.clone(),
                line: rowid as usize,
                column: 0,
            };
            a.body_at = Some(BodyAt::Row {
                docs: docs.clone(),
                rowid,
                len: len as u64,
            });
            Ok(a)
        }
        Err(e) => Err(Diagnostic::new(format!("row {rowid}: {}", e.message)).in_file(shown)),
    })
}

/// Stores one article, its body in memory, in the open transaction.
fn store_one(tx: &Connection, a: &Article, now: i64) -> rusqlite::Result<Outcome> {
    let key = a.key();
    let mut json = a.to_json();
    let doc = json.to_string();
    let old: Option<(i64, String)> = tx
        .prepare_cached("SELECT rowid, doc FROM articles WHERE key = ?1")?
        .query_row([&*key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (rowid, outcome) = match old {
        Some((_, old)) if old == doc => return Ok(Outcome::Unchanged),
        Some((rowid, _)) => (Some(rowid), Outcome::Updated),
        None => match take_over_unscoped(tx, a)? {
            Some((rowid, same)) => (Some(rowid), Outcome::TakenOver { same }),
            None => (None, Outcome::New),
        },
    };
    // A new row (rowid NULL: SQLite numbers it), or the row replaced in
    // place, keeping its rowid and when it was first fetched.
    let rowid: i64 = tx
        .prepare_cached(
            "INSERT INTO articles (rowid, key, feed, id, title, published_at, published,
                 source, url, lang, meta, doc, fetched, updated)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)
             ON CONFLICT (rowid) DO UPDATE SET key = excluded.key, feed = excluded.feed,
                 id = excluded.id, title = excluded.title, published_at = excluded.published_at,
                 published = excluded.published, source = excluded.source, url = excluded.url,
                 lang = excluded.lang, meta = excluded.meta, doc = excluded.doc,
                 updated = excluded.updated
             RETURNING rowid",
        )?
        .query_row(
            params![
                rowid,
                &*key,
                a.feed,
                a.id,
                a.title,
                a.published.as_ref().map(|p| p.sort_key()),
                a.published.as_ref().map(|p| p.to_rfc3339()),
                a.source,
                a.url,
                a.lang,
                meta_of(&mut json),
                doc,
                now,
            ],
            |r| r.get(0),
        )?;
    fts::index_later(tx, rowid, matches!(outcome, Outcome::New))?;
    Ok(outcome)
}

/// The `meta` column: the article's JSON without its body (and so without
/// the body's alias fields, which `to_json` never writes).
fn meta_of(json: &mut serde_json::Value) -> String {
    if let Some(fields) = json.as_object_mut() {
        fields.remove("body");
    }
    json.to_string()
}

/// For an article of a feed with no row of its own yet: the row an older
/// kanbao stored it in (under its bare id, with the same URL and no feed),
/// if any, and whether it held this article exactly but for the feed. The
/// caller rewrites the row under the scoped key, so only one feed takes it.
fn take_over_unscoped(tx: &Connection, a: &Article) -> rusqlite::Result<Option<(i64, bool)>> {
    if a.feed.is_none() {
        return Ok(None);
    }
    let old: Option<(i64, String)> = tx
        .prepare_cached("SELECT rowid, doc FROM articles WHERE key = ?1 AND feed IS NULL")?
        .query_row([&a.id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((rowid, doc)) = old else {
        return Ok(None);
    };
    let Ok(old) = Article::from_json_meta(&doc) else {
        return Ok(None);
    };
    if old.feed.is_some() || old.id != a.id || old.url != a.url {
        return Ok(None);
    }
    let unscoped = Article {
        feed: None,
        ..a.clone()
    };
    // (Not `doc == unscoped.to_json()`: a string equals a JSON *string*.)
    let unscoped_doc = unscoped.to_json().to_string();
    Ok(Some((rowid, doc == unscoped_doc)))
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // See the module's documentation: WAL, every commit synced.
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    // On macOS fsync() does not flush the drive's cache; F_FULLFSYNC does.
    conn.pragma_update(None, "fullfsync", true)?;
    conn.pragma_update(None, "checkpoint_fullfsync", true)?;
    conn.pragma_update(None, "cache_size", CACHE_KIB)?;
    Ok(())
}

/// Each connection's page cache, in KiB (SQLite's `cache_size` when
/// negative). SQLite's default of 2 MB holds a fraction of the inner pages
/// of a million articles' table (about 30 MB), so a lookup by row read
/// three or four pages from the file; 16 MB holds the levels near the
/// root, which every lookup goes through.
const CACHE_KIB: i64 = -16 * 1024;

/// Brings the schema to [`SCHEMA_VERSION`]; `Ok(Some(version))` for a
/// newer kanbao's schema, left alone. Reads the version without a lock
/// first, so that opening an up-to-date database never waits for a writer.
fn migrate(conn: &mut Connection) -> rusqlite::Result<Option<i64>> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Ok(Some(version));
    }
    if version == SCHEMA_VERSION {
        return Ok(None);
    }
    // IMMEDIATE holds off another kanbao migrating the same file.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version >= SCHEMA_VERSION {
        return Ok((version > SCHEMA_VERSION).then_some(version));
    }
    for step in &MIGRATIONS[version.max(0) as usize..] {
        for sql in *step {
            tx.execute_batch(sql)?;
        }
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(None)
}

/// Reads the rows of a library database for the articles loaded from it
/// ([`BodyAt::Row`]): connections opened when first needed, kept for the
/// next read, one per thread reading at once (the browser's search reads on
/// every core). They only read (`query_only`).
#[derive(Debug)]
struct Rows {
    file: PathBuf,
    shown: String,
    pool: Mutex<Vec<Connection>>,
}

impl Rows {
    fn new(file: &Path) -> Rows {
        Rows {
            file: file.to_owned(),
            shown: file.display().to_string(),
            pool: Mutex::new(Vec::new()),
        }
    }

    /// A connection that reads only; never creates the file.
    fn connect(&self) -> rusqlite::Result<Connection> {
        let flags = OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        let conn =
            Connection::open_with_flags(&self.file, flags | OpenFlags::SQLITE_OPEN_READ_WRITE)
                .or_else(|_| {
                    Connection::open_with_flags(
                        &self.file,
                        flags | OpenFlags::SQLITE_OPEN_READ_ONLY,
                    )
                })?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "query_only", true)?;
        conn.pragma_update(None, "cache_size", CACHE_KIB)?;
        Ok(conn)
    }
}

impl Rows {
    /// Runs `read` on a connection of the pool (opened if none is free).
    fn with<T>(&self, read: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, String> {
        let taken = self.pool.lock().ok().and_then(|mut p| p.pop());
        let conn = match taken {
            Some(conn) => conn,
            None => self.connect().map_err(|e| e.to_string())?,
        };
        let result = read(&conn).map_err(|e| e.to_string());
        if let Ok(mut pool) = self.pool.lock()
            && pool.len() < 8
        {
            pool.push(conn);
        }
        result
    }
}

impl RowSource for Rows {
    fn path(&self) -> &str {
        &self.shown
    }

    fn doc(&self, rowid: i64) -> Result<Option<String>, String> {
        self.with(|conn| {
            conn.prepare_cached("SELECT doc FROM articles WHERE rowid = ?1")?
                .query_row([rowid], |r| r.get(0))
                .optional()
        })
    }
}

impl crate::library::search::Narrow for Rows {
    /// The full-text index's candidates; `None` (no narrowing) when it
    /// cannot say, or cannot be read.
    fn candidates(&self, query: &Query) -> Option<Vec<i64>> {
        self.with(|conn| fts::candidates(conn, query))
            .ok()
            .flatten()
    }
}

#[cfg(test)]
mod tests;
