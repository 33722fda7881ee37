//! Display width of text on a terminal, counted per extended grapheme cluster.
//!
//! Every part of kanbao that measures, truncates or places text goes through
//! this module, so the typesetter and the renderer always agree on how many
//! cells a piece of text takes.

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// How East Asian Ambiguous characters (`“ ” ‘ ’ … — · °`, box drawing) are counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Ambiguous {
    /// One cell, as most terminals draw them.
    #[default]
    Narrow,
    /// Two cells, as terminals in a CJK locale (or with that option set) draw them.
    Wide,
}

/// The number of terminal cells a single grapheme cluster occupies (0, 1 or 2).
///
/// ```
/// use kanbao_core::{cluster_width, Ambiguous};
/// assert_eq!(cluster_width("a", Ambiguous::Narrow), 1);
/// assert_eq!(cluster_width("报", Ambiguous::Narrow), 2);
/// assert_eq!(cluster_width("“", Ambiguous::Narrow), 1);
/// assert_eq!(cluster_width("“", Ambiguous::Wide), 2);
/// assert_eq!(cluster_width("👍🏽", Ambiguous::Narrow), 2);
/// ```
#[inline]
pub fn cluster_width(cluster: &str, ambiguous: Ambiguous) -> usize {
    let bytes = cluster.as_bytes();
    if bytes.len() == 1 {
        return usize::from(!bytes[0].is_ascii_control());
    }
    let w = match ambiguous {
        Ambiguous::Narrow => cluster.width(),
        Ambiguous::Wide => cluster.width_cjk(),
    };
    w.min(2)
}

/// The display width of a string: the sum of its clusters' widths.
///
/// ```
/// use kanbao_core::{str_width, Ambiguous};
/// assert_eq!(str_width("看报 kanbao", Ambiguous::Narrow), 11);
/// assert_eq!(str_width("cafe\u{301}", Ambiguous::Narrow), 4);
/// ```
pub fn str_width(s: &str, ambiguous: Ambiguous) -> usize {
    if s.is_ascii() {
        return s.bytes().filter(|b| !b.is_ascii_control()).count();
    }
    // Fast path: text made only of characters that never join a cluster
    // (most CJK news text) is measured character by character.
    if s.chars().all(stands_alone) {
        return s.chars().map(|c| char_width(c, ambiguous)).sum();
    }
    s.graphemes(true).map(|g| cluster_width(g, ambiguous)).sum()
}

/// Characters that always form a grapheme cluster of their own with the
/// characters around them: printable ASCII, CJK ideographs and punctuation,
/// kana (without the combining voiced marks), Hangul syllables, full-width
/// forms and general punctuation. (Not U+302A–U+302F, the ideographic and
/// Hangul tone marks: they extend the cluster before them, like `" \u{302a}"`.
/// The typesetter relies on this when it keeps clusters whole.)
pub(crate) fn stands_alone(c: char) -> bool {
    matches!(c,
        ' '..='~'
        | '\u{2010}'..='\u{2027}'
        | '\u{2030}'..='\u{205e}'
        | '\u{3000}'..='\u{3029}'
        | '\u{3030}'..='\u{303f}'
        | '\u{3041}'..='\u{3096}'
        | '\u{309b}'..='\u{30ff}'
        | '\u{4e00}'..='\u{9fff}'
        | '\u{ac00}'..='\u{d7a3}'
        | '\u{ff01}'..='\u{ff60}')
}

fn char_width(c: char, ambiguous: Ambiguous) -> usize {
    use unicode_width::UnicodeWidthChar;
    let w = match ambiguous {
        Ambiguous::Narrow => c.width(),
        Ambiguous::Wide => c.width_cjk(),
    };
    w.unwrap_or(0)
}

/// Cuts `s` to at most `max` cells, ending with `…` when anything was cut.
///
/// A grapheme cluster is never split; the ellipsis counts with its own width
/// (two cells when ambiguous characters are wide).
///
/// ```
/// use kanbao_core::{truncate, Ambiguous};
/// assert_eq!(truncate("嘉兴制造业向高质量迈进", 9, Ambiguous::Narrow), "嘉兴制造…");
/// assert_eq!(truncate("short", 9, Ambiguous::Narrow), "short");
/// ```
pub fn truncate(s: &str, max: usize, ambiguous: Ambiguous) -> std::borrow::Cow<'_, str> {
    // Measured only as far as needed: a list row of a 20 MiB title costs
    // what the row shows, not the title (every frame).
    let ellipsis = cluster_width("…", ambiguous);
    let budget = max.saturating_sub(ellipsis);
    let (mut used, mut end) = (0, 0);
    for (i, g) in clusters_capped(s) {
        let w = cluster_width(g, ambiguous);
        if used + w > max {
            if max < ellipsis {
                return "".into();
            }
            return format!("{}…", &s[..end]).into();
        }
        used += w;
        if used <= budget {
            end = i + g.len();
        }
    }
    s.into()
}

/// The grapheme clusters of `s` with their offsets, except that a cluster
/// longer than 64 KiB (thousands of combining marks) is taken a piece at a
/// time, so that measuring the start of a string never reads all of it.
fn clusters_capped(s: &str) -> impl Iterator<Item = (usize, &str)> {
    const CAP: usize = 64 * 1024;
    let mut at = 0;
    std::iter::from_fn(move || {
        if at >= s.len() {
            return None;
        }
        let rest = &s[at..];
        let mut window = rest.len().min(CAP);
        while !rest.is_char_boundary(window) {
            window -= 1;
        }
        let g = rest[..window]
            .graphemes(true)
            .next()
            .filter(|g| g.len() < window || window == rest.len())
            .unwrap_or(&rest[..window]);
        let start = at;
        at += g.len();
        Some((start, g))
    })
}

/// Pads `s` with spaces on the right to exactly `width` cells (truncating first if needed).
pub fn fit(s: &str, width: usize, ambiguous: Ambiguous) -> String {
    let t = truncate(s, width, ambiguous);
    let w = str_width(&t, ambiguous);
    let mut out = String::with_capacity(t.len() + width.saturating_sub(w));
    out.push_str(&t);
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(w)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_never_splits_a_cluster() {
        let flag = "🇨🇳🇰🇷";
        assert_eq!(truncate(flag, 3, Ambiguous::Narrow), "🇨🇳…");
        assert_eq!(
            truncate("e\u{301}e\u{301}e\u{301}", 2, Ambiguous::Narrow),
            "e\u{301}…"
        );
    }

    #[test]
    fn wide_ellipsis_takes_two_cells() {
        assert_eq!(truncate("abcdef", 4, Ambiguous::Wide), "ab…");
        assert_eq!(truncate("abcdef", 1, Ambiguous::Wide), "");
    }

    #[test]
    fn the_fast_path_agrees_with_cluster_counting() {
        for s in [
            "制造业“新星”产业群，",
            "ひらがな・カタカナ",
            "한국어 뉴스",
            "ＡＢＣ！",
            "——……",
            "a“b”c",
        ] {
            for amb in [Ambiguous::Narrow, Ambiguous::Wide] {
                let by_cluster: usize = s.graphemes(true).map(|g| cluster_width(g, amb)).sum();
                assert_eq!(str_width(s, amb), by_cluster, "{s}");
            }
        }
    }

    #[test]
    fn fit_pads_by_display_width() {
        assert_eq!(fit("报", 4, Ambiguous::Narrow), "报  ");
        assert_eq!(
            str_width(&fit("嘉兴日报社", 5, Ambiguous::Narrow), Ambiguous::Narrow),
            5
        );
    }
}
