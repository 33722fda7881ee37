//! A pseudo-terminal harness: the real `kanbao` binary (or a shell) in a
//! pty of a given size, fed keys, resized and sent signals, its output read
//! through a `vt100` terminal emulator. Nothing here sleeps for a fixed
//! time: every step waits (up to [`TIMEOUT`]) for the screen it expects.
//!
//! A screen only counts once the app has written something after the
//! last key or resize (and, after a resize or Ctrl-l, only once it has
//! cleared the screen with `ESC[2J`), so a stale screen never satisfies a
//! wait. The harness answers the terminal queries the app may send
//! (cursor position `ESC[6n`, device attributes `ESC[c`).

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtyPair, PtySize, native_pty_system};

use super::TempDir;

/// How long any single step may take before the test fails.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// How often waits look at the screen.
pub const POLL: Duration = Duration::from_millis(20);

const ENTER_ALT: &[u8] = b"\x1b[?1049h";
const LEAVE_ALT: &[u8] = b"\x1b[?1049l";
const SHOW_CURSOR: &[u8] = b"\x1b[?25h";
const CLEAR_ALL: &[u8] = b"\x1b[2J";

/// Terminal queries the app may send, and the answers the harness gives.
const QUERIES: &[(&[u8], &[u8])] = &[
    // Cursor position report: "the cursor is at the top left".
    (b"\x1b[6n", b"\x1b[1;1R"),
    // Primary device attributes (crossterm follows some queries with it).
    (b"\x1b[c", b"\x1b[?62;c"),
    (b"\x1b[0c", b"\x1b[?62;c"),
];

/// Locks, ignoring poisoning: a failed assertion must not hide the real error.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

pub fn nz(n: u16) -> NonZeroU16 {
    NonZeroU16::new(n.max(1)).unwrap()
}

/// Everything the reader thread produces.
struct Output {
    /// Every byte the app has written, in order.
    raw: Vec<u8>,
    /// The emulated terminal those bytes were fed into.
    parser: vt100::Parser,
    /// Offset in `raw` from which queries have not been answered yet.
    scanned: usize,
    /// The pty reported end of output (the app and its tty are gone).
    eof: bool,
}

/// Finds the queries in `raw[from..]`. Returns the answers and the offset
/// to scan from next time (a query cut off at the end is scanned again).
pub fn answer_queries(raw: &[u8], from: usize) -> (Vec<&'static [u8]>, usize) {
    let mut answers = Vec::new();
    let mut i = from;
    'scan: while i < raw.len() {
        let rest = &raw[i..];
        for &(query, answer) in QUERIES {
            if rest.starts_with(query) {
                answers.push(answer);
                i += query.len();
                continue 'scan;
            }
        }
        if QUERIES
            .iter()
            .any(|(query, _)| rest.len() < query.len() && query.starts_with(rest))
        {
            break;
        }
        i += 1;
    }
    (answers, i)
}

pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

pub fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// The text of every row of the screen, without trailing blanks.
pub fn rows(screen: &vt100::Screen) -> Vec<String> {
    let (_, cols) = screen.size();
    screen
        .rows(0, cols.get())
        .map(|row| row.trim_end().to_owned())
        .collect()
}

/// The bottom row: the status line.
pub fn status(screen: &vt100::Screen) -> String {
    rows(screen).pop().unwrap_or_default()
}

pub fn escape_tail(raw: &[u8], n: usize) -> String {
    let tail = &raw[raw.len().saturating_sub(n)..];
    String::from_utf8_lossy(tail).escape_debug().to_string()
}

/// A pty of `cols`×`rows` cells.
pub fn size(cols: u16, rows: u16) -> PtySize {
    PtySize {
        rows,
        cols,
        pixel_width: 0,
        pixel_height: 0,
    }
}

/// Opens a pty of `cols`×`rows` cells.
pub fn open(cols: u16, rows: u16) -> PtyPair {
    native_pty_system()
        .openpty(size(cols, rows))
        .expect("open a pty")
}

/// A fresh, empty directory for one session's HOME and XDG directories.
pub fn session_dir() -> TempDir {
    let dir = TempDir::new("e2e");
    std::fs::create_dir_all(dir.path("home")).unwrap();
    std::fs::create_dir_all(dir.path("data")).unwrap();
    dir
}

/// `program` to run in a pty, in `dir` (from [`session_dir`]): its HOME and
/// XDG directories there, an xterm, no size or colour from the environment.
pub fn command(program: &str, dir: &Path) -> CommandBuilder {
    let mut cmd = CommandBuilder::new(program);
    cmd.cwd(dir);
    cmd.env("TERM", "xterm-256color");
    cmd.env("HOME", dir.join("home"));
    cmd.env("XDG_DATA_HOME", dir.join("data"));
    cmd.env("XDG_CONFIG_HOME", dir.join("config"));
    cmd.env("XDG_STATE_HOME", dir.join("state"));
    // Dates are shown in the local zone: the sample's own.
    cmd.env("TZ", "Asia/Shanghai");
    for var in ["COLUMNS", "LINES", "NO_COLOR", "RUST_BACKTRACE"] {
        cmd.env_remove(var);
    }
    cmd
}

/// Compares the pty's current termios with the one captured at start.
/// (A closure, because portable-pty does not re-export nix's `Termios`.)
type TermiosCheck = Box<dyn Fn(&dyn MasterPty) -> Option<bool> + Send>;

/// The `kanbao` binary running in a pty.
pub struct Session {
    master: Box<dyn MasterPty + Send>,
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
    pub child: Box<dyn Child + Send + Sync>,
    output: Arc<Mutex<Output>>,
    /// Whether the pty's settings equal those before the app started (cooked
    /// mode); `None` where the termios cannot be read.
    termios_as_initial: TermiosCheck,
    /// Length of the output when the last key or resize was sent.
    pub mark: usize,
    /// Whether the last input makes the app clear the screen (a resize, Ctrl-l).
    expect_clear: bool,
    exit_code: Option<u32>,
    /// Its HOME and XDG directories, removed once [`Drop`] has ended the child.
    _dir: TempDir,
}

impl Session {
    /// Starts `kanbao` with no arguments on a `cols`×`rows` terminal.
    pub fn start(cols: u16, rows: u16) -> Session {
        Session::start_with_env(cols, rows, &[])
    }

    /// [`Session::start`] with extra environment variables.
    pub fn start_with_env(cols: u16, rows: u16, env: &[(&str, &str)]) -> Session {
        Session::spawn(cols, rows, &[], env)
    }

    /// [`Session::start`] with command-line arguments (e.g. article files).
    pub fn start_with_args(cols: u16, rows: u16, args: &[&str]) -> Session {
        Session::spawn(cols, rows, args, &[])
    }

    pub fn spawn(cols: u16, rows: u16, args: &[&str], env: &[(&str, &str)]) -> Session {
        Session::spawn_program(env!("CARGO_BIN_EXE_kanbao"), cols, rows, args, env)
    }

    pub fn spawn_program(
        program: &str,
        cols: u16,
        rows: u16,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Session {
        let dir = session_dir();
        let pair = open(cols, rows);
        let initial = pair.master.get_termios();
        let termios_as_initial: TermiosCheck =
            Box::new(move |master| Some(master.get_termios()? == *initial.as_ref()?));

        let mut cmd = command(program, &dir.0);
        cmd.args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair
            .slave
            .spawn_command(cmd)
            .expect("spawn kanbao in the pty");
        // Only the child may hold the slave side, so the reader sees EOF when it exits.
        drop(pair.slave);

        let writer = Arc::new(Mutex::new(pair.master.take_writer().expect("pty writer")));
        let output = Arc::new(Mutex::new(Output {
            raw: Vec::new(),
            parser: vt100::Parser::new(nz(rows), nz(cols), 0),
            scanned: 0,
            eof: false,
        }));
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        {
            let output = Arc::clone(&output);
            let writer = Arc::clone(&writer);
            thread::spawn(move || {
                let mut buf = [0u8; 8192];
                loop {
                    let n = match reader.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    let answers = {
                        let mut out = lock(&output);
                        out.raw.extend_from_slice(&buf[..n]);
                        out.parser.process(&buf[..n]);
                        let (answers, scanned) = answer_queries(&out.raw, out.scanned);
                        out.scanned = scanned;
                        answers
                    };
                    if !answers.is_empty() {
                        let mut w = lock(&writer);
                        for answer in answers {
                            let _ = w.write_all(answer);
                        }
                        let _ = w.flush();
                    }
                }
                lock(&output).eof = true;
            });
        }

        Session {
            master: pair.master,
            writer,
            child,
            output,
            termios_as_initial,
            mark: 0,
            expect_clear: false,
            exit_code: None,
            _dir: dir,
        }
    }

    /// Types `keys` (raw bytes: "\r" is Enter, "\x1b" Esc, "\x03" Ctrl-c).
    pub fn send(&mut self, keys: &str) {
        self.mark = lock(&self.output).raw.len();
        self.expect_clear = false;
        let mut w = lock(&self.writer);
        w.write_all(keys.as_bytes()).expect("write keys to the pty");
        w.flush().unwrap();
    }

    /// Presses Ctrl-l (redraw) and waits for the app to clear and redraw the
    /// screen, which proves its event loop is reading input.
    ///
    /// Needed before resizing right after startup: crossterm installs its
    /// SIGWINCH handler only on the app's first `event::poll`, which comes
    /// after the first frame, so a resize in between is lost.
    pub fn sync(&mut self) {
        self.send("\x0c");
        self.expect_clear = true;
        self.wait_for("a redraw after Ctrl-l", |_| true);
    }

    /// Resizes the terminal: the emulator first, then the pty (which sends SIGWINCH).
    pub fn resize(&mut self, cols: u16, rows: u16) {
        let mut out = lock(&self.output);
        out.parser.screen_mut().set_size(nz(rows), nz(cols));
        self.mark = out.raw.len();
        self.expect_clear = true;
        self.master
            .resize(size(cols, rows))
            .expect("resize the pty");
    }

    /// The screen as plain text, one line per row.
    pub fn screen_text(&self) -> String {
        lock(&self.output).parser.screen().contents()
    }

    /// The length of the output once the app has written nothing for 300 ms.
    pub fn quiet_output_len(&self) -> usize {
        let mut len = lock(&self.output).raw.len();
        loop {
            thread::sleep(Duration::from_millis(300));
            let now = lock(&self.output).raw.len();
            if now == len {
                return len;
            }
            len = now;
        }
    }

    /// Every byte the app has written so far.
    pub fn raw_output(&self) -> Vec<u8> {
        lock(&self.output).raw.clone()
    }

    /// The emulated terminal's state (alternate screen, cursor visibility, …).
    pub fn screen_state<T>(&self, f: impl FnOnce(&vt100::Screen) -> T) -> T {
        f(lock(&self.output).parser.screen())
    }

    /// Whether the app has drawn since the last input (and cleared the
    /// screen, if that input was a resize or Ctrl-l) and `pred` holds.
    pub fn drawn_and(&self, pred: &impl Fn(&vt100::Screen) -> bool) -> bool {
        let out = lock(&self.output);
        let fresh = &out.raw[self.mark.min(out.raw.len())..];
        let drawn = !fresh.is_empty() && (!self.expect_clear || find(fresh, CLEAR_ALL).is_some());
        drawn && pred(out.parser.screen())
    }

    /// Waits until the app has drawn since the last input and `pred` holds for the screen.
    pub fn wait_for(&mut self, what: &str, pred: impl Fn(&vt100::Screen) -> bool) {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let exited = self.child.try_wait().ok().flatten();
            if exited.is_some() {
                // Judge the final screen only once all output has arrived.
                let drained = Instant::now() + Duration::from_secs(2);
                while !lock(&self.output).eof && Instant::now() < drained {
                    thread::sleep(POLL);
                }
            }
            if self.drawn_and(&pred) {
                return;
            }
            if exited.is_some() || Instant::now() >= deadline {
                let why = match exited {
                    Some(status) => format!("the app exited ({status:?})"),
                    None => format!("timed out after {TIMEOUT:?}"),
                };
                let out = lock(&self.output);
                let (screen, tail) = (out.parser.screen().contents(), escape_tail(&out.raw, 600));
                drop(out);
                panic!(
                    "{why} waiting for {what}\n--- screen ---\n{screen}\n--- last output ---\n{tail}"
                );
            }
            thread::sleep(POLL);
        }
    }

    /// Waits for the screen to contain `text`.
    pub fn wait_for_text(&mut self, text: &str) {
        let what = format!("{text:?} on the screen");
        self.wait_for(&what, |s| s.contents().contains(text));
    }

    /// Waits for the status line to start with `start` and end with `end`.
    pub fn wait_for_status(&mut self, start: &str, end: &str) {
        let what = format!("a status line {start:?} … {end:?}");
        self.wait_for(&what, |s| {
            let line = status(s);
            line.starts_with(start) && line.ends_with(end)
        });
    }

    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("the child's pid")
    }

    /// Sends a signal (a name for `kill`, e.g. "TERM") to the app.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.pid().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} failed: {status}");
    }

    /// Waits for the app to exit and for all its output to arrive; returns its exit code.
    pub fn wait_exit(&mut self) -> u32 {
        let deadline = Instant::now() + TIMEOUT;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            if Instant::now() >= deadline {
                panic!(
                    "the app did not exit within {TIMEOUT:?}\n--- screen ---\n{}",
                    self.screen_text()
                );
            }
            thread::sleep(POLL);
        };
        assert!(
            status.signal().is_none(),
            "the app was killed by a signal: {status:?}"
        );
        self.exit_code = Some(status.exit_code());
        while !lock(&self.output).eof {
            assert!(
                Instant::now() < deadline,
                "the pty never reported the end of output"
            );
            thread::sleep(POLL);
        }
        status.exit_code()
    }

    /// After exit: the alternate screen was left, the cursor shown and raw mode turned off.
    pub fn assert_terminal_restored(&self) {
        assert!(self.exit_code.is_some(), "call wait_exit first");
        let raw = &self.raw_output();
        let entered = rfind(raw, ENTER_ALT).expect("the app never entered the alternate screen");
        let after = &raw[entered..];
        let left = find(after, LEAVE_ALT);
        assert!(
            left.is_some(),
            "no ESC[?1049l after the last ESC[?1049h; output ends with:\n{}",
            escape_tail(raw, 300)
        );
        assert!(
            find(after, SHOW_CURSOR).is_some(),
            "no ESC[?25h after the last ESC[?1049h; output ends with:\n{}",
            escape_tail(raw, 300)
        );
        let (alternate, hidden) = self.screen_state(|s| (s.alternate_screen(), s.hide_cursor()));
        assert!(!alternate, "still on the alternate screen");
        assert!(!hidden, "the cursor is still hidden");
        assert_ne!(
            (self.termios_as_initial)(&*self.master),
            Some(false),
            "raw mode was not turned off"
        );
    }

    /// While the browser runs, the pty is in raw mode.
    pub fn assert_raw_mode(&self) {
        assert_ne!(
            (self.termios_as_initial)(&*self.master),
            Some(true),
            "the browser is running but the pty is still in cooked mode"
        );
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
