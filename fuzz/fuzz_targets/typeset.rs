//! `typeset::wrap` at the width the first byte gives (0..=255), in both
//! ambiguous-width modes. The properties:
//!
//! - no line is wider than `max(width, 2)` cells (and each line's reported
//!   width is its measured width);
//! - the lines are pieces of the text, in order, and what lies between two
//!   of them is only break spaces and `\n`: no other character is lost,
//!   added or reordered;
//! - no grapheme cluster is split: every line starts and ends on a cluster
//!   boundary of its `\n`-separated segment (`\n` is a hard break).
//!
//! And, for inputs whose width byte is odd, the lazy path: the text repeated
//! past two of `Lazy`'s 32 KiB chunks, as one paragraph, is set a chunk at a
//! time (so long runs without a break are cut between chunks) exactly as
//! `wrap` sets it at once — unless it holds a grapheme cluster longer than
//! `MAX_CLUSTER`, which may be cut: then nothing but spaces is lost.
#![no_main]

use kanbao_core::{Article, Lazy, LineKind, TypesetOptions};
use kanbao_core::{MAX_CLUSTER, MIN_WIDTH, wrap, wrap_measured, wrap_ranges};
use kanbao_core::{Ambiguous, str_width};
use libfuzzer_sys::fuzz_target;
use unicode_segmentation::UnicodeSegmentation;

fuzz_target!(|data: &[u8]| {
    let Some((&w, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let width = usize::from(w);
    let max = width.max(MIN_WIDTH);
    // Cluster boundaries, per hard-broken segment, as byte offsets of `text`.
    let mut boundaries = std::collections::HashSet::new();
    let mut start = 0;
    for segment in text.split('\n') {
        boundaries.extend(segment.grapheme_indices(true).map(|(i, _)| start + i));
        boundaries.insert(start + segment.len());
        start += segment.len() + 1;
    }
    for amb in [Ambiguous::Narrow, Ambiguous::Wide] {
        let ranges = wrap_ranges(&text, width, amb);
        let lines = wrap(&text, width, amb);
        assert_eq!(ranges.len(), lines.len());
        let mut prev_end = 0;
        for ((range, reported), line) in ranges.iter().zip(&lines) {
            assert!(
                range.start >= prev_end && range.end >= range.start && range.end <= text.len(),
                "{amb:?}: range {range:?} out of order (previous line ended at {prev_end})"
            );
            let gap = &text[prev_end..range.start];
            assert!(
                gap.chars().all(|c| c == ' ' || c == '\n'),
                "{amb:?} width {width}: {gap:?} between lines was lost"
            );
            let piece = &text[range.clone()];
            assert_eq!(piece, line);
            let measured = str_width(piece, amb);
            assert!(
                measured <= max,
                "{amb:?}: {piece:?} is {measured} cells wide, max {max}"
            );
            assert_eq!(*reported, measured, "{amb:?}: reported width of {piece:?}");
            assert!(
                boundaries.contains(&range.start) && boundaries.contains(&range.end),
                "{amb:?} width {width}: line {range:?} {piece:?} splits a grapheme cluster"
            );
            prev_end = range.end;
        }
        let tail = &text[prev_end..];
        assert!(
            tail.chars().all(|c| c == ' ' || c == '\n'),
            "{amb:?} width {width}: trailing {tail:?} was lost"
        );
    }
    if w % 2 == 1 && !text.trim().is_empty() {
        let long = text.repeat(70_000 / text.len() + 1);
        let article = Article::new("t", vec![long]);
        // `finish` may have changed the paragraph (sanitized, split): compare
        // with what it holds.
        let mut lazy = Lazy::new(&article, width, &TypesetOptions::default());
        let mut got = Vec::new();
        lazy.each_line(|l| {
            if l.kind == LineKind::Body {
                got.push((l.text, l.width));
            }
            Ok::<_, ()>(())
        })
        .unwrap();
        let longest = article
            .body
            .iter()
            .flat_map(|p| p.graphemes(true))
            .map(str::len)
            .max()
            .unwrap_or(0);
        if longest <= MAX_CLUSTER {
            let whole: Vec<(String, usize)> = article
                .body
                .iter()
                .flat_map(|p| wrap_measured(p, width, Ambiguous::Narrow))
                .collect();
            assert!(got == whole, "lazy lines differ from the whole at width {width}");
        } else {
            // A longer cluster may be cut between chunks: nothing is lost.
            let kept: String = got.iter().map(|(l, _)| l.as_str()).collect();
            let text: String = article.body.concat();
            let squeeze = |s: &str| s.replace([' ', '\n'], "");
            assert!(squeeze(&kept) == squeeze(&text), "the lazy path lost text");
            assert!(got.iter().all(|(_, w)| *w <= max), "a lazy line is too wide");
        }
    }
});
