//! What the integration tests share: temporary directories, the fixtures,
//! the `kanbao` binary run on the sample library, the browser's search
//! helpers; a loopback HTTP server ([`http`]) and a pseudo-terminal
//! harness ([`pty`]).

pub mod http;
pub mod pty;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use kanbao_core::Article;
use kanbao_core::Library;

/// A fresh directory, removed on drop with everything in it (also what a
/// test made unreadable).
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A new, empty directory under the system temp dir whose name starts
    /// with `kanbao-{prefix}`.
    pub fn new(prefix: &str) -> TempDir {
        TempDir::new_in(&std::env::temp_dir(), prefix)
    }

    /// [`TempDir::new`], in `parent` instead of the system temp dir.
    pub fn new_in(parent: &Path, prefix: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = parent.join(format!(
            "kanbao-{prefix}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    /// The path of `name` in it.
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Writes `contents` to `name` (creating directories) and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::fs::remove_dir_all(&self.0).is_err() {
            // Make anything a test locked readable again so it can be removed.
            let _ = Command::new("chmod")
                .arg("-R")
                .arg("u+rwx")
                .arg(&self.0)
                .status();
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A file or directory under `tests/fixtures/`.
pub fn fixture(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
        .display()
        .to_string()
}

/// A hostile fixture (see tests/fixtures/hostile/README.md).
pub fn hostile_fixture(name: &str) -> String {
    fixture(&format!("hostile/{name}"))
}

/// Where the sample-library runs look for a library and a config: nowhere.
pub const NOWHERE: &str = "/nonexistent/kanbao-test";

/// The `kanbao` binary, never with the developer's own library or config:
/// without PATHs it reads the sample library.
pub fn kanbao_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kanbao"));
    command
        .env_remove("NO_COLOR")
        .env("XDG_DATA_HOME", NOWHERE)
        .env("XDG_CONFIG_HOME", NOWHERE)
        // Dates are shown in the local zone: the sample's own, whatever
        // the machine's.
        .env("TZ", "Asia/Shanghai");
    command
}

/// Runs [`kanbao_command`] with `args` to the end.
pub fn kanbao(args: &[&str]) -> Output {
    kanbao_command().args(args).output().expect("binary runs")
}

/// The library database of a user whose `XDG_DATA_HOME` is `data`.
pub fn library_db(data: &Path) -> PathBuf {
    data.join("kanbao/library.sqlite3")
}

/// The articles in the library database of a user whose `XDG_DATA_HOME` is
/// `data`, bodies read, in the order they were first stored; none when
/// there is no database.
pub fn stored_articles(data: &Path) -> Vec<Article> {
    let path = library_db(data);
    if !path.exists() {
        return Vec::new();
    }
    let db = kanbao_core::LibraryDb::open(&path).unwrap();
    let (articles, problems) = db.articles().unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    articles
        .iter()
        .map(|a| a.with_body().into_owned())
        .collect()
}

/// Articles with their bodies read, as a user sees them.
pub fn with_bodies(lib: &Library) -> Vec<Article> {
    lib.articles
        .iter()
        .map(|a| a.with_body().into_owned())
        .collect()
}

/// Waits for the browser's background search to finish.
pub fn finish_search(app: &mut kanbao::app::App) {
    let start = std::time::Instant::now();
    while app.searching() {
        app.poll_search();
        assert!(start.elapsed().as_secs() < 60, "the search never ended");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    app.poll_search();
}

/// The ids of the articles the browser lists, in its order.
pub fn ids(app: &kanbao::app::App) -> Vec<String> {
    app.order()
        .iter()
        .map(|&i| app.article(i).expect("an article read").id.clone())
        .collect()
}

/// Searches `query` in a browser over a library in memory and in one over
/// the same library with bodies on disk; both must list the same articles
/// in the same order. Returns the ids listed.
pub fn same_search(
    memory: &mut kanbao::app::App,
    disk: &mut kanbao::app::App,
    query: &str,
) -> Vec<String> {
    memory.set_filter(query.into());
    assert!(
        !memory.searching(),
        "a library in memory is searched at once"
    );
    disk.set_filter(query.into());
    finish_search(disk);
    let (found, want) = (ids(disk), ids(memory));
    assert_eq!(found.len(), want.len(), "query {query:?}");
    assert!(found == want, "query {query:?}: same articles, same order");
    found
}
