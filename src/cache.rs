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

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::civil::DateTime;
use jiff::tz::Offset;

use crate::article::{Article, BodyAt, Origin};
use crate::library::Problem;
use crate::published::Published;

/// Files smaller than this are scanned every time (it takes milliseconds).
pub const MIN_FILE_SIZE: u64 = 1 << 20;

/// Bumped whenever what a scan produces, or this encoding, changes.
const FORMAT: u32 = 1;
const MAGIC: &[u8; 8] = b"kanbaoC\x01";
const END: &[u8; 4] = b"END.";

/// `$XDG_CACHE_HOME/kanbao` (default `~/.cache/kanbao`).
pub fn dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("kanbao"))
}

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

    /// The entry's file name: a hash of the path (the key itself is inside).
    fn file_name(&self) -> String {
        let h = crate::article::Fnv::hash(self.canonical.as_bytes());
        format!("meta-{h:016x}.bin")
    }
}

/// A scan's result for one file.
#[derive(Debug, Default)]
pub struct Entry {
    /// The articles, with bodies left on disk.
    pub articles: Vec<Article>,
    /// The problems found in the file.
    pub problems: Vec<Problem>,
}

/// The cached scan of the file `key` describes, if there is a valid one.
/// `path` is the name the file was given by (articles' origins use it).
pub fn read(dir: &Path, key: &Key, path: &str) -> Option<Entry> {
    let file = std::fs::File::open(dir.join(key.file_name())).ok()?;
    decode(std::io::BufReader::with_capacity(1 << 16, file), key, path)
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
            || (name.starts_with(".meta-") && name.ends_with(".tmp"));
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| now.duration_since(t).is_ok_and(|age| age > KEEP));
        if ours && old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Stores a scan (best effort: a cache that cannot be written is no loss).
pub fn write(
    dir: &Path,
    key: &Key,
    articles: &[Article],
    problems: &[Problem],
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    prune(dir);
    let target = dir.join(key.file_name());
    let tmp = dir.join(format!(".{}.{}.tmp", key.file_name(), std::process::id()));
    let result = std::fs::File::create(&tmp)
        .and_then(|file| encode_into(file, key, articles, problems))
        .and_then(|()| std::fs::rename(&tmp, &target));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
fn encode(key: &Key, articles: &[Article], problems: &[Problem]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(&mut out, key, articles, problems).unwrap();
    out
}

/// Writes an entry a piece at a time (an entry is tens of megabytes for a
/// big file: it is never held whole in memory).
fn encode_into(
    mut out: impl std::io::Write,
    key: &Key,
    articles: &[Article],
    problems: &[Problem],
) -> std::io::Result<()> {
    let mut w = Writer(Vec::with_capacity(1 << 16));
    w.0.extend_from_slice(MAGIC);
    w.u32(FORMAT);
    w.str(env!("CARGO_PKG_VERSION"));
    w.str(&key.canonical);
    w.u64(key.size);
    w.0.extend_from_slice(&key.mtime_ns.to_le_bytes());
    w.u64(problems.len() as u64);
    for p in problems {
        w.u64(p.line as u64);
        w.u64(p.column as u64);
        w.str(&p.message);
    }
    w.u64(articles.len() as u64);
    for a in articles {
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
        w.opt(&a.lang);
        w.list(&a.links);
        if a.extra.is_empty() {
            w.str("");
        } else {
            w.str(&serde_json::Value::Object(a.extra.clone()).to_string());
        }
        w.u64(a.origin.line as u64);
        w.u64(a.origin.column as u64);
        let (offset, len) = a.body_at.as_ref().map_or((0, 0), |b| (b.offset, b.len));
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

fn decode(input: impl std::io::Read, key: &Key, path: &str) -> Option<Entry> {
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
    let problems = r.u64()?;
    for _ in 0..problems {
        entry.problems.push(Problem {
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
        a.body_at = Some(BodyAt {
            path: shared.clone(),
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
            a.body_at = Some(BodyAt {
                path: Arc::from(path),
                offset: i as u64 * 1000,
                len: json.len() as u64,
            });
            articles.push(a);
        }
        Entry {
            articles,
            problems: vec![Problem {
                path: path.to_owned(),
                line: 7,
                column: 3,
                message: "field `title`: expected a string, found a number".into(),
            }],
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
        let not_ours = aged("notes.txt", 400 * day);
        let entry = sample_entry("corpus.jsonl");
        write(&dir, &key(), &entry.articles, &entry.problems).unwrap();
        assert!(!stale.exists() && !leftover.exists());
        assert!(recent.exists() && not_ours.exists());
        assert!(dir.join(key().file_name()).exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_entry_reads_back_as_it_was_written() {
        let entry = sample_entry("corpus.jsonl");
        let back = decode(
            &encode(&key(), &entry.articles, &entry.problems)[..],
            &key(),
            "corpus.jsonl",
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
            assert!(decode(&bytes[..], &changed, "corpus.jsonl").is_none());
        }
        for cut in [0, 8, bytes.len() / 2, bytes.len() - 1] {
            assert!(decode(&bytes[..cut], &key(), "x").is_none(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer[..], &key(), "x").is_none());
    }
}
