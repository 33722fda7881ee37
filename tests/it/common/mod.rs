//! A tiny HTTP/1.1 server on 127.0.0.1 for tests: no other address is ever
//! contacted. Every server stops by itself: it accepts for at most
//! [`SERVER_LIFETIME`] and at most [`MAX_CONNECTIONS`] connections, each
//! handled by a thread whose reads, writes and stalls are bounded too.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

pub const SERVER_LIFETIME: Duration = Duration::from_secs(15);
pub const MAX_CONNECTIONS: usize = 32;

/// A request as the server saw it; header names in lower case.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the server does with a request.
pub enum Reply {
    /// Write these bytes, then close.
    Bytes(Vec<u8>),
    /// Say nothing for this long (or until the server is dropped), then close.
    Silence(Duration),
}

/// A complete response with `Content-Length` and `Connection: close`.
pub fn reply(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    Reply::Bytes(bytes)
}

type Route = dyn Fn(&Request, &str) -> Reply + Send + Sync;

pub struct Server {
    pub base: String,
    pub requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves `route(request, base_url)` on 127.0.0.1 at a free port.
    pub fn start(route: impl Fn(&Request, &str) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        listener.set_nonblocking(true).unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let route: Arc<Route> = Arc::new(route);
        let acceptor = {
            let (base, requests, stop) = (base.clone(), requests.clone(), stop.clone());
            thread::spawn(move || {
                let start = Instant::now();
                let mut served = 0;
                while !stop.load(Ordering::SeqCst)
                    && start.elapsed() < SERVER_LIFETIME
                    && served < MAX_CONNECTIONS
                {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            served += 1;
                            let (base, requests, stop, route) =
                                (base.clone(), requests.clone(), stop.clone(), route.clone());
                            thread::spawn(move || {
                                handle(stream, &base, &requests, &stop, &*route);
                            });
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                            thread::sleep(Duration::from_millis(2));
                        }
                        Err(_) => break,
                    }
                }
            })
        };
        Server {
            base,
            requests,
            stop,
            acceptor: Some(acceptor),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn handle(
    mut stream: TcpStream,
    base: &str,
    requests: &Mutex<Vec<Request>>,
    stop: &AtomicBool,
    route: &Route,
) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let Some(request) = read_request(&mut stream) else {
        return;
    };
    requests.lock().unwrap().push(request.clone());
    match route(&request, base) {
        Reply::Bytes(bytes) => {
            let _ = stream.write_all(&bytes);
            let _ = stream.flush();
        }
        Reply::Silence(for_how_long) => {
            let start = Instant::now();
            while start.elapsed() < for_how_long && !stop.load(Ordering::SeqCst) {
                thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

/// Reads one request head (GET has no body); None on EOF, timeout or junk.
fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut head = Vec::new();
    let mut buf = [0_u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 || head.len() > 64 * 1024 {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8(head).ok()?;
    let mut lines = text.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, path) = (first.next()?.to_owned(), first.next()?.to_owned());
    let headers = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Some(Request {
        method,
        path,
        headers,
    })
}

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A new, empty directory whose name starts with `kanbao-{prefix}`.
    pub fn new(prefix: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "kanbao-{prefix}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    /// Writes a file in it and returns its path as a string.
    pub fn write(&self, name: &str, contents: &[u8]) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, contents).unwrap();
        path.display().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Waits for the browser's background search to finish.
pub fn finish_search(app: &mut kanbao::app::App) {
    let start = std::time::Instant::now();
    while app.searching() {
        app.poll_search();
        assert!(start.elapsed().as_secs() < 60, "the search never ended");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    app.poll_search();
}

/// The ids of the articles the browser lists, in its order.
pub fn ids(app: &kanbao::app::App) -> Vec<String> {
    app.order
        .iter()
        .map(|&i| app.library.articles[i].id.clone())
        .collect()
}

/// Searches `query` in a browser over a library in memory and in one over
/// the same library with bodies on disk; both must list the same articles
/// in the same order. Returns the ids listed.
pub fn same_search(
    memory: &mut kanbao::app::App,
    disk: &mut kanbao::app::App,
    query: &str,
) -> Vec<String> {
    memory.set_filter(query.into());
    assert!(
        !memory.searching(),
        "a library in memory is searched at once"
    );
    disk.set_filter(query.into());
    finish_search(disk);
    let (found, want) = (ids(disk), ids(memory));
    assert_eq!(found.len(), want.len(), "query {query:?}");
    assert!(found == want, "query {query:?}: same articles, same order");
    found
}
