//! Writing files so that nothing is lost, the one way kanbao replaces a
//! file (article files, subscriptions, the metadata cache): a temporary file
//! with an unpredictable name is created exclusively in the same directory,
//! written, flushed to disk, renamed over the target, and the directory is
//! flushed too (the cache, which can be made again, skips the flushes). A reader sees the old file or the new one, never half of
//! either; a failed write leaves no temporary file behind.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Why a file could not be written. The message names the file and says
/// what the system said.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The directory to hold the file could not be created.
    #[error("cannot create directory {}: {error}", dir.display())]
    CreateDir {
        /// The directory.
        dir: PathBuf,
        /// What the system said.
        error: std::io::Error,
    },
    /// The file could not be written (or its temporary file created,
    /// flushed or renamed).
    #[error("cannot write {}: {error}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// What the system said.
        error: std::io::Error,
    },
}

/// How much a write must survive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// A crash or power loss right after the write leaves the new file:
    /// the file and its directory are flushed to disk (articles,
    /// subscriptions).
    Synced,
    /// A file kanbao can make again (the cache, which checks what it reads
    /// and rebuilds what it does not trust): still atomic for readers, but
    /// not flushed, which would cost a first start tens of milliseconds.
    Rebuildable,
}

/// Writes `bytes` to `path` atomically and durably: readers see the old
/// file or the new one, never half of either, and so does the next boot.
/// Creates the parent directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_atomic_with(path, Durability::Synced, |file| file.write_all(bytes))
}

/// [`write_atomic`] with the content written by `fill` (which may buffer:
/// what it leaves unflushed is lost), returning what `fill` returns.
pub fn write_atomic_with<T>(
    path: &Path,
    durability: Durability,
    fill: impl FnOnce(&mut File) -> std::io::Result<T>,
) -> Result<T, WriteError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|error| WriteError::CreateDir {
        dir: dir.to_owned(),
        error,
    })?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let failed = |error| WriteError::Write {
        path: path.to_owned(),
        error,
    };
    let (tmp, mut file) = create_temporary(dir, name).map_err(failed)?;
    let synced = durability == Durability::Synced;
    let result = fill(&mut file).and_then(|value| {
        if synced {
            file.sync_all()?;
        }
        drop(file);
        std::fs::rename(&tmp, path)?;
        if synced {
            sync_dir(dir);
        }
        Ok(value)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(failed)
}

/// Creates a new file `.<name>.<unpredictable>.tmp` in `dir`, failing
/// rather than opening one that exists (another writer's, or a link planted
/// there); a name already taken is tried again with another.
fn create_temporary(dir: &Path, name: &str) -> std::io::Result<(PathBuf, File)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut tries = 0;
    loop {
        let tmp = dir.join(format!(".{name}.{:016x}.tmp", unpredictable(&COUNTER)));
        match File::options().write(true).create_new(true).open(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && tries < 100 => tries += 1,
            Err(e) => return Err(e),
        }
    }
}

/// A number no other writer guesses: the process id, a counter and the
/// time, mixed by the standard library's randomly keyed hasher.
fn unpredictable(counter: &AtomicU64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u64(counter.fetch_add(1, Ordering::Relaxed));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    h.write_u128(now);
    h.finish()
}

/// Flushes a directory's entries to disk (best effort), so that a file just
/// created or renamed in it survives a crash.
#[cfg(unix)]
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(file) = File::open(dir) {
        let _ = file.sync_all();
    }
}

/// Flushes a directory's entries to disk (nothing to do here).
#[cfg(not(unix))]
pub(crate) fn sync_dir(_dir: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("kanbao-atomic-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_the_file_and_leaves_nothing_else() {
        let dir = temp_dir("replace");
        let path = dir.join("a/b.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(entries(&dir.join("a")), ["b.json"]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_failed_fill_keeps_the_old_file_and_no_temporary() {
        let dir = temp_dir("fail");
        let path = dir.join("b.json");
        write_atomic(&path, b"old").unwrap();
        let e = write_atomic_with(&path, Durability::Synced, |file| {
            file.write_all(b"half")?;
            Err::<(), _>(std::io::Error::other("disk on fire"))
        })
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("cannot write {}: disk on fire", path.display())
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(entries(&dir), ["b.json"]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn temporary_names_differ_and_are_created_exclusively() {
        let dir = temp_dir("names");
        std::fs::create_dir_all(&dir).unwrap();
        let (a, _fa) = create_temporary(&dir, "x").unwrap();
        let (b, _fb) = create_temporary(&dir, "x").unwrap();
        assert_ne!(a, b);
        for tmp in [&a, &b] {
            let name = tmp.file_name().unwrap().to_string_lossy().into_owned();
            assert!(name.starts_with(".x.") && name.ends_with(".tmp"), "{name}");
        }
        let again = File::options().write(true).create_new(true).open(&a);
        assert_eq!(again.unwrap_err().kind(), std::io::ErrorKind::AlreadyExists);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_planted_at_the_target_is_replaced_not_followed() {
        let dir = temp_dir("link-target");
        std::fs::create_dir_all(&dir).unwrap();
        let outside = dir.join("outside.txt");
        std::fs::write(&outside, b"precious").unwrap();
        let path = dir.join("lib/b.json");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(&outside, &path).unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&outside).unwrap(), b"precious");
        assert!(std::fs::symlink_metadata(&path).unwrap().is_file());
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        // A dangling link is not followed either: nothing is created at
        // its target.
        let nowhere = dir.join("created-through-the-link");
        std::fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink(&nowhere, &path).unwrap();
        write_atomic(&path, b"newer").unwrap();
        assert!(!nowhere.exists());
        assert_eq!(std::fs::read(&path).unwrap(), b"newer");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_link_where_a_temporary_would_go_is_never_opened() {
        // What create_new (O_CREAT | O_EXCL) guarantees for a temporary
        // whose name was guessed: a link there, even a dangling one, is an
        // error, and its target is not created.
        let dir = temp_dir("link-tmp");
        std::fs::create_dir_all(&dir).unwrap();
        let target = dir.join("target");
        let link = dir.join(".b.json.guessed.tmp");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let opened = File::options().write(true).create_new(true).open(&link);
        assert_eq!(
            opened.unwrap_err().kind(),
            std::io::ErrorKind::AlreadyExists
        );
        assert!(!target.exists());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_temporary_is_in_the_targets_directory() {
        let dir = temp_dir("tmp-dir");
        let path = dir.join("sub/b.json");
        let during = write_atomic_with(&path, Durability::Rebuildable, |file| {
            file.write_all(b"x")?;
            Ok(entries(&dir.join("sub")))
        })
        .unwrap();
        assert_eq!(during.len(), 1, "{during:?}");
        assert!(
            during[0].starts_with(".b.json.") && during[0].ends_with(".tmp"),
            "{during:?}"
        );
        assert_eq!(entries(&dir.join("sub")), ["b.json"]);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
