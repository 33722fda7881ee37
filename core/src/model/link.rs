//! The one check every URL passes before it leaves kanbao: opened (`o`,
//! `L` and a number), copied (`y`), numbered in a body by an importer, or
//! printed by `kanbao list --json`.
//!
//! A [`Link`] can only be made by [`Link::parse`], so code that hands a URL
//! to another program takes a `Link` and cannot skip the check. What passes:
//!
//! * `http` and `https` URLs with a host and no user name or password
//!   (`https://trusted.example@evil.example/` shows one host and opens
//!   another);
//! * `mailto` URLs whose headers are all in [`MAILTO_HEADERS`] (an
//!   allow-list: `attach`, `attachment` and any header a mail program might
//!   act on are refused);
//! * nothing with a control character, a bidi control, or a line break in
//!   it, anywhere (the WHATWG parser would silently drop a tab or newline,
//!   so `java\nscript:` would become `javascript:` and `ex\nample` would
//!   hide a host).
//!
//! The string handed on is the URL as the `url` crate serializes it: it
//! starts with `http:`, `https:` or `mailto:` (so it can never be taken for
//! a command-line option like `--gpu-launcher=…`), and it is printable ASCII
//! without spaces (non-ASCII is percent-encoded, hosts are punycode).

use std::fmt;

use url::Url;

use crate::text::sanitize::is_dropped;

/// The `mailto` headers a link may carry (RFC 6068), compared without
/// regard to case; any other header refuses the link.
pub const MAILTO_HEADERS: [&str; 5] = ["to", "cc", "bcc", "subject", "body"];

/// A URL that passed the check: safe to open, copy or hand to a program.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Link(String);

/// Why a URL is never opened, copied or handed on. Its text completes
/// "not opened: …".
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LinkRefused {
    /// Not an absolute URL at all (a word, a path, an option like `--x`).
    #[error("not a web or mail address (only http, https and mailto links are opened)")]
    NotAnAddress,
    /// A scheme other than http, https and mailto (`javascript`, `file`, `data`…).
    #[error("{0}: links are never opened (only http, https and mailto)")]
    Scheme(String),
    /// An http(s) URL without a host.
    #[error("the address has no host")]
    NoHost,
    /// An http(s) URL with a user name or password, which disguises its host.
    #[error("addresses with a user name or password (user@host) are never opened")]
    Credentials,
    /// A `mailto` header outside [`MAILTO_HEADERS`] (the header's name,
    /// kept to letters, digits and `-`).
    #[error("mailto links with the header `{0}` are never opened")]
    MailHeader(String),
    /// A control character, bidi control, line break or stray space.
    #[error("the address holds a control character or a space")]
    Unprintable,
}

impl Link {
    /// Checks `text` (see the module's documentation); spaces around it are
    /// ignored.
    ///
    /// ```
    /// use kanbao_core::{Link, LinkRefused};
    /// assert_eq!(Link::parse("HTTPS://Example.org/a b").unwrap().as_str(), "https://example.org/a%20b");
    /// assert!(Link::parse("mailto:news@example.org?subject=hi").is_ok());
    /// assert_eq!(Link::parse("--gpu-launcher=touch pwned"), Err(LinkRefused::NotAnAddress));
    /// assert_eq!(Link::parse("javascript:alert(1)"), Err(LinkRefused::Scheme("javascript".into())));
    /// assert_eq!(
    ///     Link::parse("mailto:a@example.org?attach=/etc/passwd"),
    ///     Err(LinkRefused::MailHeader("attach".into()))
    /// );
    /// ```
    pub fn parse(text: &str) -> Result<Link, LinkRefused> {
        let text = text.trim_matches(' ');
        if text.chars().any(is_dropped) {
            return Err(LinkRefused::Unprintable);
        }
        let url = Url::parse(text).map_err(|_| LinkRefused::NotAnAddress)?;
        match url.scheme() {
            "http" | "https" => {
                if url.host_str().is_none_or(str::is_empty) {
                    return Err(LinkRefused::NoHost);
                }
                if !url.username().is_empty() || url.password().is_some() {
                    return Err(LinkRefused::Credentials);
                }
            }
            "mailto" => check_mail_headers(&url)?,
            other => return Err(LinkRefused::Scheme(other.to_owned())),
        }
        let link = String::from(url);
        if !link.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(LinkRefused::Unprintable);
        }
        Ok(Link(link))
    }

    /// The URL, serialized: starts with `http:`, `https:` or `mailto:`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Link> for String {
    fn from(link: Link) -> String {
        link.0
    }
}

/// Every header of a `mailto` URL is one of [`MAILTO_HEADERS`]; and no
/// second `?`, nor an encoded one in the addresses, for a mail program that
/// splits the URL less carefully than RFC 6068 says.
fn check_mail_headers(url: &Url) -> Result<(), LinkRefused> {
    let refused = |name: &str| {
        let name: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .take(32)
            .collect();
        LinkRefused::MailHeader(if name.is_empty() { "?".into() } else { name })
    };
    if url.path().to_ascii_lowercase().contains("%3f") {
        return Err(refused("?"));
    }
    let Some(query) = url.query() else {
        return Ok(());
    };
    if query.contains('?') {
        return Err(refused("?"));
    }
    for (name, _) in url.query_pairs() {
        if !MAILTO_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(&name)) {
            return Err(refused(&name));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> LinkRefused {
        match Link::parse(text) {
            Ok(link) => panic!("{text:?} passed as {link}"),
            Err(e) => e,
        }
    }

    #[test]
    fn web_and_mail_links_pass_in_their_serialized_form() {
        let cases = [
            ("https://example.org/a?x=1", "https://example.org/a?x=1"),
            ("http://example.org", "http://example.org/"),
            ("  https://example.org/  ", "https://example.org/"),
            ("HTTPS://EXAMPLE.ORG/A", "https://example.org/A"),
            (
                "https://例子.中国/新闻 1",
                "https://xn--fsqu00a.xn--fiqs8s/%E6%96%B0%E9%97%BB%201",
            ),
            ("mailto:news@example.org", "mailto:news@example.org"),
            (
                "MAILTO:a@example.org?Subject=hi%20there&cc=b@example.org&BODY=x",
                "mailto:a@example.org?Subject=hi%20there&cc=b@example.org&BODY=x",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(
                Link::parse(text).map(String::from),
                Ok(want.into()),
                "{text:?}"
            );
        }
    }

    #[test]
    fn option_like_words_and_paths_are_not_addresses() {
        for text in [
            "--gpu-launcher=touch pwned",
            "-e",
            "--",
            "/etc/passwd",
            "example.org/a",
            "",
        ] {
            assert_eq!(refused(text), LinkRefused::NotAnAddress, "{text:?}");
        }
    }

    #[test]
    fn other_schemes_are_refused_whatever_their_case() {
        for (text, scheme) in [
            ("javascript:alert(1)", "javascript"),
            ("JavaScript:alert(1)", "javascript"),
            ("file:///etc/passwd", "file"),
            ("FILE:///etc/passwd", "file"),
            ("data:text/html,<script>alert(1)</script>", "data"),
            ("vbscript:msgbox", "vbscript"),
            ("ftp://example.org/", "ftp"),
            ("ssh://example.org", "ssh"),
            ("x-man-page://ls", "x-man-page"),
        ] {
            assert_eq!(
                refused(text),
                LinkRefused::Scheme(scheme.into()),
                "{text:?}"
            );
        }
    }

    #[test]
    fn mailto_headers_are_allow_listed() {
        assert_eq!(
            refused("mailto:a@example.org?attach=/etc/passwd"),
            LinkRefused::MailHeader("attach".into())
        );
        assert_eq!(
            refused("mailto:a@example.org?subject=x&Attachment=%2Fetc%2Fpasswd"),
            LinkRefused::MailHeader("Attachment".into())
        );
        // An encoded header name is still that header.
        assert_eq!(
            refused("mailto:a@example.org?%61ttach=/etc/passwd"),
            LinkRefused::MailHeader("attach".into())
        );
        for text in [
            "mailto:a@example.org?X-Mailer=evil",
            "mailto:a@example.org?subject=x?attach=/etc/passwd",
            "mailto:a@example.org%3Fattach=/etc/passwd",
            "mailto:a@example.org?=x",
        ] {
            assert!(
                matches!(refused(text), LinkRefused::MailHeader(_)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn control_characters_and_line_breaks_are_refused_anywhere() {
        for text in [
            "https://example.org/a\nb",
            "java\nscript:alert(1)",
            "https://ex\tample.org/",
            "https://example.org/\u{1b}[2J",
            "https://example.org/\u{9b}2J",
            "https://example.org/\u{202e}fdp.exe",
            "https://example.org/\u{7f}",
            "\u{0}https://example.org/",
        ] {
            assert_eq!(refused(text), LinkRefused::Unprintable, "{text:?}");
        }
        // A space in a mailto address would stay a space: refused.
        assert_eq!(refused("mailto:a b@example.org"), LinkRefused::Unprintable);
        // In a web address it is encoded, and never splits an argument.
        assert_eq!(
            Link::parse("https://example.org/a --gpu-launcher=x").map(String::from),
            Ok("https://example.org/a%20--gpu-launcher=x".into())
        );
    }

    #[test]
    fn user_names_that_disguise_the_host_are_refused() {
        for text in [
            "https://trusted.example@evil.example/",
            "https://trusted.example:x@evil.example/",
            "https://user%40trusted.example@evil.example/",
        ] {
            assert_eq!(refused(text), LinkRefused::Credentials, "{text:?}");
        }
        // Empty credentials are no disguise: the parser drops them.
        assert_eq!(
            Link::parse("http://:@example.org/").map(String::from),
            Ok("http://example.org/".into())
        );
    }

    #[test]
    fn what_passes_never_looks_like_an_option_or_holds_a_space() {
        let hostile = [
            "https://example.org/ -x",
            "https://-x.example/",
            "mailto:-x@example.org",
            "https://example.org/\u{3000}全角",
            "https://example.org/?q=\"a b\"&c='d'",
        ];
        for text in hostile {
            let Ok(link) = Link::parse(text) else {
                continue;
            };
            let s = link.as_str();
            assert!(
                ["http:", "https:", "mailto:"]
                    .iter()
                    .any(|p| s.starts_with(p)),
                "{s}"
            );
            assert!(s.bytes().all(|b| b.is_ascii_graphic()), "{s:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn what_passes_is_safe_and_passes_again_unchanged(
            text in "(https?://|mailto:|HTTP://|javascript:|-)?[ -~\u{80}-\u{a0}\u{202e}\u{3000}中]{0,40}"
        ) {
            if let Ok(link) = Link::parse(&text) {
                let s = link.as_str();
                proptest::prop_assert!(
                    ["http:", "https:", "mailto:"].iter().any(|p| s.starts_with(p)),
                    "{:?}", s
                );
                proptest::prop_assert!(s.bytes().all(|b| b.is_ascii_graphic()), "{:?}", s);
                proptest::prop_assert_eq!(Link::parse(s), Ok(link.clone()));
            }
        }
    }

    #[test]
    fn reasons_read_after_not_opened() {
        assert_eq!(
            format!("not opened: {}", refused("javascript:alert(1)")),
            "not opened: javascript: links are never opened (only http, https and mailto)"
        );
    }
}
