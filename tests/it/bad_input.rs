//! Bad article files through the real binary: `check` names the file, the
//! line and column (JSON Lines: the line) and the field, and exits 1; `list`,
//! `list --json`, `read` and `snapshot` (the browser's screen) load every good
//! article beside the bad ones, warn once per problem on stderr, and never
//! panic or hang (every run has a watchdog).
//!
//! Every fixture is generated here, in a fresh temporary directory, and every
//! expected position is computed from the fixture's own text.
//!
//! Decisions pinned down here:
//! - an empty array `[]` is a file with no articles, not a problem: `check`
//!   says `0 articles in 1 files: no problems` and exits 0;
//! - a FIFO (or socket, or device) met in a directory walk is never opened (a
//!   FIFO would block the walk): a warning names it. A FIFO named on the
//!   command line is read, as `cat` would (`kanbao read <(curl …)`); a device
//!   never is;
//! - a problem in the content has a position, `path:line:col: message` (an
//!   empty file or a binary one: 1:1); a file that cannot be read at all is
//!   `path: message`.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use kanbao_core::{Ambiguous, str_width};

use crate::common::TempDir;

const WARNING: &str = "kanbao: warning: ";

/// How long any run may take before the watchdog kills it as hung.
const WATCHDOG: Duration = Duration::from_secs(60);

/// The tighter watchdog for runs that could block on a FIFO or a device.
const BLOCKING_WATCHDOG: Duration = Duration::from_secs(10);

// --- harness -----------------------------------------------------------------

/// One finished run of the binary.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// The CPU time (user and system) the run took: what it did itself,
    /// whatever else the machine was doing meanwhile.
    cpu: Duration,
}

fn kanbao<S: AsRef<str>>(args: &[S]) -> Run {
    kanbao_within(WATCHDOG, args)
}

/// Runs kanbao with its XDG directories in a fresh temp dir (never the
/// developer's library, config or state), kills it if it is still running
/// after `limit`, and checks that it neither panicked nor died by a signal (a
/// stack overflow aborts with SIGABRT/SIGSEGV).
fn kanbao_within<S: AsRef<str>>(limit: Duration, args: &[S]) -> Run {
    kanbao_as(&[], limit, args)
}

/// [`kanbao_within`], run through the command `prefix` (e.g. `setpriv …`).
fn kanbao_as<S: AsRef<str>>(prefix: &[&str], limit: Duration, args: &[S]) -> Run {
    let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
    let xdg = TempDir::new("bad");
    let bin = env!("CARGO_BIN_EXE_kanbao");
    let mut child = match prefix {
        [] => Command::new(bin),
        [program, rest @ ..] => {
            let mut c = Command::new(program);
            c.args(rest).arg(bin);
            c
        }
    };
    // Reaped by `try_wait_with_cpu`, or by `wait` when the watchdog kills it.
    #[expect(clippy::zombie_processes)]
    let mut child = child
        .args(&args)
        .env_remove("NO_COLOR")
        .env("XDG_DATA_HOME", xdg.path("data"))
        .env("XDG_CONFIG_HOME", xdg.path("config"))
        .env("XDG_STATE_HOME", xdg.path("state"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    let start = Instant::now();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_reader = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    // The watchdog.
    let (status, cpu) = loop {
        if let Some(done) = try_wait_with_cpu(&child) {
            break done;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("kanbao {args:?} hung: killed after {limit:?}");
        }
        thread::sleep(Duration::from_millis(5));
    };
    let stdout = String::from_utf8(out_reader.join().unwrap())
        .unwrap_or_else(|e| panic!("kanbao {args:?}: stdout is not UTF-8: {e}"));
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap()).into_owned();
    assert!(
        status.code().is_some(),
        "kanbao {args:?} died by a signal ({status:?}):\n{stderr}"
    );
    assert_ne!(
        status.code(),
        Some(101),
        "kanbao {args:?} panicked:\n{stderr}"
    );
    assert!(
        !stderr.contains("panicked"),
        "kanbao {args:?} panicked:\n{stderr}"
    );
    Run {
        code: status.code(),
        stdout,
        stderr,
        cpu,
    }
}

/// [`std::process::Child::try_wait`], with the CPU time (user and system)
/// the child used once it has exited.
fn try_wait_with_cpu(child: &std::process::Child) -> Option<(ExitStatus, Duration)> {
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    let mut status = 0;
    // SAFETY: an all-zero `rusage` is a valid value of the plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet reaped (this is the only
    // place that waits for it), and both pointers are to live locals.
    let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
    assert!(reaped >= 0, "wait4: {}", std::io::Error::last_os_error());
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec.try_into().unwrap())
            + Duration::from_micros(t.tv_usec.try_into().unwrap())
    };
    (reaped == pid).then(|| {
        (
            ExitStatus::from_raw(status),
            time(usage.ru_utime) + time(usage.ru_stime),
        )
    })
}

/// `command` followed by `paths`.
fn args<P: AsRef<Path>>(command: &[&str], paths: &[P]) -> Vec<String> {
    let mut v: Vec<String> = command.iter().map(|&c| c.to_owned()).collect();
    v.extend(paths.iter().map(|p| p.as_ref().display().to_string()));
    v
}

/// `kanbao check PATHS`: asserts the exit code and a quiet stderr, returns the
/// problem lines and the summary line.
fn check<P: AsRef<Path>>(paths: &[P], code: i32) -> (Vec<String>, String) {
    check_as(&[], paths, code)
}

/// [`check`], run through the command `prefix`.
fn check_as<P: AsRef<Path>>(prefix: &[&str], paths: &[P], code: i32) -> (Vec<String>, String) {
    let run = kanbao_as(prefix, WATCHDOG, &args(&["check"], paths));
    assert_eq!(
        run.code,
        Some(code),
        "kanbao {:?}:\n{}{}",
        args(&["check"], paths),
        run.stdout,
        run.stderr
    );
    assert!(
        run.stderr.is_empty(),
        "check wrote to stderr: {}",
        run.stderr
    );
    let mut lines: Vec<String> = run.stdout.lines().map(str::to_owned).collect();
    let summary = lines.pop().expect("check prints a summary line");
    (lines, summary)
}

/// `list`, `list --json`, `read --width 60` and `snapshot` on PATHS: each
/// exits 0, loads exactly `titles` (in any order), and warns once per problem
/// `check` found (the same lines, in the same order, each starting with
/// `kanbao: warning: `). Returns the `read` run.
fn assert_loads<P: AsRef<Path>>(paths: &[P], titles: &[&str], problems: &[String]) -> Run {
    assert_loads_as(&[], paths, titles, problems)
}

/// [`assert_loads`], run through the command `prefix`.
fn assert_loads_as<P: AsRef<Path>>(
    prefix: &[&str],
    paths: &[P],
    titles: &[&str],
    problems: &[String],
) -> Run {
    let warnings: Vec<String> = problems.iter().map(|p| format!("{WARNING}{p}")).collect();
    let mut want: Vec<&str> = titles.to_vec();
    want.sort_unstable();
    let mut read_run = None;
    for command in [
        &["list"][..],
        &["list", "--json"],
        &["read", "--width", "60"],
        &["snapshot", "--size", "80x24"],
    ] {
        let run = kanbao_as(prefix, WATCHDOG, &args(command, paths));
        assert_eq!(run.code, Some(0), "kanbao {command:?}: {}", run.stderr);
        let got: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(got, warnings, "kanbao {command:?}: one warning per problem");
        match command {
            ["list"] => {
                let lines: Vec<&str> = run.stdout.lines().collect();
                assert_eq!(lines.len(), titles.len(), "{}", run.stdout);
                for t in titles {
                    assert!(lines.iter().any(|l| l.ends_with(t)), "{t} not listed");
                }
            }
            ["list", "--json"] => {
                let mut got: Vec<String> = run
                    .stdout
                    .lines()
                    .map(|l| {
                        let v: serde_json::Value = serde_json::from_str(l).unwrap();
                        v["title"].as_str().unwrap().to_owned()
                    })
                    .collect();
                got.sort_unstable();
                assert_eq!(got, want);
            }
            ["read", ..] => {
                let lines: HashSet<&str> = run.stdout.lines().collect();
                for t in titles {
                    assert!(lines.contains(t), "read did not print {t}");
                }
                for line in &lines {
                    assert!(
                        str_width(line, Ambiguous::Narrow) <= 60,
                        "too wide: {line:?}"
                    );
                }
                read_run = Some(run);
            }
            _ => {}
        }
    }
    read_run.unwrap()
}

/// 1-based line and column (in characters) of the character that holds
/// byte `offset` of `text` (whose bytes before it are UTF-8, but for a
/// character `offset` cuts).
fn line_col(text: &[u8], offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    // Characters start at every byte but UTF-8 continuation bytes; an
    // offset inside a character is that character's column.
    let chars = before[start..]
        .iter()
        .filter(|&&b| b & 0xc0 != 0x80)
        .count();
    let inside = std::str::from_utf8(before).is_err();
    (line, chars + usize::from(!inside))
}

/// `path:line:col: ` for `offset` in the file's text.
fn at(path: &Path, text: impl AsRef<[u8]>, offset: usize) -> String {
    let (line, col) = line_col(text.as_ref(), offset);
    format!("{}:{line}:{col}: ", path.display())
}

/// Byte offset of the first occurrence of `needle` in `text`.
fn find(text: &str, needle: &str) -> usize {
    text.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in fixture"))
}

#[track_caller]
fn assert_starts(problem: &str, prefix: &str) {
    assert!(
        problem.starts_with(prefix),
        "expected a problem starting {prefix:?}, got {problem:?}"
    );
}

/// Deterministic pseudo-random bytes (xorshift64*).
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
        })
        .collect()
}

/// A command prefix that runs kanbao as `nobody`, when these tests run as
/// root (to whom permission bits mean nothing) and `setpriv` can switch.
fn unprivileged() -> Option<[&'static str; 4]> {
    let prefix = [
        "setpriv",
        "--reuid=nobody",
        "--regid=nogroup",
        "--clear-groups",
    ];
    let works = Command::new(prefix[0])
        .args(&prefix[1..])
        .arg(env!("CARGO_BIN_EXE_kanbao"))
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    works.then_some(prefix)
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(ok.success(), "mkfifo {path:?}");
}

// --- JSON syntax -------------------------------------------------------------

#[test]
fn syntax_error_in_the_middle_of_an_array_fails_the_whole_file_and_says_so() {
    let dir = TempDir::new("bad");
    let text = "[\n  {\"title\": \"前\"},\n  {\"title\": \"坏\" \"body\": \"x\"},\n  {\"title\": \"后\"}\n]\n";
    let bad = dir.write("array.json", text);
    let good = dir.write("good.json", r#"{"title": "好"}"#);
    let (problems, summary) = check(&[&bad, &good], 1);
    assert_eq!(problems.len(), 1, "{problems:?}");
    let prefix = at(&bad, text, find(text, "\"body\""));
    assert_starts(
        &problems[0],
        &format!("{prefix}invalid JSON: expected `,` or `}}`"),
    );
    assert!(problems[0].contains("whole file"), "{}", problems[0]);
    assert_eq!(summary, "1 articles in 2 files: 1 problem");
    assert_loads(&[&bad, &good], &["好"], &problems);
}

#[test]
fn trailing_commas_are_reported_at_the_closing_bracket() {
    let dir = TempDir::new("bad");
    let array = "[\n  {\"title\": \"一\"},\n  {\"title\": \"二\"},\n]\n";
    let object = "{\n  \"title\": \"三\",\n}\n";
    let lines = "{\"title\": \"四\"}\n{\"title\": \"五\",}\n{\"title\": \"六\"}\n";
    let a = dir.write("array.json", array);
    let o = dir.write("object.json", object);
    let l = dir.write("lines.jsonl", lines);
    let (problems, summary) = check(&[&a, &o, &l], 1);
    assert_eq!(problems.len(), 3, "{problems:?}");
    let expect = [
        at(&a, array, find(array, ",\n]") + 2),
        at(&o, object, find(object, ",\n}") + 2),
        at(&l, lines, find(lines, ",}") + 1),
    ];
    for (p, prefix) in problems.iter().zip(&expect) {
        assert_starts(p, &format!("{prefix}invalid JSON: trailing comma"));
    }
    assert!(problems[0].contains("whole file"), "{}", problems[0]);
    assert_eq!(summary, "2 articles in 3 files: 3 problems");
    assert_loads(&[&a, &o, &l], &["四", "六"], &problems);
}

#[test]
fn unterminated_string_at_end_of_file_is_reported_at_the_last_byte() {
    let dir = TempDir::new("bad");
    let json = "{\n  \"title\": \"没有写完的标题";
    let jsonl = "{\"title\": \"好\"}\n{\"title\": \"断";
    let a = dir.write("cut.json", json);
    let b = dir.write("cut.jsonl", jsonl);
    let (problems, _) = check(&[&a, &b], 1);
    assert_eq!(problems.len(), 2, "{problems:?}");
    // serde_json points at the last byte it read.
    assert_starts(
        &problems[0],
        &format!(
            "{}invalid JSON: unexpected end of file",
            at(&a, json, json.len() - 1)
        ),
    );
    assert_starts(
        &problems[1],
        &format!(
            "{}invalid JSON: unexpected end of file",
            at(&b, jsonl, jsonl.len() - 1)
        ),
    );
    assert_loads(&[&a, &b], &["好"], &problems);
}

// --- wrong types, titles, non-articles ---------------------------------------

#[test]
fn wrong_types_name_the_field_and_point_at_its_value() {
    let dir = TempDir::new("bad");
    // (element, field named, the value's text, what was found)
    let bad = [
        (r#"{"title": 42}"#, "title", "42", "a number"),
        (
            r#"{"title": "b", "body": {"p": "x"}}"#,
            "body",
            r#"{"p""#,
            "an object",
        ),
        (
            r#"{"title": "a", "authors": ["甲", 3]}"#,
            "authors[1]",
            r#"["甲""#,
            "a number",
        ),
        (
            r#"{"title": "p", "published": 20240101}"#,
            "published",
            "20240101",
            "a number",
        ),
        (
            r#"{"title": "u", "url": ["https://a.example/"]}"#,
            "url",
            r#"["https"#,
            "an array",
        ),
    ];
    let mut text = String::from("[\n  {\"title\": \"好一\"},\n");
    let mut expect = Vec::new();
    for (element, field, value, found) in bad {
        text.push_str("  ");
        let offset = text.len() + find(element, value);
        text.push_str(element);
        text.push_str(",\n");
        expect.push((offset, field, found));
    }
    text.push_str("  {\"title\": \"好二\"}\n]\n");
    let path = dir.write("types.json", &text);
    let (problems, summary) = check(&[&path], 1);
    assert_eq!(problems.len(), expect.len(), "{problems:?}");
    for (p, (offset, field, found)) in problems.iter().zip(expect) {
        assert_starts(
            p,
            &format!("{}field `{field}`: expected ", at(&path, &text, offset)),
        );
        assert!(p.ends_with(&format!("found {found}")), "{p}");
    }
    assert_eq!(summary, "2 articles in 1 files: 5 problems");
    assert_loads(&[&path], &["好一", "好二"], &problems);
}

#[test]
fn missing_or_empty_title_is_reported_at_the_article() {
    let dir = TempDir::new("bad");
    let lines = "{\"title\": \"有标题\"}\n{\"body\": \"没有标题\"}\n{\"title\": \"\"}\n{\"title\": \"  \", \"body\": \"x\"}\n{}\n{\"title\": \"也有标题\"}\n";
    let l = dir.write("titles.jsonl", lines);
    let object = "\n  {}\n";
    let o = dir.write("empty_object.json", object);
    let (problems, summary) = check(&[&l, &o], 1);
    let name = l.display();
    let missing = "missing field `title`";
    let empty = "field `title`: the title is empty";
    assert_eq!(problems.len(), 5, "{problems:?}");
    assert_starts(&problems[0], &format!("{name}:2:1: {missing}"));
    assert_starts(&problems[1], &format!("{name}:3:1: {empty}"));
    assert_starts(&problems[2], &format!("{name}:4:1: {empty}"));
    assert_starts(&problems[3], &format!("{name}:5:1: {missing}"));
    assert_starts(&problems[4], &format!("{}{missing}", at(&o, object, 3)));
    assert_eq!(summary, "2 articles in 2 files: 5 problems");
    assert_loads(&[&l, &o], &["有标题", "也有标题"], &problems);
}

/// Decision: `[]` is a valid file that holds no articles (a feed dump on a
/// quiet day), so it is not a problem; `{}` is an article without a title, so
/// it is.
#[test]
fn an_empty_array_is_a_file_with_no_articles_not_a_problem() {
    let dir = TempDir::new("bad");
    let a = dir.write("empty.json", "[]");
    let b = dir.write("spaced.json", "[\n  \n]\n");
    let (problems, summary) = check(&[&a, &b], 0);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(summary, "0 articles in 2 files: no problems");
    let good = dir.write("good.json", r#"[{"title": "好"}]"#);
    assert_loads(&[&a, &b, &good], &["好"], &[]);
}

#[test]
fn json_that_is_not_an_article_says_what_it_found() {
    let dir = TempDir::new("bad");
    let expected = "not an article file: expected a JSON object or an array of them, found";
    let cases = [
        ("number.json", "42", 0, "a number"),
        ("string.json", "\"text\"", 0, "a string"),
        ("null.json", "null", 0, "null"),
        ("indented.json", "\n\n   42\n", 5, "a number"),
    ];
    let mut paths = Vec::new();
    for (name, text, _, _) in cases {
        paths.push(dir.write(name, text));
    }
    let foo = "{\"foo\": 1}";
    paths.push(dir.write("foo.json", foo));
    let elements = "[42, \"x\", {\"title\": \"好\"}]";
    paths.push(dir.write("elements.json", elements));
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let (problems, summary) = check(&refs, 1);
    assert_eq!(problems.len(), 7, "{problems:?}");
    for (i, (_, text, offset, found)) in cases.into_iter().enumerate() {
        assert_eq!(
            problems[i],
            format!("{}{expected} {found}", at(&paths[i], text, offset))
        );
    }
    assert_starts(
        &problems[4],
        &format!("{}missing field `title`", at(&paths[4], foo, 0)),
    );
    let not_article = "not an article: expected a JSON object with a \"title\", found";
    assert_eq!(
        problems[5],
        format!("{}{not_article} a number", at(&paths[5], elements, 1))
    );
    assert_eq!(
        problems[6],
        format!(
            "{}{not_article} a string",
            at(&paths[5], elements, find(elements, "\"x\""))
        )
    );
    assert_eq!(summary, "1 articles in 6 files: 7 problems");
    assert_loads(&refs, &["好"], &problems);
}

// --- encodings and empty files -----------------------------------------------

#[test]
fn invalid_utf8_in_a_json_file_is_reported_at_the_first_bad_byte() {
    let dir = TempDir::new("bad");
    let mut text = "{\n  \"title\": \"标题\",\n  \"body\": \"正文"
        .as_bytes()
        .to_vec();
    text.extend_from_slice(b"\xff\xfe\"\n}\n");
    let bad = dir.write("latin.json", &text);
    let good = dir.write("good.json", r#"{"title": "好"}"#);
    let (problems, _) = check(&[&bad, &good], 1);
    assert_eq!(problems.len(), 1, "{problems:?}");
    let offset = text.iter().position(|&b| b == 0xff).unwrap();
    assert_eq!(line_col(&text, offset).0, 3);
    assert_starts(
        &problems[0],
        &format!("{}invalid UTF-8", at(&bad, &text, offset)),
    );
    assert_loads(&[&bad, &good], &["好"], &problems);
}

#[test]
fn invalid_utf8_in_one_jsonl_line_loses_only_that_line() {
    let dir = TempDir::new("bad");
    let mut text = "{\"title\": \"第一\"}\n{\"title\": \"第"
        .as_bytes()
        .to_vec();
    text.extend_from_slice(b"\xe4\xba\"}\n");
    text.extend_from_slice("{\"title\": \"第三\"}\n".as_bytes());
    let path = dir.write("lines.jsonl", &text);
    let (problems, summary) = check(&[&path], 1);
    assert_eq!(problems.len(), 1, "{problems:?}");
    // The cut-off character `二` (e4 ba 8c without its last byte).
    let offset = text.windows(3).position(|w| w == b"\xe4\xba\"").unwrap();
    assert_starts(
        &problems[0],
        &format!("{}invalid UTF-8", at(&path, &text, offset)),
    );
    assert!(problems[0].starts_with(&format!("{}:2:", path.display())));
    assert_eq!(summary, "2 articles in 1 files: 1 problem");
    assert_loads(&[&path], &["第一", "第三"], &problems);
}

#[test]
fn empty_and_whitespace_only_files_are_problems_at_their_start() {
    let dir = TempDir::new("bad");
    let empty = dir.write("empty.json", "");
    let blank = dir.write("blank.jsonl", " \n\t\n  \r\n");
    let good = dir.write("good.jsonl", "{\"title\": \"好\"}\n");
    let (problems, summary) = check(&[&empty, &blank, &good], 1);
    assert_eq!(
        problems,
        [
            format!("{}:1:1: empty file: no articles in it", empty.display()),
            format!("{}:1:1: empty file: no articles in it", blank.display()),
        ]
    );
    assert_eq!(summary, "1 articles in 3 files: 2 problems");
    assert_loads(&[&empty, &blank, &good], &["好"], &problems);
}

// --- nesting -----------------------------------------------------------------

#[test]
fn nesting_beyond_the_recursion_limit_is_a_clean_error_not_a_stack_overflow() {
    const DEEP: usize = 100_000;
    let dir = TempDir::new("bad");
    let arrays = format!("{}{}", "[".repeat(DEEP), "]".repeat(DEEP));
    let a = dir.write("arrays.json", &arrays);
    let field = format!("{{\"title\": \"深\", \"x\": {arrays}}}");
    let f = dir.write("field.json", &field);
    // Nested objects in a line of a .jsonl, next to good lines, and a value
    // at the deepest nesting serde_json allows (127), which loads.
    let objects = format!(
        "{{\"title\": \"t\", \"body\": {}1{}}}",
        "{\"a\": ".repeat(DEEP),
        "}".repeat(DEEP)
    );
    let edge = format!(
        "{{\"title\": \"边缘\", \"x\": {}{}}}",
        "[".repeat(127),
        "]".repeat(127)
    );
    let lines = format!("{{\"title\": \"浅\"}}\n{objects}\n{edge}\n");
    let l = dir.write("deep.jsonl", &lines);
    let unclosed = "[".repeat(DEEP);
    let u = dir.write("unclosed.json", &unclosed);
    let (problems, summary) = check(&[&a, &f, &l, &u], 1);
    assert_eq!(problems.len(), 4, "{problems:?}");
    // The outer array is the file's list of articles; its first element is
    // an array, not an article.
    assert_starts(
        &problems[0],
        &format!("{}not an article", at(&a, &arrays, 1)),
    );
    let limit = "invalid JSON: recursion limit exceeded";
    assert_starts(
        &problems[1],
        &format!("{}field `x`: {limit}", at(&f, &field, find(&field, "[["))),
    );
    assert_starts(
        &problems[2],
        &format!(
            "{}field `body`: {limit}",
            at(&l, &lines, find(&lines, "{\"a\""))
        ),
    );
    assert_starts(
        &problems[3],
        &format!(
            "{}invalid JSON: unexpected end of file",
            at(&u, &unclosed, DEEP - 1)
        ),
    );
    assert_eq!(summary, "2 articles in 4 files: 4 problems");
    assert_loads(&[&a, &f, &l, &u], &["浅", "边缘"], &problems);
}

// --- size and scale ----------------------------------------------------------

#[test]
fn one_bad_line_among_a_thousand_good_jsonl_lines_loses_only_that_line() {
    let dir = TempDir::new("bad");
    let mut text = String::new();
    let mut titles = Vec::new();
    let mut bad_offset = 0;
    for i in 0..1001 {
        if i == 600 {
            bad_offset = text.len() + "{\"title\": \"坏行\", ".len();
            text.push_str("{\"title\": \"坏行\", }\n");
        } else {
            let t = format!("第{i}篇");
            text.push_str(&format!("{{\"title\": \"{t}\", \"id\": \"n{i}\"}}\n"));
            titles.push(t);
        }
    }
    let path = dir.write("many.jsonl", &text);
    let (problems, summary) = check(&[&path], 1);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(line_col(text.as_bytes(), bad_offset).0, 601);
    assert_starts(
        &problems[0],
        &format!(
            "{}invalid JSON: trailing comma",
            at(&path, &text, bad_offset)
        ),
    );
    assert_eq!(summary, "1000 articles in 1 files: 1 problem");
    let titles: Vec<&str> = titles.iter().map(String::as_str).collect();
    assert_loads(&[&path], &titles, &problems);
}

#[test]
fn a_four_megabyte_paragraph_loads_and_wraps_within_the_width_in_time() {
    let dir = TempDir::new("bad");
    let sentence = "中国经济稳中向好，制造业高质量发展。";
    let times = 4 * 1024 * 1024 / sentence.len() + 1;
    let paragraph = sentence.repeat(times);
    assert!(paragraph.len() >= 4 * 1024 * 1024);
    let article = serde_json::json!({"title": "长文", "body": [paragraph]});
    let path = dir.write("long.json", article.to_string());
    let (problems, summary) = check(&[&path], 0);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(summary, "1 articles in 1 files: no problems");
    // `assert_loads` checks that no line is wider than 60 cells.
    let read = assert_loads(&[&path], &["长文"], &[]);
    // CPU time, not time on the clock: the other tests of this binary and
    // whatever else the machine runs must not make it fail.
    assert!(
        read.cpu < Duration::from_secs(10),
        "read --width 60 took {:?} of CPU time",
        read.cpu
    );
    // Nothing lost.
    assert_eq!(read.stdout.matches('稳').count(), times);
    let widest = read
        .stdout
        .lines()
        .map(|l| str_width(l, Ambiguous::Narrow))
        .max();
    assert!(widest <= Some(60), "{widest:?}");
}

#[test]
fn a_thousand_files_with_ten_bad_ones_load_the_other_990() {
    let dir = TempDir::new("bad");
    // Ten kinds of bad file; `DEEP` stands for a value nested 200 deep.
    let deep = format!(
        "{{\"title\": \"t\", \"x\": {}{}}}",
        "[".repeat(200),
        "]".repeat(200)
    );
    let bad: [&[u8]; 10] = [
        b"{\"title\": \"x\" \"body\": 1}",
        b"{\"title\": 1}",
        b"{\"body\": \"no title\"}",
        b"{\"title\": \"\xff\"}",
        b"",
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03",
        b"42",
        b"DEEP",
        b"{\"title\": \"\"}",
        b"[{\"title\": \"x\"},]",
    ];
    let mut titles = Vec::new();
    let mut bad_paths = Vec::new();
    for i in 0..1000 {
        let name = format!("{i:04}.json");
        if i % 100 == 50 {
            let text = match bad[i / 100] {
                b"DEEP" => deep.as_bytes(),
                text => text,
            };
            bad_paths.push(dir.write(&name, text).display().to_string());
        } else {
            let t = format!("第{i}号");
            dir.write(&name, format!("{{\"title\": \"{t}\"}}"));
            titles.push(t);
        }
    }
    let root = dir.path("");
    let (problems, summary) = check(&[&root], 1);
    assert_eq!(problems.len(), 10, "{problems:?}");
    for (p, path) in problems.iter().zip(&bad_paths) {
        assert_starts(p, &format!("{path}:1:"));
    }
    assert_eq!(summary, "990 articles in 1000 files: 10 problems");
    let titles: Vec<&str> = titles.iter().map(String::as_str).collect();
    assert_loads(&[&root], &titles, &problems);
}

#[test]
fn duplicate_ids_across_two_files_are_reported_at_the_second() {
    let dir = TempDir::new("bad");
    let first = "{\"id\": \"同一个\", \"title\": \"甲\"}";
    let second = "[\n  {\"id\": \"别的\", \"title\": \"乙\"},\n  {\"id\": \"同一个\", \"title\": \"丙\"}\n]\n";
    let a = dir.write("a.json", first);
    let b = dir.write("b.json", second);
    let (problems, summary) = check(&[&a, &b], 1);
    assert_eq!(problems.len(), 1, "{problems:?}");
    let offset = find(second, "{\"id\": \"同一个\"");
    assert_starts(
        &problems[0],
        &format!("{}field `id`: duplicate id", at(&b, second, offset)),
    );
    assert!(
        problems[0].contains(&format!("{}:1", a.display())),
        "names the first: {}",
        problems[0]
    );
    assert_eq!(summary, "3 articles in 2 files: 1 problem");
    // Both copies load: which one is right is the reader's call.
    assert_loads(&[&a, &b], &["甲", "乙", "丙"], &problems);
}

// --- files that go away, cannot be read, or never end --------------------------

#[test]
fn dangling_symlinks_and_missing_files_are_warnings() {
    let dir = TempDir::new("bad");
    dir.write("lib/good.json", r#"{"title": "好"}"#);
    std::os::unix::fs::symlink(dir.path("nowhere.json"), dir.path("lib/gone.json")).unwrap();
    let lib = dir.path("lib");
    let missing = dir.path("missing.json");
    let (problems, summary) = check(&[&lib, &missing], 1);
    assert_eq!(
        problems,
        [
            format!(
                "{}: cannot read: a dangling symlink (its target does not exist)",
                dir.path("lib/gone.json").display()
            ),
            format!(
                "{}: cannot read: No such file or directory (os error 2)",
                missing.display()
            ),
        ]
    );
    assert_eq!(summary, "1 articles in 1 files: 2 problems");
    assert_loads(&[&lib, &missing], &["好"], &problems);
}

/// Files deleted while kanbao walks their directory: each is either loaded or
/// named in a warning (or was never listed); the others always load.
#[test]
fn files_vanishing_during_a_directory_walk_are_warnings() {
    let dir = TempDir::new("bad");
    let mut keep = Vec::new();
    for i in 0..10 {
        let t = format!("留{i}");
        dir.write(
            &format!("keep{i:02}.json"),
            format!("{{\"title\": \"{t}\"}}"),
        );
        keep.push(t);
    }
    const VOLATILE: usize = 3000;
    let mut volatile = Vec::new();
    for i in 0..VOLATILE {
        volatile.push(dir.write(
            &format!("v{i:04}.json"),
            format!("{{\"title\": \"去{i}\"}}"),
        ));
    }
    let deleter = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        for path in volatile.iter().rev() {
            let _ = std::fs::remove_file(path);
        }
    });
    let root = dir.path("");
    let run = kanbao(&args(&["list", "--json"], &[&root]));
    deleter.join().unwrap();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let titles: Vec<String> = run
        .stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["title"].as_str().unwrap().to_owned()
        })
        .collect();
    for t in &keep {
        assert!(titles.contains(t), "{t} did not load");
    }
    let warnings: Vec<&str> = run.stderr.lines().collect();
    for w in &warnings {
        assert!(w.starts_with(WARNING), "{w}");
        assert!(
            w.contains("/v") && w.contains(": cannot read: the file vanished while loading"),
            "{w}"
        );
    }
    assert!(titles.len() + warnings.len() <= keep.len() + VOLATILE);
}

/// Decision: a FIFO found in a directory is skipped with a warning (opening
/// it would block until someone writes); one named on the command line is
/// read like any file (`kanbao read <(curl …)`); devices are never read.
#[test]
fn a_fifo_in_a_directory_is_skipped_and_a_named_one_is_read() {
    let dir = TempDir::new("bad");
    dir.write("lib/good.json", r#"{"title": "好"}"#);
    let fifo = dir.path("lib/pipe.json");
    mkfifo(&fifo);
    let lib = dir.path("lib");

    // Nobody writes to the FIFO: kanbao must not wait for it.
    let run = kanbao_within(BLOCKING_WATCHDOG, &args(&["check"], &[&lib]));
    assert_eq!(run.code, Some(1));
    let problem = format!("{}: not a regular file (a FIFO): not read", fifo.display());
    assert_eq!(
        run.stdout,
        format!("{problem}\n1 articles in 1 files: 1 problem\n")
    );
    for command in [&["list"][..], &["read", "--width", "60"]] {
        let run = kanbao_within(BLOCKING_WATCHDOG, &args(command, &[&lib]));
        assert_eq!(run.code, Some(0));
        assert_eq!(run.stderr, format!("{WARNING}{problem}\n"));
        assert!(run.stdout.contains('好'));
    }

    // Named on the command line, it is read.
    let writer = {
        let fifo = fifo.clone();
        thread::spawn(move || {
            // Blocks until kanbao opens the FIFO for reading.
            let mut w = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
            w.write_all("{\"title\": \"管道里的文章\"}".as_bytes())
                .unwrap();
        })
    };
    let run = kanbao_within(BLOCKING_WATCHDOG, &args(&["list", "--json"], &[&fifo]));
    // Should kanbao not have opened it, let the writer go.
    let _ = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&fifo);
    writer.join().unwrap();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    assert!(run.stdout.contains("管道里的文章"), "{}", run.stdout);

    // An endless device is refused, not read until memory runs out.
    let zero = Path::new("/dev/zero");
    if zero.exists() {
        let run = kanbao_within(BLOCKING_WATCHDOG, &["check", "/dev/zero"]);
        assert_eq!(run.code, Some(1));
        assert!(
            run.stdout
                .starts_with("/dev/zero: not a regular file (a character device): not read\n"),
            "{}",
            run.stdout
        );
    }
}

/// Permission bits mean nothing to root: as root, kanbao is run as `nobody`
/// (with `setpriv`) when it can be; otherwise only the "everything loads"
/// half can be checked.
#[test]
fn unreadable_files_and_directories_are_warnings() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("bad");
    dir.write("lib/good.json", r#"{"title": "好"}"#);
    let file = dir.write("lib/locked.json", r#"{"title": "锁"}"#);
    dir.write("lib/closed/inner.json", r#"{"title": "内"}"#);
    let closed = dir.path("lib/closed");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o000)).unwrap();
    let lib = dir.path("lib");
    let root = std::fs::File::open(&file).is_ok();
    let prefix = match (root, unprivileged()) {
        (false, _) => Some(Vec::new()),
        (true, Some(prefix)) => Some(prefix.to_vec()),
        (true, None) => None,
    };
    let Some(prefix) = prefix else {
        let (problems, _) = check(&[&lib], 0);
        assert!(problems.is_empty(), "{problems:?}");
        assert_loads(&[&lib], &["好", "锁", "内"], &[]);
        return;
    };
    let (problems, summary) = check_as(&prefix, &[&lib], 1);
    assert_eq!(
        problems,
        [
            format!(
                "{}: cannot read directory: Permission denied (os error 13)",
                closed.display()
            ),
            format!(
                "{}: cannot read: Permission denied (os error 13)",
                file.display()
            ),
        ]
    );
    assert_eq!(summary, "1 articles in 1 files: 2 problems");
    assert_loads_as(&prefix, &[&lib], &["好"], &problems);
}

#[test]
fn directory_symlink_loops_end_and_count_every_article_once() {
    use std::os::unix::fs::symlink;
    let dir = TempDir::new("bad");
    dir.write("lib/a/one.json", r#"{"title": "一"}"#);
    dir.write("lib/b.json", r#"{"title": "二"}"#);
    symlink("..", dir.path("lib/a/loop")).unwrap();
    symlink(".", dir.path("lib/a/self")).unwrap();
    symlink("a", dir.path("lib/c")).unwrap();
    std::fs::create_dir_all(dir.path("lib/d/deeper")).unwrap();
    symlink("../..", dir.path("lib/d/deeper/up")).unwrap();
    let lib = dir.path("lib");
    let (problems, summary) = check(&[&lib], 0);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(summary, "2 articles in 2 files: no problems");
    assert_loads(&[&lib], &["一", "二"], &[]);

    // A file symlink that points at itself cannot be read: a warning.
    dir.write("other/good.json", r#"{"title": "好"}"#);
    symlink("self.json", dir.path("other/self.json")).unwrap();
    let other = dir.path("other");
    let (problems, _) = check(&[&other], 1);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_starts(
        &problems[0],
        &format!("{}: cannot read: ", dir.path("other/self.json").display()),
    );
    assert_loads(&[&other], &["好"], &problems);
}

// --- binary files ------------------------------------------------------------

#[test]
fn binary_files_get_one_clean_error_each() {
    let dir = TempDir::new("bad");
    // Random bytes named .json: invalid UTF-8, at the first bad byte.
    let random = noise(0x6b61_6e62_616f, 64 * 1024);
    assert!(!b"<{[ \t\r\n".contains(&random[0]), "pick another seed");
    let bad_at = std::str::from_utf8(&random).unwrap_err().valid_up_to();
    let r = dir.write("lib/random.json", &random);
    // A PNG named .jsonl: one problem, not one per "line".
    let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10".to_vec();
    png.extend(noise(7, 4096));
    let p = dir.write("lib/image.jsonl", &png);
    // A gzip file named feed.xml.
    let mut gz = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03".to_vec();
    gz.extend(noise(11, 4096));
    let g = dir.write("lib/feed.xml", &gz);
    dir.write("lib/good.json", r#"{"title": "好"}"#);
    let lib = dir.path("lib");
    let (problems, summary) = check(&[&lib], 1);
    assert_eq!(problems.len(), 3, "{problems:?}");
    // In name order: feed.xml, good.json, image.jsonl, random.json.
    assert_starts(
        &problems[0],
        &format!("{}:1:1: binary file (gzip-compressed data", g.display()),
    );
    assert_starts(
        &problems[1],
        &format!("{}:1:1: binary file (a PNG image)", p.display()),
    );
    assert_starts(
        &problems[2],
        &format!("{}invalid UTF-8", at(&r, &random, bad_at)),
    );
    assert_eq!(summary, "1 articles in 4 files: 3 problems");
    assert_loads(&[&lib], &["好"], &problems);
}
