//! A tiny HTTP/1.1 server on 127.0.0.1 for tests: no other address is ever
//! contacted. Every server stops by itself: it accepts for at most
//! [`SERVER_LIFETIME`] and at most [`MAX_CONNECTIONS`] connections, each
//! handled by a thread whose reads, writes and stalls are bounded too.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
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
        Server::start_on("127.0.0.1", route)
    }

    /// [`Server::start`] on another loopback address (`127.0.0.2`: Linux
    /// answers on all of 127/8), for tests that need two hosts.
    pub fn start_on(
        ip: &str,
        route: impl Fn(&Request, &str) -> Reply + Send + Sync + 'static,
    ) -> Server {
        assert!(ip.starts_with("127."), "loopback only");
        let listener = TcpListener::bind((ip, 0)).expect("bind loopback");
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
