//! Hostile links and hostile names, through the real binary.
//!
//! * Every URL that can leave kanbao (`o`, `L` and a number, `y`,
//!   `list --json`) passes the one check, `kanbao_core::Link::parse`: a
//!   recording `$BROWSER` in a pseudo-terminal is never run with an option,
//!   a `javascript:`/`file:`/`data:` URL or a `mailto:` with an attachment,
//!   and is run with a good link.
//! * Everything kanbao prints of its own — OPML, JSON, config warnings,
//!   error messages and the paths in them — follows the output rules:
//!   nothing that steers a terminal gets out.

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use crate::common::pty::Session;
use crate::common::{TempDir, kanbao_command};

// --- helpers -----------------------------------------------------------------

/// The first character of `text` that could steer a terminal: ESC, any other
/// C0 control but `\n`, DEL, a C1 control, or a bidi control.
fn first_unsafe(text: &str) -> Option<char> {
    text.chars().find(|&c| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

/// Asserts that stdout and stderr of a run are UTF-8 with nothing unsafe in them.
fn assert_clean(what: &str, out: &Output) {
    for (name, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let text = std::str::from_utf8(bytes)
            .unwrap_or_else(|e| panic!("{what}: {name} is not UTF-8: {e}"));
        if let Some(c) = first_unsafe(text) {
            panic!("{what}: {name} holds U+{:04X}: {text:?}", c as u32);
        }
    }
}

/// `kanbao` with every XDG directory in `dir`.
fn kanbao_in(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = kanbao_command();
    for (var, sub) in [
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
    ] {
        cmd.env(var, dir.join(sub));
    }
    cmd.env("HOME", dir)
        .args(args)
        .output()
        .expect("binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

// --- links -------------------------------------------------------------------

/// The links of the hostile article, in order: `L1`…`L9`. Only the 8th is good.
const LINKS: [&str; 9] = [
    "--gpu-launcher=touch pwned",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "mailto:a@example.org?attach=/etc/passwd",
    "data:text/html,<script>alert(1)</script>",
    "https://trusted.example@evil.example/",
    "JAVASCRIPT:alert(1)",
    "https://example.org/good",
    "-x",
];

/// Why each of [`LINKS`] is not opened, as the status line says it.
const WHY: [&str; 9] = [
    "not a web or mail address",
    "javascript: links are never opened",
    "file: links are never opened",
    "the header `attach`",
    "data: links are never opened",
    "user name or password",
    "javascript: links are never opened",
    "",
    "not a web or mail address",
];

/// Two articles: the newer with a hostile URL and [`LINKS`], the older with
/// a good URL. Returns the file.
fn link_articles(dir: &Path) -> String {
    let hostile = serde_json::json!({
        "title": "危险链接",
        "published": "2024-03-02T08:00:00+08:00",
        "url": "mailto:a@example.org?attach=/etc/passwd",
        "body": "正文[1][2][3][4][5][6][7][8][9]。",
        "links": LINKS,
    });
    let good = serde_json::json!({
        "title": "正常链接",
        "published": "2024-03-01T08:00:00+08:00",
        "url": "https://example.org/a?x=1",
        "body": "正文。",
    });
    let path = dir.join("links.jsonl");
    std::fs::write(&path, format!("{hostile}\n{good}\n")).unwrap();
    path.display().to_string()
}

/// A stand-in browser: appends its argument count and each argument, one
/// per line, to `log`.
fn recording_browser(dir: &Path, log: &Path) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("browser");
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$#\" \"$@\" >> '{}'\n",
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

/// What the browser was run with so far.
fn browser_log(log: &Path) -> String {
    std::fs::read_to_string(log).unwrap_or_default()
}

/// Waits until the browser has been run with `want` (one argument).
fn wait_for_browser(log: &Path, want: &str) {
    let expected = format!("1\n{want}\n");
    let deadline = Instant::now() + Duration::from_secs(20);
    while browser_log(log) != expected {
        assert!(
            Instant::now() < deadline,
            "the browser was run with {:?}, not {expected:?}",
            browser_log(log)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn bad_links_never_reach_the_browser_and_good_ones_do() {
    let tmp = TempDir::new("links");
    let dir = tmp.0.as_path();
    let articles = link_articles(dir);
    let log = dir.join("browser.log");
    let browser = recording_browser(dir, &log);
    let mut s = Session::spawn(120, 30, &[&articles], &[("BROWSER", &browser)]);
    s.wait_for_text("危险链接");

    // `o` and `y` on the hostile article's URL (a mailto with an attachment).
    s.send("o");
    s.wait_for_text("not opened: mailto links with the header `attach` are never opened");
    s.send("y");
    s.wait_for_text("not copied: mailto links with the header `attach`");

    // L1…L9: the refused ones say why; none runs the browser.
    for (i, why) in WHY.iter().enumerate() {
        let n = i + 1;
        if why.is_empty() {
            continue;
        }
        s.send("L");
        s.wait_for_text(" links ");
        s.send(&n.to_string());
        s.wait_for_text(&format!("[{n}] not opened: "));
        s.wait_for_text(why);
    }
    s.send("L");
    s.wait_for_text("[1] --gpu-launcher=touch pwned (not a web link)");
    s.send("x"); // any other key closes the overlay
    assert_eq!(browser_log(&log), "", "the browser ran for a refused link");
    assert!(
        !s.raw_output().windows(5).any(|w| w == b"\x1b]52;"),
        "a refused URL was copied"
    );

    // The good link of the text, then the good article's URL.
    s.send("L8");
    wait_for_browser(&log, "https://example.org/good");
    std::fs::remove_file(&log).unwrap();
    s.send("j");
    s.wait_for_text("正常链接");
    s.send("o");
    wait_for_browser(&log, "https://example.org/a?x=1");
    s.send("Q");
    assert_eq!(s.wait_exit(), 0);
}

#[test]
fn list_json_gives_the_url_as_o_would_open_it_or_why_not() {
    let tmp = TempDir::new("links");
    let articles = link_articles(&tmp.0);
    let out = kanbao_in(&tmp.0, &["list", "--json", &articles]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_clean("list --json", &out);
    let records: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["title"], "危险链接");
    assert_eq!(records[0]["url"], serde_json::Value::Null);
    let why = records[0]["url_refused"].as_str().unwrap_or_default();
    assert!(why.contains("the header `attach`"), "{why}");
    assert_eq!(records[1]["url"], "https://example.org/a?x=1");
    assert!(records[1].get("url_refused").is_none());
}

// --- output rules --------------------------------------------------------------

/// Titles and URLs with every kind of terminal trick and every XML special.
const HOSTILE_TITLES: [&str; 4] = [
    "A\u{1b}]0;PWNED\u{7} & <b> \"q\" 'a'",
    "B\u{1b}[2J\u{1b}[31mred",
    "C\u{9b}2J\u{9d}0;PWNED\u{9c}",
    "D\u{202e}txt.exe\u{2066}",
];

#[test]
fn export_opml_is_clean_valid_xml_that_imports_back() {
    let tmp = TempDir::new("links");
    let dir = tmp.0.as_path();
    let feeds: Vec<serde_json::Value> = HOSTILE_TITLES
        .iter()
        .enumerate()
        .map(|(i, t)| {
            serde_json::json!({
                "url": format!("https://example.org/{i}.xml?a=1&b=2\u{1b}[2J\u{9b}1m"),
                "title": t,
                "html_url": format!("https://example.org/{i}/\u{202e}"),
            })
        })
        .collect();
    let subs = dir.join("config/kanbao/subscriptions.json");
    std::fs::create_dir_all(subs.parent().unwrap()).unwrap();
    std::fs::write(&subs, serde_json::json!({ "feeds": feeds }).to_string()).unwrap();

    let out = kanbao_in(dir, &["export", "--opml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_clean("export --opml", &out);
    let opml = stdout(&out);
    for payload in ["PWNED", "[2J", "[31m", "[1m"] {
        assert!(!opml.contains(payload), "{payload} in {opml}");
    }

    // It is XML, and says what the titles say once cleaned.
    let mut reader = quick_xml::Reader::from_str(&opml);
    let mut titles = Vec::new();
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Empty(e)) => {
                for a in e.attributes() {
                    let a = a.unwrap_or_else(|e| panic!("bad attribute: {e}\n{opml}"));
                    let key: &[u8] = a.key.as_ref().as_ref();
                    if key == b"title" {
                        let v = a.normalized_value(quick_xml::XmlVersion::Implicit1_0);
                        titles.push(v.unwrap().into_owned());
                    }
                }
            }
            Ok(_) => {}
            Err(e) => panic!("not XML: {e}\n{opml}"),
        }
    }
    assert_eq!(titles, ["A & <b> \"q\" 'a'", "Bred", "C", "Dtxt.exe"]);

    // Imported elsewhere, it exports the same again.
    let opml_file = dir.join("feeds.opml");
    std::fs::write(&opml_file, &opml).unwrap();
    let other = TempDir::new("links");
    let into = other.path("library").display().to_string();
    let out = kanbao_in(
        &other.0,
        &["import", "--into", &into, &opml_file.display().to_string()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_clean("import of the export", &out);
    let again = kanbao_in(&other.0, &["export", "--opml"]);
    assert_eq!(stdout(&again), opml);
}

/// A name holding an OSC title change, a CSI clear and bidi and C1 controls.
const HOSTILE_NAME: &str = "x\u{1b}]0;PWNED\u{7}\u{1b}[2J\u{9b}1m\u{202e}.json";

#[test]
fn file_names_with_escapes_never_reach_the_terminal() {
    let tmp = TempDir::new("links");
    let dir = tmp.0.as_path();
    let missing = dir.join("gone").join(HOSTILE_NAME).display().to_string();
    let bad = dir.join(HOSTILE_NAME);
    std::fs::write(&bad, "{\"title\": 5}").unwrap();
    let bad = bad.display().to_string();
    for args in [
        vec!["list", &missing],
        vec!["check", &missing],
        vec!["read", &missing],
        vec!["list", &bad],
        vec!["check", &bad],
        vec!["list", "--json", &bad],
        vec!["subscribe", &missing],
        vec!["import", "--into", &missing, &bad],
    ] {
        let out = kanbao_in(dir, &args);
        assert_clean(&format!("kanbao {}", args[0]), &out);
        let all = stdout(&out) + &stderr(&out);
        assert!(
            all.contains("x.json"),
            "kanbao {args:?} names the file: {all}"
        );
        assert!(!all.contains("PWNED"), "kanbao {args:?}: {all}");
    }
    // The problem keeps its place.
    let out = kanbao_in(dir, &["check", &bad]);
    assert!(
        stdout(&out).contains("x.json:1:11: field `title`"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn subscriptions_with_escapes_print_clean() {
    let tmp = TempDir::new("links");
    let dir = tmp.0.as_path();
    let url = format!(
        "file://{}/feed\u{1b}]0;PWNED\u{7}\u{9b}2J.xml",
        dir.display()
    );
    let out = kanbao_in(dir, &["subscribe", &url]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_clean("subscribe", &out);
    assert!(stdout(&out).starts_with("subscribed to file://"));
    // update: the feed is not there; the error names it, cleanly.
    let into = dir.join("library").display().to_string();
    let out = kanbao_in(dir, &["update", "--into", &into]);
    assert_clean("update", &out);
    assert!(stderr(&out).contains("feed.xml"), "{}", stderr(&out));
    let out = kanbao_in(dir, &["unsubscribe", &url]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_clean("unsubscribe", &out);
}

#[test]
fn config_warnings_are_printed_clean_by_every_command() {
    let tmp = TempDir::new("links");
    let dir = tmp.0.as_path();
    let config = dir.join("config/kanbao/config.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    // A key binding and a key name with ESC, CSI, C1 and bidi controls in them.
    std::fs::write(
        &config,
        "[keys]\nquit = \"<X\\u001b]0;PWNED\\u0007\\u001b[2J\\u009b31m\\u202e>\"\n\
         [display]\n\"y\\u009b2J\\u202e\" = 1\n",
    )
    .unwrap();
    let articles = dir.join("a.json");
    std::fs::write(&articles, r#"{"title":"t"}"#).unwrap();
    let articles = articles.display().to_string();
    for args in [
        vec!["list", &articles],
        vec!["read", &articles],
        vec!["check", &articles],
        vec!["export", "--opml"],
        vec!["config"],
    ] {
        let out = kanbao_in(dir, &args);
        assert_clean(&format!("kanbao {}", args[0]), &out);
        let all = stdout(&out) + &stderr(&out);
        assert!(
            all.contains("config.toml:2:8: key `keys.quit`"),
            "kanbao {args:?} names the line and column: {all}"
        );
        assert!(all.contains("config.toml:4:1"), "kanbao {args:?}: {all}");
        // What was written is quoted with its escapes spelt out, readable.
        assert!(
            all.contains(r"\u{1b}[2J\u{9b}31m"),
            "kanbao {args:?}: {all}"
        );
    }
}

#[test]
fn list_json_escapes_c1_and_bidi_controls_in_paths_and_keeps_them() {
    let tmp = TempDir::new("links");
    let dir = tmp.0.as_path();
    let path = dir.join("y\u{9b}2J\u{202e}\u{85}.json");
    std::fs::write(&path, r#"{"title":"t"}"#).unwrap();
    let out = kanbao_in(dir, &["list", "--json", &path.display().to_string()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_clean("list --json", &out);
    let line = stdout(&out);
    assert!(line.contains(r"y\u009b2J\u202e\u0085.json"), "{line}");
    let record: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(record["path"], path.display().to_string());
}

#[test]
fn a_bad_argument_is_not_echoed_raw_to_the_terminal() {
    // On a terminal clap would print the value it refuses as it is.
    let mut s = Session::spawn(80, 24, &["--color", "\u{1b}]0;PWNED\u{7}\u{9b}2J"], &[]);
    assert_eq!(s.wait_exit(), 2);
    let raw = String::from_utf8_lossy(&s.raw_output()).into_owned();
    assert!(raw.contains("--color"), "{raw:?}");
    assert!(!raw.contains("\u{1b}]0;PWNED"), "{raw:?}");
    assert!(!raw.contains('\u{9b}'), "{raw:?}");
}
