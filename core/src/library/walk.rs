//! One idea: the directory walk — the only one kanbao does (loading a
//! library, `kanbao import DIR`, `check`), and its rules in one place:
//!
//! * names starting with `.` are passed over, and only files named like
//!   article files (the caller's `wanted`) are handed on;
//! * a symlink to a **file** is handed on like the file (the loader reads
//!   it only if it is a regular file), unless it points into a kernel
//!   pseudo-filesystem (`/proc`, `/sys`, `/dev`);
//! * a symlink to a **directory** is followed only when its target is
//!   inside the directory being walked; one pointing out (`root -> /`) is a
//!   problem, not followed;
//! * every directory is entered once, known by device and inode: a loop, or
//!   one directory reached twice, ends there (its articles are loaded once);
//! * `/proc`, `/sys` and `/dev` (and whatever lives on their filesystems)
//!   are never entered, even when named;
//! * at most [`MAX_WALK_DEPTH`] directories deep and [`MAX_WALK_ENTRIES`] entries per
//!   load: past either, a problem says what was left out.
//!
//! Nothing is opened here: the loader opens what it is handed
//! ([`crate::store::read::open`]), which is where FIFOs, sockets and
//! devices are refused with a problem.

use std::collections::HashSet;
use std::fs::Metadata;
use std::path::{Path, PathBuf};

/// How many directories deep a walk goes below the directory named.
pub const MAX_WALK_DEPTH: usize = 32;

/// How many directory entries one load looks at, over all the directories
/// it walks (a library stored by `kanbao import` is one file per article).
pub const MAX_WALK_ENTRIES: usize = 1_000_000;

/// The kernel's pseudo-filesystems, never walked.
const PSEUDO: [&str; 3] = ["/proc", "/sys", "/dev"];

/// What a walk met.
pub enum Found {
    /// A file named like an article file, with what `stat` said of it (of
    /// its target, for a symlink; an error for a dangling one).
    File(PathBuf, std::io::Result<Metadata>),
    /// Something left out, and why.
    Skipped(PathBuf, String),
}

/// The state of the walks of one load: directories entered, entries seen.
pub struct Walker {
    entered: HashSet<DirId>,
    entries: usize,
    /// The budget of entries ran out: nothing more is listed.
    stopped: bool,
    /// Devices of the pseudo-filesystems (when not the root's).
    pseudo_devices: Vec<u64>,
    /// [`MAX_WALK_ENTRIES`] (smaller in tests).
    max_entries: usize,
}

impl Default for Walker {
    fn default() -> Walker {
        Walker::new()
    }
}

impl Walker {
    /// A walker that has entered nothing yet.
    pub fn new() -> Walker {
        let root = std::fs::metadata("/").ok().map(|m| device(&m));
        let pseudo_devices = PSEUDO
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| device(&m))
            .filter(|d| Some(*d) != root)
            .collect();
        Walker {
            entered: HashSet::new(),
            entries: 0,
            stopped: false,
            pseudo_devices,
            max_entries: MAX_WALK_ENTRIES,
        }
    }

    /// Walks the directory `root` (whose `stat` is `meta`), in name order,
    /// telling `found` of every file `wanted` picks and of everything left
    /// out.
    pub fn walk(
        &mut self,
        root: &Path,
        meta: &Metadata,
        wanted: &dyn Fn(&Path) -> bool,
        found: &mut dyn FnMut(Found),
    ) {
        let real = match std::fs::canonicalize(root) {
            Ok(r) => r,
            Err(e) => {
                return found(Found::Skipped(
                    root.to_owned(),
                    format!("cannot read directory: {e}"),
                ));
            }
        };
        if let Some(why) = self.pseudo(&real, meta) {
            return found(Found::Skipped(root.to_owned(), why));
        }
        let walk = Walk {
            root: &real,
            wanted,
        };
        self.dir(&walk, root, &real, meta, 0, found);
    }

    fn dir(
        &mut self,
        walk: &Walk,
        shown: &Path,
        real: &Path,
        meta: &Metadata,
        depth: usize,
        found: &mut dyn FnMut(Found),
    ) {
        if !self.entered.insert(DirId::of(meta, real)) {
            return; // a loop, or a directory already walked: loaded once
        }
        let listing = match std::fs::read_dir(shown) {
            Ok(l) => l,
            Err(e) => {
                return found(Found::Skipped(
                    shown.to_owned(),
                    format!("cannot read directory: {e}"),
                ));
            }
        };
        let mut entries = Vec::new();
        for entry in listing.flatten() {
            if self.stopped {
                break;
            }
            if self.entries >= self.max_entries {
                self.stopped = true;
                found(Found::Skipped(
                    shown.to_owned(),
                    format!(
                        "more than {} files and directories to look at: \
                         the rest of this directory and all that follows are not read",
                        self.max_entries
                    ),
                ));
                break;
            }
            self.entries += 1;
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            entries.push((name, entry.file_type().ok()));
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, kind) in entries {
            let path = shown.join(&name);
            let link = kind.is_some_and(|k| k.is_symlink());
            let target = std::fs::metadata(&path);
            let Ok(target_meta) = &target else {
                if (walk.wanted)(&path) {
                    found(Found::File(path, target)); // the loader says why
                }
                continue;
            };
            if target_meta.is_dir() {
                let inner = if link {
                    match std::fs::canonicalize(&path) {
                        Ok(t) if t.starts_with(walk.root) => t,
                        Ok(t) => {
                            found(Found::Skipped(
                                path,
                                format!(
                                    "a symlink to a directory outside {} ({}): not followed",
                                    walk.root.display(),
                                    t.display()
                                ),
                            ));
                            continue;
                        }
                        Err(e) => {
                            found(Found::Skipped(path, format!("cannot read directory: {e}")));
                            continue;
                        }
                    }
                } else {
                    real.join(&name)
                };
                if let Some(why) = self.pseudo(&inner, target_meta) {
                    found(Found::Skipped(path, why));
                } else if depth + 1 > MAX_WALK_DEPTH {
                    if !self.entered.contains(&DirId::of(target_meta, &inner)) {
                        found(Found::Skipped(
                            path,
                            format!(
                                "directories nested more than {MAX_WALK_DEPTH} deep: this one is not read"
                            ),
                        ));
                    }
                } else {
                    self.dir(walk, &path, &inner, target_meta, depth + 1, found);
                }
                continue;
            }
            if !(walk.wanted)(&path) {
                continue;
            }
            if link
                && let Ok(t) = std::fs::canonicalize(&path)
                && let Some(why) = self.pseudo(&t, target_meta)
            {
                found(Found::Skipped(path, why));
                continue;
            }
            found(Found::File(path, target));
        }
    }

    /// Why `real` (canonical) is not walked or read, if it lies in a kernel
    /// pseudo-filesystem.
    fn pseudo(&self, real: &Path, meta: &Metadata) -> Option<String> {
        let named = PSEUDO.iter().find(|p| real.starts_with(p));
        let on_device = self.pseudo_devices.contains(&device(meta));
        (named.is_some() || on_device).then(|| {
            format!(
                "{} is in a kernel pseudo-filesystem (/proc, /sys, /dev): not read",
                real.display()
            )
        })
    }
}

/// What a walk keeps while it goes.
struct Walk<'a> {
    /// The walked directory, canonical.
    root: &'a Path,
    wanted: &'a dyn Fn(&Path) -> bool,
}

/// A directory, known by device and inode (elsewhere: its canonical path).
#[derive(Clone, PartialEq, Eq, Hash)]
enum DirId {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg_attr(unix, allow(dead_code))]
    Path(PathBuf),
}

impl DirId {
    #[cfg(unix)]
    fn of(meta: &Metadata, _: &Path) -> DirId {
        use std::os::unix::fs::MetadataExt;
        DirId::Inode(meta.dev(), meta.ino())
    }

    #[cfg(not(unix))]
    fn of(_: &Metadata, real: &Path) -> DirId {
        DirId::Path(real.to_owned())
    }
}

#[cfg(unix)]
fn device(meta: &Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::dev(meta)
}

#[cfg(not(unix))]
fn device(_: &Metadata) -> u64 {
    u64::MAX
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn walk(root: &Path) -> (Vec<PathBuf>, Vec<(PathBuf, String)>) {
        walk_with(Walker::new(), root)
    }

    fn walk_with(mut walker: Walker, root: &Path) -> (Vec<PathBuf>, Vec<(PathBuf, String)>) {
        let (mut files, mut skipped) = (Vec::new(), Vec::new());
        let meta = std::fs::metadata(root).unwrap();
        walker.walk(
            root,
            &meta,
            &|p| p.extension().is_some_and(|e| e == "json"),
            &mut |f| match f {
                Found::File(p, _) => files.push(p),
                Found::Skipped(p, why) => skipped.push((p, why)),
            },
        );
        (files, skipped)
    }

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("kanbao-walk-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn symlinks_out_are_not_followed_and_loops_end() {
        let dir = temp("links");
        let lib = dir.join("lib");
        std::fs::create_dir_all(lib.join("a/b")).unwrap();
        std::fs::write(lib.join("a/b/one.json"), "{}").unwrap();
        std::fs::create_dir_all(dir.join("outside")).unwrap();
        std::fs::write(dir.join("outside/secret.json"), "{}").unwrap();
        symlink("/", lib.join("root")).unwrap();
        symlink("../outside", lib.join("out")).unwrap();
        symlink("..", lib.join("a/b/up")).unwrap();
        symlink("a/b", lib.join("inside")).unwrap();
        symlink("../outside/secret.json", lib.join("file.json")).unwrap();
        let (files, skipped) = walk(&lib);
        // The file symlink is handed on; the inner directory read once.
        assert_eq!(files, [lib.join("a/b/one.json"), lib.join("file.json")]);
        let skipped: Vec<_> = skipped.iter().map(|(p, _)| p.clone()).collect();
        assert_eq!(skipped, [lib.join("out"), lib.join("root")]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn pseudo_filesystems_are_never_entered() {
        if !Path::new("/proc/self").exists() {
            return;
        }
        let (files, skipped) = walk(Path::new("/proc"));
        assert!(files.is_empty());
        assert_eq!(skipped.len(), 1, "{skipped:?}");
        assert!(skipped[0].1.contains("pseudo-filesystem"), "{skipped:?}");
        // A file symlink into /proc is not read either.
        let dir = temp("proc");
        symlink("/proc/self/environ", dir.join("env.json")).unwrap();
        let (files, skipped) = walk(&dir);
        assert!(files.is_empty(), "{files:?}");
        assert!(skipped[0].1.contains("/proc"), "{skipped:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_entry_budget_ends_the_walk_with_a_problem() {
        let dir = temp("many");
        for i in 0..10 {
            std::fs::write(dir.join(format!("{i}.json")), "{}").unwrap();
        }
        let mut walker = Walker::new();
        walker.max_entries = 4;
        let (files, skipped) = walk_with(walker, &dir);
        assert_eq!(files.len(), 4);
        assert_eq!(skipped.len(), 1);
        assert!(skipped[0].1.starts_with("more than 4 files"), "{skipped:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn too_deep_is_a_problem_naming_the_directory() {
        let dir = temp("deep");
        let mut deep = dir.clone();
        for i in 0..=MAX_WALK_DEPTH {
            deep = deep.join(format!("d{i}"));
        }
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(deep.join("x.json"), "{}").unwrap();
        std::fs::write(deep.parent().unwrap().join("y.json"), "{}").unwrap();
        let (files, skipped) = walk(&dir);
        assert_eq!(files, [deep.parent().unwrap().join("y.json")]);
        assert_eq!(skipped.len(), 1);
        assert_eq!(skipped[0].0, deep);
        assert!(skipped[0].1.contains(&MAX_WALK_DEPTH.to_string()));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
