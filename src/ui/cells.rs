//! Cells: every piece of text reaches the buffer through [`put_str`], which
//! measures clusters with kanbao-core's width, so the screen agrees with the
//! typesetter to the cell — also when ambiguous characters are wide, where
//! it tells ratatui's diff the real width of each cell (`ForcedWidth`).

use std::num::NonZeroU16;

use ratatui::buffer::{Buffer, CellDiffOption, CellWidth};
use ratatui::layout::Rect;
use ratatui::style::Style;
use unicode_segmentation::UnicodeSegmentation;

use kanbao_core::{Ambiguous, cluster_width};

/// Blanks a rectangle, also the left half of a wide character cut by its left edge.
pub(crate) fn clear(buf: &mut Buffer, rect: Rect) {
    for y in rect.top()..rect.bottom() {
        if rect.left() > buf.area.left() {
            let before = &mut buf[(rect.left() - 1, y)];
            if before.cell_width() > 1 {
                before.reset();
            }
        }
        for x in rect.left()..rect.right() {
            buf[(x, y)].reset();
        }
    }
}

/// Writes `text` at (x, y) in at most `max` cells, cluster by cluster, and
/// returns the cells used. Text with a control character in it is
/// sanitized first (`sanitize_line`): nothing that steers a terminal is
/// ever put in a cell. Zero-width clusters are skipped; a cluster that
/// does not fit ends the text. Where kanbao's width for a cluster differs from
/// ratatui's (ambiguous characters in wide mode), the cell carries a forced
/// width so the terminal diff stays on the grid.
pub fn put_str(
    buf: &mut Buffer,
    x: u16,
    y: u16,
    max: u16,
    text: &str,
    style: Style,
    amb: Ambiguous,
) -> u16 {
    // The output rules hold for every cell: text that still holds a
    // control character (a notice quoting a path, a key bound to one) is
    // sanitized here, once; clean text (all article text) is only scanned.
    if !kanbao_core::is_clean(text) {
        let clean = kanbao_core::sanitize_line(text);
        return put_str(buf, x, y, max, &clean, style, amb);
    }
    let area = buf.area;
    if y < area.top() || y >= area.bottom() || x >= area.right() {
        return 0;
    }
    let limit = max.min(area.right() - x);
    let mut used: u16 = 0;
    for g in text.graphemes(true) {
        let w = cluster_width(g, amb) as u16;
        if w == 0 {
            continue;
        }
        if used + w > limit {
            break;
        }
        let cx = x + used;
        let cell = &mut buf[(cx, y)];
        cell.set_symbol(g).set_style(style);
        let natural = g.cell_width();
        cell.set_diff_option(if natural == w {
            CellDiffOption::None
        } else {
            CellDiffOption::ForcedWidth(NonZeroU16::new(w).expect("w > 0"))
        });
        for hidden in 1..w {
            let cell = &mut buf[(cx + hidden, y)];
            cell.reset();
            cell.set_style(style);
        }
        used += w;
    }
    used
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_str_stops_before_a_wide_char_that_does_not_fit() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 5, 1));
        let used = put_str(&mut buf, 0, 0, 5, "看报纸", Style::new(), Ambiguous::Narrow);
        assert_eq!(used, 4);
        assert_eq!(buf[(4, 0)].symbol(), " ");
    }

    #[test]
    fn no_control_character_ever_reaches_a_cell() {
        // Notices, problems and config warnings are text kanbao did not
        // write itself: whatever reaches put_str, no cell holds a control.
        let hostile = "a\u{1b}]0;PWN\u{7}b\u{9b}2Jc\u{202e}d\u{85}e\u{7f}f\u{0}g\u{2066}h\r\ni\tj";
        let mut buf = Buffer::empty(Rect::new(0, 0, 40, 1));
        put_str(&mut buf, 0, 0, 40, hostile, Style::new(), Ambiguous::Narrow);
        let shown: String = (0..40).map(|x| buf[(x, 0)].symbol().to_owned()).collect();
        assert!(
            !shown.chars().any(|c| c.is_control()
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')),
            "{shown:?}"
        );
        assert_eq!(shown.trim_end(), "abcdefgh i       j");
    }

    #[test]
    fn wide_ambiguous_cells_carry_their_width() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 6, 1));
        let used = put_str(&mut buf, 0, 0, 6, "“a”", Style::new(), Ambiguous::Wide);
        assert_eq!(used, 5);
        assert_eq!(buf[(0, 0)].cell_width(), 2);
        assert_eq!(buf[(2, 0)].symbol(), "a");
    }
}
