//! The interactive terminal: entering and always leaving the alternate
//! screen, the event loop, signals and suspend.

use std::io::{self, BufWriter, Stdout, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crossterm::event::{self, Event, KeyEventKind};
use crossterm::{cursor, execute, terminal};
use ratatui::Terminal;

use crate::app::{App, Effect};
use crate::terminal::lean::Lean;
use crate::ui::{Theme, draw};
use kanbao_core::{Library, Link};

type Term = Terminal<Lean<BufWriter<Stdout>>>;

/// Clicks and the wheel only (1000), reported as SGR (1006): not every
/// pointer movement (1003), which would flood a slow SSH link.
const MOUSE_ON: &[u8] = b"\x1b[?1000h\x1b[?1006h";
const MOUSE_OFF: &[u8] = b"\x1b[?1006l\x1b[?1000l";

/// Whether the browser asked for mouse events (`display.mouse`).
static MOUSE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Puts the terminal back the way the user had it. Safe to call twice.
pub fn restore_terminal() {
    let _ = terminal::disable_raw_mode();
    let mut out = io::stdout();
    if MOUSE.load(Ordering::Relaxed) {
        let _ = out.write_all(MOUSE_OFF);
    }
    // Leave no colour behind for the shell.
    let _ = out.write_all(b"\x1b[0m");
    let _ = execute!(out, terminal::LeaveAlternateScreen, cursor::Show);
    let _ = out.flush();
}

fn enter_terminal() -> io::Result<()> {
    terminal::enable_raw_mode()?;
    execute!(io::stdout(), terminal::EnterAlternateScreen, cursor::Hide)?;
    if MOUSE.load(Ordering::Relaxed) {
        let mut out = io::stdout();
        out.write_all(MOUSE_ON)?;
        out.flush()?;
    }
    Ok(())
}

/// How often the browser looks for marks another kanbao made (a
/// `PRAGMA data_version`: nothing is read unless they changed).
const MARKS_EVERY: Duration = Duration::from_secs(2);

/// The browser's background update (`r`): fetches the subscriptions and
/// says what happened ([`UpdateReport`]).
pub type Updater = Arc<dyn Fn() -> UpdateReport + Send + Sync>;

/// What a background update did.
pub struct UpdateReport {
    /// One line for the status line.
    pub said: String,
    /// What to show again.
    pub reloaded: Reloaded,
    /// Articles whose marks move to their scoped identity
    /// ([`kanbao_core::carry_marks`]).
    pub rescoped: Vec<kanbao_core::Rescoped>,
    /// Each feed that failed, named, with its whole error (`!` shows them).
    pub failed: Vec<kanbao_core::Diagnostic>,
}

/// What an update changed that the browser shows.
pub enum Reloaded {
    /// Nothing (it failed before writing anything).
    Nothing,
    /// The files the browser shows, loaded again.
    Library(Library),
    /// The library database (read again by the browser).
    Database,
}

/// A library still loading in another thread: the browser shows its
/// progress and takes the library when it arrives.
pub struct Loading {
    /// How far it has got.
    pub progress: Arc<kanbao_core::Progress>,
    /// Where the library arrives.
    pub receive: std::sync::mpsc::Receiver<Library>,
    /// When loading started, and when the status line last said how far
    /// it had got: at most [`SAY_EVERY`] apart, and not before
    /// [`SAY_AFTER`] (a first screenful that is the top of the finished
    /// list needs no word while the rest comes soon).
    started: std::time::Instant,
    said_at: std::cell::Cell<Option<std::time::Instant>>,
}

/// How long a library may take to load behind its first screenful before
/// the status line says how far it has got.
const SAY_AFTER: Duration = Duration::from_millis(300);

/// How often the status line's progress changes at most: every change
/// costs a slow link a status line.
const SAY_EVERY: Duration = Duration::from_millis(250);

impl Loading {
    /// Starts `load` in a thread and waits up to `patience` for it: a
    /// library that loads sooner is returned at once (no "loading" frame
    /// for a small one), else the loading to hand to [`run`]. With nothing
    /// to show by then (a feed is read whole, no first screenful comes
    /// early), it waits up to three times longer before a frame that says
    /// only "loading…": drawn, then replaced at once, it would cost a slow
    /// link a screenful for nothing.
    pub fn start(
        patience: Duration,
        load: impl FnOnce(Arc<kanbao_core::Progress>) -> Library + Send + 'static,
    ) -> Result<Library, Loading> {
        let progress = Arc::new(kanbao_core::Progress::default());
        let (send, receive) = std::sync::mpsc::channel();
        let shared = Arc::clone(&progress);
        std::thread::spawn(move || {
            let _ = send.send(load(shared));
        });
        let started = std::time::Instant::now();
        // The library, or its first screenful (then at once: with a
        // database it is the top of the finished list), within `patience`.
        while !progress.has_first() {
            let left = patience.saturating_sub(started.elapsed());
            if left.is_zero() {
                break;
            }
            match receive.recv_timeout(left.min(Duration::from_millis(5))) {
                Ok(library) => return Ok(library),
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            }
        }
        let blank_until = started + patience * 4;
        while !progress.has_first() {
            let left = blank_until.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                break;
            }
            match receive.recv_timeout(left.min(Duration::from_millis(10))) {
                Ok(library) => return Ok(library),
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            }
        }
        Err(Loading {
            progress,
            receive,
            started,
            said_at: std::cell::Cell::new(None),
        })
    }

    /// What the status line should say now, if it should change
    /// ([`SAY_AFTER`], [`SAY_EVERY`]); `None` leaves it as it is.
    fn say(&self) -> Option<String> {
        let now = std::time::Instant::now();
        if now.duration_since(self.started) < SAY_AFTER && self.progress.has_first() {
            return None;
        }
        if self
            .said_at
            .get()
            .is_some_and(|at| now.duration_since(at) < SAY_EVERY)
        {
            return None;
        }
        self.said_at.set(Some(now));
        Some(self.describe())
    }

    /// `loading… 45% · 12,345 articles`.
    fn describe(&self) -> String {
        let p = &self.progress;
        let (done, total) = (
            p.done.load(Ordering::Relaxed),
            p.total.load(Ordering::Relaxed),
        );
        let articles = p.articles.load(Ordering::Relaxed);
        let percent = (done * 100).checked_div(total).unwrap_or(0).min(99);
        format!(
            "loading… {percent}% · {} articles",
            crate::app::thousands(articles)
        )
    }
}

/// How the browser ended, as a process exit code (0 for `q`, 128 + signal otherwise).
pub fn run(
    app: &mut App,
    theme: Theme,
    updater: Option<Updater>,
    loading: Option<Loading>,
    mouse: bool,
) -> anyhow::Result<i32> {
    // Signals that end the session: restore the terminal in the main loop.
    let signal = Arc::new(AtomicUsize::new(0));
    for sig in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGINT,
    ] {
        signal_hook::flag::register_usize(sig, Arc::clone(&signal), sig as usize)?;
    }
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous_hook(info);
    }));

    MOUSE.store(mouse, Ordering::Relaxed);
    watch_for_hangup(Arc::clone(&signal));
    enter_terminal()?;
    let mut term = new_terminal()?;
    let result = event_loop(app, &mut term, &theme, &signal, updater, loading);
    if terminal_gone() {
        // Dropping `term` shows the cursor, which fails on a terminal that
        // has gone away, and ratatui says so on standard error, which would
        // panic there if the hang-up thread has not silenced it yet (a
        // SIGHUP can end the loop first). A terminal that is still there
        // (`kill -HUP` alone) is restored as usual.
        silence_output();
    }
    drop(term);
    restore_terminal();
    // A write that failed because the terminal hung up is the hang-up.
    let sig = signal.load(Ordering::Relaxed);
    if result.is_err() && sig != 0 {
        return Ok(128 + sig as i32);
    }
    let code = result?;
    Ok(code)
}

/// Ends the browser when its terminal goes away (the SSH connection drops,
/// the terminal window is closed), whether or not a SIGHUP arrives. On a
/// hung-up terminal every read returns 0 bytes at once, and crossterm then
/// reads again and again inside one `poll`, at full CPU, never returning to
/// our loop to see the signal. A thread waits for the hang-up (poll with no
/// events reports only HUP and errors), records it as SIGHUP, and puts an
/// empty non-blocking pipe on standard input: crossterm's next read says
/// "would block", which is the one answer that ends its reading, and our
/// loop ends normally (marks saved, exit 129). (An error or a `/dev/null`
/// would keep it reading forever too.) Standard output and error go to
/// `/dev/null`: there is nothing left to show anything on.
fn watch_for_hangup(signal: Arc<AtomicUsize>) {
    std::thread::spawn(move || {
        let stdin = io::stdin();
        loop {
            let mut fds = [rustix::event::PollFd::new(
                &stdin,
                rustix::event::PollFlags::empty(),
            )];
            match rustix::event::poll(&mut fds, None) {
                Ok(_) => {
                    use rustix::event::PollFlags as F;
                    if fds[0].revents().intersects(F::HUP | F::ERR | F::NVAL) {
                        break;
                    }
                }
                Err(rustix::io::Errno::INTR) => {}
                Err(_) => return,
            }
        }
        // Nothing can be shown any more, and a write to the dead terminal
        // fails (an `eprintln!` on the way out would panic): first, before
        // the main thread is let go.
        silence_output();
        signal.store(signal_hook::consts::SIGHUP as usize, Ordering::Relaxed);
        // SAFETY: plain calls on file descriptors we own; the new ones are
        // leaked on purpose (the pipe's write end keeps reads from seeing
        // end-of-file).
        unsafe {
            let mut ends = [0; 2];
            if libc::pipe2(ends.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) == 0 {
                libc::dup2(ends[0], 0);
            }
        }
    });
}

/// Points standard output and error at `/dev/null`: for a terminal that
/// has gone away, where every write fails.
fn silence_output() {
    // SAFETY: plain calls on file descriptors; the one opened is leaked on
    // purpose (it stays open as 1 and 2).
    unsafe {
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
        if null >= 0 {
            libc::dup2(null, 1);
            libc::dup2(null, 2);
        }
    }
}

/// Whether the terminal on standard input has hung up.
fn terminal_gone() -> bool {
    let stdin = io::stdin();
    let mut fds = [rustix::event::PollFd::new(
        &stdin,
        rustix::event::PollFlags::empty(),
    )];
    let zero = rustix::event::Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    rustix::event::poll(&mut fds, Some(&zero)).is_ok()
        && fds[0].revents().intersects(
            rustix::event::PollFlags::HUP
                | rustix::event::PollFlags::ERR
                | rustix::event::PollFlags::NVAL,
        )
}

fn new_terminal() -> io::Result<Term> {
    let out = BufWriter::with_capacity(1 << 16, io::stdout());
    Terminal::new(Lean::new(out))
}

/// What an update reports ([`UpdateReport`]).
type Report = UpdateReport;

/// What the loop is waiting for besides keys.
struct Background {
    /// An update (`r`) reports here when it is done.
    updates: (
        std::sync::mpsc::Sender<Report>,
        std::sync::mpsc::Receiver<Report>,
    ),
    /// Whether an update is running.
    updating: bool,
    /// The library, while it is still loading.
    loading: Option<Loading>,
}

impl Background {
    /// Takes what arrived from the threads into the app; returns whether
    /// the screen changed.
    fn collect(&mut self, app: &mut App) -> bool {
        let mut changed = false;
        if let Ok(report) = self.updates.1.try_recv() {
            self.updating = false;
            app.carry_marks(&report.rescoped);
            app.set_feed_problems(report.failed);
            match report.reloaded {
                Reloaded::Nothing => {}
                Reloaded::Library(library) => app.replace_library(library),
                // The library database was written: the browser reads it
                // again (or, showing the sample, the one just made).
                Reloaded::Database => app.reload_database(),
            }
            // What the update brought is counted in the sources view too.
            app.recount_sources();
            app.set_notice(report.said);
            changed = true;
        }
        if let Some(l) = &self.loading {
            match l.receive.try_recv() {
                Ok(library) => {
                    app.finish_loading(library);
                    self.loading = None;
                    changed = true;
                }
                Err(std::sync::mpsc::TryRecvError::Empty) => {
                    // A first screenful while the rest loads.
                    if app.library().articles.is_empty()
                        && let Some(first) = l.progress.take_first()
                    {
                        let expected = l.progress.expected.load(Ordering::Relaxed);
                        changed |= app.show_first(first, (expected > 0).then_some(expected));
                    }
                    if let Some(said) = l.say()
                        && app.notice() != Some(said.as_str())
                    {
                        app.set_notice(said);
                        changed = true;
                    }
                }
                Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                    app.set_notice("loading failed");
                    self.loading = None;
                    changed = true;
                }
            }
        }
        changed |= app.poll_search();
        changed |= app.tick_marks();
        changed
    }
}

/// The event loop: read an event, map it to an action, apply it, carry out
/// the effect it returns, prepare the frame and draw it.
fn event_loop(
    app: &mut App,
    term: &mut Term,
    theme: &Theme,
    signal: &AtomicUsize,
    updater: Option<Updater>,
    loading: Option<Loading>,
) -> anyhow::Result<i32> {
    let mut background = Background {
        updates: std::sync::mpsc::channel(),
        updating: false,
        loading,
    };
    // crossterm starts watching for SIGWINCH on the first poll: poll once
    // before reading the size, so a resize right after start is not lost.
    event::poll(Duration::ZERO)?;
    let size = term.size()?;
    app.resize(size.width, size.height);
    let mut dirty = true;
    // When the reader beside the list shows the selection, if it waits.
    let mut preview_due: Option<std::time::Instant> = None;
    // When the marks were last looked at for another kanbao's changes.
    let mut marks_checked = std::time::Instant::now();
    loop {
        // A signal first: after a hang-up there is no terminal to draw on.
        let sig = signal.load(Ordering::Relaxed);
        if sig != 0 {
            return Ok(128 + sig as i32);
        }
        if dirty {
            let size = term.size()?;
            if app.size() != (size.width, size.height) {
                app.resize(size.width, size.height);
            }
            app.prepare_frame();
            term.draw(|frame| draw(frame, app, theme))?;
            dirty = false;
        }
        // An article on screen long enough is marked read.
        if app.dwell(std::time::Instant::now()) {
            dirty = true;
            continue;
        }
        if background.collect(app) {
            dirty = true;
        }
        // Marks another kanbao (or `kanbao mark`) made: every few seconds.
        if marks_checked.elapsed() >= MARKS_EVERY {
            marks_checked = std::time::Instant::now();
            dirty |= app.refresh_marks();
        }
        // Between keys, finish typesetting a huge article a chunk at a time.
        let idle = app.typesetting_pending();
        let mut wait = if idle {
            Duration::ZERO
        } else if app.searching() {
            // A search's last rows (and the orders read behind the first
            // screen) are on screen at most 20 ms after they are found.
            Duration::from_millis(20)
        } else if background.loading.is_some() || app.marks_busy() {
            Duration::from_millis(100)
        } else {
            Duration::from_millis(200)
        };
        if dirty {
            continue;
        }
        // The selection has rested long enough: the reader catches up.
        if app.preview_waiting() {
            let now = std::time::Instant::now();
            let due = *preview_due.get_or_insert(now + app.preview_delay());
            if now >= due {
                app.show_preview();
                preview_due = None;
                dirty = true;
                continue;
            }
            wait = wait.min(due - now);
        } else {
            preview_due = None;
        }
        if let Some(left) = app.dwell_left(std::time::Instant::now()) {
            wait = wait.min(left);
        }
        let ready = match event::poll(wait) {
            Ok(ready) => ready,
            Err(_) if signal.load(Ordering::Relaxed) != 0 => continue,
            Err(e) => return Err(e.into()),
        };
        if !ready {
            if idle && app.typeset_some() {
                dirty = true; // done: the position indicator becomes exact
            }
            if !idle && background.loading.is_none() && !app.preview_waiting() {
                app.prepare_when_idle();
            }
            continue;
        }
        let event = match event::read() {
            Ok(event) => event,
            Err(_) if signal.load(Ordering::Relaxed) != 0 => continue,
            Err(e) => return Err(e.into()),
        };
        // Any event starts the preview's wait again.
        preview_due = None;
        let effect = match event {
            Event::Key(key) if key.kind != KeyEventKind::Release => {
                debug_panic_on(key);
                app.key(key)
            }
            Event::Resize(w, h) => {
                app.resize(w, h);
                None
            }
            Event::Mouse(m) => {
                use crossterm::event::{MouseButton, MouseEventKind};
                match m.kind {
                    MouseEventKind::ScrollDown => app.wheel(m.column, m.row, true),
                    MouseEventKind::ScrollUp => app.wheel(m.column, m.row, false),
                    MouseEventKind::Down(MouseButton::Left) => app.click(m.column, m.row),
                    _ => continue,
                }
                None
            }
            Event::FocusGained => {
                app.refresh_marks();
                Some(Effect::Redraw)
            }
            _ => continue,
        };
        dirty = true;
        match effect {
            None => {}
            Some(Effect::Exit(exit)) => return Ok(exit.code()),
            Some(Effect::Copy(url)) => {
                copy_to_clipboard(url.as_str())?;
                app.set_notice("URL copied to the clipboard (OSC 52)");
            }
            Some(Effect::Open(url)) => {
                if open_in_browser(&url)? {
                    *term = new_terminal()?;
                    term.clear()?;
                }
                app.set_notice(format!("opened {url}"));
            }
            Some(Effect::Suspend) if !can_suspend() => {
                app.set_notice("cannot suspend: no job-control shell to return to (q quits)");
            }
            Some(Effect::Suspend) => {
                suspend()?;
                *term = new_terminal()?;
                term.clear()?;
            }
            Some(Effect::Redraw) => term.clear()?,
            Some(Effect::Update) => match &updater {
                _ if background.updating => app.set_notice("an update is already running…"),
                Some(job) => {
                    background.updating = true;
                    app.set_notice("updating subscriptions…");
                    let (job, tx) = (Arc::clone(job), background.updates.0.clone());
                    std::thread::spawn(move || {
                        let _ = tx.send(job());
                    });
                }
                None => app.set_notice("nothing to update here"),
            },
        }
    }
}

/// Puts `text` on the clipboard with OSC 52, which works over SSH and, with
/// `set -g set-clipboard on`, inside tmux. Only a [`Link`] ever gets here
/// (`Effect::Copy` holds one), and it goes base64-encoded.
fn copy_to_clipboard(text: &str) -> io::Result<()> {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = io::stdout();
    write!(out, "\x1b]52;c;{encoded}\x07")?;
    out.flush()
}

/// Browsers that take over the terminal: the TUI steps aside while they run.
const TERMINAL_BROWSERS: &[&str] = &[
    "w3m", "lynx", "links", "elinks", "browsh", "carbonyl", "links2",
];

/// Opens a web link with `$BROWSER` (`%s` is replaced by the URL), else
/// `xdg-open` (or `open` on macOS). A terminal browser runs in the
/// foreground with the screen handed over; returns whether it did (the
/// screen must then be redrawn).
///
/// The URL is a [`Link`]: it passed `Link::parse`, so it starts with
/// `http:`, `https:` or `mailto:` (never `-`, so no browser takes it for an
/// option) and holds no space, so it stays one argument (or inside the one
/// word of `$BROWSER` that has `%s`). No shell ever sees it.
fn open_in_browser(link: &Link) -> io::Result<bool> {
    let url = link.as_str();
    let browser = std::env::var("BROWSER")
        .ok()
        .filter(|b| !b.trim().is_empty());
    let command = browser.unwrap_or_else(|| {
        if cfg!(target_os = "macos") {
            "open".into()
        } else {
            "xdg-open".into()
        }
    });
    let mut words: Vec<String> = command.split_whitespace().map(str::to_owned).collect();
    if words.iter().any(|w| w.contains("%s")) {
        words.iter_mut().for_each(|w| *w = w.replace("%s", url));
    } else {
        words.push(url.to_owned());
    }
    let program = words.remove(0);
    let name = std::path::Path::new(&program)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("");
    if TERMINAL_BROWSERS.contains(&name) {
        restore_terminal();
        let status = std::process::Command::new(&program).args(&words).status();
        enter_terminal()?;
        status?;
        Ok(true)
    } else {
        std::process::Command::new(&program)
            .args(&words)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()?;
        Ok(false)
    }
}

/// Ctrl-Z: give the terminal back, stop, and take it again on `fg`.
/// Whether a stop signal would stop us. Not when our process group is
/// orphaned — no shell with job control above us, as when kanbao is started
/// directly by ssh or a terminal emulator, or by `sh -c`: the kernel discards
/// SIGTSTP there, and nobody could `fg` us anyway. Our parent proves the
/// group is not orphaned when it is in the same session but another group.
fn can_suspend() -> bool {
    // libc rather than rustix: in a container the session leader or group
    // leader may live outside our PID namespace, and then getsid/getpgid
    // report 0, which rustix's `Pid` cannot hold (it panics in debug builds).
    // SAFETY: these calls take plain integers and touch no memory of ours.
    let (parent, our_group, our_session) =
        unsafe { (libc::getppid(), libc::getpgid(0), libc::getsid(0)) };
    if parent <= 0 || our_group <= 0 || our_session <= 0 {
        return false;
    }
    // SAFETY: as above.
    let (parent_group, parent_session) = unsafe { (libc::getpgid(parent), libc::getsid(parent)) };
    parent_session == our_session && parent_group != our_group
}

fn suspend() -> io::Result<()> {
    restore_terminal();
    signal_hook::low_level::raise(signal_hook::consts::SIGTSTP)?;
    enter_terminal()
}

/// Debug builds only: panics on the key named by `KANBAO_PANIC_ON_KEY`, so the
/// end-to-end tests can check that a panic restores the terminal.
fn debug_panic_on(key: crossterm::event::KeyEvent) {
    if cfg!(debug_assertions)
        && let Some(want) = std::env::var_os("KANBAO_PANIC_ON_KEY")
        && crossterm::event::KeyCode::Char(want.to_string_lossy().chars().next().unwrap_or('\0'))
            == key.code
    {
        panic!("panic requested by KANBAO_PANIC_ON_KEY");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn articles(n: usize) -> Vec<kanbao_core::Article> {
        (0..n)
            .map(|i| kanbao_core::Article::new(&format!("t{i}"), vec!["x".into()]))
            .collect()
    }

    #[test]
    fn a_load_with_nothing_to_show_early_gets_more_patience() {
        // Done after 3× the patience, with no first screenful meanwhile
        // (a feed): returned whole, no "loading" frame in between.
        let patience = Duration::from_millis(40);
        let loaded = Loading::start(patience, |_| {
            std::thread::sleep(Duration::from_millis(100));
            let mut lib = Library::default();
            lib.articles = articles(3);
            lib
        });
        assert!(loaded.is_ok_and(|lib| lib.articles.len() == 3));
    }

    #[test]
    fn a_load_with_a_first_screenful_shows_it_after_the_patience() {
        let patience = Duration::from_millis(40);
        let started = std::time::Instant::now();
        let loading = Loading::start(patience, |progress| {
            progress.offer(&articles(300));
            std::thread::sleep(Duration::from_secs(2));
            Library::default()
        });
        let Err(loading) = loading else {
            panic!("a slow load should be loading")
        };
        assert!(started.elapsed() < Duration::from_secs(1));
        assert_eq!(loading.progress.take_first().map(|a| a.len()), Some(200));
    }
}
