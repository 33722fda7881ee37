//! The output rules for what kanbao prints in a machine format: the same
//! characters [`crate::sanitize`] keeps off the terminal never reach it in
//! JSON or XML either.
//!
//! * [`json_line`]: JSON as serde_json writes it, but with DEL, the C1
//!   controls (U+0080–U+009F: U+009B is CSI on many terminals) and the bidi
//!   controls escaped as `\uXXXX` too — serde_json escapes only what JSON
//!   requires (below U+0020). Nothing is lost: the JSON reads back to the
//!   same strings (a file name stays the file's name).
//! * [`xml_attribute`]: a one-line text ([`crate::sanitize_line`]) with the
//!   characters XML 1.0 cannot hold dropped and `& < > " '` escaped.

use std::io;

use serde::Serialize;

use crate::text::sanitize::{is_dropped, sanitize_line};

/// `value` as one line of JSON, with every character that could steer a
/// terminal escaped (see the module's documentation).
///
/// ```
/// let line = kanbao_core::json_line(&serde_json::json!({"path": "a\u{9b}2J\u{202e}.json"}));
/// assert_eq!(line, r#"{"path":"a\u009b2J\u202e.json"}"#);
/// ```
pub fn json_line<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, Escaping);
    // Serializing into memory fails only for a map with non-string keys,
    // which kanbao never prints.
    if value.serialize(&mut ser).is_err() {
        return "null".into();
    }
    String::from_utf8(out).unwrap_or_default()
}

/// serde_json's compact format, escaping the characters serde_json leaves
/// raw in strings but a terminal acts on.
struct Escaping;

impl serde_json::ser::Formatter for Escaping {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if is_dropped(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                write!(writer, "\\u{:04x}", c as u32)?;
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

/// `text` made fit for an XML attribute value: sanitized to one line, the
/// characters XML 1.0 forbids dropped (U+FFFE, U+FFFF; the controls are gone
/// already), and `& < > " '` escaped.
///
/// ```
/// assert_eq!(
///     kanbao_core::xml_attribute("A & B \"<c>\"\u{1b}]0;x\u{7}\u{9b}2J\u{202e}"),
///     "A &amp; B &quot;&lt;c&gt;&quot;"
/// );
/// ```
pub fn xml_attribute(text: &str) -> String {
    let mut clean = sanitize_line(text);
    clean.retain(|c| !matches!(c, '\u{fffe}' | '\u{ffff}'));
    quick_xml::escape::escape(clean.as_str()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_what_the_sanitizer_drops_and_reads_back_the_same() {
        for c in (0..0x3000u32).filter_map(char::from_u32) {
            let text = format!("a{c}b");
            let line = json_line(&text);
            assert!(
                !line.chars().any(is_dropped),
                "U+{:04X} reached the output raw: {line:?}",
                c as u32
            );
            assert_eq!(serde_json::from_str::<String>(&line).unwrap(), text);
        }
    }

    #[test]
    fn json_keys_are_escaped_too() {
        let mut map = std::collections::BTreeMap::new();
        map.insert("k\u{9d}0;x", "v\u{7f}");
        assert_eq!(json_line(&map), r#"{"k\u009d0;x":"v\u007f"}"#);
    }

    #[test]
    fn xml_attributes_parse_back_as_the_clean_text() {
        let text = "标题 & <co> \"q\" 'a'\u{1b}[2J\u{9b}31m\u{202e}\u{ffff}\nend";
        let attr = xml_attribute(text);
        let doc = format!("<a v=\"{attr}\" w='{attr}'/>");
        let mut reader = quick_xml::Reader::from_str(&doc);
        let quick_xml::events::Event::Empty(e) = reader.read_event().unwrap() else {
            panic!("{doc}")
        };
        for a in e.attributes() {
            let value = a
                .unwrap()
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .unwrap()
                .into_owned();
            assert_eq!(value, "标题 & <co> \"q\" 'a' end");
        }
    }
}
