//! Getting news in, as a new user would: import the seed dump, subscribe to
//! a local feed and to one served over HTTP (127.0.0.1 only), update twice,
//! open a URL directly, export and import OPML.

use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::common::http::{Server, reply};
use crate::common::{TempDir, fixture};

/// A user with empty config and data directories.
struct User {
    home: TempDir,
}

impl User {
    fn new() -> User {
        User {
            home: TempDir::new("import"),
        }
    }

    fn kanbao(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_kanbao"))
            .args(args)
            .env("HOME", &self.home.0)
            .env("XDG_CONFIG_HOME", self.home.path("config"))
            .env("XDG_DATA_HOME", self.home.path("data"))
            .env_remove("NO_COLOR")
            .env_remove("http_proxy")
            .env_remove("HTTP_PROXY")
            .env_remove("ALL_PROXY")
            .output()
            .expect("binary runs")
    }

    /// The articles in the library database.
    fn stored(&self) -> Vec<kanbao_core::Article> {
        crate::common::stored_articles(&self.home.path("data"))
    }

    fn articles(&self) -> usize {
        self.stored().len()
    }
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn the_seed_dump_imports_as_the_sample_article_once() {
    let user = User::new();
    let seed = fixture("textdump/seed.txt");
    let o = user.kanbao(&["import", &seed, "--tz", "Asia/Shanghai"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        out(&o).contains("1 new, 0 updated, 0 unchanged, 0 failed"),
        "{}",
        out(&o)
    );
    let imported = user.stored().remove(0).to_json();
    let sample: serde_json::Value =
        serde_json::from_str(include_str!("../../data/000_jiaxing_manufacturing.json")).unwrap();
    assert_eq!(imported, sample);

    let again = user.kanbao(&["import", &seed, "--tz", "Asia/Shanghai"]);
    assert!(
        out(&again).contains("0 new, 0 updated, 1 unchanged"),
        "{}",
        out(&again)
    );
    assert_eq!(user.articles(), 1);
    // `kanbao list` now shows the user's library, not the sample.
    assert_eq!(out(&user.kanbao(&["list"])).lines().count(), 1);
}

#[test]
fn a_local_feed_subscribed_updates_once_and_then_is_unchanged() {
    let user = User::new();
    let feed = fixture("feeds/rss2.xml");
    let o = user.kanbao(&["subscribe", &feed]);
    assert!(o.status.success(), "{}", err(&o));
    let first = user.kanbao(&["update"]);
    assert!(first.status.success(), "{}", err(&first));
    let n = user.articles();
    assert!(n >= 2, "{}", out(&first));
    let second = user.kanbao(&["update"]);
    assert!(out(&second).contains("unchanged"), "{}", out(&second));
    assert_eq!(user.articles(), n, "nothing duplicated");
    let opml = out(&user.kanbao(&["export", "--opml"]));
    assert!(opml.contains("xmlUrl=\"file://"), "{opml}");
}

/// An Atom feed whose one entry's text can be changed, served with an ETag.
fn atom(version: usize) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>回环日报</title><id>urn:loopback</id><updated>2024-05-01T08:00:00+08:00</updated>
  <entry><id>urn:loopback:1</id><title>第一条</title><updated>2024-05-01T08:00:00+08:00</updated>
    <content type="html">&lt;p&gt;第{version}版正文。&lt;a href="/more"&gt;更多&lt;/a&gt;&lt;/p&gt;</content></entry>
  <entry><id>urn:loopback:2</id><title>第二条</title><updated>2024-05-02T08:00:00+08:00</updated>
    <summary>第二条摘要</summary></entry>
</feed>"#
    )
}

fn feed_server(version: Arc<AtomicUsize>, hits: Arc<Mutex<Vec<String>>>) -> Server {
    Server::start(move |req, _base| {
        let v = version.load(Ordering::SeqCst);
        let etag = format!("\"v{v}\"");
        hits.lock().unwrap().push(format!(
            "{} {}",
            req.path,
            req.header("if-none-match").unwrap_or("-")
        ));
        match req.path.as_str() {
            "/feed.xml" if req.header("if-none-match") == Some(etag.as_str()) => {
                reply("304 Not Modified", &[], b"")
            }
            "/feed.xml" => reply(
                "200 OK",
                &[("Content-Type", "application/atom+xml"), ("ETag", &etag)],
                atom(v).as_bytes(),
            ),
            _ => reply("404 Not Found", &[], b"no"),
        }
    })
}

#[test]
fn http_feeds_update_with_conditional_get_and_failures_name_the_source() {
    let user = User::new();
    let version = Arc::new(AtomicUsize::new(1));
    let hits = Arc::new(Mutex::new(Vec::new()));
    let server = feed_server(version.clone(), hits.clone());
    let good = server.url("/feed.xml");
    let missing = server.url("/gone.xml");
    assert!(user.kanbao(&["subscribe", &good]).status.success());
    assert!(user.kanbao(&["subscribe", &missing]).status.success());

    let first = user.kanbao(&["update"]);
    assert_eq!(
        first.status.code(),
        Some(1),
        "a failed feed makes update fail"
    );
    assert!(
        err(&first).contains(&missing) && err(&first).contains("404"),
        "{}",
        err(&first)
    );
    assert!(out(&first).contains("2 new"), "{}", out(&first));
    assert_eq!(
        user.articles(),
        2,
        "the good feed was imported despite the bad one"
    );

    let second = user.kanbao(&["update"]);
    assert!(
        out(&second).contains(&format!("unchanged  {good}")),
        "{}",
        out(&second)
    );
    assert!(
        hits.lock().unwrap().iter().any(|h| h == "/feed.xml \"v1\""),
        "If-None-Match sent: {:?}",
        hits
    );
    assert_eq!(user.articles(), 2);

    version.store(2, Ordering::SeqCst);
    let third = user.kanbao(&["update"]);
    assert!(
        out(&third).contains("0 new, 1 updated, 1 unchanged"),
        "{}",
        out(&third)
    );
    let read = out(&user.kanbao(&["read", "--width", "60"]));
    assert!(read.contains("第2版正文。更多[1]"), "{read}");
    assert!(
        read.contains(&server.url("/more")),
        "relative link resolved against the feed: {read}"
    );
}

#[test]
fn urls_open_read_only_and_opml_round_trips() {
    let user = User::new();
    let server = feed_server(
        Arc::new(AtomicUsize::new(1)),
        Arc::new(Mutex::new(Vec::new())),
    );
    let o = user.kanbao(&["list", &server.url("/feed.xml")]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o).lines().count(), 2);
    assert_eq!(user.articles(), 0, "opening a URL stores nothing");
    let o = user.kanbao(&["list", &server.url("/gone.xml")]);
    assert!(err(&o).contains("404"), "{}", err(&o));

    let opml = user.home.path("subs.opml");
    std::fs::write(
        &opml,
        format!(
            r#"<opml version="2.0"><body><outline text="回环" xmlUrl="{}"/><outline text="b" xmlUrl="https://example.org/b.xml"/></body></opml>"#,
            server.url("/feed.xml")
        ),
    )
    .unwrap();
    let o = user.kanbao(&["import", &opml.display().to_string()]);
    assert!(out(&o).contains("added 2 feeds"), "{}", out(&o));
    let exported = out(&user.kanbao(&["export", "--opml"]));
    assert!(
        exported.contains(&server.url("/feed.xml"))
            && exported.contains("https://example.org/b.xml")
    );
    let o = user.kanbao(&["unsubscribe", "https://example.org/b.xml"]);
    assert!(o.status.success());
    assert!(!out(&user.kanbao(&["export", "--opml"])).contains("example.org/b.xml"));
}
