//! The metadata cache: what a scan of a big article file found (each
//! article's metadata and where its body is, and the problems), kept in
//! `$XDG_CACHE_HOME/kanbao/` (default `~/.cache/kanbao/`) so that the next
//! start skips the scan.
//!
//! An entry is keyed by the file's canonical path, size and modification
//! time, and by the version of this format and of kanbao: a file that
//! changed in any way is scanned again. Entries are written whole to a
//! temporary file and renamed, so a reader sees an old entry or a new one;
//! one that does not decode (truncated, corrupt, another version) is simply
//! not used. Losing the cache loses nothing but time.
//!
//! The bodies of a JSON article file stay where they are, in the file. A
//! feed, page or text dump has no article JSON to point at: its entry comes
//! with a *bodies file* (`bodies-<path hash>-<key hash>.jsonl`), each
//! article in kanbao's own JSON ([`Article::to_json`]) on a line of its own,
//! and its articles' bodies are read from there ([`Article::load_body`]).
//! The key is in the name, so a running kanbao never sees its bodies file
//! replaced; an entry whose bodies file is missing or of another size is
//! not used.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::civil::DateTime;
use jiff::tz::Offset;

use crate::diagnostic::Diagnostic;
use crate::model::article::{Article, BodyAt, Origin};
use crate::model::published::Published;
use crate::store::atomic::{Durability, write_atomic_with};

/// Files smaller than this are scanned every time (it takes milliseconds).
pub const MIN_FILE_SIZE: u64 = 1 << 20;

/// Bumped whenever what a scan produces, or this encoding, changes.
/// 2: entries name a bodies file (feeds, pages, text dumps) and the time
/// zone a text dump was read in. 3: a feed entry's source is the feed it
/// was copied from (Atom `<source><title>`, RSS `<source>`), if it says.
/// 4: columns (of articles and problems) are counted in characters, not bytes.
/// 5: articles keep the feed that scopes their id (`Article::feed`).
const FORMAT: u32 = 5;
const MAGIC: &[u8; 8] = b"kanbaoC\x01";
const END: &[u8; 4] = b"END.";

/// What identifies a file's content well enough: where, how big, when changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    canonical: String,
    size: u64,
    mtime_ns: i128,
}

impl Key {
    /// The key of the file at `path`, if it can be stat'ed.
    pub fn of(path: &Path) -> Option<Key> {
        let canonical = std::fs::canonicalize(path).ok()?;
        let meta = std::fs::metadata(&canonical).ok()?;
        let mtime = meta.modified().ok()?;
        let mtime_ns = match mtime.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => d.as_nanos() as i128,
            Err(e) => -(e.duration().as_nanos() as i128),
        };
        Some(Key {
            canonical: canonical.to_string_lossy().into_owned(),
            size: meta.len(),
            mtime_ns,
        })
    }

    /// A hash of the path: names the entry (the key itself is inside).
    fn path_hash(&self) -> u64 {
        crate::model::article::Fnv::hash(self.canonical.as_bytes())
    }

    /// The entry's file name.
    fn file_name(&self) -> String {
        format!("meta-{:016x}.bin", self.path_hash())
    }

    /// The name of the bodies file of this version of the file: the whole
    /// key (and this format's and kanbao's version) is in it, so a new
    /// version of the file never overwrites the bodies a running kanbao reads.
    fn bodies_name(&self) -> String {
        let mut h = crate::model::article::Fnv::new();
        h.write(self.canonical.as_bytes());
        h.write(&self.size.to_le_bytes());
        h.write(&self.mtime_ns.to_le_bytes());
        h.write(&FORMAT.to_le_bytes());
        h.write(env!("CARGO_PKG_VERSION").as_bytes());
        format!("{}{:016x}.jsonl", self.bodies_prefix(), h.0)
    }

    /// What the names of this path's bodies files start with.
    fn bodies_prefix(&self) -> String {
        format!("bodies-{:016x}-", self.path_hash())
    }
}

/// A scan's result for one file.
#[derive(Debug, Default)]
pub struct Entry {
    /// The articles, with bodies left on disk.
    pub articles: Vec<Article>,
    /// The problems found in the file.
    pub problems: Vec<Diagnostic>,
    /// The time zone (`--tz`, empty for none) the file was read in, when
    /// what it holds depends on it (text dumps): another zone must read it
    /// again.
    pub tz: Option<String>,
    /// The bodies file and its size, when the bodies are not in the file itself.
    bodies: Option<(PathBuf, u64)>,
}

/// The cached scan of the file `key` describes, if there is a valid one.
/// `path` is the name the file was given by (articles' origins use it).
pub fn read(dir: &Path, key: &Key, path: &str) -> Option<Entry> {
    // Opened without waiting: a FIFO put in the cache is refused.
    let (file, _) = crate::store::read::open(&dir.join(key.file_name()), false).ok()?;
    let entry = decode(
        std::io::BufReader::with_capacity(1 << 16, file),
        key,
        path,
        dir,
    )?;
    if let Some((bodies, size)) = &entry.bodies
        && !bodies_are_whole(bodies, *size, &entry.articles)
    {
        return None;
    }
    Some(entry)
}

/// Whether a bodies file is there, as long as it was written, and holds
/// the first and last articles where the entry says: a bodies file that was
/// removed, cut short or replaced is not trusted (the source is read again).
fn bodies_are_whole(bodies: &Path, size: u64, articles: &[Article]) -> bool {
    if std::fs::metadata(bodies).map(|m| m.len()).ok() != Some(size) {
        return false;
    }
    [articles.first(), articles.last()]
        .into_iter()
        .flatten()
        .all(|a| a.load_body().is_ok())
}

/// Entries not written for this long are removed when another is written
/// (a file opened once, long ago, or gone since).
pub const KEEP: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 3600);

/// Removes entries older than [`KEEP`] and temporary files left by a
/// writer that was killed.
fn prune(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = std::time::SystemTime::now();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let ours = (name.starts_with("meta-") && name.ends_with(".bin"))
            || (name.starts_with("bodies-") && name.ends_with(".jsonl"))
            || ((name.starts_with(".meta-") || name.starts_with(".bodies-"))
                && name.ends_with(".tmp"));
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| now.duration_since(t).is_ok_and(|age| age > KEEP));
        if ours && old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Stores the scan of a file of JSON articles, whose bodies are in the file
/// ([`Article::body_at`] set for every article); best effort: a cache that
/// cannot be written is no loss.
pub fn write(
    dir: &Path,
    key: &Key,
    articles: &[Article],
    problems: &[Diagnostic],
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    prune(dir);
    let written = write_entry(dir, key, articles, problems, &Bodies::default());
    remove_other_bodies(dir, key, None);
    written
}

/// Stores the scan of a feed, page or text dump, whose articles are in
/// memory: their bodies go to a bodies file, in kanbao's own JSON, and the
/// entry points into it. `tz` is the zone the file was read in when what it
/// holds depends on it. Refuses articles whose JSON would not read back as
/// they are ([`Article::reads_back_from_json`]).
pub fn write_with_bodies(
    dir: &Path,
    key: &Key,
    articles: &[Article],
    problems: &[Diagnostic],
    tz: Option<&str>,
) -> std::io::Result<()> {
    if let Some(a) = articles.iter().find(|a| !a.reads_back_from_json()) {
        return Err(std::io::Error::other(format!(
            "article {:?} would not read back from its JSON",
            a.id
        )));
    }
    std::fs::create_dir_all(dir)?;
    prune(dir);
    use std::io::Write as _;
    let name = key.bodies_name();
    let mut places = Vec::with_capacity(articles.len());
    let size = write_atomically(dir, &name, |file| {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
        let mut at = 0u64;
        let mut line = Vec::new();
        for a in articles {
            line.clear();
            serde_json::to_writer(&mut line, &a.as_json())?;
            line.push(b'\n');
            out.write_all(&line)?;
            let len = line.len() as u64;
            places.push((at, len - 1));
            at += len;
        }
        out.flush()?;
        Ok(at)
    })?;
    let bodies = Bodies {
        name,
        size,
        places,
        tz,
    };
    let written = write_entry(dir, key, articles, problems, &bodies);
    remove_other_bodies(dir, key, written.is_ok().then_some(&bodies.name));
    written
}

/// Where an entry's bodies are, when not in the file itself.
#[derive(Default)]
struct Bodies<'a> {
    /// The bodies file's name in the cache directory (empty: none).
    name: String,
    /// Its size.
    size: u64,
    /// Offset and length of each article's JSON in it.
    places: Vec<(u64, u64)>,
    /// The time zone the file was read in, when that matters.
    tz: Option<&'a str>,
}

fn write_entry(
    dir: &Path,
    key: &Key,
    articles: &[Article],
    problems: &[Diagnostic],
    bodies: &Bodies,
) -> std::io::Result<()> {
    write_atomically(dir, &key.file_name(), |file| {
        encode_into(file, key, articles, problems, bodies)
    })
}

/// Writes the file `name` in `dir` with [`write_atomic_with`], so that a
/// reader sees the old file or the new one, never a part. Not flushed to
/// disk: what a crash damages fails the checks on reading and is made again.
fn write_atomically<T>(
    dir: &Path,
    name: &str,
    fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<T>,
) -> std::io::Result<T> {
    write_atomic_with(&dir.join(name), Durability::Rebuildable, fill).map_err(std::io::Error::other)
}

/// Removes the bodies files of earlier versions of `key`'s file (its entry
/// was just replaced: nothing new will read them).
fn remove_other_bodies(dir: &Path, key: &Key, keep: Option<&String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = key.bodies_prefix();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(&prefix) && name.ends_with(".jsonl") && keep.is_none_or(|k| *k != name)
        {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
fn encode(key: &Key, articles: &[Article], problems: &[Diagnostic]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(&mut out, key, articles, problems, &Bodies::default()).unwrap();
    out
}

/// Writes an entry a piece at a time (an entry is tens of megabytes for a
/// big file: it is never held whole in memory).
fn encode_into(
    mut out: impl std::io::Write,
    key: &Key,
    articles: &[Article],
    problems: &[Diagnostic],
    bodies: &Bodies,
) -> std::io::Result<()> {
    let mut w = Writer(Vec::with_capacity(1 << 16));
    w.0.extend_from_slice(MAGIC);
    w.u32(FORMAT);
    w.str(env!("CARGO_PKG_VERSION"));
    w.str(&key.canonical);
    w.u64(key.size);
    w.0.extend_from_slice(&key.mtime_ns.to_le_bytes());
    w.str(&bodies.name);
    w.u64(bodies.size);
    w.opt(&bodies.tz.map(str::to_owned));
    w.u64(problems.len() as u64);
    for p in problems {
        w.u64(p.line as u64);
        w.u64(p.column as u64);
        w.str(&p.message);
    }
    w.u64(articles.len() as u64);
    for (i, a) in articles.iter().enumerate() {
        w.str(&a.id);
        w.str(&a.title);
        match &a.published {
            None => w.0.push(0),
            Some(p) => {
                w.0.push(if p.offset.is_some() { 2 } else { 1 });
                let d = p.datetime;
                w.0.extend_from_slice(&d.year().to_le_bytes());
                w.0.extend_from_slice(&[
                    d.month() as u8,
                    d.day() as u8,
                    d.hour() as u8,
                    d.minute() as u8,
                    d.second() as u8,
                ]);
                w.0.extend_from_slice(&d.subsec_nanosecond().to_le_bytes());
                if let Some(o) = p.offset {
                    w.0.extend_from_slice(&o.seconds().to_le_bytes());
                }
            }
        }
        w.opt(&a.source);
        w.list(&a.authors);
        w.opt(&a.editor);
        w.list(&a.section);
        w.opt(&a.url);
        w.opt(&a.feed);
        w.opt(&a.lang);
        w.list(&a.links);
        if a.extra.is_empty() {
            w.str("");
        } else {
            w.str(&serde_json::Value::Object(a.extra.clone()).to_string());
        }
        w.u64(a.origin.line as u64);
        w.u64(a.origin.column as u64);
        let (offset, len) = match bodies.places.get(i) {
            Some(&place) => place,
            None => match &a.body_at {
                Some(BodyAt::File { offset, len, .. }) => (*offset, *len),
                _ => (0, 0),
            },
        };
        w.u64(offset);
        w.u64(len);
        if w.0.len() > 1 << 16 {
            out.write_all(&w.0)?;
            w.0.clear();
        }
    }
    w.0.extend_from_slice(END);
    out.write_all(&w.0)?;
    out.flush()
}

/// Decodes an entry; the bodies file, if it has one, is in `dir`.
fn decode(input: impl std::io::Read, key: &Key, path: &str, dir: &Path) -> Option<Entry> {
    let mut r = Reader(input);
    if r.take::<8>()? != *MAGIC || r.u32()? != FORMAT || r.string()? != env!("CARGO_PKG_VERSION") {
        return None;
    }
    if r.string()? != key.canonical || r.u64()? != key.size {
        return None;
    }
    if i128::from_le_bytes(r.take()?) != key.mtime_ns {
        return None;
    }
    let shared: Arc<str> = Arc::from(path);
    let mut entry = Entry::default();
    let (bodies_name, bodies_size) = (r.string()?, r.u64()?);
    entry.tz = r.opt()?;
    // Bodies are read from the bodies file when there is one, else from
    // the file itself; the articles' origin is the file in both cases.
    let bodies_path = if bodies_name.is_empty() {
        shared.clone()
    } else {
        if bodies_name != key.bodies_name() {
            return None;
        }
        let bodies = dir.join(&bodies_name);
        let at: Arc<str> = Arc::from(bodies.to_string_lossy().as_ref());
        entry.bodies = Some((bodies, bodies_size));
        at
    };
    let problems = r.u64()?;
    for _ in 0..problems {
        entry.problems.push(Diagnostic {
            path: path.to_owned(),
            line: r.u64()? as usize,
            column: r.u64()? as usize,
            message: r.string()?,
        });
    }
    let count = r.u64()? as usize;
    entry.articles.reserve(count.min(1 << 24));
    for _ in 0..count {
        let mut a = Article {
            id: r.string()?,
            title: r.string()?,
            ..Article::default()
        };
        a.published = match r.take::<1>()?[0] {
            0 => None,
            kind => {
                let year = i16::from_le_bytes(r.take()?);
                let f = r.take::<5>()?;
                let nanos = i32::from_le_bytes(r.take()?);
                let datetime = DateTime::new(
                    year, f[0] as i8, f[1] as i8, f[2] as i8, f[3] as i8, f[4] as i8, nanos,
                )
                .ok()?;
                let offset = if kind == 2 {
                    Some(Offset::from_seconds(i32::from_le_bytes(r.take()?)).ok()?)
                } else {
                    None
                };
                Some(Published { datetime, offset })
            }
        };
        a.source = r.opt()?;
        a.authors = r.list()?;
        a.editor = r.opt()?;
        a.section = r.list()?;
        a.url = r.opt()?;
        a.feed = r.opt()?;
        a.lang = r.opt()?;
        a.links = r.list()?;
        let extra = r.string()?;
        if !extra.is_empty() {
            match serde_json::from_str(&extra).ok()? {
                serde_json::Value::Object(map) => a.extra = map,
                _ => return None,
            }
        }
        a.origin = Origin {
            path: shared.clone(),
            line: r.u64()? as usize,
            column: r.u64()? as usize,
        };
        let (offset, len) = (r.u64()?, r.u64()?);
        a.body_at = Some(BodyAt::File {
            path: bodies_path.clone(),
            offset,
            len,
        });
        entry.articles.push(a);
    }
    (r.take::<4>()? == *END && r.at_end()).then_some(entry)
}

struct Writer(Vec<u8>);

impl Writer {
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.0.extend_from_slice(s.as_bytes());
    }
    fn opt(&mut self, s: &Option<String>) {
        match s {
            None => self.0.push(0),
            Some(s) => {
                self.0.push(1);
                self.str(s);
            }
        }
    }
    fn list(&mut self, items: &[String]) {
        self.u32(items.len() as u32);
        for s in items {
            self.str(s);
        }
    }
}

struct Reader<R>(R);

impl<R: std::io::Read> Reader<R> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let mut buf = [0; N];
        self.0.read_exact(&mut buf).ok()?;
        Some(buf)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take()?))
    }
    fn string(&mut self) -> Option<String> {
        let len = self.u32()? as usize;
        if len > 1 << 30 {
            return None;
        }
        let mut buf = vec![0; len];
        self.0.read_exact(&mut buf).ok()?;
        String::from_utf8(buf).ok()
    }
    fn opt(&mut self) -> Option<Option<String>> {
        match self.take::<1>()?[0] {
            0 => Some(None),
            _ => Some(Some(self.string()?)),
        }
    }
    fn list(&mut self) -> Option<Vec<String>> {
        let n = self.u32()? as usize;
        (0..n).map(|_| self.string()).collect()
    }
    fn at_end(&mut self) -> bool {
        self.0.read(&mut [0]).is_ok_and(|n| n == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_entry(path: &str) -> Entry {
        let mut articles = Vec::new();
        for (i, json) in [
            r#"{"title":"嘉兴制造业向高质量迈进","published":"2023-01-06T09:18:16+08:00","source":"嘉兴日报","authors":["沈哲韬","徐佳叶"],"section":["浙江","嘉兴"],"url":"https://example.cn/a","lang":"zh-CN","links":["https://example.cn/l"],"rating":5,"body":["第一段"]}"#,
            r#"{"title":"No date, no source","body":"text","editor":"E"}"#,
            r#"{"title":"Naive date","published":"2024-02-29 23:59:59.5","body":[]}"#,
        ]
        .into_iter()
        .enumerate()
        {
            let mut a = Article::from_json_meta(json).unwrap();
            a.origin = Origin {
                path: Arc::from(path),
                line: i + 1,
                column: 1,
            };
            a.body_at = Some(BodyAt::File {
                path: Arc::from(path),
                offset: i as u64 * 1000,
                len: json.len() as u64,
            });
            articles.push(a);
        }
        Entry {
            articles,
            problems: vec![Diagnostic {
                path: path.to_owned(),
                line: 7,
                column: 3,
                message: "field `title`: expected a string, found a number".into(),
            }],
            ..Entry::default()
        }
    }

    fn key() -> Key {
        Key {
            canonical: "/data/corpus.jsonl".into(),
            size: 1234,
            mtime_ns: 1_700_000_000_123_456_789,
        }
    }

    #[test]
    fn old_entries_are_pruned_when_another_is_written() {
        let dir = std::env::temp_dir().join(format!("kanbao-cache-prune-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let aged = |name: &str, age: std::time::Duration| {
            let path = dir.join(name);
            std::fs::write(&path, b"x").unwrap();
            let file = std::fs::File::options().write(true).open(&path).unwrap();
            file.set_modified(std::time::SystemTime::now() - age)
                .unwrap();
            path
        };
        let day = std::time::Duration::from_secs(24 * 3600);
        let stale = aged("meta-0000000000000001.bin", 40 * day);
        let recent = aged("meta-0000000000000002.bin", day);
        let leftover = aged(".meta-0000000000000003.bin.999.tmp", 40 * day);
        let stale_bodies = aged("bodies-0000000000000004-0000000000000005.jsonl", 40 * day);
        let recent_bodies = aged("bodies-0000000000000006-0000000000000007.jsonl", day);
        let not_ours = aged("notes.txt", 400 * day);
        let entry = sample_entry("corpus.jsonl");
        write(&dir, &key(), &entry.articles, &entry.problems).unwrap();
        assert!(!stale.exists() && !leftover.exists() && !stale_bodies.exists());
        assert!(recent.exists() && not_ours.exists() && recent_bodies.exists());
        assert!(dir.join(key().file_name()).exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn each_version_of_a_file_has_bodies_of_its_own() {
        let newer = Key {
            mtime_ns: key().mtime_ns + 1,
            ..key()
        };
        let other = Key {
            canonical: "/data/other.atom".into(),
            ..key()
        };
        assert_ne!(key().bodies_name(), newer.bodies_name());
        assert!(newer.bodies_name().starts_with(&key().bodies_prefix()));
        assert!(!other.bodies_name().starts_with(&key().bodies_prefix()));
    }

    #[test]
    fn an_entry_reads_back_as_it_was_written() {
        let entry = sample_entry("corpus.jsonl");
        let back = decode(
            &encode(&key(), &entry.articles, &entry.problems)[..],
            &key(),
            "corpus.jsonl",
            Path::new("/cache"),
        )
        .unwrap();
        assert_eq!(back.articles, entry.articles);
        assert_eq!(back.problems, entry.problems);
    }

    #[test]
    fn a_changed_file_or_a_damaged_entry_is_not_used() {
        let entry = sample_entry("corpus.jsonl");
        let bytes = encode(&key(), &entry.articles, &entry.problems);
        for changed in [
            Key {
                size: 1235,
                ..key()
            },
            Key {
                mtime_ns: key().mtime_ns + 1,
                ..key()
            },
            Key {
                canonical: "/data/other.jsonl".into(),
                ..key()
            },
        ] {
            assert!(decode(&bytes[..], &changed, "corpus.jsonl", Path::new("/c")).is_none());
        }
        for cut in [0, 8, bytes.len() / 2, bytes.len() - 1] {
            assert!(
                decode(&bytes[..cut], &key(), "x", Path::new("/c")).is_none(),
                "cut at {cut}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer[..], &key(), "x", Path::new("/c")).is_none());
    }
}
