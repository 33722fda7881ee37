//! The library is a database: `import` and `update` write to
//! `$XDG_DATA_HOME/kanbao/library.sqlite3`, `list`, `read`, `unread`,
//! `export` and the browser read it; a kanbao 0.1 library directory is
//! imported once with its marks; a reader never sees "database is locked"
//! while another process writes; `kill -9` in the middle of an import loses
//! nothing that was committed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use kanbao_core::{Article, BodyAt, LibraryDb, MarkStore};

use crate::common::{TempDir, fixture, library_db, stored_articles};

/// A user with XDG directories of their own.
struct User {
    home: TempDir,
}

impl User {
    fn new() -> User {
        User {
            home: TempDir::new("library-db"),
        }
    }

    fn data(&self) -> PathBuf {
        self.home.path("data")
    }

    fn db(&self) -> PathBuf {
        library_db(&self.data())
    }

    /// The kanbao 0.1 library directory.
    fn old_library(&self) -> PathBuf {
        self.home.path("data/kanbao/library")
    }

    fn marks(&self) -> MarkStore {
        MarkStore::open(&self.home.path("state/kanbao/state.sqlite3"))
    }

    fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kanbao"));
        c.env("HOME", &self.home.0)
            .env("XDG_CONFIG_HOME", self.home.path("config"))
            .env("XDG_DATA_HOME", self.data())
            .env("XDG_STATE_HOME", self.home.path("state"))
            .env("XDG_CACHE_HOME", self.home.path("cache"))
            .env_remove("NO_COLOR");
        c
    }

    /// The browser on this user's library, in a 100x30 pty.
    fn browser(&self) -> crate::common::pty::Session {
        self.browser_sized(100, 30)
    }

    /// The browser on this user's library, in a pty of this size.
    fn browser_sized(&self, cols: u16, rows: u16) -> crate::common::pty::Session {
        let dirs = [
            ("XDG_DATA_HOME", self.data()),
            ("XDG_CONFIG_HOME", self.home.path("config")),
            ("XDG_STATE_HOME", self.home.path("state")),
        ]
        .map(|(name, dir)| (name, dir.display().to_string()));
        let env = dirs.each_ref().map(|(name, dir)| (*name, dir.as_str()));
        crate::common::pty::Session::spawn(cols, rows, &[], &env)
    }

    fn kanbao(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("binary runs")
    }

    /// Runs kanbao, which must succeed; returns its standard output.
    fn ok(&self, args: &[&str]) -> String {
        let o = self.kanbao(args);
        assert!(o.status.success(), "kanbao {args:?}: {}", err(&o));
        out(&o)
    }

    /// `list --json`: (id, title) of each article, in the list's order.
    fn listed(&self, args: &[&str]) -> Vec<(String, String)> {
        let mut all = vec!["list", "--json"];
        all.extend(args);
        self.ok(&all)
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                (
                    v["id"].as_str().unwrap().to_owned(),
                    v["title"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A JSON Lines file of `n` small articles, `a0`… in order.
fn jsonl(path: &Path, n: usize) -> PathBuf {
    let mut text = String::new();
    for i in 0..n {
        let line = serde_json::json!({
            "id": format!("a{i}"),
            "title": format!("第{i}篇 Article {i}"),
            "published": format!("2024-02-{:02}T08:{:02}:00+08:00", 1 + i % 28, i % 60),
            "source": format!("源{}", i % 5),
            "body": [format!("正文{i}：光伏与风电。"), format!("Paragraph two of {i}.")],
        });
        text.push_str(&line.to_string());
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
    path.to_owned()
}

/// An RSS feed of items (guid, title, body).
fn rss(items: &[(&str, &str, &str)]) -> String {
    let items: String = items
        .iter()
        .map(|(guid, title, body)| {
            format!(
                "<item><guid isPermaLink=\"false\">{guid}</guid><title>{title}</title>\
                 <link>https://example.org/{guid}</link><description>{body}</description></item>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Feed</title>\
         <link>https://example.org/</link>{items}</channel></rss>"
    )
}

/// The JSON of each stored article, in the order they were first stored.
fn docs(data: &Path) -> Vec<String> {
    stored_articles(data)
        .iter()
        .map(|a| a.to_json().to_string())
        .collect()
}

/// The row each stored article is in, by key.
fn rows(user: &User) -> Vec<(String, i64)> {
    let db = LibraryDb::open(&user.db()).unwrap();
    let (articles, problems) = db.articles().unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    articles
        .iter()
        .map(|a| match a.body_at {
            Some(BodyAt::Row { rowid, .. }) => (a.key().into_owned(), rowid),
            _ => panic!("not from a row: {a:?}"),
        })
        .collect()
}

#[test]
fn imported_articles_are_listed_and_read_from_the_database() {
    let user = User::new();
    let o = user.ok(&["import", &fixture("feeds/rss2.xml"), &fixture("../../data")]);
    let db = user.db().display().to_string();
    assert!(o.starts_with(&format!("{db}: ")), "{o}");
    assert!(!user.old_library().exists(), "no article files");
    let stored = stored_articles(&user.data());
    let listed = user.listed(&[]);
    assert_eq!(listed.len(), stored.len());
    assert!(listed.len() > 14, "the feed's and the sample's: {listed:?}");
    let json = user.ok(&["list", "--json"]);
    let first: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(first["path"], db.as_str(), "{first}");
    // `read` typesets the body kept in the database.
    let read = user.ok(&["read", "--width", "60", "--index", "0"]);
    assert!(read.starts_with(&stored[0].title), "{read}");
    assert!(read.contains(&stored[0].body[0][..12]), "{read}");
    // The browser shows the same library.
    let screen = user.ok(&["snapshot", "--size", "100x30"]);
    assert!(screen.contains(&listed[0].1), "{screen}");
    // Files named on the command line are read as they are: read-only.
    let other = User::new();
    let feed = other.ok(&["list", &fixture("feeds/rss2.xml")]);
    assert_eq!(feed.lines().count(), 3, "{feed}");
    assert!(!other.db().exists(), "reading a file creates no library");
}

#[test]
fn an_update_replaces_a_changed_article_in_its_row() {
    let user = User::new();
    let dir = TempDir::new("library-db-feed");
    let feed = dir.path("feed.xml");
    std::fs::write(&feed, rss(&[("g1", "First", "v1"), ("g2", "Second", "b")])).unwrap();
    user.ok(&["subscribe", &feed.display().to_string()]);
    let first = user.ok(&["update"]);
    assert!(first.contains("2 new, 0 updated"), "{first}");
    let before = rows(&user);
    // A later modification time, as an editor's save gives.
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(&feed, rss(&[("g1", "First", "v2"), ("g2", "Second", "b")])).unwrap();
    let second = user.ok(&["update"]);
    assert!(second.contains("0 new, 1 updated, 1 unchanged"), "{second}");
    assert_eq!(rows(&user), before, "same articles, same rows");
    let read = user.ok(&["read", "--width", "60"]);
    assert!(read.contains("v2") && !read.contains("v1"), "{read}");
}

#[test]
fn the_same_guid_in_two_feeds_is_two_articles() {
    let user = User::new();
    let dir = TempDir::new("library-db-guid");
    let a = dir.write("a.xml", rss(&[("same", "Of feed A", "a")]));
    let b = dir.write("b.xml", rss(&[("same", "Of feed B", "b")]));
    user.ok(&["import", &a.display().to_string()]);
    let o = user.ok(&["import", &b.display().to_string()]);
    assert!(o.contains("1 new, 0 updated, 0 unchanged"), "{o}");
    let mut titles: Vec<String> = user.listed(&[]).into_iter().map(|(_, t)| t).collect();
    titles.sort();
    assert_eq!(titles, ["Of feed A", "Of feed B"]);
    assert_eq!(user.ok(&["unread"]).trim(), "2");
}

#[test]
fn a_0_1_library_with_marks_is_imported_once_and_nothing_is_lost() {
    let user = User::new();
    let dir = TempDir::new("library-db-old");
    let feed = dir.write(
        "feed.xml",
        rss(&[("g1", "One", "1"), ("g2", "Two", "2"), ("g3", "Three", "3")]),
    );
    let old = user.old_library().display().to_string();
    // A library as kanbao 0.1 wrote it: one file per article.
    for source in [feed.display().to_string(), fixture("../../data")] {
        user.ok(&["import", "--into", &old, &source]);
    }
    std::fs::write(user.old_library().join("broken.json"), "{\"title\": 5}").unwrap();
    let files = std::fs::read_dir(user.old_library()).unwrap().count();
    let before = user.listed(&[&old]);
    let read_before = user.ok(&["read", "--width", "50", &old]);
    let keys: Vec<String> = kanbao_core::Library::load(&[&old])
        .articles
        .iter()
        .map(|a| a.key().into_owned())
        .collect();
    {
        let mut marks = user.marks();
        marks.set_read(&keys[0], true).unwrap();
        marks.set_read(&keys[3], true).unwrap();
        marks.set_starred(&keys[3], true).unwrap();
        marks.set_starred(&keys[5], true).unwrap();
    }
    let read_marked = user.listed(&["--query", "is:read", &old]);
    let starred = user.listed(&["--query", "is:starred", &old]);
    assert_eq!((read_marked.len(), starred.len()), (2, 2));
    assert!(!user.db().exists());

    // The first command that opens the library imports the directory.
    let first = user.kanbao(&["list", "--json"]);
    assert!(first.status.success(), "{}", err(&first));
    let said = err(&first);
    assert!(
        said.contains(&format!("imported the {} articles", before.len()))
            && said.contains(&old)
            && said.contains("broken.json"),
        "{said}"
    );
    let after = user.listed(&[]);
    assert_eq!(after, before, "every article, in the same order");
    assert_eq!(user.ok(&["read", "--width", "50"]), read_before);
    assert_eq!(user.listed(&["--query", "is:read"]), read_marked);
    assert_eq!(user.listed(&["--query", "is:starred"]), starred);
    assert_eq!(user.ok(&["unread"]).trim(), (before.len() - 2).to_string());
    assert_eq!(
        std::fs::read_dir(user.old_library()).unwrap().count(),
        files
    );

    // Twice changes nothing: no second import, even of a file added since.
    let stored = docs(&user.data());
    std::fs::write(
        user.old_library().join("later.json"),
        "{\"id\":\"later\",\"title\":\"Later\"}",
    )
    .unwrap();
    let second = user.kanbao(&["list", "--json"]);
    assert!(!err(&second).contains("imported"), "{}", err(&second));
    assert_eq!(docs(&user.data()), stored);
    assert_eq!(user.listed(&[]), before);
}

#[test]
fn the_jsonl_export_imports_into_a_fresh_library_as_the_same_articles_and_marks() {
    let user = User::new();
    user.ok(&["import", &fixture("feeds/rss2.xml"), &fixture("../../data")]);
    let stored = stored_articles(&user.data());
    {
        let mut marks = user.marks();
        marks.set_read(&stored[0].key(), true).unwrap();
        marks.set_read(&stored[4].key(), true).unwrap();
        marks.set_starred(&stored[4].key(), true).unwrap();
    }
    let export = user.ok(&["export", "--jsonl"]);
    assert_eq!(export.lines().count(), stored.len());
    let marked: Vec<serde_json::Value> = export
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(marked[0]["read"], true);
    assert_eq!(marked[0].get("starred"), None);
    assert_eq!(
        (&marked[4]["read"], &marked[4]["starred"]),
        (&true.into(), &true.into())
    );
    assert_eq!(
        (marked[1].get("read"), marked[1].get("starred")),
        (None, None)
    );
    let only = user.ok(&["export", "--jsonl", "--query", "is:starred"]);
    assert_eq!(only.lines().count(), 1);
    for wrong in [&["export"][..], &["export", "--opml", "--query", "x"]] {
        assert_eq!(user.kanbao(wrong).status.code(), Some(2), "{wrong:?}");
    }

    let file = user.home.write("export.jsonl", &export);
    let fresh = User::new();
    let o = fresh.ok(&["import", &file.display().to_string()]);
    assert!(
        o.contains(&format!("{} new, 0 updated", stored.len())),
        "{o}"
    );
    assert_eq!(docs(&fresh.data()), docs(&user.data()), "the same articles");
    assert_eq!(fresh.listed(&[]), user.listed(&[]));
    assert_eq!(
        fresh.listed(&["--query", "is:read"]),
        user.listed(&["--query", "is:read"])
    );
    assert_eq!(
        fresh.listed(&["--query", "is:starred"]),
        user.listed(&["--query", "is:starred"])
    );
    assert_eq!(fresh.ok(&["export", "--jsonl"]), export, "and back again");
}

#[test]
fn unread_counts_the_library_and_each_feed() {
    let user = User::new();
    assert_eq!(user.ok(&["unread"]), "0\n", "no library yet");
    assert!(!user.db().exists());
    let dir = TempDir::new("library-db-unread");
    let a = dir.write("a.xml", rss(&[("1", "A1", "a"), ("2", "A2", "a")]));
    let b = dir.write("b.xml", rss(&[("1", "B1", "b")]));
    for f in [&a, &b] {
        user.ok(&["import", &f.display().to_string()]);
    }
    let plain = dir.write("plain.json", "{\"id\": \"p\", \"title\": \"Of no feed\"}");
    user.ok(&["import", &plain.display().to_string()]);
    let stored = stored_articles(&user.data());
    user.marks().set_read(&stored[0].key(), true).unwrap();
    assert_eq!(user.ok(&["unread"]), "3\n");
    let by_feed = user.ok(&["unread", "--by-feed"]);
    let url = |p: &Path| url::Url::from_file_path(std::fs::canonicalize(p).unwrap()).unwrap();
    assert_eq!(
        by_feed,
        format!("1 1 -\n1 2 {}\n1 1 {}\n", url(&a), url(&b))
    );
}

#[test]
fn a_newer_kanbaos_database_is_read_but_not_written() {
    let user = User::new();
    user.ok(&["import", &fixture("feeds/rss2.xml")]);
    {
        let conn = rusqlite::Connection::open(user.db()).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let o = user.kanbao(&["import", &fixture("../../data")]);
    assert_eq!(o.status.code(), Some(2));
    let said = err(&o);
    assert!(
        said.contains(&user.db().display().to_string()) && said.contains("newer kanbao"),
        "{said}"
    );
    let listed = user.kanbao(&["list"]);
    assert!(listed.status.success());
    assert_eq!(out(&listed).lines().count(), 3);
    assert!(err(&listed).contains("read-only"), "{}", err(&listed));
}

/// Reads the library in a loop — counts, every article's metadata, bodies —
/// until told to stop; returns how many rounds it read and any error.
fn read_in_a_loop(
    db: PathBuf,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> (usize, Vec<String>) {
    let mut errors = Vec::new();
    let mut rounds = 0;
    let reader = LibraryDb::open(&db).unwrap();
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let result = (|| -> Result<(), String> {
            reader.count().map_err(|e| e.to_string())?;
            reader
                .unread_count(&kanbao_core::NoMarks)
                .map_err(|e| e.to_string())?;
            let (articles, _) = reader.articles().map_err(|e| e.to_string())?;
            for a in articles.iter().step_by(97) {
                a.load_body().map_err(|e| e.to_string())?;
            }
            Ok(())
        })();
        if let Err(e) = result {
            errors.push(e);
        }
        rounds += 1;
    }
    (rounds, errors)
}

#[test]
fn a_reader_never_sees_the_database_locked_while_another_process_imports() {
    let user = User::new();
    user.ok(&["import", &fixture("feeds/rss2.xml")]);
    let big = jsonl(&user.home.path("big.jsonl"), 3 * kanbao_core::BATCH + 500);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (db, stop) = (user.db(), stop.clone());
        std::thread::spawn(move || read_in_a_loop(db, stop))
    };
    let mut import = user
        .command()
        .args(["import", &big.display().to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Other processes read meanwhile too.
    let mut readers = 0;
    while import.try_wait().unwrap().is_none() {
        for args in [&["unread"][..], &["list"][..]] {
            let o = user.kanbao(args);
            assert!(o.status.success(), "kanbao {args:?}: {}", err(&o));
            assert!(!err(&o).contains("locked"), "{}", err(&o));
        }
        readers += 1;
    }
    let imported = import.wait_with_output().unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (rounds, errors) = reader.join().unwrap();
    assert!(imported.status.success(), "{}", err(&imported));
    assert!(!err(&imported).contains("locked"), "{}", err(&imported));
    assert!(errors.is_empty(), "{errors:?}");
    assert!(
        rounds > 0 && readers > 0,
        "{rounds} rounds, {readers} readers"
    );
    assert_eq!(
        stored_articles(&user.data()).len(),
        3 * kanbao_core::BATCH + 500 + 3
    );
}

#[cfg(unix)]
#[test]
fn kill_9_in_the_middle_of_an_import_loses_nothing_committed() {
    let user = User::new();
    let n = 40 * kanbao_core::BATCH;
    let big = jsonl(&user.home.path("big.jsonl"), n);
    let source: Vec<Article> = kanbao_core::Library::load(&[&big]).articles;
    let mut import = user
        .command()
        .args(["import", &big.display().to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Killed as soon as the first batch is committed.
    let start = Instant::now();
    loop {
        let committed = user.db().exists()
            && rusqlite::Connection::open(user.db())
                .and_then(|c| {
                    c.busy_timeout(Duration::from_secs(10))?;
                    c.query_row("SELECT count(*) FROM articles", [], |r| r.get::<_, i64>(0))
                })
                .unwrap_or(0)
                > 0;
        if committed || import.try_wait().unwrap().is_some() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no batch committed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    import.kill().unwrap(); // SIGKILL
    import.wait().unwrap();

    let conn = rusqlite::Connection::open(user.db()).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(conn);
    let stored = stored_articles(&user.data());
    assert!(
        !stored.is_empty() && stored.len() < n,
        "killed mid-way: {}",
        stored.len()
    );
    assert!(
        stored.len().is_multiple_of(kanbao_core::BATCH),
        "whole batches only: {}",
        stored.len()
    );
    // What is there is complete: the source's first articles, exactly.
    let json = |a: &Article| a.to_json().to_string();
    let want: Vec<String> = source[..stored.len()].iter().map(json).collect();
    assert!(stored.iter().map(json).eq(want));
    // Importing again adds the rest.
    let again = user.ok(&["import", &big.display().to_string()]);
    assert!(
        again.contains(&format!(
            "{} new, 0 updated, {} unchanged, 0 failed",
            n - stored.len(),
            stored.len()
        )),
        "{again}"
    );
}

#[test]
fn the_browser_searches_the_database_as_it_searches_memory() {
    let user = User::new();
    let big = jsonl(&user.home.path("big.jsonl"), 3_000);
    user.ok(&["import", &big.display().to_string()]);
    let memory = kanbao_core::Library::load(&[&big]);
    let db = LibraryDb::open(&user.db()).unwrap().library().unwrap();
    assert!(db.articles.iter().all(|a| a.body.is_empty()));
    let mut memory = kanbao::app::App::new(memory, Default::default(), 100, 30);
    let mut disk = kanbao::app::App::new(db, Default::default(), 100, 30);
    for q in [
        "光伏",
        "\"two of 1234\"",
        "第7篇",
        "-风电",
        "source:源3 正文1",
        "paragraph -article",
        "after:2024-02-20 正文2",
    ] {
        crate::common::same_search(&mut memory, &mut disk, q);
    }
}

#[test]
fn a_database_that_cannot_be_opened_leaves_the_0_1_library_readable() {
    let user = User::new();
    let old = user.old_library().display().to_string();
    user.ok(&["import", "--into", &old, &fixture("feeds/rss2.xml")]);
    // Where the database should be, something that is not one.
    std::fs::create_dir_all(user.db()).unwrap();
    let o = user.kanbao(&["list"]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o).lines().count(), 3, "{}", out(&o));
    let said = err(&o);
    assert!(
        said.contains(&user.db().display().to_string()) && said.contains(&old),
        "{said}"
    );
    // Writing needs the database: the error names it.
    let o = user.kanbao(&["import", &fixture("feeds/rss2.xml")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains(&user.db().display().to_string()),
        "{}",
        err(&o)
    );
}

#[cfg(unix)]
#[test]
fn the_browser_shows_the_database_and_r_updates_it_and_reloads() {
    let user = User::new();
    let dir = TempDir::new("library-db-browser");
    let feed = dir.write("feed.xml", rss(&[("g1", "Database first", "one")]));
    user.ok(&["subscribe", &feed.display().to_string()]);
    user.ok(&["update"]);
    let mut s = user.browser();
    s.wait_for_text("Database first");
    // A feed that changed since: `r` stores it in the database and reloads.
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(
        &feed,
        rss(&[
            ("g1", "Database first", "one"),
            ("g2", "Fetched by r", "two"),
        ]),
    )
    .unwrap();
    s.send("r");
    s.wait_for_text("Fetched by r");
    s.send("Q");
    assert_eq!(s.wait_exit(), 0);
    assert_eq!(stored_articles(&user.data()).len(), 2);
}

#[test]
fn a_big_import_leaves_the_search_index_to_the_browser_and_finds_the_same_meanwhile() {
    let user = User::new();
    let dir = TempDir::new("library-db-index");
    let source = jsonl(&dir.path("big.jsonl"), 2_500);
    let said = user.ok(&["import", &source.display().to_string()]);
    assert!(
        said.contains("2,500 articles wait for the search index"),
        "{said}"
    );
    let unindexed = || LibraryDb::open(&user.db()).unwrap().unindexed().unwrap();
    assert_eq!(unindexed(), 2_500);
    // Until the index has them, a search reads them all, and finds them.
    let hits = |q: &str| user.ok(&["list", "--query", q]).lines().count();
    assert_eq!(hits("第1234篇"), 1);
    assert_eq!(hits("光伏"), 2_500);
    // The browser takes them in while it is open.
    let mut s = user.browser();
    s.wait_for_text("第");
    let deadline = Instant::now() + Duration::from_secs(60);
    while unindexed() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(unindexed(), 0, "the browser's indexer did not catch up");
    s.send("Q");
    assert_eq!(s.wait_exit(), 0);
    // And the index answers the same.
    assert_eq!(hits("第1234篇"), 1);
    assert_eq!(hits("光伏"), 2_500);
    assert_eq!(hits("\"paragraph two of 7.\""), 1);
    assert_eq!(hits("\"two of 7\""), 111); // 7, 70–79, 700–799
    // A small import is indexed at once.
    let small = jsonl(&dir.path("small.jsonl"), 10);
    let said = user.ok(&["import", &small.display().to_string()]);
    assert!(!said.contains("wait for the search index"), "{said}");
    assert_eq!(unindexed(), 0);
}

#[test]
fn kanbao_index_takes_in_what_a_big_import_left_and_then_says_it_is_up_to_date() {
    let user = User::new();
    assert_eq!(
        user.ok(&["index"]).trim(),
        "no library yet: nothing to index"
    );
    let dir = TempDir::new("library-db-index-cmd");
    let source = jsonl(&dir.path("big.jsonl"), 2_100);
    user.ok(&["import", &source.display().to_string()]);
    let unindexed = || LibraryDb::open(&user.db()).unwrap().unindexed().unwrap();
    assert_eq!(unindexed(), 2_100);
    assert_eq!(user.ok(&["index"]).trim(), "2,100 articles indexed");
    assert_eq!(unindexed(), 0);
    assert_eq!(user.ok(&["index"]).trim(), "the search index is up to date");
    let hits = |q: &str| user.ok(&["list", "--query", q]).lines().count();
    assert_eq!(hits("第1234篇"), 1);
    assert_eq!(hits("\"two of 7\""), 111); // 7, 70–79, 700–799, as before
}

#[test]
fn a_big_json_lines_import_is_streamed_and_still_reports_a_bad_line_and_a_duplicate_id() {
    let user = User::new();
    let dir = TempDir::new("library-db-stream");
    // Over a mebibyte, so it is streamed (read and stored a batch at a time).
    let mut text = String::new();
    for i in 1..=5_000 {
        let line = match i {
            1_200 => "{\"id\": \"broken\", \"title\": ".to_string(),
            4_321 => serde_json::json!({"id": "a10", "title": "第二个a10", "body": ["重复。"]})
                .to_string(),
            _ => serde_json::json!({
                "id": format!("a{i}"),
                "title": format!("第{i}篇"),
                "published": format!("2024-02-{:02}T08:00:00+08:00", 1 + i % 28),
                "body": [format!("正文{i}：{}", "光伏与风电。".repeat(20))],
            })
            .to_string(),
        };
        text.push_str(&line);
        text.push('\n');
    }
    assert!(text.len() > 1 << 20);
    let source = dir.write("big.jsonl", &text);
    let shown = source.display().to_string();
    let imported = user.kanbao(&["import", &shown]);
    let said = format!("{}{}", out(&imported), err(&imported));
    assert!(
        said.contains(&format!("{shown}:1200:")),
        "the bad line: {said}"
    );
    assert!(
        said.contains(&format!(
            "{shown}:4321:1: field `id`: duplicate id \"a10\", first used at {shown}:10"
        )),
        "the duplicate, at both places: {said}"
    );
    // Every other line is there, the later a10 in place of the first.
    let listed = user.ok(&["list"]);
    assert_eq!(
        listed.lines().count(),
        4_998,
        "5,000 less the bad line and one a10"
    );
    assert!(listed.contains("第二个a10") && !listed.contains("第10篇"));
    assert!(listed.contains("第4999篇") && listed.contains("第1篇"));
    // The bodies were stored with them (none read back from the file).
    std::fs::remove_file(&source).unwrap();
    let read = user.ok(&["read", "--id", "a4999"]);
    assert!(read.contains("正文4999"), "{read}");
}

#[test]
fn kanbao_mark_changes_the_marks_list_json_and_unread_show() {
    let user = User::new();
    let o = user.kanbao(&["import", &fixture("../../data")]);
    assert!(o.status.success(), "{o:?}");
    let records = |user: &User| -> Vec<serde_json::Value> {
        let o = user.kanbao(&["list", "--json"]);
        assert!(o.status.success());
        String::from_utf8(o.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let unread = |user: &User| -> usize {
        let o = user.kanbao(&["unread"]);
        String::from_utf8(o.stdout).unwrap().trim().parse().unwrap()
    };
    let listed = records(&user);
    let total = listed.len();
    assert!(total > 3);
    assert!(
        listed
            .iter()
            .all(|r| r["read"] == false && r["starred"] == false)
    );
    assert_eq!(unread(&user), total);
    let keys: Vec<String> = listed[..2]
        .iter()
        .map(|r| r["key"].as_str().unwrap().to_string())
        .collect();
    // Read, then starred: list --json and unread say so.
    let o = user.kanbao(&["mark", "--read", &keys[0], &keys[1]]);
    assert!(o.status.success(), "{o:?}");
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "2 articles marked read\n"
    );
    assert_eq!(unread(&user), total - 2);
    let o = user.kanbao(&["mark", "--star", &keys[1]]);
    assert!(o.status.success());
    let now = records(&user);
    assert_eq!(
        (now[0]["read"].clone(), now[0]["starred"].clone()),
        (true.into(), false.into())
    );
    assert_eq!(
        (now[1]["read"].clone(), now[1]["starred"].clone()),
        (true.into(), true.into())
    );
    assert!(user.marks().is_starred(&keys[1]), "the browser's store");
    // A key no article has: exit 2, named, and nothing marked at all.
    let o = user.kanbao(&["mark", "--unread", &keys[0], "no-such-article"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no article with key \"no-such-article\""));
    assert_eq!(unread(&user), total - 2);
    let o = user.kanbao(&["mark", "--unread", &keys[0]]);
    assert!(o.status.success());
    assert_eq!(unread(&user), total - 1);
    // One of the four is needed.
    let o = user.kanbao(&["mark", &keys[0]]);
    assert_eq!(o.status.code(), Some(2));
}

#[cfg(unix)]
#[test]
fn a_feed_that_fails_in_the_browsers_update_is_named_with_its_whole_error() {
    use crate::common::http::{Server, reply};
    let server = Server::start(|req, _base| match req.path.as_str() {
        "/good.xml" => reply(
            "200 OK",
            &[("Content-Type", "application/rss+xml")],
            rss(&[("g1", "A good feed's article", "one")]).as_bytes(),
        ),
        _ => reply("503 Service Unavailable", &[], b"down for maintenance"),
    });
    let user = User::new();
    let gone = server.url("/politics/rss/a-long-path-to-the-feed-that-is-down.xml");
    user.ok(&["subscribe", &server.url("/good.xml")]);
    user.ok(&["subscribe", &gone, "--title", "人民网 政治"]);
    let _ = user.kanbao(&["update"]);
    let mut s = user.browser_sized(60, 20);
    s.wait_for_text("A good feed");
    s.send("r");
    s.wait_for_text("1 failed; ! says why");
    s.send("!");
    s.wait_for_text(" problems ");
    // The feed by its title, the address once, the reason: all of it,
    // wrapped inside the box, nothing cut.
    let screen = s.screen_text();
    let inside: String = screen
        .lines()
        .filter_map(|l| {
            l.split_once('│')
                .map(|(_, r)| r.rsplit_once('│').map_or(r, |(m, _)| m))
        })
        .map(str::trim)
        .collect();
    assert!(inside.starts_with("人民网 政治:"), "{screen}");
    assert!(inside.contains(&gone), "{screen}");
    assert_eq!(inside.matches("a-long-path").count(), 1, "{screen}");
    assert!(inside.contains("503"), "{screen}");
    assert!(!inside.contains('…'), "{screen}");
    s.send("q");
    s.send("Q");
    assert_eq!(s.wait_exit(), 0);
}

#[test]
fn subscriptions_are_named_by_title_and_listed_with_their_counts() {
    let user = User::new();
    let dir = TempDir::new("library-db-feeds");
    let feed = |name: &str, items: &[(&str, &str, &str)]| {
        dir.write(name, rss(items)).display().to_string()
    };
    let politics = feed("p.xml", &[("p1", "政治一", "x"), ("p2", "政治二", "y")]);
    let economy = feed("e.xml", &[("e1", "经济一", "x")]);
    let world = feed("w.xml", &[("w1", "World one", "x")]);
    user.ok(&["subscribe", &politics, "--title", "人民网 政治"]);
    user.ok(&["subscribe", &economy, "--title", "人民网 经济"]);
    user.ok(&["subscribe", &world, "--title", "Reuters World"]);
    user.ok(&["update"]);
    let listed = user.ok(&["feeds"]);
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines.len(), 3, "{listed}");
    assert!(
        lines[0].starts_with("2 2  人民网 政治  file://"),
        "{listed}"
    );
    assert!(
        lines[2].contains("Reuters World") && lines[2].contains("updated "),
        "{listed}"
    );
    let json = user.ok(&["feeds", "--json"]);
    let first: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(
        (first["unread"].as_u64(), first["total"].as_u64()),
        (Some(2), Some(2))
    );
    // A prefix of two titles: both listed, exit 2, nothing removed.
    let o = user.kanbao(&["unsubscribe", "人民网"]);
    assert_eq!(o.status.code(), Some(2));
    let said = err(&o);
    assert!(
        said.contains("人民网 政治") && said.contains("人民网 经济"),
        "{said}"
    );
    assert_eq!(user.ok(&["feeds"]).lines().count(), 3);
    // A unique prefix, a title in another case, an unknown name.
    assert!(
        user.ok(&["unsubscribe", "人民网 经"])
            .contains("unsubscribed from 人民网 经济")
    );
    assert!(
        user.ok(&["unsubscribe", "reuters world"])
            .contains("Reuters World")
    );
    let o = user.kanbao(&["unsubscribe", "BBC"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("kanbao feeds"), "{}", err(&o));
    let left = user.ok(&["feeds"]);
    assert_eq!(left.lines().count(), 1);
    assert!(left.contains("人民网 政治"));
    // One source's unread count, by title prefix; unknown: exit 2.
    assert_eq!(user.ok(&["unread", "人民网"]), "2\n");
    let o = user.kanbao(&["unread", "BBC"]);
    assert_eq!(o.status.code(), Some(2));
}

/// The row of the sources view that names `label`, trimmed.
fn source_row(screen: &str, label: &str) -> Option<String> {
    screen
        .lines()
        .find(|l| l.contains(&format!("  {label}  ")))
        .map(|l| l.trim_start_matches(['▶', ' ', '!']).trim_end().to_string())
}

#[cfg(unix)]
#[test]
fn a_morning_with_three_feeds_read_on_from_unread_to_unread_and_back_to_the_sources() {
    let user = User::new();
    let dir = TempDir::new("library-db-morning");
    let feed = |name: &str, items: &[(&str, &str, &str)]| {
        dir.write(name, rss(items)).display().to_string()
    };
    let alpha = feed(
        "a.xml",
        &[
            ("a1", "Alpha one", "First."),
            ("a2", "Alpha two", "Second."),
            ("a3", "Alpha three", "Third."),
        ],
    );
    let beta = feed("b.xml", &[("b1", "Beta one", "x"), ("b2", "Beta two", "y")]);
    let gamma = feed("c.xml", &[("c1", "Gamma one", "z")]);
    for (url, title) in [(&alpha, "Alpha"), (&beta, "Beta"), (&gamma, "Gamma")] {
        user.ok(&["subscribe", url, "--title", title]);
    }
    user.ok(&["update"]);
    let mut s = user.browser();
    s.wait_for_text("Alpha one");
    // To the sources: All, Unread, Starred, then the feeds by title.
    s.send("q");
    s.wait_for("the sources view", |screen| {
        source_row(&screen.contents(), "Alpha").is_some_and(|r| r.starts_with("3  Alpha"))
    });
    s.send("jjj");
    s.send("\r");
    s.wait_for("Alpha's articles alone, named", |screen| {
        let text = screen.contents();
        text.contains("Alpha one") && !text.contains("Beta one") && text.contains(" 1/3  Alpha")
    });
    // The first unread opened, read to its end; Space reads on.
    s.send("\r");
    s.wait_for_text("First.");
    s.send(" ");
    s.wait_for("the next unread article", |screen| {
        let text = screen.contents();
        text.contains("Second.") && text.contains(" 2/3  Alpha")
    });
    // Back to the list, back to the sources: two fewer unread.
    s.send("q");
    s.wait_for_text("q sources");
    s.send("q");
    s.wait_for("Alpha with one unread", |screen| {
        source_row(&screen.contents(), "Alpha").is_some_and(|r| r.starts_with("1  Alpha"))
    });
    // The source marked read, and undone.
    s.send("A");
    s.wait_for("Alpha all read", |screen| {
        let text = screen.contents();
        text.contains("Alpha: 1 article marked read")
            && source_row(&text, "Alpha").is_some_and(|r| r.starts_with("Alpha"))
    });
    s.send("U");
    s.wait_for("Alpha unread again", |screen| {
        source_row(&screen.contents(), "Alpha").is_some_and(|r| r.starts_with("1  Alpha"))
    });
    // q from the top quits.
    s.send("q");
    assert_eq!(s.wait_exit(), 0);
    s.assert_terminal_restored();
    let marks = user.marks();
    assert_eq!(marks.counts().0, 2, "the two articles read stay read");
}

#[cfg(unix)]
#[test]
fn marks_another_kanbao_makes_show_in_an_open_browser() {
    let user = User::new();
    let dir = TempDir::new("library-db-other");
    let feed = dir.write("f.xml", rss(&[("x1", "One", "a"), ("x2", "Two", "b")]));
    user.ok(&["subscribe", &feed.display().to_string(), "--title", "Solo"]);
    user.ok(&["update"]);
    let mut s = user.browser();
    s.wait_for_text("Two");
    s.send("q");
    s.wait_for("two unread", |screen| {
        source_row(&screen.contents(), "Solo").is_some_and(|r| r.starts_with("2  Solo"))
    });
    // Another process marks one read: the open browser counts it within
    // a few seconds, with no key pressed.
    let listed = user.ok(&["list", "--json"]);
    let key: serde_json::Value = serde_json::from_str(listed.lines().next().unwrap()).unwrap();
    user.ok(&["mark", "--read", key["key"].as_str().unwrap()]);
    s.wait_for("one unread", |screen| {
        source_row(&screen.contents(), "Solo").is_some_and(|r| r.starts_with("1  Solo"))
    });
    // `r` from the sources view: the feed's new article is counted.
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(
        &feed,
        rss(&[("x1", "One", "a"), ("x2", "Two", "b"), ("x3", "Three", "c")]),
    )
    .unwrap();
    s.send("r");
    s.wait_for("two unread of three", |screen| {
        source_row(&screen.contents(), "Solo").is_some_and(|r| r == "2  Solo  3")
    });
    s.send("q");
    assert_eq!(s.wait_exit(), 0);
}
