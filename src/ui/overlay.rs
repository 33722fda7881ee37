//! The overlays above the panes: the key help (`?`), the links of the
//! article (`L`) and the problems met loading the library (`!`). Each is a
//! bordered box centred by [`overlay_rect`].

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::border;
use ratatui::widgets::{Block, Widget};

use kanbao_core::{Ambiguous, Link, str_width, truncate};

use super::Theme;
use super::cells::{clear, put_str};
use crate::app::{App, overlay_rect};

/// Borders in ASCII, for terminals that draw box characters two cells wide.
const ASCII: border::Set = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

/// Places an overlay that wants `width`×`height` cells in `area` and draws
/// its box; `None` (and nothing drawn) when what fits is narrower than
/// `min_width` or too low for a row inside the border.
fn open_box(
    buf: &mut Buffer,
    area: Rect,
    (width, height): (u16, u16),
    min_width: u16,
    title: &str,
    theme: &Theme,
    amb: Ambiguous,
) -> Option<Rect> {
    let rect = overlay_rect(width, height, area);
    if rect.width < min_width || rect.height < 3 {
        return None;
    }
    draw_box(buf, rect, title, theme, amb);
    Some(rect)
}

/// Writes `label` into the bottom border of `rect`, ending two cells from
/// its right corner.
fn bottom_label(buf: &mut Buffer, rect: Rect, label: &str, theme: &Theme, amb: Ambiguous) {
    let w = str_width(label, amb) as u16;
    put_str(
        buf,
        rect.right() - 2 - w,
        rect.bottom() - 1,
        w,
        label,
        theme.title(),
        amb,
    );
}

/// Draws a bordered box (ASCII when ambiguous characters are wide) with a
/// title in its top border, over whatever was there.
fn draw_box(buf: &mut Buffer, rect: Rect, title: &str, theme: &Theme, amb: Ambiguous) {
    clear(buf, rect);
    let set = if amb == Ambiguous::Wide {
        ASCII
    } else {
        border::PLAIN
    };
    Block::bordered()
        .border_set(set)
        .border_style(theme.dim())
        .render(rect, buf);
    put_str(
        buf,
        rect.left() + 2,
        rect.top(),
        rect.width.saturating_sub(4),
        title,
        theme.title(),
        amb,
    );
}

/// The key help: (keys, what they do) rows; a row with no keys is a note.
pub struct HelpOverlay<'a> {
    /// The rows.
    pub rows: Vec<(String, String)>,
    /// The first row shown.
    pub scroll: usize,
    /// Colours.
    pub theme: &'a Theme,
    /// How ambiguous characters are counted.
    pub ambiguous: Ambiguous,
}

/// The help overlay's rows: (keys, description) from the keymap; the last
/// is the note on ambiguous characters, after an empty row.
pub fn help_rows(app: &App) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = app
        .settings()
        .keymap
        .help()
        .iter()
        .map(|(k, d)| (k.clone(), (*d).to_string()))
        .collect();
    rows.push((String::new(), String::new()));
    rows.push((String::new(), app.settings().ambiguous_note.clone()));
    rows
}

impl<'a> HelpOverlay<'a> {
    /// The help as the browser shows it, scrolled `scroll` rows.
    pub fn of(app: &App, scroll: usize, theme: &'a Theme) -> HelpOverlay<'a> {
        HelpOverlay {
            rows: help_rows(app),
            scroll,
            theme,
            ambiguous: app.options.ambiguous,
        }
    }
}

impl Widget for HelpOverlay<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (amb, theme, rows) = (self.ambiguous, self.theme, &self.rows);
        let keys_w = rows
            .iter()
            .map(|(k, _)| str_width(k, amb))
            .max()
            .unwrap_or(0);
        let desc_w = rows
            .iter()
            .map(|(k, d)| {
                if k.is_empty() {
                    str_width(d, amb).saturating_sub(keys_w + 2)
                } else {
                    str_width(d, amb)
                }
            })
            .max()
            .unwrap_or(0);
        let want = ((keys_w + 2 + desc_w) as u16 + 4, rows.len() as u16 + 2);
        let Some(rect) = open_box(buf, area, want, 3, " keys ", theme, amb) else {
            return;
        };
        let (w, h) = (rect.width, rect.height);
        let inner = w.saturating_sub(4);
        let visible = usize::from(h - 2);
        let scroll = self.scroll.min(rows.len().saturating_sub(visible));
        for (i, (keys, desc)) in rows.iter().skip(scroll).take(visible).enumerate() {
            let y = rect.top() + 1 + i as u16;
            if keys.is_empty() {
                put_str(buf, rect.left() + 2, y, inner, desc, theme.dim(), amb);
                continue;
            }
            let used = put_str(buf, rect.left() + 2, y, inner, keys, theme.title(), amb);
            let x = rect.left() + 2 + (keys_w as u16 + 2).max(used + 1);
            put_str(
                buf,
                x,
                y,
                (rect.right() - 2).saturating_sub(x),
                desc,
                Style::new(),
                amb,
            );
        }
        if scroll + visible < rows.len() {
            let more = " j/↓ more ";
            let mw = str_width(more, amb) as u16;
            if w > mw + 4 {
                bottom_label(buf, rect, more, theme, amb);
            }
        }
    }
}

/// The links of the article, numbered as in its text, and the number typed.
pub struct LinksOverlay<'a> {
    /// The links.
    pub links: &'a [String],
    /// The number typed so far.
    pub typed: &'a str,
    /// Colours.
    pub theme: &'a Theme,
    /// How ambiguous characters are counted.
    pub ambiguous: Ambiguous,
}

impl Widget for LinksOverlay<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (amb, theme, links) = (self.ambiguous, self.theme, self.links);
        let footer = format!(" open: {}█  Esc closes ", self.typed);
        // A link that fails the check is shown as text, dim, saying so;
        // its number only says why it is not opened.
        let rows: Vec<(String, Style)> = links
            .iter()
            .enumerate()
            .map(|(i, l)| match Link::parse(l) {
                Ok(_) => (format!("[{}] {l}", i + 1), theme.link()),
                Err(_) => (format!("[{}] {l} (not a web link)", i + 1), theme.dim()),
            })
            .collect();
        let widest = rows
            .iter()
            .map(|(row, _)| str_width(row, amb))
            .max()
            .unwrap_or(0);
        let want = (
            (widest.max(str_width(&footer, amb)) + 4) as u16,
            links.len() as u16 + 2,
        );
        let Some(rect) = open_box(buf, area, want, 6, " links ", theme, amb) else {
            return;
        };
        let (w, h) = (rect.width, rect.height);
        for (i, (row, style)) in rows.iter().take(usize::from(h - 2)).enumerate() {
            let text = truncate(row, usize::from(w - 4), amb);
            let y = rect.y + 1 + i as u16;
            put_str(buf, rect.x + 2, y, w - 4, &text, *style, amb);
        }
        let fw = str_width(&footer, amb) as u16;
        if fw + 4 <= w {
            bottom_label(buf, rect, &footer, theme, amb);
        }
    }
}

/// Every problem met loading the library, one a row.
pub struct ProblemsOverlay<'a> {
    /// The problems, as `path:line:col: message`.
    pub problems: Vec<String>,
    /// The first row shown.
    pub scroll: usize,
    /// Colours.
    pub theme: &'a Theme,
    /// How ambiguous characters are counted.
    pub ambiguous: Ambiguous,
}

impl Widget for ProblemsOverlay<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let amb = self.ambiguous;
        // Wrapped as the app counts them for scrolling.
        let full = Rect::new(0, 0, area.width, area.height + 1);
        let (w, rows) = crate::app::problem_rows(&self.problems, full.width, full.height, amb);
        let want = (w, rows.len().min(usize::from(u16::MAX - 2)) as u16 + 2);
        let Some(rect) = open_box(buf, area, want, 6, " problems ", self.theme, amb) else {
            return;
        };
        let (w, h) = (rect.width, rect.height);
        let visible = usize::from(h - 2);
        let scroll = self.scroll.min(rows.len().saturating_sub(visible));
        for (i, p) in rows.iter().skip(scroll).take(visible).enumerate() {
            let text = truncate(p, usize::from(w - 4), amb);
            put_str(
                buf,
                rect.x + 2,
                rect.y + 1 + i as u16,
                w - 4,
                &text,
                Style::new(),
                amb,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::ui::rows;

    #[test]
    fn help_is_a_centred_box_with_keys_and_descriptions() {
        let theme = Theme::default();
        let help = HelpOverlay {
            rows: vec![
                ("j ↓".into(), "next article".into()),
                (String::new(), "a note".into()),
            ],
            scroll: 0,
            theme: &theme,
            ambiguous: Ambiguous::Narrow,
        };
        let mut buf = Buffer::empty(Rect::new(0, 0, 30, 6));
        help.render(buf.area, &mut buf);
        let rows = rows(&buf);
        assert_eq!(
            rows[..5],
            [
                "",
                "    ┌─ keys ────────────┐",
                "    │ j ↓  next article │",
                "    │ a note            │",
                "    └───────────────────┘",
            ]
        );
    }

    #[test]
    fn wide_ambiguous_boxes_are_ascii_and_cut_to_the_screen() {
        let theme = Theme::default();
        let problems = ProblemsOverlay {
            problems: (1..=5).map(|i| format!("a.json:{i}:1: bad")).collect(),
            scroll: 0,
            theme: &theme,
            ambiguous: Ambiguous::Wide,
        };
        let mut buf = Buffer::empty(Rect::new(0, 0, 24, 5));
        problems.render(buf.area, &mut buf);
        let rows = rows(&buf);
        // Five problems, three rows inside the box: the first three.
        assert_eq!(
            rows,
            [
                "  +- problems -------+",
                "  | a.json:1:1: bad  |",
                "  | a.json:2:1: bad  |",
                "  | a.json:3:1: bad  |",
                "  +------------------+",
            ]
        );
    }

    #[test]
    fn links_are_numbered_and_show_what_was_typed() {
        let theme = Theme::default();
        let links = ["https://example.com/a".to_string()];
        let overlay = LinksOverlay {
            links: &links,
            typed: "1",
            theme: &theme,
            ambiguous: Ambiguous::Narrow,
        };
        let mut buf = Buffer::empty(Rect::new(0, 0, 40, 5));
        overlay.render(buf.area, &mut buf);
        let rows = rows(&buf);
        assert!(
            rows[2].contains("│ [1] https://example.com/a"),
            "{:?}",
            rows[2]
        );
        assert!(
            rows[3].contains(" open: 1█  Esc closes ─┘"),
            "{:?}",
            rows[3]
        );
    }

    #[test]
    fn links_that_fail_the_check_are_shown_dim_as_text() {
        use ratatui::style::Modifier;
        let theme = Theme::colored(true);
        let links = [
            "https://example.com/a".to_string(),
            "javascript:alert(1)".to_string(),
        ];
        let overlay = LinksOverlay {
            links: &links,
            typed: "",
            theme: &theme,
            ambiguous: Ambiguous::Narrow,
        };
        let mut buf = Buffer::empty(Rect::new(0, 0, 50, 6));
        overlay.render(buf.area, &mut buf);
        let rows = rows(&buf);
        let bad = rows
            .iter()
            .position(|r| r.contains("[2] javascript:alert(1) (not a web link)"))
            .unwrap_or_else(|| panic!("{rows:?}"));
        let good = rows
            .iter()
            .position(|r| r.contains("[1] https://example.com/a"));
        let good = good.unwrap_or_else(|| panic!("{rows:?}"));
        let x = rows[bad].chars().position(|c| c == '[').unwrap() as u16;
        let dim = |y: usize| buf[(x, y as u16)].modifier.contains(Modifier::DIM);
        assert!(dim(bad) && !dim(good));
        assert_eq!(buf[(x, good as u16)].style().fg, theme.link().fg);
    }
}
