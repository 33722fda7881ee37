//! Hostile sources over the network (127.0.0.1 only): a feed that reuses
//! another feed's guid and URL, redirects towards local services, servers
//! with many headers, OPML with undefined entities, a symlink planted where
//! kanbao writes.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

use kanbao_core::{
    FetchConfig, FetchError, Fetched, Fetcher, Format, Library, MarkStore, Validators,
};

use crate::common::TempDir;
use crate::common::http::{Server, reply};

/// A user with their own config, data and state directories.
struct User {
    home: TempDir,
}

impl User {
    fn new() -> User {
        User {
            home: TempDir::new("hostile-net"),
        }
    }

    fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kanbao"));
        c.env("HOME", &self.home.0)
            .env("XDG_CONFIG_HOME", self.home.path("config"))
            .env("XDG_DATA_HOME", self.home.path("data"))
            .env("XDG_STATE_HOME", self.home.path("state"))
            .env("XDG_CACHE_HOME", self.home.path("cache"))
            .env_remove("NO_COLOR")
            .env_remove("http_proxy")
            .env_remove("HTTP_PROXY")
            .env_remove("https_proxy")
            .env_remove("HTTPS_PROXY")
            .env_remove("ALL_PROXY");
        c
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

    /// The library directory of kanbao 0.1.
    fn library(&self) -> PathBuf {
        self.home.path("data/kanbao/library")
    }

    /// The articles in the library database.
    fn stored(&self) -> usize {
        crate::common::stored_articles(&self.home.path("data")).len()
    }

    fn marks(&self) -> MarkStore {
        MarkStore::open(&self.home.path("state/kanbao/state.sqlite3"))
    }

    /// The titles `kanbao list --query QUERY` shows, sorted.
    fn titles(&self, query: &str) -> Vec<String> {
        let listed = self.ok(&["list", "--json", "--query", query]);
        let mut titles: Vec<String> = listed
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["title"].as_str().unwrap().to_owned()
            })
            .collect();
        titles.sort();
        titles
    }
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// An RSS feed of one item.
fn rss(channel: &str, guid: &str, link: &str, title: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>{channel}</title><link>https://bank.example/</link>
  <item><guid isPermaLink="false">{guid}</guid><link>{link}</link><title>{title}</title>
    <description>Body of {title}.</description></item>
</channel></rss>"#
    )
}

const GUID: &str = "bank-2024-001";
const LINK: &str = "https://bank.example/notices/1";
const GENUINE: &str = "Scheduled maintenance on Sunday";
const FORGED: &str = "URGENT reset password";

/// Serves the bank's feed at /bank.xml and a hostile one reusing its guid
/// and link at /evil.xml.
fn two_feeds() -> Server {
    Server::start(|req, _| match req.path.as_str() {
        "/bank.xml" => reply(
            "200 OK",
            &[("Content-Type", "application/rss+xml")],
            rss("Bank news", GUID, LINK, GENUINE).as_bytes(),
        ),
        "/evil.xml" => reply(
            "200 OK",
            &[("Content-Type", "application/rss+xml")],
            rss("Totally the bank", GUID, LINK, FORGED).as_bytes(),
        ),
        "/articles.json" => {
            let json = serde_json::json!({
                "id": GUID, "title": FORGED, "url": LINK,
                "feed": req.headers.iter().find(|(n, _)| n == "host")
                    .map(|(_, h)| format!("http://{h}/bank.xml")),
                "body": "Click here.",
            });
            reply(
                "200 OK",
                &[("Content-Type", "application/json")],
                json.to_string().as_bytes(),
            )
        }
        _ => reply("404 Not Found", &[], b""),
    })
}

/// Marks the article titled `title` read in the browser, as `u` would.
fn mark_read_in_browser(user: &User, title: &str) {
    let db = crate::common::library_db(&user.home.path("data"));
    let lib = kanbao_core::LibraryDb::open(&db)
        .unwrap()
        .library()
        .unwrap();
    let mut app = kanbao::app::App::new(lib, Default::default(), 100, 30);
    app.set_marks(user.marks());
    app.set_filter(title.into());
    assert_eq!(app.order().len(), 1, "one article titled {title:?}");
    app.apply(kanbao::app::Action::ToggleRead);
    assert_eq!(app.notice(), Some("marked read"));
}

#[test]
fn a_feed_reusing_another_feeds_guid_and_url_is_another_article() {
    let server = two_feeds();
    let user = User::new();
    user.ok(&["subscribe", &server.url("/bank.xml")]);
    let first = user.ok(&["update"]);
    assert!(first.contains("1 new, 0 updated"), "{first}");

    user.ok(&["subscribe", &server.url("/evil.xml")]);
    let second = user.ok(&["update"]);
    assert!(
        second.contains(": 1 new, 0 updated, 1 unchanged, 0 failed"),
        "the forged entry is new, the genuine one untouched: {second}"
    );
    assert_eq!(user.stored(), 2);
    assert_eq!(user.titles(""), [GENUINE, FORGED]);

    // Reading one marks only that one.
    mark_read_in_browser(&user, GENUINE);
    assert_eq!(user.titles("is:read"), [GENUINE]);
    assert_eq!(user.titles("is:unread"), [FORGED]);

    // A third update changes nothing: each feed keeps its own article.
    let third = user.ok(&["update"]);
    assert!(third.contains(": 0 new, 0 updated, 2 unchanged"), "{third}");
    assert_eq!(user.titles("is:read"), [GENUINE]);
}

#[test]
fn article_json_from_a_url_cannot_claim_a_feeds_identity() {
    let server = two_feeds();
    let user = User::new();
    user.ok(&["subscribe", &server.url("/bank.xml")]);
    user.ok(&["update"]);
    // The JSON names the bank's feed, guid and link: it is scoped to the
    // address it came from all the same.
    let import = user.ok(&["import", &server.url("/articles.json")]);
    assert!(import.contains("1 new, 0 updated"), "{import}");
    assert_eq!(user.titles(""), [GENUINE, FORGED]);
    let listed = user.ok(&["list", "--json", "--query", "URGENT"]);
    let v: serde_json::Value = serde_json::from_str(listed.trim()).unwrap();
    assert_eq!(v["feed"], server.url("/articles.json"));
}

#[test]
fn a_feed_file_is_one_feed_however_its_path_is_written() {
    let user = User::new();
    let dir = TempDir::new("feed-file");
    let feed = dir.write("bank.xml", rss("Bank news", GUID, LINK, GENUINE));
    let first = user
        .command()
        .args(["import", "bank.xml"])
        .current_dir(&dir.0)
        .output()
        .unwrap();
    assert!(out(&first).contains("1 new"), "{}", err(&first));
    let second = user.ok(&["import", &feed.display().to_string()]);
    assert!(second.contains("0 new, 0 updated, 1 unchanged"), "{second}");
    // …and the same feed as a subscription to its file:// address.
    user.ok(&["subscribe", &feed.display().to_string()]);
    let update = user.ok(&["update"]);
    assert!(update.contains("0 new, 0 updated, 1 unchanged"), "{update}");
    assert_eq!(user.stored(), 1);
}

#[test]
fn a_page_imported_from_a_url_belongs_to_no_feed() {
    let server = Server::start(|_, _| {
        reply(
            "200 OK",
            &[("Content-Type", "text/html; charset=utf-8")],
            b"<html><head><title>A page</title></head><body><article><h1>A page</h1>\
              <p>Some text long enough to be the article, and then some more.</p>\
              </article></body></html>",
        )
    });
    let user = User::new();
    user.ok(&["import", &server.url("/page.html")]);
    let listed = user.ok(&["list", "--json"]);
    let v: serde_json::Value = serde_json::from_str(listed.trim()).unwrap();
    assert_eq!(v["feed"], serde_json::Value::Null, "{listed}");
}

/// The FNV-1a hash an older kanbao named article files by.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Writes the bank's article as a kanbao without feed scoping stored it:
/// named by its bare id, no `"feed"`; with its marks under the bare id.
fn legacy_library(user: &User, title: &str) {
    let text = rss("Bank news", GUID, LINK, title);
    let mut lib = Library::default();
    lib.load_text("old.xml", text.as_bytes(), Format::Feed);
    let mut a = lib.articles.remove(0);
    a.feed = None;
    std::fs::create_dir_all(user.library()).unwrap();
    let name = format!("{:016x}.json", fnv(GUID.as_bytes()));
    std::fs::write(user.library().join(name), format!("{:#}\n", a.to_json())).unwrap();
    let mut marks = user.marks();
    marks.set_read(GUID, true).unwrap();
    marks.set_starred(GUID, true).unwrap();
}

#[test]
fn a_library_of_the_previous_version_is_taken_over_not_duplicated() {
    let server = two_feeds();
    let user = User::new();
    legacy_library(&user, GENUINE);
    assert_eq!(user.titles("is:read"), [GENUINE], "read before the upgrade");

    user.ok(&["subscribe", &server.url("/bank.xml")]);
    let update = user.ok(&["update"]);
    assert!(
        update.contains(": 0 new, 0 updated, 1 unchanged"),
        "the old file is the same article: {update}"
    );
    assert_eq!(user.stored(), 1, "not duplicated");
    assert_eq!(user.titles("is:read"), [GENUINE], "its read mark kept");
    assert_eq!(user.titles("is:starred"), [GENUINE], "its star kept");

    // Once taken over, the old file cannot be taken again by another feed.
    user.ok(&["subscribe", &server.url("/evil.xml")]);
    let update = user.ok(&["update"]);
    assert!(
        update.contains(": 1 new, 0 updated, 1 unchanged"),
        "{update}"
    );
    assert_eq!(user.titles("is:read"), [GENUINE]);
    assert_eq!(user.titles("is:unread"), [FORGED]);
}

#[test]
fn an_old_article_that_changed_since_is_updated_in_place() {
    let server = two_feeds();
    let user = User::new();
    legacy_library(&user, "An older title");
    user.ok(&["subscribe", &server.url("/bank.xml")]);
    let update = user.ok(&["update"]);
    assert!(update.contains(": 0 new, 1 updated"), "{update}");
    assert_eq!(user.stored(), 1);
    assert_eq!(user.titles("is:read"), [GENUINE]);
}

// ---- Redirects towards this machine -------------------------------------

/// A fetcher for which 127.0.0.2 stands for a server on the internet: the
/// tests can reach only this machine, so one loopback address plays the
/// public one (`FetchConfig::also_public`).
fn fetcher_with_public_stand_in() -> Fetcher {
    Fetcher::with_config(FetchConfig {
        total_timeout: Duration::from_secs(10),
        proxy_from_env: false,
        also_public: vec!["127.0.0.2".parse().unwrap()],
        ..FetchConfig::default()
    })
}

/// A "local service" on 127.0.0.1 and a "public" feed server on 127.0.0.2
/// whose /to?LOCATION redirects to LOCATION (`{local}` replaced by the
/// service's base URL).
fn local_service_and_public_server() -> (Server, Server) {
    let local = Server::start(|_, _| reply("200 OK", &[], b"admin secrets"));
    let local_base = local.base.clone();
    let public = Server::start_on("127.0.0.2", move |req, _| {
        match req.path.split_once("/to?") {
            Some((_, to)) => reply(
                "302 Found",
                &[("Location", &to.replace("{local}", &local_base))],
                b"",
            ),
            None => reply("200 OK", &[], b"public page"),
        }
    });
    (local, public)
}

#[test]
fn a_public_server_cannot_redirect_to_this_machine() {
    let (local, public) = local_service_and_public_server();
    let fetcher = fetcher_with_public_stand_in();
    let port = local.base.rsplit(':').next().unwrap().to_owned();
    for target in [
        // An address in the URL,
        format!("{}/admin", local.base),
        // a name that resolves to this machine,
        format!("http://localhost:{port}/admin"),
        // IPv6 loopback and an IPv4-mapped loopback.
        format!("http://[::1]:{port}/admin"),
        format!("http://[::ffff:127.0.0.1]:{port}/admin"),
    ] {
        let url = public.url(&format!("/to?{target}"));
        let err = fetcher.get(&url, &Validators::default()).unwrap_err();
        let FetchError::LocalRedirect {
            url: given,
            target: refused,
            address,
        } = &err
        else {
            panic!("{target}: expected a refusal, got {err:?}");
        };
        // Named as the URL parser writes it (`[::ffff:7f00:1]`).
        let target = url::Url::parse(&target).unwrap().to_string();
        assert_eq!((given, refused), (&url, &target));
        assert!(!kanbao_core::is_public(*address), "{address}");
        let message = err.to_string();
        assert!(
            message.starts_with(&format!("{url}: redirected to {target}, which is")),
            "{message}"
        );
        assert!(message.contains("refused"), "{message}");
    }
    assert!(
        local.requests().is_empty(),
        "the local service was never reached"
    );

    // A public server redirecting to a public one is followed.
    let url = public.url(&format!("/to?{}", public.url("/page")));
    let got = fetcher.get(&url, &Validators::default()).unwrap();
    assert!(matches!(got, Fetched::Body { ref bytes, .. } if bytes == b"public page"));
}

#[test]
fn a_feed_subscribed_on_this_machine_may_redirect_anywhere() {
    // Without the stand-in, 127.0.0.2 is what it is: this machine. A feed
    // the user subscribed to there may redirect to another local port.
    let (local, public) = local_service_and_public_server();
    let fetcher = Fetcher::with_config(FetchConfig {
        proxy_from_env: false,
        ..FetchConfig::default()
    });
    let url = public.url("/to?{local}/feed");
    let got = fetcher.get(&url, &Validators::default()).unwrap();
    let Fetched::Body {
        bytes, final_url, ..
    } = got
    else {
        panic!("{got:?}");
    };
    assert_eq!(bytes, b"admin secrets");
    assert_eq!(final_url, local.url("/feed"));

    // And `kanbao update` of such a subscription works end to end.
    let feed = Server::start(|_, _| {
        reply(
            "200 OK",
            &[("Content-Type", "application/rss+xml")],
            rss("Local", GUID, LINK, GENUINE).as_bytes(),
        )
    });
    let redirecting = Server::start_on("127.0.0.2", {
        let to = feed.url("/feed.xml");
        move |_, _| reply("301 Moved Permanently", &[("Location", &to)], b"")
    });
    let user = User::new();
    user.ok(&["subscribe", &redirecting.url("/feed.xml")]);
    let update = user.ok(&["update"]);
    assert!(update.contains("1 new"), "{update}");
}

#[test]
fn a_failed_redirect_names_its_target_and_the_address_given() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let target = format!("http://127.0.0.1:{closed}/gone");
    let server = Server::start({
        let target = target.clone();
        move |req, _| match req.path.as_str() {
            "/moved" => reply("302 Found", &[("Location", &target)], b""),
            _ => reply("301 Moved", &[("Location", "/missing")], b""),
        }
    });
    let fetcher = Fetcher::with_config(FetchConfig {
        proxy_from_env: false,
        ..FetchConfig::default()
    });
    let url = server.url("/moved");
    let err = fetcher.get(&url, &Validators::default()).unwrap_err();
    let FetchError::Redirected { url: given, error } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(given, &url);
    assert!(matches!(**error, FetchError::Connect { .. }), "{error:?}");
    assert_eq!(error.url(), target);
    assert!(
        err.to_string().starts_with(&format!(
            "{url}: redirected to {target}: cannot connect to 127.0.0.1:{closed}"
        )),
        "{err}"
    );
}

// ---- OPML -------------------------------------------------------------------

#[test]
fn an_outline_with_an_undefined_entity_is_imported_and_reported() {
    let user = User::new();
    let dir = TempDir::new("opml-entity");
    let opml = dir.write(
        "feeds.opml",
        "<?xml version=\"1.0\"?>\n<opml version=\"2.0\"><body>\n\
         <outline text=\"One\" xmlUrl=\"https://one.example/feed\"/>\n\
         <outline text=\"Caf&eacute;\" xmlUrl=\"https://two.example/feed?a=1&b=2\"/>\n\
         <outline text=\"Three\" xmlUrl=\"https://three.example/feed\"/>\n\
         </body></opml>\n",
    );
    let path = opml.display().to_string();
    let o = user.kanbao(&["import", &path]);
    assert!(o.status.success(), "a warning, not a failure: {}", err(&o));
    assert!(out(&o).contains("added 3 feeds"), "{}", out(&o));
    let stderr = err(&o);
    assert!(
        stderr.contains(&format!(
            "{path}:4:19: outline attribute `text`: `&eacute;` is not an entity XML knows"
        )) && stderr.contains(&format!(
            "{path}:4:65: outline attribute `xmlUrl`: a bare `&`: write it as `&amp;`; kept as written"
        )),
        "{stderr}"
    );
    let exported = user.ok(&["export", "--opml"]);
    assert!(
        exported.contains("xmlUrl=\"https://two.example/feed?a=1&amp;b=2\""),
        "{exported}"
    );
}

#[test]
fn sixty_thousand_outlines_import_in_linear_time() {
    const OUTLINES: usize = 60_000;
    let user = User::new();
    let dir = TempDir::new("opml-big");
    let mut opml = String::from("<opml version=\"2.0\"><body>\n");
    for i in 0..OUTLINES {
        opml.push_str(&format!(
            "<outline text=\"Feed {i}\" xmlUrl=\"https://example.org/{i}/feed.xml\"/>\n"
        ));
    }
    opml.push_str("</body></opml>\n");
    let path = dir.write("big.opml", opml).display().to_string();
    let start = std::time::Instant::now();
    let first = user.ok(&["import", &path]);
    assert!(
        first.contains(&format!("added {OUTLINES} feeds")),
        "{first}"
    );
    // Again: every one is already there, and merging is linear too.
    let second = user.ok(&["import", &path]);
    assert!(!second.contains("added"), "{second}");
    // Quadratic merging took 95 s for one import in a debug build; linear, 1.5 s.
    let took = start.elapsed();
    assert!(took < Duration::from_secs(30), "{took:?}");
}

// ---- Files kanbao writes ------------------------------------------------------

#[cfg(unix)]
#[test]
fn a_symlink_planted_where_kanbao_writes_is_replaced_not_followed() {
    let server = two_feeds();
    let user = User::new();
    let outside = TempDir::new("outside");
    // Valid as a subscription list, since kanbao reads it through the link.
    const PRECIOUS: &str = "{\"feeds\": []}";
    let precious = outside.write("precious.json", PRECIOUS);
    let link = |at: PathBuf| {
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(&precious, &at).unwrap();
        at
    };
    // The subscription list, and the file the bank's article will be
    // stored in by `update --into DIR` (named by a hash of its identity:
    // found by a first update into another directory).
    let subs = link(user.home.path("config/kanbao/subscriptions.json"));
    user.ok(&["subscribe", &server.url("/bank.xml")]);
    let probe = TempDir::new("probe");
    user.ok(&["update", "--into", &probe.0.display().to_string()]);
    let name = std::fs::read_dir(&probe.0)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name();
    let articles = user.home.path("articles");
    let article = link(articles.join(name));
    user.ok(&["update", "--into", &articles.display().to_string()]);
    assert_eq!(std::fs::read_to_string(&precious).unwrap(), PRECIOUS);
    for written in [subs, article] {
        let meta = std::fs::symlink_metadata(&written).unwrap();
        assert!(
            meta.is_file(),
            "{} is a file of its own now",
            written.display()
        );
    }
    let listed = user.ok(&["list", &articles.display().to_string()]);
    assert!(
        listed.lines().count() == 1 && listed.contains(GENUINE),
        "{listed}"
    );
}

// ---- Many headers -------------------------------------------------------------

/// A server whose answer has `n` headers (Content-Length and Connection
/// included).
fn server_with_headers(n: usize) -> Server {
    Server::start(move |_, _| {
        let names: Vec<(String, String)> = (0..n - 2)
            .map(|i| (format!("X-Header-{i}"), format!("value {i}")))
            .collect();
        let headers: Vec<(&str, &str)> = names
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        reply("200 OK", &headers, b"body")
    })
}

#[test]
fn answers_with_as_many_headers_as_the_client_reads_are_read() {
    let max = kanbao_core::MAX_RESPONSE_HEADERS;
    assert!(max >= 128, "{max}");
    let server = server_with_headers(max);
    let got = Fetcher::new()
        .get(&server.url("/"), &Validators::default())
        .unwrap();
    assert!(matches!(got, Fetched::Body { ref bytes, .. } if bytes == b"body"));

    // More is refused with a message that says so, naming the URL.
    let server = server_with_headers(150);
    let url = server.url("/");
    let err = Fetcher::new()
        .get(&url, &Validators::default())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{url}: the server's answer has more than {max} headers, the most kanbao reads")
    );
}
