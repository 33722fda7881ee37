//! The list pane: one row per article — the selection marker, the unread
//! or starred mark, date, source and title, in columns that narrow with
//! the pane.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::widgets::Widget;

use kanbao_core::Article;
use kanbao_core::Marks;
use kanbao_core::{Ambiguous, fit, truncate};

use super::Theme;
use super::cells::put_str;
use crate::app::{App, Focus};

/// What the list pane shows.
pub struct ListView<'a> {
    /// The article of each entry of `order` (for the rows on screen).
    pub article: Box<dyn Fn(usize) -> Option<&'a Article> + 'a>,
    /// The listed ones, in order (what `article` takes).
    pub order: &'a [usize],
    /// The first row shown.
    pub offset: usize,
    /// The selected row (a position in `order`).
    pub selected: usize,
    /// Whether the list has the keyboard.
    pub focused: bool,
    /// A reverse-video bar for the selection instead of a marker.
    pub bar: bool,
    /// Read and starred marks.
    pub marks: &'a dyn Marks,
    /// Width of the source column (the widest source, at most
    /// [`crate::app::SOURCE_CAP`]).
    pub source_width: usize,
    /// Colours.
    pub theme: &'a Theme,
    /// How ambiguous characters are counted.
    pub ambiguous: Ambiguous,
}

impl<'a> ListView<'a> {
    /// The list as the browser shows it.
    pub fn of(app: &'a App, theme: &'a Theme) -> ListView<'a> {
        ListView {
            article: Box::new(move |i| app.article(i)),
            order: &app.order,
            offset: app.list_offset,
            selected: app.selected,
            focused: app.focus == Focus::List,
            bar: app.settings.selection_bar,
            marks: &app.marks,
            source_width: app.source_width,
            theme,
            ambiguous: app.options.ambiguous,
        }
    }
}

impl Widget for ListView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (amb, theme) = (self.ambiguous, self.theme);
        if self.order.is_empty() {
            put_str(
                buf,
                area.x + 1,
                area.y,
                area.width.saturating_sub(1),
                "No articles.",
                theme.dim(),
                amb,
            );
            return;
        }
        let w = usize::from(area.width);
        let focused = self.focused;
        for row in 0..area.height {
            let pos = self.offset + usize::from(row);
            let Some(&index) = self.order.get(pos) else {
                break;
            };
            let Some(article) = (self.article)(index) else {
                continue;
            };
            let y = area.y + row;
            let selected = pos == self.selected;
            // The selection: a reverse-video bar across the row, or (the default)
            // a marker in the first column, which costs a few bytes per move.
            let bar = selected && self.bar;
            let base = if bar {
                theme.selected(focused)
            } else {
                Style::new()
            };
            if bar {
                buf.set_style(Rect::new(area.x, y, area.width, 1), base);
            } else if selected {
                let cursor = if amb == Ambiguous::Wide { ">" } else { "▶" };
                put_str(buf, area.x, y, 1, cursor, theme.cursor(focused), amb);
            }
            let mut x = area.x + 3;
            let mut left = w.saturating_sub(4);
            // A column of `cols` cells: the text fitted to all but the last, which stays blank.
            let mut cell =
                |text: &str, cols: usize, style: Style, x: &mut u16, left: &mut usize| {
                    let cols = cols.min(*left);
                    // The selected row is one uniform bar; other rows colour their columns.
                    let style = if bar { base } else { style };
                    let text = fit(text, cols.saturating_sub(1), amb);
                    put_str(buf, *x, y, cols as u16, &text, style, amb);
                    *x += cols as u16;
                    *left -= cols;
                };
            // Columns by pane width: full date and source, short date and
            // source, short date, or the title alone.
            let date = article
                .published
                .as_ref()
                .map(|p| p.date_string())
                .unwrap_or_default();
            // The short column: the time today, the day this year, the
            // year and month before.
            let short = article
                .published
                .as_ref()
                .map(|p| p.short())
                .unwrap_or_default();
            let source = article.source.as_deref().unwrap_or("");
            if w >= 60 {
                cell(&date, 11, theme.date(), &mut x, &mut left);
                cell(
                    source,
                    self.source_width + 2,
                    theme.source(),
                    &mut x,
                    &mut left,
                );
            } else if w >= 36 {
                cell(&short, 8, theme.date(), &mut x, &mut left);
                // As wide as the sources need, up to a quarter of the
                // pane: the title keeps the rest.
                cell(
                    source,
                    self.source_width.min(w / 4) + 2,
                    theme.source(),
                    &mut x,
                    &mut left,
                );
            } else if w >= 24 {
                cell(&short, 8, theme.date(), &mut x, &mut left);
            }
            let unread = !self.marks.is_read(&article.key());
            let starred = self.marks.is_starred(&article.key());
            // The margin column: ★ starred, ● unread (ASCII when ambiguous
            // characters are wide: the column is one cell).
            let wide = amb == Ambiguous::Wide;
            let marker = match (starred, unread) {
                (true, _) => Some((if wide { "*" } else { "★" }, theme.starred())),
                (false, true) => Some((if wide { "+" } else { "●" }, theme.unread())),
                (false, false) => None,
            };
            if let Some((m, style)) = marker
                && area.width > 2
            {
                put_str(
                    buf,
                    area.x + 1,
                    y,
                    1,
                    m,
                    if bar { base } else { style },
                    amb,
                );
            }
            let title = truncate(&article.title, left, amb);
            let title_style = if unread {
                base.add_modifier(Modifier::BOLD)
            } else {
                base
            };
            put_str(buf, x, y, left as u16, &title, title_style, amb);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kanbao_core::NoMarks;

    fn article(title: &str, source: &str) -> Article {
        let mut a = Article::new(title, vec!["正文。".to_string()]);
        a.source = Some(source.to_string());
        a.id = title.to_string();
        a
    }

    use crate::ui::rows;

    #[test]
    fn rows_show_marker_unread_mark_source_and_title_cut_to_the_pane() {
        let articles = [
            article("广州地铁十号线今日全线开通", "人民网"),
            article("Second", "BBC"),
        ];
        let theme = Theme::default();
        let view = ListView {
            article: Box::new(|i| articles.get(i)),
            order: &[1, 0],
            offset: 0,
            selected: 1,
            focused: true,
            bar: false,
            marks: &NoMarks,
            source_width: 6,
            theme: &theme,
            ambiguous: Ambiguous::Narrow,
        };
        let mut buf = Buffer::empty(Rect::new(0, 0, 30, 3));
        view.render(buf.area, &mut buf);
        let rows = rows(&buf);
        // 24 to 35 cells: the short date column (blank: undated), then the
        // title cut to what is left with an ellipsis.
        assert_eq!(rows[0], " ●         Second");
        assert_eq!(rows[1], "▶●         广州地铁十号线今…");
        assert_eq!(rows[2], "");
        // Unread titles are bold.
        assert!(buf[(11, 0)].modifier.contains(Modifier::BOLD));
    }

    #[test]
    fn the_source_column_is_as_wide_as_the_sources_up_to_a_quarter_of_a_narrow_pane() {
        let articles = [
            article("光伏", "21世纪经济报道"),
            article("Wind", "Reuters China"),
        ];
        let theme = Theme::default();
        let render = |width: u16| {
            let view = ListView {
                article: Box::new(|i| articles.get(i)),
                order: &[0, 1],
                offset: 0,
                selected: 0,
                focused: true,
                bar: false,
                marks: &NoMarks,
                source_width: 14,
                theme: &theme,
                ambiguous: Ambiguous::Narrow,
            };
            let mut buf = Buffer::empty(Rect::new(0, 0, width, 2));
            view.render(buf.area, &mut buf);
            rows(&buf)
        };
        // A whole-screen list: every source whole.
        let wide = render(80);
        assert!(wide[0].contains("21世纪经济报道  光伏"), "{wide:?}");
        assert!(wide[1].contains("Reuters China   Wind"), "{wide:?}");
        // Beside the reader (48 cells): a quarter of it, 12 cells and the
        // gap.
        let beside = render(48);
        assert!(beside[0].contains("21世纪经济报… 光伏"), "{beside:?}");
        assert!(beside[1].contains("Reuters China Wind"), "{beside:?}");
    }

    #[test]
    fn an_empty_list_says_so() {
        let theme = Theme::default();
        let view = ListView {
            article: Box::new(|_| None),
            order: &[],
            offset: 0,
            selected: 0,
            focused: true,
            bar: false,
            marks: &NoMarks,
            source_width: 0,
            theme: &theme,
            ambiguous: Ambiguous::Wide,
        };
        let mut buf = Buffer::empty(Rect::new(0, 0, 20, 2));
        view.render(buf.area, &mut buf);
        assert_eq!(rows(&buf)[0], " No articles.");
    }
}
