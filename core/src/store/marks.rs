//! One idea: the marks store — memory, SQLite file, background writes and
//! their recovery, which only make sense together.
//!
//! Which articles you have read and which you have starred, kept in
//! `$XDG_STATE_HOME/kanbao/state.sqlite3` (default
//! `~/.local/state/kanbao/state.sqlite3`).
//!
//! Marks are keyed by article identity ([`crate::Article::key`]: the id,
//! scoped to the article's feed), so they follow an article across
//! re-imports and library paths. Every change is committed to SQLite the
//! moment it is made (one transaction per change, one for `mark_all_read`)
//! and survives `kill -9` and power loss. All marks are also held in memory,
//! so the list can ask about 100,000 articles without touching the disk.
//!
//! If the store cannot be opened (read-only directory, full disk, corrupt
//! file) kanbao keeps working with marks in memory only, and
//! [`MarkStore::problem`] says what happened, once.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

/// The schema version this kanbao writes, kept in `PRAGMA user_version`.
const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// `MIGRATIONS[v]` takes the schema from version `v` to `v + 1`. Only ever
/// append: a file at version `v` runs every step from `v` on.
const MIGRATIONS: &[&str] = &[
    // 0 → 1: the marks themselves. `changed` is an RFC 3339 UTC time.
    "CREATE TABLE marks (
         id TEXT PRIMARY KEY,
         read INTEGER NOT NULL,
         starred INTEGER NOT NULL,
         changed TEXT NOT NULL
     );",
];

/// How long a write waits while another kanbao (on the same file) holds the
/// write lock. Writes are single rows or one batch, so waits are short.
const BUSY_TIMEOUT: Duration = Duration::from_secs(3);

/// What the store is told when it is not saved (appended to problems).
const NOT_SAVED: &str = "read and starred marks will last only until kanbao exits";

/// Which mark a write is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Field {
    Read,
    Starred,
}

impl Field {
    /// Upsert of one column only, so that two kanbaos on the same file do not
    /// overwrite each other's other mark.
    fn upsert(self) -> &'static str {
        match self {
            Field::Read => {
                "INSERT INTO marks (id, read, starred, changed)
                 VALUES (?1, ?2, 0, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                 ON CONFLICT (id) DO UPDATE SET read = excluded.read, changed = excluded.changed"
            }
            Field::Starred => {
                "INSERT INTO marks (id, read, starred, changed)
                 VALUES (?1, 0, ?2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                 ON CONFLICT (id) DO UPDATE SET starred = excluded.starred, changed = excluded.changed"
            }
        }
    }
}

/// `$XDG_STATE_HOME/kanbao/state.sqlite3` (default
/// `~/.local/state/kanbao/state.sqlite3`); `None` without either variable.
pub fn default_path() -> Option<PathBuf> {
    crate::paths::state_dir().map(|d| d.join("state.sqlite3"))
}

/// The read and starred marks: an SQLite file written at every change, and
/// the same marks in memory for fast lookups.
pub struct MarkStore {
    /// `None` when in memory only (by choice, or because opening failed).
    conn: Option<Connection>,
    /// The file, for messages.
    path: Option<PathBuf>,
    read: HashSet<String>,
    starred: HashSet<String>,
    /// Marks changed in memory whose write failed: written again, from
    /// memory, with the next write.
    pending: HashSet<(String, Field)>,
    problem: Option<String>,
    /// A big write running in another thread, with the connection.
    writer: Option<std::thread::JoinHandle<Written>>,
    /// SQLite's `data_version` when the marks were last read: it moves on
    /// when another connection (another kanbao) commits.
    seen_version: Option<i64>,
}

/// What a background write gives back: the connection, and the marks it
/// failed to write with why.
type Written = (
    Connection,
    Result<(), (rusqlite::Error, Vec<(String, Field)>)>,
);

/// Why marks could not be saved. They are kept in memory, and written again
/// with the next change.
#[derive(Debug, thiserror::Error)]
pub enum MarksError {
    /// The file could not be written.
    #[error("cannot save read/starred marks to {}: {error}", path.display())]
    Save {
        /// The marks file (`:memory:` without one).
        path: PathBuf,
        /// What SQLite said.
        error: rusqlite::Error,
    },
    /// The thread writing a big change stopped.
    #[error("the thread saving marks failed; they are kept in memory")]
    WriterFailed,
}

/// Why the marks file could not be opened.
#[derive(Debug, thiserror::Error)]
enum OpenError {
    #[error("cannot create directory {}: {error}", dir.display())]
    CreateDir { dir: PathBuf, error: std::io::Error },
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

/// Marking more than this many articles at once is written in a background
/// thread (100,000 upserts take a good part of a second), so the key that
/// did it is answered at once. The marks are in memory at once; on disk
/// when the thread is done (`q` waits for it).
pub const BACKGROUND_WRITE: usize = 20_000;

impl MarkStore {
    /// Opens (creating directories and file) the store at `path` and loads
    /// every mark. If that fails (read-only directory, full disk, corrupt
    /// file), returns a working in-memory `MarkStore` whose [`problem`] says what
    /// happened and where.
    ///
    /// [`problem`]: MarkStore::problem
    pub fn open(path: &Path) -> MarkStore {
        MarkStore::open_with_timeout(path, BUSY_TIMEOUT)
    }

    fn open_with_timeout(path: &Path, busy_timeout: Duration) -> MarkStore {
        let mut state = MarkStore::in_memory();
        state.path = Some(path.to_path_buf());
        match open_connection(path, busy_timeout) {
            Ok(mut conn) => match migrate(&mut conn) {
                Ok(()) => match load(&conn, &mut state) {
                    Ok(()) => {
                        state.seen_version = data_version(&conn).ok();
                        state.conn = Some(conn);
                    }
                    Err(e) => state.fail(path, &e.to_string()),
                },
                Err(Migration::Newer(version)) => {
                    // Show what a newer kanbao saved, but never write to it.
                    let _ = load(&conn, &mut state);
                    state.problem = Some(format!(
                        "{}: written by a newer kanbao (schema version {version}, this one knows \
                         {SCHEMA_VERSION}); {NOT_SAVED}",
                        path.display()
                    ));
                }
                Err(Migration::Sqlite(e)) => state.fail(path, &e.to_string()),
            },
            Err(e) => state.fail(path, &e.to_string()),
        }
        state
    }

    /// Opens the store at `$XDG_STATE_HOME/kanbao/state.sqlite3` (default
    /// `~/.local/state/kanbao/state.sqlite3`).
    pub fn open_default() -> MarkStore {
        match default_path() {
            Some(path) => MarkStore::open(&path),
            None => {
                let mut state = MarkStore::in_memory();
                state.problem = Some(format!(
                    "cannot find the state directory (set XDG_STATE_HOME or HOME); {NOT_SAVED}"
                ));
                state
            }
        }
    }

    /// Marks kept in memory only, with no problem to report (tests, `snapshot`).
    pub fn in_memory() -> MarkStore {
        MarkStore {
            conn: None,
            path: None,
            read: HashSet::new(),
            starred: HashSet::new(),
            pending: HashSet::new(),
            problem: None,
            writer: None,
            seen_version: None,
        }
    }

    /// Forgets what was loaded and goes in-memory, saying why.
    fn fail(&mut self, path: &Path, why: &str) {
        self.read.clear();
        self.starred.clear();
        self.conn = None;
        self.problem = Some(format!(
            "cannot open {}: {why}; {NOT_SAVED}",
            path.display()
        ));
    }

    /// Whether the article has been read.
    pub fn is_read(&self, id: &str) -> bool {
        self.read.contains(id)
    }

    /// Whether the article is starred.
    pub fn is_starred(&self, id: &str) -> bool {
        self.starred.contains(id)
    }

    /// Marks the article read or unread and saves that at once. On `Err`
    /// (a message naming the file) the mark still changes in memory, and is
    /// written again with the next change.
    pub fn set_read(&mut self, id: &str, read: bool) -> Result<(), MarksError> {
        set(&mut self.read, id, read);
        self.persist(&[id], Field::Read)
    }

    /// Stars or unstars the article and saves that at once; errors as
    /// [`MarkStore::set_read`].
    pub fn set_starred(&mut self, id: &str, starred: bool) -> Result<(), MarksError> {
        set(&mut self.starred, id, starred);
        self.persist(&[id], Field::Starred)
    }

    /// Marks every article in `ids` read, in one transaction (one disk sync
    /// however many there are); errors as [`MarkStore::set_read`]. Only the
    /// marks that change are written; more than [`BACKGROUND_WRITE`] of
    /// them are written in a background thread (see [`MarkStore::tick`]).
    pub fn mark_all_read(&mut self, ids: &[&str]) -> Result<(), MarksError> {
        let changed: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|id| !self.read.contains(*id))
            .collect();
        self.read.reserve(changed.len());
        for id in &changed {
            // Not there (filtered above): one hash, not two.
            self.read.insert((*id).to_owned());
        }
        self.reclaim(false)?;
        if changed.len() > BACKGROUND_WRITE
            && self.writer.is_none()
            && let Some(mut conn) = self.conn.take()
        {
            let mut marks: Vec<(String, Field, bool)> = self
                .pending
                .drain()
                .map(|(id, field)| {
                    let value = match field {
                        Field::Read => self.read.contains(&id),
                        Field::Starred => self.starred.contains(&id),
                    };
                    (id, field, value)
                })
                .collect();
            // The ids go to the thread as one string and their lengths
            // (two allocations, not 100,000 on the thread the keys wait for).
            let joined: String = changed.concat();
            let lengths: Vec<usize> = changed.iter().map(|id| id.len()).collect();
            self.writer = Some(std::thread::spawn(move || {
                marks.reserve(lengths.len());
                let mut at = 0;
                for len in lengths {
                    marks.push((joined[at..at + len].to_owned(), Field::Read, true));
                    at += len;
                }
                let result = write_marks(&mut conn, &marks).map_err(|e| {
                    let unwritten = marks.into_iter().map(|(id, f, _)| (id, f)).collect();
                    (e, unwritten)
                });
                (conn, result)
            }));
            return Ok(());
        }
        self.persist(&changed, Field::Read)
    }

    /// Marks every article in `ids` unread, in one transaction (undoing
    /// [`MarkStore::mark_all_read`]); errors as [`MarkStore::set_read`].
    pub fn mark_all_unread(&mut self, ids: &[&str]) -> Result<(), MarksError> {
        let changed: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|id| self.read.remove(*id))
            .collect();
        self.persist(&changed, Field::Read)
    }

    /// Reads the marks again if another process (another kanbao, `kanbao
    /// mark`) changed them since they were read; returns whether it did.
    /// Not while marks of this one wait to be written (they would be lost).
    pub fn reload_if_changed(&mut self) -> bool {
        if self.writer.is_some() || !self.pending.is_empty() {
            return false;
        }
        let Some(conn) = &self.conn else {
            return false;
        };
        let Ok(now) = data_version(conn) else {
            return false;
        };
        if self.seen_version == Some(now) {
            return false;
        }
        let (mut read, mut starred) = (HashSet::new(), HashSet::new());
        std::mem::swap(&mut read, &mut self.read);
        std::mem::swap(&mut starred, &mut self.starred);
        let conn = self.conn.take();
        let loaded = conn.as_ref().map(|c| load(c, self));
        self.conn = conn;
        match loaded {
            Some(Ok(())) => {
                self.seen_version = Some(now);
                true
            }
            _ => {
                // Kept as they were.
                self.read = read;
                self.starred = starred;
                false
            }
        }
    }

    /// Whether a background write is running.
    pub fn busy(&self) -> bool {
        self.writer.is_some()
    }

    /// Takes the connection back from a background write that is done (or,
    /// with `wait`, waits for it), and writes what changed meanwhile. Call it
    /// now and then while [`MarkStore::busy`]; says what went wrong, if anything.
    pub fn tick(&mut self, wait: bool) -> Result<(), MarksError> {
        self.reclaim(wait)?;
        if self.writer.is_none() && !self.pending.is_empty() {
            return self.persist(&[], Field::Read);
        }
        Ok(())
    }

    /// The connection back from a finished background write.
    fn reclaim(&mut self, wait: bool) -> Result<(), MarksError> {
        if !wait && !self.writer.as_ref().is_some_and(|w| w.is_finished()) {
            return Ok(());
        }
        let Some(writer) = self.writer.take() else {
            return Ok(());
        };
        match writer.join() {
            Ok((conn, result)) => {
                self.conn = Some(conn);
                result.map_err(|(error, unwritten)| {
                    self.pending.extend(unwritten);
                    let path = self.path.as_deref().unwrap_or(Path::new(":memory:"));
                    MarksError::Save {
                        path: path.to_owned(),
                        error,
                    }
                })
            }
            Err(_) => Err(MarksError::WriterFailed),
        }
    }

    /// Why the marks are not being saved, if they are not: set once, when
    /// the store is opened.
    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }

    /// How many articles are read and how many starred.
    pub fn counts(&self) -> (usize, usize) {
        (self.read.len(), self.starred.len())
    }

    /// Writes `field` of `ids`, and every pending mark, from memory in one
    /// transaction. Nothing to do without a file.
    fn persist(&mut self, ids: &[&str], field: Field) -> Result<(), MarksError> {
        self.reclaim(false)?;
        if self.writer.is_some() {
            // Written with the rest when the background write is done.
            self.pending
                .extend(ids.iter().map(|id| (id.to_string(), field)));
            return Ok(());
        }
        let MarkStore {
            conn: Some(conn),
            path,
            read,
            starred,
            pending,
            ..
        } = self
        else {
            return Ok(());
        };
        let value = |id: &str, field: Field| match field {
            Field::Read => read.contains(id),
            Field::Starred => starred.contains(id),
        };
        let marks: Vec<(String, Field, bool)> = pending
            .iter()
            .map(|(id, f)| (id.clone(), *f, value(id, *f)))
            .chain(
                ids.iter()
                    .map(|id| (id.to_string(), field, value(id, field))),
            )
            .collect();
        // IMMEDIATE takes the write lock up front, so a busy file is waited
        // for (busy timeout) instead of failing mid-transaction.
        let result = write_marks(conn, &marks);
        match result {
            Ok(()) => {
                pending.clear();
                Ok(())
            }
            Err(e) => {
                pending.extend(ids.iter().map(|id| (id.to_string(), field)));
                let path = path.as_deref().unwrap_or(Path::new(":memory:"));
                Err(MarksError::Save {
                    path: path.to_owned(),
                    error: e,
                })
            }
        }
    }
}

/// Writes marks (id, field, value) in one transaction.
fn write_marks(conn: &mut Connection, marks: &[(String, Field, bool)]) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    {
        let mut read_stmt = tx.prepare_cached(Field::Read.upsert())?;
        let mut starred_stmt = tx.prepare_cached(Field::Starred.upsert())?;
        for (id, field, value) in marks {
            let stmt = match field {
                Field::Read => &mut read_stmt,
                Field::Starred => &mut starred_stmt,
            };
            stmt.execute((id, value))?;
        }
    }
    tx.commit()
}

impl Drop for MarkStore {
    /// Waits for a background write and saves what is pending: quitting
    /// loses no mark.
    fn drop(&mut self) {
        if self.writer.is_some() || !self.pending.is_empty() {
            let _ = self.tick(true);
        }
    }
}

impl std::fmt::Debug for MarkStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MarkStore")
            .field("path", &self.path)
            .field("saved", &self.conn.is_some())
            .field("read", &self.read.len())
            .field("starred", &self.starred.len())
            .field("pending", &self.pending.len())
            .field("problem", &self.problem)
            .finish()
    }
}

fn set(set: &mut HashSet<String>, id: &str, on: bool) {
    if on {
        if !set.contains(id) {
            set.insert(id.to_string());
        }
    } else {
        set.remove(id);
    }
}

/// Creates the directory and opens the file with the durability settings.
fn open_connection(path: &Path, busy_timeout: Duration) -> Result<Connection, OpenError> {
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        let existed = dir.is_dir();
        std::fs::create_dir_all(dir).map_err(|error| OpenError::CreateDir {
            dir: dir.to_owned(),
            error,
        })?;
        if !existed {
            // Make the new directory's own entry durable too (SQLite syncs the
            // directory holding the file, not the ones above it).
            if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                crate::store::atomic::sync_dir(parent);
            }
        }
    }
    let conn = Connection::open(path)?;
    configure(&conn, busy_timeout)?;
    Ok(conn)
}

fn configure(conn: &Connection, busy_timeout: Duration) -> rusqlite::Result<()> {
    // Another kanbao may be open on the same file: wait for its write lock
    // instead of failing at once.
    conn.busy_timeout(busy_timeout)?;
    // Write-ahead log: a commit appends to `state.sqlite3-wal` and never
    // rewrites the database in place, so a kill -9 or power cut mid-write
    // leaves the last complete commit; readers (another kanbao) do not block
    // the writer. This also reads the file, so a corrupt one fails here.
    // (Where a file system cannot do WAL, SQLite keeps the rollback journal,
    // which with synchronous=FULL is just as durable, only slower.)
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?;
    // synchronous=FULL: fsync the WAL at every commit, so a mark is on disk
    // when `set_*` returns. With the default for WAL, NORMAL, commits are
    // only synced at checkpoints: they survive a crash of kanbao but the
    // last commits can be lost on power loss or an OS crash. Marks change at
    // the pace of a reader's keys (and `A` is one transaction), so one sync
    // per change costs nothing noticeable.
    conn.pragma_update(None, "synchronous", "FULL")?;
    // On macOS fsync() does not flush the drive's cache; F_FULLFSYNC does.
    // Ignored elsewhere.
    conn.pragma_update(None, "fullfsync", true)?;
    conn.pragma_update(None, "checkpoint_fullfsync", true)?;
    Ok(())
}

enum Migration {
    /// The file was written by a newer kanbao, at this schema version.
    Newer(i64),
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for Migration {
    fn from(e: rusqlite::Error) -> Migration {
        Migration::Sqlite(e)
    }
}

/// Brings the schema to [`SCHEMA_VERSION`], in one transaction that also
/// holds off another kanbao migrating the same file.
fn migrate(conn: &mut Connection) -> Result<(), Migration> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(Migration::Newer(version));
    }
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    for step in &MIGRATIONS[version.max(0) as usize..] {
        tx.execute_batch(step)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

/// Reads every mark into memory.
/// SQLite's count of commits by other connections to the file.
fn data_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA data_version", [], |r| r.get(0))
}

fn load(conn: &Connection, state: &mut MarkStore) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare("SELECT id, read, starred FROM marks WHERE read OR starred")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, bool>(1)?,
            r.get::<_, bool>(2)?,
        ))
    })?;
    for row in rows {
        let (id, read, starred) = row?;
        match (read, starred) {
            (true, true) => {
                state.starred.insert(id.clone());
                state.read.insert(id);
            }
            (true, false) => {
                state.read.insert(id);
            }
            (false, true) => {
                state.starred.insert(id);
            }
            (false, false) => {}
        }
    }
    Ok(())
}

/// The marks as they are now, for a search in another thread (the store
/// itself stays with the browser, which changes it).
#[derive(Clone, Debug, Default)]
pub struct MarksSnapshot {
    read: HashSet<String>,
    starred: HashSet<String>,
}

impl MarkStore {
    /// A copy of every mark ([`MarksSnapshot`]).
    pub fn snapshot(&self) -> MarksSnapshot {
        MarksSnapshot {
            read: self.read.clone(),
            starred: self.starred.clone(),
        }
    }
}

impl crate::query::Marks for MarksSnapshot {
    fn is_read(&self, id: &str) -> bool {
        self.read.contains(id)
    }
    fn is_starred(&self, id: &str) -> bool {
        self.starred.contains(id)
    }
}

impl crate::query::Marks for MarkStore {
    fn is_read(&self, id: &str) -> bool {
        MarkStore::is_read(self, id)
    }
    fn is_starred(&self, id: &str) -> bool {
        MarkStore::is_starred(self, id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let dir =
                std::env::temp_dir().join(format!("kanbao-state-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }

        fn join(&self, name: &str) -> PathBuf {
            self.0.join(name)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn open_ok(path: &Path) -> MarkStore {
        let state = MarkStore::open(path);
        assert_eq!(state.problem(), None, "{state:?}");
        state
    }

    #[test]
    fn default_path_is_under_xdg_state_home() {
        // Only checks the shape: the environment is shared between tests.
        if let Some(path) = default_path() {
            assert!(path.ends_with("kanbao/state.sqlite3"), "{}", path.display());
        }
    }

    #[test]
    fn set_get_and_persist_across_reopen() {
        let dir = TempDir::new("persist");
        let path = dir.join("nested/dirs/state.sqlite3");
        {
            let mut state = open_ok(&path);
            assert_eq!(state.counts(), (0, 0));
            assert!(!state.is_read("a") && !state.is_starred("a"));
            state.set_read("a", true).unwrap();
            state.set_starred("a", true).unwrap();
            state.set_read("b", true).unwrap();
            state.set_starred("c", true).unwrap();
            state.set_read("b", false).unwrap();
            state.set_starred("d", true).unwrap();
            state.set_starred("d", false).unwrap();
            assert!(state.is_read("a") && state.is_starred("a"));
            assert!(!state.is_read("b") && !state.is_starred("b"));
            assert!(!state.is_read("c") && state.is_starred("c"));
            assert_eq!(state.counts(), (1, 2));
            // Setting twice is harmless.
            state.set_read("a", true).unwrap();
            assert_eq!(state.counts(), (1, 2));
        }
        let state = open_ok(&path);
        assert!(state.is_read("a") && state.is_starred("a"));
        assert!(!state.is_read("b") && !state.is_starred("b"));
        assert!(!state.is_read("c") && state.is_starred("c"));
        assert!(!state.is_read("d") && !state.is_starred("d"));
        assert_eq!(state.counts(), (1, 2));
    }

    #[test]
    fn durability_settings_and_schema_version() {
        let dir = TempDir::new("pragmas");
        let path = dir.join("state.sqlite3");
        let state = open_ok(&path);
        let conn = state.conn.as_ref().unwrap();
        let get = |name: &str| -> String {
            conn.pragma_query_value(None, name, |r| r.get::<_, rusqlite::types::Value>(0))
                .map(|v| match v {
                    rusqlite::types::Value::Integer(i) => i.to_string(),
                    rusqlite::types::Value::Text(t) => t,
                    other => format!("{other:?}"),
                })
                .unwrap()
        };
        assert_eq!(get("journal_mode"), "wal");
        assert_eq!(get("synchronous"), "2"); // FULL
        assert_eq!(get("user_version"), SCHEMA_VERSION.to_string());
        assert_eq!(get("busy_timeout"), BUSY_TIMEOUT.as_millis().to_string());
        drop(state);
        // Reopening an up-to-date file does not migrate again.
        let mut state = open_ok(&path);
        state.set_read("x", true).unwrap();
        let changed: String = state
            .conn
            .as_ref()
            .unwrap()
            .query_row("SELECT changed FROM marks WHERE id = 'x'", [], |r| r.get(0))
            .unwrap();
        assert!(
            changed.len() == 24 && changed.ends_with('Z') && changed.as_bytes()[10] == b'T',
            "{changed}"
        );
    }

    #[test]
    fn a_big_mark_all_read_is_written_in_the_background_and_nothing_is_lost() {
        let dir = TempDir::new("bulk");
        let path = dir.join("state.sqlite3");
        let ids: Vec<String> = (0..BACKGROUND_WRITE + 5_000)
            .map(|i| format!("id{i}"))
            .collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut state = open_ok(&path);
        state.mark_all_read(&refs).unwrap();
        assert!(state.busy(), "written in the background");
        assert!(state.is_read("id0"), "in memory at once");
        // Marks made while it writes are queued, then written too.
        state.set_starred("id3", true).unwrap();
        state.set_read("late", true).unwrap();
        state.tick(true).unwrap();
        assert!(!state.busy());
        let reopened = open_ok(&path);
        assert_eq!(reopened.counts(), (ids.len() + 1, 1));
        drop(reopened);
        // Quitting while it writes waits for it.
        let more: Vec<String> = (0..BACKGROUND_WRITE + 1)
            .map(|i| format!("more{i}"))
            .collect();
        let refs: Vec<&str> = more.iter().map(String::as_str).collect();
        state.mark_all_read(&refs).unwrap();
        state.set_starred("id4", true).unwrap();
        drop(state);
        let reopened = open_ok(&path);
        assert_eq!(reopened.counts(), (ids.len() + 1 + more.len(), 2));
        // Already read: nothing to write, nothing in the background.
        let mut state = reopened;
        state.mark_all_read(&refs).unwrap();
        assert!(!state.busy());
    }

    #[test]
    fn mark_all_unread_undoes_a_mark_all_read_even_while_it_is_written() {
        let dir = TempDir::new("undo");
        let path = dir.join("state.sqlite3");
        let ids: Vec<String> = (0..BACKGROUND_WRITE + 10)
            .map(|i| format!("id{i}"))
            .collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut state = open_ok(&path);
        state.set_read("before", true).unwrap();
        state.mark_all_read(&refs).unwrap();
        // Undone at once, before the background write has finished.
        state.mark_all_unread(&refs).unwrap();
        assert!(!state.is_read("id0"));
        state.tick(true).unwrap();
        drop(state);
        let reopened = open_ok(&path);
        assert_eq!(reopened.counts(), (1, 0), "only the mark made before stays");
        assert!(reopened.is_read("before"));
    }

    #[test]
    fn marks_another_process_made_are_read_again_and_only_then() {
        let dir = TempDir::new("reload");
        let path = dir.join("state.sqlite3");
        let mut browser = open_ok(&path);
        let mut other = open_ok(&path);
        assert!(!browser.reload_if_changed(), "nothing changed");
        other.set_read("a", true).unwrap();
        other.set_starred("b", true).unwrap();
        assert!(browser.reload_if_changed());
        assert!(browser.is_read("a") && browser.is_starred("b"));
        assert!(!browser.reload_if_changed(), "once");
        // Its own marks do not make it read again, and are not lost.
        browser.set_read("c", true).unwrap();
        assert!(!browser.reload_if_changed());
        other.set_read("a", false).unwrap();
        assert!(browser.reload_if_changed());
        assert!(!browser.is_read("a") && browser.is_read("c"));
    }

    #[test]
    fn mark_all_read_is_one_transaction() {
        let dir = TempDir::new("all");
        let path = dir.join("state.sqlite3");
        let ids: Vec<String> = (0..10_000).map(|i| format!("id{i}")).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut state = open_ok(&path);
        state.set_starred("id7", true).unwrap();
        // Make the very last row fail: in one transaction, nothing is saved.
        let other = Connection::open(&path).unwrap();
        other
            .execute_batch(
                "CREATE TRIGGER boom BEFORE INSERT ON marks WHEN NEW.id = 'id9999'
                 BEGIN SELECT RAISE(ABORT, 'boom'); END;",
            )
            .unwrap();
        let err = state.mark_all_read(&refs).unwrap_err();
        assert!(err.to_string().contains("boom"), "{err}");
        assert_eq!(state.counts(), (10_000, 1), "memory changed anyway");
        let on_disk = |conn: &Connection| -> i64 {
            conn.query_row("SELECT count(*) FROM marks WHERE read", [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(on_disk(&other), 0, "all or nothing");
        // Once the cause is gone, the next write saves them all.
        other.execute_batch("DROP TRIGGER boom").unwrap();
        state.set_read("extra", true).unwrap();
        assert_eq!(on_disk(&other), 10_001);
        state.mark_all_read(&refs).unwrap();
        drop(state);
        let state = open_ok(&path);
        assert_eq!(state.counts(), (10_001, 1));
        assert!(refs.iter().all(|id| state.is_read(id)));
        // Marking all read keeps the stars.
        assert!(state.is_starred("id7"));
    }

    #[test]
    fn unwritable_location_falls_back_to_memory() {
        // chmod does not stop root, so put the file under a regular file.
        let dir = TempDir::new("unwritable");
        let blocker = dir.join("not-a-dir");
        std::fs::write(&blocker, "file").unwrap();
        let path = blocker.join("kanbao/state.sqlite3");
        let mut state = MarkStore::open(&path);
        let problem = state.problem().expect("a problem").to_string();
        assert!(problem.contains(&path.display().to_string()), "{problem}");
        assert!(problem.contains("cannot create directory"), "{problem}");
        // The app keeps working, without an error at every key.
        state.set_read("a", true).unwrap();
        state.set_starred("a", true).unwrap();
        state.mark_all_read(&["b", "c"]).unwrap();
        assert!(state.is_read("a") && state.is_starred("a") && state.is_read("c"));
        assert_eq!(state.counts(), (3, 1));
        assert_eq!(state.problem(), Some(problem.as_str()));
    }

    #[test]
    fn corrupt_file_falls_back_to_memory_and_is_left_alone() {
        let dir = TempDir::new("corrupt");
        let path = dir.join("state.sqlite3");
        let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 7 + 13) as u8).collect();
        std::fs::write(&path, &garbage).unwrap();
        let mut state = MarkStore::open(&path);
        let problem = state.problem().expect("a problem").to_string();
        assert!(problem.contains(&path.display().to_string()), "{problem}");
        assert!(problem.contains("not a database"), "{problem}");
        state.set_read("a", true).unwrap();
        assert!(state.is_read("a"));
        assert_eq!(std::fs::read(&path).unwrap(), garbage, "never overwritten");
    }

    #[test]
    fn newer_schema_is_read_but_not_written() {
        let dir = TempDir::new("newer");
        let path = dir.join("state.sqlite3");
        {
            let mut state = open_ok(&path);
            state.set_read("a", true).unwrap();
            let conn = state.conn.as_ref().unwrap();
            conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
                .unwrap();
        }
        let mut state = MarkStore::open(&path);
        let problem = state.problem().expect("a problem").to_string();
        assert!(problem.contains("newer kanbao"), "{problem}");
        assert!(state.is_read("a"));
        state.set_read("b", true).unwrap();
        drop(state);
        let conn = Connection::open(&path).unwrap();
        let n: i64 = conn
            .query_row("SELECT count(*) FROM marks", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
    }

    #[test]
    fn two_states_on_one_file_share_marks_after_reopen() {
        let dir = TempDir::new("concurrent");
        let path = dir.join("state.sqlite3");
        let mut first = open_ok(&path);
        let mut second = open_ok(&path);
        first.set_read("a", true).unwrap();
        second.set_starred("a", true).unwrap();
        second.set_read("b", true).unwrap();
        first.mark_all_read(&["c", "d"]).unwrap();
        // Each keeps its own view until reopened...
        assert!(!second.is_read("a") && !first.is_starred("a"));
        // ...and neither overwrote the other's mark of the same article.
        let third = open_ok(&path);
        assert!(third.is_read("a") && third.is_starred("a"));
        assert!(third.is_read("b") && third.is_read("c") && third.is_read("d"));
        assert_eq!(third.counts(), (4, 1));
        drop((first, second));
        assert_eq!(open_ok(&path).counts(), (4, 1));
    }

    #[test]
    fn failed_write_changes_memory_and_is_retried() {
        let dir = TempDir::new("retry");
        let path = dir.join("state.sqlite3");
        let mut state = MarkStore::open_with_timeout(&path, Duration::from_millis(50));
        assert_eq!(state.problem(), None);
        // Another connection holds the write lock.
        let other = Connection::open(&path).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        let err = state.set_read("a", true).unwrap_err().to_string();
        assert!(err.contains(&path.display().to_string()), "{err}");
        let err = state.set_starred("b", true).unwrap_err().to_string();
        assert!(err.contains("cannot save"), "{err}");
        assert!(state.is_read("a") && state.is_starred("b"));
        state.mark_all_read(&["c"]).unwrap_err();
        // Unstarred again before the retry: the retry writes what memory says.
        state.set_starred("e", true).unwrap_err();
        state.set_starred("e", false).unwrap_err();
        other.execute_batch("ROLLBACK").unwrap();
        state.set_starred("d", true).unwrap();
        drop(state);
        let state = open_ok(&path);
        assert!(state.is_read("a") && state.is_starred("b"));
        assert!(state.is_read("c") && state.is_starred("d"));
        assert_eq!(state.counts(), (2, 2));
    }

    #[test]
    fn in_memory_has_no_problem() {
        let mut state = MarkStore::in_memory();
        assert_eq!(state.problem(), None);
        state.set_read("a", true).unwrap();
        assert!(state.is_read("a"));
        assert_eq!(state.counts(), (1, 0));
    }
}
