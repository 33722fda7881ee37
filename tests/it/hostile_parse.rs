//! Hostile HTML and text that cost kanbao far more than their size before
//! the parse budget (`core/src/import/html_parse.rs`) and the lazy cut of
//! long runs (`core/src/typeset/mod.rs`), through the real binary: each is
//! read, what was not read as markup is kept as plain text, and the cut is
//! a problem naming the file or URL. No timing is asserted (the unit tests
//! check the budget's counting; `scripts/hostile-inputs.py` writes the
//! inputs to time by hand).

use crate::common::http::{Server, reply};
use crate::common::{TempDir, kanbao};

const PROSE: &str = "这是一篇足够长的文章正文，讲述了一个完全虚构的故事，用来检查网页导入。";

fn page(inner: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=zh><head><title>深页</title></head><body><article>\
         <h1>深页</h1><p>{}</p>{inner}</article></body></html>",
        PROSE.repeat(4)
    )
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("UTF-8")
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_page_of_self_closing_divs_is_read_with_its_text_and_a_problem() {
    // `<div/>` nests (the slash means nothing in HTML): 20,000 of them took
    // over a minute before; the old depth guess from the source missed them.
    let dir = TempDir::new("hostile-parse");
    for (name, unit) in [("divs.html", "<div/>"), ("open.html", "<div>")] {
        let path = dir.write(name, page(&format!("{}深处的文字", unit.repeat(20_000))));
        let path = path.to_str().unwrap();
        let out = kanbao(&["read", path, "--width", "60"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains("这是一篇足够长的文章正文"), "{text}");
        assert!(text.contains("深处的文字"), "the rest is lost: {text}");
        assert!(text.contains("⚠ kanbao: HTML read as markup"), "{text}");
        let err = stderr(&out);
        assert!(err.contains(&format!("{path}: ")), "{err}");
        assert!(err.contains("nest more than 512 levels deep"), "{err}");
        // `check` reports it too.
        let out = kanbao(&["check", path]);
        assert!(
            stdout(&out).contains("rest as plain text")
                || stderr(&out).contains("rest as plain text")
        );
    }
}

#[test]
fn a_page_fetched_over_http_is_cut_the_same_and_names_its_url() {
    let body = page(&format!("{}尾声", "<b><i><u>x".repeat(20_000)));
    let server = Server::start(move |_, _| {
        reply(
            "200 OK",
            &[("Content-Type", "text/html; charset=utf-8")],
            body.as_bytes(),
        )
    });
    let url = server.url("/deep.html");
    let out = kanbao(&["read", &url, "--width", "60"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("尾声"));
    let err = stderr(&out);
    assert!(err.contains(&url) && err.contains("plain text"), "{err}");
}

/// An RSS feed of two items, the first with `description` (XML-escaped).
fn rss(first_description: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel>\
         <title>示例</title><link>https://example.org/</link>\
         <item><title>深条目</title><link>https://example.org/a</link>\
         <description>{first_description}</description></item>\
         <item><title>第二条</title><link>https://example.org/b</link>\
         <description>&lt;p&gt;{PROSE}&lt;/p&gt;</description></item></channel></rss>"
    )
}

#[test]
fn html_in_a_feed_is_bounded_and_the_other_entries_still_load() {
    let dir = TempDir::new("hostile-parse");
    let shapes = [
        // 40,000 `<div/>` in a description (360 KB) took 15 s.
        (
            "divs.xml",
            format!("{}尾", "&lt;div/>".repeat(40_000)),
            "levels deep",
        ),
        // Stray end tags under open inline elements: each scans them all.
        (
            "stray.xml",
            format!(
                "{}x{}尾",
                "&lt;span>".repeat(400),
                "&lt;/b>".repeat(120_000)
            ),
            "units of parser work",
        ),
    ];
    for (name, description, why) in shapes {
        let path = dir.write(name, rss(&description));
        let path = path.to_str().unwrap();
        let out = kanbao(&["list", path]);
        assert!(out.status.success(), "{}", stderr(&out));
        let list = stdout(&out);
        assert!(list.contains("深条目") && list.contains("第二条"), "{list}");
        let err = stderr(&out);
        assert!(
            err.contains(path) && err.contains("深条目") && err.contains(why),
            "{err}"
        );
        let out = kanbao(&["read", path, "--width", "60"]);
        assert!(stdout(&out).contains('尾'), "the rest is lost");
    }
}

#[test]
fn every_feed_field_read_as_html_is_bounded() {
    let dir = TempDir::new("hostile-parse");
    // An Atom title given as HTML, and a JSON Feed content_html.
    let atom = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\">\
         <title>示例</title><entry><title type=\"html\">{}标题尾</title><id>https://example.org/a</id>\
         <content type=\"html\">&lt;p>正文&lt;/p></content></entry></feed>",
        "&lt;div/>".repeat(20_000)
    );
    let path = dir.write("atom.xml", atom);
    let out = kanbao(&["list", "--json", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The title keeps its text (no room for a note in a title).
    assert!(stdout(&out).contains("标题尾"), "{}", stdout(&out));

    // Written by hand: `version` must come first (it tells a JSON Feed apart).
    let json = format!(
        r#"{{"version":"https://jsonfeed.org/version/1.1","title":"示例","items":[
            {{"id":"1","title":"深条目","content_html":"{}尾"}},
            {{"id":"2","title":"第二条","content_html":"<p>{PROSE}</p>"}}]}}"#,
        "<div/>".repeat(20_000)
    );
    let path = dir.write("feed.json", json);
    let path = path.to_str().unwrap();
    let out = kanbao(&["read", path, "--width", "60"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains('尾') && text.contains("第二条"), "{text}");
    assert!(stderr(&out).contains("levels deep"), "{}", stderr(&out));
}

/// An article file whose body is one paragraph.
fn article(dir: &TempDir, name: &str, title: &str, body: &str) -> String {
    let json = serde_json::json!({"title": title, "body": [body]});
    dir.write(name, json.to_string())
        .to_str()
        .unwrap()
        .to_owned()
}

#[test]
fn one_huge_word_opens_in_the_reader_and_prints_whole() {
    let dir = TempDir::new("hostile-parse");
    let word = "x".repeat(4 << 20);
    let path = article(&dir, "word.json", "一个词", &word);
    let out = kanbao(&["snapshot", "--size", "80x24", "--keys", "<Enter>", &path]);
    assert!(out.status.success(), "{}", stderr(&out));
    let screen = stdout(&out);
    assert!(screen.contains(&"x".repeat(70)), "{screen}");
    // Paging on goes on cutting it.
    let out = kanbao(&[
        "snapshot",
        "--size",
        "80x24",
        "--keys",
        "<Enter><C-d><C-d>",
        &path,
    ]);
    assert!(stdout(&out).contains(&"x".repeat(70)));
    // `read` prints all of it, cut to the width.
    let out = kanbao(&["read", &path, "--width", "64"]);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with('x')).collect();
    assert_eq!(lines.len(), word.len() / 64);
    assert!(lines.iter().all(|l| l.len() == 64));
}

#[test]
fn one_huge_grapheme_cluster_and_a_huge_title_open() {
    let dir = TempDir::new("hostile-parse");
    let cluster = format!("前文 e{} 后文", "\u{301}".repeat(300_000));
    let path = article(&dir, "cluster.json", "一个字", &cluster);
    let out = kanbao(&["snapshot", "--size", "80x24", "--keys", "<Enter>", &path]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("前文"));
    let out = kanbao(&["read", &path, "--width", "40"]);
    let text = stdout(&out);
    assert!(
        text.contains("前文") && text.contains("后文"),
        "nothing may be lost"
    );
    assert_eq!(text.matches('\u{301}').count(), 300_000);

    let title = "标".repeat(2 << 20);
    let path = article(&dir, "title.json", &title, "正文。");
    // `list` prints titles whole (for scripts); the browser's list cuts them.
    let out = kanbao(&["list", &path]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).matches('标').count(), title.chars().count());
    let out = kanbao(&["snapshot", "--size", "80x24", &path]);
    let screen = stdout(&out);
    assert!(screen.contains("标标标") && screen.contains('…'));
    assert!(
        screen.len() < 80 * 24 * 4,
        "the screen holds {} bytes",
        screen.len()
    );
}

/// `kanbao` with its own configuration and library.
fn kanbao_at(home: &TempDir, args: &[&str]) -> std::process::Output {
    crate::common::kanbao_command()
        .args(args)
        .env("HOME", &home.0)
        .env("XDG_CONFIG_HOME", home.path("config"))
        .env("XDG_DATA_HOME", home.path("data"))
        .env("XDG_CACHE_HOME", home.path("cache"))
        .output()
        .expect("binary runs")
}

#[test]
fn a_feed_with_a_cut_entry_still_updates_and_imports_every_entry() {
    // A cut is a problem to tell, not a failure: the feed's entries are stored.
    let feed = rss(&format!("{}尾", "&lt;div/>".repeat(20_000)));
    let server = Server::start(move |_, _| {
        reply(
            "200 OK",
            &[("Content-Type", "application/rss+xml")],
            feed.as_bytes(),
        )
    });
    let url = server.url("/feed.xml");
    let home = TempDir::new("hostile-parse");
    assert!(kanbao_at(&home, &["subscribe", &url]).status.success());
    let out = kanbao_at(&home, &["update"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let stored = |home: &TempDir| crate::common::stored_articles(&home.path("data")).len();
    assert_eq!(stored(&home), 2, "{}", stdout(&out));

    let home = TempDir::new("hostile-parse");
    let out = kanbao_at(&home, &["import", &url]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let said = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        said.contains("plain text") && !said.contains("1 failed"),
        "{said}"
    );
    assert_eq!(stored(&home), 2, "{said}");
}

#[test]
fn the_entries_of_one_feed_share_one_budget_and_all_of_them_load() {
    // Forty entries, each a misnested shape that stays under one text's own
    // limits: alone, each would be parsed in full (forty times the work of
    // one); together they share the feed's budget, and the later ones are
    // read as plain text, each with its problem.
    let dir = TempDir::new("hostile-parse-shared");
    let shape = "&lt;a>&lt;b>&lt;p>x&lt;/a>".repeat(12_000);
    let items: String = (0..40)
        .map(|i| {
            format!(
                "<item><title>条目{i}</title><link>https://example.org/{i}</link>\
                 <description>{shape}尾{i}</description></item>"
            )
        })
        .collect();
    let path = dir.write(
        "many.xml",
        format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>示例</title>{items}</channel></rss>"
        ),
    );
    let path = path.to_str().unwrap();
    let out = kanbao(&["list", path]);
    assert!(out.status.success(), "{}", stderr(&out));
    let list = stdout(&out);
    for i in 0..40 {
        assert!(
            list.contains(&format!("条目{i}\n")),
            "条目{i} missing: {list}"
        );
    }
    let err = stderr(&out);
    let shared = err
        .matches("the HTML of the whole document together")
        .count();
    assert!(
        shared >= 20,
        "{shared} entries cut by the feed's budget: {err}"
    );
    assert!(
        !err.contains("条目0:") && !err.contains("\"条目0\""),
        "the first entries are read whole: {err}"
    );
    // Nothing is lost: every entry's last word is there.
    let out = kanbao(&["read", path, "--width", "60"]);
    let text = stdout(&out);
    for i in 0..40 {
        assert!(text.contains(&format!("尾{i}")), "尾{i} lost");
    }
}
