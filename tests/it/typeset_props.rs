//! Property tests of the typesetter over random mixes of CJK, Latin words,
//! digits, punctuation, spaces, emoji and combining marks.

use kanbao_core::{Ambiguous, str_width, truncate};
use kanbao_core::{is_no_end, is_no_start, wrap};
use proptest::prelude::*;
use unicode_segmentation::UnicodeSegmentation;

fn cjk() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            proptest::char::range('\u{4e00}', '\u{9fa5}'),
            proptest::char::range('\u{3041}', '\u{3093}'),
            proptest::char::range('\u{ac00}', '\u{d7a3}'),
        ],
        1..6,
    )
    .prop_map(|v| v.into_iter().collect())
}

fn latin() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z]{1,10}",
        "[0-9]{1,6}",
        Just("2023-01-06".to_string()),
        Just("210HiKu7".to_string()),
        Just("670W".to_string()),
        Just("cafe\u{301}".to_string()),
        Just("ｶﾞｷﾞ".to_string()),
        Just("ＡＢＣ".to_string()),
    ]
}

fn emoji() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("👍🏽".to_string()),
        Just("👩\u{200d}👩\u{200d}👧".to_string()),
        Just("🧑🏿\u{200d}💻".to_string()),
        Just("🇨🇳".to_string()),
        Just("🇰🇷🇯🇵".to_string()),
        Just("1\u{fe0f}\u{20e3}".to_string()),
        Just("#\u{fe0f}\u{20e3}".to_string()),
        Just("☺\u{fe0f}".to_string()),
        Just("❤\u{fe0e}".to_string()),
        Just("📰".to_string()),
    ]
}

/// Clusters of several code points that must never be split.
fn clusters() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            emoji(),
            // Vietnamese, decomposed: base letters with stacked marks.
            Just("Tie\u{302}\u{301}ng Vie\u{323}\u{302}t".to_string()),
            Just("cafe\u{301}".to_string()),
            // Hangul as conjoining jamo, and as syllables.
            Just("\u{1100}\u{1161}\u{11a8}\u{1102}\u{1165}".to_string()),
            Just("한국어".to_string()),
            // Half-width katakana with voiced marks, full-width Latin.
            Just("ｶﾞｷﾞｸﾞ".to_string()),
            Just("ＡＢＣ１２３".to_string()),
        ],
        1..4,
    )
    .prop_map(|v| v.concat())
}

fn opening() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(""),
        Just("“"),
        Just("（"),
        Just("《"),
        Just("「"),
        Just("『"),
        Just("‘"),
        Just("(")
    ]
    .prop_map(str::to_string)
}

fn closing() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("，"),
            Just("。"),
            Just("、"),
            Just("；"),
            Just("："),
            Just("？"),
            Just("！"),
            Just("）"),
            Just("》"),
            Just("」"),
            Just("』"),
            Just("”"),
            Just("’"),
            Just("……"),
            Just("——"),
            Just(","),
            Just("."),
        ],
        0..3,
    )
    .prop_map(|v| v.concat())
}

/// A unit: optional opening punctuation, a core, optional closing run.
fn unit() -> impl Strategy<Value = String> {
    (
        opening(),
        prop_oneof![4 => cjk(), 3 => latin(), 1 => emoji(), 1 => clusters()],
        closing(),
    )
        .prop_map(|(o, c, p)| format!("{o}{c}{p}"))
}

fn separator() -> impl Strategy<Value = String> {
    prop_oneof![Just(" "), Just("  "), Just("的"), Just("和"), Just("·")].prop_map(str::to_string)
}

/// A paragraph: units joined by separators, sometimes with a full-width indent.
fn paragraph() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        proptest::collection::vec((unit(), separator()), 1..30),
    )
        .prop_map(|(indent, parts)| {
            let mut s = if indent {
                "　　".to_string()
            } else {
                String::new()
            };
            for (i, (u, sep)) in parts.iter().enumerate() {
                if i > 0 {
                    s.push_str(sep);
                }
                s.push_str(u);
            }
            s
        })
}

fn ambiguous() -> impl Strategy<Value = Ambiguous> {
    prop_oneof![Just(Ambiguous::Narrow), Just(Ambiguous::Wide)]
}

fn without_spaces(s: &str) -> String {
    s.chars().filter(|&c| c != ' ').collect()
}

fn cluster_count(s: &str) -> usize {
    s.graphemes(true).filter(|g| *g != " ").count()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn no_line_is_wider_than_the_width(text in paragraph(), width in 2usize..200, amb in ambiguous()) {
        for line in wrap(&text, width, amb) {
            prop_assert!(str_width(&line, amb) <= width, "{line:?} is wider than {width}");
        }
    }

    #[test]
    fn nothing_is_lost_added_or_reordered(text in paragraph(), width in 2usize..200, amb in ambiguous()) {
        let lines = wrap(&text, width, amb);
        prop_assert_eq!(without_spaces(&lines.concat()), without_spaces(&text));
    }

    #[test]
    fn no_grapheme_cluster_is_split(text in paragraph(), width in 2usize..200, amb in ambiguous()) {
        let lines = wrap(&text, width, amb);
        let split: usize = lines.iter().map(|l| cluster_count(l)).sum();
        prop_assert_eq!(split, cluster_count(&text), "lines: {:?}", lines);
    }

    #[test]
    fn spaces_inside_a_line_are_kept(text in paragraph(), width in 2usize..200) {
        for line in wrap(&text, width, Ambiguous::Narrow) {
            prop_assert!(text.contains(line.as_str()), "{line:?} is not a slice of the text");
        }
    }

    #[test]
    fn truncation_fits_and_keeps_whole_clusters(text in paragraph(), width in 0usize..60, amb in ambiguous()) {
        let cut = truncate(&text, width, amb);
        prop_assert!(str_width(&cut, amb) <= width, "{cut:?} wider than {width}");
        if cut != text {
            let kept = cut.strip_suffix('…').unwrap_or(&cut);
            prop_assert!(text.starts_with(kept));
            // The cut falls on a cluster boundary of the original text.
            let boundaries: Vec<usize> = text.grapheme_indices(true).map(|(i, _)| i).collect();
            prop_assert!(kept.is_empty() || boundaries.contains(&kept.len()), "{kept:?} splits a cluster");
        }
    }

    #[test]
    fn kinsoku_holds_whenever_the_line_has_room(text in paragraph(), width in 24usize..200, amb in ambiguous()) {
        // Every glued group (opening + core + closing run) is at most 22 cells,
        // so from 24 cells up a forbidden line start or end is never needed.
        let lines = wrap(&text, width, amb);
        for (i, line) in lines.iter().enumerate() {
            let first = line.chars().next().unwrap();
            let last = line.chars().next_back().unwrap();
            prop_assert!(i == 0 || !is_no_start(first), "line {} starts with {:?}: {:?}", i, first, lines);
            prop_assert!(i + 1 == lines.len() || !is_no_end(last), "line {} ends with {:?}: {:?}", i, last, lines);
        }
    }
}
