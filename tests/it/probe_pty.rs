//! `--ambiguous auto` against a real pseudo-terminal: it asks with ESC[6n,
//! believes the answer, and never hangs when nobody answers.

use std::io::{Read, Write};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use portable_pty::CommandBuilder;

use crate::common::{NOWHERE, kanbao_command, pty};

const SEED: &str = "d3bea864ce180406";

/// Runs `kanbao read --ambiguous auto` in a pty; `answer` is what the
/// "terminal" replies to ESC[6n (None: it never replies). Returns the text
/// printed after the probe was erased, and how long the run took.
fn read_auto(answer: Option<&'static str>) -> (String, Duration) {
    let pair = pty::open(80, 24);
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_kanbao"));
    // The sample's dates as its own zone shows them, as the expected text has them.
    cmd.env("TZ", "Asia/Shanghai");
    for arg in [
        "read",
        "--color",
        "never",
        "--ambiguous",
        "auto",
        "--width",
        "20",
        "--id",
        SEED,
    ] {
        cmd.arg(arg);
    }
    cmd.env("TERM", "xterm-256color");
    cmd.env("XDG_DATA_HOME", NOWHERE);
    cmd.env("XDG_CONFIG_HOME", NOWHERE);
    let started = Instant::now();
    let mut child = pair.slave.spawn_command(cmd).expect("spawn");
    drop(pair.slave);
    let mut writer = pair.master.take_writer().expect("writer");
    let mut reader = pair.master.try_clone_reader().expect("reader");
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut out = Vec::new();
    let mut answered = false;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match rx.recv_timeout(Duration::from_millis(20)) {
            Ok(chunk) => out.extend_from_slice(&chunk),
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if !answered && out.windows(4).any(|w| w == b"\x1b[6n") {
            answered = true;
            if let Some(a) = answer {
                writer.write_all(a.as_bytes()).unwrap();
                writer.flush().unwrap();
            }
        }
        if let Ok(Some(_)) = child.try_wait() {
            // Drain what is left.
            while let Ok(chunk) = rx.recv_timeout(Duration::from_millis(100)) {
                out.extend_from_slice(&chunk);
            }
            break;
        }
        assert!(
            Instant::now() < deadline,
            "kanbao hung: {:?}",
            String::from_utf8_lossy(&out)
        );
    }
    let elapsed = started.elapsed();
    assert!(answered, "kanbao never asked for the cursor position");
    let text = String::from_utf8(out).unwrap();
    let after_probe = text.rsplit_once("\x1b[K").map_or(text.as_str(), |(_, t)| t);
    (after_probe.replace('\r', ""), elapsed)
}

fn read_with(ambiguous: &str) -> String {
    let out = kanbao_command()
        .args([
            "read",
            "--ambiguous",
            ambiguous,
            "--width",
            "20",
            "--id",
            SEED,
        ])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn auto_believes_a_terminal_that_draws_quotes_wide() {
    let (text, _) = read_auto(Some("\x1b[5;3R"));
    assert_eq!(text, read_with("wide"));
    assert_ne!(
        read_with("wide"),
        read_with("narrow"),
        "the seed article must set differently"
    );
}

#[test]
fn auto_believes_a_terminal_that_draws_quotes_narrow() {
    let (text, _) = read_auto(Some("\x1b[5;2R"));
    assert_eq!(text, read_with("narrow"));
}

#[test]
fn auto_never_hangs_on_a_silent_terminal_and_assumes_narrow() {
    let (text, elapsed) = read_auto(None);
    assert_eq!(text, read_with("narrow"));
    // The probe waits about 100 ms; allow for a slow, loaded machine.
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
}
