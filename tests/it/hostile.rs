//! Hostile articles: escape sequences, control characters and bidi overrides
//! in every field, through every output path of the real binary.
//!
//! The fixtures in `tests/fixtures/hostile/` (see the README there) hide every
//! family of terminal control sequence in every article field. Each article
//! carries an `expect` object: what each field must be once kanbao has cleaned
//! it. The payload words (`PWNED`, its base64 `UFdORUQ`, `evil.example`) exist
//! only inside sequences, so they must never be shown.

use crate::common::{TempDir, fixture, hostile_fixture, kanbao};
use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use kanbao_core::Library;
use kanbao_core::{Ambiguous, str_width};

/// The fixtures every output path is run on: valid files, hostile text only.
const FIXTURES: [&str; 2] = ["articles.json", "articles.jsonl"];

/// Text that exists in the fixtures only inside escape sequences.
const PAYLOADS: [&str; 5] = ["PWNED", "UFdORUQ", "evil.example", "rgb:ff/", "notify;"];

/// The family emoji (ZWJ sequence) that must survive cleaning.
const FAMILY: &str = "👩\u{200d}👩\u{200d}👧";

/// Keys replayed for every snapshot.
const KEYS: [&str; 4] = ["", "<Enter>", "G<Enter>", "jjj<Enter><C-d>"];

/// Runs kanbao, expects success and a clean, empty stderr; returns stdout.
fn run_ok(args: &[&str]) -> String {
    let out = kanbao(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "kanbao {args:?} failed: {stderr}");
    assert!(stderr.is_empty(), "kanbao {args:?} warned: {stderr}");
    String::from_utf8(out.stdout).unwrap_or_else(|e| panic!("kanbao {args:?}: not UTF-8: {e}"))
}

// --- what counts as clean ----------------------------------------------------

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Length of kanbao's own SGR sequence `ESC [ digits/semicolons m` at the start of `s`.
fn sgr_len(s: &str) -> Option<usize> {
    let rest = s.strip_prefix("\u{1b}[")?;
    let params = rest
        .find(|c: char| !(c.is_ascii_digit() || c == ';'))
        .unwrap_or(rest.len());
    rest[params..].starts_with('m').then_some(2 + params + 1)
}

/// The first thing in `text` that could steer a terminal: an ESC (other than
/// an SGR when `allow_sgr`), any other C0 control but `\n` (so also BEL, NUL,
/// CR, BS and tab), DEL, a C1 control, or a bidi override or isolate.
fn first_unsafe(text: &str, allow_sgr: bool) -> Option<(usize, char)> {
    let mut i = 0;
    while let Some(c) = text[i..].chars().next() {
        if c == '\u{1b}' && allow_sgr {
            match sgr_len(&text[i..]) {
                Some(n) => {
                    i += n;
                    continue;
                }
                None => return Some((i, c)),
            }
        }
        if (c.is_control() && c != '\n') || is_bidi_control(c) {
            return Some((i, c));
        }
        i += c.len_utf8();
    }
    None
}

/// Fails if `text` holds anything that could steer a terminal.
fn assert_safe(what: &str, text: &str, allow_sgr: bool) {
    if let Some((at, c)) = first_unsafe(text, allow_sgr) {
        let from = text.floor_char_boundary(at.saturating_sub(60));
        let to = text.ceil_char_boundary((at + 60).min(text.len()));
        panic!(
            "{what}: {c:?} at byte {at}, in …{}…",
            text[from..to].escape_debug()
        );
    }
}

/// [`assert_safe`], and no payload of a sequence shows.
fn assert_clean(what: &str, text: &str, allow_sgr: bool) {
    assert_safe(what, text, allow_sgr);
    for payload in PAYLOADS {
        if let Some(at) = text.find(payload) {
            let from = text.floor_char_boundary(at.saturating_sub(60));
            let to = text.ceil_char_boundary((at + 60).min(text.len()));
            panic!(
                "{what}: the payload {payload:?} is shown, in …{}…",
                text[from..to].escape_debug()
            );
        }
    }
}

/// The text without SGR sequences (call after [`assert_safe`] with SGR allowed).
fn strip_sgr(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('\u{1b}') {
        out.push_str(&rest[..at]);
        let n = sgr_len(&rest[at..]).expect("only SGR sequences");
        rest = &rest[at + n..];
    }
    out.push_str(rest);
    out
}

/// Text without whitespace: lines wrap and drop spaces at breaks, so the
/// text around a sequence is looked for with all whitespace removed.
fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn assert_shows(what: &str, output: &str, expected: &str) {
    let (out, want) = (squash(output), squash(expected));
    assert!(
        out.contains(&want),
        "{what}: {expected:?} is not shown; output:\n{output}"
    );
}

// --- the fixtures and what they must become ----------------------------------

/// An article's fields after cleaning (the `expect` object of each fixture article).
#[derive(Debug, Deserialize)]
struct Expect {
    id: String,
    title: String,
    source: Option<String>,
    authors: Vec<String>,
    editor: Option<String>,
    section: Vec<String>,
    url: Option<String>,
    lang: Option<String>,
    links: Vec<String>,
    body: Vec<String>,
}

/// The raw article objects of a fixture file, in load order.
fn raw_articles(name: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(hostile_fixture(name)).unwrap();
    if name.ends_with(".jsonl") {
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    } else {
        serde_json::from_str(&text).expect("a JSON array")
    }
}

fn expectations(name: &str) -> Vec<Expect> {
    raw_articles(name)
        .into_iter()
        .map(|a| serde_json::from_value(a["expect"].clone()).expect("an expect object"))
        .collect()
}

/// Expectations by id, and the ids in display order (newest first, from `list --json`).
fn by_display_order(name: &str) -> (HashMap<String, Expect>, Vec<String>) {
    let order = run_ok(&["list", "--json", &hostile_fixture(name)])
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["id"].as_str().unwrap().to_owned()
        })
        .collect();
    let map = expectations(name)
        .into_iter()
        .map(|e| (e.id.clone(), e))
        .collect();
    (map, order)
}

/// Every string in a JSON value.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|x| strings(x, out)),
        Value::Object(m) => m.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

// --- the fixtures themselves -------------------------------------------------

/// The files are printable, every family of sequence is in every field, and
/// the expectations hold no payload: so the tests below test something.
#[test]
fn fixtures_hide_every_family_in_every_field() {
    let families: &[(&str, &str)] = &[
        ("CSI", "\u{1b}["),
        ("CSI 2J", "\u{1b}[2J"),
        ("CSI 31m", "\u{1b}[31m"),
        ("CSI ?1049l", "\u{1b}[?1049l"),
        ("cursor move", "\u{1b}[10;5H"),
        ("OSC 0 with BEL", "\u{1b}]0;PWNED\u{7}"),
        ("OSC 2 with ST", "\u{1b}]2;PWNED\u{1b}\\"),
        ("OSC 52", "\u{1b}]52;c;UFdORUQ=\u{7}"),
        (
            "OSC 8",
            "\u{1b}]8;;http://evil.example/\u{7}click\u{1b}]8;;\u{7}",
        ),
        ("DCS", "\u{1b}P"),
        ("SOS", "\u{1b}X"),
        ("PM", "\u{1b}^"),
        ("APC", "\u{1b}_"),
        ("ESC c", "\u{1b}c"),
        ("ESC 7", "\u{1b}7"),
        ("ESC ( 0", "\u{1b}(0"),
        ("C1 CSI", "\u{9b}31m"),
        ("C1 OSC", "\u{9d}0;PWNED\u{9c}"),
        ("C1 NEL", "\u{85}"),
        ("NUL", "\u{0}"),
        ("BEL", "\u{7}"),
        ("BS", "\u{8}"),
        ("CR", "\r"),
        ("DEL", "\u{7f}"),
        ("tab", "\t"),
        (
            "unterminated OSC at the end",
            "\u{1b}]0;PWNED never terminated",
        ),
    ];
    let all_fields = [
        "title", "body", "source", "authors", "editor", "section", "url", "lang", "id", "links",
    ];
    // Every C1 control and every bidi control, each on its own.
    let singles: Vec<String> = ('\u{80}'..='\u{9f}')
        .chain('\u{202a}'..='\u{202e}')
        .chain('\u{2066}'..='\u{2069}')
        .map(String::from)
        .collect();
    let singles: Vec<(&str, &str)> = singles
        .iter()
        .map(|s| ("single control", s.as_str()))
        .collect();
    // (field, sequence) pairs found.
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for name in FIXTURES {
        let raw = std::fs::read_to_string(hostile_fixture(name)).unwrap();
        assert!(
            raw.chars()
                .all(|c| c == '\n' || !(c.is_control() || c == '\u{200d}' || is_bidi_control(c))),
            "{name}: the file itself must stay printable (write \\u escapes)"
        );
        for article in raw_articles(name) {
            let mut clean = Vec::new();
            strings(&article["expect"], &mut clean);
            for s in &clean {
                assert_clean(&format!("{name}: expectation"), s, false);
            }
            for (key, value) in article.as_object().unwrap() {
                // Aliases count as the field they stand for.
                let field = match key.as_str() {
                    "media" => "source",
                    "author" => "authors",
                    "content" | "text" => "body",
                    k => match all_fields.iter().find(|f| **f == k) {
                        Some(f) => *f,
                        None => continue,
                    },
                };
                let mut texts = Vec::new();
                strings(value, &mut texts);
                for &(family, seq) in families.iter().chain(&singles) {
                    let found = if family.starts_with("unterminated") {
                        texts.iter().any(|t| t.ends_with(seq))
                    } else {
                        texts.iter().any(|t| t.contains(seq))
                    };
                    if found {
                        seen.push((field, seq));
                    }
                }
            }
        }
    }
    for field in all_fields {
        for &(family, seq) in families.iter().chain(&singles) {
            assert!(
                seen.contains(&(field, seq)),
                "no {family} {seq:?} in any `{field}` field"
            );
        }
    }
    // Good articles sit beside the hostile ones in the JSON Lines file.
    let plain = raw_articles("articles.jsonl")
        .into_iter()
        .filter(|a| {
            let mut s = Vec::new();
            strings(a, &mut s);
            s.iter().all(|s| first_unsafe(s, false).is_none())
        })
        .count();
    assert!(plain >= 2, "articles.jsonl needs plain articles too");
}

// --- loading -------------------------------------------------------------------

/// Every field of every article, the ones no command prints included
/// (editor, section, links), is exactly the text around the sequences.
#[test]
fn every_field_is_cleaned_when_loaded() {
    for name in FIXTURES {
        let lib = Library::load(&[hostile_fixture(name)]);
        assert!(lib.problems.is_empty(), "{name}: {:?}", lib.problems);
        let expect = expectations(name);
        assert_eq!(lib.articles.len(), expect.len(), "{name}");
        for (a, e) in lib.articles.iter().zip(&expect) {
            let what = format!("{name}: article {:?}", e.id);
            assert_eq!(a.id, e.id, "{what}: id");
            assert_eq!(a.title, e.title, "{what}: title");
            assert_eq!(a.source, e.source, "{what}: source");
            assert_eq!(a.authors, e.authors, "{what}: authors");
            assert_eq!(a.editor, e.editor, "{what}: editor");
            assert_eq!(a.section, e.section, "{what}: section");
            assert_eq!(a.url, e.url, "{what}: url");
            assert_eq!(a.lang, e.lang, "{what}: lang");
            assert_eq!(a.links, e.links, "{what}: links");
            assert_eq!(a.body, e.body, "{what}: body");
            let fields = [&a.id, &a.title]
                .into_iter()
                .chain(&a.source)
                .chain(&a.authors)
                .chain(&a.editor)
                .chain(&a.section)
                .chain(&a.url)
                .chain(&a.lang)
                .chain(&a.links)
                .chain(&a.body);
            for field in fields {
                assert_clean(&what, field, false);
            }
        }
    }
}

// --- read ----------------------------------------------------------------------

#[test]
fn read_shows_the_text_around_every_sequence_and_nothing_else() {
    for name in FIXTURES {
        let path = hostile_fixture(name);
        let runs: [(&[&str], usize, Ambiguous); 3] = [
            (&["--width", "60"], 60, Ambiguous::Narrow),
            (
                &["--width", "20", "--ambiguous", "wide"],
                20,
                Ambiguous::Wide,
            ),
            (
                &["--width", "60", "--color", "always"],
                60,
                Ambiguous::Narrow,
            ),
        ];
        for (options, width, amb) in runs {
            let mut args = vec!["read", path.as_str()];
            args.extend_from_slice(options);
            let what = format!("kanbao {}", args.join(" "));
            let colored = options.contains(&"always");
            let out = run_ok(&args);
            assert_clean(&what, &out, colored);
            let text = if colored { strip_sgr(&out) } else { out };
            for line in text.lines() {
                assert!(str_width(line, amb) <= width, "{what}: too wide: {line:?}");
            }
            for e in expectations(name) {
                let fields = [&e.title]
                    .into_iter()
                    .chain(&e.source)
                    .chain(&e.authors)
                    .chain(&e.url)
                    .chain(&e.body);
                for field in fields {
                    assert_shows(&what, &text, field);
                }
            }
            assert!(
                text.contains(FAMILY),
                "{what}: the ZWJ family emoji did not survive"
            );
        }
    }
}

#[test]
fn read_by_index_prints_each_article_clean() {
    for name in FIXTURES {
        let path = hostile_fixture(name);
        for (i, e) in expectations(name).iter().enumerate() {
            let index = i.to_string();
            let args = ["read", &path, "--index", &index, "--width", "40"];
            let out = run_ok(&args);
            assert_clean(&format!("{args:?}"), &out, false);
            assert!(
                squash(&out).starts_with(&squash(&e.title)),
                "{args:?}: does not start with the title {:?}:\n{out}",
                e.title
            );
        }
    }
}

// --- list ----------------------------------------------------------------------

#[test]
fn list_prints_clean_titles() {
    for name in FIXTURES {
        let args = ["list", &hostile_fixture(name)];
        let out = run_ok(&args);
        let what = format!("kanbao {}", args.join(" "));
        assert_clean(&what, &out, false);
        let expect = expectations(name);
        assert_eq!(out.lines().count(), expect.len(), "{what}:\n{out}");
        for e in &expect {
            assert!(
                out.lines().any(|l| l.ends_with(&format!("  {}", e.title))),
                "{what}: title {:?} not listed:\n{out}",
                e.title
            );
        }
    }
}

#[test]
fn list_json_is_clean_raw_and_decoded() {
    for name in FIXTURES {
        let path = hostile_fixture(name);
        let args = ["list", "--json", &path];
        let what = format!("kanbao {}", args.join(" "));
        let raw = run_ok(&args);
        assert_clean(&what, &raw, false);
        // A JSON escape (\u001b, \t, …) would put the sequence back together
        // in whatever reads the JSON; the clean text needs no backslash at all.
        assert!(!raw.contains('\\'), "{what}: a JSON escape in\n{raw}");
        let expect = expectations(name);
        let by_id: HashMap<&str, &Expect> = expect.iter().map(|e| (e.id.as_str(), e)).collect();
        let mut seen = 0;
        for line in raw.lines() {
            let record: Value = serde_json::from_str(line).expect("a JSON line");
            let mut texts = Vec::new();
            strings(&record, &mut texts);
            for s in &texts {
                assert_clean(&what, s, false);
            }
            let id = record["id"].as_str().expect("an id");
            let e = by_id
                .get(id)
                .unwrap_or_else(|| panic!("{what}: unknown id {id:?}"));
            assert_eq!(record["title"], e.title.as_str(), "{what}");
            assert_eq!(record["source"].as_str(), e.source.as_deref(), "{what}");
            // `url` is the address `o` would open (the one link check's form).
            let link = e
                .url
                .as_deref()
                .and_then(|u| kanbao_core::Link::parse(u).ok());
            assert_eq!(
                record["url"].as_str(),
                link.as_ref().map(kanbao_core::Link::as_str),
                "{what}"
            );
            assert_eq!(record["lang"].as_str(), e.lang.as_deref(), "{what}");
            assert_eq!(record["path"], path.as_str(), "{what}");
            seen += 1;
        }
        assert_eq!(seen, expect.len(), "{what}");
    }
}

// --- snapshot ------------------------------------------------------------------

/// The glyphs of an SVG snapshot, in order (spaces are not drawn).
fn svg_glyphs(svg: &str) -> String {
    let mut out = String::new();
    for part in svg.split("<text ").skip(1) {
        let start = part.find('>').expect("a text element") + 1;
        let end = part.find("</text>").expect("a closed text element");
        out.push_str(
            &part[start..end]
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&amp;", "&"),
        );
    }
    out
}

/// The title as the 80-column list shows it: at least its first 40 cells.
fn title_head(title: &str) -> String {
    kanbao_core::truncate(title, 40, Ambiguous::Narrow)
        .trim_end_matches('…')
        .to_owned()
}

#[test]
fn snapshots_in_every_format_are_clean() {
    for name in FIXTURES {
        let path = hostile_fixture(name);
        let (expect, order) = by_display_order(name);
        let n = order.len();
        for keys in KEYS {
            let snap = |format: &str| {
                let args = [
                    "snapshot", "--size", "80x24", "--keys", keys, "--format", format, &path,
                ];
                let what = format!("kanbao {}", args.join(" "));
                (run_ok(&args), what)
            };

            let (text, what) = snap("text");
            assert_clean(&what, &text, false);
            assert_eq!(text.lines().count(), 24, "{what}");
            for line in text.lines() {
                assert!(str_width(line, Ambiguous::Narrow) <= 80, "{what}: {line:?}");
            }
            match keys {
                "" => {
                    for id in &order {
                        assert_shows(&what, &text, &title_head(&expect[id].title));
                    }
                }
                "<Enter>" | "G<Enter>" => {
                    let e = &expect[if keys == "<Enter>" {
                        &order[0]
                    } else {
                        &order[n - 1]
                    }];
                    assert_shows(&what, &text, &e.title);
                    if let Some(source) = &e.source {
                        assert_shows(&what, &text, source);
                    }
                }
                _ => {
                    let status = text.lines().last().unwrap_or_default();
                    assert!(status.starts_with(&format!(" 4/{n}")), "{what}: {status:?}");
                }
            }

            let (ansi, what) = snap("ansi");
            assert_clean(&what, &ansi, true);
            let visible: Vec<String> = strip_sgr(&ansi)
                .lines()
                .map(|l| l.trim_end_matches(' ').to_owned())
                .collect();
            assert_eq!(
                visible,
                text.lines().collect::<Vec<_>>(),
                "{what}: not the same screen as the text snapshot"
            );

            let (svg, what) = snap("svg");
            assert_clean(&what, &svg, false);
            assert!(
                svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
                "{what}"
            );
            assert_eq!(
                squash(&svg_glyphs(&svg)),
                squash(&text),
                "{what}: not the same screen as the text snapshot"
            );
        }
    }
}

/// Markup in a title is text: the SVG escapes it.
#[test]
fn svg_snapshot_escapes_markup_in_titles() {
    let svg = run_ok(&[
        "snapshot",
        "--size",
        "80x24",
        "--format",
        "svg",
        &hostile_fixture("articles.jsonl"),
    ]);
    assert!(
        svg.contains(">&lt;</text>") && svg.contains(">&amp;</text>"),
        "{svg}"
    );
    assert!(!svg.contains("<b>") && !svg.contains("</b>"), "{svg}");
}

// --- check -----------------------------------------------------------------------

#[test]
fn check_accepts_hostile_text() {
    for name in FIXTURES {
        let args = ["check", &hostile_fixture(name)];
        let out = kanbao(&args);
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert_eq!(out.status.code(), Some(0), "kanbao {args:?}:\n{stdout}");
        assert_clean(&format!("{args:?}"), &stdout, false);
        let n = expectations(name).len();
        assert_eq!(stdout, format!("{n} articles in 1 files: no problems\n"));
    }
}

// --- bad input next to hostile text ------------------------------------------------

/// The lines of `invalid.jsonl` that are rejected, with what the message names.
const INVALID: [(usize, &str); 9] = [
    (2, "field `title`: the title is empty"),
    (3, "field `published`: cannot read date"),
    (4, "field `published`: unknown time zone \"Mars/Olympus\""),
    (
        5,
        "not an article: expected a JSON object with a \"title\", found a string",
    ),
    (6, "invalid JSON"),
    (7, "field `body[1]`: expected a string, found a number"),
    (8, "field `authors[0]`: expected a string, found an object"),
    (9, "field `title`: expected a string, found a number"),
    (11, "field `id`: duplicate id \"dup\""),
];

/// The one way a payload may appear in a problem message: quoted with its
/// sequence, escaped (`\u{1b}]0;PWNED\u{7}`), so it is inert text.
const QUOTED_PAYLOAD: &str = "\\u{1b}]0;PWNED\\u{7}";

#[test]
fn problems_next_to_hostile_text_are_reported_safely() {
    let path = hostile_fixture("invalid.jsonl");
    let out = kanbao(&["check", &path]);
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert_safe("kanbao check invalid.jsonl", &stdout, false);
    assert_clean(
        "kanbao check invalid.jsonl (quoted payloads removed)",
        &stdout.replace(QUOTED_PAYLOAD, ""),
        false,
    );
    for (line, message) in INVALID {
        let prefix = format!("{path}:{line}:");
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(&prefix) && l.contains(message)),
            "no {prefix} … {message} in\n{stdout}"
        );
    }
    assert!(
        stdout.ends_with(&format!(
            "4 articles in 1 files: {} problems\n",
            INVALID.len()
        )),
        "{stdout}"
    );

    // The good articles load beside the bad ones; the warnings are clean too.
    for args in [
        vec!["list", path.as_str()],
        vec!["list", "--json", path.as_str()],
        vec!["read", path.as_str(), "--width", "30"],
        vec![
            "snapshot",
            "--size",
            "80x24",
            "--keys",
            "<Enter>",
            "--format",
            "ansi",
            path.as_str(),
        ],
    ] {
        let out = kanbao(&args);
        assert!(out.status.success(), "{args:?}");
        let stdout = String::from_utf8(out.stdout).expect("UTF-8");
        let stderr = String::from_utf8(out.stderr).expect("UTF-8");
        assert_clean(&format!("{args:?}"), &stdout, args[0] == "snapshot");
        assert_safe(&format!("{args:?} stderr"), &stderr, false);
        assert_clean(
            &format!("{args:?} stderr (quoted payloads removed)"),
            &stderr.replace(QUOTED_PAYLOAD, ""),
            false,
        );
        assert_eq!(stderr.lines().count(), INVALID.len(), "{args:?}:\n{stderr}");
        assert!(
            stderr.lines().all(|l| l.starts_with("kanbao: warning: ")),
            "{stderr}"
        );
        if args[0] == "list" {
            for title in ["坏文件里的好文章", "重复一", "重复二", "最后一篇好文章"]
            {
                assert!(
                    stdout.contains(title),
                    "{args:?}: {title} missing:\n{stdout}"
                );
            }
        }
    }
}

/// Problem messages quote a bad date or a non-object line as Rust debug
/// strings: escaped, so inert, but the payload text is shown.
#[test]
fn problem_messages_never_show_a_sequence_payload() {
    let out = kanbao(&["check", &hostile_fixture("invalid.jsonl")]);
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    assert_clean("kanbao check invalid.jsonl", &stdout, false);
}

/// Control characters written raw into the file (not as `\u` escapes): legal
/// JSON for C1, DEL and bidi controls, a JSON error for C0, invalid UTF-8 for
/// a lone 8-bit byte. Either way nothing reaches the output.
#[test]
fn raw_control_bytes_in_files_never_reach_the_output() {
    let dir = TempDir::new("hostile");
    let raw_chars = dir.write(
        "raw.json",
        "{\"title\":\"原始\u{9b}31m字节\u{202e}标题\u{7f}\u{85}\u{9d}0;PWNED\u{9c}完\",\"body\":\"正\u{2067}文\u{9b}2J。\"}"
            .as_bytes(),
    ).display().to_string();
    let raw_c0 = dir.write(
        "raw.jsonl",
        b"{\"title\":\"\x1b]0;PWNED\x07\"}\n{\"title\":\"ok\",\"source\":\x1b[2J}\n{\"title\":\"\xc2\x9b31m\x9b2J\"}\n{\"title\":\"\xe5\xa5\xbd\"}\n",
    ).display().to_string();
    for args in [
        vec!["list", raw_chars.as_str(), raw_c0.as_str()],
        vec!["list", "--json", raw_chars.as_str(), raw_c0.as_str()],
        vec!["read", raw_chars.as_str(), raw_c0.as_str()],
        vec!["check", raw_chars.as_str(), raw_c0.as_str()],
        vec![
            "snapshot",
            "--size",
            "60x10",
            "--keys",
            "<Enter>",
            "--format",
            "ansi",
            raw_chars.as_str(),
            raw_c0.as_str(),
        ],
    ] {
        let out = kanbao(&args);
        let stdout = String::from_utf8(out.stdout).expect("UTF-8 stdout");
        let stderr = String::from_utf8(out.stderr).expect("UTF-8 stderr");
        assert_clean(&format!("{args:?}"), &stdout, args[0] == "snapshot");
        assert_clean(&format!("{args:?} stderr"), &stderr, false);
        let problems = if args[0] == "check" { &stdout } else { &stderr };
        for line in [1, 2, 3] {
            assert!(
                problems.contains(&format!("raw.jsonl:{line}:")),
                "{args:?}: line {line} of raw.jsonl not reported:\n{problems}"
            );
        }
        if args[0] != "check" {
            assert_shows(&format!("{args:?}"), &stdout, "原始字节标题完");
        }
        if args[0] == "list" || args[0] == "read" {
            assert_shows(&format!("{args:?}"), &stdout, "好");
        }
        if args[0] == "read" {
            assert_shows(&format!("{args:?}"), &stdout, "正文。");
        }
    }
}

/// The whole fixture directory at once: the valid files load beside
/// `invalid.jsonl` (whose problems are warnings), nothing unsafe is printed.
#[test]
fn the_fixture_directory_loads_as_a_library() {
    let dir = fixture("hostile");
    let out = kanbao(&["list", &dir]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    let stderr = String::from_utf8(out.stderr).expect("UTF-8");
    assert_safe("kanbao list <dir>", &stdout, false);
    assert_safe("kanbao list <dir> stderr", &stderr, false);
    for name in FIXTURES {
        for e in expectations(name) {
            assert!(stdout.contains(&e.title), "{} missing:\n{stdout}", e.title);
        }
    }
    assert!(
        stderr.lines().all(|l| l.contains("invalid.jsonl:")),
        "only invalid.jsonl has problems:\n{stderr}"
    );
}

// --- sequences interrupted the way terminals allow ------------------------------------

/// Sequences a terminal's parser cuts short or restarts (`ESC ESC ]…`, an
/// OSC cut by a CSI, a BEL inside a CSI): whatever kanbao makes of them, no
/// control character reaches any output.
#[test]
fn interrupted_sequences_never_reach_the_output() {
    let path = hostile_fixture("interrupted.jsonl");
    let mut runs = vec![
        vec![
            "read".to_owned(),
            path.clone(),
            "--width".into(),
            "40".into(),
        ],
        vec!["list".into(), path.clone()],
        vec!["list".into(), "--json".into(), path.clone()],
    ];
    for keys in KEYS {
        for format in ["text", "ansi", "svg"] {
            runs.push(
                [
                    "snapshot", "--size", "80x24", "--keys", keys, "--format", format, &path,
                ]
                .map(str::to_owned)
                .to_vec(),
            );
        }
    }
    for args in runs {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run_ok(&args);
        assert_safe(&format!("{args:?}"), &out, args.contains(&"ansi"));
        if args.contains(&"--json") {
            assert!(!out.contains('\\'), "{args:?}: a JSON escape in\n{out}");
        }
    }
}

/// What a terminal would do with the same bytes: the text on both sides of
/// each interrupted sequence joins up, and none of its payload shows.
#[test]
fn interrupted_sequences_leave_only_the_text_around_them() {
    let name = "interrupted.jsonl";
    let lib = Library::load(&[hostile_fixture(name)]);
    let mut wrong = Vec::new();
    for (a, e) in lib.articles.iter().zip(expectations(name)) {
        for (got, want) in [(&a.title, &e.title), (&a.body[0], &e.body[0])]
            .into_iter()
            .chain(a.source.iter().zip(e.source.iter()))
        {
            if got != want {
                wrong.push(format!("{want:?} shown as {got:?}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The checker itself: kanbao's own SGR passes, nothing else does.
#[test]
fn the_checker_accepts_only_sgr() {
    assert_eq!(first_unsafe("\u{1b}[0;1;33m标题\u{1b}[m\n", true), None);
    for bad in [
        "\u{1b}[2J",
        "\u{1b}[31",
        "\u{1b}]0;x\u{7}",
        "\u{1b}c",
        "\u{1b}",
        "\u{9b}31m",
        "\u{85}",
        "\u{7f}",
        "\r",
        "\t",
        "\u{0}",
        "\u{202e}",
        "\u{2066}",
    ] {
        assert!(first_unsafe(&format!("ok{bad}"), true).is_some(), "{bad:?}");
    }
    assert!(first_unsafe("\u{1b}[31m", false).is_some());
    assert_eq!(strip_sgr("a\u{1b}[0;7mb\u{1b}[0m"), "ab");
}
