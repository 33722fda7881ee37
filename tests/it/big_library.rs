//! Big libraries: bodies left on disk, big JSON Lines files scanned in
//! parallel blocks, scans cached. Whatever way a library is loaded, the user
//! must see the same articles, bodies, positions and problems.

use crate::common::{self, with_bodies};

use std::io::Write;
use std::path::Path;

use kanbao_core::Library;

/// One JSON line of a plausible article, `i`-th of the file.
fn line(i: usize) -> String {
    let body: Vec<String> = (0..8)
        .map(|p| {
            format!(
                "第{i}篇第{p}段：嘉兴制造业向高质量迈进，“最后一公里”——打通。{}",
                "数字经济".repeat(20)
            )
        })
        .collect();
    serde_json::json!({
        "id": format!("a{i}"),
        "title": format!("标题{i} 嘉兴"),
        "published": format!("2024-{:02}-{:02}T08:00:00+08:00", i % 12 + 1, i % 28 + 1),
        "source": "嘉兴日报",
        "authors": ["沈哲韬"],
        "body": body,
    })
    .to_string()
}

/// A JSON Lines file of more than one read block (4 MiB) with every kind of
/// trouble a line can have, spread over the blocks.
fn big_jsonl(path: &Path, n: usize) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    out.write_all(b"\xef\xbb\xbf").unwrap();
    for i in 0..n {
        match i % 997 {
            13 => writeln!(out, "{{\"title\": 5, \"body\": \"x\"}}").unwrap(),
            14 => writeln!(out, "{{\"title\": \"broken\"").unwrap(),
            15 => out.write_all(b"{\"title\": \"bad \xff utf8\"}\n").unwrap(),
            16 => writeln!(out).unwrap(),
            17 => writeln!(out, "{}\r", line(i)).unwrap(),
            18 => writeln!(
                out,
                "{{\"title\": \"no id, url or date\", \"body\": [\"正文 {i}\"]}}"
            )
            .unwrap(),
            19 => writeln!(out, "{{\"title\": \"wrong body\", \"body\": [1, 2]}}").unwrap(),
            20 => writeln!(
                out,
                "{{\"title\": \"escaped\", \"body\": \"a\\u001b]0;x\\u0007b\\n\\nc\"}}"
            )
            .unwrap(),
            _ => writeln!(out, "{}", line(i)).unwrap(),
        }
    }
    out.write_all(line(n).as_bytes()).unwrap(); // no newline at the end
}

fn library_dir(dir: &Path) {
    big_jsonl(&dir.join("big.jsonl"), 3_000);
    let small: Vec<String> = (5000..5030).map(line).collect();
    std::fs::write(dir.join("small.jsonl"), small.join("\n")).unwrap();
    std::fs::write(
        dir.join("array.json"),
        format!("[{}, {{\"title\": 1}}, {}]", line(100), line(101)),
    )
    .unwrap();
    std::fs::write(dir.join("one.json"), format!("\u{feff}  {}", line(200))).unwrap();
    std::fs::write(
        dir.join("lines-named.json"),
        format!("{}\n{}\n", line(300), line(301)),
    )
    .unwrap();
    std::fs::copy(common::fixture("feeds/atom.xml"), dir.join("feed.atom")).ok();
}

#[test]
fn bodies_left_on_disk_read_back_exactly_as_loaded_whole() {
    let tmp = common::TempDir::new("big-library");
    library_dir(tmp.0.as_path());
    let eager = Library::load(&[tmp.0.as_path()]);
    let lazy = Library::load_lazy_cached_in(&[tmp.0.as_path()], None, None, None);
    assert!(eager.articles.len() > 2_900, "{}", eager.articles.len());
    // Bodies of JSON files are not in memory...
    let big = lazy
        .articles
        .iter()
        .filter(|a| a.origin.path.ends_with("big.jsonl"));
    assert!(
        big.clone()
            .all(|a| a.body.is_empty() && a.body_at.is_some())
    );
    assert!(big.count() > 2_900);
    assert!(std::fs::metadata(tmp.0.join("big.jsonl")).unwrap().len() > 5 << 20);
    // ...and everything a user sees is the same.
    assert_eq!(with_bodies(&lazy), eager.articles);
    assert_eq!(lazy.problems, eager.problems);
    assert!(
        eager
            .problems
            .iter()
            .any(|p| p.path.ends_with("big.jsonl") && p.line > 2_000),
        "problems far into the file are found: {:?}",
        eager.problems.last()
    );
}

#[test]
fn a_second_start_reads_the_scan_from_the_cache_and_a_changed_file_is_scanned_again() {
    let tmp = common::TempDir::new("big-cache");
    let data = tmp.0.as_path().join("data");
    let cache = tmp.0.as_path().join("cache");
    std::fs::create_dir_all(&data).unwrap();
    library_dir(&data);
    let first = Library::load_lazy_cached_in(&[&data], None, None, Some(cache.clone()));
    let entries = std::fs::read_dir(&cache).unwrap().count();
    assert_eq!(entries, 1, "only the file over 1 MiB is cached");
    let second = Library::load_lazy_cached_in(&[&data], None, None, Some(cache.clone()));
    assert_eq!(second.articles, first.articles);
    assert_eq!(second.problems, first.problems);
    assert_eq!(with_bodies(&second), Library::load(&[&data]).articles);

    // Appending an article changes size and mtime: the cache is not used.
    let big = data.join("big.jsonl");
    let mut f = std::fs::OpenOptions::new().append(true).open(&big).unwrap();
    writeln!(f).unwrap();
    writeln!(f, "{}", line(99_999)).unwrap();
    drop(f);
    let third = Library::load_lazy_cached_in(&[&data], None, None, Some(cache.clone()));
    assert_eq!(third.articles.len(), first.articles.len() + 1);
    assert!(third.articles.iter().any(|a| a.id == "a99999"));

    // A damaged cache entry is ignored, not trusted.
    for entry in std::fs::read_dir(&cache).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    }
    let fourth = Library::load_lazy_cached_in(&[&data], None, None, Some(cache));
    assert_eq!(fourth.articles, third.articles);
}

#[test]
fn a_body_whose_file_changed_says_so_instead_of_showing_another_article() {
    let tmp = common::TempDir::new("big-changed");
    let path = tmp.0.as_path().join("a.jsonl");
    std::fs::write(&path, format!("{}\n{}\n", line(1), line(2))).unwrap();
    let lib = Library::load_lazy_cached_in(&[&path], None, None, None);
    assert_eq!(lib.articles[1].load_body().unwrap().len(), 8);
    std::fs::write(&path, format!("{}\n", line(3))).unwrap();
    let err = lib.articles[1].load_body().unwrap_err().to_string();
    assert!(err.contains("changed since kanbao loaded it"), "{err}");
    let shown = lib.articles[1].with_body();
    assert!(shown.body[0].contains("changed since"), "{:?}", shown.body);
}

#[test]
fn searching_bodies_on_disk_finds_what_a_search_in_memory_finds() {
    let tmp = common::TempDir::new("big-search");
    library_dir(tmp.0.as_path());
    let options = kanbao_core::TypesetOptions::default();
    let eager = Library::load(&[tmp.0.as_path()]);
    let lazy = Library::load_lazy_cached_in(&[tmp.0.as_path()], None, None, None);
    let mut memory = kanbao::app::App::new(eager, options, 120, 40);
    let mut disk = kanbao::app::App::new(lazy, options, 120, 40);
    for query in [
        "第1234篇",             // in one body only
        "标题12 嘉兴",          // title words: decided without reading bodies
        "嘉兴 第7段",           // one word in titles, one in bodies
        "数字经济 -第2000篇",   // a negated word must be looked for in bodies
        "正文",                 // articles without an id, url or date
        "source:嘉兴日报 第29", // a filter and a body word
        "ab",                   // escaped text, sanitized, still found
        "nothing-like-this",
    ] {
        common::same_search(&mut memory, &mut disk, query);
    }
    // Words the titles decide are listed at once, before any body is read.
    disk.set_filter("标题12 嘉兴".into());
    let at_once = disk.order().len();
    common::finish_search(&mut disk);
    assert!(at_once > 100 && at_once == disk.order().len(), "{at_once}");
}

#[test]
fn a_new_search_replaces_a_running_one() {
    let tmp = common::TempDir::new("big-search2");
    library_dir(tmp.0.as_path());
    let lazy = Library::load_lazy_cached_in(&[tmp.0.as_path()], None, None, None);
    let mut app = kanbao::app::App::new(lazy, Default::default(), 120, 40);
    app.set_filter("第2".into());
    app.set_filter("第29".into()); // typed on before the first finished
    common::finish_search(&mut app);
    let ids_now = common::ids(&app);
    assert!(!ids_now.is_empty());
    let eager = Library::load(&[tmp.0.as_path()]);
    let q = kanbao_core::Query::parse("第29").unwrap();
    let want = eager
        .articles
        .iter()
        .filter(|a| q.matches(a, &kanbao_core::NoMarks))
        .count();
    assert_eq!(ids_now.len(), want, "only the last search's results");
    assert!(
        app.notice().is_some_and(|n| n.contains("matches")),
        "{:?}",
        app.notice()
    );
}

#[test]
fn matches_arriving_above_keep_the_article_the_user_moved_to_selected() {
    let tmp = common::TempDir::new("big-search3");
    library_dir(tmp.0.as_path());
    let lazy = Library::load_lazy_cached_in(&[tmp.0.as_path()], None, None, None);
    let mut app = kanbao::app::App::new(lazy, Default::default(), 120, 40);
    // "1" is in some titles (listed at once) and in every body (第1段).
    app.set_filter("1".into());
    assert!(app.searching());
    let at_once = app.order().len();
    assert!(at_once > 3, "{at_once}");
    app.apply(kanbao::app::Action::Down);
    app.apply(kanbao::app::Action::Down);
    let chosen = app.library().articles[app.selected_article().unwrap()]
        .id
        .clone();
    common::finish_search(&mut app);
    assert!(app.order().len() >= at_once);
    let now = &app.library().articles[app.selected_article().unwrap()].id;
    assert_eq!(
        now, &chosen,
        "the selection followed the article, not the row"
    );
}

#[test]
fn loading_offers_a_first_screenful_and_counts_its_progress() {
    let tmp = common::TempDir::new("big-progress");
    library_dir(tmp.0.as_path());
    let progress = std::sync::Arc::new(kanbao_core::Progress::default());
    let lib = Library::load_lazy_cached_in(&[tmp.0.as_path()], None, Some(progress.clone()), None);
    let first = progress
        .take_first()
        .expect("a first screenful was offered");
    assert_eq!(first.len(), 200);
    assert_eq!(first[..], lib.articles[..200]);
    assert!(progress.take_first().is_none(), "offered once");
    use std::sync::atomic::Ordering::Relaxed;
    let (done, total) = (progress.done.load(Relaxed), progress.total.load(Relaxed));
    assert!(total > 5 << 20 && done == total, "{done} of {total} bytes");
    assert_eq!(progress.articles.load(Relaxed), lib.articles.len());
}

#[test]
fn a_big_feed_is_cached_with_its_bodies() {
    // A feed's bodies are in memory, not at offsets of a JSON file: its
    // cache entry comes with a bodies file (see tests/it/feed_cache.rs), or a
    // cached scan of its metadata would lose them on the next start.
    let tmp = common::TempDir::new("big-feed");
    let (data, cache) = (tmp.0.join("data"), tmp.0.join("cache"));
    std::fs::create_dir_all(&data).unwrap();
    let entries: String = (0..600)
        .map(|i| {
            format!(
                "<entry><title>标题{i}</title><id>urn:x:{i}</id><updated>2024-06-30T08:00:00+08:00</updated>\
                 <content type=\"html\">&lt;p&gt;{}&lt;/p&gt;</content></entry>",
                "嘉兴制造业向高质量迈进。".repeat(60)
            )
        })
        .collect();
    let feed = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\">\
         <title>t</title><id>urn:x</id><updated>2024-06-30T08:00:00+08:00</updated>{entries}</feed>"
    );
    assert!(feed.len() > 1 << 20, "over the size that is cached");
    std::fs::write(data.join("big.atom"), feed).unwrap();
    let eager = Library::load(&[&data]);
    assert_eq!(eager.articles.len(), 600, "{:?}", eager.problems.first());
    for run in 0..2 {
        let lazy = Library::load_lazy_cached_in(&[&data], None, None, Some(cache.clone()));
        assert_eq!(with_bodies(&lazy), eager.articles);
        let from_cache = lazy.articles.iter().all(|a| {
            a.body_at
                .as_ref()
                .is_some_and(|at| Path::new(at.path()).starts_with(&cache))
        });
        assert_eq!(from_cache, run == 1, "run {run}");
    }
}
