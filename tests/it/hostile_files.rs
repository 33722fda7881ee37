//! Hostile files and paths through the real binary: endless devices, FIFOs
//! and pipes, files that are not feeds, symlinks out of the library and
//! loops, special files and deep trees. Every run has a watchdog and a
//! memory limit (`ulimit -v`), so a regression fails instead of eating the
//! machine; every run has its own XDG directories.
//!
//! Decisions pinned down here:
//! - an OPML file never subscribes to a local file (a `file:` address or a
//!   bare path) unless `kanbao import --allow-local`; each one skipped is
//!   listed with the reason, and so is each one subscribed with the flag;
//!   addresses neither http(s) nor local are always skipped;
//! - `update` reads only regular local files, at most `MAX_BYTES`, and
//!   stores only feeds: a page, a text or a key file fails, naming it;
//! - stdin (`-` or `/dev/stdin`) and FIFOs are read up to `MAX_BYTES`;
//! - a walk follows a symlinked directory only inside the directory walked,
//!   enters each directory once, never enters /proc, /sys or /dev, and stops
//!   at `MAX_WALK_DEPTH`; special files are problems, never opened.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kanbao_core::{MAX_BYTES, MAX_FILE_BYTES, MAX_WALK_DEPTH};

use crate::common::TempDir;
use crate::common::http::{Server, reply};

/// Address space each run may use (KiB): far above what kanbao needs with
/// its caps, far below what reading `/dev/zero` or a sparse file whole takes.
const MEMORY_KIB: u64 = 1 << 20;

/// How long a run may take before it counts as hung and is killed.
const WATCHDOG: Duration = Duration::from_secs(30);

/// One finished run.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// A user with a home and XDG directories of their own.
struct User {
    home: TempDir,
}

impl User {
    fn new() -> User {
        User {
            home: TempDir::new("hostile-files"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.home.path(name)
    }

    /// kanbao under the memory limit, with this user's directories.
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new("sh");
        c.arg("-c")
            .arg(format!("ulimit -v {MEMORY_KIB}; exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_kanbao"))
            .args(args)
            .env("HOME", &self.home.0)
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env("XDG_STATE_HOME", self.path("state"))
            .env("XDG_CACHE_HOME", self.path("cache"))
            .env_remove("NO_COLOR")
            .env_remove("http_proxy")
            .env_remove("HTTP_PROXY")
            .env_remove("ALL_PROXY")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_fed(args, None)
    }

    /// Runs kanbao with `feed` writing its stdin (from another thread) until
    /// it is done or kanbao stops reading.
    fn run_fed(
        &self,
        args: &[&str],
        feed: Option<Box<dyn FnOnce(std::process::ChildStdin) + Send>>,
    ) -> Run {
        let mut command = self.command(args);
        command.stdin(if feed.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let mut child = command.spawn().expect("sh runs");
        let feeder = feed.map(|f| {
            let stdin = child.stdin.take().unwrap();
            std::thread::spawn(move || f(stdin))
        });
        let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
        let reader = std::thread::spawn(move || {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut out, &mut s).unwrap();
            s
        });
        let err_reader = std::thread::spawn(move || {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut err, &mut s).unwrap();
            s
        });
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if start.elapsed() > WATCHDOG {
                let _ = child.kill();
                let _ = child.wait();
                panic!("kanbao {args:?} hung for {WATCHDOG:?}");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        if let Some(f) = feeder {
            f.join().unwrap();
        }
        let run = Run {
            code: status.code(),
            stdout: reader.join().unwrap(),
            stderr: err_reader.join().unwrap(),
        };
        assert!(
            !run.stderr.contains("panicked") && !run.stderr.contains("memory allocation"),
            "kanbao {args:?} crashed: {}",
            run.stderr
        );
        assert!(run.code.is_some(), "kanbao {args:?} died by a signal");
        run
    }

    /// The stored articles, as JSON.
    fn stored(&self) -> Vec<String> {
        crate::common::stored_articles(&self.path("data"))
            .iter()
            .map(|a| a.to_json().to_string())
            .collect()
    }
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(ok.success(), "mkfifo {path:?}");
}

fn file_url(path: &Path) -> String {
    url::Url::from_file_path(path).unwrap().to_string()
}

/// `20 MiB`, `1 GiB`: a cap as kanbao words it.
fn mib(bytes: u64) -> String {
    if bytes.is_multiple_of(1 << 30) {
        return format!("{} GiB", bytes >> 30);
    }
    assert!(bytes.is_multiple_of(1 << 20), "{bytes}");
    format!("{} MiB", bytes >> 20)
}

/// Lets a writer blocked opening `fifo` go (a reader comes and leaves), in
/// case kanbao never opened it.
fn release(fifo: &Path) {
    use std::os::unix::fs::OpenOptionsExt;
    let reader = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(fifo);
    std::thread::sleep(Duration::from_millis(50));
    drop(reader);
}

const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>本地日报</title><id>urn:local</id><updated>2024-05-01T08:00:00+08:00</updated>
  <entry><id>urn:local:1</id><title>第一条</title><updated>2024-05-01T08:00:00+08:00</updated><summary>一</summary></entry>
  <entry><id>urn:local:2</id><title>第二条</title><updated>2024-05-02T08:00:00+08:00</updated><summary>二</summary></entry>
</feed>"#;

const KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n";

#[test]
fn an_opml_never_subscribes_to_local_files_without_saying_so() {
    let user = User::new();
    let key = user.home.write("id_rsa", KEY);
    let fifo = user.path("pipe.xml");
    mkfifo(&fifo);
    user.home.write("feeds/local.xml", ATOM);
    let local = std::fs::canonicalize(user.path("feeds/local.xml")).unwrap();
    let opml = user.home.write(
        "feeds/subs.opml",
        format!(
            r#"<opml version="2.0"><body>
<outline text="zero" xmlUrl="file:///dev/zero"/>
<outline text="fifo" xmlUrl="{}"/>
<outline text="key" xmlUrl="{}"/>
<outline text="bare" xmlUrl="local.xml"/>
<outline text="ftp" xmlUrl="ftp://example.org/a.xml"/>
<outline text="web" xmlUrl="https://example.org/a.xml"/>
</body></opml>"#,
            file_url(&fifo),
            file_url(&key)
        ),
    );
    let opml = opml.display().to_string();
    let locals = [
        "file:///dev/zero".to_string(),
        file_url(&fifo),
        file_url(&key),
        file_url(&local),
    ];

    let run = user.run(&["import", &opml]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("added 1 feeds"), "{}", run.stdout);
    let warnings: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(warnings.len(), 5, "{}", run.stderr);
    for (line, url) in warnings.iter().zip(locals.iter().map(String::as_str)) {
        let shown = if url.ends_with("local.xml") {
            "local.xml"
        } else {
            url
        };
        assert_eq!(
            *line,
            format!(
                "kanbao: warning: {opml}: skipped {shown}: a local file (`kanbao import --allow-local` subscribes to local files)"
            )
        );
    }
    assert_eq!(
        warnings[4],
        format!(
            "kanbao: warning: {opml}: skipped ftp://example.org/a.xml: not an http(s) address nor a local file"
        )
    );
    let exported = user.run(&["export", "--opml"]).stdout;
    assert_eq!(exported.matches("xmlUrl=").count(), 1, "{exported}");
    assert!(exported.contains("https://example.org/a.xml"));

    // With the flag the local files are subscribed, each one said; but
    // never a device or a FIFO, which is skipped as `subscribe` refuses it.
    let run = user.run(&["import", "--allow-local", &opml]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("added 2 feeds"), "{}", run.stdout);
    for url in &locals[..2] {
        assert!(
            run.stderr.contains(&format!(
                "kanbao: warning: {opml}: skipped {url}: not a regular file (a local feed is a file)\n"
            )),
            "{url}: {}",
            run.stderr
        );
    }
    for url in &locals[2..] {
        assert!(
            run.stderr.contains(&format!(
                "kanbao: {opml}: subscribing to a local file: {url}\n"
            )),
            "{url}: {}",
            run.stderr
        );
    }
    assert!(run.stderr.contains("skipped ftp://"), "{}", run.stderr);

    // A subscriptions file edited by hand can still hold them: `update`
    // refuses them itself.
    let subs_path = user.path("config/kanbao/subscriptions.json");
    let mut subs = kanbao_core::Subscriptions::load(&subs_path).unwrap();
    for url in &locals[..2] {
        subs.add(kanbao_core::Subscription {
            url: url.clone(),
            ..Default::default()
        });
    }
    subs.save(&subs_path).unwrap();

    // Update: the device and the FIFO are refused at once, the key is not a
    // feed; the real feed is stored, and only it. (The web feed is left out
    // of this test: drop it so nothing leaves the machine.)
    let run = user.run(&["unsubscribe", "https://example.org/a.xml"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let run = user.run(&["update"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    // In the order of the subscriptions: the key file came first.
    let errors: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        errors,
        [
            format!(
                "kanbao: {}: not a feed (RSS, Atom or JSON Feed): this is plain text or binary data; nothing stored",
                locals[2]
            ),
            "kanbao: file:///dev/zero: not a regular file (a character device): not read"
                .to_string(),
            format!(
                "kanbao: {}: not a regular file (a FIFO): not read",
                locals[1]
            ),
        ]
    );
    assert!(
        run.stdout
            .contains(&format!("updated    {}: 2 new", locals[3])),
        "{}",
        run.stdout
    );
    let stored = user.stored();
    assert_eq!(stored.len(), 2);
    assert!(stored.iter().all(|a| !a.contains("PRIVATE KEY")));
}

#[test]
fn a_local_feed_over_the_cap_fails_naming_the_address_and_the_cap() {
    let user = User::new();
    // Sparse: MAX_BYTES + 1 bytes on no disk at all.
    let big = user.path("big.xml");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(MAX_BYTES + 1)
        .unwrap();
    // A feed that grows past the cap while read is stopped there too: the
    // same cap, met by the bounded read; here the size says it at once.
    let run = user.run(&["subscribe", &big.display().to_string()]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let url = file_url(&std::fs::canonicalize(&big).unwrap());
    let run = user.run(&["update"]);
    assert_eq!(run.code, Some(1));
    assert_eq!(
        run.stderr,
        format!(
            "kanbao: {url}: larger than {}, the most kanbao reads of a feed: not read\n",
            mib(MAX_BYTES)
        )
    );
    assert!(user.stored().is_empty());
}

#[test]
fn http_answers_that_are_not_feeds_are_not_stored() {
    let user = User::new();
    let server = Server::start(|req, _| {
        match req.path.as_str() {
        "/feed.xml" => reply(
            "200 OK",
            &[("Content-Type", "application/atom+xml")],
            ATOM.as_bytes(),
        ),
        "/page" => reply(
            "200 OK",
            &[("Content-Type", "text/html")],
            "<!DOCTYPE html><html><head><title>页面</title></head><body><article><h1>页面</h1><p>这是一个网页，不是订阅源。这是一个网页，不是订阅源。</p></article></body></html>".as_bytes(),
        ),
        "/key" => reply("200 OK", &[("Content-Type", "text/plain")], KEY.as_bytes()),
        _ => reply("404 Not Found", &[], b"no"),
    }
    });
    for path in ["/feed.xml", "/page", "/key"] {
        let run = user.run(&["subscribe", &server.url(path)]);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
    }
    let run = user.run(&["update"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    // In the order of the subscriptions: the key file came first.
    let errors: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        errors,
        [
            format!(
                "kanbao: {}: not a feed (RSS, Atom or JSON Feed): this is a web page (`kanbao import URL` stores a page); nothing stored",
                server.url("/page")
            ),
            format!(
                "kanbao: {}: not a feed (RSS, Atom or JSON Feed): this is plain text or binary data; nothing stored",
                server.url("/key")
            ),
        ]
    );
    let stored = user.stored();
    assert_eq!(stored.len(), 2, "only the feed's two articles");
    assert!(
        stored
            .iter()
            .all(|a| !a.contains("网页") && !a.contains("KEY"))
    );
}

#[test]
fn subscribe_refuses_a_local_path_that_is_not_a_regular_file() {
    let user = User::new();
    let fifo = user.path("pipe.xml");
    mkfifo(&fifo);
    let fifo_url = file_url(&fifo);
    let fifo_shown = fifo.display().to_string();
    for arg in ["/dev/zero", "file:///dev/zero", &fifo_shown, &fifo_url] {
        let run = user.run(&["subscribe", arg]);
        assert_eq!(run.code, Some(2), "{arg}: {}", run.stdout);
        assert!(
            run.stderr
                .contains("is not a regular file: a local feed must be one"),
            "{arg}: {}",
            run.stderr
        );
    }
    let exported = user.run(&["export", "--opml"]).stdout;
    assert!(!exported.contains("xmlUrl"), "{exported}");
}

/// `yes | kanbao list /dev/stdin`: endless input ends at the cap.
#[test]
fn endless_stdin_ends_at_the_cap_with_a_clear_message() {
    let user = User::new();
    for (arg, shown) in [("/dev/stdin", "/dev/stdin"), ("-", "<stdin>")] {
        let yes: Box<dyn FnOnce(std::process::ChildStdin) + Send> = Box::new(|mut stdin| {
            let line = b"y\n".repeat(4096);
            // Until kanbao stops reading (a broken pipe).
            while stdin.write_all(&line).is_ok() {}
        });
        let run = user.run_fed(&["list", arg], Some(yes));
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        assert_eq!(
            run.stderr,
            format!(
                "kanbao: warning: {shown}: larger than {}, the most kanbao reads from a pipe, a FIFO or stdin: not read\n",
                mib(MAX_BYTES)
            )
        );
        assert!(run.stdout.is_empty(), "{}", run.stdout);
    }
    // What fits is read.
    let article: Box<dyn FnOnce(std::process::ChildStdin) + Send> = Box::new(|mut stdin| {
        let _ = stdin.write_all("{\"title\": \"管道里的文章\"}".as_bytes());
    });
    let run = user.run_fed(&["list", "--json", "-"], Some(article));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("管道里的文章"), "{}", run.stdout);
    assert!(
        run.stdout.contains("\"path\":\"<stdin>\""),
        "{}",
        run.stdout
    );
}

/// A FIFO named on the command line is read as `cat` would, up to the cap.
#[test]
fn a_named_fifo_that_never_ends_stops_at_the_cap() {
    let user = User::new();
    let fifo = user.path("endless.jsonl");
    mkfifo(&fifo);
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut w = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
            let line = "{\"title\": \"无穷\"}\n".repeat(1000);
            while w.write_all(line.as_bytes()).is_ok() {}
        })
    };
    let run = user.run(&["check", &fifo.display().to_string()]);
    release(&fifo);
    writer.join().unwrap();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(
        run.stdout,
        format!(
            "{}: larger than {}, the most kanbao reads from a pipe, a FIFO or stdin: not read\n0 articles in 0 files: 1 problem\n",
            fifo.display(),
            mib(MAX_BYTES)
        )
    );
}

#[test]
fn symlinks_out_of_the_library_are_not_followed_and_loops_end() {
    use std::os::unix::fs::symlink;
    let user = User::new();
    user.home.write("lib/a.json", r#"{"title": "甲"}"#);
    user.home.write("lib/sub/b.json", r#"{"title": "乙"}"#);
    user.home.write("elsewhere/c.json", r#"{"title": "外"}"#);
    let lib = user.path("lib");
    symlink("/", lib.join("root")).unwrap();
    symlink("..", lib.join("sub/loop")).unwrap();
    symlink("sub", lib.join("inside")).unwrap();
    symlink("../elsewhere", lib.join("outside")).unwrap();
    let real = std::fs::canonicalize(&lib).unwrap();
    let elsewhere = std::fs::canonicalize(user.path("elsewhere")).unwrap();
    let problems = [
        format!(
            "{}: a symlink to a directory outside {} ({}): not followed",
            lib.join("outside").display(),
            real.display(),
            elsewhere.display()
        ),
        format!(
            "{}: a symlink to a directory outside {} (/): not followed",
            lib.join("root").display(),
            real.display()
        ),
    ];
    let shown = lib.display().to_string();
    let run = user.run(&["check", &shown]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(
        run.stdout,
        format!(
            "{}\n{}\n2 articles in 2 files: 2 problems\n",
            problems[0], problems[1]
        )
    );
    let run = user.run(&["list", &shown]);
    assert_eq!(run.code, Some(0));
    assert_eq!(run.stdout.lines().count(), 2, "{}", run.stdout);
    assert!(!run.stdout.contains('外'));
    assert_eq!(
        run.stderr,
        format!(
            "kanbao: warning: {}\nkanbao: warning: {}\n",
            problems[0], problems[1]
        )
    );

    // Named, a pseudo-filesystem is not walked either.
    if Path::new("/proc/self").exists() {
        let run = user.run(&["check", "/proc"]);
        assert_eq!(run.code, Some(1));
        assert_eq!(
            run.stdout,
            "/proc: /proc is in a kernel pseudo-filesystem (/proc, /sys, /dev): not read\n0 articles in 0 files: 1 problem\n"
        );
    }
}

#[test]
fn special_files_in_a_library_are_skipped_with_a_problem_without_blocking() {
    use std::os::unix::fs::symlink;
    let user = User::new();
    user.home.write("lib/good.json", r#"{"title": "好"}"#);
    let lib = user.path("lib");
    mkfifo(&lib.join("pipe.json"));
    let _socket = std::os::unix::net::UnixListener::bind(lib.join("sock.json")).unwrap();
    symlink("/dev/zero", lib.join("zero.json")).unwrap();
    let run = user.run(&["check", &lib.display().to_string()]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(
        run.stdout,
        format!(
            "{0}/pipe.json: not a regular file (a FIFO): not read\n\
             {0}/sock.json: not a regular file (a socket): not read\n\
             {0}/zero.json: /dev/zero is in a kernel pseudo-filesystem (/proc, /sys, /dev): not read\n\
             1 articles in 1 files: 3 problems\n",
            lib.display()
        )
    );
}

#[test]
fn directories_nested_too_deep_are_a_problem_naming_the_directory() {
    let user = User::new();
    let mut deep = user.path("lib");
    for i in 0..MAX_WALK_DEPTH {
        deep = deep.join(i.to_string());
    }
    std::fs::create_dir_all(deep.join("x")).unwrap();
    std::fs::write(deep.join("last.json"), r#"{"title": "最深"}"#).unwrap();
    std::fs::write(deep.join("x/lost.json"), r#"{"title": "太深"}"#).unwrap();
    let run = user.run(&["check", &user.path("lib").display().to_string()]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(
        run.stdout,
        format!(
            "{}: directories nested more than {MAX_WALK_DEPTH} deep: this one is not read\n1 articles in 1 files: 1 problem\n",
            deep.join("x").display()
        )
    );
}

#[test]
fn big_json_lines_stream_and_a_huge_file_is_refused_before_it_is_read() {
    let user = User::new();
    // Over one block (1 MiB), so it is streamed by `check` and by `list`.
    let n = 4000;
    let line = |i: usize| {
        format!(
            "{{\"id\": \"a{i}\", \"title\": \"第{i}条\", \"body\": \"{}\"}}\n",
            "正文".repeat(100)
        )
    };
    let text: String = (0..n).map(line).collect();
    assert!(text.len() > 1 << 20);
    let big = user.home.write("lib/big.jsonl", &text);
    let run = user.run(&["check", &big.display().to_string()]);
    assert_eq!(
        run.stdout,
        format!("{n} articles in 1 files: no problems\n")
    );
    let run = user.run(&["list", &big.display().to_string()]);
    assert_eq!(run.stdout.lines().count(), n, "{}", run.stderr);

    // Sparse, one byte over the cap: refused without reading a gigabyte.
    let huge = user.path("lib/huge.json");
    let file = std::fs::File::create(&huge).unwrap();
    file.set_len(MAX_FILE_BYTES + 1).unwrap();
    let problem = format!(
        "{}: larger than {}, the most kanbao reads in one piece (JSON Lines, one article a line, has no limit): not read",
        huge.display(),
        mib(MAX_FILE_BYTES)
    );
    for command in ["check", "list"] {
        let run = user.run(&[command, &user.path("lib").display().to_string()]);
        let out = if command == "check" {
            &run.stdout
        } else {
            &run.stderr
        };
        assert!(out.contains(&problem), "{command}: {out}");
    }
}

/// The files kanbao keeps (config, subscriptions) replaced by a FIFO or a
/// device: refused at once, never waited on or read without end.
#[test]
fn files_kanbao_keeps_are_never_waited_on() {
    use std::os::unix::fs::symlink;
    let user = User::new();
    std::fs::create_dir_all(user.path("config/kanbao")).unwrap();
    let config = user.path("config/kanbao/config.toml");
    let subs = user.path("config/kanbao/subscriptions.json");
    mkfifo(&config);
    mkfifo(&subs);
    let run = user.run(&["update"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert_eq!(
        run.stderr,
        format!(
            "kanbao: warning: {}: cannot read the configuration: not a regular file (a FIFO): not read; using the defaults\n\
             kanbao: error: {}: not a regular file (a FIFO): not read\n",
            config.display(),
            subs.display()
        )
    );
    std::fs::remove_file(&subs).unwrap();
    symlink("/dev/zero", &subs).unwrap();
    let run = user.run(&["export", "--opml"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.ends_with(&format!(
            "kanbao: error: {}: not a regular file (a character device): not read\n",
            subs.display()
        )),
        "{}",
        run.stderr
    );
}
