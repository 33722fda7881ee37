//! The library as the browser lists it, without loading it: each of the
//! list's orders read whole from its index as row numbers (4 bytes an
//! article: a million is 4 MB, where its metadata would be over a
//! gigabyte), the rows on screen read by number when they are shown, and
//! searches run over the rows in a thread of their own, the full-text
//! index narrowing which are read.
//!
//! The orders are those the browser gives a list of files, so that a
//! library looks the same whichever way it is read: by date, newest first,
//! undated last; by source name (bytes), no source last, newest first
//! within a source; by title (bytes); ties always in the order the rows
//! were first stored (their `rowid`, which every index ends with).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension};

use super::{DbError, LibraryDb, Rows, article_of_row, failed_at, fts};
use crate::diagnostic::Diagnostic;
use crate::model::article::{Article, Docs};
use crate::query::{Marks, Query};

/// One of the list's orders.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Order {
    /// Newest first, undated last.
    Date,
    /// By source, no source last; newest first within a source.
    Source,
    /// By title.
    Title,
}

impl Order {
    /// Every order, in the order the browser prepares them.
    pub const ALL: [Order; 3] = [Order::Date, Order::Source, Order::Title];

    /// Its name in the `orders` table.
    fn name(self) -> &'static str {
        match self {
            Order::Date => "date",
            Order::Source => "source",
            Order::Title => "title",
        }
    }

    /// The queries whose rows, one after the other, are the order.
    fn sql(self) -> &'static [&'static str] {
        match self {
            Order::Date => &["SELECT rowid FROM articles INDEXED BY articles_by_date
                 ORDER BY published_at DESC, rowid"],
            Order::Source => &[
                "SELECT rowid FROM articles INDEXED BY articles_by_source
                 WHERE source > '' ORDER BY source, published_at DESC, rowid",
                "SELECT rowid FROM articles WHERE source IS NULL OR source = ''
                 ORDER BY published_at DESC, rowid",
            ],
            Order::Title => &["SELECT rowid FROM articles INDEXED BY articles_by_title
                 ORDER BY title, rowid"],
        }
    }
}

/// Past this many rows, [`LibraryDb::keys_of`] reads the whole key index
/// rather than each row.
pub(super) const MANY_ROWS: usize = 2_000;

/// A row number as the browser keeps it (every row of a library of fewer
/// than four billion articles).
fn row_number(rowid: i64) -> rusqlite::Result<u32> {
    u32::try_from(rowid).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(0, rowid))
}

/// The rows of `order`, the first `limit` of them if given.
fn ordered(conn: &Connection, order: Order, limit: Option<usize>) -> rusqlite::Result<Vec<u32>> {
    let limit = limit.unwrap_or(usize::MAX);
    let mut out = Vec::new();
    for sql in order.sql() {
        if out.len() >= limit {
            break;
        }
        let mut stmt = conn.prepare_cached(sql)?;
        let mut rows = stmt.query([])?;
        while out.len() < limit
            && let Some(row) = rows.next()?
        {
            out.push(row_number(row.get(0)?)?);
        }
    }
    Ok(out)
}

/// The generation of the articles: a number moved on with every insert,
/// delete and change of what the orders sort by (schema 5's triggers).
pub(super) fn generation_of(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT CAST(value AS INTEGER) FROM meta WHERE name = 'generation'",
        [],
        |r| r.get(0),
    )
    .optional()
}

/// The rows of `order`: as saved, when `saved` (the database is kanbao's
/// own schema) and they were saved at the current generation, or else read
/// from the order's index, with the generation they were read at (to save
/// them under).
fn order_now(
    conn: &Connection,
    order: Order,
    saved: bool,
) -> rusqlite::Result<(Vec<u32>, Option<i64>)> {
    // One read transaction: the generation is that of the rows read.
    let tx = conn.unchecked_transaction()?;
    let now = match saved {
        true => generation_of(&tx)?,
        false => None,
    };
    if let Some(now) = now {
        let blob: Option<Vec<u8>> = tx
            .query_row(
                "SELECT rows FROM orders WHERE name = ?1 AND generation = ?2",
                rusqlite::params![order.name(), now],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(blob) = blob.filter(|b| b.len() % 4 == 0) {
            let rows = blob
                .chunks_exact(4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            return Ok((rows, None));
        }
    }
    let rows = ordered(&tx, order, None)?;
    Ok((rows, now))
}

/// Saves `rows` as `order` at `generation`, unless the articles have moved
/// on since (then they are not that order any more).
fn save_order(conn: &Connection, order: Order, at: i64, rows: &[u32]) -> rusqlite::Result<()> {
    let blob: Vec<u8> = rows.iter().flat_map(|r| r.to_le_bytes()).collect();
    conn.execute(
        "INSERT OR REPLACE INTO orders (name, generation, rows)
         SELECT ?1, ?2, ?3
         WHERE (SELECT CAST(value AS INTEGER) FROM meta WHERE name = 'generation') = ?2",
        rusqlite::params![order.name(), at, blob],
    )?;
    Ok(())
}

/// `[1,2,3]`: row numbers as a JSON array, for `json_each` (one statement
/// for any number of rows, no SQL built from data).
fn json_array(rowids: &[u32]) -> String {
    let mut s = String::with_capacity(rowids.len() * 8 + 2);
    s.push('[');
    for (i, r) in rowids.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&r.to_string());
    }
    s.push(']');
    s
}

impl LibraryDb {
    /// Reads every order and saves it, so that the next browser has them at
    /// once (an import or update calls it after writing). Orders saved at
    /// the current generation are left as they are.
    pub fn save_orders(&self) -> Result<(), DbError> {
        self.writable()?;
        let failed = || self.failed("cannot save the list's orders");
        for order in Order::ALL {
            let (rows, at) = order_now(&self.conn, order, true).map_err(failed())?;
            if let Some(at) = at {
                save_order(&self.conn, order, at, &rows).map_err(failed())?;
            }
        }
        Ok(())
    }

    /// Every row of the library in `order`: as saved, when the saved order
    /// is current (see [`LibraryDb::save_orders`]), else from its index.
    pub fn whole(&self, order: Order) -> Result<Vec<u32>, DbError> {
        order_now(&self.conn, order, self.read_only.is_none())
            .map(|(rows, _)| rows)
            .map_err(self.failed("cannot list articles"))
    }

    /// The rows of the library in `order` (all, or the first `limit`),
    /// from the order's index: no article is read.
    pub fn ordered(&self, order: Order, limit: Option<usize>) -> Result<Vec<u32>, DbError> {
        ordered(&self.conn, order, limit).map_err(self.failed("cannot list articles"))
    }

    /// The articles in rows `rowids` (their metadata, the body left in the
    /// row, as [`LibraryDb::articles`] gives them), each with its row;
    /// a row that does not read as an article is a problem naming it. Rows
    /// that are not there (removed since) are left out.
    #[allow(clippy::type_complexity)]
    pub fn rows(&self, rowids: &[u32]) -> Result<Vec<(u32, Result<Article, Diagnostic>)>, DbError> {
        let failed = || self.failed("cannot read articles");
        let shown: Arc<str> = Arc::from(self.path.display().to_string());
        let docs = Docs(self.rows.clone());
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT rowid, meta, octet_length(doc) FROM articles
                 WHERE rowid IN (SELECT value FROM json_each(?1))",
            )
            .map_err(failed())?;
        let mut out = Vec::with_capacity(rowids.len());
        for chunk in rowids.chunks(10_000) {
            let mut rows = stmt.query([json_array(chunk)]).map_err(failed())?;
            while let Some(row) = rows.next().map_err(failed())? {
                let rowid = row_number(row.get(0).map_err(failed())?).map_err(failed())?;
                out.push((rowid, article_of_row(row, &shown, &docs).map_err(failed())?));
            }
        }
        Ok(out)
    }

    /// The row of the article with this identity ([`Article::key`]).
    pub fn rowid_of(&self, key: &str) -> Result<Option<u32>, DbError> {
        let failed = || self.failed("cannot find an article");
        self.conn
            .prepare_cached("SELECT rowid FROM articles WHERE key = ?1")
            .and_then(|mut s| s.query_row([key], |r| r.get::<_, i64>(0)).optional())
            .map_err(failed())?
            .map(row_number)
            .transpose()
            .map_err(failed())
    }

    /// Each of rows `rowids` with its article's identity ([`Article::key`]),
    /// in no particular order (rows no longer there left out): a few
    /// hundred at a time, for the browser looking for the next unread
    /// article.
    pub fn keys_by_row(&self, rowids: &[u32]) -> Result<Vec<(u32, String)>, DbError> {
        let failed = || self.failed("cannot read articles");
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT rowid, key FROM articles WHERE rowid IN (SELECT value FROM json_each(?1))",
            )
            .map_err(failed())?;
        let mut out = Vec::with_capacity(rowids.len());
        for chunk in rowids.chunks(10_000) {
            let mut rows = stmt.query([json_array(chunk)]).map_err(failed())?;
            while let Some(row) = rows.next().map_err(failed())? {
                let rowid = row_number(row.get(0).map_err(failed())?).map_err(failed())?;
                out.push((rowid, row.get(1).map_err(failed())?));
            }
        }
        Ok(out)
    }

    /// The identities ([`Article::key`]) of the articles in rows `rowids`
    /// (those still there, in no particular order), for marking them. Many
    /// rows are read from the feed index, which holds every key (a lookup
    /// per row would read each row's page: a second for 100,000).
    pub fn keys_of(&self, rowids: &[u32]) -> Result<Vec<String>, DbError> {
        let failed = || self.failed("cannot read articles");
        if rowids.len() > MANY_ROWS {
            let mut wanted = vec![false; rowids.iter().max().map_or(0, |&m| m as usize + 1)];
            rowids.iter().for_each(|&r| wanted[r as usize] = true);
            let mut stmt = self
                .conn
                .prepare_cached("SELECT rowid, key FROM articles INDEXED BY articles_by_feed")
                .map_err(failed())?;
            let mut rows = stmt.query([]).map_err(failed())?;
            let mut out = Vec::with_capacity(rowids.len());
            while let Some(row) = rows.next().map_err(failed())? {
                let rowid: i64 = row.get(0).map_err(failed())?;
                if usize::try_from(rowid).is_ok_and(|r| wanted.get(r) == Some(&true)) {
                    out.push(row.get(1).map_err(failed())?);
                }
            }
            return Ok(out);
        }
        let rows = self.keys_by_row(rowids)?;
        Ok(rows.into_iter().map(|(_, key)| key).collect())
    }

    /// The source names of the articles in rows `rowids`, once each (their
    /// `source` column alone: no article is parsed).
    pub fn sources_of(&self, rowids: &[u32]) -> Result<Vec<String>, DbError> {
        let failed = || self.failed("cannot list sources");
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT source FROM articles
                 WHERE rowid IN (SELECT value FROM json_each(?1)) AND source > ''",
            )
            .map_err(failed())?;
        let mut names = std::collections::BTreeSet::new();
        for chunk in rowids.chunks(10_000) {
            let found = stmt
                .query_map([json_array(chunk)], |r| r.get(0))
                .map_err(failed())?;
            for name in found {
                names.insert(name.map_err(failed())?);
            }
        }
        Ok(names.into_iter().collect())
    }

    /// Every source name, once each, from the source index.
    pub fn sources(&self) -> Result<Vec<String>, DbError> {
        sources(&self.conn).map_err(self.failed("cannot list sources"))
    }

    /// Reads every order and the source names in the background, each in
    /// a thread of its own on its own connection ([`Prepared`]): the date
    /// order (the one the browser opens on) and the source names in one,
    /// the source and title orders beside it, so that on two cores all are
    /// there in about the time of two.
    pub fn prepare_in_background(&self) -> Prepared {
        let (send, receive) = channel();
        let jobs: [&[Order]; 2] = [&[Order::Date], &[Order::Source, Order::Title]];
        // Saved orders are read, and orders read are saved, only in a
        // database of this kanbao's schema that it may write.
        let saved = self.read_only.is_none();
        for (n, orders) in jobs.into_iter().enumerate() {
            let (rows, path, send) = (self.rows.clone(), self.path.clone(), send.clone());
            std::thread::spawn(move || {
                let conn = match rows.connect() {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = send.send(Err(failed_at(&path, "cannot list articles")(e)));
                        return;
                    }
                };
                let mut unsaved = Vec::new();
                for &order in orders {
                    let read = order_now(&conn, order, saved)
                        .map_err(failed_at(&path, "cannot list articles"));
                    let read = read.map(|(rows, at)| {
                        if let Some(at) = at {
                            unsaved.push((order, at, rows.clone()));
                        }
                        Ready::Order(order, rows)
                    });
                    if send.send(read).is_err() {
                        return;
                    }
                }
                // After the browser has them; a failure (another kanbao
                // holding the write lock past the timeout) only means they
                // are read again next time.
                if !unsaved.is_empty()
                    && let Ok(conn) = Connection::open(&path)
                    && conn.busy_timeout(super::BUSY_TIMEOUT).is_ok()
                {
                    for (order, at, rows) in unsaved {
                        let _ = save_order(&conn, order, at, &rows);
                    }
                }
                if n == 0 {
                    let names = sources(&conn)
                        .map(Ready::Sources)
                        .map_err(failed_at(&path, "cannot list sources"));
                    let _ = send.send(names);
                }
            });
        }
        Prepared {
            receive,
            left: std::cell::Cell::new(Order::ALL.len() + 1),
        }
    }

    /// Searches the rows for the articles `query` matches, in threads of
    /// their own ([`RowSearch`]): exactly those [`Query::matches`] accepts,
    /// the full-text index narrowing which rows are read, and only rows of
    /// `within` (the matches of a wider search, when the query narrows it)
    /// if given. `marks` answer `is:read`, `is:unread` and `is:starred`.
    pub fn search_in_background(
        &self,
        query: &Query,
        marks: Arc<dyn Marks + Send + Sync>,
        within: Option<Arc<[u32]>>,
    ) -> RowSearch {
        let cancel = Arc::new(AtomicBool::new(false));
        let (send, receive) = channel();
        let workers = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(1, 4);
        let job = Arc::new(SearchJob {
            rows: self.rows.clone(),
            query: query.clone(),
            marks,
            cancel: cancel.clone(),
            plan: Mutex::new(None),
        });
        for worker in 0..workers {
            let (job, send, within) = (job.clone(), send.clone(), within.clone());
            std::thread::spawn(move || job.run(worker, workers, within.as_deref(), &send));
        }
        RowSearch {
            cancel,
            receive,
            workers,
            finished: 0,
            found: Vec::new(),
            unreported: 0,
            reported: None,
            checked: 0,
            total: 0,
            failed: None,
        }
    }
}

fn sources(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT source FROM articles INDEXED BY articles_by_source WHERE source > ''",
    )?;
    stmt.query_map([], |r| r.get(0))?.collect()
}

/// What [`LibraryDb::prepare_in_background`] sends.
#[derive(Debug)]
pub enum Ready {
    /// An order, whole.
    Order(Order, Vec<u32>),
    /// Every source name.
    Sources(Vec<String>),
}

/// The orders and source names being read in the background.
#[derive(Debug)]
pub struct Prepared {
    receive: Receiver<Result<Ready, DbError>>,
    /// How many things are still to come.
    left: std::cell::Cell<usize>,
}

impl Prepared {
    /// What is ready since the last call (without waiting); `None` when
    /// nothing is, or everything has been taken.
    pub fn poll(&self) -> Option<Result<Ready, DbError>> {
        let got = self.receive.try_recv().ok();
        self.took(got)
    }

    /// Waits for the next thing ready; `None` when everything has been taken.
    pub fn wait(&self) -> Option<Result<Ready, DbError>> {
        let got = self.receive.recv().ok();
        self.took(got)
    }

    fn took(&self, got: Option<Result<Ready, DbError>>) -> Option<Result<Ready, DbError>> {
        if got.is_some() {
            self.left.set(self.left.get().saturating_sub(1));
        }
        got
    }

    /// Whether everything has been taken (an error ends it early).
    pub fn is_done(&self) -> bool {
        self.left.get() == 0
    }
}

/// How a search of the rows is shared between its workers.
struct SearchJob {
    rows: Arc<Rows>,
    query: Query,
    marks: Arc<dyn Marks + Send + Sync>,
    cancel: Arc<AtomicBool>,
    /// The rows to read, decided by the first worker: `Some(rows)` (the
    /// index's candidates, or `within`) or `None` (every row).
    plan: Mutex<Option<Option<Arc<fts::Candidates>>>>,
}

/// What a worker sends: rows found, rows checked, how many it will check
/// (once, first), that it is done, or why it failed.
enum Found {
    Total(usize),
    Rows(Vec<u32>, usize),
    Done,
    Failed(String),
}

impl SearchJob {
    fn run(&self, worker: usize, workers: usize, within: Option<&[u32]>, send: &Sender<Found>) {
        let result = self
            .rows
            .connect()
            .and_then(|conn| self.search(&conn, worker, workers, within, send));
        let _ = send.send(match result {
            Ok(()) => Found::Done,
            Err(e) => Found::Failed(e.to_string()),
        });
    }

    /// The rows this search reads: those the index names (and `within`
    /// holds), or all.
    fn plan(
        &self,
        conn: &Connection,
        within: Option<&[u32]>,
    ) -> rusqlite::Result<Option<Arc<fts::Candidates>>> {
        let mut plan = self.plan.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(decided) = &*plan {
            return Ok(decided.clone());
        }
        let candidates = match self.query.has_text_terms() {
            true => fts::lookup(conn, &self.query)?,
            false => None,
        };
        let rows = match (candidates, within) {
            (Some(mut c), Some(w)) => {
                let w: std::collections::HashSet<u32> = w.iter().copied().collect();
                c.rows
                    .retain(|&r| u32::try_from(r).is_ok_and(|r| w.contains(&r)));
                Some(c)
            }
            (Some(c), None) => Some(c),
            (None, Some(w)) => {
                let mut w: Vec<i64> = w.iter().map(|&r| i64::from(r)).collect();
                w.sort_unstable();
                Some(fts::Candidates {
                    rows: w,
                    exact: false,
                    waiting: Vec::new(),
                })
            }
            (None, None) => None,
        };
        let decided = rows.map(Arc::new);
        *plan = Some(decided.clone());
        Ok(decided)
    }

    fn search(
        &self,
        conn: &Connection,
        worker: usize,
        workers: usize,
        within: Option<&[u32]>,
        send: &Sender<Found>,
    ) -> rusqlite::Result<()> {
        let q = &self.query;
        let marks: &dyn Marks = &*self.marks;
        let filters = q.has_filters();
        // Whether the article in a row matches, from its metadata (filters)
        // and its JSON (text).
        let check = |meta: &str, doc: Option<&str>| -> bool {
            if filters && !Article::from_json_meta(meta).is_ok_and(|a| q.filters_match(&a, marks)) {
                return false;
            }
            match doc {
                None => true,
                Some(doc) => Article::text_from_json(doc)
                    .is_some_and(|(title, body)| q.text_matches(&title, &body)),
            }
        };
        let text = q.has_text_terms();
        let (mut found, mut checked) = (Vec::new(), 0);
        // One row read: checked, kept if it matches, reported every 256;
        // says whether to go on (not cancelled, the browser still there).
        let mut one = |rowid: i64, meta: &str, doc: Option<&str>| -> rusqlite::Result<bool> {
            if self.cancel.load(Ordering::Relaxed) {
                return Ok(false);
            }
            if check(meta, doc.filter(|_| text)) {
                found.push(row_number(rowid)?);
            }
            checked += 1;
            if checked >= 256 {
                let batch = Found::Rows(std::mem::take(&mut found), std::mem::take(&mut checked));
                return Ok(send.send(batch).is_ok());
            }
            Ok(true)
        };
        match self.plan(conn, within)? {
            Some(plan) => {
                // This worker's share: every `workers`-th candidate, so that
                // each reads rows spread over the whole library.
                let mine: Vec<i64> = plan
                    .rows
                    .iter()
                    .copied()
                    .skip(worker)
                    .step_by(workers)
                    .collect();
                if send.send(Found::Total(mine.len())).is_err() {
                    return Ok(());
                }
                // One read transaction for every lookup, not one each (a
                // lock, a check of the file and an unlock per row).
                let _read = conn.unchecked_transaction()?;
                let mut with_text =
                    conn.prepare_cached("SELECT meta, doc FROM articles WHERE rowid = ?1")?;
                // A row whose text the index decides, or a query of filters
                // alone: its metadata (at the row's start) and not its body.
                let mut meta_only =
                    conn.prepare_cached("SELECT meta, NULL FROM articles WHERE rowid = ?1")?;
                for rowid in mine {
                    if text && !filters && !plan.unsure(rowid) {
                        // The index decides, and there is nothing else to
                        // check: found without reading the row. (One
                        // removed since the lookup is left out where rows
                        // are read to be shown.)
                        if !one(rowid, "", None)? {
                            return Ok(());
                        }
                        continue;
                    }
                    let stmt = match text && plan.unsure(rowid) {
                        true => &mut with_text,
                        false => &mut meta_only,
                    };
                    let mut rows = stmt.query([rowid])?;
                    let go_on = match rows.next()? {
                        Some(row) => one(
                            rowid,
                            row.get_ref(0)?.as_str().unwrap_or(""),
                            row.get_ref(1)?.as_str().ok(),
                        )?,
                        // Removed since the index named it.
                        None => !self.cancel.load(Ordering::Relaxed),
                    };
                    if !go_on {
                        return Ok(());
                    }
                }
            }
            None => {
                // Every row: this worker's share is a range of rows.
                let (low, high): (i64, i64) = conn.query_row(
                    "SELECT coalesce(min(rowid), 0), coalesce(max(rowid), -1) FROM articles",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                let span = (high - low + 1).max(0);
                let per = (span + workers as i64 - 1) / workers as i64;
                let (from, to) = (low + per * worker as i64, low + per * (worker as i64 + 1));
                let mine: i64 = conn.query_row(
                    "SELECT count(*) FROM articles WHERE rowid >= ?1 AND rowid < ?2",
                    [from, to],
                    |r| r.get(0),
                )?;
                if send.send(Found::Total(mine as usize)).is_err() {
                    return Ok(());
                }
                let mut stmt = conn.prepare_cached(match text {
                    true => {
                        "SELECT rowid, meta, doc FROM articles WHERE rowid >= ?1 AND rowid < ?2"
                    }
                    // The metadata alone decide: read from their covering
                    // index, never the table's kilobytes of body.
                    false => {
                        "SELECT rowid, meta, NULL FROM articles INDEXED BY articles_meta
                         WHERE rowid >= ?1 AND rowid < ?2"
                    }
                })?;
                let mut rows = stmt.query([from, to])?;
                while let Some(row) = rows.next()? {
                    let (meta, doc) = (row.get_ref(1)?.as_str(), row.get_ref(2)?.as_str());
                    if !one(row.get(0)?, meta.unwrap_or(""), doc.ok())? {
                        return Ok(());
                    }
                }
            }
        }
        let _ = send.send(Found::Rows(found, checked));
        Ok(())
    }
}

/// A search of the library's rows running in the background
/// ([`LibraryDb::search_in_background`]); dropping it stops it.
pub struct RowSearch {
    cancel: Arc<AtomicBool>,
    receive: Receiver<Found>,
    workers: usize,
    finished: usize,
    found: Vec<u32>,
    unreported: usize,
    /// When what was found was last handed on (`None`: never yet).
    reported: Option<std::time::Instant>,
    /// Rows checked so far.
    pub checked: usize,
    /// Rows to check (known once every worker has said).
    pub total: usize,
    /// Why the search stopped, if it failed.
    pub failed: Option<String>,
}

impl std::fmt::Debug for RowSearch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowSearch")
            .field("checked", &self.checked)
            .field("total", &self.total)
            .finish_non_exhaustive()
    }
}

impl RowSearch {
    /// The rows found since the last call that returned any: the first
    /// ones as soon as there are any, then at most every
    /// [`crate::search::REPORT_EVERY`] (each report costs the browser a
    /// frame), and the rest when the search is done.
    pub fn poll(&mut self) -> Vec<u32> {
        while let Ok(found) = self.receive.try_recv() {
            match found {
                Found::Total(n) => self.total += n,
                Found::Rows(rows, checked) => {
                    self.found.extend(rows);
                    self.unreported += checked;
                }
                Found::Done => self.finished += 1,
                Found::Failed(why) => {
                    self.finished += 1;
                    self.failed.get_or_insert(why);
                }
            }
        }
        let due = match self.reported {
            None => !self.found.is_empty(),
            Some(at) => at.elapsed() >= crate::library::search::REPORT_EVERY,
        };
        if !self.is_done() && !due {
            return Vec::new();
        }
        if !self.found.is_empty() {
            self.reported = Some(std::time::Instant::now());
        }
        self.checked += std::mem::take(&mut self.unreported);
        std::mem::take(&mut self.found)
    }

    /// Whether every worker is done.
    pub fn is_done(&self) -> bool {
        self.finished >= self.workers
    }

    /// Waits for the search to end; every row it found (for the command line).
    pub fn wait(mut self) -> (Vec<u32>, Option<String>) {
        let mut all = Vec::new();
        while !self.is_done() {
            match self.receive.recv() {
                Ok(Found::Total(n)) => self.total += n,
                Ok(Found::Rows(rows, checked)) => {
                    all.extend(rows);
                    self.checked += checked;
                }
                Ok(Found::Done) => self.finished += 1,
                Ok(Found::Failed(why)) => {
                    self.finished += 1;
                    self.failed.get_or_insert(why);
                }
                Err(_) => break,
            }
        }
        all.extend(std::mem::take(&mut self.found));
        all.sort_unstable();
        all.dedup();
        (all, self.failed.take())
    }
}

impl Drop for RowSearch {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}
