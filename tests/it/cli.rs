//! The command-line contract (the README and ARCHITECTURE.md), tested on the real binary.

use crate::common::{NOWHERE, TempDir, kanbao, kanbao_command};
use std::process::{Command, Output};

use kanbao_core::{Ambiguous, str_width};

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 output")
}

const SEED_ID: &str = "d3bea864ce180406";

#[test]
fn read_prints_title_meta_blank_then_paragraphs_within_the_width() {
    let out = kanbao(&["read", "--width", "40", "--id", SEED_ID]);
    assert!(out.status.success());
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "嘉兴制造业向高质量迈进");
    assert!(
        lines[1].starts_with("2023-01-06 09:18 · 嘉兴日报"),
        "{}",
        lines[1]
    );
    let blank = lines.iter().position(|l| l.is_empty()).unwrap();
    assert!(
        lines[blank + 1].starts_with("　　制造业是立市之本"),
        "{}",
        lines[blank + 1]
    );
    let joined = text.replace('\n', "");
    assert!(joined.contains("均提前完成年度目标任务"));
    assert!(joined.contains("原文标题"));
    for nav in ["新闻投稿", "新闻热线", "您的位置", "发布时间"] {
        assert!(
            !text.contains(nav),
            "site chrome {nav:?} leaked into the article"
        );
    }
    for line in &lines {
        assert!(str_width(line, Ambiguous::Narrow) <= 40, "{line:?}");
    }
    assert!(
        !text.contains('\u{1b}'),
        "no escape codes when stdout is not a terminal"
    );
}

#[test]
fn read_in_wide_mode_fits_terminals_that_draw_quotes_wide() {
    let out = kanbao(&[
        "read",
        "--width",
        "30",
        "--ambiguous",
        "wide",
        "--id",
        SEED_ID,
    ]);
    for line in stdout(&out).lines() {
        assert!(str_width(line, Ambiguous::Wide) <= 30, "{line:?}");
    }
}

#[test]
fn read_by_index_and_errors_for_unknown_ids() {
    let dir = TempDir::new("cli");
    let path = dir
        .write(
            "a.json",
            r#"[{"title":"一"},{"title":"二","body":"正文"}]"#.as_bytes(),
        )
        .display()
        .to_string();
    let out = kanbao(&["read", &path, "--index", "1", "--width", "20"]);
    assert_eq!(stdout(&out), "二\n\n正文\n");
    let out = kanbao(&["read", &path, "--index", "5"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("out of range"));
    let out = kanbao(&["read", &path, "--id", "nope"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no article with id \"nope\""));
}

#[test]
fn list_is_newest_first_and_json_has_the_contract_fields() {
    let out = kanbao(&["list", "--json"]);
    assert!(out.status.success());
    let records: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert!(
        records.len() >= 12,
        "sample library has at least 12 articles"
    );
    for r in &records {
        for field in ["id", "title", "published", "source", "url", "lang", "path"] {
            assert!(r.get(field).is_some(), "missing {field} in {r}");
        }
    }
    let seed = records
        .iter()
        .find(|r| r["id"] == SEED_ID)
        .expect("seed listed");
    assert_eq!(seed["published"], "2023-01-06T09:18:16+08:00");
    assert_eq!(
        records.last().unwrap()["id"],
        SEED_ID,
        "the 2023 article is the oldest"
    );

    let plain = stdout(&kanbao(&["list"]));
    assert_eq!(plain.lines().count(), records.len());
    assert!(
        plain
            .lines()
            .last()
            .unwrap()
            .contains("嘉兴制造业向高质量迈进")
    );
}

#[test]
fn list_puts_undated_articles_last_in_file_order() {
    let dir = TempDir::new("cli");
    let path = dir.write(
        "a.jsonl",
        "{\"title\":\"无日期一\"}\n{\"title\":\"旧\",\"published\":\"2020-01-01T00:00:00Z\"}\n{\"title\":\"无日期二\"}\n{\"title\":\"新\",\"published\":\"2024-05-01 08:00:00\",\"tz\":\"Asia/Shanghai\"}\n"
            .as_bytes(),
    ).display().to_string();
    let text = stdout(&kanbao(&["list", &path]));
    let titles: Vec<&str> = text
        .lines()
        .map(|l| l.split_whitespace().last().unwrap())
        .collect();
    assert_eq!(titles, ["新", "旧", "无日期一", "无日期二"]);
}

#[test]
fn check_names_file_line_column_and_field_and_exits_1() {
    let dir = TempDir::new("cli");
    dir.write("good.json", r#"{"title":"好"}"#.as_bytes());
    dir.write(
        "bad.json",
        b"[\n  {\"title\": \"ok\"},\n  {\"title\": [1]}\n]\n",
    );
    dir.write("broken.jsonl", b"{\"title\":\"a\"}\n{\"title\":\"b\",}\n");
    let out = kanbao(&["check", &dir.0.display().to_string()]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let bad = dir.0.join("bad.json").display().to_string();
    assert!(
        text.contains(&format!(
            "{bad}:3:13: field `title`: expected a string, found an array"
        )),
        "{text}"
    );
    let broken = dir.0.join("broken.jsonl").display().to_string();
    assert!(text.contains(&format!("{broken}:2:")), "{text}");
    assert!(text.contains("3 articles in 3 files: 2 problems"), "{text}");
}

#[test]
fn check_passes_the_sample_library() {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/data");
    let out = kanbao(&["check", data]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).contains("no problems"));
}

#[test]
fn good_articles_load_beside_bad_ones_with_a_warning() {
    let dir = TempDir::new("cli");
    dir.write(
        "a.jsonl",
        b"{\"title\":\"good one\"}\nnot json\n{\"title\":\"good two\"}\n",
    );
    let out = kanbao(&["list", &dir.0.display().to_string()]);
    assert!(out.status.success());
    assert_eq!(stdout(&out).lines().count(), 2);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("a.jsonl:2:2: invalid JSON: expected ident")
    );
}

#[test]
fn snapshot_prints_exactly_the_screen() {
    let out = kanbao(&["snapshot", "--size", "80x24", "--keys", "G<Enter>"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 24);
    assert!(text.lines().all(|l| str_width(l, Ambiguous::Narrow) <= 80));
    assert!(text.contains("嘉兴制造业向高质量迈进"));

    let ansi = stdout(&kanbao(&[
        "snapshot", "--size", "80x24", "--format", "ansi",
    ]));
    assert!(ansi.contains("\u{1b}[") && ansi.lines().count() == 24);

    let svg = stdout(&kanbao(&[
        "snapshot", "--size", "40x15", "--format", "svg", "--keys", "G<Enter>",
    ]));
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    // A wide character spans exactly two 10-pixel cells.
    assert!(
        svg.contains(r#"textLength="20" lengthAdjust="spacingAndGlyphs">嘉</text>"#),
        "{svg}"
    );
}

#[test]
fn snapshot_in_two_panes_shows_the_article_the_keys_stopped_at() {
    // The browser waits for the selection to rest before the reader beside
    // the list follows it; a snapshot is the screen once the keys stopped.
    let out = kanbao(&["snapshot", "--size", "120x36", "--keys", "G"]);
    assert!(out.status.success());
    let text = stdout(&out);
    let first = text.lines().next().unwrap();
    let reader = first.split_once('│').map(|(_, r)| r.trim()).unwrap();
    assert_eq!(reader, "嘉兴制造业向高质量迈进", "{text}");
}

#[test]
fn snapshot_rejects_bad_keys_and_sizes_clearly() {
    let out = kanbao(&["snapshot", "--size", "80x24", "--keys", "j<Nope>"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown key <Nope> at position 1"));
    let out = kanbao(&["snapshot", "--size", "eighty"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("WIDTHxHEIGHT"));
}

#[test]
fn escape_sequences_in_articles_never_reach_the_output() {
    let dir = TempDir::new("cli");
    let hostile = "{\"title\":\"正常标题\\u001b]0;pwned\\u0007看这里\",\"source\":\"\\u001b[2J源\",\"authors\":[\"\\u009b31m作者\"],\"body\":[\"段落\\u001bc一\\u202e二\\u001b]52;c;ZXZpbA==\\u001b\\\\三\"]}";
    let path = dir
        .write("h.json", hostile.as_bytes())
        .display()
        .to_string();
    for args in [
        vec!["read", path.as_str(), "--width", "40"],
        vec!["list", path.as_str()],
        vec!["list", "--json", path.as_str()],
        vec![
            "snapshot",
            "--size",
            "80x24",
            "--format",
            "ansi",
            "--keys",
            "<Enter>",
            path.as_str(),
        ],
    ] {
        let out = kanbao(&args);
        let text = stdout(&out);
        let visible: String = if args[0] == "snapshot" {
            // Only kanbao's own SGR codes may appear.
            text.replace("\u{1b}[", "")
                .chars()
                .filter(|c| c.is_ascii_digit() || *c != 'm')
                .collect()
        } else {
            text.clone()
        };
        for bad in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}'] {
            if args[0] == "snapshot" && bad == '\u{1b}' {
                assert!(
                    !text.contains("\u{1b}]") && !text.contains("\u{1b}c"),
                    "{args:?}: {text:?}"
                );
            } else {
                assert!(!visible.contains(bad), "{args:?} leaked {bad:?}: {text:?}");
            }
        }
        if args[0] != "list" || args.len() == 2 {
            assert!(text.contains("正常标题看这里"), "{args:?}: {text}");
        }
    }
}

#[test]
fn browser_without_a_terminal_says_what_to_use_instead() {
    let out = kanbao(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("kanbao list"));
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    use std::io::Read;
    let mut child = kanbao_command()
        .args(["read", "--width", "6"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read one byte, then close the pipe like `head -c1` does.
    let mut first = [0u8; 1];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{:?}", out.status);
    assert!(
        String::from_utf8_lossy(&out.stderr).is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `list` and `read` keep bodies on disk as the browser does (and use its
/// metadata cache): a search still finds words that are only in bodies,
/// with nothing cached and from the cache, and `read` shows the body.
#[test]
fn list_and_read_find_and_show_bodies_left_on_disk() {
    let dir = TempDir::new("cli-lazy");
    let cache = dir.0.join("cache");
    let mut jsonl = String::new();
    for n in 0..3000 {
        let word = if n % 7 == 0 { "光伏" } else { "风电" };
        let filler = "这是一段用来把文件撑到一兆以上的正文。".repeat(12);
        jsonl.push_str(&format!(
            "{{\"id\":\"a{n}\",\"title\":\"第{n}篇\",\"published\":\"2024-01-01T{:02}:{:02}:00+08:00\",\"body\":[\"{filler}\",\"{word}产业的第{n}段。\"]}}\n",
            n / 60 % 24,
            n % 60
        ));
    }
    assert!(jsonl.len() > 1 << 20, "big enough for the metadata cache");
    let file = dir
        .write("big.jsonl", jsonl.as_bytes())
        .display()
        .to_string();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_kanbao"))
            .args(args)
            .env("XDG_CACHE_HOME", &cache)
            .env("XDG_STATE_HOME", dir.0.join("state"))
            .env("XDG_CONFIG_HOME", NOWHERE)
            .output()
            .expect("binary runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout(&out)
    };
    let mut expected: Vec<String> = (0..3000)
        .filter(|n| n % 7 == 0)
        .map(|n| format!("第{n}篇"))
        .collect();
    expected.sort();
    for pass in ["nothing cached", "cached"] {
        let listed = run(&["list", "--json", "--query", "光伏", &file]);
        let mut titles: Vec<String> = listed
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["title"].to_string())
            .map(|t| t.trim_matches('"').to_owned())
            .collect();
        titles.sort();
        assert_eq!(titles, expected, "{pass}");
        let none = run(&["list", "--query", "光伏 风电", &file]);
        assert_eq!(none, "", "{pass}: no article holds both");
    }
    assert!(
        std::fs::read_dir(cache.join("kanbao")).is_ok_and(|d| d.count() > 0),
        "the first run cached the scan"
    );
    let read = run(&["read", "--width", "60", "--id", "a14", &file]);
    assert!(
        read.contains("第14篇") && read.contains("光伏产业的第14段。"),
        "{read}"
    );
}

/// `kanbao list`'s line for the Jiaxing article (published 09:18 in
/// Beijing, +08:00), with `TZ` and an optional config file.
fn jiaxing_line(tz: &str, config: Option<&str>) -> (String, String) {
    let dir = TempDir::new("cli-zone");
    let mut command = kanbao_command();
    if let Some(text) = config {
        std::fs::create_dir_all(dir.path("config/kanbao")).unwrap();
        std::fs::write(dir.path("config/kanbao/config.toml"), text).unwrap();
        command.env("XDG_CONFIG_HOME", dir.path("config"));
    }
    let out = command.env("TZ", tz).arg("list").output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let line = stdout
        .lines()
        .find(|l| l.contains("嘉兴制造业向高质量迈进"))
        .expect("the article is listed")
        .to_string();
    (line, String::from_utf8(out.stderr).unwrap())
}

#[test]
fn dates_are_shown_in_the_readers_time_zone() {
    let at = |tz: &str| jiaxing_line(tz, None).0;
    assert!(
        at("Asia/Shanghai").starts_with("2023-01-06 09:18"),
        "{}",
        at("Asia/Shanghai")
    );
    assert!(at("UTC").starts_with("2023-01-06 01:18"));
    // The day before, in New York.
    assert!(at("America/New_York").starts_with("2023-01-05 20:18"));
    // display.timezone wins over TZ; a zone it does not know is a warning
    // naming the place, and TZ is used.
    let (line, warned) = jiaxing_line("UTC", Some("[display]\ntimezone = \"Asia/Tokyo\"\n"));
    assert!(line.starts_with("2023-01-06 10:18"), "{line}");
    assert_eq!(warned, "");
    let (line, warned) = jiaxing_line("UTC", Some("[display]\ntimezone = \"Mars/Olympus\"\n"));
    assert!(line.starts_with("2023-01-06 01:18"), "{line}");
    assert!(
        warned.contains(
            "config.toml:2:12: key `display.timezone`: unknown time zone \"Mars/Olympus\""
        ),
        "{warned}"
    );
}

#[test]
fn read_prints_newest_first_no_wider_than_the_measure() {
    let dir = TempDir::new("cli-read-order");
    let path = dir
        .write(
            "two.json",
            r#"[{"title":"较早的一篇","published":"2024-01-01T08:00:00+08:00","body":"旧闻。"},
                {"title":"较新的一篇","published":"2024-06-01T08:00:00+08:00","body":"新闻。"}]"#
                .as_bytes(),
        )
        .display()
        .to_string();
    let out = kanbao(&["read", &path]);
    let text = stdout(&out);
    let (newer, older) = (
        text.find("较新的一篇").unwrap(),
        text.find("较早的一篇").unwrap(),
    );
    assert!(newer < older, "{text}");
    // --index still counts in load order.
    assert!(stdout(&kanbao(&["read", &path, "--index", "0"])).starts_with("较早的一篇"));
    // reader.measure caps the default width (80 when not on a terminal).
    std::fs::create_dir_all(dir.path("config/kanbao")).unwrap();
    let long = serde_json::json!({"title": "t", "body": "光伏产业".repeat(40)}).to_string();
    let long_path = dir
        .write("long.json", long.as_bytes())
        .display()
        .to_string();
    std::fs::write(
        dir.path("config/kanbao/config.toml"),
        "[reader]\nmeasure = 30\n",
    )
    .unwrap();
    let out = kanbao_command()
        .env("XDG_CONFIG_HOME", dir.path("config"))
        .args(["read", &long_path])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(text.lines().count() > 5, "{text}");
    assert!(
        text.lines().all(|l| str_width(l, Ambiguous::Narrow) <= 30),
        "{text}"
    );
}
