use super::*;

use crate::query::NoMarks;
use std::collections::HashMap;

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("kanbao-db-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Marks in a set, for `is:` and the counts.
#[derive(Default)]
struct Set {
    read: Vec<String>,
    starred: Vec<String>,
}

impl Marks for Set {
    fn is_read(&self, id: &str) -> bool {
        self.read.iter().any(|r| r == id)
    }
    fn is_starred(&self, id: &str) -> bool {
        self.starred.iter().any(|s| s == id)
    }
}

fn article(json: serde_json::Value) -> Article {
    Article::from_json(&json.to_string()).unwrap()
}

/// Articles of two feeds and of none, sharing a guid across feeds, with
/// unknown fields, authors, a section and links kept only in `doc`.
fn some_articles() -> Vec<Article> {
    vec![
        article(serde_json::json!({
            "id": "g1", "title": "光伏产业再创新高", "feed": "https://a.example/feed",
            "published": "2024-01-05T09:18:00+08:00", "source": "示例日报", "lang": "zh-CN",
            "authors": ["王小明", "李华"], "section": ["浙江", "要闻"],
            "links": ["https://a.example/1"], "url": "https://a.example/1",
            "credits": [{"role": "记者", "name": "王小明"}],
            "body": ["第一段：光伏。", "第二段：风电。"],
        })),
        article(serde_json::json!({
            "id": "g1", "title": "Same guid, other feed", "feed": "https://b.example/feed",
            "published": "2024-01-06T00:00:00Z", "source": "B Times", "lang": "en",
            "body": "Wind power in the north.",
        })),
        article(serde_json::json!({
            "id": "plain", "title": "An article of no feed",
            "body": ["Undated, no source."],
        })),
    ]
}

fn open(dir: &TempDir) -> LibraryDb {
    let db = LibraryDb::open(&dir.join("data/kanbao/library.sqlite3")).unwrap();
    assert_eq!(db.read_only(), None);
    db
}

fn doc_of(db: &LibraryDb, key: &str) -> (i64, String) {
    db.conn
        .query_row(
            "SELECT rowid, doc FROM articles WHERE key = ?1",
            [key],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
}

#[test]
fn the_durability_settings_and_the_schema_version() {
    let dir = TempDir::new("pragmas");
    let db = open(&dir);
    let get = |name: &str| -> String {
        db.conn
            .pragma_query_value(None, name, |r| r.get::<_, rusqlite::types::Value>(0))
            .map(|v| match v {
                rusqlite::types::Value::Integer(i) => i.to_string(),
                rusqlite::types::Value::Text(t) => t,
                other => format!("{other:?}"),
            })
            .unwrap()
    };
    assert_eq!(get("journal_mode"), "wal");
    assert_eq!(get("synchronous"), "2"); // FULL
    assert_eq!(get("user_version"), SCHEMA_VERSION.to_string());
    assert!(get("busy_timeout").parse::<u64>().unwrap() >= 5_000);
    // The list's orders have their indexes.
    let indexes: Vec<String> = db
        .conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'articles'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for wanted in [
        "articles_by_date",
        "articles_by_source",
        "articles_by_title",
        "articles_by_feed",
    ] {
        assert!(indexes.iter().any(|i| i == wanted), "{indexes:?}");
    }
    drop(db);
    // Reopening an up-to-date database changes nothing.
    let db = open(&dir);
    assert_eq!(db.count().unwrap(), 0);
}

#[test]
fn storing_adds_then_leaves_alone_then_replaces_in_place() {
    let dir = TempDir::new("store");
    let mut db = open(&dir);
    let articles = some_articles();
    let first = db.store(&articles).unwrap();
    assert_eq!((first.new, first.updated, first.unchanged), (3, 0, 0));
    assert_eq!(db.count().unwrap(), 3, "the same guid in two feeds is two");
    let again = db.store(&articles).unwrap();
    assert_eq!((again.new, again.updated, again.unchanged), (0, 0, 3));

    let key = articles[0].key().into_owned();
    let (rowid, doc) = doc_of(&db, &key);
    assert_eq!(doc, articles[0].to_json().to_string(), "doc is to_json()");
    let mut changed = articles[0].clone();
    changed.body.push("更正：第三段。".into());
    let third = db.store(&[changed.clone()]).unwrap();
    assert_eq!((third.new, third.updated, third.unchanged), (0, 1, 0));
    let (same_row, doc) = doc_of(&db, &key);
    assert_eq!(same_row, rowid, "replaced in place");
    assert_eq!(doc, changed.to_json().to_string());
    assert_eq!(db.count().unwrap(), 3);
    // The other feed's article with the same guid was not touched.
    let (_, other) = doc_of(&db, &articles[1].key());
    assert_eq!(other, articles[1].to_json().to_string());
    // `meta` is `doc` without the body.
    let meta: String = db
        .conn
        .query_row("SELECT meta FROM articles WHERE key = ?1", [&key], |r| {
            r.get(0)
        })
        .unwrap();
    let mut want = changed.to_json();
    want.as_object_mut().unwrap().remove("body");
    assert_eq!(meta, want.to_string());
    // The columns copy what the indexes need.
    let (published_at, published, source): (Option<i64>, Option<String>, Option<String>) = db
        .conn
        .query_row(
            "SELECT published_at, published, source FROM articles WHERE key = ?1",
            [&key],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(published_at, Some(1_704_417_480));
    assert_eq!(published.as_deref(), Some("2024-01-05T09:18:00+08:00"));
    assert_eq!(source.as_deref(), Some("示例日报"));
    let undated: Option<i64> = db
        .conn
        .query_row(
            "SELECT published_at FROM articles WHERE key = 'plain'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(undated, None);
}

#[test]
fn a_store_is_one_transaction_all_or_nothing() {
    let dir = TempDir::new("atomic");
    let mut db = open(&dir);
    db.conn
        .execute_batch(
            "CREATE TRIGGER boom BEFORE INSERT ON articles WHEN NEW.key = 'plain'
             BEGIN SELECT RAISE(ABORT, 'boom'); END;",
        )
        .unwrap();
    let err = db.store(&some_articles()).unwrap_err().to_string();
    assert!(
        err.contains("library.sqlite3") && err.contains("cannot store articles"),
        "{err}"
    );
    assert!(err.contains("boom"), "{err}");
    assert_eq!(db.count().unwrap(), 0, "nothing of the batch was written");
}

/// The count kept by the triggers, and the rows counted.
fn counts(db: &LibraryDb) -> (usize, i64) {
    let counted = db
        .conn
        .query_row("SELECT count(*) FROM articles", [], |r| r.get(0))
        .unwrap();
    (db.count().unwrap(), counted)
}

#[test]
fn the_kept_count_follows_every_insert_replace_remove_and_rollback_and_is_made_by_the_migration() {
    let dir = TempDir::new("count");
    let mut db = open(&dir);
    assert_eq!(counts(&db), (0, 0));
    let articles = some_articles();
    db.store(&articles).unwrap();
    assert_eq!(counts(&db), (3, 3));
    // Replaced in place (the upsert's update): still three.
    let mut changed = articles.clone();
    changed[0].title = "改过的标题".into();
    db.store(&changed).unwrap();
    assert_eq!(counts(&db), (3, 3));
    let key = articles[1].key().into_owned();
    db.remove(&[&key]).unwrap();
    assert_eq!(counts(&db), (2, 2));
    // A batch that fails half-way leaves the count as the rows are.
    db.conn
        .execute_batch(
            "CREATE TRIGGER boom BEFORE INSERT ON articles WHEN NEW.title = 'boom'
             BEGIN SELECT RAISE(ABORT, 'boom'); END;",
        )
        .unwrap();
    let batch = [
        article(serde_json::json!({"id": "n1", "title": "新一", "body": ["x"]})),
        article(serde_json::json!({"id": "n2", "title": "boom", "body": ["x"]})),
    ];
    assert!(db.store(&batch).is_err());
    assert_eq!(counts(&db), (2, 2));
    // A database of schema 3 (no kept count) gets it from its rows.
    db.conn
        .execute_batch(
            "DROP TRIGGER articles_counted_in; DROP TRIGGER articles_counted_out;
             DELETE FROM meta WHERE name = 'count'; PRAGMA user_version = 3;",
        )
        .unwrap();
    drop(db);
    let db = open(&dir);
    assert_eq!(counts(&db), (2, 2));
}

#[test]
fn articles_are_metadata_with_the_body_left_in_the_database() {
    let dir = TempDir::new("articles");
    let mut db = open(&dir);
    let stored = some_articles();
    db.store(&stored).unwrap();
    let (articles, problems) = db.articles().unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(articles.len(), 3);
    for (a, want) in articles.iter().zip(&stored) {
        assert!(a.body.is_empty());
        assert!(matches!(a.body_at, Some(BodyAt::Row { .. })));
        assert_eq!(
            a.body_at.as_ref().unwrap().path(),
            db.path().display().to_string()
        );
        assert_eq!(a.load_body().unwrap(), want.body);
        let full = a.with_body().into_owned();
        assert_eq!(
            Article {
                origin: Origin::default(),
                ..full
            },
            *want
        );
    }
    // A library for the browser: one file, bodies in the database, indexed.
    let lib = db.library().unwrap();
    assert_eq!((lib.files, lib.articles.len()), (1, 3));
    assert!(lib.search_index.is_some());
    assert_eq!(
        &*lib.articles[0].origin.path,
        db.path().display().to_string()
    );
}

#[test]
fn a_row_that_changed_since_loading_says_so() {
    let dir = TempDir::new("changed");
    let mut db = open(&dir);
    db.store(&some_articles()).unwrap();
    let (articles, _) = db.articles().unwrap();
    db.conn
        .execute(
            "UPDATE articles SET doc = json_set(doc, '$.title', 'Other') WHERE key = 'plain'",
            [],
        )
        .unwrap();
    let plain = articles.iter().find(|a| a.id == "plain").unwrap();
    let err = plain.load_body().unwrap_err();
    assert!(matches!(err, BodyError::Changed { .. }), "{err}");
    assert!(err.to_string().contains("library.sqlite3"), "{err}");
    db.remove(&["plain"]).unwrap();
    assert!(matches!(
        plain.load_body().unwrap_err(),
        BodyError::Changed { .. }
    ));
    // The others still read.
    assert!(
        articles
            .iter()
            .filter(|a| a.id != "plain")
            .all(|a| a.load_body().is_ok())
    );
}

#[test]
fn a_row_that_does_not_read_as_an_article_is_a_problem_naming_it() {
    let dir = TempDir::new("bad-row");
    let mut db = open(&dir);
    db.store(&some_articles()).unwrap();
    db.conn
        .execute(
            "UPDATE articles SET meta = '{\"title\": 5}', doc = meta WHERE key = 'plain'",
            [],
        )
        .unwrap();
    let (articles, problems) = db.articles().unwrap();
    assert_eq!(articles.len(), 2);
    assert_eq!(problems.len(), 1);
    let shown = problems[0].to_string();
    assert!(
        shown.contains("library.sqlite3") && shown.contains("row 3"),
        "{shown}"
    );
}

#[test]
fn removing_takes_the_row_and_its_index_entries() {
    let dir = TempDir::new("remove");
    let mut db = open(&dir);
    let articles = some_articles();
    db.store(&articles).unwrap();
    let key = articles[1].key().into_owned();
    assert_eq!(db.remove(&[&key, "missing"]).unwrap(), 1);
    assert_eq!(db.count().unwrap(), 2);
    let stored = db.store(&articles).unwrap();
    assert_eq!((stored.new, stored.unchanged), (1, 2));
}

#[test]
fn an_article_of_an_older_kanbao_is_taken_over_once_by_its_feed() {
    let dir = TempDir::new("take-over");
    let mut db = open(&dir);
    let mut scoped = some_articles().remove(0);
    let unscoped = Article {
        feed: None,
        ..scoped.clone()
    };
    db.store(&[unscoped]).unwrap();
    let (rowid, _) = doc_of(&db, "g1");
    let stored = db.store(&[scoped.clone()]).unwrap();
    assert_eq!((stored.new, stored.updated, stored.unchanged), (0, 0, 1));
    assert_eq!(
        stored.rescoped,
        [Rescoped {
            id: "g1".into(),
            key: scoped.key().into_owned()
        }]
    );
    assert_eq!(doc_of(&db, &scoped.key()).0, rowid, "the same row");
    assert_eq!(db.count().unwrap(), 1);
    // Taken once: another feed's article with that guid and URL is its own.
    scoped.feed = Some("https://evil.example/feed".into());
    let stored = db.store(&[scoped]).unwrap();
    assert_eq!((stored.new, stored.rescoped.len()), (1, 0));
}

#[test]
fn a_newer_schema_is_read_but_never_written() {
    let dir = TempDir::new("newer");
    let path = dir.join("library.sqlite3");
    {
        let mut db = LibraryDb::open(&path).unwrap();
        db.store(&some_articles()).unwrap();
        db.conn
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
    }
    let mut db = LibraryDb::open(&path).unwrap();
    let why = db.read_only().expect("read-only").to_string();
    assert!(
        why.contains("newer kanbao") && why.contains("read-only"),
        "{why}"
    );
    assert_eq!(db.articles().unwrap().0.len(), 3);
    let err = db.store(&some_articles()[..1]).unwrap_err().to_string();
    assert!(
        err.contains("library.sqlite3") && err.contains("newer kanbao"),
        "{err}"
    );
    assert!(matches!(
        db.import_directory_once(&dir.join("library")),
        Ok(None)
    ));
}

#[test]
fn a_file_that_is_not_a_database_fails_naming_it_and_is_left_alone() {
    let dir = TempDir::new("garbage");
    let path = dir.join("library.sqlite3");
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 7 + 13) as u8).collect();
    std::fs::write(&path, &garbage).unwrap();
    let err = LibraryDb::open(&path).unwrap_err().to_string();
    assert!(
        err.contains(&path.display().to_string()) && err.contains("not a database"),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), garbage);
}

/// A kanbao 0.1 library: one pretty JSON file per article, as it wrote them.
fn directory_library(dir: &Path, articles: &[Article]) {
    std::fs::create_dir_all(dir).unwrap();
    for a in articles {
        let name = format!(
            "{:016x}.json",
            crate::model::article::Fnv::hash(a.key().as_bytes())
        );
        std::fs::write(dir.join(name), format!("{:#}\n", a.to_json())).unwrap();
    }
}

#[test]
fn the_old_directory_is_imported_once_in_one_transaction_and_left_in_place() {
    let dir = TempDir::new("migrate");
    let old = dir.join("library");
    let articles = some_articles();
    directory_library(&old, &articles);
    std::fs::write(old.join("broken.json"), "{\"title\": 5}").unwrap();
    let files = || std::fs::read_dir(&old).unwrap().count();
    let mut db = open(&dir);
    let migrated = db.import_directory_once(&old).unwrap().expect("imported");
    assert_eq!(migrated.stored.new, 3);
    assert_eq!(migrated.problems.len(), 1, "{:?}", migrated.problems);
    assert!(migrated.problems[0].to_string().contains("broken.json"));
    assert!(migrated.note(db.path()).contains("3 articles"));
    assert_eq!(files(), 4, "the files stay");
    let mut found: Vec<String> = db
        .articles()
        .unwrap()
        .0
        .iter()
        .map(|a| a.with_body().to_json().to_string())
        .collect();
    let mut want: Vec<String> = articles.iter().map(|a| a.to_json().to_string()).collect();
    found.sort();
    want.sort();
    assert_eq!(found, want, "nothing lost");
    // Never twice, even when the directory changes.
    std::fs::remove_file(old.join("broken.json")).unwrap();
    directory_library(
        &old,
        &[article(
            serde_json::json!({"id": "later", "title": "Later"}),
        )],
    );
    assert!(db.import_directory_once(&old).unwrap().is_none());
    drop(db);
    let mut db = open(&dir);
    assert!(db.import_directory_once(&old).unwrap().is_none());
    assert_eq!(db.count().unwrap(), 3);
}

#[test]
fn without_an_old_directory_nothing_is_imported_later_either() {
    let dir = TempDir::new("no-directory");
    let old = dir.join("library");
    let mut db = open(&dir);
    assert!(db.import_directory_once(&old).unwrap().is_none());
    directory_library(&old, &some_articles());
    assert!(db.import_directory_once(&old).unwrap().is_none());
    assert_eq!(db.count().unwrap(), 0);
}

#[test]
fn counts_per_feed_and_unread_from_the_keys() {
    let dir = TempDir::new("counts");
    let mut db = open(&dir);
    let articles = some_articles();
    db.store(&articles).unwrap();
    let marks = Set {
        read: vec![articles[0].key().into_owned(), "elsewhere".into()],
        starred: Vec::new(),
    };
    assert_eq!(db.unread_count(&NoMarks).unwrap(), 3);
    assert_eq!(db.unread_count(&marks).unwrap(), 2);
    assert_eq!(
        db.counts_by_feed().unwrap(),
        [
            (None, 1),
            (Some("https://a.example/feed".to_string()), 1),
            (Some("https://b.example/feed".to_string()), 1),
        ]
    );
    let by_feed = db.unread_by_feed(&marks).unwrap();
    let unread: Vec<(Option<&str>, usize, usize)> = by_feed
        .iter()
        .map(|c| (c.feed.as_deref(), c.total, c.unread))
        .collect();
    assert_eq!(
        unread,
        [
            (None, 1, 1),
            (Some("https://a.example/feed"), 1, 0),
            (Some("https://b.example/feed"), 1, 1),
        ]
    );
}

#[test]
fn search_gives_exactly_what_scanning_gives() {
    let dir = TempDir::new("search");
    let mut db = open(&dir);
    let articles = some_articles();
    db.store(&articles).unwrap();
    let marks = Arc::new(Set {
        read: vec![articles[1].key().into_owned()],
        starred: vec!["plain".into()],
    });
    let (loaded, _) = db.articles().unwrap();
    for q in [
        "",
        "光伏",
        "风电",
        "wind",
        "WIND -north",
        "\"no source\"",
        "source:示例",
        "lang:en",
        "after:2024-01-06",
        "before:2024-01-06 is:unread",
        "is:starred",
        "is:read wind",
        "nothing-matches-this",
    ] {
        let query = Query::parse(q).unwrap();
        let found = db.search(&query, marks.clone()).unwrap();
        let scanned: Vec<i64> = loaded
            .iter()
            .filter(|a| query.matches(&a.with_body(), &*marks))
            .map(|a| match a.body_at {
                Some(BodyAt::Row { rowid, .. }) => rowid,
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(found, scanned, "query {q:?}");
    }
}

#[test]
fn the_export_is_the_articles_with_their_marks_and_reads_back() {
    let dir = TempDir::new("export");
    let mut db = open(&dir);
    let articles = some_articles();
    db.store(&articles).unwrap();
    let marks = Arc::new(Set {
        read: vec![articles[0].key().into_owned()],
        starred: vec![articles[0].key().into_owned(), "plain".into()],
    });
    let mut out = Vec::new();
    assert_eq!(db.export_jsonl(None, marks.clone(), &mut out).unwrap(), 3);
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3);
    for (line, a) in lines.iter().zip(&articles) {
        let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
        let fields = v.as_object_mut().unwrap();
        let read = fields.remove(MARK_READ);
        let starred = fields.remove(MARK_STARRED);
        assert_eq!(read.is_some(), marks.is_read(&a.key()));
        assert_eq!(starred.is_some(), marks.is_starred(&a.key()));
        assert!(read.into_iter().chain(starred).all(|m| m == true));
        assert_eq!(v, a.to_json());
        // What from_json makes of the mark fields: unknown fields, harmless.
        let back = Article::from_json(line).unwrap();
        assert_eq!((back.key(), &back.body), (a.key(), &a.body));
    }
    let mut only = Vec::new();
    let query = Query::parse("is:starred").unwrap();
    assert_eq!(db.export_jsonl(Some(&query), marks, &mut only).unwrap(), 2);
}

#[test]
fn a_reader_in_a_read_transaction_never_stops_a_writer() {
    let dir = TempDir::new("reader");
    let mut db = open(&dir);
    db.store(&some_articles()).unwrap();
    let reader = LibraryDb::open(db.path()).unwrap();
    let mut stmt = reader
        .conn
        .prepare("SELECT rowid, doc FROM articles ORDER BY rowid")
        .unwrap();
    let mut rows = stmt.query([]).unwrap();
    assert!(rows.next().unwrap().is_some(), "a read in progress");
    let more: Vec<Article> = (0..50)
        .map(|i| article(serde_json::json!({"id": format!("n{i}"), "title": format!("New {i}")})))
        .collect();
    assert_eq!(db.store(&more).unwrap().new, 50);
    // The reader's snapshot is the one it started with.
    let mut seen = 1;
    while rows.next().unwrap().is_some() {
        seen += 1;
    }
    assert_eq!(seen, 3);
    drop(rows);
    drop(stmt);
    assert_eq!(reader.count().unwrap(), 53);
}

/// Candidates given by the test, as a full-text index would.
#[derive(Debug)]
struct Given(Option<Vec<i64>>);

impl crate::library::search::Narrow for Given {
    fn candidates(&self, _query: &Query) -> Option<Vec<i64>> {
        self.0.clone()
    }
}

/// What the browser's search of `lib` (bodies in their rows) finds.
fn browser_search(lib: &Library, index: crate::library::search::Index, q: &str) -> Vec<usize> {
    let query = Query::parse(q).unwrap();
    crate::library::search::all_matches(&lib.articles, Arc::new(index), &query, &NoMarks)
}

#[test]
fn the_browsers_search_reads_rows_and_only_the_candidates_of_the_index() {
    let dir = TempDir::new("narrow");
    let mut db = open(&dir);
    db.store(&some_articles()).unwrap();
    let lib = db.library().unwrap();
    let index = || crate::library::search::Index::build(&lib.articles);
    // Bodies are read from the rows: "风电" is only in a body.
    assert_eq!(browser_search(&lib, index(), "风电"), [0]);
    assert_eq!(browser_search(&lib, index(), "north -光伏"), [1]);
    let docs = match &lib.articles[0].body_at {
        Some(BodyAt::Row { docs, .. }) => docs.clone(),
        _ => unreachable!(),
    };
    // A superset of the matches gives the same result...
    let superset = Arc::new(Given(Some(vec![1, 2])));
    let narrowed = index().narrowed_by(&docs, superset);
    assert_eq!(browser_search(&lib, narrowed, "风电"), [0]);
    // ...and rows left out are never read (the index is trusted).
    let none = Arc::new(Given(Some(Vec::new())));
    assert!(browser_search(&lib, index().narrowed_by(&docs, none), "风电").is_empty());
    // `None`: the index cannot narrow; every row is read.
    let cannot = Arc::new(Given(None));
    assert_eq!(
        browser_search(&lib, index().narrowed_by(&docs, cannot), "风电"),
        [0]
    );
}

#[test]
fn the_metadata_are_read_from_their_covering_index_alone() {
    let dir = TempDir::new("plan");
    let db = open(&dir);
    let plan: Vec<String> = db
        .conn
        .prepare(&format!("EXPLAIN QUERY PLAN {METADATA}"))
        .unwrap()
        .query_map([], |r| r.get(3))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(plan, ["SCAN articles USING COVERING INDEX articles_meta"]);
}

#[test]
fn rows_waiting_for_the_index_are_found_before_and_after_it_catches_up() {
    let dir = TempDir::new("pending");
    let mut db = open(&dir);
    let articles = some_articles();
    db.store(&articles).unwrap();
    // A store leaves its rows to the index's catching up.
    assert_eq!(db.unindexed().unwrap(), articles.len());
    let (loaded, _) = db.articles().unwrap();
    let scan = |q: &str, db: &LibraryDb| -> (Vec<i64>, Vec<i64>) {
        let query = Query::parse(q).unwrap();
        let (loaded, _) = db.articles().unwrap();
        let scanned = loaded
            .iter()
            .filter(|a| query.matches(&a.with_body(), &NoMarks))
            .map(|a| match a.body_at {
                Some(BodyAt::Row { rowid, .. }) => rowid,
                _ => unreachable!(),
            })
            .collect();
        (db.search(&query, Arc::new(NoMarks)).unwrap(), scanned)
    };
    let queries = [
        "光伏",
        "风电",
        "wind",
        "WIND -north",
        "nothing-matches-this",
    ];
    for q in queries {
        let (found, scanned) = scan(q, &db);
        assert_eq!(found, scanned, "before catching up: {q:?}");
    }
    // The candidates of a word no article holds are the waiting rows alone.
    let none = Query::parse("nothing-matches-this").unwrap();
    assert_eq!(
        fts::candidates(&db.conn, &none).unwrap().map(|c| c.len()),
        Some(loaded.len())
    );
    // Caught up a batch at a time, told after each batch.
    let mut batches = 0;
    let indexed = db
        .catch_up_index(1, |_| {
            batches += 1;
            true
        })
        .unwrap();
    assert_eq!((indexed, batches), (articles.len(), articles.len()));
    assert_eq!(db.unindexed().unwrap(), 0);
    assert_eq!(fts::candidates(&db.conn, &none).unwrap(), Some(Vec::new()));
    for q in queries {
        let (found, scanned) = scan(q, &db);
        assert_eq!(found, scanned, "after catching up: {q:?}");
    }
    // An article replaced in place waits again, and its old words are gone
    // from the index at once.
    let mut changed = articles[0].clone();
    changed.body = vec!["潮汐能".into()];
    db.store(&[changed]).unwrap();
    assert_eq!(db.unindexed().unwrap(), 1);
    for q in ["风电", "潮汐能", "光伏"] {
        let (found, scanned) = scan(q, &db);
        assert_eq!(found, scanned, "after a change: {q:?}");
    }
    db.catch_up_index(INDEX_BATCH, |_| true).unwrap();
    let (found, _) = scan("潮汐能", &db);
    assert_eq!(found.len(), 1);
    assert_eq!(
        fts::candidates(&db.conn, &Query::parse("潮汐能").unwrap()).unwrap(),
        Some(found)
    );
}

#[test]
fn keys_of_few_rows_and_of_many_are_the_same_keys() {
    let dir = TempDir::new("keys-of");
    let mut db = open(&dir);
    let articles: Vec<Article> = (0..2_500)
        .map(|i| {
            article(serde_json::json!({
                "id": format!("k{i}"),
                "feed": format!("https://f{}.example/", i % 4),
                "title": format!("第{i}篇"),
                "body": ["x"],
            }))
        })
        .collect();
    db.store(&articles).unwrap();
    let all = db.ordered(super::Order::Date, None).unwrap();
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let mut want: Vec<String> = articles.iter().map(|a| a.key().into_owned()).collect();
    want.sort();
    // Many rows: from the key index.
    assert_eq!(sorted(db.keys_of(&all).unwrap()), want);
    // Few: row by row; and a subset of many, from the index, only those.
    let few: Vec<u32> = all.iter().copied().step_by(500).collect();
    let many: Vec<u32> = all.iter().copied().filter(|r| r % 7 != 0).collect();
    assert!(few.len() < super::window::MANY_ROWS && many.len() > super::window::MANY_ROWS);
    for rows in [few, many] {
        let by_row: Vec<String> = sorted(
            rows.chunks(1_000)
                .flat_map(|c| db.keys_of(c).unwrap())
                .collect(),
        );
        assert_eq!(sorted(db.keys_of(&rows).unwrap()), by_row);
        assert_eq!(by_row.len(), rows.len());
    }
}

/// Every order as a browser reads it in the background.
fn prepared_orders(db: &LibraryDb) -> HashMap<Order, Vec<u32>> {
    let prepared = db.prepare_in_background();
    let mut orders = HashMap::new();
    while let Some(ready) = prepared.wait() {
        if let Ready::Order(order, rows) = ready.unwrap() {
            orders.insert(order, rows);
        }
    }
    orders
}

/// The orders saved, and at which generation.
fn saved_orders(db: &LibraryDb) -> Vec<(String, i64)> {
    let mut stmt = db
        .conn
        .prepare("SELECT name, generation FROM orders ORDER BY name")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn generation_now(db: &LibraryDb) -> i64 {
    super::window::generation_of(&db.conn).unwrap().unwrap()
}

#[test]
fn saved_orders_are_listed_at_once_until_the_articles_change() {
    let dir = TempDir::new("saved-orders");
    let mut db = open(&dir);
    let articles = some_articles();
    db.store(&articles).unwrap();
    let from_indexes: HashMap<Order, Vec<u32>> = Order::ALL
        .iter()
        .map(|&o| (o, db.ordered(o, None).unwrap()))
        .collect();
    // A browser reads them from the indexes, then saves them.
    assert_eq!(prepared_orders(&db), from_indexes);
    let now = generation_now(&db);
    let all_saved = |db: &LibraryDb, at: i64| {
        saved_orders(db)
            == [
                ("date".into(), at),
                ("source".into(), at),
                ("title".into(), at),
            ]
    };
    let waited = std::time::Instant::now();
    while !all_saved(&db, now) {
        assert!(
            waited.elapsed() < Duration::from_secs(10),
            "{:?}",
            saved_orders(&db)
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // The next browser lists what was saved (made different here, to tell).
    let reversed: Vec<u8> = from_indexes[&Order::Date]
        .iter()
        .rev()
        .flat_map(|r| r.to_le_bytes())
        .collect();
    db.conn
        .execute(
            "UPDATE orders SET rows = ?1 WHERE name = 'date'",
            [&reversed],
        )
        .unwrap();
    let mut backwards = from_indexes[&Order::Date].clone();
    backwards.reverse();
    assert_eq!(prepared_orders(&db)[&Order::Date], backwards);
    // Every change to what the orders sort by moves the generation on, and
    // saved orders of an older one are read again from the indexes.
    let mut changed = articles.clone();
    changed[2].title = "ZZZ 改过的标题".into();
    db.store(&changed[2..]).unwrap();
    assert!(generation_now(&db) > now);
    let title = db.ordered(Order::Title, None).unwrap();
    assert_ne!(title, from_indexes[&Order::Title]);
    let read = prepared_orders(&db);
    assert_eq!(read[&Order::Date], from_indexes[&Order::Date]);
    assert_eq!(read[&Order::Title], title);
    // An import or update saves them itself; a store of nothing new leaves
    // them current.
    db.save_orders().unwrap();
    let now = generation_now(&db);
    assert!(all_saved(&db, now));
    db.store(&changed).unwrap();
    assert_eq!(generation_now(&db), now);
    let key = articles[0].key().into_owned();
    db.remove(&[&key]).unwrap();
    assert!(generation_now(&db) > now);
    let read = prepared_orders(&db);
    for order in Order::ALL {
        assert_eq!(read[&order], db.ordered(order, None).unwrap(), "{order:?}");
        assert_eq!(read[&order].len(), 2);
    }
}
