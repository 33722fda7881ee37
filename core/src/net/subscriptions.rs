//! Subscriptions: the feeds a user follows, with what the last update
//! learned about each (validators for conditional GET, errors), stored in
//! `$XDG_CONFIG_HOME/kanbao/subscriptions.json`, and moved to and from other
//! readers as OPML.

use std::path::{Path, PathBuf};

use quick_xml::events::Event;
use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::model::article::bare_message;
use crate::store::atomic::{WriteError, write_atomic};
use crate::text::position::{column_of_byte_column, line_column};

/// Why the subscription list could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SubscriptionsError {
    /// The file exists but could not be read.
    #[error("{}: cannot read: {error}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        error: std::io::Error,
    },
    /// The file is not a regular file, or too big for a subscription list.
    #[error("{}: {error}", path.display())]
    Refused {
        /// The file.
        path: PathBuf,
        /// Why.
        error: crate::store::read::ReadError,
    },
    /// The file is not a subscription list: where, and what is wrong.
    #[error(transparent)]
    Invalid(Diagnostic),
    /// The list could not be put in JSON (it always can).
    #[error("cannot encode the subscriptions: {0}")]
    Encode(serde_json::Error),
    /// The file could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// One followed feed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    /// The feed's URL.
    pub url: String,
    /// Its title, once known (from OPML or the feed itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The web site the feed belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html_url: Option<String>,
    /// `ETag` of the last successful fetch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// `Last-Modified` of the last successful fetch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// When the feed was last fetched successfully (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    /// The error of the last attempt, if it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The subscription list, in the order the user added feeds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscriptions {
    /// Feeds, in order.
    pub feeds: Vec<Subscription>,
}

/// What a name given on the command line names among the subscriptions.
#[derive(Debug, PartialEq, Eq)]
pub enum Named {
    /// This one (its place in [`Subscriptions::feeds`]).
    One(usize),
    /// None.
    None,
    /// Several: the name is a prefix of each of their titles.
    Several(Vec<usize>),
}

impl Subscriptions {
    /// The subscription `name` names: its URL, its title (case and width
    /// folded), or the beginning of only one title.
    ///
    /// ```
    /// use kanbao_core::{Named, Subscription, Subscriptions};
    /// let feed = |url: &str, title: &str| Subscription {
    ///     url: url.into(), title: Some(title.into()), ..Default::default()
    /// };
    /// let subs = Subscriptions { feeds: vec![
    ///     feed("https://a.example/rss", "人民网 政治"),
    ///     feed("https://b.example/rss", "人民网 经济"),
    ///     feed("https://c.example/rss", "Reuters World"),
    /// ]};
    /// assert_eq!(subs.named("https://b.example/rss"), Named::One(1));
    /// assert_eq!(subs.named("reuters"), Named::One(2));
    /// assert_eq!(subs.named("人民网 政治"), Named::One(0));
    /// assert_eq!(subs.named("人民网"), Named::Several(vec![0, 1]));
    /// assert_eq!(subs.named("BBC"), Named::None);
    /// ```
    pub fn named(&self, name: &str) -> Named {
        if let Some(i) = self.feeds.iter().position(|f| f.url == name) {
            return Named::One(i);
        }
        let wanted = crate::text::fold::fold(name.trim());
        if wanted.is_empty() {
            return Named::None;
        }
        let titles: Vec<Option<String>> = self
            .feeds
            .iter()
            .map(|f| f.title.as_deref().map(crate::text::fold::fold))
            .collect();
        if let Some(i) = titles
            .iter()
            .position(|t| t.as_deref() == Some(wanted.as_str()))
        {
            return Named::One(i);
        }
        let starting: Vec<usize> = titles
            .iter()
            .enumerate()
            .filter(|(_, t)| t.as_deref().is_some_and(|t| t.starts_with(&wanted)))
            .map(|(i, _)| i)
            .collect();
        match starting.as_slice() {
            [] => Named::None,
            [one] => Named::One(*one),
            _ => Named::Several(starting),
        }
    }

    /// `$XDG_CONFIG_HOME/kanbao/subscriptions.json` (default `~/.config/...`).
    pub fn default_path() -> Option<PathBuf> {
        crate::paths::config_dir().map(|d| d.join("subscriptions.json"))
    }

    /// Reads the list; a missing file is an empty list. Only a regular
    /// file is read (never waited on, were it a FIFO), and at most
    /// [`crate::store::read::MAX_FILE_BYTES`].
    pub fn load(path: &Path) -> Result<Subscriptions, SubscriptionsError> {
        use crate::store::read::{MAX_FILE_BYTES, ReadError, read_regular};
        let text = match read_regular(path, MAX_FILE_BYTES) {
            Ok(bytes) => String::from_utf8(bytes)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e)),
            Err(ReadError::Io(e)) => Err(e),
            Err(error) => {
                return Err(SubscriptionsError::Refused {
                    path: path.to_owned(),
                    error,
                });
            }
        };
        match text {
            Ok(text) => serde_json::from_str(&text).map_err(|e| {
                let line = e.line();
                let column = column_of_byte_column(&text, line, e.column());
                let message = format!("{}; fix or remove the file", bare_message(&e));
                SubscriptionsError::Invalid(
                    Diagnostic::at(line, column, message).in_file(&path.display().to_string()),
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Subscriptions::default()),
            Err(error) => Err(SubscriptionsError::Read {
                path: path.to_owned(),
                error,
            }),
        }
    }

    /// Writes the list atomically (temporary file, then rename).
    pub fn save(&self, path: &Path) -> Result<(), SubscriptionsError> {
        let text = serde_json::to_string_pretty(self).map_err(SubscriptionsError::Encode)? + "\n";
        Ok(write_atomic(path, text.as_bytes())?)
    }

    /// Adds a feed unless it is already there; returns whether it was added.
    /// (To add many, [`Subscriptions::add_all`] takes linear time.)
    pub fn add(&mut self, sub: Subscription) -> bool {
        if self.feeds.iter().any(|f| f.url == sub.url) {
            return false;
        }
        self.feeds.push(sub);
        true
    }

    /// Adds the feeds that are not already there, in order; returns how
    /// many were added. Linear in the number of feeds (an OPML file of
    /// 60,000 outlines is merged at once, not in quadratic time).
    pub fn add_all(&mut self, subs: impl IntoIterator<Item = Subscription>) -> usize {
        let mut known: std::collections::HashSet<String> =
            self.feeds.iter().map(|f| f.url.clone()).collect();
        let before = self.feeds.len();
        for sub in subs {
            if known.insert(sub.url.clone()) {
                self.feeds.push(sub);
            }
        }
        self.feeds.len() - before
    }

    /// The list as an OPML 2.0 document: titles and URLs pass the output
    /// rules ([`crate::xml_attribute`]: sanitized to one line, escaped), so
    /// the document is valid XML and nothing in it can steer a terminal.
    ///
    /// ```
    /// use kanbao_core::{Subscription, Subscriptions};
    /// let mut subs = Subscriptions::default();
    /// subs.add(Subscription { url: "https://example.org/feed?a=1&b=2".into(), title: Some("示例 & co".into()), ..Default::default() });
    /// let opml = subs.to_opml();
    /// assert!(opml.contains(r#"xmlUrl="https://example.org/feed?a=1&amp;b=2""#));
    /// assert_eq!(Subscriptions::from_opml(&opml).unwrap(), subs);
    /// ```
    pub fn to_opml(&self) -> String {
        use crate::text::output::xml_attribute;
        let mut out = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n  <head>\n    <title>kanbao subscriptions</title>\n  </head>\n  <body>\n",
        );
        for f in &self.feeds {
            let url = xml_attribute(&f.url);
            let title = match f.title.as_deref().map(xml_attribute) {
                Some(t) if !t.trim().is_empty() => t,
                _ => url.clone(),
            };
            out.push_str(&format!(
                "    <outline type=\"rss\" text=\"{title}\" title=\"{title}\" xmlUrl=\"{url}\""
            ));
            if let Some(h) = &f.html_url {
                out.push_str(&format!(" htmlUrl=\"{}\"", xml_attribute(h)));
            }
            out.push_str("/>\n");
        }
        out.push_str("  </body>\n</opml>\n");
        out
    }

    /// Reads the feeds of an OPML document (nested outlines included),
    /// ignoring what [`Subscriptions::from_opml_checked`] would warn about.
    pub fn from_opml(text: &str) -> Result<Subscriptions, Diagnostic> {
        Subscriptions::from_opml_checked(text).map(|(subs, _)| subs)
    }

    /// Reads the feeds of an OPML document (nested outlines included), with
    /// warnings (line and column) about what was read leniently: an
    /// attribute with an entity XML does not define (`&eacute;`, or the `&`
    /// of a URL's query that was not written `&amp;`) keeps that text as
    /// written, and its outline is imported. A document that is not OPML,
    /// or not well-formed, is an error.
    ///
    /// ```
    /// use kanbao_core::Subscriptions;
    /// let opml = r#"<opml><body>
    /// <outline text="Caf&eacute;" xmlUrl="https://example.org/feed?a=1&b=2"/>
    /// </body></opml>"#;
    /// let (subs, warnings) = Subscriptions::from_opml_checked(opml).unwrap();
    /// assert_eq!(subs.feeds[0].url, "https://example.org/feed?a=1&b=2");
    /// assert_eq!(subs.feeds[0].title.as_deref(), Some("Caf&eacute;"));
    /// assert_eq!((warnings[0].line, warnings[0].column), (2, 19));
    /// assert_eq!((warnings[1].line, warnings[1].column), (2, 65));
    /// ```
    pub fn from_opml_checked(text: &str) -> Result<(Subscriptions, Vec<Diagnostic>), Diagnostic> {
        let mut reader = quick_xml::Reader::from_str(text);
        let mut feeds = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut warnings = Vec::new();
        let mut saw_opml = false;
        loop {
            let position = reader.buffer_position();
            match reader.read_event() {
                Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                    let name = e.local_name();
                    let name: &[u8] = name.as_ref().as_ref();
                    if name == b"opml" {
                        saw_opml = true;
                    }
                    if name != b"outline" {
                        continue;
                    }
                    let mut sub = Subscription::default();
                    let mut text_attr = None;
                    for attr in e.attributes().flatten() {
                        let key = attr.key.local_name();
                        let key: &[u8] = key.as_ref().as_ref();
                        let value = match attr.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        {
                            Ok(v) => v.into_owned(),
                            Err(error) => {
                                let (at, why) = entity_problem(&error, attr.value.as_bytes());
                                // The value borrows from `text`: where it starts there.
                                let start = (attr.value.as_ptr() as usize)
                                    .checked_sub(text.as_ptr() as usize)
                                    .filter(|&o| o <= text.len())
                                    .unwrap_or_else(|| usize::try_from(position).unwrap_or(0));
                                let (line, column) = line_column(text.as_bytes(), start + at);
                                let name = String::from_utf8_lossy(key);
                                warnings.push(Diagnostic::at(
                                    line,
                                    column,
                                    format!("outline attribute `{name}`: {why}; kept as written"),
                                ));
                                lenient_value(&attr.value)
                            }
                        };
                        match key {
                            b"xmlUrl" => sub.url = value,
                            b"htmlUrl" => sub.html_url = Some(value),
                            b"title" => sub.title = Some(value),
                            b"text" => text_attr = Some(value),
                            _ => {}
                        }
                    }
                    if sub.title.is_none() {
                        sub.title = text_attr;
                    }
                    if !sub.url.is_empty() && seen.insert(sub.url.clone()) {
                        feeds.push(sub);
                    }
                }
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(e) => {
                    let offset = usize::try_from(position).unwrap_or(0);
                    let (line, column) = line_column(text.as_bytes(), offset);
                    return Err(Diagnostic::at(line, column, format!("invalid OPML: {e}")));
                }
            }
        }
        if !saw_opml {
            return Err(Diagnostic::new("not an OPML document (no <opml> element)"));
        }
        Ok((Subscriptions { feeds }, warnings))
    }
}

/// Where in an attribute's raw value its entity problem is (a byte offset)
/// and what it is, in words a user who wrote the OPML by hand understands.
fn entity_problem(error: &quick_xml::Error, raw: &[u8]) -> (usize, String) {
    use quick_xml::escape::EscapeError;
    match error {
        quick_xml::Error::Escape(EscapeError::UnrecognizedEntity(range, name)) => {
            // Found by its text: the range counts from where the parser was.
            let needle = format!("&{name}");
            let at = raw
                .windows(needle.len())
                .position(|w| w == needle.as_bytes())
                .unwrap_or(range.start.saturating_sub(1));
            let is_name = name
                .chars()
                .all(|c| c.is_alphanumeric() || "_-.".contains(c));
            let why = if is_name {
                format!(
                    "`&{name};` is not an entity XML knows (only &amp; &lt; &gt; &quot; &apos; and &#…;)"
                )
            } else {
                "a bare `&`: write it as `&amp;`".to_owned()
            };
            (at, why)
        }
        quick_xml::Error::Escape(EscapeError::UnterminatedEntity(range)) => {
            (range.start, "a bare `&`: write it as `&amp;`".to_owned())
        }
        other => (0, other.to_string()),
    }
}

/// An attribute value that does not unescape as XML: the five entities XML
/// defines and character references are decoded, anything else after a `&`
/// is kept as written; white space is normalized as XML does.
fn lenient_value(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.find(';').and_then(|end| {
            let name = &rest[1..end];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => {
                    let number = name.strip_prefix('#')?;
                    let code = match number.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => number.parse().ok()?,
                    };
                    char::from_u32(code).filter(|&c| c != '\0')
                }
            }?;
            Some((c, end + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out.replace(['\t', '\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opml_from_other_readers_with_nested_outlines() {
        let opml = r#"<?xml version="1.0"?>
<opml version="1.0"><head><title>newsboat</title></head><body>
  <outline text="新闻">
    <outline text="示例日报" type="rss" xmlUrl="https://example.org/a.xml" htmlUrl="https://example.org/"/>
    <outline title="B" xmlUrl="https://example.org/b.xml"></outline>
  </outline>
  <outline text="dup" xmlUrl="https://example.org/a.xml"/>
</body></opml>"#;
        let subs = Subscriptions::from_opml(opml).unwrap();
        assert_eq!(subs.feeds.len(), 2);
        assert_eq!(subs.feeds[0].title.as_deref(), Some("示例日报"));
        assert_eq!(
            subs.feeds[0].html_url.as_deref(),
            Some("https://example.org/")
        );
        assert_eq!(subs.feeds[1].url, "https://example.org/b.xml");
    }

    #[test]
    fn undefined_entities_are_kept_as_written_and_reported_where() {
        let opml = "<opml><body>\n<outline text=\"ok\" xmlUrl=\"https://a.example/f\"/>\n  \
                    <outline text=\"Caf&eacute; &amp; co\" xmlUrl=\"https://b.example/?x=1&y=2&amp;z=&#51;\"/>\n\
                    <outline text=\"last\" xmlUrl=\"https://c.example/f\"/></body></opml>";
        let (subs, warnings) = Subscriptions::from_opml_checked(opml).unwrap();
        let urls: Vec<&str> = subs.feeds.iter().map(|f| f.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://a.example/f",
                "https://b.example/?x=1&y=2&z=3",
                "https://c.example/f"
            ]
        );
        assert_eq!(subs.feeds[1].title.as_deref(), Some("Caf&eacute; & co"));
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert_eq!(
            warnings
                .iter()
                .map(|w| (w.line, w.column))
                .collect::<Vec<_>>(),
            [(3, 21), (3, 70)],
            "{warnings:?}"
        );
        assert!(
            warnings[0].message.contains("`&eacute;` is not an entity"),
            "{}",
            warnings[0]
        );
        assert!(
            warnings[1].message.contains("a bare `&`"),
            "{}",
            warnings[1]
        );
        assert!(warnings[0].message.contains("`text`"), "{}", warnings[0]);
        assert!(warnings[1].message.contains("`xmlUrl`"), "{}", warnings[1]);
        assert!(
            warnings[0].message.ends_with("kept as written"),
            "{}",
            warnings[0]
        );
    }

    #[test]
    fn lenient_values_decode_what_xml_defines_only() {
        assert_eq!(lenient_value("a&amp;b&lt;&gt;&quot;&apos;"), "a&b<>\"'");
        assert_eq!(lenient_value("&#x4e2d;&#25991;"), "中文");
        assert_eq!(lenient_value("&nbsp;&#0;&#xzz;&"), "&nbsp;&#0;&#xzz;&");
        assert_eq!(lenient_value("q?a=1&b=2\tc"), "q?a=1&b=2 c");
    }

    #[test]
    fn merging_many_feeds_skips_those_already_there() {
        let mut subs = Subscriptions::default();
        subs.add(Subscription {
            url: "u1".into(),
            ..Default::default()
        });
        let more = ["u1", "u2", "u2", "u3"].map(|u| Subscription {
            url: u.into(),
            ..Default::default()
        });
        assert_eq!(subs.add_all(more), 2);
        let urls: Vec<&str> = subs.feeds.iter().map(|f| f.url.as_str()).collect();
        assert_eq!(urls, ["u1", "u2", "u3"]);
    }

    #[test]
    fn broken_opml_says_where() {
        let e =
            Subscriptions::from_opml("<opml>\n<body>\n<outline xmlUrl=\"x></body>").unwrap_err();
        assert!(e.to_string().contains("invalid OPML"), "{e}");
        assert!(
            Subscriptions::from_opml("<rss/>")
                .unwrap_err()
                .to_string()
                .contains("not an OPML")
        );
    }

    #[test]
    fn saves_and_loads_atomically() {
        let dir = std::env::temp_dir().join(format!("kanbao-subs-{}", std::process::id()));
        let path = dir.join("kanbao/subscriptions.json");
        let mut subs = Subscriptions::default();
        subs.add(Subscription {
            url: "https://example.org/a".into(),
            etag: Some("\"x\"".into()),
            ..Default::default()
        });
        subs.save(&path).unwrap();
        assert_eq!(Subscriptions::load(&path).unwrap(), subs);
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary files left behind");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
