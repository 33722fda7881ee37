//! End-to-end tests of the real `kanbao` binary in a pseudo-terminal.
//!
//! Each test spawns the browser in a pty of a given size (the harness is
//! [`crate::common::pty`]), feeds it keys, resizes the pty and sends
//! signals, and reads what it draws through a `vt100` terminal emulator.
//! Nothing here sleeps for a fixed time: every step waits (up to
//! [`TIMEOUT`]) for the screen it expects.

#![cfg(unix)]

use std::io::{Read, Write};
use std::thread;
use std::time::{Duration, Instant};

use crate::common::pty::{self, POLL, Session, TIMEOUT, answer_queries, find, nz, rows, status};
use crate::common::{TempDir, hostile_fixture};

/// The oldest sample article, last in the list.
const OLDEST_TITLE: &str = "嘉兴制造业向高质量迈进";
const OLDEST_SOURCE: &str = "嘉兴日报";

#[test]
fn starts_moves_opens_resizes_and_quits_restoring_the_terminal() {
    let mut s = Session::start(80, 24);
    s.wait_for_status(" 1/14", "? help  q sources");
    s.assert_raw_mode();
    s.sync();
    // Narrow: the list only, no reader pane.
    assert!(
        !s.screen_text().contains('│'),
        "80 columns should show only the list:\n{}",
        s.screen_text()
    );

    s.send("G");
    s.wait_for_status(" 14/14", "? help  q sources");
    s.wait_for_text(OLDEST_TITLE);

    s.send("\r");
    s.wait_for_status(" 14/14", "q back  ? help");
    s.wait_for("the oldest article in the reader", |screen| {
        let text = screen.contents();
        text.contains(OLDEST_TITLE) && text.contains(OLDEST_SOURCE) && text.contains("2023-01-06")
    });

    s.resize(120, 40);
    s.wait_for("two panes with the article on the right", |screen| {
        rows(screen).iter().any(|row| {
            row.split_once('│')
                .is_some_and(|(_, right)| right.trim_start().starts_with(OLDEST_TITLE))
        })
    });
    // The reader keeps the keyboard beside the list: q goes back.
    s.wait_for_status(" 14/14", "q back  ? help");

    s.resize(40, 15);
    s.wait_for("a redraw at 40x15", |screen| {
        let rows = rows(screen);
        rows.len() == 15
            && rows[14].starts_with(" 14/14")
            && screen.contents().contains(OLDEST_TITLE)
    });

    // q leaves the article for the list, then the list for the sources,
    // then quits.
    s.send("q");
    s.wait_for_status(" 14/14", "? help  q sources");
    s.send("q");
    s.wait_for_text(" sources");
    s.send("q");
    assert_eq!(s.wait_exit(), 0, "q should exit with 0");
    s.assert_terminal_restored();
}

/// Opens the help overlay, sends `close`, and checks that the list is back.
fn help_closes_with(s: &mut Session, close: &str) {
    s.send("?");
    s.wait_for_text(" keys ");
    s.send(close);
    s.wait_for(
        &format!("the help overlay to close on {close:?}"),
        |screen| !screen.contents().contains(" keys "),
    );
    s.wait_for_status(" 1/14", "? help  q sources");
}

#[test]
fn help_overlay_opens_and_closes() {
    let mut s = Session::start(100, 30);
    s.wait_for_status(" 1/14", "? help  q sources");
    assert!(!s.screen_text().contains(" keys "));

    help_closes_with(&mut s, "?");
    help_closes_with(&mut s, "\x1b");
    // A key that closes the help does nothing else: Enter did not open the article.
    help_closes_with(&mut s, "\r");
    // j scrolls a help taller than the screen instead of closing it.
    s.resize(80, 12);
    s.wait_for_status(" 1/14", "? help  q sources");
    s.send("?");
    s.wait_for_text("more");
    s.send("j");
    s.wait_for("the help to scroll", |screen| {
        let text = screen.contents();
        text.contains(" keys ") && !text.contains("next article")
    });
    s.send("q");
    s.wait_for("the help to close on q", |screen| {
        !screen.contents().contains(" keys ")
    });

    s.send("Q");
    assert_eq!(s.wait_exit(), 0);
    s.assert_terminal_restored();
}

/// Any key closes the help, also keys that have no action of their own.
#[test]
fn help_overlay_closes_on_an_unbound_key() {
    let mut s = Session::start(100, 30);
    s.wait_for_status(" 1/14", "? help  q sources");
    help_closes_with(&mut s, "x");
    s.send("Q");
    assert_eq!(s.wait_exit(), 0);
}

#[test]
fn ctrl_c_quits_with_130_and_restores() {
    let mut s = Session::start(80, 24);
    s.wait_for_status(" 1/14", "? help  q sources");
    s.send("j");
    s.wait_for_status(" 2/14", "? help  q sources");

    s.send("\x03");
    assert_eq!(s.wait_exit(), 130, "Ctrl-c should exit with 130");
    s.assert_terminal_restored();
}

#[test]
fn sigterm_and_sighup_restore_the_terminal() {
    for (signal, code) in [("TERM", 143), ("HUP", 129)] {
        let mut s = Session::start(80, 24);
        s.wait_for_status(" 1/14", "? help  q sources");
        s.assert_raw_mode();
        s.signal(signal);
        assert_eq!(s.wait_exit(), code, "SIG{signal} should exit with {code}");
        s.assert_terminal_restored();
    }
}

#[test]
fn tiny_sizes_never_panic() {
    let mut s = Session::start(80, 24);
    s.wait_for_status(" 1/14", "? help  q sources");
    s.sync();

    // Each wait requires the app to have cleared and redrawn at the new size,
    // so every size is really drawn before the next resize.
    for (cols, rows) in [(1, 1), (2, 2), (10, 3)] {
        s.resize(cols, rows);
        s.wait_for(&format!("a redraw at {cols}x{rows}"), |_| true);
    }
    s.wait_for_status(" 1/14", "");

    s.resize(300, 100);
    s.wait_for("two panes at 300x100", |screen| {
        screen.contents().contains('│')
    });
    s.wait_for_status(" 1/14", "? help  q sources");

    s.resize(80, 24);
    s.wait_for_status(" 1/14", "? help  q sources");

    s.send("Q");
    assert_eq!(s.wait_exit(), 0);
    s.assert_terminal_restored();
}

#[test]
fn harness_answers_queries_split_across_reads() {
    let mut raw = b"abc\x1b[".to_vec();
    let (answers, next) = answer_queries(&raw, 0);
    assert!(answers.is_empty());
    assert_eq!(next, 3, "the start of a query is scanned again");
    raw.extend_from_slice(b"6nxy\x1b[cz\x1b[?1049h");
    let (answers, next) = answer_queries(&raw, next);
    assert_eq!(answers, [&b"\x1b[1;1R"[..], &b"\x1b[?62;c"[..]]);
    assert_eq!(next, raw.len());
}

/// A panic (forced in debug builds with KANBAO_PANIC_ON_KEY) still leaves the
/// terminal usable, and the panic message is printed on the normal screen.
#[test]
fn a_panic_restores_the_terminal_before_reporting() {
    let mut s = Session::start_with_env(80, 24, &[("KANBAO_PANIC_ON_KEY", "!")]);
    s.wait_for_status(" 1/14", "? help  q sources");
    s.send("!");
    assert_eq!(s.wait_exit(), 101, "a panic exits with Rust's panic code");
    s.assert_terminal_restored();
    let screen = s.screen_text();
    assert!(
        screen.contains("KANBAO_PANIC_ON_KEY"),
        "panic message not shown:\n{screen}"
    );
}

// --- hostile articles in the real browser --------------------------------

/// The clean titles the fixture articles must show (their `expect.title`).
fn hostile_titles(name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(hostile_fixture(name)).unwrap();
    let articles: Vec<serde_json::Value> = if name.ends_with(".jsonl") {
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    } else {
        serde_json::from_str(&text).unwrap()
    };
    articles
        .iter()
        .map(|a| a["expect"]["title"].as_str().unwrap().to_owned())
        .collect()
}

/// Everything a terminal does on request besides drawing, as `vt100`
/// reports it: window title and icon name, clipboard, bells, OSCs it does
/// not know, stray C1 characters and control bytes, resize requests.
#[derive(Debug, Default)]
struct SideEffects {
    titles: Vec<String>,
    icon_names: Vec<String>,
    clipboard: Vec<String>,
    bells: usize,
    other: Vec<String>,
}

impl vt100::Callbacks for SideEffects {
    fn audible_bell(&mut self, _: &mut vt100::Screen) {
        self.bells += 1;
    }
    fn visual_bell(&mut self, _: &mut vt100::Screen) {
        self.bells += 1;
    }
    fn resize(&mut self, _: &mut vt100::Screen, request: (u16, u16)) {
        self.other.push(format!("resize request {request:?}"));
    }
    fn set_window_icon_name(&mut self, _: &mut vt100::Screen, name: &[u8]) {
        self.icon_names
            .push(String::from_utf8_lossy(name).into_owned());
    }
    fn set_window_title(&mut self, _: &mut vt100::Screen, title: &[u8]) {
        self.titles
            .push(String::from_utf8_lossy(title).into_owned());
    }
    fn copy_to_clipboard(&mut self, _: &mut vt100::Screen, ty: &[u8], data: &[u8]) {
        let (ty, data) = (String::from_utf8_lossy(ty), String::from_utf8_lossy(data));
        self.clipboard.push(format!("copy {ty}: {data}"));
    }
    fn paste_from_clipboard(&mut self, _: &mut vt100::Screen, ty: &[u8]) {
        self.clipboard
            .push(format!("paste {}", String::from_utf8_lossy(ty)));
    }
    fn unhandled_char(&mut self, _: &mut vt100::Screen, c: char) {
        self.other.push(format!("character {c:?}"));
    }
    fn unhandled_control(&mut self, _: &mut vt100::Screen, b: u8) {
        self.other.push(format!("control byte {b:#04x}"));
    }
    fn unhandled_escape(&mut self, _: &mut vt100::Screen, i1: Option<u8>, i2: Option<u8>, b: u8) {
        self.other
            .push(format!("escape {i1:?} {i2:?} {:?}", char::from(b)));
    }
    fn unhandled_osc(&mut self, _: &mut vt100::Screen, params: &[&[u8]]) {
        let params: Vec<_> = params.iter().map(|p| String::from_utf8_lossy(p)).collect();
        self.other.push(format!("OSC {params:?}"));
    }
}

/// The reader pane of a two-pane screen (right of the `│`), as one string
/// without whitespace.
fn reader_pane(screen: &vt100::Screen) -> String {
    rows(screen)
        .iter()
        .filter_map(|row| row.split_once('│').map(|(_, right)| right.to_owned()))
        .collect::<String>()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// The title (from `titles`) the reader pane starts with, if any.
fn title_in_reader(screen: &vt100::Screen, titles: &[String]) -> Option<String> {
    let pane = reader_pane(screen);
    titles
        .iter()
        .find(|t| {
            let t: String = t.chars().filter(|c| !c.is_whitespace()).collect();
            pane.starts_with(&t)
        })
        .cloned()
}

/// Fails if anything in `raw` (the app's output) came from an article's
/// escape sequences: only CSI sequences, no OSC, DCS, SOS, PM, APC or other
/// `ESC x`, no C1, bidi or other control characters but LF and CR, no payload,
/// and nothing a terminal would do besides drawing (window title, icon name,
/// clipboard, bell, unknown OSC, stray control).
fn assert_nothing_leaked(raw: &[u8], cols: u16, rows: u16) {
    let text = std::str::from_utf8(raw).unwrap_or_else(|e| {
        panic!("the output is not UTF-8 (8-bit C1 bytes?): {e}");
    });
    let around = |at: usize| {
        let mut from = at.saturating_sub(40);
        while !text.is_char_boundary(from) {
            from -= 1;
        }
        let mut to = (at + 40).min(text.len());
        while !text.is_char_boundary(to) {
            to += 1;
        }
        text[from..to].escape_debug().to_string()
    };
    // Every ESC the app writes starts a CSI: no OSC (ESC ]), DCS (ESC P),
    // SOS (ESC X), PM (ESC ^), APC (ESC _), reset (ESC c), charset (ESC ( 0)…
    for (at, _) in text.match_indices('\u{1b}') {
        let next = text[at + 1..].chars().next();
        assert_eq!(
            next,
            Some('['),
            "ESC {next:?} reached the terminal: …{}…",
            around(at)
        );
    }
    for (at, c) in text.char_indices() {
        let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        let control = c.is_control() && !matches!(c, '\u{1b}' | '\n' | '\r');
        assert!(
            !(bidi || control),
            "{c:?} reached the terminal: …{}…",
            around(at)
        );
    }
    for payload in ["PWNED", "UFdORUQ", "evil.example"] {
        if let Some(at) = text.find(payload) {
            panic!("{payload:?} reached the terminal: …{}…", around(at));
        }
    }
    // kanbao turns mouse reporting on once each time it takes the screen;
    // any more would have come from an article.
    let entered = text.matches("\u{1b}[?1049h").count();
    assert_eq!(
        text.matches("\u{1b}[?1000h").count(),
        entered,
        "mouse mode sent by an article"
    );
    // CSI sequences from the articles that kanbao itself never sends.
    for csi in [
        "\u{1b}[21t",
        "\u{1b}[8;100;200t",
        "\u{1b}[?2004h",
        "\u{1b}[2 q",
        "\u{1b}[1;1r",
        "\u{1b}[>0c",
    ] {
        if let Some(at) = text.find(csi) {
            panic!("{csi:?} reached the terminal: …{}…", around(at));
        }
    }
    // What a terminal would have done besides drawing.
    let mut parser =
        vt100::Parser::new_with_callbacks(nz(rows), nz(cols), 0, SideEffects::default());
    parser.process(raw);
    let effects = parser.callbacks();
    assert!(effects.titles.is_empty(), "window title set: {effects:?}");
    assert!(effects.icon_names.is_empty(), "icon name set: {effects:?}");
    assert!(effects.clipboard.is_empty(), "clipboard used: {effects:?}");
    assert_eq!(effects.bells, 0, "bell rung: {effects:?}");
    assert!(effects.other.is_empty(), "{effects:?}");
}

/// Walks through every article in two panes (open, scroll, half a page, a
/// page, the end, back), then opens one in a single pane; returns the titles
/// the reader showed.
fn browse_every_article(s: &mut Session, titles: &[String]) -> Vec<String> {
    let n = titles.len();
    s.wait_for_status(&format!(" 1/{n}"), "? help  q sources");
    s.assert_raw_mode();
    let mut shown = Vec::new();
    for i in 1..=n {
        if i > 1 {
            s.send("j");
        }
        let position = format!(" {i}/{n} ");
        // The reader beside the list shows the next article once the
        // selection rests (layout.preview_delay_ms): wait for the change.
        let before = shown.last().cloned();
        s.wait_for(
            &format!("article {i}/{n} at the top of the reader"),
            |screen| {
                status(screen).starts_with(&position)
                    && title_in_reader(screen, titles).is_some_and(|t| Some(t) != before)
            },
        );
        shown.push(s.screen_state(|screen| title_in_reader(screen, titles).unwrap()));
        // (Not Space: at the end of an article it reads on to the next.)
        for key in ["\r", "jjj", "\x04", "b"] {
            s.send(key);
            // A key may change nothing on screen (and write nothing): Ctrl-l
            // after it proves it was handled.
            s.sync();
        }
        s.send("G");
        s.sync();
        s.wait_for(&format!("the end of article {i}"), |screen| {
            let line = status(screen);
            line.starts_with(&position) && (line.contains("Bot") || line.contains("All"))
        });
        s.send("\x1b");
        // Esc moves the focus back to the list: the selection marker changes.
        // (Sending Ctrl-l right after Esc would read as Alt-Ctrl-l.)
        s.wait_for(
            &format!("the list focused again after Esc in article {i}"),
            |_| true,
        );
    }

    // One pane: the reader alone.
    s.sync();
    s.resize(70, 20);
    s.wait_for("a redraw at 70x20", |_| true);
    for key in ["g", "j"] {
        s.send(key);
        s.sync();
    }
    s.send("\r");
    s.wait_for_status(&format!(" 2/{n}"), "q back  ? help");
    s.send("\x04");
    s.sync();
    s.send("\x1b");
    s.wait_for_status(&format!(" 2/{n}"), "? help  q sources");
    shown
}

/// Opens every hostile article in the real browser and checks that no
/// sequence from an article reached the terminal, that the text around the
/// sequences is what the reader shows, and that `q` restores the terminal.
#[test]
fn hostile_articles_never_reach_the_terminal() {
    let files = [
        hostile_fixture("articles.json"),
        hostile_fixture("articles.jsonl"),
    ];
    let titles: Vec<String> = ["articles.json", "articles.jsonl"]
        .into_iter()
        .flat_map(hostile_titles)
        .collect();
    let (cols, rows) = (100, 30);
    let mut s = Session::start_with_args(cols, rows, &[&files[0], &files[1]]);
    let browsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        browse_every_article(&mut s, &titles)
    }));
    // A leak explains a failed step better than the step's timeout does.
    assert_nothing_leaked(&s.raw_output(), cols, rows);
    let mut shown = browsed.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    let mut all = titles.clone();
    all.sort();
    shown.sort();
    assert_eq!(
        shown, all,
        "every article shows its clean title in the reader"
    );

    s.send("Q");
    assert_eq!(s.wait_exit(), 0, "q should exit with 0");
    s.assert_terminal_restored();
    assert_nothing_leaked(&s.raw_output(), cols, rows);
}

/// Stars and read marks are on disk the moment they are made: kill -9 the
/// browser right after, start it again, and they are there.
#[test]
fn marks_survive_kill_9_between_two_runs() {
    let state = TempDir::new("e2e");
    let state_home = state.0.display().to_string();
    let env = [("XDG_STATE_HOME", state_home.as_str())];
    {
        let mut s = Session::start_with_env(80, 24, &env);
        s.wait_for_status(" 1/14", "? help  q sources");
        s.send("s");
        s.wait_for_text("starred");
        s.send("j\r");
        s.wait_for_text("q back");
        s.send("\x1b");
        s.wait_for_status(" 2/14", "? help  q sources");
        s.signal("KILL");
        let deadline = Instant::now() + Duration::from_secs(10);
        while s.child.try_wait().expect("try_wait").is_none() {
            assert!(Instant::now() < deadline, "kill -9 did not end the app");
            thread::sleep(Duration::from_millis(20));
        }
    }
    let mut s = Session::start_with_env(80, 24, &env);
    s.wait_for_status(" 1/14", "? help  q sources");
    let screen = s.screen_text();
    let rows: Vec<&str> = screen.lines().collect();
    // Column 0 is the selection marker, column 1 the article's mark.
    let mark = |row: &str| row.chars().nth(1).unwrap_or(' ');
    assert_eq!(mark(rows[0]), '★', "the star survived: {screen}");
    assert_ne!(mark(rows[1]), '●', "the read mark survived: {screen}");
    assert_eq!(
        mark(rows[2]),
        '●',
        "the third article is still unread: {screen}"
    );
    s.send("Q");
    assert_eq!(s.wait_exit(), 0);
}

/// A small article with a web link and two links in its text, in a fresh directory.
fn link_article(dir: &std::path::Path) -> String {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("links.json");
    std::fs::write(
        &path,
        r#"{"title":"链接测试","url":"https://example.org/a?x=1","body":"正文[1]和[2]。","links":["https://example.org/one","https://example.org/two"]}"#,
    )
    .unwrap();
    path.display().to_string()
}

/// A stand-in browser: writes the URL it was given to `out`.
fn fake_browser(dir: &std::path::Path, name: &str, out: &std::path::Path) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", out.display()),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

fn wait_for_file(path: &std::path::Path) -> String {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && !text.is_empty()
        {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "{} never written",
            path.display()
        );
        thread::sleep(POLL);
    }
}

#[test]
fn o_opens_the_url_and_a_terminal_browser_gets_the_screen_back_after() {
    let tmp = TempDir::new("e2e");
    let dir = tmp.0.as_path();
    let article = link_article(dir);
    // A GUI browser: started in the background.
    let out = dir.join("gui.txt");
    let gui = fake_browser(dir, "opener", &out);
    let mut s = Session::spawn(80, 24, &[&article], &[("BROWSER", &gui)]);
    s.wait_for_text("链接测试");
    s.send("o");
    assert_eq!(wait_for_file(&out), "https://example.org/a?x=1");
    s.wait_for_text("opened https://example.org/a?x=1");
    // L, then 2: the second link of the text.
    std::fs::remove_file(&out).unwrap();
    s.send("L");
    s.wait_for_text(" links ");
    s.send("2");
    assert_eq!(wait_for_file(&out), "https://example.org/two");
    s.send("Q");
    assert_eq!(s.wait_exit(), 0);

    // A terminal browser (named like one): kanbao leaves the screen to it, then redraws.
    let out = dir.join("tui.txt");
    let w3m = fake_browser(dir, "w3m", &out);
    let mut s = Session::spawn(80, 24, &[&article], &[("BROWSER", &w3m)]);
    s.wait_for_text("链接测试");
    s.send("o");
    assert_eq!(wait_for_file(&out), "https://example.org/a?x=1");
    s.wait_for_text("opened https://example.org/a?x=1");
    let raw = s.raw_output();
    let left = raw.windows(8).filter(|w| w == b"\x1b[?1049l").count();
    assert!(
        left >= 1,
        "the alternate screen was left for the terminal browser"
    );
    s.send("Q");
    assert_eq!(s.wait_exit(), 0);
    s.assert_terminal_restored();
}

#[test]
fn y_copies_the_url_with_osc_52() {
    let tmp = TempDir::new("e2e");
    let dir = tmp.0.as_path();
    let article = link_article(dir);
    let mut s = Session::start_with_args(80, 24, &[&article]);
    s.wait_for_text("链接测试");
    s.send("y");
    s.wait_for_text("copied");
    // base64("https://example.org/a?x=1")
    let osc = b"\x1b]52;c;aHR0cHM6Ly9leGFtcGxlLm9yZy9hP3g9MQ==\x07";
    assert!(
        s.raw_output().windows(osc.len()).any(|w| w == osc),
        "no OSC 52 with the URL"
    );
    s.send("Q");
    assert_eq!(s.wait_exit(), 0);
}

#[test]
fn a_key_rebound_in_the_config_file_works() {
    let tmp = TempDir::new("e2e");
    let dir = tmp.0.as_path();
    let config = dir.join("config/kanbao");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        "[keys]\nquit = \"x\"\ndown = \"e\"\n",
    )
    .unwrap();
    let config_home = dir.join("config").display().to_string();
    let mut s = Session::start_with_env(80, 24, &[("XDG_CONFIG_HOME", &config_home)]);
    // x does what q does (q keeps doing it too: a binding adds a key).
    s.wait_for_status(" 1/14", "? help  q sources");
    s.send("e");
    s.wait_for_status(" 2/14", "? help  q sources");
    s.send("x");
    s.wait_for_status(" 1/", "Enter open  ? help  q quit");
    s.send("x");
    assert_eq!(s.wait_exit(), 0);
}

#[test]
fn ctrl_z_suspends_to_the_shell_and_fg_redraws() {
    // A real interactive shell with job control, as a user has.
    let mut s = Session::spawn_program(
        "bash",
        80,
        24,
        &["--norc", "--noprofile", "-i"],
        &[("PS1", "$ "), ("KANBAO", env!("CARGO_BIN_EXE_kanbao"))],
    );
    s.wait_for_text("$ ");
    s.send("\"$KANBAO\"\r");
    s.wait_for_status(" 1/14", "? help  q sources");
    s.send("j");
    s.wait_for_status(" 2/14", "? help  q sources");
    s.send("\x1a");
    s.wait_for_text("Stopped");
    // While stopped, the terminal is the user's: alternate screen left, cursor shown.
    let (alternate, hidden) = s.screen_state(|sc| (sc.alternate_screen(), sc.hide_cursor()));
    assert!(
        !alternate && !hidden,
        "the terminal was not given back on Ctrl-Z"
    );
    s.send("fg\r");
    s.wait_for_status(" 2/14", "? help  q sources");
    assert!(
        s.screen_state(|sc| sc.alternate_screen()),
        "back on the alternate screen after fg"
    );
    s.send("j");
    s.wait_for_status(" 3/14", "? help  q sources");
    s.send("Q");
    s.wait_for("the shell prompt again", |sc| {
        !sc.alternate_screen() && sc.contents().contains("$ ")
    });
    s.send("exit\r");
    assert_eq!(s.wait_exit(), 0);
}

#[test]
fn ctrl_z_without_a_shell_says_so_instead_of_hanging() {
    // Started directly (as by ssh host kanbao): nobody could fg it.
    let mut s = Session::start(80, 24);
    s.wait_for_status(" 1/14", "? help  q sources");
    s.send("\x1a");
    s.wait_for_text("cannot suspend");
    s.send("j");
    s.wait_for_status(" 2/14", "? help  q sources");
    s.send("Q");
    assert_eq!(s.wait_exit(), 0);
    s.assert_terminal_restored();
}

#[test]
fn a_resize_storm_ends_with_a_correct_screen() {
    let mut s = Session::start(80, 24);
    s.wait_for_status(" 1/14", "? help  q sources");
    s.send("G\r");
    s.wait_for_text("q back");
    for i in 0..60u16 {
        let (w, h) = (20 + (i * 37) % 280, 5 + (i * 13) % 95);
        s.resize(w, h);
    }
    s.resize(0, 0);
    s.resize(1, 1);
    s.resize(100, 30);
    s.wait_for("the final two-pane screen", |screen| {
        let text = screen.contents();
        text.contains("嘉兴制造业向高质量迈进") && text.contains("│") && text.contains("14/14")
    });
    // Q quits from the reader at once.
    s.send("Q");
    assert_eq!(s.wait_exit(), 0);
    s.assert_terminal_restored();
}

#[test]
fn a_huge_article_opens_scrolls_and_ends_at_once() {
    let tmp = TempDir::new("e2e");
    let dir = tmp.0.as_path();
    let paragraph = "嘉兴围绕“碳达峰、碳中和”发展目标，发挥光伏产业的比较优势。".repeat(50_000); // ~4.5 MB
    let path = dir.join("huge.json");
    std::fs::write(
        &path,
        serde_json::json!({"title": "四兆字节的一段", "body": [paragraph]}).to_string(),
    )
    .unwrap();
    let path = path.display().to_string();
    let mut s = Session::start_with_args(80, 24, &[&path]);
    s.wait_for_status(" 1/1", "? help  q sources");
    let started = Instant::now();
    s.send("\r");
    s.wait_for_text("四兆字节的一段");
    s.send(" ");
    s.sync();
    s.send("G");
    s.wait_for_status(" 1/1  Bot", "q back  ? help");
    // Generous for a debug build on a loaded machine; release takes milliseconds.
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "took {:?}",
        started.elapsed()
    );
    assert!(s.screen_text().contains("比较优势。"));
    s.send("Q");
    assert_eq!(s.wait_exit(), 0);
    s.assert_terminal_restored();
}

#[test]
fn a_bad_library_still_opens_with_one_notice_and_the_problems_on_bang() {
    let tmp = TempDir::new("e2e");
    let dir = tmp.0.as_path();
    std::fs::write(
        dir.join("a.jsonl"),
        "{\"title\":\"好文章\"}\n{\"title\":5}\nnot json\n",
    )
    .unwrap();
    std::fs::write(dir.join("b.json"), "[1,2").unwrap();
    std::fs::write(dir.join("c.json"), b"\x89PNG\r\n\x1a\n").unwrap();
    let path = dir.display().to_string();
    let mut s = Session::start_with_args(80, 24, &[&path]);
    s.wait_for_text("4 problems loading articles");
    assert!(s.screen_text().contains("好文章"));
    s.send("!");
    s.wait_for_text(" problems ");
    let screen = s.screen_text();
    assert!(
        screen.contains("a.jsonl:2:") && screen.contains("field `title`"),
        "{screen}"
    );
    assert!(screen.contains("PNG"), "{screen}");
    s.send("x");
    s.wait_for("the problems to close", |sc| {
        !sc.contents().contains(" problems ")
    });
    s.send("Q");
    assert_eq!(s.wait_exit(), 0);
    s.assert_terminal_restored();
}

/// A JSON Lines file of `n` articles, the `i`-th saying `第{i}篇` only in its body.
fn big_library(dir: &std::path::Path, n: usize) -> String {
    let path = dir.join("big.jsonl");
    let mut text = String::new();
    for i in 0..n {
        let body: Vec<String> = (0..6)
            .map(|p| {
                format!(
                    "正文第{i}篇第{p}段。{}",
                    "嘉兴制造业向高质量迈进。".repeat(8)
                )
            })
            .collect();
        let article = serde_json::json!({
            "id": format!("big-{i}"),
            "title": format!("大库标题 {i:05}"),
            "published": format!("2024-01-01T00:00:{:02}+08:00", i % 60),
            "body": body,
        });
        text.push_str(&article.to_string());
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn a_big_library_shows_loading_progress_then_searches_bodies_in_the_background() {
    let tmp = TempDir::new("e2e");
    let dir = tmp.0.as_path();
    let path = big_library(dir, 6_000);
    let mut s = Session::spawn(
        120,
        40,
        &[path.as_str()],
        &[("KANBAO_LOAD_PATIENCE_MS", "0")],
    );
    s.wait_for_status(" 1/6000", "? help  q sources");
    let raw = s.raw_output();
    assert!(
        find(&raw, "loading…".as_bytes()).is_some(),
        "the status line said it was loading before the list came"
    );
    // Words found only in bodies, which stay on disk: found in the background.
    s.send("/第4321篇");
    s.wait_for_text("/第4321篇█");
    s.wait_for_text("/第4321篇█  1 match");
    s.send("\r");
    s.wait_for_text("大库标题 04321");
    assert!(
        s.screen_text().contains("正文第4321篇"),
        "the reader shows the body read from disk"
    );
    // A word in every body: all of them, the top of the list selected.
    s.send("/");
    s.send("\x15"); // Ctrl-u clears the prompt
    s.send("正文");
    s.wait_for_text("/正文█  6,000 matches");
    s.send("\r");
    s.wait_for_status(" 1/6000  /正文", "? help  q sources");
    s.send("Q");
    assert_eq!(s.wait_exit(), 0);
    s.assert_terminal_restored();
}

#[test]
fn a_terminal_that_goes_away_ends_the_browser_instead_of_spinning() {
    // The SSH connection drops, the terminal window closes: the pty's other
    // end is closed. On a hung-up terminal every read returns at once with
    // nothing, and a reader that retries spins at full CPU for ever.
    let dir = pty::session_dir();
    let pair = pty::open(80, 24);
    let cmd = pty::command(env!("CARGO_BIN_EXE_kanbao"), &dir.0);
    let mut child = pair.slave.spawn_command(cmd).expect("spawn kanbao");
    drop(pair.slave);
    let mut writer = pair.master.take_writer().expect("writer");
    let mut reader = pair.master.try_clone_reader().expect("reader");
    // Read until the first frame is complete (answering the width probe).
    let started = thread::spawn(move || {
        let (mut seen, mut buf) = (Vec::new(), [0u8; 8192]);
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
            if find(&seen, b"\x1b[6n").is_some() {
                let _ = writer.write_all(b"\x1b[1;1R");
                seen.clear();
            }
            if find(&seen, b"q sources").is_some() {
                return true;
            }
        }
        false
    });
    assert!(started.join().unwrap(), "the browser started");
    drop(pair.master); // the last handle: the terminal is gone
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("kanbao kept running after its terminal went away");
        }
        thread::sleep(POLL);
    };
    assert_eq!(status.exit_code(), 129, "ended as by SIGHUP: {status:?}");
}

/// The selected row's title in the list beside the reader: its bold cells
/// (unread titles are bold; the date and source are not), without the
/// ellipsis of a cut title.
fn selected_list_title(screen: &vt100::Screen) -> Option<String> {
    let (rows, cols) = screen.size();
    let row = (0..rows.get()).find(|&r| screen.cell(r, 0).is_some_and(|c| c.contents() == "▶"))?;
    let mut title = String::new();
    for col in 3..cols.get() {
        let cell = screen.cell(row, col)?;
        if cell.contents() == "│" {
            break;
        }
        if cell.bold() && !cell.is_wide_continuation() {
            title.push_str(cell.contents());
        }
    }
    Some(title.trim().trim_end_matches('…').to_owned())
}

/// The first line of the reader beside the list: the article's title.
fn reader_title(screen: &vt100::Screen) -> String {
    rows(screen)
        .first()
        .and_then(|row| row.split_once('│'))
        .map(|(_, right)| right.trim().to_owned())
        .unwrap_or_default()
}

/// Steps through the sample library beside the reader: one `j`, then nine
/// in one go (a held key); returns the bytes written for the nine, once
/// the reader shows the article they stopped at.
fn nine_steps_at_once(env: &[(&str, &str)]) -> usize {
    let mut s = Session::start_with_env(120, 30, env);
    s.wait_for_status(" 1/14", "? help  q sources");
    let shows_selected = |screen: &vt100::Screen| {
        selected_list_title(screen)
            .is_some_and(|t| t.chars().count() >= 4 && reader_title(screen).starts_with(&t))
    };
    s.wait_for("the first article beside the list", shows_selected);
    // One step: the marker moves, and then, with no other key, the reader
    // shows the newly selected article.
    s.send("j");
    s.wait_for_status(" 2/14", "? help  q sources");
    s.wait_for("the second article beside the list", shows_selected);
    s.quiet_output_len();
    s.send("jjjjjjjjj");
    s.wait_for_status(" 11/14", "? help  q sources");
    s.wait_for("the eleventh article beside the list", shows_selected);
    let nine = s.quiet_output_len() - s.mark;
    s.send("Q");
    assert_eq!(s.wait_exit(), 0);
    s.assert_terminal_restored();
    nine
}

#[test]
fn the_article_beside_the_list_follows_once_the_keys_stop() {
    let held = nine_steps_at_once(&[]);
    // The same with the reader following every step at once.
    let config = TempDir::new("e2e");
    std::fs::create_dir_all(config.path("kanbao")).unwrap();
    std::fs::write(
        config.path("kanbao/config.toml"),
        "[layout]\npreview_delay_ms = 0\n",
    )
    .unwrap();
    let every = nine_steps_at_once(&[("XDG_CONFIG_HOME", config.0.to_str().unwrap())]);
    assert!(
        held * 3 < every,
        "nine held steps wrote {held} bytes, {every} with the reader following each: \
         the articles on the way should not be drawn"
    );
}
