//! Fetching feeds and pages: a small blocking HTTP(S) client.
//!
//! One [`Fetcher`] is built once and reused (it keeps a connection pool). Every
//! request is bounded: a connect timeout, a total timeout for the whole
//! exchange (redirects and body included), a redirect limit and a size limit
//! on the decoded body. Gzip-encoded answers are decoded. Conditional GET is
//! supported through [`Validators`]: pass the ETag and Last-Modified of the
//! previous answer and an unchanged resource comes back as
//! [`Fetched::NotModified`].
//!
//! ```no_run
//! use kanbao_core::{Fetched, Fetcher, Validators};
//!
//! let fetcher = Fetcher::new();
//! let first = fetcher.get("https://example.org/feed.xml", &Validators::default())?;
//! if let Fetched::Body { bytes, validators, .. } = first {
//!     println!("{} bytes", bytes.len());
//!     // Later: only download it again if it changed.
//!     match fetcher.get("https://example.org/feed.xml", &validators)? {
//!         Fetched::NotModified => println!("unchanged"),
//!         Fetched::Body { bytes, .. } => println!("changed: {} bytes", bytes.len()),
//!     }
//! }
//! # Ok::<(), kanbao_core::FetchError>(())
//! ```

use std::cell::RefCell;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use crate::store::read::MAX_BYTES;
use crate::store::read::size;

use ureq::Agent;
use ureq::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri, header};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

/// The `User-Agent` sent by default: `kanbao/<version> (terminal news reader)`.
pub const DEFAULT_USER_AGENT: &str = concat!(
    "kanbao/",
    env!("CARGO_PKG_VERSION"),
    " (terminal news reader)"
);

/// Most headers an answer may have: what the HTTP client (ureq) reads, a
/// limit compiled into it, above what real servers send (a few dozen). An
/// answer with more is [`FetchError::Other`] saying so.
pub const MAX_RESPONSE_HEADERS: usize = ureq_proto::client::MAX_RESPONSE_HEADERS;

/// What kanbao asks for: feeds first, then web pages, then anything.
const ACCEPT: &str = "application/rss+xml, application/atom+xml, application/feed+json, \
     application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5";

/// Limits and identity of a [`Fetcher`].
///
/// The defaults suit real feeds; tests use short timeouts and small limits.
///
/// ```
/// use std::time::Duration;
/// use kanbao_core::FetchConfig;
///
/// let config = FetchConfig {
///     total_timeout: Duration::from_secs(5),
///     ..FetchConfig::default()
/// };
/// assert_eq!(config.max_redirects, 5);
/// assert_eq!(config.max_bytes, 20 * 1024 * 1024);
/// assert!(config.user_agent.starts_with("kanbao/"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchConfig {
    /// Longest time to establish the connection (TCP and TLS). Default 10 s.
    pub connect_timeout: Duration,
    /// Longest time for a whole request: name lookup, connection, every
    /// redirect and the full body. A server that never answers fails after
    /// this. Default 30 s.
    pub total_timeout: Duration,
    /// Most redirects followed; one more is [`FetchError::TooManyRedirects`].
    /// Default 5.
    pub max_redirects: u32,
    /// Largest body accepted, counted after gzip decoding; a larger one is
    /// [`FetchError::TooLarge`] and is never buffered whole. Default
    /// [`MAX_BYTES`], 20 MiB.
    pub max_bytes: u64,
    /// The `User-Agent` header; empty sends none. Default
    /// [`DEFAULT_USER_AGENT`].
    pub user_agent: String,
    /// Use a proxy from `ALL_PROXY` / `HTTPS_PROXY` / `HTTP_PROXY` (and honour
    /// `NO_PROXY`). Default true.
    pub proxy_from_env: bool,
    /// Addresses counted as public although they are not (see
    /// [`is_public`]). Empty by default; tests use a loopback address such
    /// as `127.0.0.2` to stand for a server on the internet, since they can
    /// only reach this machine.
    pub also_public: Vec<IpAddr>,
}

impl Default for FetchConfig {
    fn default() -> FetchConfig {
        FetchConfig {
            connect_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(30),
            max_redirects: 5,
            max_bytes: MAX_BYTES,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            proxy_from_env: true,
            also_public: Vec::new(),
        }
    }
}

/// Cache validators of a previous answer, for a conditional GET.
///
/// Sent as `If-None-Match` and `If-Modified-Since`; a value that is not a
/// valid header value is not sent. The default (both `None`) asks for the
/// resource unconditionally.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Validators {
    /// The `ETag` header of the previous answer, verbatim (quotes included).
    pub etag: Option<String>,
    /// The `Last-Modified` header of the previous answer, verbatim.
    pub last_modified: Option<String>,
}

impl Validators {
    /// True when there is nothing to validate against.
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// The outcome of a successful [`Fetcher::get`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetched {
    /// The server answered `304 Not Modified`: what the validators describe
    /// is still current.
    NotModified,
    /// The server answered 2xx with a body.
    Body {
        /// The body, gzip already decoded; at most `max_bytes` long.
        bytes: Vec<u8>,
        /// The URL the body came from, after redirects.
        final_url: String,
        /// The `Content-Type` header verbatim (charset included), if any.
        content_type: Option<String>,
        /// The `ETag` and `Last-Modified` of this answer, to send next time.
        validators: Validators,
    },
}

/// Why a fetch failed. Every message starts with the URL as given, says what
/// happened and, where it helps, what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The text is not a URL at all.
    #[error("{url}: not a valid web address ({reason})")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The URL is not `http:` or `https:`.
    #[error("{url}: cannot fetch `{scheme}:` addresses; only http:// and https:// are supported")]
    Scheme {
        /// The URL as given.
        url: String,
        /// Its scheme, lower case.
        scheme: String,
    },
    /// The server answered with an error status (4xx, 5xx, or a redirect
    /// without a `Location`).
    #[error("{url}: server answered {code}{}{}", reason_text(reason), status_hint(*code))]
    Status {
        /// The URL as given.
        url: String,
        /// The HTTP status code.
        code: u16,
        /// The standard reason phrase for `code` (`Not Found`), or empty.
        reason: String,
    },
    /// The host name could not be resolved.
    #[error(
        "{url}: cannot find the host {host} ({detail}); check the address and your network connection"
    )]
    Dns {
        /// The URL as given.
        url: String,
        /// The host that was looked up.
        host: String,
        /// What the resolver said.
        detail: String,
    },
    /// No connection could be made (refused, unreachable).
    #[error(
        "{url}: cannot connect to {host} ({detail}); check the address and that the server is up"
    )]
    Connect {
        /// The URL as given.
        url: String,
        /// `host:port` of the first request.
        host: String,
        /// What the system said (`Connection refused (os error 111)`).
        detail: String,
    },
    /// A timeout expired: connecting took longer than `connect_timeout`, or
    /// the whole request longer than `total_timeout`.
    #[error(
        "{url}: {} within {}; the server is slow or unreachable, try again later",
        if *connecting { "could not connect" } else { "no complete answer" },
        seconds(*after)
    )]
    Timeout {
        /// The URL as given.
        url: String,
        /// The limit that expired.
        after: Duration,
        /// True when it expired while connecting.
        connecting: bool,
    },
    /// The secure connection could not be set up (bad or expired
    /// certificate, name mismatch, no common protocol version).
    #[error(
        "{url}: secure connection (TLS) failed: {detail}; {}",
        tls_hint(detail)
    )]
    Tls {
        /// The URL as given.
        url: String,
        /// What the TLS library said.
        detail: String,
    },
    /// More than `max_redirects` redirects.
    #[error("{url}: more than {max} redirects; the address probably redirects in a loop")]
    TooManyRedirects {
        /// The URL as given.
        url: String,
        /// The configured limit.
        max: u32,
    },
    /// The body (after decoding) is larger than `max_bytes`.
    #[error("{url}: the answer is larger than {}, the most kanbao reads", size(*limit))]
    TooLarge {
        /// The URL as given.
        url: String,
        /// The configured limit in bytes.
        limit: u64,
    },
    /// The connection broke during the exchange.
    #[error("{url}: network error: {detail}; try again later")]
    Io {
        /// The URL as given.
        url: String,
        /// What went wrong.
        detail: String,
    },
    /// A server on the internet redirected to an address of this machine
    /// or its local network (loopback, private, link-local…), which a feed
    /// must not make kanbao reach.
    #[error(
        "{url}: redirected to {target}, which is {address} ({}): refused, a server on the internet may not send kanbao to this machine or its local network",
        address_kind(*address)
    )]
    LocalRedirect {
        /// The URL as given.
        url: String,
        /// The redirect's target, as the server sent it (resolved).
        target: String,
        /// The local address it leads to.
        address: IpAddr,
    },
    /// A redirect was followed and fetching its target failed: `error`
    /// names the target, `url` is the address as given.
    #[error("{url}: redirected to {error}")]
    Redirected {
        /// The URL as given.
        url: String,
        /// What failed, naming the redirect's target.
        error: Box<FetchError>,
    },
    /// Anything else: a malformed answer, a body that does not decode.
    #[error("{url}: {detail}")]
    Other {
        /// The URL as given.
        url: String,
        /// What went wrong.
        detail: String,
    },
}

impl FetchError {
    /// The URL the failed request was for, as given to [`Fetcher::get`].
    pub fn url(&self) -> &str {
        match self {
            FetchError::InvalidUrl { url, .. }
            | FetchError::Scheme { url, .. }
            | FetchError::Status { url, .. }
            | FetchError::Dns { url, .. }
            | FetchError::Connect { url, .. }
            | FetchError::Timeout { url, .. }
            | FetchError::Tls { url, .. }
            | FetchError::TooManyRedirects { url, .. }
            | FetchError::TooLarge { url, .. }
            | FetchError::Io { url, .. }
            | FetchError::LocalRedirect { url, .. }
            | FetchError::Redirected { url, .. }
            | FetchError::Other { url, .. } => url,
        }
    }
}

fn reason_text(reason: &str) -> String {
    if reason.is_empty() {
        String::new()
    } else {
        format!(" {reason}")
    }
}

fn status_hint(code: u16) -> &'static str {
    match code {
        401 | 403 => "; the server refuses access",
        404 | 410 => "; check the address, the feed or page may have moved or been removed",
        429 => "; too many requests, try again later",
        300..=399 => "; the server redirected without saying where",
        500..=599 => "; the server has a problem, try again later",
        _ => "",
    }
}

fn tls_hint(detail: &str) -> &'static str {
    if detail.to_ascii_lowercase().contains("certificate") {
        "the server's certificate is not trusted (invalid, expired or for another name)"
    } else {
        "the server may not speak https at this address"
    }
}

/// `30 s`, `1.5 s`, `250 ms`.
fn seconds(d: Duration) -> String {
    if d.as_secs() == 0 {
        format!("{} ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// A blocking HTTP(S) client for feeds and pages. Build it once and reuse it:
/// clones share one connection pool, and it can be used from several threads.
///
/// ```no_run
/// use std::time::Duration;
/// use kanbao_core::{FetchConfig, Fetcher, Validators};
///
/// let fetcher = Fetcher::with_config(FetchConfig {
///     total_timeout: Duration::from_secs(10),
///     ..FetchConfig::default()
/// });
/// match fetcher.get("https://example.org/feed.xml", &Validators::default()) {
///     Ok(fetched) => println!("{fetched:?}"),
///     Err(e) => eprintln!("{e}"), // "https://example.org/feed.xml: server answered 404 Not Found; …"
/// }
/// ```
#[derive(Clone, Debug)]
pub struct Fetcher {
    agent: Agent,
    config: FetchConfig,
}

impl Default for Fetcher {
    fn default() -> Fetcher {
        Fetcher::new()
    }
}

impl Fetcher {
    /// A fetcher with [`FetchConfig::default`]: 10 s to connect, 30 s per
    /// request, 5 redirects, 20 MiB, gzip accepted.
    pub fn new() -> Fetcher {
        Fetcher::with_config(FetchConfig::default())
    }

    /// A fetcher with the given limits.
    pub fn with_config(config: FetchConfig) -> Fetcher {
        let mut builder = Agent::config_builder()
            // Statuses are mapped here, with the URL and a hint.
            .http_status_as_error(false)
            .timeout_connect(Some(config.connect_timeout))
            .timeout_global(Some(config.total_timeout))
            // Redirects are followed in `get`, one hop at a time, so that
            // each hop's addresses are checked and its errors named.
            .max_redirects(0)
            .max_redirects_will_error(false)
            .user_agent(config.user_agent.as_str())
            .accept(ACCEPT);
        if !config.proxy_from_env {
            builder = builder.proxy(None);
        }
        let resolver = Guard {
            inner: DefaultResolver::default(),
            also_public: config.also_public.clone().into(),
        };
        Fetcher {
            agent: Agent::with_parts(builder.build(), DefaultConnector::default(), resolver),
            config,
        }
    }

    /// The limits this fetcher applies.
    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// GETs `url`, following redirects, sending `validators` as
    /// `If-None-Match` / `If-Modified-Since`.
    ///
    /// Returns [`Fetched::NotModified`] on `304`, the decoded body on 2xx, and
    /// a [`FetchError`] naming `url` otherwise (and, when a redirect's
    /// target failed, that target too: [`FetchError::Redirected`]). Only
    /// `http:` and `https:` URLs are fetched; anything else is
    /// [`FetchError::Scheme`] without any I/O.
    ///
    /// `url` may be at any address, this machine's included. A redirect
    /// from a public address ([`is_public`]) to one that is not is refused
    /// ([`FetchError::LocalRedirect`]): the addresses checked are the ones
    /// the name resolves to, and the ones connected to, so a public name
    /// that resolves to `127.0.0.1` is refused too. Through a proxy, only
    /// targets written as addresses can be checked: the proxy resolves names.
    ///
    /// ```no_run
    /// use kanbao_core::{Fetched, Fetcher, Validators};
    ///
    /// let previous = Validators {
    ///     etag: Some("\"abc\"".into()),
    ///     last_modified: Some("Sat, 01 Jun 2024 10:00:00 GMT".into()),
    /// };
    /// match Fetcher::new().get("https://example.org/feed.xml", &previous)? {
    ///     Fetched::NotModified => {}
    ///     Fetched::Body { bytes, final_url, content_type, validators } => {
    ///         println!("{final_url} {content_type:?} {} bytes {validators:?}", bytes.len());
    ///     }
    /// }
    /// # Ok::<(), kanbao_core::FetchError>(())
    /// ```
    pub fn get(&self, url: &str, validators: &Validators) -> Result<Fetched, FetchError> {
        let mut target = url::Url::parse(url.trim()).map_err(|e| FetchError::InvalidUrl {
            url: url.to_owned(),
            reason: e.to_string(),
        })?;
        if !matches!(target.scheme(), "http" | "https") {
            return Err(FetchError::Scheme {
                url: url.to_owned(),
                scheme: target.scheme().to_owned(),
            });
        }
        let deadline = Instant::now() + self.config.total_timeout;
        // Whether a hop so far was at a public address: from then on, no
        // hop may lead to a local one.
        let mut from_public = false;
        let mut redirects = 0;
        loop {
            // The fragment is never sent.
            target.set_fragment(None);
            let hop = if redirects == 0 {
                url.to_owned()
            } else {
                target.to_string()
            };
            let redirected = redirects > 0;
            let wrap = |e: FetchError| match redirected {
                false => e,
                true => FetchError::Redirected {
                    url: url.to_owned(),
                    error: Box::new(e),
                },
            };
            let outcome = self.hop(&hop, &target, validators, deadline, from_public);
            let (step, hop_public) = match outcome {
                Ok(v) => v,
                Err(Refused(Some(address))) => {
                    return Err(FetchError::LocalRedirect {
                        url: url.to_owned(),
                        target: hop,
                        address,
                    });
                }
                Err(Refused(None)) => unreachable!("a refusal names its address"),
            };
            match step.map_err(wrap)? {
                Step::Done(fetched) => return Ok(fetched),
                Step::Redirect(location) => {
                    if redirects >= self.config.max_redirects {
                        return Err(FetchError::TooManyRedirects {
                            url: url.to_owned(),
                            max: self.config.max_redirects,
                        });
                    }
                    redirects += 1;
                    from_public |= hop_public;
                    let next = target.join(&location).map_err(|e| {
                        wrap(FetchError::Other {
                            url: hop.clone(),
                            detail: format!("the server redirected to an invalid address ({e})"),
                        })
                    })?;
                    if !matches!(next.scheme(), "http" | "https") {
                        return Err(wrap(FetchError::Other {
                            url: hop,
                            detail: format!(
                                "the server redirected to a `{}:` address, which kanbao does not follow",
                                next.scheme()
                            ),
                        }));
                    }
                    target = next;
                }
            }
        }
    }

    /// One request of a redirect chain, to `target` (`shown` in messages).
    /// When `public_only`, the host's addresses that are not public are not
    /// connected to, and if it has no other, the hop is refused. Also says
    /// whether the hop was at a public address.
    fn hop(
        &self,
        shown: &str,
        target: &url::Url,
        validators: &Validators,
        deadline: Instant,
        public_only: bool,
    ) -> Result<(Result<Step, FetchError>, bool), Refused> {
        let ctx = Context {
            url: shown,
            host: target.host_str().unwrap_or_default().to_owned(),
            port: target.port_or_known_default(),
            config: &self.config,
        };
        // An address written in the URL is checked here too: through a
        // proxy, the resolver never sees it.
        let literal = match target.host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            _ => None,
        };
        let also_public = &self.config.also_public;
        if let Some(ip) = literal
            && !redirect_allowed(public_only, ip, also_public)
        {
            return Err(Refused(Some(ip)));
        }
        let Some(left) = deadline.checked_duration_since(Instant::now()) else {
            return Ok((
                Err(ctx.error(ureq::Error::Timeout(ureq::Timeout::Global))),
                false,
            ));
        };
        let mut request = self
            .agent
            .get(target.as_str())
            .config()
            .timeout_global(Some(left))
            .build();
        for (name, value) in [
            (header::IF_NONE_MATCH, &validators.etag),
            (header::IF_MODIFIED_SINCE, &validators.last_modified),
        ] {
            if let Some(value) = value.as_deref().filter(|v| is_header_value(v)) {
                request = request.header(name, value);
            }
        }
        HOP.with(|h| {
            *h.borrow_mut() = HopState {
                public_only,
                ..HopState::default()
            }
        });
        let called = request.call();
        let state = HOP.with(|h| std::mem::take(&mut *h.borrow_mut()));
        if state.refused.is_some() {
            return Err(Refused(state.refused));
        }
        // Not resolved here (a proxy resolved it): public unless written as
        // a local address.
        let public = if state.resolved {
            state.public
        } else {
            literal.is_none_or(|ip| is_public_or(ip, also_public))
        };
        let response = match called {
            Ok(r) => r,
            Err(e) => return Ok((Err(ctx.error(e)), public)),
        };
        Ok((self.answer(&ctx, response), public))
    }

    /// What one answer means: a redirect to follow, or the outcome.
    fn answer(
        &self,
        ctx: &Context<'_>,
        response: ureq::http::Response<ureq::Body>,
    ) -> Result<Step, FetchError> {
        let url = ctx.url;
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Step::Done(Fetched::NotModified));
        }
        if status.is_redirection()
            && let Some(location) = header_text(response.headers(), &header::LOCATION)
        {
            return Ok(Step::Redirect(location));
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                url: url.to_owned(),
                code: status.as_u16(),
                reason: status.canonical_reason().unwrap_or_default().to_owned(),
            });
        }

        let headers = response.headers();
        // A declared length over the limit fails before reading anything.
        // (ureq drops Content-Length when it decodes gzip, whose decoded size
        // is unknown until read.)
        let declared = header_text(headers, &header::CONTENT_LENGTH).and_then(|v| v.parse().ok());
        if declared.is_some_and(|n: u64| n > self.config.max_bytes) {
            return Err(FetchError::TooLarge {
                url: url.to_owned(),
                limit: self.config.max_bytes,
            });
        }
        let content_type = header_text(headers, &header::CONTENT_TYPE);
        let validators = Validators {
            etag: header_text(headers, &header::ETAG),
            last_modified: header_text(headers, &header::LAST_MODIFIED),
        };
        let bytes = response
            .into_body()
            .into_with_config()
            .limit(self.config.max_bytes)
            .read_to_vec()
            .map_err(|e| ctx.error(e))?;
        Ok(Step::Done(Fetched::Body {
            bytes,
            final_url: url.to_owned(),
            content_type,
            validators,
        }))
    }
}

/// What one hop of a redirect chain led to.
enum Step {
    Done(Fetched),
    Redirect(String),
}

/// A hop refused before any byte was sent to it: the local address it led to.
struct Refused(Option<IpAddr>);

/// What the resolver was asked to do for the current hop, and what it found;
/// per thread, since a [`Fetcher`] is shared by the threads of an update and
/// each runs one request at a time.
#[derive(Debug, Default)]
struct HopState {
    /// Connect to public addresses only.
    public_only: bool,
    /// The resolver ran for this hop (not the case through a proxy).
    resolved: bool,
    /// One of the addresses connected to is public.
    public: bool,
    /// The hop's host has only local addresses, and this is one.
    refused: Option<IpAddr>,
}

thread_local! {
    static HOP: RefCell<HopState> = RefCell::default();
}

/// The resolver of a [`Fetcher`]: the system's, then the redirect rule on
/// the addresses it gives, which are the only ones ureq connects to (so a
/// name that resolves differently the second time cannot slip through).
#[derive(Debug)]
struct Guard {
    inner: DefaultResolver,
    also_public: Arc<[IpAddr]>,
}

impl Resolver for Guard {
    fn resolve(
        &self,
        uri: &Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let found = self.inner.resolve(uri, config, timeout)?;
        // The proxy itself is the user's choice, wherever it is.
        let is_proxy = config
            .proxy()
            .is_some_and(|p| uri.host() == Some(p.host()) && uri.port_u16() == Some(p.port()));
        if is_proxy {
            return Ok(found);
        }
        HOP.with(|h| {
            let mut h = h.borrow_mut();
            h.resolved = true;
            let mut kept = self.empty();
            for addr in found.iter() {
                if redirect_allowed(h.public_only, addr.ip(), &self.also_public) {
                    kept.push(*addr);
                }
            }
            if kept.is_empty() {
                h.refused = found.iter().next().map(|a| a.ip());
                return Err(ureq::Error::HostNotFound);
            }
            h.public |= kept.iter().any(|a| is_public_or(a.ip(), &self.also_public));
            Ok(kept)
        })
    }
}

/// Whether a redirect may go to `to`: always from a local address (a feed
/// the user subscribed to on this machine or network may redirect anywhere),
/// only to a public one from a public address.
pub fn redirect_allowed(from_public: bool, to: IpAddr, also_public: &[IpAddr]) -> bool {
    !from_public || is_public_or(to, also_public)
}

fn is_public_or(ip: IpAddr, also_public: &[IpAddr]) -> bool {
    is_public(ip) || also_public.contains(&ip)
}

/// Whether an address is on the internet at large, rather than this
/// machine or a local network: not loopback, private (`10/8`, `172.16/12`,
/// `192.168/16`, `fc00::/7`), link-local (`169.254/16`, `fe80::/10`),
/// shared (carrier-grade NAT, `100.64/10`), unspecified, multicast,
/// broadcast or reserved — an IPv4 address inside IPv6 (mapped,
/// compatible, NAT64, 6to4) counts as that IPv4 address.
///
/// ```
/// use kanbao_core::is_public;
/// assert!(is_public("93.184.215.14".parse().unwrap()));
/// assert!(!is_public("127.0.0.1".parse().unwrap()));
/// assert!(!is_public("::ffff:192.168.1.1".parse().unwrap()));
/// ```
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || a == 0 // "this network"
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || ip.is_multicast()
        || ip.is_broadcast()
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || (first & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (first & 0xff00) == 0xff00 // multicast
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)) // documentation
}

/// The IPv4 address an IPv6 address stands for, if it is one of the forms
/// that carry one: mapped (`::ffff:a.b.c.d`), compatible (`::a.b.c.d`),
/// NAT64 (`64:ff9b::a.b.c.d`) or 6to4 (`2002:aabb:ccdd::`).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let low = || Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some(low()),
        // `::` and `::1` are themselves, not 0.0.0.0 and 0.0.0.1.
        [0, 0, 0, 0, 0, 0, _, _] if !ip.is_unspecified() && !ip.is_loopback() => Some(low()),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(low()),
        [0x2002, hi, lo, ..] => Some(Ipv4Addr::new(
            (hi >> 8) as u8,
            hi as u8,
            (lo >> 8) as u8,
            lo as u8,
        )),
        _ => None,
    }
}

/// What kind of local address this is, for a message.
fn address_kind(ip: IpAddr) -> &'static str {
    let v4 = match ip {
        IpAddr::V4(v4) => Some(v4),
        IpAddr::V6(v6) => embedded_v4(v6),
    };
    match (v4, ip) {
        (Some(v4), _) if v4.is_loopback() => "this machine",
        (Some(v4), _) if v4.is_private() => "a private network",
        (Some(v4), _) if v4.is_link_local() => "a link-local address",
        (Some(v4), _) if v4.is_unspecified() => "this machine",
        (None, IpAddr::V6(v6)) if v6.is_loopback() || v6.is_unspecified() => "this machine",
        (None, IpAddr::V6(v6)) if (v6.segments()[0] & 0xfe00) == 0xfc00 => "a private network",
        (None, IpAddr::V6(v6)) if (v6.segments()[0] & 0xffc0) == 0xfe80 => "a link-local address",
        _ => "not a public address",
    }
}

/// A header's value as text, if present and ASCII.
fn header_text(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn is_header_value(v: &str) -> bool {
    !v.is_empty() && HeaderValue::from_str(v).is_ok()
}

/// What an error message needs to know about the request.
struct Context<'a> {
    url: &'a str,
    host: String,
    port: Option<u16>,
    config: &'a FetchConfig,
}

impl Context<'_> {
    /// Maps a ureq error to a [`FetchError`] naming the URL.
    fn error(&self, error: ureq::Error) -> FetchError {
        let url = self.url.to_owned();
        let other = |detail: String| FetchError::Other {
            url: self.url.to_owned(),
            detail,
        };
        match error {
            ureq::Error::StatusCode(code) => FetchError::Status {
                url,
                code,
                reason: StatusCode::from_u16(code)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or_default()
                    .to_owned(),
            },
            ureq::Error::HostNotFound => FetchError::Dns {
                url,
                host: self.host.clone(),
                detail: "no address found".to_owned(),
            },
            ureq::Error::Timeout(which) => {
                let connecting = matches!(which, ureq::Timeout::Connect | ureq::Timeout::Resolve);
                FetchError::Timeout {
                    url,
                    after: if connecting {
                        self.config.connect_timeout.min(self.config.total_timeout)
                    } else {
                        self.config.total_timeout
                    },
                    connecting,
                }
            }
            ureq::Error::TooManyRedirects => FetchError::TooManyRedirects {
                url,
                max: self.config.max_redirects,
            },
            ureq::Error::BodyExceedsLimit(limit) => FetchError::TooLarge { url, limit },
            ureq::Error::Tls(detail) => FetchError::Tls {
                url,
                detail: detail.to_owned(),
            },
            ureq::Error::Rustls(e) => FetchError::Tls {
                url,
                detail: e.to_string(),
            },
            ureq::Error::Pem(e) => FetchError::Tls {
                url,
                detail: format!("bad certificate data: {e:?}"),
            },
            ureq::Error::TlsRequired => FetchError::Tls {
                url,
                detail: "no TLS transport available".to_owned(),
            },
            ureq::Error::ConnectionFailed => FetchError::Connect {
                url,
                host: self.host_port(),
                detail: "connection failed".to_owned(),
            },
            ureq::Error::Io(e) => self.io_error(e),
            ureq::Error::BadUri(reason) => FetchError::InvalidUrl { url, reason },
            ureq::Error::Http(e) => FetchError::InvalidUrl {
                url,
                reason: e.to_string(),
            },
            ureq::Error::Protocol(ureq_proto::Error::HttpParseTooManyHeaders) => other(format!(
                "the server's answer has more than {MAX_RESPONSE_HEADERS} headers, the most kanbao reads"
            )),
            ureq::Error::Protocol(e) => other(format!(
                "the server's answer is not valid HTTP ({e}); it may not be a web server"
            )),
            ureq::Error::Decompress(encoding, e) => {
                other(format!("the server sent a broken {encoding} body ({e})"))
            }
            ureq::Error::LargeResponseHeader(got, max) => other(format!(
                "the server's headers are too large ({got} bytes, at most {max})"
            )),
            ureq::Error::RedirectFailed => other("a redirect could not be followed".to_owned()),
            ureq::Error::InvalidProxyUrl => {
                other("the proxy set in the environment is not a valid URL".to_owned())
            }
            ureq::Error::ConnectProxyFailed(e) => {
                other(format!("the proxy refused the connection ({e})"))
            }
            e => other(e.to_string()),
        }
    }

    fn io_error(&self, e: io::Error) -> FetchError {
        let url = self.url.to_owned();
        if let Some(detail) = dns_failure(&e) {
            return FetchError::Dns {
                url,
                host: self.host.clone(),
                detail,
            };
        }
        match e.kind() {
            io::ErrorKind::ConnectionRefused
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::NetworkDown
            | io::ErrorKind::AddrNotAvailable => FetchError::Connect {
                url,
                host: self.host_port(),
                detail: e.to_string(),
            },
            io::ErrorKind::TimedOut => FetchError::Timeout {
                url,
                after: self.config.total_timeout,
                connecting: false,
            },
            // Without a proxy, the only I/O errors of kind InvalidData that
            // carry an inner error come from rustls (a failed handshake or a
            // corrupt TLS record).
            io::ErrorKind::InvalidData if e.get_ref().is_some() => FetchError::Tls {
                url,
                detail: e.get_ref().map(ToString::to_string).unwrap_or_default(),
            },
            io::ErrorKind::UnexpectedEof => FetchError::Io {
                url,
                detail: "the server closed the connection before the answer was complete"
                    .to_owned(),
            },
            _ => FetchError::Io {
                url,
                detail: e.to_string(),
            },
        }
    }

    fn host_port(&self) -> String {
        // An IPv6 host is already in brackets (`[::1]`).
        match self.port {
            Some(port) => format!("{}:{port}", self.host),
            None => self.host.clone(),
        }
    }
}

/// The resolver's message if `e` is a failed name lookup.
///
/// The standard library reports getaddrinfo failures as an uncategorized
/// error `failed to lookup address information: <gai_strerror>`; on Windows
/// they are WSA error codes.
fn dns_failure(e: &io::Error) -> Option<String> {
    const PREFIX: &str = "failed to lookup address information";
    #[cfg(windows)]
    {
        // WSAHOST_NOT_FOUND, WSATRY_AGAIN, WSANO_RECOVERY, WSANO_DATA
        if matches!(e.raw_os_error(), Some(11001..=11004)) {
            return Some(e.to_string());
        }
    }
    let text = e.to_string();
    let rest = text.strip_prefix(PREFIX)?;
    let rest = rest.trim_start_matches([':', ' ']);
    Some(if rest.is_empty() {
        "lookup failed".to_owned()
    } else {
        rest.to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(config: &FetchConfig) -> Context<'_> {
        Context {
            url: "https://news.example/feed",
            host: "news.example".to_owned(),
            port: Some(443),
            config,
        }
    }

    #[test]
    fn lookup_failures_are_dns_errors() {
        let config = FetchConfig::default();
        let io =
            io::Error::other("failed to lookup address information: Name or service not known");
        let e = ctx(&config).error(ureq::Error::Io(io));
        assert_eq!(
            e,
            FetchError::Dns {
                url: "https://news.example/feed".into(),
                host: "news.example".into(),
                detail: "Name or service not known".into(),
            }
        );
        assert_eq!(
            e.to_string(),
            "https://news.example/feed: cannot find the host news.example (Name or service not \
             known); check the address and your network connection"
        );
        let e = ctx(&config).error(ureq::Error::HostNotFound);
        assert!(matches!(e, FetchError::Dns { .. }), "{e:?}");
    }

    #[test]
    fn timeouts_say_which_limit() {
        let config = FetchConfig::default();
        let e = ctx(&config).error(ureq::Error::Timeout(ureq::Timeout::Connect));
        assert_eq!(
            e.to_string(),
            "https://news.example/feed: could not connect within 10 s; the server is slow or \
             unreachable, try again later"
        );
        let e = ctx(&config).error(ureq::Error::Timeout(ureq::Timeout::Global));
        assert_eq!(
            e.to_string(),
            "https://news.example/feed: no complete answer within 30 s; the server is slow or \
             unreachable, try again later"
        );
    }

    #[test]
    fn tls_and_other_mappings() {
        let config = FetchConfig::default();
        let inner = io::Error::new(
            io::ErrorKind::InvalidData,
            "invalid peer certificate: Expired",
        );
        let e = ctx(&config).error(ureq::Error::Io(inner));
        assert!(
            matches!(&e, FetchError::Tls { detail, .. } if detail.contains("Expired")),
            "{e:?}"
        );
        assert!(
            e.to_string()
                .ends_with("certificate is not trusted (invalid, expired or for another name)"),
            "{e}"
        );
        let e = ctx(&config).error(ureq::Error::Tls("Rustls invalid dns name error"));
        assert!(matches!(e, FetchError::Tls { .. }), "{e:?}");
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        let e = ctx(&config).error(ureq::Error::Io(refused));
        assert!(
            matches!(&e, FetchError::Connect { host, .. } if host == "news.example:443"),
            "{e:?}"
        );
        let e = ctx(&config).error(ureq::Error::BodyExceedsLimit(20 * 1024 * 1024));
        assert_eq!(
            e.to_string(),
            "https://news.example/feed: the answer is larger than 20 MiB, the most kanbao reads"
        );
        let e = ctx(&config).error(ureq::Error::Decompress("gzip", io::Error::other("bad")));
        assert!(matches!(e, FetchError::Other { .. }), "{e:?}");
        let e = ctx(&config).error(ureq::Error::Protocol(
            ureq_proto::Error::HttpParseTooManyHeaders,
        ));
        assert_eq!(
            e.to_string(),
            "https://news.example/feed: the server's answer has more than 128 headers, the most \
             kanbao reads"
        );
        let e = ctx(&config).error(ureq::Error::Io(io::ErrorKind::UnexpectedEof.into()));
        assert!(matches!(e, FetchError::Io { .. }), "{e:?}");
        assert_eq!(e.url(), "https://news.example/feed");
    }

    #[test]
    fn status_messages() {
        let e = FetchError::Status {
            url: "https://x/feed".into(),
            code: 404,
            reason: "Not Found".into(),
        };
        assert!(
            e.to_string()
                .starts_with("https://x/feed: server answered 404 Not Found; check the address"),
            "{e}"
        );
        let e = FetchError::Status {
            url: "https://x/feed".into(),
            code: 599,
            reason: String::new(),
        };
        assert_eq!(
            e.to_string(),
            "https://x/feed: server answered 599; the server has a problem, try again later"
        );
    }

    #[test]
    fn sizes_and_durations_read_well() {
        assert_eq!(size(20 * 1024 * 1024), "20 MiB");
        assert_eq!(size(64 * 1024), "64 KiB");
        assert_eq!(size(1000), "1000 bytes");
        assert_eq!(seconds(Duration::from_secs(30)), "30 s");
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(seconds(Duration::from_millis(250)), "250 ms");
    }

    #[test]
    fn local_addresses_of_every_kind_are_not_public() {
        let local = [
            "127.0.0.1",
            "127.1.2.3",
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254", // cloud metadata
            "100.64.0.1",
            "100.127.255.254",
            "192.0.0.8",
            "198.18.0.1",
            "224.0.0.1",
            "239.255.255.250",
            "255.255.255.255",
            "240.0.0.1",
            "::",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::10.0.0.1",
            "2002:c0a8:0101::1", // 6to4 of 192.168.1.1
        ];
        for ip in local {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(!is_public(ip), "{ip} is local");
            assert!(!redirect_allowed(true, ip, &[]), "{ip}");
            assert!(
                redirect_allowed(false, ip, &[]),
                "{ip}: from a local address"
            );
        }
        let public = [
            "93.184.215.14",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "11.0.0.1",
            "192.169.0.1",
            "2606:4700::1111",
            "::ffff:93.184.215.14",
            "64:ff9b::8.8.8.8",
            "2002:0808:0808::1",
        ];
        for ip in public {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(is_public(ip), "{ip} is public");
            assert!(redirect_allowed(true, ip, &[]), "{ip}");
        }
        let stand_in: IpAddr = "127.0.0.2".parse().unwrap();
        assert!(redirect_allowed(true, stand_in, &[stand_in]));
        assert!(!redirect_allowed(
            true,
            "127.0.0.1".parse().unwrap(),
            &[stand_in]
        ));
    }

    #[test]
    fn refusals_say_what_the_address_is() {
        let e = FetchError::LocalRedirect {
            url: "https://news.example/feed".into(),
            target: "http://[::1]:6379/".into(),
            address: "::1".parse().unwrap(),
        };
        assert_eq!(
            e.to_string(),
            "https://news.example/feed: redirected to http://[::1]:6379/, which is ::1 (this \
             machine): refused, a server on the internet may not send kanbao to this machine or \
             its local network"
        );
        assert_eq!(
            address_kind("10.0.0.1".parse().unwrap()),
            "a private network"
        );
        assert_eq!(
            address_kind("fe80::1".parse().unwrap()),
            "a link-local address"
        );
        assert_eq!(
            address_kind("100.64.0.1".parse().unwrap()),
            "not a public address"
        );
    }

    #[test]
    fn bad_validators_are_not_sent() {
        assert!(is_header_value("\"abc\""));
        assert!(!is_header_value("a\r\nInjected: yes"));
        assert!(!is_header_value(""));
    }
}
