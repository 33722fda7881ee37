//! Folding: the normal form text is compared in, for searching and
//! filtering. Latin letters match in any case, full-width forms match
//! half-width ones (`ＡＢＣ` ~ `abc`, `１２３` ~ `123`, `？` ~ `?`),
//! half-width katakana match full-width ones (`ｶﾞｲﾄﾞ` ~ `ガイド`), and every
//! kind of whitespace matches a plain space. The query language folds both
//! sides of every comparison with these.

/// Half-width forms U+FF61–U+FF9F, as their full-width counterparts.
const HALF_WIDTH: [char; 63] = [
    '。', '「', '」', '、', '・', 'ヲ', 'ァ', 'ィ', 'ゥ', 'ェ', 'ォ', 'ャ', 'ュ', 'ョ', 'ッ', 'ー',
    'ア', 'イ', 'ウ', 'エ', 'オ', 'カ', 'キ', 'ク', 'ケ', 'コ', 'サ', 'シ', 'ス', 'セ', 'ソ', 'タ',
    'チ', 'ツ', 'テ', 'ト', 'ナ', 'ニ', 'ヌ', 'ネ', 'ノ', 'ハ', 'ヒ', 'フ', 'ヘ', 'ホ', 'マ', 'ミ',
    'ム', 'メ', 'モ', 'ヤ', 'ユ', 'ヨ', 'ラ', 'リ', 'ル', 'レ', 'ロ', 'ワ', 'ン', '゛', '゜',
];

/// Full-width signs U+FFE0–U+FFE6, as their usual forms.
const FULL_WIDTH_SIGNS: [char; 7] = ['¢', '£', '¬', '¯', '¦', '¥', '₩'];

/// One character, folded on its own (see [`fold`]).
#[inline]
fn fold_char(c: char) -> char {
    match c {
        'A'..='Z' => c.to_ascii_lowercase(),
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' => ' ',
        '\0'..='\u{7f}' => c,
        // The bulk of CJK text: kana, ideographs, Hangul syllables.
        '\u{3001}'..='\u{3098}' | '\u{309b}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}' => c,
        '\u{ac00}'..='\u{d7a3}' => c,
        '\u{ff01}'..='\u{ff5e}' => char::from((c as u32 - 0xfee0) as u8).to_ascii_lowercase(),
        '\u{ff61}'..='\u{ff9f}' => HALF_WIDTH[(c as u32 - 0xff61) as usize],
        '\u{ffe0}'..='\u{ffe6}' => FULL_WIDTH_SIGNS[(c as u32 - 0xffe0) as usize],
        // İ lowercases to "i\u{307}"; searching wants the plain i.
        '\u{130}' => 'i',
        // Final sigma, as Unicode case folding has it.
        'ς' => 'σ',
        c if c.is_whitespace() => ' ',
        c => {
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(l), None) => l,
                _ => c,
            }
        }
    }
}

/// A voicing mark (half-width `ﾞ` or combining U+3099) or a semi-voicing
/// mark (`ﾟ`, U+309A): `Some(false)`, `Some(true)`, else `None`.
#[inline]
fn voicing_mark(c: char) -> Option<bool> {
    match c {
        '\u{ff9e}' | '\u{3099}' => Some(false),
        '\u{ff9f}' | '\u{309a}' => Some(true),
        _ => None,
    }
}

/// The kana `base` with a (semi-)voicing mark, when one character exists for it.
fn compose_kana(base: char, semi: bool) -> Option<char> {
    let u = base as u32;
    let composed = if semi {
        match u {
            0x306f..=0x307b | 0x30cf..=0x30db if (u - 0x306f).is_multiple_of(3) => u + 2,
            _ => return None,
        }
    } else {
        match u {
            0x304b..=0x3061 | 0x30ab..=0x30c1 if !u.is_multiple_of(2) => u + 1,
            0x3064 | 0x3066 | 0x3068 | 0x30c4 | 0x30c6 | 0x30c8 => u + 1,
            0x306f..=0x307b | 0x30cf..=0x30db if (u - 0x306f).is_multiple_of(3) => u + 1,
            0x3046 => 0x3094,
            0x309d => 0x309e,
            0x30a6 => 0x30f4,
            0x30ef..=0x30f2 => u + 8,
            0x30fd => 0x30fe,
            _ => return None,
        }
    };
    char::from_u32(composed)
}

/// The first unit of a non-empty `text`, folded, and its length in bytes: one
/// character, or a kana and a voicing mark that compose.
#[inline]
fn fold_unit(text: &str) -> (char, usize) {
    let mut chars = text.chars();
    let c = chars.next().unwrap_or_default();
    let f = fold_char(c);
    if let Some(mark) = chars.next()
        && let Some(semi) = voicing_mark(mark)
        && let Some(composed) = compose_kana(f, semi)
    {
        return (composed, c.len_utf8() + mark.len_utf8());
    }
    (f, c.len_utf8())
}

/// The byte offset from which [`fold`] changes `text`, or `None` when
/// `fold(text) == text`. A cheap scan over bytes: ASCII is checked byte by
/// byte, and the three-byte sequences of CJK ideographs and Hangul
/// syllables (U+4000–U+9FFF, U+B000–U+D7FF), which never fold, by their
/// first byte alone; U+3000–U+3FFF (CJK punctuation, kana) only stop at the
/// ideographic space and the combining voicing marks.
pub(crate) fn first_change(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut previous = 0; // where the character before `i` starts
    while i < bytes.len() {
        let b = bytes[i];
        let len = match b {
            0x00..=0x7f => {
                if b.is_ascii_uppercase() || matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
                    return Some(i);
                }
                1
            }
            0xe4..=0xe9 | 0xeb..=0xed => 3,
            0xe3 if !matches!(bytes[i + 1..i + 3], [0x80, 0x80] | [0x82, 0x99 | 0x9a]) => 3,
            _ => {
                let c = text[i..].chars().next().unwrap_or_default();
                // A voicing mark may join the kana before it.
                if let Some(semi) = voicing_mark(c) {
                    let before = text[previous..i].chars().next().unwrap_or_default();
                    if compose_kana(fold_char(before), semi).is_some() {
                        return Some(previous);
                    }
                }
                if fold_char(c) != c {
                    return Some(i);
                }
                c.len_utf8()
            }
        };
        previous = i;
        i += len;
    }
    None
}

/// Folds `text` onto `out` (which is not cleared): the stretches that do not
/// change are found with [`first_change`] and copied whole, so text where
/// little folds (CJK with an ideographic-space indent, English with a few
/// capitals) costs little more than a copy.
pub(crate) fn fold_onto(text: &str, out: &mut String) {
    let mut rest = text;
    while let Some(start) = first_change(rest) {
        out.push_str(&rest[..start]);
        let (c, len) = fold_unit(&rest[start..]);
        out.push(c);
        rest = &rest[start + len..];
    }
    out.push_str(rest);
}

/// The normal form in which the query language compares text; applied to
/// both the query and the article.
///
/// - Latin (and every other cased script) lowercase, one character at a time
///   (`İ` becomes a plain `i`);
/// - full-width ASCII U+FF01–U+FF5E as ASCII (`ＡＢＣ１２３！` → `abc123!`),
///   and the full-width signs U+FFE0–U+FFE6 (`￥` → `¥`);
/// - half-width katakana and punctuation U+FF61–U+FF9F as full-width, with a
///   following `ﾞ`/`ﾟ` joined into one kana (`ｶﾞ` → `ガ`); a kana followed by
///   a combining (semi-)voicing mark U+3099/U+309A is joined the same way;
/// - every whitespace character (tab, newline, U+3000 ideographic space…) as
///   one ASCII space, so no folded text contains a newline.
///
/// Everything else (CJK ideographs, kana, Hangul, digits, punctuation) is
/// kept. `fold` is idempotent, and it never joins across a space.
///
/// ```
/// use kanbao_core::fold;
/// assert_eq!(fold("ＡＢＣ abc Abc"), "abc abc abc");
/// assert_eq!(fold("１２３？　光伏"), "123? 光伏");
/// assert_eq!(fold("ｶﾞｲﾄﾞﾌﾞｯｸ"), "ガイドブック");
/// assert_eq!(fold("Straße ΣΊΣΥΦΟΣ"), "straße σίσυφοσ");
/// ```
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_onto(text, &mut out);
    out
}

/// [`fold`], with a map back to `text`: `offsets[i]` is the byte offset in
/// `text` of the character (or kana and voicing mark) that became folded
/// byte `i`, and `offsets[folded.len()] == text.len()`. For a folded range
/// `s..e` on character boundaries, `offsets[s]..offsets[e]` is the text it
/// came from, and folding that text gives the folded range back.
///
/// ```
/// use kanbao_core::fold_with_offsets;
/// let line = "ＡＩ芯片ｶﾞ";
/// let (folded, offsets) = fold_with_offsets(line);
/// assert_eq!(folded, "ai芯片ガ");
/// let s = folded.find("芯片").unwrap();
/// assert_eq!(&line[offsets[s]..offsets[s + "芯片".len()]], "芯片");
/// assert_eq!(&line[offsets[0]..offsets[2]], "ＡＩ");
/// ```
pub fn fold_with_offsets(text: &str) -> (String, Vec<usize>) {
    let mut folded = String::with_capacity(text.len());
    let mut offsets = Vec::with_capacity(text.len() + 1);
    let mut start = 0;
    while start < text.len() {
        let (c, len) = fold_unit(&text[start..]);
        folded.push(c);
        offsets.resize(folded.len(), start);
        start += len;
    }
    offsets.push(text.len());
    (folded, offsets)
}

/// An article body folded for [`crate::Query::matches_folded`]: each paragraph
/// [`fold`]ed, joined with `\n` (which no folded term contains, so no match
/// spans two paragraphs).
///
/// ```
/// use kanbao_core::fold_body;
/// assert_eq!(fold_body(&["Ａ\nb".to_string(), "光伏".to_string()]), "a b\n光伏");
/// ```
pub fn fold_body(body: &[String]) -> String {
    let mut out = String::with_capacity(body.iter().map(|p| p.len() + 1).sum());
    for (i, p) in body.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        fold_onto(p, &mut out);
    }
    out
}

/// Whether nothing but `c` itself folds to `c` (and `c` joins no voicing mark).
pub(crate) fn folds_only_from_itself(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{ac00}'..='\u{d7a3}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_is_idempotent_for_every_character() {
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let s = c.to_string();
            let once = fold(&s);
            assert_eq!(fold(&once), once, "{c:?} U+{:04X}", c as u32);
            assert_eq!(first_change(&once), None, "{c:?}");
            // The byte-level scan stops exactly where folding changes something.
            assert_eq!(first_change(&s).is_none(), once == s, "{c:?}");
            // Nothing but an ideograph or a Hangul syllable itself folds to
            // one, so terms made of them are searched in place.
            if once.chars().any(folds_only_from_itself) {
                assert_eq!(once, s, "{c:?}");
                assert_eq!(compose_kana(c, false).or(compose_kana(c, true)), None);
            }
            let kana = format!("カ{c}");
            assert_eq!(first_change(&kana).is_none(), fold(&kana) == kana, "{c:?}");
        }
    }

    #[test]
    fn first_change_agrees_with_fold() {
        for s in [
            "abc",
            "aBc",
            "光伏",
            "光\n伏",
            "ｶﾞ",
            "カ\u{3099}",
            "a\u{3000}b",
            "Ｘ",
        ] {
            assert_eq!(first_change(s).is_none(), fold(s) == s, "{s:?}");
        }
        assert_eq!(first_change("xカ\u{3099}"), Some(1));
    }

    #[test]
    fn kana_with_voicing_marks_compose() {
        assert_eq!(fold("ﾊﾟﾝ ﾋﾞｰﾙ"), "パン ビール");
        assert_eq!(fold("か\u{3099}"), "が");
        assert_eq!(fold("ｱﾞ"), "ア゛");
    }

    #[test]
    fn every_kana_with_a_voicing_mark_composes_as_nfc_does() {
        // Base and composed pairs, from Python's unicodedata (NFC).
        let voiced = "うゔかがきぎくぐけげこごさざしじすずせぜそぞただちぢつづてでとどはばひびふぶへべほぼゝゞ\
            ウヴカガキギクグケゲコゴサザシジスズセゼソゾタダチヂツヅテデトドハバヒビフブヘベホボワヷヰヸヱヹヲヺヽヾ";
        let semi = "はぱひぴふぷへぺほぽハパヒピフプヘペホポ";
        for (pairs, mark) in [(voiced, '\u{3099}'), (semi, '\u{309a}')] {
            let chars: Vec<char> = pairs.chars().collect();
            for pair in chars.chunks(2) {
                assert_eq!(fold(&format!("{}{mark}", pair[0])), pair[1].to_string());
            }
        }
        let composable = voiced
            .chars()
            .step_by(2)
            .chain(semi.chars().step_by(2))
            .count();
        let mut found = 0;
        for c in ('\u{3040}'..='\u{30ff}').chain(['\u{ff9e}']) {
            found += usize::from(compose_kana(c, false).is_some());
            found += usize::from(compose_kana(c, true).is_some());
        }
        assert_eq!(found, composable);
    }

    #[test]
    fn fold_with_offsets_maps_back() {
        let text = "Ａｶﾞ\u{130}x";
        let (folded, offsets) = fold_with_offsets(text);
        assert_eq!(folded, "aガix");
        assert_eq!(offsets.len(), folded.len() + 1);
        assert_eq!(offsets[1], "Ａ".len());
        assert_eq!(offsets[4], "Ａｶﾞ".len());
        assert_eq!(*offsets.last().unwrap(), text.len());
    }
}
