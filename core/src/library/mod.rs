//! One idea: loading a library — walking paths, telling formats apart and
//! placing every problem at its line and column, for files read whole,
//! streamed on every core or read back from the cache.
//!
//! The library: articles loaded from files and directories, with every
//! problem found on the way. A bad file or line never stops the rest from
//! loading.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use serde_json::value::RawValue;

pub mod cache;
pub mod search;
pub mod sources;
pub(crate) mod walk;

use crate::diagnostic::Diagnostic;
use crate::library::walk::{Found, Walker};
use crate::model::article::{Article, BodyAt, Origin, json_message};
use crate::store::read::{
    FROM_A_STREAM, MAX_BYTES, MAX_FILE_BYTES, ReadError, WHOLE, is_fifo, read_bounded, special_kind,
};
use crate::text::position::{column_of_byte_column, line_column as position, offset_of};

include!(concat!(env!("OUT_DIR"), "/sample.rs"));

/// Loaded articles (in load order) and the problems met loading them.
#[derive(Clone, Debug, Default)]
pub struct Library {
    /// Every article that loaded, in file order (directories sorted by name).
    pub articles: Vec<Article>,
    /// Every problem, in the order found.
    pub problems: Vec<Diagnostic>,
    /// How many files were read.
    pub files: usize,
    /// Time zone for text dumps whose dates state none (`--tz`).
    pub tz: Option<String>,
    /// Leave the bodies of JSON article files on disk, each read when it is
    /// needed ([`Article::load_body`]); big files are scanned on all cores and
    /// their scans cached ([`crate::library::cache`]).
    pub lazy: bool,
    /// How far loading has got, for a progress indicator.
    pub progress: Option<Arc<Progress>>,
    /// Folded titles and body places, for searching a library whose bodies
    /// are on disk (built by [`Library::load_lazy`], else when first needed).
    pub search_index: Option<Arc<crate::library::search::Index>>,
    /// The file whose articles are being read, when their bodies stay on disk.
    lazy_file: Option<Arc<str>>,
    /// Where scans of big files are cached (lazy loading only).
    cache_dir: Option<PathBuf>,
    /// Subscription lists (OPML) met, kept for `kanbao import` (which sets
    /// it) instead of being reported as problems.
    pub(crate) opml: Option<Vec<(String, Vec<u8>)>>,
    /// Where the articles of big JSON Lines files go as they are read, a
    /// few thousand at a time, with their bodies, instead of into
    /// `articles` (`kanbao import` stores them as they come, so a source
    /// is never all in memory).
    pub(crate) stream: Option<std::sync::mpsc::SyncSender<Vec<Article>>>,
}

/// How many articles a streamed JSON Lines file sends at a time.
const STREAM_BATCH: usize = 2_000;

/// How far loading has got: bytes of article files read (of those known so
/// far) and articles found. Shared with the thread that shows it.
#[derive(Debug, Default)]
pub struct Progress {
    /// Bytes read.
    pub done: AtomicU64,
    /// Bytes of the files met so far.
    pub total: AtomicU64,
    /// Articles loaded.
    pub articles: AtomicUsize,
    /// How many articles there will be, when that is known before they are
    /// read (a database's count), else 0.
    pub expected: AtomicUsize,
    /// The first articles found, offered once while the rest load, so a
    /// screenful can be shown early.
    first: std::sync::Mutex<Option<Vec<Article>>>,
    offered: std::sync::atomic::AtomicBool,
}

/// How many articles [`Progress::take_first`] offers: a few screenfuls.
const FIRST_FEW: usize = 200;

impl Progress {
    /// The first articles found while loading goes on (once, and only once
    /// there are some).
    pub fn take_first(&self) -> Option<Vec<Article>> {
        self.first.lock().ok()?.take()
    }

    /// Whether the first articles have been offered (see [`Progress::take_first`]).
    pub fn has_first(&self) -> bool {
        self.offered.load(Ordering::Relaxed)
    }

    /// Offers the first articles (a copy of a few) once there are enough
    /// for a few screens, if not offered yet.
    pub fn offer(&self, articles: &[Article]) {
        if articles.len() < FIRST_FEW || self.offered.swap(true, Ordering::Relaxed) {
            return;
        }
        if let Ok(mut first) = self.first.lock() {
            *first = Some(articles[..articles.len().min(FIRST_FEW)].to_vec());
        }
    }

    fn read(&self, bytes: u64, articles: usize) {
        self.done.fetch_add(bytes, Ordering::Relaxed);
        self.articles.fetch_add(articles, Ordering::Relaxed);
    }
}

/// What reading part of a file found, with lines counted from the part's start.
#[derive(Default)]
struct Part {
    articles: Vec<Article>,
    problems: Vec<Diagnostic>,
    /// Line breaks in the part.
    lines: usize,
}

/// Parts of a file parsed out of order, put back in order as they come.
#[derive(Default)]
struct Merge {
    parts: Vec<Option<Part>>,
    /// The next part to append.
    next: usize,
    /// Line breaks before it.
    line: usize,
}

impl Merge {
    /// Appends the parts that are next in order and ready, each freed once
    /// moved: the articles never sit in two vectors for long.
    fn drain(&mut self, articles: &mut Vec<Article>, problems: &mut Vec<Diagnostic>) {
        while let Some(part) = self.parts.get_mut(self.next).and_then(Option::take) {
            for mut a in part.articles {
                a.origin.line += self.line;
                articles.push(a);
            }
            for mut p in part.problems {
                p.line += self.line;
                problems.push(p);
            }
            self.line += part.lines;
            self.next += 1;
        }
    }
}

/// Big JSON Lines files are read in blocks of this size, one per core at a time.
const BLOCK: usize = 1 << 20;

impl Library {
    /// A library of these articles and nothing else (no problems, no files).
    pub fn from_articles(articles: Vec<Article>) -> Library {
        Library {
            articles,
            ..Library::default()
        }
    }

    /// Loads files and directories (recursively: `.json`, `.jsonl`, `.ndjson`).
    pub fn load<P: AsRef<Path>>(paths: &[P]) -> Library {
        Library::load_with_tz(paths, None)
    }

    /// [`Library::load`], reading dates of text dumps in the zone `tz`.
    pub fn load_with_tz<P: AsRef<Path>>(paths: &[P], tz: Option<&str>) -> Library {
        let mut lib = Library {
            tz: tz.map(str::to_owned),
            ..Library::default()
        };
        lib.load_paths(paths);
        lib
    }

    /// [`Library::load_with_tz`], keeping the subscription lists (OPML) met
    /// in [`Library::opml`] instead of reporting them, and the bodies of
    /// JSON article files on disk ([`Article::load_body`] reads them, a
    /// batch at a time, when they are stored).
    /// With `stream`, the articles of big JSON Lines files go there as
    /// they are read ([`Library::stream`]).
    pub(crate) fn load_for_import<P: AsRef<Path>>(
        paths: &[P],
        tz: Option<&str>,
        stream: Option<std::sync::mpsc::SyncSender<Vec<Article>>>,
    ) -> Library {
        let mut lib = Library {
            tz: tz.map(str::to_owned),
            opml: Some(Vec::new()),
            lazy: true,
            stream,
            ..Library::default()
        };
        lib.load_paths(paths);
        // The receiver's loop ends when the last sender goes.
        lib.stream = None;
        lib
    }

    /// Loads each path, every directory walked by one [`Walker`] (so a
    /// directory named twice, or reached again through a link, loads once).
    fn load_paths<P: AsRef<Path>>(&mut self, paths: &[P]) {
        let mut walker = Walker::new();
        for p in paths {
            self.load_path(p.as_ref(), &mut walker);
        }
        self.check_duplicate_ids();
    }

    /// [`Library::load_with_tz`] keeping only metadata in memory: bodies of
    /// JSON article files stay on disk and are read when needed. Big JSON
    /// Lines files are scanned on every core, and each scan is cached; so is
    /// a big feed, page or text dump once parsed, its bodies written to the
    /// cache's bodies file ([`crate::library::cache`]) to be read from there on the
    /// next start. The browser loads this way, reporting to `progress`.
    pub fn load_lazy<P: AsRef<Path>>(
        paths: &[P],
        tz: Option<&str>,
        progress: Option<Arc<Progress>>,
    ) -> Library {
        Library::load_lazy_cached_in(paths, tz, progress, crate::paths::cache_dir())
    }

    /// [`Library::load_lazy`] with the cache in `cache_dir` (none: no cache).
    pub fn load_lazy_cached_in<P: AsRef<Path>>(
        paths: &[P],
        tz: Option<&str>,
        progress: Option<Arc<Progress>>,
        cache_dir: Option<PathBuf>,
    ) -> Library {
        let mut lib = Library {
            tz: tz.map(str::to_owned),
            lazy: true,
            progress,
            cache_dir,
            ..Library::default()
        };
        lib.load_paths(paths);
        if lib.articles.iter().any(|a| a.body_at.is_some()) {
            lib.search_index = Some(Arc::new(crate::library::search::Index::build(
                &lib.articles,
            )));
        }
        lib
    }

    /// The sample library embedded in the binary.
    pub fn sample() -> Library {
        let mut lib = Library::default();
        for (name, text) in SAMPLE_FILES {
            lib.files += 1;
            lib.load_text(
                &format!("<sample>/{name}"),
                text.as_bytes(),
                Format::from_name(name),
            );
        }
        lib.check_duplicate_ids();
        lib
    }

    /// Article indices, newest first; undated articles last, in load order.
    pub fn newest_first(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.articles.len()).collect();
        order.sort_by_key(|&i| match &self.articles[i].published {
            Some(p) => (0, std::cmp::Reverse(p.sort_key())),
            None => (1, std::cmp::Reverse(0)),
        });
        order
    }

    fn problem(&mut self, path: &str, line: usize, column: usize, message: impl Into<String>) {
        self.problems
            .push(Diagnostic::at(line, column, message).in_file(path));
    }

    /// Loads a path the user named: a URL, `-` (stdin), a directory
    /// (walked: [`crate::library::walk`]) or a file.
    fn load_path(&mut self, path: &Path, walker: &mut Walker) {
        let shown = path.display().to_string();
        if is_url(&shown) {
            return self.load_url(&shown);
        }
        if shown == "-" {
            let bytes = read_stream(std::io::stdin().lock());
            return self.load_stream(STDIN, bytes);
        }
        let meta = std::fs::metadata(path);
        if let Ok(m) = &meta
            && m.is_dir()
        {
            let wanted = |p: &Path| Format::is_article_file(p);
            return walker.walk(path, m, &wanted, &mut |found| match found {
                Found::File(file, meta) => self.load_file(&file, false, meta),
                Found::Skipped(what, why) => self.problem(&what.display().to_string(), 0, 0, why),
            });
        }
        self.load_file(path, true, meta)
    }

    /// Loads one file (`explicit`: named by the user, not met in a walk),
    /// whose `stat` is `meta`. Only regular files are read: a FIFO would
    /// block the walk forever, a device could be endless. A FIFO named on
    /// the command line is read, as `cat` would (that is what `kanbao read
    /// <(curl …)` hands us), up to [`MAX_BYTES`].
    fn load_file(&mut self, path: &Path, explicit: bool, meta: std::io::Result<std::fs::Metadata>) {
        let shown = path.display().to_string();
        let meta = match meta {
            Ok(m) => m,
            Err(e) => return self.problem(&shown, 0, 0, cannot_read(path, explicit, &e)),
        };
        let stream = explicit && is_fifo(&meta.file_type());
        if !meta.is_file() && !stream {
            let kind = special_kind(&meta.file_type());
            return self.problem(
                &shown,
                0,
                0,
                format!("not a regular file ({kind}): not read"),
            );
        }
        let (file, meta) = match crate::store::read::open(path, stream) {
            Ok(opened) => opened,
            Err(ReadError::Io(e)) => {
                return self.problem(&shown, 0, 0, cannot_read(path, explicit, &e));
            }
            Err(e) => return self.problem(&shown, 0, 0, e.to_string()),
        };
        if !meta.is_file() {
            return self.load_stream(&shown, read_stream(file));
        }
        if let Some(p) = &self.progress {
            p.total.fetch_add(meta.len(), Ordering::Relaxed);
        }
        if self.lazy {
            self.load_file_lazy(path, &shown, file, meta.len());
            if let Some(p) = &self.progress {
                p.offer(&self.articles);
            }
            return;
        }
        let Some((first, format)) = self.read_first(&shown, &file) else {
            return;
        };
        if first.len() >= BLOCK && is_jsonl(format, &first) {
            self.files += 1;
            return self.stream_jsonl(file, first, &shown, None);
        }
        let Some(bytes) = self.read_rest(&shown, file, meta.len(), first) else {
            return;
        };
        self.files += 1;
        self.load_text(&shown, &bytes, format);
        if let Some(p) = &self.progress {
            p.read(bytes.len() as u64, 0);
        }
    }

    /// Loads what came through a pipe, a FIFO or stdin (read by
    /// [`read_stream`]).
    fn load_stream(&mut self, shown: &str, bytes: Result<Vec<u8>, ReadError>) {
        match bytes {
            Ok(bytes) => {
                self.files += 1;
                self.load_text(shown, &bytes, Format::detect(shown, &bytes));
            }
            Err(e) => self.problem(shown, 0, 0, e.to_string()),
        }
    }

    /// The first [`BLOCK`] of a regular file, and its format; `None` (with a
    /// problem) if it cannot be read.
    fn read_first(&mut self, shown: &str, mut file: &std::fs::File) -> Option<(Vec<u8>, Format)> {
        let mut first = Vec::new();
        if let Err(e) = (&mut file).take(BLOCK as u64).read_to_end(&mut first) {
            self.problem(shown, 0, 0, format!("cannot read: {e}"));
            return None;
        }
        let format = Format::detect(shown, &first);
        Some((first, format))
    }

    /// The rest of a regular file of `size` bytes read whole after its
    /// `first` block, up to [`MAX_FILE_BYTES`] (a bigger one is refused
    /// before it is read, one that grows stops there); `None` (with a
    /// problem) if it cannot be read.
    fn read_rest(
        &mut self,
        shown: &str,
        file: std::fs::File,
        size: u64,
        first: Vec<u8>,
    ) -> Option<Vec<u8>> {
        let mut bytes = first;
        if bytes.len() < BLOCK {
            return Some(bytes);
        }
        let read = if size > MAX_FILE_BYTES {
            Err(ReadError::TooLarge {
                limit: MAX_FILE_BYTES,
                what: WHOLE,
            })
        } else {
            read_bounded(file, &mut bytes, MAX_FILE_BYTES, WHOLE)
        };
        match read {
            Ok(()) => Some(bytes),
            Err(e) => {
                self.problem(shown, 0, 0, e.to_string());
                None
            }
        }
    }

    /// Loads one regular file keeping JSON bodies on disk: from the cache
    /// when it holds this file's scan, else by scanning (big JSON Lines
    /// files block by block on every core) and caching the scan.
    fn load_file_lazy(&mut self, path: &Path, shown: &str, file: std::fs::File, size: u64) {
        let key = (size >= crate::library::cache::MIN_FILE_SIZE)
            .then(|| crate::library::cache::Key::of(path))
            .flatten();
        let cache_dir = key.as_ref().and_then(|_| self.cache_dir.clone());
        if let (Some(key), Some(dir)) = (&key, &cache_dir)
            && let Some(entry) = crate::library::cache::read(dir, key, shown)
            && entry
                .tz
                .as_deref()
                .is_none_or(|tz| tz == self.tz.as_deref().unwrap_or(""))
        {
            self.files += 1;
            if let Some(p) = &self.progress {
                p.read(size, entry.articles.len());
            }
            if self.articles.is_empty() {
                self.articles = entry.articles; // no copy of a big vector
            } else {
                self.articles.extend(entry.articles);
            }
            self.problems.extend(entry.problems);
            return;
        }
        let Some((first, format)) = self.read_first(shown, &file) else {
            return;
        };
        let (articles_before, problems_before) = (self.articles.len(), self.problems.len());
        let lazy: Arc<str> = Arc::from(shown);
        if first.len() >= BLOCK && is_jsonl(format, &first) {
            self.files += 1;
            // Streamed, the bodies go with the articles: none is read back.
            let lazy = self.stream.is_none().then_some(lazy);
            self.stream_jsonl(file, first, shown, lazy);
        } else {
            let Some(bytes) = self.read_rest(shown, file, size, first) else {
                return;
            };
            self.files += 1;
            self.lazy_file = Some(lazy);
            self.load_text(shown, &bytes, format);
            self.lazy_file = None;
            if let Some(p) = &self.progress {
                p.read(bytes.len() as u64, self.articles.len() - articles_before);
            }
        }
        // A scan is cached only if the file did not change while it was
        // read. The articles of a file of JSON articles have their bodies
        // on disk, found again by their offsets; those of a feed, page or
        // text dump are in memory (they stay there this time), and their
        // bodies go to a bodies file the cache entry points into, so that
        // the next start parses nothing.
        let (articles, problems) = (
            &self.articles[articles_before..],
            &self.problems[problems_before..],
        );
        let Some((key, dir)) = key.zip(cache_dir) else {
            return;
        };
        if crate::library::cache::Key::of(path).as_ref() != Some(&key) {
            return;
        }
        if articles.iter().all(|a| a.body_at.is_some()) {
            let _ = crate::library::cache::write(&dir, &key, articles, problems);
        } else if articles.iter().all(|a| a.body_at.is_none()) {
            // What a text dump holds depends on the zone its dates are read in.
            let tz = (format == Format::TextDump).then(|| self.tz.as_deref().unwrap_or(""));
            let _ = crate::library::cache::write_with_bodies(&dir, &key, articles, problems, tz);
        }
    }

    /// Reads a big JSON Lines file in blocks of whole lines, parsed on every
    /// core; articles and problems keep the file's order and positions.
    fn stream_jsonl(
        &mut self,
        mut file: std::fs::File,
        first: Vec<u8>,
        path: &str,
        lazy: Option<Arc<str>>,
    ) {
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 8));
        let (send, receive) = std::sync::mpsc::sync_channel::<(usize, u64, Vec<u8>)>(workers);
        let receive = std::sync::Mutex::new(receive);
        // Block buffers go back to the reader when parsed: a few are reused
        // for the whole file instead of a megabyte allocated per block
        // (which fragments the heap and raises the peak).
        let (recycle, recycled) = std::sync::mpsc::channel::<Vec<u8>>();
        let merge = std::sync::Mutex::new(Merge::default());
        let mut read_error = None;
        let stream = self.stream.clone();
        // Sends what is read, when streaming; says whether to go on.
        let send_on = |articles: &mut Vec<Article>, all: bool| -> bool {
            match &stream {
                Some(s) if all || articles.len() >= STREAM_BATCH => {
                    s.send(std::mem::take(articles)).is_ok()
                }
                _ => true,
            }
        };
        let (articles, problems) = (&mut self.articles, &mut self.problems);
        std::thread::scope(|scope| {
            for _ in 0..workers {
                let recycle = recycle.clone();
                let (receive, merge, lazy, progress) =
                    (&receive, &merge, &lazy, self.progress.as_deref());
                scope.spawn(move || {
                    loop {
                        let next = match receive.lock() {
                            Ok(r) => r.recv(),
                            Err(_) => return,
                        };
                        let Ok((seq, offset, block)) = next else {
                            return;
                        };
                        let mut part = Part::default();
                        scan_jsonl(path, &block, offset, lazy.as_ref(), &mut part);
                        if let Some(p) = progress {
                            p.read(block.len() as u64, part.articles.len());
                        }
                        let _ = recycle.send(block);
                        if let Ok(mut merge) = merge.lock() {
                            if merge.parts.len() <= seq {
                                merge.parts.resize_with(seq + 1, || None);
                            }
                            merge.parts[seq] = Some(part);
                        }
                    }
                });
            }
            let mut block = first;
            let mut offset = 0u64;
            let mut seq = 0;
            loop {
                // Fill the block up to BLOCK bytes past what it holds.
                let held = block.len();
                block.resize(held + BLOCK, 0);
                let mut filled = held;
                let eof = loop {
                    match file.read(&mut block[filled..]) {
                        Ok(0) => break true,
                        Ok(n) => {
                            filled += n;
                            if filled == block.len() {
                                break false;
                            }
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            read_error = Some(e);
                            break true;
                        }
                    }
                };
                block.truncate(filled);
                // Whole lines only; the rest starts the next block.
                let cut = if eof {
                    block.len()
                } else {
                    match block.iter().rposition(|&b| b == b'\n') {
                        Some(i) => i + 1,
                        None => continue, // one line longer than a block: read on
                    }
                };
                let mut next = recycled.try_recv().unwrap_or_default();
                next.clear();
                next.extend_from_slice(&block[cut..]);
                block.truncate(cut);
                let len = block.len() as u64;
                if send.send((seq, offset, block)).is_err() {
                    break;
                }
                seq += 1;
                offset += len;
                block = next;
                if let Ok(mut merge) = merge.lock() {
                    merge.drain(articles, problems);
                }
                if let Some(p) = self.progress.as_deref() {
                    p.offer(articles);
                }
                if eof || !send_on(articles, false) {
                    break;
                }
            }
            drop(send);
        });
        if let Ok(mut merge) = merge.into_inner() {
            merge.drain(&mut self.articles, &mut self.problems);
        }
        send_on(&mut self.articles, true);
        if let Some(e) = read_error {
            self.problem(path, 0, 0, format!("cannot read the whole file: {e}"));
        }
    }

    /// Fetches a feed or page over HTTP (read-only: nothing is stored).
    fn load_url(&mut self, url: &str) {
        let fetcher = crate::net::fetch::Fetcher::new();
        match fetcher.get(url, &crate::net::fetch::Validators::default()) {
            Ok(crate::net::fetch::Fetched::Body {
                bytes, final_url, ..
            }) => {
                self.files += 1;
                let base = url::Url::parse(&final_url).ok();
                let format = Format::detect(url, &bytes);
                let before = self.articles.len();
                self.load_with_base(url, &bytes, format, base.as_ref());
                // Article JSON from the web belongs to the address it came
                // from, whatever feed it names: no server can claim the
                // identity of another source's articles.
                if matches!(format, Format::Json | Format::JsonLines) {
                    for a in &mut self.articles[before..] {
                        a.feed = Some(url.to_owned());
                    }
                }
            }
            Ok(crate::net::fetch::Fetched::NotModified) => self.problem(
                url,
                0,
                0,
                "server answered 304 Not Modified to an unconditional request",
            ),
            Err(e) => self.problem(url, 0, 0, e.to_string()),
        }
    }
    /// Loads articles from the contents of one file.
    pub fn load_text(&mut self, path: &str, bytes: &[u8], format: Format) {
        self.load_with_base(path, bytes, format, None);
    }

    /// Loads articles from one source; `base` resolves relative links.
    pub fn load_with_base(
        &mut self,
        path: &str,
        bytes: &[u8],
        format: Format,
        base: Option<&url::Url>,
    ) {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            // At 1:1, so that `check`'s output is `path:line:col:` here too.
            return self.problem(path, 1, 1, "empty file: no articles in it");
        }
        // A compressed file or an image would otherwise get a puzzling
        // message about UTF-8 or JSON (or one per "line" of a .jsonl).
        if let Some(kind) = binary_kind(bytes) {
            return self.problem(
                path,
                1,
                1,
                format!("binary file ({kind}), not text: not an article file, feed or page"),
            );
        }
        let imported = match format {
            Format::Feed => crate::import::feed::parse(bytes, base),
            // Parsed within a budget (import::html_parse): what is cut is
            // read as plain text, with a note in the body, reported below.
            Format::Html => crate::import::page::parse(bytes, base),
            Format::TextDump => match std::str::from_utf8(bytes) {
                Ok(text) => crate::import::textdump::parse_with(text, self.tz.as_deref()),
                Err(e) => {
                    let (line, col) = position(bytes, e.valid_up_to());
                    return self.problem(
                        path,
                        line,
                        col,
                        "invalid UTF-8: text dumps must be UTF-8",
                    );
                }
            },
            Format::Opml if self.opml.is_some() => {
                if let Some(found) = &mut self.opml {
                    found.push((path.to_owned(), bytes.to_vec()));
                }
                return;
            }
            Format::Opml => {
                return self.problem(
                    path,
                    0,
                    0,
                    "this is a subscription list (OPML): add it with `kanbao import`, then `kanbao update`",
                );
            }
            Format::Json | Format::JsonLines => Ok(Vec::new()),
        };
        match imported {
            Ok(articles) => {
                if format != Format::Json && format != Format::JsonLines {
                    // A feed's ids are scoped to the feed (`Article::key`).
                    let feed = (format == Format::Feed && !articles.is_empty())
                        .then(|| feed_identity(path));
                    for mut a in articles {
                        self.cut_problems(&a, path);
                        if feed.is_some() {
                            a.feed.clone_from(&feed);
                        }
                        self.push(a, path, 1, 1);
                    }
                    return;
                }
            }
            // Importers may give column 0 for "this line"; `path:line:col` wants 1.
            Err(e) => {
                let column = if e.line > 0 { e.column.max(1) } else { 0 };
                return self.problem(path, e.line, column, e.message);
            }
        }
        match format {
            Format::JsonLines => self.load_jsonl(path, bytes),
            Format::Feed | Format::Html | Format::TextDump | Format::Opml => {}
            Format::Json => {
                let text = match std::str::from_utf8(bytes) {
                    Ok(t) => t,
                    Err(e) => {
                        let (line, col) = position(bytes, e.valid_up_to());
                        return self.problem(
                            path,
                            line,
                            col,
                            "invalid UTF-8: article files must be UTF-8",
                        );
                    }
                };
                self.load_json(path, text);
            }
        }
    }

    /// Whether a problem only says that HTML was cut at the parse budget
    /// (see [`Library::cut_problems`]): the article loaded, so it is no
    /// reason to fail an update or count an import as failed.
    pub fn is_cut(problem: &Diagnostic) -> bool {
        problem
            .message
            .contains(crate::import::html_parse::CUT_MARK)
    }

    /// A problem for each place an importer stopped reading HTML as markup
    /// (the note it left in the body, see `html_text::CUT_NOTE`).
    fn cut_problems(&mut self, article: &Article, path: &str) {
        let notes = article
            .body
            .iter()
            .filter_map(|p| p.strip_prefix(crate::import::html_text::CUT_NOTE));
        let notes: Vec<String> = notes
            .map(|note| {
                format!(
                    "article \"{}\": {note}",
                    article.title.chars().take(60).collect::<String>()
                )
            })
            .collect();
        for note in notes {
            self.problem(path, 0, 0, note);
        }
    }

    fn push(&mut self, mut article: Article, path: &str, line: usize, column: usize) {
        // One copy of the path for all the articles of a file.
        let shared = match self.articles.last() {
            Some(a) if &*a.origin.path == path => a.origin.path.clone(),
            _ => Arc::from(path),
        };
        article.origin = Origin {
            path: shared,
            line,
            column,
        };
        self.articles.push(article);
    }

    /// Reads the article in `text` (found at byte `offset` of the file),
    /// with its body left on disk when loading lazily.
    fn parse_at(&self, text: &str, offset: usize) -> Result<Article, Diagnostic> {
        parse_lazily(text, offset as u64, self.lazy_file.as_ref())
    }

    fn load_json(&mut self, path: &str, text: &str) {
        // A UTF-8 byte order mark (Windows editors write one) is not JSON:
        // skip it, keeping positions relative to the file.
        let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
        let start = text.len() - text[bom..].trim_start().len();
        let (line0, col0) = position(text.as_bytes(), start);
        let rest = &text[start..];
        match rest.chars().next() {
            Some('[') => match serde_json::from_str::<Vec<&RawValue>>(rest) {
                Ok(items) => {
                    // An empty array is a file with no articles, not an error.
                    for raw in items {
                        let offset = raw.get().as_ptr() as usize - text.as_ptr() as usize;
                        let (line, col) = position(text.as_bytes(), offset);
                        match self.parse_at(raw.get(), offset) {
                            Ok(a) => self.push(a, path, line, col),
                            Err(e) => self.article_error(path, &e, line, col),
                        }
                    }
                }
                // A syntax error ends the array for serde: nothing after it
                // can be trusted, so the file loads nothing. Say so.
                Err(e) => {
                    let message = json_message(&e)
                        + "; the whole file is skipped, none of its articles loaded";
                    let err = serde_error(rest, &e, message);
                    self.article_error(path, &err, line0, col0);
                }
            },
            Some('{') => match self.parse_at(rest, start) {
                Ok(a) => self.push(a, path, line0, col0),
                // Many datasets name JSON Lines files `.json`.
                Err(e) if e.message.starts_with("invalid JSON: trailing characters") => {
                    self.load_jsonl(path, text.as_bytes())
                }
                Err(e) => self.article_error(path, &e, line0, col0),
            },
            // `42`, `"text"`, `null`, or not JSON at all.
            first => match serde_json::from_str::<serde::de::IgnoredAny>(rest) {
                Err(e) => self.json_error(path, rest, &e, line0, col0),
                Ok(_) => {
                    let found = match first {
                        Some('"') => "a string",
                        Some('t' | 'f') => "a boolean",
                        Some('n') => "null",
                        _ => "a number",
                    };
                    self.problem(
                        path,
                        line0,
                        col0,
                        format!(
                            "not an article file: expected a JSON object or an array of them, found {found}"
                        ),
                    )
                }
            },
        }
    }

    fn load_jsonl(&mut self, path: &str, bytes: &[u8]) {
        let mut part = Part::default();
        scan_jsonl(path, bytes, 0, self.lazy_file.as_ref(), &mut part);
        self.articles.extend(part.articles);
        self.problems.extend(part.problems);
    }

    /// Records a serde_json error in `text`, which starts at `line:col` of
    /// the file.
    fn json_error(
        &mut self,
        path: &str,
        text: &str,
        e: &serde_json::Error,
        line: usize,
        col: usize,
    ) {
        let err = serde_error(text, e, json_message(e));
        self.article_error(path, &err, line, col);
    }

    /// Records an article error in text that starts at `line:col` of the file.
    fn article_error(&mut self, path: &str, e: &Diagnostic, line: usize, col: usize) {
        self.problems.push(located(path, e, line, col));
    }

    /// Reports articles with the same identity ([`Article::key`]): the
    /// same id twice in one feed, or in articles of no feed. The same guid
    /// in two feeds is two articles, not a duplicate.
    fn check_duplicate_ids(&mut self) {
        let mut first: HashMap<std::borrow::Cow<'_, str>, &Origin> = HashMap::new();
        let mut dups = Vec::new();
        for a in &self.articles {
            let key = a.key();
            if let Some(o) = first.get(&key) {
                let within = match &a.feed {
                    Some(feed) => format!(" in feed {feed}"),
                    None => String::new(),
                };
                let message = format!(
                    "field `id`: duplicate id {:?}{within}, first used at {}:{}",
                    a.id, o.path, o.line
                );
                dups.push(
                    Diagnostic::at(a.origin.line, a.origin.column, message).in_file(&a.origin.path),
                );
            } else {
                first.insert(key, &a.origin);
            }
        }
        self.problems.extend(dups);
    }
}

/// What a source holds, recognised from its content (the file name only
/// breaks ties between JSON and JSON Lines, and keeps a `.json` file that is
/// not JSON from being read as a text dump).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One article object, or an array of them.
    Json,
    /// One article object per line.
    JsonLines,
    /// An RSS 0.9x/1.0/2.0, Atom or JSON Feed document.
    Feed,
    /// A web page.
    Html,
    /// A subscription list (OPML): for `kanbao import`, not for reading.
    Opml,
    /// Plain text saved from a news page (the seed's format).
    TextDump,
}

impl Format {
    /// `.jsonl` and `.ndjson` are JSON Lines; everything else is read as JSON.
    pub fn from_name(name: &str) -> Format {
        if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
            Format::JsonLines
        } else {
            Format::Json
        }
    }

    /// Recognises a source by its first bytes. A `.json`, `.jsonl` or
    /// `.ndjson` file is read as such unless it starts with `<`.
    ///
    /// ```
    /// use kanbao_core::Format;
    /// assert_eq!(Format::detect("x", b"<?xml version=\"1.0\"?><rss version=\"2.0\">"), Format::Feed);
    /// assert_eq!(Format::detect("x", b"<!DOCTYPE html><html>"), Format::Html);
    /// assert_eq!(Format::detect("x", br#"{"version":"https://jsonfeed.org/version/1.1","items":[]}"#), Format::Feed);
    /// assert_eq!(Format::detect("a.jsonl", b"{\"title\":\"t\"}"), Format::JsonLines);
    /// assert_eq!(Format::detect("x.txt", "嘉兴制造业\n发布时间".as_bytes()), Format::TextDump);
    /// assert_eq!(Format::detect("x.json", b"42"), Format::Json);
    /// ```
    pub fn detect(name: &str, bytes: &[u8]) -> Format {
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        let head = &bytes[..bytes.len().min(4096)];
        let start = head
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(head.len());
        let lower = String::from_utf8_lossy(head).to_ascii_lowercase();
        match head.get(start) {
            Some(b'{') if lower.contains("jsonfeed.org/version") => Format::Feed,
            Some(b'{' | b'[') => Format::from_name(name),
            // Named as JSON but starting with neither: `42`, `null`, junk. A
            // JSON error says more about it than a text dump's would.
            Some(b) if *b != b'<' && Format::is_json_name(name) => Format::from_name(name),
            Some(b'<') => {
                if lower.contains("<opml") {
                    Format::Opml
                } else if lower.contains("<rss")
                    || lower.contains("<feed")
                    || lower.contains("<rdf:rdf")
                {
                    Format::Feed
                } else {
                    Format::Html
                }
            }
            _ => Format::TextDump,
        }
    }

    /// `.json`, `.jsonl` or `.ndjson`.
    fn is_json_name(name: &str) -> bool {
        [".json", ".jsonl", ".ndjson"]
            .iter()
            .any(|ext| name.ends_with(ext))
    }

    /// Files a directory walk picks up.
    fn is_article_file(path: &Path) -> bool {
        matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("json" | "jsonl" | "ndjson" | "xml" | "rss" | "atom" | "rdf" | "html" | "htm")
        )
    }
}

/// An article error in text that starts at `line:col` of the file, placed in the file.
fn located(path: &str, e: &Diagnostic, line: usize, col: usize) -> Diagnostic {
    let (l, c) = if e.line <= 1 {
        (line, col + e.column - 1)
    } else {
        (line + e.line - 1, e.column)
    };
    Diagnostic::at(l, c, e.message.clone()).in_file(path)
}

/// A serde_json error in `text`, placed in it (serde's byte column turned
/// into characters).
fn serde_error(text: &str, e: &serde_json::Error, message: String) -> Diagnostic {
    let line = e.line().max(1);
    Diagnostic::at(line, column_of_byte_column(text, line, e.column()), message)
}

/// Reads the lines of JSON Lines text found at byte `offset` of the file
/// (lines counted from its start), keeping bodies on disk when `lazy` names
/// the file.
fn scan_jsonl(path: &str, bytes: &[u8], offset: u64, lazy: Option<&Arc<str>>, out: &mut Part) {
    let shared: Arc<str> = lazy.cloned().unwrap_or_else(|| Arc::from(path));
    let mut start = 0;
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line_start = start;
        start += line.len() + 1;
        out.lines = i;
        // A byte order mark may start the file; positions stay the file's
        // (the mark is one character).
        let bom = if offset == 0 && i == 0 && line.starts_with(b"\xef\xbb\xbf") {
            3
        } else {
            0
        };
        let bom_column = usize::from(bom > 0);
        let line = &line[bom..];
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let text = match std::str::from_utf8(line) {
            Ok(t) => t,
            Err(e) => {
                let (_, column) = position(line, e.valid_up_to());
                out.problems.push(
                    Diagnostic::at(
                        i + 1,
                        bom_column + column,
                        "invalid UTF-8: article files must be UTF-8",
                    )
                    .in_file(path),
                );
                continue;
            }
        };
        match parse_lazily(text, offset + (line_start + bom) as u64, lazy) {
            Ok(mut a) => {
                a.origin = Origin {
                    path: shared.clone(),
                    line: i + 1,
                    column: bom_column + 1,
                };
                out.articles.push(a);
            }
            Err(e) => out.problems.push(located(path, &e, i + 1, bom_column + 1)),
        }
    }
}

/// [`parse_article`]; when `lazy` names the file, without the body, which
/// stays on disk at `offset`.
fn parse_lazily(text: &str, offset: u64, lazy: Option<&Arc<str>>) -> Result<Article, Diagnostic> {
    let Some(file) = lazy else {
        return parse_article(text);
    };
    let mut a = parse_article_with(text, false)?;
    a.body_at = Some(BodyAt::File {
        path: file.clone(),
        offset,
        len: text.len() as u64,
    });
    Ok(a)
}

/// Whether a file whose first block is `first` is read as JSON Lines
/// (streamed when big): named so, or JSON whose first line is an object,
/// and not binary.
fn is_jsonl(format: Format, first: &[u8]) -> bool {
    let jsonl =
        format == Format::JsonLines || (format == Format::Json && first_line_is_an_object(first));
    jsonl && binary_kind(first).is_none()
}

/// How stdin is named in problems and in `list --json`.
pub(crate) const STDIN: &str = "<stdin>";

/// Reads a pipe, a FIFO or stdin whole, up to [`MAX_BYTES`].
fn read_stream(reader: impl Read) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::new();
    read_bounded(reader, &mut bytes, MAX_BYTES, FROM_A_STREAM)?;
    Ok(bytes)
}

/// Whether a file that starts like JSON is JSON Lines: its first line is a
/// whole object, and more follows.
fn first_line_is_an_object(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let Some(end) = bytes.iter().position(|&b| b == b'\n') else {
        return false;
    };
    let line = bytes[..end].trim_ascii();
    line.starts_with(b"{")
        && serde_json::from_slice::<serde::de::IgnoredAny>(line).is_ok()
        && !bytes[end..].trim_ascii().is_empty()
}

/// [`Article::from_json`], naming the field when a value nests deeper than
/// serde_json's recursion limit (which stops it cleanly, before the stack
/// could overflow, but says only where the value starts).
fn parse_article(text: &str) -> Result<Article, Diagnostic> {
    parse_article_with(text, true)
}

/// [`parse_article`], keeping the body or not ([`Article::from_json_meta`]).
fn parse_article_with(text: &str, keep_body: bool) -> Result<Article, Diagnostic> {
    let parsed = if keep_body {
        Article::from_json(text)
    } else {
        Article::from_json_meta(text)
    };
    parsed.map_err(|mut e| {
        // Valid JSON other than an object (`42`, `"x"`) is not an article:
        // say so where it starts (serde_json points past a number it read).
        // Syntax errors keep serde_json's position, at the offending byte.
        let start = text.len() - text.trim_start().len();
        let value = &text[start..];
        if !value.starts_with('{') && serde_json::from_str::<serde::de::IgnoredAny>(value).is_ok() {
            (e.line, e.column) = position(text.as_bytes(), start);
        }
        if e.message.contains("recursion limit exceeded") && !e.message.starts_with("field `") {
            let offset = offset_of(text, e.line, e.column);
            if let Some(key) = field_at(text, offset) {
                e.message = format!(
                    "field `{key}`: {} (arrays and objects nested 128 or more levels deep)",
                    e.message
                );
            }
        }
        e
    })
}

/// The key of the top-level field of the JSON object `text` whose value
/// holds byte `offset` (a linear scan: no recursion, whatever the nesting).
fn field_at(text: &str, offset: usize) -> Option<String> {
    let b = text.as_bytes();
    let (mut depth, mut i) = (0_usize, 0);
    let mut last_string = None;
    let mut key = None;
    while i < b.len().min(offset) {
        match b[i] {
            b'"' => {
                let start = i;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                if depth == 1 {
                    last_string = Some(start..(i + 1).min(b.len()));
                }
            }
            b':' if depth == 1 => key = last_string.clone(),
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    let key: String = serde_json::from_str(text.get(key?)?).ok()?;
    Some(crate::text::sanitize::sanitize_line(&key))
}

/// Why a file could not be read, in words: a dangling symlink and a file that
/// vanished between listing its directory and reading it are told apart.
fn cannot_read(path: &Path, explicit: bool, e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::NotFound {
        if path
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink())
        {
            return "cannot read: a dangling symlink (its target does not exist)".into();
        }
        if !explicit {
            return format!("cannot read: the file vanished while loading ({e})");
        }
    }
    format!("cannot read: {e}")
}

/// The kind of well-known binary data `bytes` starts with, if any.
fn binary_kind(bytes: &[u8]) -> Option<&'static str> {
    const MAGIC: [(&[u8], &str); 12] = [
        (b"\x1f\x8b", "gzip-compressed data; gunzip it first"),
        (b"PK\x03\x04", "a ZIP archive; unzip it first"),
        (b"\xfd7zXZ\x00", "xz-compressed data; unxz it first"),
        (b"\x28\xb5\x2f\xfd", "zstd-compressed data; unzstd it first"),
        (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
        (b"\x89PNG\r\n\x1a\n", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF87a", "a GIF image"),
        (b"GIF89a", "a GIF image"),
        (b"%PDF-", "a PDF document"),
        (b"\x7fELF", "an ELF executable"),
        (b"SQLite format 3\x00", "an SQLite database"),
    ];
    let bzip2 = bytes.len() > 3 && bytes.starts_with(b"BZh") && (b'1'..=b'9').contains(&bytes[3]);
    if bzip2 {
        return Some("bzip2-compressed data; bunzip2 it first");
    }
    MAGIC
        .iter()
        .find(|(magic, _)| bytes.starts_with(magic))
        .map(|&(_, kind)| kind)
}

/// The feed a feed document read from `path` is: a web address (normalized
/// as `kanbao subscribe` writes it),
/// else the `file://` address of the file's canonical path, so that one file
/// named two ways (`./a.xml`, `/home/me/a.xml`) is one feed, and the same
/// feed as a subscription to that `file://` address.
pub fn feed_identity(path: &str) -> String {
    let lower = path.get(..7).unwrap_or(path).to_ascii_lowercase();
    if is_url(path) || lower.starts_with("file://") {
        // As `kanbao subscribe` writes it, so the two agree.
        return url::Url::parse(path).map_or_else(|_| path.to_owned(), |u| u.to_string());
    }
    std::fs::canonicalize(path)
        .ok()
        .and_then(|p| url::Url::from_file_path(p).ok())
        .map_or_else(|| path.to_owned(), |u| u.to_string())
}

/// Whether a library path is a web address rather than a file.
pub fn is_url(path: &str) -> bool {
    let lower = path.get(..8).unwrap_or(path).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(name: &str, text: &str) -> Library {
        let mut lib = Library::default();
        lib.load_text(name, text.as_bytes(), Format::from_name(name));
        lib
    }

    #[test]
    fn one_bad_element_of_an_array_leaves_the_others() {
        let lib = load(
            "a.json",
            "[\n  {\"title\": \"一\"},\n  {\"title\": 7},\n  {\"title\": \"三\"}\n]",
        );
        assert_eq!(lib.articles.len(), 2);
        assert_eq!(lib.problems.len(), 1);
        let p = &lib.problems[0];
        assert_eq!((p.line, p.path.as_str()), (3, "a.json"));
        assert!(p.message.contains("field `title`"), "{p}");
        assert_eq!(lib.articles[1].origin.line, 4);
    }

    #[test]
    fn jsonl_bad_line_is_reported_by_line() {
        let lib = load(
            "a.jsonl",
            "{\"title\":\"一\"}\n{\"title\":\n{\"title\":\"三\"}\n",
        );
        assert_eq!(lib.articles.len(), 2);
        assert_eq!(lib.problems[0].line, 2);
    }

    #[test]
    fn syntax_errors_have_line_and_column() {
        let lib = load("a.json", "{\n  \"title\": \"x\",,\n}");
        assert_eq!(lib.problems.len(), 1);
        assert_eq!((lib.problems[0].line, lib.problems[0].column), (2, 16));
        assert!(lib.problems[0].to_string().starts_with("a.json:2:16: "));
    }

    #[test]
    fn empty_and_non_article_files_are_problems() {
        assert!(load("e.json", "  \n").problems[0].message.contains("empty"));
        assert!(
            load("n.json", "42").problems[0]
                .message
                .contains("not an article file")
        );
        assert!(
            load("o.json", "{\"foo\":1}").problems[0]
                .message
                .contains("missing field `title`")
        );
    }

    #[test]
    fn invalid_utf8_is_located() {
        let mut lib = Library::default();
        lib.load_text("b.json", b"{\"title\":\n\"\xff\"}", Format::Json);
        assert_eq!((lib.problems[0].line, lib.problems[0].column), (2, 2));
    }

    #[test]
    fn json_named_jsonl_still_loads() {
        let lib = load("x.json", "{\"title\":\"a\"}\n{\"title\":\"b\"}\n");
        assert_eq!(lib.articles.len(), 2);
        assert!(lib.problems.is_empty());
    }

    #[test]
    fn newest_first_puts_undated_last_in_file_order() {
        let lib = load(
            "a.jsonl",
            "{\"title\":\"u1\"}\n{\"title\":\"old\",\"published\":\"2020-01-01T00:00:00Z\"}\n{\"title\":\"u2\"}\n{\"title\":\"new\",\"published\":\"2024-01-01T00:00:00+08:00\"}\n",
        );
        let titles: Vec<_> = lib
            .newest_first()
            .iter()
            .map(|&i| lib.articles[i].title.clone())
            .collect();
        assert_eq!(titles, ["new", "old", "u1", "u2"]);
    }

    #[test]
    fn field_at_skips_strings_and_escapes() {
        let text = r#"{"a\"[": "x:{[", "b": [1, {"c": "]"}], "k\u00e9y": [[["#;
        assert_eq!(field_at(text, text.len()).as_deref(), Some("kéy"));
        let in_b = text.find("{\"c\"").unwrap();
        assert_eq!(field_at(text, in_b).as_deref(), Some("b"));
        assert_eq!(field_at(text, 1), None);
    }

    #[test]
    fn too_deep_values_name_their_field() {
        let deep = format!(
            r#"{{"title":"t","x":{}{}}}"#,
            "[".repeat(500),
            "]".repeat(500)
        );
        let lib = load("d.json", &deep);
        assert_eq!((lib.problems[0].line, lib.problems[0].column), (1, 18));
        assert!(
            lib.problems[0].message.starts_with("field `x`: "),
            "{}",
            lib.problems[0]
        );
    }

    #[test]
    fn file_names_with_escape_sequences_are_shown_sanitized() {
        let lib = load("evil\u{1b}]0;PWNED\u{7}.json", "42");
        let shown = lib.problems[0].to_string();
        assert!(shown.starts_with("evil.json:1:1: "), "{shown:?}");
    }

    #[test]
    fn pathologically_nested_pages_load_with_a_problem() {
        // Before the budget of import::html_parse, a guess from the source
        // refused these pages; `<div/>` (which nests) got past it.
        for unit in ["<div>", "<div/>"] {
            let deep = format!(
                "<html><body><p>{}</p>{}深处</body></html>",
                "正文。".repeat(40),
                unit.repeat(10_000)
            );
            let mut lib = Library::default();
            lib.load_text(
                "deep.html",
                deep.as_bytes(),
                Format::detect("deep.html", deep.as_bytes()),
            );
            assert_eq!(lib.articles.len(), 1, "{:?}", lib.problems);
            let body = lib.articles[0].body.join("\n");
            assert!(body.contains("正文。") && body.contains("深处"), "{body}");
            assert_eq!(lib.problems.len(), 1, "{:?}", lib.problems);
            let shown = lib.problems[0].to_string();
            assert!(
                shown.starts_with("deep.html: ") && shown.contains("levels deep"),
                "{shown}"
            );
        }
    }

    #[test]
    fn duplicate_ids_are_reported() {
        let mut lib = load(
            "a.jsonl",
            "{\"title\":\"a\",\"id\":\"x\"}\n{\"title\":\"b\",\"id\":\"x\"}\n",
        );
        lib.check_duplicate_ids();
        assert!(lib.problems[0].message.contains("duplicate id"));
    }

    #[test]
    fn the_same_guid_in_two_feeds_is_two_articles_twice_in_one_a_duplicate() {
        let item = |title: &str| {
            format!(
                "<item><guid>g1</guid><title>{title}</title><description>d</description></item>"
            )
        };
        let rss = |items: String| {
            format!("<rss version=\"2.0\"><channel><title>c</title>{items}</channel></rss>")
        };
        let mut lib = Library::default();
        lib.load_text(
            "https://a.example/feed",
            rss(item("a")).as_bytes(),
            Format::Feed,
        );
        lib.load_text(
            "https://b.example/feed",
            rss(item("b")).as_bytes(),
            Format::Feed,
        );
        lib.check_duplicate_ids();
        assert_eq!(lib.articles.len(), 2);
        assert!(lib.problems.is_empty(), "{:?}", lib.problems);
        assert_ne!(lib.articles[0].key(), lib.articles[1].key());
        assert_eq!(
            lib.articles[0].feed.as_deref(),
            Some("https://a.example/feed")
        );

        let twice = item("a") + &item("again");
        lib.load_text(
            "https://c.example/feed",
            rss(twice).as_bytes(),
            Format::Feed,
        );
        lib.check_duplicate_ids();
        assert_eq!(lib.problems.len(), 1, "{:?}", lib.problems);
        assert!(
            lib.problems[0]
                .message
                .contains("duplicate id \"g1\" in feed https://c.example/feed"),
            "{}",
            lib.problems[0]
        );
    }
}
