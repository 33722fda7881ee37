//! Searching bodies left on disk without blocking the browser: the titles
//! answer at once from an [`Index`]; the bodies are read on every core, in
//! file order, and what is found is reported a batch at a time; a newer
//! search cancels the running one.

use std::io::{BufReader, Read, Seek};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};

use crate::model::article::{Article, BodyAt, Docs};
use crate::query::Query;

/// What a search of a big library needs without touching the articles
/// themselves (100,000 of them are too many to visit per keystroke): every
/// title folded, in one string, and where each article is on disk.
#[derive(Debug, Default)]
pub struct Index {
    /// Folded titles, each followed by a newline (titles hold none).
    titles: String,
    /// Where each article's title starts in `titles`.
    starts: Vec<u32>,
    /// The files articles are in.
    files: Vec<Arc<str>>,
    /// The databases articles are in.
    databases: Vec<Docs>,
    /// Per article: where its JSON is, or `None` for an article whose body
    /// is in memory.
    places: Vec<Option<Place>>,
    /// What narrows a search of a database's rows, by database.
    narrow: Vec<(u32, Arc<dyn Narrow>)>,
}

/// What narrows a search of a database's rows before any is read: its
/// full-text index.
pub trait Narrow: Send + Sync + std::fmt::Debug {
    /// The rows that may match `query` (a superset of those that do),
    /// ascending; `None` when it cannot narrow the search.
    fn candidates(&self, query: &Query) -> Option<Vec<i64>>;
}

/// Where an article's JSON is.
#[derive(Clone, Copy, Debug)]
enum Place {
    /// (file, offset, length) in [`Index::files`].
    File(u32, u64, u64),
    /// (database, row) in [`Index::databases`].
    Row(u32, i64),
}

impl Index {
    /// The index of `articles` (built once, where the library is loaded).
    pub fn build(articles: &[Article]) -> Index {
        let mut index = Index::default();
        for a in articles {
            index.starts.push(index.titles.len() as u32);
            crate::text::fold::fold_onto(&a.title, &mut index.titles);
            index.titles.push('\n');
            let place = a.body_at.as_ref().map(|at| match at {
                BodyAt::File { path, offset, len } => {
                    let file = match index.files.last() {
                        Some(last) if Arc::ptr_eq(last, path) || last == path => {
                            index.files.len() - 1
                        }
                        _ => {
                            index.files.push(Arc::clone(path));
                            index.files.len() - 1
                        }
                    };
                    Place::File(file as u32, *offset, *len)
                }
                BodyAt::Row { docs, rowid, .. } => {
                    let db = match index.databases.iter().position(|d| d == docs) {
                        Some(db) => db,
                        None => {
                            index.databases.push(docs.clone());
                            index.databases.len() - 1
                        }
                    };
                    Place::Row(db as u32, *rowid)
                }
            });
            index.places.push(place);
        }
        index
    }

    /// The index, with `narrow` narrowing searches of the rows of `docs`.
    pub(crate) fn narrowed_by(mut self, docs: &Docs, narrow: Arc<dyn Narrow>) -> Index {
        if let Some(db) = self.databases.iter().position(|d| d == docs) {
            self.narrow.push((db as u32, narrow));
        }
        self
    }

    /// Per article, whether it cannot match `query` by what the databases'
    /// indexes say (articles in memory or in files are never ruled out).
    fn ruled_out(&self, query: &Query) -> Option<Vec<bool>> {
        if self.narrow.is_empty() || !query.has_text_terms() {
            return None;
        }
        let mut out = vec![false; self.len()];
        let mut narrowed = false;
        for (db, narrow) in &self.narrow {
            let Some(rows) = narrow.candidates(query) else {
                continue;
            };
            narrowed = true;
            for (o, place) in out.iter_mut().zip(&self.places) {
                if let Some(Place::Row(d, rowid)) = place
                    && d == db
                    && rows.binary_search(rowid).is_err()
                {
                    *o = true;
                }
            }
        }
        narrowed.then_some(out)
    }

    /// How many articles it covers.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// Whether it covers none.
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// Articles whose body is in memory (not searched by a [`Job`]).
    pub fn in_memory(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.places.len()).filter(|&i| self.places[i].is_none())
    }

    /// Per article, whether its title holds every word the query requires.
    pub fn titles_holding(&self, query: &Query) -> Vec<bool> {
        let mut hits = vec![true; self.len()];
        for word in query.required_text() {
            let mut here = vec![false; self.len()];
            for (at, _) in self.titles.match_indices(word) {
                let i = self.starts.partition_point(|&s| s as usize <= at) - 1;
                here[i] = true;
            }
            hits.iter_mut().zip(here).for_each(|(h, w)| *h &= w);
        }
        hits
    }
}

/// Starts a search of `articles` (indexed by `index`) for `query`: returns
/// what the metadata and titles decide at once, with the articles whose
/// bodies are in memory, and the [`Job`] reading the bodies on disk for the
/// rest. `within`: only these articles can match (a narrower query than
/// the last one searches what that one found).
pub fn begin(
    articles: &[Article],
    index: Arc<Index>,
    query: &Query,
    marks: &dyn crate::query::Marks,
    within: Option<&[usize]>,
) -> (Vec<usize>, Job) {
    // Articles the filters rule out, or the titles decide, are not read.
    let mut skip: Vec<bool> = match query.has_filters() {
        true => articles
            .iter()
            .map(|a| !query.filters_match(a, marks))
            .collect(),
        false => vec![false; articles.len()],
    };
    if let Some(within) = within {
        let mut out = vec![true; skip.len()];
        for &i in within {
            out[i] = false;
        }
        skip.iter_mut().zip(out).for_each(|(s, o)| *s |= o);
    }
    // What a database's full-text index rules out cannot match (it names a
    // superset of the matches), so it is neither read nor decided by title.
    if let Some(out) = index.ruled_out(query) {
        skip.iter_mut().zip(out).for_each(|(s, o)| *s |= o);
    }
    let mut found = Vec::new();
    if query.title_can_decide() {
        let titles = index.titles_holding(query);
        for (i, (s, t)) in skip.iter_mut().zip(titles).enumerate() {
            if t && !*s {
                found.push(i);
                *s = true;
            }
        }
    }
    for i in index.in_memory() {
        let a = &articles[i];
        if !skip[i] && query.text_matches(&a.title, &a.body) {
            found.push(i);
        }
    }
    (found, Job::start(query.clone(), index, skip))
}

/// Every article of `articles` that `query` matches, bodies on disk read
/// on every core; blocks until the search is done (for the command line).
pub fn all_matches(
    articles: &[Article],
    index: Arc<Index>,
    query: &Query,
    marks: &dyn crate::query::Marks,
) -> Vec<usize> {
    let (mut found, mut job) = begin(articles, index, query, marks, None);
    loop {
        found.extend(job.poll());
        if job.is_done() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    found.extend(job.poll());
    found.sort_unstable();
    found.dedup();
    found
}

/// How often a running search reports what it found.
pub const REPORT_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// What a worker found since its last report.
struct Batch {
    found: Vec<usize>,
    checked: usize,
    finished: bool,
}

/// A search running in the background.
pub struct Job {
    cancel: Arc<AtomicBool>,
    receive: Receiver<Batch>,
    workers: usize,
    finished: usize,
    /// Found and checked since the last report.
    found: Vec<usize>,
    unreported: usize,
    reported: std::time::Instant,
    /// Articles checked so far.
    pub checked: usize,
    /// Articles to check.
    pub total: usize,
}

impl Job {
    /// Starts searching, for `query`'s words, the articles of `index` not
    /// in `skip` and not in memory, on every core; filters are the caller's.
    pub fn start(query: Query, index: Arc<Index>, skip: Vec<bool>) -> Job {
        let todo = (0..index.len())
            .filter(|&i| !skip[i] && index.places[i].is_some())
            .count();
        let workers = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(1, 8);
        let cancel = Arc::new(AtomicBool::new(false));
        let (send, receive) = std::sync::mpsc::channel();
        let (query, skip) = (Arc::new(query), Arc::new(skip));
        // Contiguous shares: each worker reads its part of a file front to back.
        let share = index.len().div_ceil(workers).max(1);
        for w in 0..workers {
            let range = (w * share).min(index.len())..((w + 1) * share).min(index.len());
            let (query, index, skip) = (Arc::clone(&query), Arc::clone(&index), Arc::clone(&skip));
            let (cancel, send) = (Arc::clone(&cancel), send.clone());
            std::thread::spawn(move || work(&query, &index, &skip, range, &cancel, &send));
        }
        Job {
            cancel,
            receive,
            workers,
            finished: 0,
            found: Vec::new(),
            unreported: 0,
            reported: std::time::Instant::now(),
            checked: 0,
            total: todo,
        }
    }

    /// What was found since the last report (article indices, in no
    /// order). Reports come at most every [`REPORT_EVERY`], and when the
    /// search ends: each one redraws the list, and a slow link should not
    /// pay for a redraw per batch.
    pub fn poll(&mut self) -> Vec<usize> {
        while let Ok(batch) = self.receive.try_recv() {
            self.found.extend(batch.found);
            self.unreported += batch.checked;
            self.finished += usize::from(batch.finished);
        }
        if !self.is_done() && self.reported.elapsed() < REPORT_EVERY {
            return Vec::new();
        }
        self.reported = std::time::Instant::now();
        self.checked += std::mem::take(&mut self.unreported);
        std::mem::take(&mut self.found)
    }

    /// Whether every worker is done.
    pub fn is_done(&self) -> bool {
        self.finished >= self.workers
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

/// Checks the articles in `range` in order, reporting every few hundred.
fn work(
    query: &Query,
    index: &Index,
    skip: &[bool],
    range: std::ops::Range<usize>,
    cancel: &AtomicBool,
    send: &Sender<Batch>,
) {
    let mut batch = Batch {
        found: Vec::new(),
        checked: 0,
        finished: false,
    };
    let mut file: Option<(u32, BufReader<std::fs::File>, u64)> = None;
    let mut buf = Vec::new();
    for i in range {
        let Some(place) = index.places[i] else {
            continue;
        };
        if skip[i] {
            continue;
        }
        if cancel.load(Ordering::Relaxed) {
            return;
        }
        let (title, body) = match place {
            Place::File(file_no, offset, len) => {
                read_article(index, (file_no, offset, len), &mut file, &mut buf)
            }
            Place::Row(db, rowid) => index.databases[db as usize]
                .0
                .doc(rowid)
                .ok()
                .flatten()
                .and_then(|doc| Article::text_from_json(&doc))
                .unwrap_or_default(),
        };
        if query.text_matches(&title, &body) {
            batch.found.push(i);
        }
        batch.checked += 1;
        if batch.checked == 256 {
            let full = std::mem::replace(
                &mut batch,
                Batch {
                    found: Vec::new(),
                    checked: 0,
                    finished: false,
                },
            );
            if send.send(full).is_err() {
                return;
            }
        }
    }
    batch.finished = true;
    let _ = send.send(batch);
}

/// The title and body at `place`, read through the open file when it is
/// the same one (skipping forward, so a whole file is read front to back).
/// An article that cannot be read is searched as empty.
fn read_article(
    index: &Index,
    (file_no, offset, len): (u32, u64, u64),
    file: &mut Option<(u32, BufReader<std::fs::File>, u64)>,
    buf: &mut Vec<u8>,
) -> (String, Vec<String>) {
    if file.as_ref().is_none_or(|(open, _, _)| *open != file_no) {
        // Without waiting: a FIFO that replaced the file is not searched.
        let path = std::path::Path::new(&*index.files[file_no as usize]);
        *file = crate::store::read::open(path, false)
            .ok()
            .map(|(f, _)| (file_no, BufReader::with_capacity(1 << 20, f), 0));
    }
    let Some((_, reader, position)) = file else {
        return Default::default();
    };
    let moved = if offset >= *position {
        reader.seek_relative((offset - *position) as i64)
    } else {
        reader.seek(std::io::SeekFrom::Start(offset)).map(|_| ())
    };
    buf.clear();
    buf.resize(len as usize, 0);
    if moved.and_then(|()| reader.read_exact(buf)).is_err() {
        *file = None;
        return Default::default();
    }
    *position = offset + len;
    std::str::from_utf8(buf)
        .ok()
        .and_then(Article::text_from_json)
        .unwrap_or_default()
}
