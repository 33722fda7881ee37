//! Searching bodies left on disk without blocking the browser: a search
//! over a big library reads the bodies it needs on every core, in file
//! order, and reports what it found a batch at a time; a newer search
//! cancels it.

use std::io::{BufReader, Read, Seek};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};

use crate::article::{Article, BodyAt};
use crate::query::Query;

/// An article whose body the search has to read.
#[derive(Clone, Debug)]
pub struct Item {
    /// Its index in the library.
    pub index: usize,
    /// Its title (a word may be in the title and another in the body).
    pub title: String,
    /// Where its body is.
    pub at: BodyAt,
}

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
    /// Articles checked so far.
    pub checked: usize,
    /// Articles to check.
    pub total: usize,
}

impl Job {
    /// Starts searching `items` for `query` (its text terms; filters are the
    /// caller's) on every core.
    pub fn start(query: Query, mut items: Vec<Item>) -> Job {
        // File order: each worker reads its share of a file front to back.
        items.sort_by(|a, b| (&a.at.path, a.at.offset).cmp(&(&b.at.path, b.at.offset)));
        let total = items.len();
        let workers = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(1, 8)
            .min(total.max(1));
        let cancel = Arc::new(AtomicBool::new(false));
        let (send, receive) = std::sync::mpsc::channel();
        let query = Arc::new(query);
        let share = total.div_ceil(workers).max(1);
        let mut rest = items;
        for _ in 0..workers {
            let mine: Vec<Item> = rest.drain(..share.min(rest.len())).collect();
            let (query, cancel, send) = (Arc::clone(&query), Arc::clone(&cancel), send.clone());
            std::thread::spawn(move || work(&query, mine, &cancel, &send));
        }
        Job {
            cancel,
            receive,
            workers,
            finished: 0,
            checked: 0,
            total,
        }
    }

    /// What was found since the last call (article indices, in no order).
    pub fn poll(&mut self) -> Vec<usize> {
        let mut found = Vec::new();
        while let Ok(batch) = self.receive.try_recv() {
            found.extend(batch.found);
            self.checked += batch.checked;
            self.finished += usize::from(batch.finished);
        }
        found
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

/// Checks `items` in order, reporting every few hundred articles.
fn work(query: &Query, items: Vec<Item>, cancel: &AtomicBool, send: &Sender<Batch>) {
    let mut batch = Batch {
        found: Vec::new(),
        checked: 0,
        finished: false,
    };
    let mut file: Option<(Arc<str>, BufReader<std::fs::File>, u64)> = None;
    let mut buf = Vec::new();
    for item in items {
        if cancel.load(Ordering::Relaxed) {
            return;
        }
        let body = read_body(&item.at, &mut file, &mut buf);
        if query.text_matches(&item.title, &body) {
            batch.found.push(item.index);
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

/// The body at `at`, read through the open file when it is the same one
/// (skipping forward, so a whole file is read front to back). A body that
/// cannot be read is searched as empty.
fn read_body(
    at: &BodyAt,
    file: &mut Option<(Arc<str>, BufReader<std::fs::File>, u64)>,
    buf: &mut Vec<u8>,
) -> Vec<String> {
    if file.as_ref().is_none_or(|(path, _, _)| path != &at.path) {
        *file = std::fs::File::open(&*at.path).ok().map(|f| {
            (
                Arc::clone(&at.path),
                BufReader::with_capacity(1 << 20, f),
                0,
            )
        });
    }
    let Some((_, reader, position)) = file else {
        return Vec::new();
    };
    let moved = if at.offset >= *position {
        reader.seek_relative((at.offset - *position) as i64)
    } else {
        reader.seek(std::io::SeekFrom::Start(at.offset)).map(|_| ())
    };
    buf.clear();
    buf.resize(at.len as usize, 0);
    if moved.and_then(|()| reader.read_exact(buf)).is_err() {
        *file = None;
        return Vec::new();
    }
    *position = at.offset + at.len;
    std::str::from_utf8(buf)
        .ok()
        .and_then(|text| Article::from_json(text).ok())
        .map(|a| a.body)
        .unwrap_or_default()
}
