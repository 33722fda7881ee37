//! Makes untrusted text safe to put on a terminal.
//!
//! Article text comes from strangers. Every string field of an article goes
//! through [`sanitize`] once, when it is loaded, so no renderer has to think
//! about escape sequences: whole ECMA-48 sequences (CSI, OSC, DCS, SOS, PM,
//! APC, two-byte `ESC x`) are removed together with their parameters, other C0
//! and C1 controls and DEL are dropped, bidi overrides and isolates are
//! dropped, tabs become spaces to the next tab stop and `\r\n` becomes `\n`.

/// Removes everything from `text` that could steer a terminal; keeps `\n`.
///
/// ```
/// use kanbao_core::sanitize;
/// assert_eq!(sanitize("正常标题\u{1b}]0;x\u{7}看这里"), "正常标题看这里");
/// assert_eq!(sanitize("a\u{1b}[31mred\u{1b}[0m"), "ared");
/// assert_eq!(sanitize("\u{202e}evil"), "evil");
/// assert_eq!(sanitize("a\tb"), "a       b");
/// ```
pub fn sanitize(text: &str) -> String {
    if is_clean(text) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut column = 0usize; // cells since the last newline, for tab stops
    while let Some(c) = chars.next() {
        match c {
            // ESC, and the C1 introducers that act like ESC-prefixed ones on some terminals.
            c if is_introducer(c) => skip_sequence(c, &mut chars),
            '\n' => {
                out.push('\n');
                column = 0;
            }
            '\r' => {
                // A lone CR is a line break too; CRLF is one break.
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                    column = 0;
                }
            }
            '\t' => {
                let n = 8 - column % 8;
                out.extend(std::iter::repeat_n(' ', n));
                column += n;
            }
            c if is_dropped(c) => {}
            c => {
                out.push(c);
                column += unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
            }
        }
    }
    out
}

/// Like [`sanitize`], then folds line breaks into single spaces: for titles,
/// names and other one-line fields.
pub fn sanitize_line(text: &str) -> String {
    let clean = sanitize(text);
    if !clean.contains('\n') {
        return clean;
    }
    clean
        .split('\n')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `text` holds nothing [`sanitize`] would change: no control
/// character (C0, DEL, C1; newline and tab included) and no bidi control.
/// Checked on bytes, which is several times faster than by character on
/// CJK text: only C1 (`C2 80`–`C2 9F`) and the bidi controls (`E2 80 AA`–
/// `E2 80 AE`, `E2 81 A6`–`E2 81 A9`) take more than one byte.
pub fn is_clean(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            0x00..=0x1f | 0x7f => return false,
            0xc2 if matches!(bytes.get(i + 1), Some(0x80..=0x9f)) => return false,
            0xe2 => match (bytes.get(i + 1), bytes.get(i + 2)) {
                (Some(0x80), Some(0xaa..=0xae)) | (Some(0x81), Some(0xa6..=0xa9)) => return false,
                _ => i += 3,
            },
            _ => i += 1,
        }
    }
    true
}

/// Whether [`sanitize`] drops `c` wherever it stands: a control character
/// (C0, DEL, C1) or a bidi control. The output rules
/// ([`crate::text::output`]) escape the same characters in JSON.
pub(crate) fn is_dropped(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// Bidi embeddings, overrides and isolates: they reorder what the reader sees.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

/// Skips a sequence whose introducer (ESC or a C1 character) was just read.
/// A sequence broken off by a new ESC or C1 introducer gives way to it, as a
/// terminal would, so nothing of either sequence is left as text.
fn skip_sequence(introducer: char, chars: &mut Chars<'_>) {
    match introducer {
        '\u{1b}' => skip_escape(chars),
        '\u{9b}' => skip_csi(chars),
        '\u{9d}' => skip_string(chars, true),
        '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_string(chars, false),
        _ => {}
    }
}

/// ESC and the C1 characters that start a sequence.
fn is_introducer(c: char) -> bool {
    matches!(
        c,
        '\u{1b}' | '\u{90}' | '\u{98}' | '\u{9b}' | '\u{9d}' | '\u{9e}' | '\u{9f}'
    )
}

/// Skips the rest of a sequence that started with ESC.
fn skip_escape(chars: &mut Chars<'_>) {
    let Some(&c) = chars.peek() else { return };
    match c {
        '[' | ']' | 'P' | 'X' | '^' | '_' => {
            chars.next();
            match c {
                '[' => skip_csi(chars),
                ']' => skip_string(chars, true),
                _ => skip_string(chars, false),
            }
        }
        // ESC ESC …, ESC CSI …: the first ESC is abandoned, the second sequence counts.
        c if is_introducer(c) => {
            chars.next();
            skip_sequence(c, chars);
        }
        // nF sequences: intermediates 0x20–0x2F, then one final byte.
        '\u{20}'..='\u{2f}' => {
            while let Some(&n) = chars.peek() {
                chars.next();
                if !('\u{20}'..='\u{2f}').contains(&n) {
                    break;
                }
            }
        }
        // Two-byte sequences (ESC c, ESC 7, ESC =, …): the final byte goes too.
        '\u{30}'..='\u{7e}' => {
            chars.next();
        }
        // ESC before anything else (a newline, a CJK character) is dropped alone.
        _ => {}
    }
}

/// Skips CSI parameters and intermediates up to and including the final
/// byte. C0 controls inside are dropped and the sequence goes on, as
/// terminals do; a new introducer abandons it for its own sequence.
fn skip_csi(chars: &mut Chars<'_>) {
    while let Some(&c) = chars.peek() {
        match c {
            '\u{20}'..='\u{3f}' => {
                chars.next();
            }
            '\u{40}'..='\u{7e}' => {
                chars.next();
                return;
            }
            c if is_introducer(c) => {
                chars.next();
                return skip_sequence(c, chars);
            }
            '\u{0}'..='\u{1f}' | '\u{7f}' => {
                chars.next();
            }
            _ => return,
        }
    }
}

/// Skips a control string up to ST (`ESC \` or U+009C), or BEL for OSC. An
/// ESC that is not ST ends the string and starts a sequence of its own.
fn skip_string(chars: &mut Chars<'_>, bel_ends: bool) {
    while let Some(c) = chars.next() {
        match c {
            '\u{9c}' => return,
            '\u{7}' if bel_ends => return,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                    return;
                }
                return skip_escape(chars);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_byte_check_agrees_with_the_character_check() {
        let slow = |t: &str| !t.chars().any(|c| c.is_control() || is_bidi_control(c));
        for c in (0..0x3100u32)
            .chain(0xfe00..0x10000)
            .filter_map(char::from_u32)
        {
            for t in [c.to_string(), format!("a{c}b"), format!("光{c}")] {
                assert_eq!(is_clean(&t), slow(&t), "U+{:04X}", c as u32);
            }
        }
        assert!(is_clean("嘉兴“制造业”——向高质量迈进…"));
        assert!(!is_clean("正常\u{1b}]0;x\u{7}"));
    }

    #[test]
    fn every_escape_family_is_removed_with_its_parameters() {
        let cases = [
            ("a\u{1b}[2J\u{1b}[1;31mb", "ab"),
            ("a\u{1b}]52;c;ZXZpbA==\u{1b}\\b", "ab"),
            ("a\u{1b}]8;;http://evil\u{7}link\u{1b}]8;;\u{7}b", "alinkb"),
            ("a\u{1b}Pq#0;2;0;0;0\u{1b}\\b", "ab"),
            ("a\u{1b}_apc\u{1b}\\b", "ab"),
            ("a\u{1b}^pm\u{1b}\\b", "ab"),
            ("a\u{1b}Xsos\u{1b}\\b", "ab"),
            ("a\u{1b}cb", "ab"),
            ("a\u{1b}(Bb", "ab"),
            ("a\u{9b}31mb", "ab"),
            ("a\u{9d}0;title\u{9c}b", "ab"),
            ("a\u{7f}\u{0}\u{8}\u{85}b", "ab"),
        ];
        for (input, want) in cases {
            assert_eq!(sanitize(input), want, "input {input:?}");
        }
    }

    #[test]
    fn text_around_sequences_is_kept() {
        assert_eq!(sanitize("正常标题\u{1b}]0;x\u{7}看这里"), "正常标题看这里");
    }

    #[test]
    fn broken_off_sequences_give_way_to_the_next_one() {
        let cases = [
            "甲\u{1b}\u{1b}]0;PWNED\u{7}乙",
            "甲\u{1b}\u{1b}[2J乙",
            "甲\u{1b}\u{9d}0;PWNED\u{9c}乙",
            "甲\u{1b}\u{9b}31m乙",
            "甲\u{1b}]0;PWNED\u{1b}[31m乙",
            "甲\u{1b}PPWNED\u{1b}]0;PWNED\u{7}乙",
            "甲\u{1b}[31\u{7}m乙",
            "甲\u{1b}[3\u{7f}1m乙",
        ];
        for input in cases {
            assert_eq!(sanitize(input), "甲乙", "input {input:?}");
        }
    }

    #[test]
    fn unterminated_sequences_do_not_swallow_the_terminal() {
        assert_eq!(sanitize("ok\u{1b}]0;never ends"), "ok");
        assert_eq!(sanitize("ok\u{1b}"), "ok");
    }

    #[test]
    fn emoji_zwj_sequences_and_newlines_survive() {
        let family = "👩\u{200d}👩\u{200d}👧";
        assert_eq!(sanitize(family), family);
        assert_eq!(sanitize("a\r\nb\rc"), "a\nb\nc");
    }

    #[test]
    fn tabs_expand_to_the_next_stop_of_the_line() {
        assert_eq!(sanitize("ab\tc\nx\ty"), "ab      c\nx       y");
    }

    #[test]
    fn titles_fold_newlines() {
        assert_eq!(sanitize_line("第一行\n第二行"), "第一行 第二行");
    }
}
