//! `kanbao_core::Fetcher` against a tiny HTTP/1.1 server on 127.0.0.1 written here:
//! conditional GET, statuses, redirects, timeouts, size limits, gzip and
//! connection errors. No other address is ever contacted.
//!
//! Every server stops by itself: it accepts for at most [`SERVER_LIFETIME`] and
//! at most [`MAX_CONNECTIONS`] connections, each handled by a thread whose
//! reads, writes and stalls are bounded too.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread;
use std::time::{Duration, Instant};

use crate::common::http::{Reply, Server, reply};
use kanbao_core::{DEFAULT_USER_AGENT, FetchConfig, FetchError, Fetched, Fetcher, Validators};

/// Short limits so that every failure shows quickly; no proxy from the
/// environment, whatever it says.
fn config() -> FetchConfig {
    FetchConfig {
        connect_timeout: Duration::from_secs(2),
        total_timeout: Duration::from_secs(5),
        proxy_from_env: false,
        ..FetchConfig::default()
    }
}

fn fetcher() -> Fetcher {
    Fetcher::with_config(config())
}

const ETAG: &str = "\"v1-abc\"";
const LAST_MODIFIED: &str = "Sat, 01 Jun 2024 10:00:00 GMT";
const FEED: &[u8] = b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel/></rss>";

#[test]
fn ok_then_not_modified_with_validators() {
    let server = Server::start(|req, _| {
        if req.header("if-none-match") == Some(ETAG) {
            reply("304 Not Modified", &[("ETag", ETAG)], b"")
        } else {
            reply(
                "200 OK",
                &[
                    ("ETag", ETAG),
                    ("Last-Modified", LAST_MODIFIED),
                    ("Content-Type", "application/rss+xml; charset=utf-8"),
                ],
                FEED,
            )
        }
    });
    let fetcher = fetcher();
    let url = server.url("/feed.xml");

    let first = fetcher.get(&url, &Validators::default()).unwrap();
    let Fetched::Body {
        bytes,
        final_url,
        content_type,
        validators,
    } = first
    else {
        panic!("expected a body, got {first:?}");
    };
    assert_eq!(bytes, FEED);
    assert_eq!(final_url, url);
    assert_eq!(
        content_type.as_deref(),
        Some("application/rss+xml; charset=utf-8")
    );
    assert_eq!(
        validators,
        Validators {
            etag: Some(ETAG.to_owned()),
            last_modified: Some(LAST_MODIFIED.to_owned()),
        }
    );

    let second = fetcher.get(&url, &validators).unwrap();
    assert_eq!(second, Fetched::NotModified);

    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    let (plain, conditional) = (&seen[0], &seen[1]);
    assert_eq!(plain.method, "GET");
    assert_eq!(plain.path, "/feed.xml");
    assert_eq!(plain.header("if-none-match"), None);
    assert_eq!(plain.header("if-modified-since"), None);
    assert_eq!(conditional.header("if-none-match"), Some(ETAG));
    assert_eq!(conditional.header("if-modified-since"), Some(LAST_MODIFIED));
    for req in &seen {
        assert_eq!(req.header("user-agent"), Some(DEFAULT_USER_AGENT));
        assert!(
            req.header("accept-encoding")
                .is_some_and(|v| v.contains("gzip")),
            "{req:?}"
        );
    }
    assert_eq!(
        DEFAULT_USER_AGENT,
        format!(
            "kanbao/{} (terminal news reader)",
            env!("CARGO_PKG_VERSION")
        )
    );
}

#[test]
fn validators_that_are_not_header_values_are_not_sent() {
    let server = Server::start(|_, _| reply("200 OK", &[], b"ok"));
    let bad = Validators {
        etag: Some("\"x\"\r\nX-Injected: yes".to_owned()),
        last_modified: Some(LAST_MODIFIED.to_owned()),
    };
    let got = fetcher().get(&server.url("/"), &bad).unwrap();
    assert!(matches!(got, Fetched::Body { ref bytes, .. } if bytes == b"ok"));
    let seen = server.requests();
    assert_eq!(seen[0].header("if-none-match"), None);
    assert_eq!(seen[0].header("x-injected"), None);
    assert_eq!(seen[0].header("if-modified-since"), Some(LAST_MODIFIED));
}

#[test]
fn error_statuses_name_the_url_and_the_reason() {
    let server = Server::start(|req, _| match req.path.as_str() {
        "/gone" => reply("404 Not Found", &[("Content-Type", "text/html")], b"nope"),
        _ => reply("503 Service Unavailable", &[], b""),
    });
    let url = server.url("/gone");
    let err = fetcher().get(&url, &Validators::default()).unwrap_err();
    assert_eq!(
        err,
        FetchError::Status {
            url: url.clone(),
            code: 404,
            reason: "Not Found".to_owned(),
        }
    );
    let message = err.to_string();
    assert!(
        message.starts_with(&format!(
            "{url}: server answered 404 Not Found; check the address"
        )),
        "{message}"
    );
    assert_eq!(err.url(), url);

    let err = fetcher()
        .get(&server.url("/busy"), &Validators::default())
        .unwrap_err();
    assert!(
        matches!(err, FetchError::Status { code: 503, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("try again later"), "{err}");
}

#[test]
fn redirect_chain_ends_at_the_final_url() {
    let server = Server::start(|req, base| match req.path.as_str() {
        "/start" => reply("301 Moved Permanently", &[("Location", "/middle")], b""),
        "/middle" => reply(
            "302 Found",
            &[("Location", &format!("{base}/final"))],
            b"moved",
        ),
        "/final" => reply("200 OK", &[("Content-Type", "text/html")], b"<p>here</p>"),
        _ => reply("404 Not Found", &[], b""),
    });
    let got = fetcher()
        .get(&server.url("/start"), &Validators::default())
        .unwrap();
    let Fetched::Body {
        bytes, final_url, ..
    } = got
    else {
        panic!("expected a body, got {got:?}");
    };
    assert_eq!(bytes, b"<p>here</p>");
    assert_eq!(final_url, server.url("/final"));
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/start", "/middle", "/final"]);

    // With redirects off, the first one is already too many.
    let no_redirects = Fetcher::with_config(FetchConfig {
        max_redirects: 0,
        ..config()
    });
    let url = server.url("/start");
    let err = no_redirects.get(&url, &Validators::default()).unwrap_err();
    assert_eq!(err, FetchError::TooManyRedirects { url, max: 0 });
}

#[test]
fn redirect_loop_is_too_many_redirects() {
    let server = Server::start(|req, _| {
        let n: u32 = req
            .path
            .strip_prefix("/loop/")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        reply(
            "302 Found",
            &[("Location", &format!("/loop/{}", n + 1))],
            b"",
        )
    });
    let url = server.url("/loop/0");
    let err = fetcher().get(&url, &Validators::default()).unwrap_err();
    assert_eq!(err, FetchError::TooManyRedirects { url, max: 5 });
    assert!(err.to_string().contains("more than 5 redirects"), "{err}");
    // The first request and 5 redirects followed; the 6th redirect is refused.
    assert_eq!(server.requests().len(), 6);
}

#[test]
fn silent_server_times_out_within_the_total_timeout() {
    let server = Server::start(|_, _| Reply::Silence(Duration::from_secs(8)));
    let fetcher = Fetcher::with_config(FetchConfig {
        total_timeout: Duration::from_secs(1),
        ..config()
    });
    let url = server.url("/slow");
    let start = Instant::now();
    let err = fetcher.get(&url, &Validators::default()).unwrap_err();
    let elapsed = start.elapsed();
    assert_eq!(
        err,
        FetchError::Timeout {
            url,
            after: Duration::from_secs(1),
            connecting: false,
        }
    );
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    assert!(elapsed >= Duration::from_millis(900), "took {elapsed:?}");
    assert!(
        err.to_string().contains("no complete answer within 1 s"),
        "{err}"
    );
}

fn small_fetcher() -> Fetcher {
    Fetcher::with_config(FetchConfig {
        max_bytes: 1000,
        ..config()
    })
}

#[test]
fn body_over_max_bytes_is_too_large() {
    let big = vec![b'x'; 5000];
    let server = Server::start(move |req, _| match req.path.as_str() {
        // Content-Length declared: refused before reading.
        "/declared" => reply("200 OK", &[], &big),
        // Chunked, no length: refused while reading.
        "/chunked" => {
            let mut out =
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                    .to_vec();
            for chunk in big.chunks(500) {
                out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                out.extend_from_slice(chunk);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"0\r\n\r\n");
            Reply::Bytes(out)
        }
        // Exactly at the limit: fine.
        _ => reply("200 OK", &[], &big[..1000]),
    });
    let fetcher = small_fetcher();
    for path in ["/declared", "/chunked"] {
        let url = server.url(path);
        let err = fetcher.get(&url, &Validators::default()).unwrap_err();
        assert_eq!(err, FetchError::TooLarge { url, limit: 1000 });
        assert!(err.to_string().contains("larger than 1000 bytes"), "{err}");
    }
    let got = fetcher
        .get(&server.url("/exact"), &Validators::default())
        .unwrap();
    assert!(matches!(got, Fetched::Body { ref bytes, .. } if bytes.len() == 1000));
}

/// CRC-32 (IEEE), bit by bit.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0_u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A gzip stream holding `data` in one stored (uncompressed) deflate block.
fn gzip_stored(data: &[u8]) -> Vec<u8> {
    let len = u16::try_from(data.len()).expect("one stored block holds 65535 bytes");
    // Magic, CM = deflate, no flags, no mtime, no extra flags, OS unknown.
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    // BFINAL = 1, BTYPE = 00 (stored), then LEN and NLEN.
    out.push(0x01);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

#[test]
fn crc32_check_value() {
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
}

#[test]
fn gzip_body_is_decoded() {
    let text = "<rss><channel><title>看报 news</title></channel></rss>".repeat(20);
    let gz = gzip_stored(text.as_bytes());
    let server = Server::start(move |_, _| {
        reply(
            "200 OK",
            &[
                ("Content-Encoding", "gzip"),
                ("Content-Type", "application/rss+xml"),
            ],
            &gz,
        )
    });
    let got = fetcher()
        .get(&server.url("/feed.gz"), &Validators::default())
        .unwrap();
    let Fetched::Body {
        bytes,
        content_type,
        ..
    } = got
    else {
        panic!("expected a body, got {got:?}");
    };
    assert_eq!(String::from_utf8(bytes).unwrap(), text);
    assert_eq!(content_type.as_deref(), Some("application/rss+xml"));

    // The size limit counts decoded bytes.
    let err = small_fetcher()
        .get(&server.url("/feed.gz"), &Validators::default())
        .unwrap_err();
    assert!(
        matches!(err, FetchError::TooLarge { limit: 1000, .. }),
        "{err:?}"
    );
}

#[test]
fn refused_connection_is_a_connect_error() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/feed");
    let start = Instant::now();
    let err = fetcher().get(&url, &Validators::default()).unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(5));
    let FetchError::Connect { host, .. } = &err else {
        panic!("expected a connect error, got {err:?}");
    };
    assert_eq!(host, &format!("127.0.0.1:{port}"));
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("{url}: cannot connect to 127.0.0.1:{port}")),
        "{message}"
    );
}

#[test]
fn only_http_and_https_are_fetched() {
    let fetcher = fetcher();
    for (url, scheme) in [
        ("ftp://127.0.0.1/feed.xml", "ftp"),
        ("file:///etc/passwd", "file"),
        ("feed://127.0.0.1/rss", "feed"),
        ("mailto:news@127.0.0.1", "mailto"),
    ] {
        let err = fetcher.get(url, &Validators::default()).unwrap_err();
        assert_eq!(
            err,
            FetchError::Scheme {
                url: url.to_owned(),
                scheme: scheme.to_owned(),
            }
        );
        assert!(
            err.to_string()
                .contains("only http:// and https:// are supported"),
            "{err}"
        );
    }
    let err = fetcher
        .get("not a url", &Validators::default())
        .unwrap_err();
    assert!(matches!(err, FetchError::InvalidUrl { .. }), "{err:?}");
}

#[test]
fn plain_http_answer_to_https_is_a_tls_error() {
    // A server that answers in plain text before the TLS handshake can start.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let server = thread::spawn(move || {
        let start = Instant::now();
        let accepted = loop {
            match listener.accept() {
                Ok((stream, _)) => break Some(stream),
                Err(_) if start.elapsed() < Duration::from_secs(5) => {
                    thread::sleep(Duration::from_millis(2));
                }
                Err(_) => break None,
            }
        };
        if let Some(mut stream) = accepted {
            let _ = stream.set_nonblocking(false);
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
            // Let the client read the answer before the connection goes away.
            let _ = stream.read(&mut [0_u8; 4096]);
            thread::sleep(Duration::from_millis(200));
        }
    });
    let url = format!("https://127.0.0.1:{port}/feed");
    let err = fetcher().get(&url, &Validators::default()).unwrap_err();
    server.join().unwrap();
    assert!(matches!(err, FetchError::Tls { .. }), "{err:?}");
    assert!(
        err.to_string()
            .ends_with("may not speak https at this address"),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with(&format!("{url}: secure connection (TLS) failed: ")),
        "{err}"
    );
}
