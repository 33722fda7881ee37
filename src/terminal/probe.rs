//! Asking the terminal how it draws East Asian Ambiguous characters
//! (`--ambiguous auto`).
//!
//! Before the alternate screen is entered: print `“` at column 1, ask for the
//! cursor position (`ESC[6n`) and wait briefly for the answer. Column 2 means
//! the terminal drew it one cell wide, column 3 two. A terminal that does not
//! answer in time is taken as narrow, the common case; the probe never hangs.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

use kanbao_core::Ambiguous;

/// How long to wait for the terminal's answer.
pub const TIMEOUT: Duration = Duration::from_millis(100);

/// What the probe found, for the help overlay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detected {
    /// The terminal answered: ambiguous characters are this wide.
    Answered(Ambiguous),
    /// No answer in time (or no terminal): narrow assumed.
    NoAnswer,
}

impl Detected {
    /// The width to use.
    pub fn ambiguous(self) -> Ambiguous {
        match self {
            Detected::Answered(a) => a,
            Detected::NoAnswer => Ambiguous::Narrow,
        }
    }
}

/// Probes the controlling terminal (`/dev/tty`); see the module docs.
pub fn probe_ambiguous(timeout: Duration) -> Detected {
    let Ok(mut tty) = OpenOptions::new().read(true).write(true).open("/dev/tty") else {
        return Detected::NoAnswer;
    };
    if crossterm::terminal::enable_raw_mode().is_err() {
        return Detected::NoAnswer;
    }
    let column = ask_column(&mut tty, timeout);
    // Erase the probe character, whatever happened.
    let _ = tty.write_all(b"\r\x1b[K");
    let _ = tty.flush();
    let _ = crossterm::terminal::disable_raw_mode();
    match column {
        Some(2) => Detected::Answered(Ambiguous::Narrow),
        Some(3) => Detected::Answered(Ambiguous::Wide),
        _ => Detected::NoAnswer,
    }
}

fn ask_column(tty: &mut std::fs::File, timeout: Duration) -> Option<u16> {
    tty.write_all("\r“\x1b[6n".as_bytes()).ok()?;
    tty.flush().ok()?;
    let deadline = Instant::now() + timeout;
    let mut answer = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || answer.len() > 64 {
            return None;
        }
        let spec = rustix::event::Timespec {
            tv_sec: 0,
            tv_nsec: left.as_nanos().min(999_999_999) as _,
        };
        let mut fds = [rustix::event::PollFd::new(
            &*tty,
            rustix::event::PollFlags::IN,
        )];
        match rustix::event::poll(&mut fds, Some(&spec)) {
            Ok(0) => return None,
            Ok(_) => {}
            Err(e) if e == rustix::io::Errno::INTR => continue,
            Err(_) => return None,
        }
        let mut chunk = [0u8; 32];
        let n = tty.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        answer.extend_from_slice(&chunk[..n]);
        if let Some((_, col)) = parse_cursor_position(&answer) {
            return Some(col);
        }
    }
}

/// Finds a cursor position report `ESC [ row ; col R` in `bytes`.
///
/// ```
/// use kanbao::terminal::probe::parse_cursor_position;
/// assert_eq!(parse_cursor_position(b"\x1b[12;3R"), Some((12, 3)));
/// assert_eq!(parse_cursor_position(b"typed\x1b[1;2R"), Some((1, 2)));
/// assert_eq!(parse_cursor_position(b"\x1b[1;2"), None);
/// ```
pub fn parse_cursor_position(bytes: &[u8]) -> Option<(u16, u16)> {
    let start = bytes.windows(2).rposition(|w| w == b"\x1b[")?;
    let rest = &bytes[start + 2..];
    let end = rest.iter().position(|&b| b == b'R')?;
    let text = std::str::from_utf8(&rest[..end]).ok()?;
    let (row, col) = text.split_once(';')?;
    Some((row.parse().ok()?, col.parse().ok()?))
}
