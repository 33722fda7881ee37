//! Where each part of the screen goes: the panes, the status line, and the
//! overlays' boxes, for a terminal size and the `[layout]` settings. The
//! event handling (mouse hit-testing, paging) and the drawing both take
//! their rectangles from here, so they cannot disagree.

use ratatui::layout::Rect;

/// Terminals narrower than this show one pane at a time.
pub const TWO_PANE_MIN_WIDTH: u16 = 90;

/// Where each part of the screen goes, for a terminal size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Both panes side by side.
    pub two_pane: bool,
    /// The list pane.
    pub list: Rect,
    /// The column between the panes (two-pane only).
    pub separator: Rect,
    /// The reader pane's text area.
    pub reader: Rect,
    /// The bottom status line.
    pub status: Rect,
}

/// The layout choices of the config file's `[layout]` and `[reader]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayoutSettings {
    /// List pane share of the screen, in percent (two-pane mode).
    pub split: u16,
    /// List above the reader instead of beside it.
    pub vertical: bool,
    /// Terminals narrower than this show one pane at a time.
    pub two_pane_min_width: u16,
    /// Widest text column of the reader, in cells.
    pub measure: u16,
    /// Centre the text column in a wider reader pane.
    pub center: bool,
    /// Lines a page forward keeps from the page before (0: none, as `less`).
    pub page_overlap: u16,
}

impl Default for LayoutSettings {
    fn default() -> LayoutSettings {
        LayoutSettings {
            split: 40,
            vertical: false,
            two_pane_min_width: TWO_PANE_MIN_WIDTH,
            measure: 80,
            center: true,
            page_overlap: 0,
        }
    }
}

impl Layout {
    /// Splits a `width`×`height` screen with the default settings.
    pub fn new(width: u16, height: u16) -> Layout {
        Layout::with(width, height, &LayoutSettings::default())
    }

    /// Splits a `width`×`height` screen.
    pub fn with(width: u16, height: u16, s: &LayoutSettings) -> Layout {
        let body_h = height.saturating_sub(1);
        let status = Rect::new(0, body_h, width, height.min(1));
        let two_pane = width >= s.two_pane_min_width && !(s.vertical && body_h < 8);
        let share = |total: u16, min: u16| {
            let wanted = (u32::from(total) * u32::from(s.split.clamp(10, 90)) / 100) as u16;
            wanted.clamp(
                min.min(total),
                total.saturating_sub(min).max(min.min(total)),
            )
        };
        let (list, separator, pane) = if !two_pane {
            let pad = u16::from(width >= 8);
            (
                Rect::new(0, 0, width, body_h),
                Rect::default(),
                Rect::new(pad, 0, width.saturating_sub(2 * pad), body_h),
            )
        } else if s.vertical {
            let list_h = share(body_h, 3);
            let pane_h = body_h.saturating_sub(list_h + 1);
            (
                Rect::new(0, 0, width, list_h),
                Rect::new(0, list_h, width, 1),
                Rect::new(1, list_h + 1, width.saturating_sub(2), pane_h),
            )
        } else {
            let list_w = share(width, 20);
            (
                Rect::new(0, 0, list_w, body_h),
                Rect::new(list_w, 0, 1, body_h),
                Rect::new(list_w + 2, 0, width.saturating_sub(list_w + 3), body_h),
            )
        };
        // The reader's text column: at most `measure` wide, centred if asked.
        let mut reader = pane;
        if reader.width > s.measure {
            if s.center {
                reader.x += (reader.width - s.measure) / 2;
            }
            reader.width = s.measure;
        }
        Layout {
            two_pane,
            list,
            separator,
            reader,
            status,
        }
    }
}

/// The box of an overlay that wants `width`×`height` cells, centred in
/// `area` and cut to fit it. Every overlay (help, links, problems) is
/// placed by this one function.
pub fn overlay_rect(width: u16, height: u16, area: Rect) -> Rect {
    let (w, h) = (width.min(area.width), height.min(area.height));
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// Where overlays may go on a `width`×`height` screen: above the status
/// line, which stays visible.
pub fn overlay_area(width: u16, height: u16) -> Rect {
    Rect::new(0, 0, width, height.saturating_sub(1).max(1))
}

/// How many rows of `rows` an overlay on a `width`×`height` screen shows
/// inside its border.
pub fn overlay_rows(rows: usize, width: u16, height: u16) -> usize {
    let area = overlay_area(width, height);
    let rows = u16::try_from(rows).unwrap_or(u16::MAX);
    let height = overlay_rect(area.width, rows.saturating_add(2), area).height;
    usize::from(height.saturating_sub(2))
}

/// The problems overlay's rows on a `width`×`height` screen: each problem
/// wrapped to the box (never cut: an error is read whole), its later rows
/// indented two cells.
pub fn problem_rows(
    problems: &[String],
    width: u16,
    height: u16,
    amb: kanbao_core::Ambiguous,
) -> (u16, Vec<String>) {
    let area = overlay_area(width, height);
    let widest = problems
        .iter()
        .map(|p| kanbao_core::str_width(p, amb))
        .max()
        .unwrap_or(0);
    let box_width = ((widest + 4) as u16).clamp(20.min(area.width), area.width);
    let inside = usize::from(box_width.saturating_sub(4)).max(1);
    let mut rows = Vec::new();
    for p in problems {
        rows.extend(wrap_cells(p, inside, amb));
    }
    (box_width, rows)
}

/// `text` in lines of at most `width` cells, broken after a space where
/// one is in the second half of the line, else between characters; lines
/// after the first start with two spaces.
pub fn wrap_cells(text: &str, width: usize, amb: kanbao_core::Ambiguous) -> Vec<String> {
    use unicode_width::UnicodeWidthChar;
    let cell = |c: char| {
        match amb {
            kanbao_core::Ambiguous::Wide => c.width_cjk(),
            kanbao_core::Ambiguous::Narrow => c.width(),
        }
        .unwrap_or(0)
    };
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = cell(c);
        if used + w > width && !line.trim().is_empty() {
            // Break after the last space, when it keeps half the line.
            let cut = line
                .rfind(' ')
                .filter(|&at| kanbao_core::str_width(&line[..at], amb) >= width / 2);
            let rest = match cut {
                Some(at) => {
                    let rest = line[at + 1..].to_string();
                    line.truncate(at);
                    rest
                }
                None => String::new(),
            };
            lines.push(std::mem::take(&mut line));
            line.push_str("  ");
            line.push_str(&rest);
            used = kanbao_core::str_width(&line, amb);
        }
        line.push(c);
        used += w;
    }
    if !line.trim().is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod wrap_tests {
    use super::*;
    use kanbao_core::{Ambiguous, str_width};

    #[test]
    fn a_long_error_is_wrapped_whole_never_cut() {
        let error = "人民网 (http://www.people.com.cn/rss/politics.xml): server answered 503 Service Unavailable; tried 3 times";
        let lines = wrap_cells(error, 30, Ambiguous::Narrow);
        assert!(lines.len() > 2, "{lines:?}");
        assert!(
            lines.iter().all(|l| str_width(l, Ambiguous::Narrow) <= 30),
            "{lines:?}"
        );
        assert!(lines[1..].iter().all(|l| l.starts_with("  ")));
        // Nothing lost: the words are all there, in order.
        let joined: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
        let words: Vec<&str> = error.split_whitespace().collect();
        assert_eq!(joined.concat(), words.concat());
        assert_eq!(wrap_cells("short", 30, Ambiguous::Narrow), ["short"]);
    }
}
