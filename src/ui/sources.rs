//! The sources view: a row per source — marker, unread count, name, and
//! `!` for a feed whose last fetch failed — under *All*, *Unread* and
//! *Starred*.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::widgets::Widget;

use kanbao_core::{Ambiguous, str_width, truncate};

use super::Theme;
use super::cells::put_str;
use crate::app::{Sources, thousands};

/// What the sources view draws.
pub struct SourcesView<'a> {
    /// The rows and the selection.
    pub sources: &'a Sources,
    /// Colours.
    pub theme: &'a Theme,
    /// How ambiguous characters are counted.
    pub ambiguous: Ambiguous,
}

impl Widget for SourcesView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (amb, theme, s) = (self.ambiguous, self.theme, self.sources);
        let w = usize::from(area.width);
        if w < 4 || area.height == 0 {
            return;
        }
        // The unread column: as wide as the widest count.
        let count_w = s
            .rows
            .iter()
            .map(|r| thousands(r.unread).len())
            .max()
            .unwrap_or(1);
        for (i, row) in s
            .rows
            .iter()
            .enumerate()
            .skip(s.offset)
            .take(usize::from(area.height))
        {
            let y = area.y + (i - s.offset) as u16;
            let selected = i == s.selected;
            if selected {
                let cursor = if amb == Ambiguous::Wide { ">" } else { "▶" };
                put_str(buf, area.x, y, 1, cursor, theme.cursor(true), amb);
            }
            if row.failing.is_some() {
                put_str(buf, area.x + 1, y, 1, "!", theme.unread(), amb);
            }
            let mut x = area.x + 3;
            let mut left = w.saturating_sub(3);
            // A source with nothing unread shows a blank, not 0, so that
            // the ones with news stand out (also without colour).
            let count = match row.unread {
                0 => String::new(),
                n => thousands(n),
            };
            let count = format!("{count:>count_w$}  ");
            let count_cells = count.len().min(left);
            put_str(buf, x, y, count_cells as u16, &count, theme.unread(), amb);
            x += count_cells as u16;
            left -= count_cells;
            let mut label_style = Style::new();
            if row.unread > 0 {
                label_style = label_style.add_modifier(Modifier::BOLD);
            }
            if row.virtual_row {
                label_style = label_style.add_modifier(Modifier::ITALIC);
            }
            let total = format!("  {}", thousands(row.total));
            let label = truncate(&row.label, left, amb);
            let used = str_width(&label, amb);
            put_str(buf, x, y, left as u16, &label, label_style, amb);
            // The total, dim, after the name when it fits.
            if used + total.len() <= left {
                put_str(
                    buf,
                    x + used as u16,
                    y,
                    total.len() as u16,
                    &total,
                    theme.dim(),
                    amb,
                );
            }
        }
    }
}
