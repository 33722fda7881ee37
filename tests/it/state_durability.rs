//! The read/starred store survives `kill -9`: every write that `MarkStore`
//! confirmed is there after the writer is killed at a random moment, and a
//! `mark_all_read` is all or nothing.
//!
//! The test re-runs its own test binary as the writer (the `writer` test,
//! which does nothing unless [`WRITER_ENV`] names a file). The writer applies
//! [`ops`] in order and prints `done N` after op N returned `Ok`; the parent
//! kills it with SIGKILL after a few hundred confirmations, reopens the file
//! and compares it with the model. Each round's writer goes on, on the same
//! file, from the first op the last one did not confirm (every op sets a
//! value, so doing the one that was in flight again is harmless).

#![cfg(unix)]

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kanbao_core::MarkStore;

use crate::common::TempDir;

/// Set (to the store's path) in the writer process only.
const WRITER_ENV: &str = "KANBAO_STATE_DURABILITY_WRITER";
/// The first op the writer applies (it goes on where the last writer died).
const START_ENV: &str = "KANBAO_STATE_DURABILITY_START";
/// The writer stops by itself after this many ops, so it never runs on if
/// the parent is gone.
const MAX_OPS: usize = 20_000;
/// How long the parent waits for any one confirmation.
const TIMEOUT: Duration = Duration::from_secs(10);
const ROUNDS: usize = 4;

/// One change the writer makes.
#[derive(Clone, Debug)]
enum Op {
    Read(String, bool),
    Star(String, bool),
    AllRead(Vec<String>),
}

/// The writer's ops, the same in both processes: each article is read, every
/// third starred, every fifth read article unread again and every seventh
/// star taken back, and every 16th article marks the last 26 read at once.
fn ops(n: usize) -> Vec<Op> {
    let mut ops = Vec::with_capacity(n);
    let mut i: usize = 0;
    while ops.len() < n {
        let id = format!("a{i}");
        ops.push(Op::Read(id.clone(), true));
        if i.is_multiple_of(3) {
            ops.push(Op::Star(id.clone(), true));
        }
        if i % 5 == 4 {
            ops.push(Op::Read(format!("a{}", i - 2), false));
        }
        if i % 7 == 6 {
            ops.push(Op::Star(format!("a{}", i - 6), false));
        }
        if i % 16 == 15 {
            ops.push(Op::AllRead(
                (i.saturating_sub(25)..=i)
                    .map(|j| format!("a{j}"))
                    .collect(),
            ));
        }
        i += 1;
    }
    ops.truncate(n);
    ops
}

#[derive(Debug, Default, PartialEq)]
struct Model {
    read: HashSet<String>,
    starred: HashSet<String>,
}

impl Model {
    fn after(ops: &[Op]) -> Model {
        let mut model = Model::default();
        for op in ops {
            match op {
                Op::Read(id, true) => drop(model.read.insert(id.clone())),
                Op::Read(id, false) => drop(model.read.remove(id)),
                Op::Star(id, true) => drop(model.starred.insert(id.clone())),
                Op::Star(id, false) => drop(model.starred.remove(id)),
                Op::AllRead(ids) => model.read.extend(ids.iter().cloned()),
            }
        }
        model
    }

    /// What `found` lacks and has in excess, compared with `self`.
    fn diff(&self, found: &Model) -> String {
        fn sorted<'a>(set: impl Iterator<Item = &'a String>) -> Vec<&'a String> {
            let mut v: Vec<_> = set.collect();
            v.sort();
            v
        }
        format!(
            "read missing {:?}, read extra {:?}, starred missing {:?}, starred extra {:?}",
            sorted(self.read.difference(&found.read)),
            sorted(found.read.difference(&self.read)),
            sorted(self.starred.difference(&found.starred)),
            sorted(found.starred.difference(&self.starred)),
        )
    }

    /// What `state` holds, for the ids these ops touch.
    fn of(state: &MarkStore, ops: &[Op]) -> Model {
        let mut model = Model::default();
        let mut check = |id: &String| {
            if state.is_read(id) {
                model.read.insert(id.clone());
            }
            if state.is_starred(id) {
                model.starred.insert(id.clone());
            }
        };
        for op in ops {
            match op {
                Op::Read(id, _) | Op::Star(id, _) => check(id),
                Op::AllRead(ids) => ids.iter().for_each(&mut check),
            }
        }
        model
    }
}

/// The writer: does nothing in a normal test run.
#[test]
fn writer() {
    let Some(path) = std::env::var_os(WRITER_ENV) else {
        return;
    };
    let start: usize = std::env::var(START_ENV).unwrap().parse().unwrap();
    let mut state = MarkStore::open(Path::new(&path));
    assert_eq!(state.problem(), None);
    let mut out = std::io::stdout().lock();
    for (n, op) in ops(MAX_OPS).iter().enumerate().skip(start) {
        match op {
            Op::Read(id, on) => state.set_read(id, *on),
            Op::Star(id, on) => state.set_starred(id, *on),
            Op::AllRead(ids) => {
                let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                state.mark_all_read(&ids)
            }
        }
        .unwrap();
        // Only now is op n confirmed. Stop if the parent has gone.
        if writeln!(out, "done {n}")
            .and_then(|()| out.flush())
            .is_err()
        {
            return;
        }
    }
}

/// Kills the writer even if the test fails half-way.
struct Killer(Child);

impl Drop for Killer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A different number each call, good enough to vary the kill moment.
fn jitter(bound: usize) -> usize {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as usize;
    (nanos / 1000) % bound
}

/// Runs the writer on `path` from op `start`, kills it after `kill_after`
/// confirmations and returns the index of the first op it did not confirm.
fn write_and_kill(path: &Path, start: usize, kill_after: usize) -> usize {
    // The writer's name in this test binary: its module path without the crate.
    let (_, module) = module_path!().split_once("::").unwrap();
    let writer = format!("{module}::writer");
    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            writer.as_str(),
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(WRITER_ENV, path)
        .env(START_ENV, start.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut child = Killer(child);
    let stdout = child.0.stdout.take().unwrap();
    // Read on a thread, so a stuck writer fails the test instead of hanging it.
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            // The first shares its line with libtest's `test writer ... `.
            if let Some((_, n)) = line.rsplit_once("done ") {
                let _ = tx.send(n.parse::<usize>().unwrap());
            }
        }
    });
    let mut confirmed = start;
    while confirmed < start + kill_after {
        match rx.recv_timeout(TIMEOUT) {
            Ok(n) => {
                assert_eq!(n, confirmed, "ops are confirmed in order");
                confirmed += 1;
            }
            Err(e) => panic!("the writer stopped at op {confirmed}: {e}"),
        }
    }
    // Mid-way through the next op, most likely inside the commit's fsync.
    child.0.kill().unwrap();
    let status = child.0.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9),
        "{status}"
    );
    reader.join().unwrap();
    // Confirmations still in the pipe count too.
    for n in rx.try_iter() {
        assert_eq!(n, confirmed);
        confirmed += 1;
    }
    confirmed
}

#[test]
fn confirmed_marks_survive_kill_9() {
    let start = Instant::now();
    // On the disk of the build, not a temp dir that may live in memory.
    let dir = TempDir::new_in(Path::new(env!("CARGO_TARGET_TMPDIR")), "state-durability");
    let path = dir.path("kanbao/state.sqlite3");
    let all = ops(MAX_OPS);
    let mut confirmed = 0;
    for round in 0..ROUNDS {
        let kill_after = 150 + jitter(150);
        let from = confirmed;
        confirmed = write_and_kill(&path, from, kill_after);
        assert!(confirmed >= from + kill_after);
        let state = MarkStore::open(&path);
        assert_eq!(state.problem(), None, "round {round}");
        // Ops before `confirmed` are durable; the one in flight is either
        // wholly there or wholly absent (a `mark_all_read` too); nothing
        // after it exists.
        let touched = &all[..(confirmed + 1).min(all.len())];
        let found = Model::of(&state, touched);
        let without = Model::after(&all[..confirmed]);
        let with = Model::after(touched);
        assert!(
            found == without || found == with,
            "round {round}: with ops 0..{confirmed} confirmed (op {confirmed} in flight: {:?}), \
             the store differs from what they wrote: {}",
            all.get(confirmed),
            without.diff(&found),
        );
        // And it holds nothing else.
        assert_eq!(state.counts(), (found.read.len(), found.starred.len()));
    }
    drop(dir);
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "{:?}",
        start.elapsed()
    );
}
