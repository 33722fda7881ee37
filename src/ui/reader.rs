//! The reader pane: the typeset lines of one article from a scroll
//! position, search matches highlighted.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::Widget;

use kanbao_core::Ambiguous;
use kanbao_core::{Line, LineKind, matches_in_line};

use super::Theme;
use super::cells::put_str;
use crate::app::App;

/// What the reader pane shows.
pub struct ReaderView<'a> {
    /// The article's lines, typeset for the pane's width (as far as the
    /// screen needs them).
    pub lines: &'a [Line],
    /// The first line shown.
    pub scroll: usize,
    /// Search terms to highlight.
    pub terms: &'a [String],
    /// Colours.
    pub theme: &'a Theme,
    /// How ambiguous characters are counted.
    pub ambiguous: Ambiguous,
    /// What an empty pane says (nothing opened yet beside the list).
    pub hint: Option<&'static str>,
}

impl<'a> ReaderView<'a> {
    /// The reader as the browser shows it: what [`App::prepare_frame`]
    /// typeset (drawing reads no file and typesets nothing).
    pub fn of(app: &'a App, theme: &'a Theme) -> ReaderView<'a> {
        ReaderView {
            lines: if app.order.is_empty() {
                &[]
            } else {
                app.reader_view().lines()
            },
            scroll: app.scroll,
            terms: app.filter.as_ref().map_or(&[], |q| q.highlight_terms()),
            theme,
            ambiguous: app.options.ambiguous,
            hint: (!app.order.is_empty() && app.reader_article().is_none())
                .then_some("Enter opens the selected article"),
        }
    }
}

impl Widget for ReaderView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (amb, theme, lines) = (self.ambiguous, self.theme, self.lines);
        if let Some(hint) = self.hint.filter(|_| lines.is_empty()) {
            put_str(buf, area.x, area.y, area.width, hint, theme.dim(), amb);
            return;
        }
        let visible = lines
            .iter()
            .enumerate()
            .skip(self.scroll)
            .take(usize::from(area.height));
        for (row, (index, line)) in visible.enumerate() {
            let style = match line.kind {
                LineKind::Title => theme.title(),
                LineKind::Meta => theme.meta(),
                LineKind::Link => theme.link(),
                LineKind::NotALink => theme.dim(),
                LineKind::Blank | LineKind::Body => Style::new(),
            };
            let y = area.y + row as u16;
            if self.terms.is_empty() {
                put_str(buf, area.x, y, area.width, &line.text, style, amb);
                continue;
            }
            // Search matches stand out; the rest of the line keeps its style.
            let mut x = area.x;
            let mut at = 0;
            for range in matches_in_line(lines, index, self.terms) {
                let left = area.right().saturating_sub(x);
                x += put_str(buf, x, y, left, &line.text[at..range.start], style, amb);
                let left = area.right().saturating_sub(x);
                x += put_str(
                    buf,
                    x,
                    y,
                    left,
                    &line.text[range.clone()],
                    style.patch(theme.highlight()),
                    amb,
                );
                at = range.end;
            }
            let left = area.right().saturating_sub(x);
            put_str(buf, x, y, left, &line.text[at..], style, amb);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kanbao_core::Article;
    use kanbao_core::{TypesetOptions, typeset};

    #[test]
    fn without_preview_the_pane_beside_the_list_says_what_enter_does_until_it_is_pressed() {
        let mut settings = crate::app::Settings::new(TypesetOptions::default());
        settings.preview = false;
        let sample = kanbao_core::Library::sample();
        let mut app = App::with(sample, TypesetOptions::default(), settings, 120, 30);
        let theme = Theme::default();
        let area = app.layout().reader;
        let mut buf = Buffer::empty(area);
        ReaderView::of(&app, &theme).render(area, &mut buf);
        let text = crate::terminal::snapshot::to_text(&buf);
        assert_eq!(text.trim(), "Enter opens the selected article");
        // No article shown: the status line has no place in one to give.
        let total = app.order().len();
        let status = crate::ui::StatusLine::of(&app, &theme);
        assert_eq!(status.text.trim(), format!("1/{total}"));
        app.apply(crate::app::Action::Open);
        app.apply(crate::app::Action::Back);
        app.prepare_frame();
        let mut buf = Buffer::empty(area);
        ReaderView::of(&app, &theme).render(area, &mut buf);
        let text = crate::terminal::snapshot::to_text(&buf);
        assert!(!text.contains("Enter opens"), "{text}");
        assert!(text.trim().len() > 100, "the article opened: {text}");
    }

    #[test]
    fn lines_from_the_scroll_position_with_matches_highlighted() {
        let article = Article::new("看报", vec!["光伏产业发展迅速。光伏。".to_string()]);
        let lines = typeset(&article, 12, &TypesetOptions::default());
        let theme = Theme::default();
        let terms = ["光伏".to_string()];
        let view = ReaderView {
            lines: &lines,
            scroll: 1,
            terms: &terms,
            theme: &theme,
            ambiguous: Ambiguous::Narrow,
            hint: Some("not shown: there are lines"),
        };
        let mut buf = Buffer::empty(Rect::new(0, 0, 12, 3));
        view.render(buf.area, &mut buf);
        // The title line is scrolled away.
        let text = crate::terminal::snapshot::to_text(&buf);
        let shown: Vec<&str> = text.lines().collect();
        let first_body = lines.iter().position(|l| l.kind == LineKind::Body).unwrap();
        assert_eq!(
            shown[first_body - 1].trim_end(),
            lines[first_body].text.trim_end()
        );
        let y = (first_body - 1) as u16;
        let x = (0..12).find(|&x| buf[(x, y)].symbol() == "光").unwrap();
        assert_eq!(buf[(x, y)].bg, theme.highlight().bg.unwrap());
    }
}
