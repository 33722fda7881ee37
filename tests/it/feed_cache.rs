//! Feeds, pages and text dumps in the metadata cache: the first lazy load
//! parses the file and writes its articles' bodies to a bodies file in the
//! cache; the next start reads metadata from the cache and bodies from the
//! bodies file, parsing nothing. Whatever way a file is loaded, the user
//! must see the same articles, bodies, positions, problems and search
//! results; a changed file, or a damaged or missing bodies file, is parsed
//! again with nothing lost.

use crate::common::{self, with_bodies};

use std::path::{Path, PathBuf};

use kanbao_core::Library;

/// `bytes`, followed by enough blank lines to be over the size whose scan
/// is cached (blank space after a feed's or page's last element, or at the
/// end of a text dump, changes nothing it holds).
fn padded(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    while out.len() < kanbao_core::cache::MIN_FILE_SIZE as usize + 4096 {
        out.extend_from_slice(&[b' '; 1023]);
        out.push(b'\n');
    }
    out
}

/// An Atom feed of `n` entries over the cached size, with what can go wrong
/// in one: relative links (against `xml:base`), entities, CJK, links in the
/// text, HTML in titles, fractional seconds, entries without a date.
fn generated_atom(n: usize, variant: &str) -> String {
    let entries: String = (0..n)
        .map(|i| {
            let date = match i % 5 {
                0 => String::new(),
                1 => format!("<updated>2024-06-{:02}T08:00:00.5+08:00</updated>", i % 28 + 1),
                _ => format!("<updated>2024-{:02}-{:02}T08:{:02}:00Z</updated>", i % 12 + 1, i % 28 + 1, i % 60),
            };
            let paragraph = format!(
                "&lt;p&gt;第{i}篇：嘉兴制造业向高质量迈进，“最后一公里”——打通 &amp;amp; AT&amp;amp;T {variant}。\
                 见&lt;a href=\"../related/{i}.html\"&gt;相关报道&lt;/a&gt;与\
                 &lt;a href=\"https://example.org/abs/{i}\"&gt;原文&lt;/a&gt;。&amp;#x4E2D;&amp;lt;tag&amp;gt;&lt;/p&gt;"
            );
            format!(
                "<entry><title type=\"html\">标题{i} &lt;b&gt;嘉兴&lt;/b&gt; &amp;amp; {variant}</title>\
                 <id>urn:kanbao:test:{i}</id>{date}\
                 <link rel=\"alternate\" href=\"news/{i}.html\"/>\
                 <author><name>记者{}</name></author>\
                 <content type=\"html\">{}{}</content></entry>\n",
                i % 7,
                paragraph.repeat(14),
                "&lt;p&gt;数字经济&lt;/p&gt;".repeat(i % 9),
            )
        })
        .collect();
    let feed = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"zh-CN\" xml:base=\"https://example.org/blog/\">\n\
         <title>嘉兴日报 &amp; 示例</title><id>urn:kanbao:test</id>\
         <updated>2024-06-30T08:00:00+08:00</updated>\n{entries}</feed>\n"
    );
    assert!(feed.len() as u64 > kanbao_core::cache::MIN_FILE_SIZE);
    feed
}

fn lazy(path: &Path, cache: &Path, tz: Option<&str>) -> Library {
    Library::load_lazy_cached_in(&[path], tz, None, Some(cache.to_owned()))
}

/// The bodies files in the cache directory.
fn bodies_files(cache: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(cache)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    found.retain(|p| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("bodies-") && n.ends_with(".jsonl"))
    });
    found
}

/// Whether every article of `lib` has its body in the cache's bodies file
/// (it was read from the cache), and names `path` as where it is from.
fn all_from_cache(lib: &Library, path: &Path, cache: &Path) -> bool {
    let shown = path.display().to_string();
    !lib.articles.is_empty()
        && lib.articles.iter().all(|a| {
            a.body.is_empty()
                && *a.origin.path == *shown
                && a.body_at
                    .as_ref()
                    .is_some_and(|at| Path::new(at.path()).starts_with(cache))
        })
}

/// Loads `path` eagerly, then lazily twice with an empty cache: the first
/// lazy load parses it (bodies in memory), the second reads the cache
/// (bodies in the bodies file). All three must show the same.
fn check_cached_like_eager(path: &Path, cache: &Path) -> Library {
    let eager = Library::load(&[path]);
    let first = lazy(path, cache, None);
    assert_eq!(first.articles, eager.articles, "{}", path.display());
    assert_eq!(first.problems, eager.problems, "{}", path.display());
    let second = lazy(path, cache, None);
    if !eager.articles.is_empty() {
        assert!(
            all_from_cache(&second, path, cache),
            "{}: the second load reads bodies from the cache",
            path.display()
        );
        assert_eq!(bodies_files(cache).len(), 1, "{}", path.display());
    }
    assert_eq!(with_bodies(&second), eager.articles, "{}", path.display());
    assert_eq!(second.problems, eager.problems, "{}", path.display());
    assert_eq!(second.files, eager.files);
    second
}

#[test]
fn a_feed_read_from_the_cache_is_what_parsing_it_gives() {
    let tmp = common::TempDir::new("feed-cache-same");
    let mut sources: Vec<(String, Vec<u8>)> = Vec::new();
    for dir in ["feeds", "pages"] {
        for entry in std::fs::read_dir(common::fixture(dir)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            sources.push((name, padded(&std::fs::read(&path).unwrap())));
        }
    }
    let seed = std::fs::read(common::fixture("textdump/seed.txt")).unwrap();
    sources.push(("seed.txt".into(), padded(&seed)));
    sources.push((
        "generated.atom".into(),
        generated_atom(300, "").into_bytes(),
    ));
    sources.sort();
    let mut cached = 0;
    for (i, (name, bytes)) in sources.iter().enumerate() {
        let path = tmp.0.join(name);
        std::fs::write(&path, bytes).unwrap();
        let lib = check_cached_like_eager(&path, &tmp.0.join(format!("cache{i}")));
        cached += usize::from(!lib.articles.is_empty());
    }
    assert!(
        cached >= 9,
        "feeds, pages and dumps with articles: {cached}"
    );
}

#[test]
fn a_generated_feed_keeps_every_link_date_and_paragraph() {
    let tmp = common::TempDir::new("feed-cache-gen");
    let path = tmp.0.join("news.atom");
    std::fs::write(&path, generated_atom(400, "甲")).unwrap();
    let cache = tmp.0.join("cache");
    let lib = check_cached_like_eager(&path, &cache);
    assert_eq!(lib.articles.len(), 400);
    let full = with_bodies(&lib);
    let a = &full[7];
    assert_eq!(
        a.url.as_deref(),
        Some("https://example.org/blog/news/7.html")
    );
    assert!(
        a.links
            .iter()
            .any(|l| l == "https://example.org/related/7.html"),
        "{:?}",
        a.links
    );
    assert!(a.body[0].contains("AT&T"), "{:?}", a.body[0]);
    assert!(a.body[0].contains("中<tag>"), "{:?}", a.body[0]);
    assert!(lib.articles[1].published.is_some() && lib.articles[0].published.is_none());
    // A kanbao that has the cached library open and loses the bodies file
    // says which article file to restart with, not the cache's file name.
    for file in bodies_files(&cache) {
        std::fs::remove_file(file).unwrap();
    }
    let err = lib.articles[3].load_body().unwrap_err().to_string();
    assert!(
        err.contains("news.atom") && !err.contains("bodies-"),
        "{err}"
    );
}

#[test]
fn a_changed_feed_is_parsed_again_and_its_old_bodies_removed() {
    let tmp = common::TempDir::new("feed-cache-changed");
    let (path, cache) = (tmp.0.join("news.atom"), tmp.0.join("cache"));
    std::fs::write(&path, generated_atom(300, "旧")).unwrap();
    let old = check_cached_like_eager(&path, &cache);
    let old_bodies = bodies_files(&cache);
    // Same size, another text, another modification time.
    std::fs::write(&path, generated_atom(300, "新")).unwrap();
    let file = std::fs::File::options().write(true).open(&path).unwrap();
    file.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(3600))
        .unwrap();
    drop(file);
    let eager = Library::load(&[&path]);
    let reparsed = lazy(&path, &cache, None);
    assert_eq!(reparsed.articles, eager.articles);
    assert!(reparsed.articles[0].title.contains('新'));
    let now = bodies_files(&cache);
    assert_eq!(now.len(), 1, "{now:?}");
    assert_ne!(now, old_bodies, "a new version, a new bodies file");
    let second = lazy(&path, &cache, None);
    assert!(all_from_cache(&second, &path, &cache));
    assert_eq!(with_bodies(&second), eager.articles);
    assert_ne!(with_bodies(&second), with_bodies(&old));
}

#[test]
fn a_missing_cut_or_replaced_bodies_file_is_not_trusted() {
    let tmp = common::TempDir::new("feed-cache-damaged");
    let (path, cache) = (tmp.0.join("news.atom"), tmp.0.join("cache"));
    std::fs::write(&path, generated_atom(300, "")).unwrap();
    let eager = check_cached_like_eager(&path, &cache);
    let eager = with_bodies(&eager);
    let bodies = || bodies_files(&cache).pop().expect("a bodies file");
    type Damage = fn(&Path);
    let damages: [(&str, Damage); 4] = [
        ("removed", |p| std::fs::remove_file(p).unwrap()),
        ("cut short", |p| {
            let bytes = std::fs::read(p).unwrap();
            std::fs::write(p, &bytes[..bytes.len() - 100]).unwrap();
        }),
        ("emptied", |p| std::fs::write(p, b"").unwrap()),
        ("replaced, same size", |p| {
            let len = std::fs::metadata(p).unwrap().len() as usize;
            std::fs::write(p, vec![b'\n'; len]).unwrap();
        }),
    ];
    for (what, damage) in damages {
        damage(&bodies());
        let fallback = lazy(&path, &cache, None);
        assert!(
            fallback.articles.iter().all(|a| a.body_at.is_none()),
            "{what}: the feed is parsed again"
        );
        assert_eq!(fallback.articles, eager, "{what}: nothing lost");
        // ...and cached again.
        let again = lazy(&path, &cache, None);
        assert!(all_from_cache(&again, &path, &cache), "{what}");
        assert_eq!(with_bodies(&again), eager, "{what}");
    }
}

#[test]
fn a_text_dump_read_in_another_time_zone_is_read_again() {
    let tmp = common::TempDir::new("feed-cache-tz");
    let (path, cache) = (tmp.0.join("dump.txt"), tmp.0.join("cache"));
    let seed = std::fs::read(common::fixture("textdump/seed.txt")).unwrap();
    std::fs::write(&path, padded(&seed)).unwrap();
    // Read again in each new zone, from the cache while the zone stays.
    for (tz, cached) in [
        ("+08:00", false),
        ("+08:00", true),
        ("-05:00", false),
        ("-05:00", true),
        ("+08:00", false),
    ] {
        let eager = Library::load_with_tz(&[&path], Some(tz));
        let lib = lazy(&path, &cache, Some(tz));
        assert!(eager.articles[0].published.is_some());
        assert_eq!(with_bodies(&lib), eager.articles, "tz {tz}");
        assert_eq!(all_from_cache(&lib, &path, &cache), cached, "tz {tz}");
    }
}

#[test]
fn searching_a_cached_feed_finds_what_a_search_in_memory_finds() {
    let tmp = common::TempDir::new("feed-cache-search");
    let (path, cache) = (tmp.0.join("news.atom"), tmp.0.join("cache"));
    std::fs::write(&path, generated_atom(300, "")).unwrap();
    let options = kanbao_core::TypesetOptions::default();
    let eager = Library::load(&[&path]);
    lazy(&path, &cache, None);
    let cached = lazy(&path, &cache, None);
    assert!(all_from_cache(&cached, &path, &cache));
    assert!(cached.search_index.is_some());
    let mut memory = kanbao::app::App::new(eager, options, 120, 40);
    let mut disk = kanbao::app::App::new(cached, options, 120, 40);
    let mut found_some = 0;
    for query in [
        "第123篇",              // in one body only
        "标题12 嘉兴",          // title words: decided without reading bodies
        "嘉兴 数字经济",        // one word in titles and bodies, one in some bodies
        "最后一公里 -第2",      // a negated word must be looked for in bodies
        "AT&T",                 // an entity, decoded
        "中<tag>",              // a numeric reference and an escaped tag
        "source:嘉兴日报 第29", // a filter and a body word
        "nothing-like-this",
    ] {
        let found = common::same_search(&mut memory, &mut disk, query);
        found_some += usize::from(!found.is_empty());
    }
    assert!(found_some >= 6, "{found_some}");
}
