//! The status line: position, search, reading position, notice, and a
//! hint at the right; or the search prompt while it is open.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use kanbao_core::{Ambiguous, str_width, truncate};

use super::Theme;
use super::cells::put_str;
use crate::app::{Action, App, Focus, Mode};

/// What the status line shows.
pub struct StatusLine<'a> {
    /// The text from the left edge (cut to the width).
    pub text: String,
    /// The hint at the right edge, shown if it fits after the text.
    pub hint: Option<String>,
    /// Colours.
    pub theme: &'a Theme,
    /// How ambiguous characters are counted.
    pub ambiguous: Ambiguous,
}

impl<'a> StatusLine<'a> {
    /// The status line as the browser shows it.
    pub fn of(app: &'a App, theme: &'a Theme) -> StatusLine<'a> {
        let ambiguous = app.options.ambiguous;
        if let Mode::Search(typed) = &app.mode {
            // The search prompt takes the status line; the cursor is a block.
            let mut text = format!("/{typed}█");
            if let Some(notice) = &app.notice {
                text.push_str("  ");
                text.push_str(notice);
            }
            return StatusLine {
                text,
                hint: None,
                theme,
                ambiguous,
            };
        }
        if let Some(sources) = app.sources() {
            let mut text = format!(" {}/{}  sources", sources.selected + 1, sources.rows.len());
            if let Some(notice) = &app.notice {
                text.push_str("  ");
                text.push_str(notice);
            }
            let keys = &app.settings.keymap;
            let hint: Vec<String> = [
                keys.key_of(Action::Open).map(|k| format!("{k} open")),
                keys.key_of(Action::Help).map(|k| format!("{k} help")),
                keys.key_of(Action::Quit).map(|k| format!("{k} quit")),
            ]
            .into_iter()
            .flatten()
            .collect();
            return StatusLine {
                text,
                hint: (!hint.is_empty()).then(|| hint.join("  ") + " "),
                theme,
                ambiguous,
            };
        }
        let total = app.order.len();
        // A first screenful of a library still loading: counted whole
        // (unfiltered, so the count is the library's).
        let counted = match app.loading_total {
            Some(all) if app.filter_text.is_empty() => all,
            _ => total,
        };
        let mut text = if total == 0 {
            " 0/0".to_string()
        } else {
            format!(" {}/{}", app.selected + 1, counted)
        };
        // The source listed, by name; else the search in force.
        if let Some(source) = app.listed_source() {
            text.push_str("  ");
            text.push_str(source);
        } else if !app.filter_text.is_empty() {
            text.push_str(&format!("  /{}", app.filter_text));
        }
        // Where the reader is in its article (none shown yet: nothing).
        if app.reader_visible() && total > 0 && app.reader_article().is_some() {
            text.push_str("  ");
            text.push_str(&app.scroll_indicator());
        }
        if let Some(notice) = &app.notice {
            text.push_str("  ");
            text.push_str(notice);
        }
        // Made from the keys in force: in the reader, how to go back (the
        // quit key leaves it for the list); in the list, how to quit.
        let keys = &app.settings.keymap;
        let help = keys.key_of(Action::Help).map(|k| format!("{k} help"));
        let hint = match app.focus {
            Focus::Reader => {
                let back = keys
                    .key_of(Action::Quit)
                    .or_else(|| keys.key_of(Action::Back))
                    .map(|k| format!("{k} back"));
                [back, help]
            }
            Focus::List => {
                let sources = keys.key_of(Action::Quit).map(|k| format!("{k} sources"));
                [help, sources]
            }
        };
        let hint: Vec<String> = hint.into_iter().flatten().collect();
        StatusLine {
            text,
            hint: (!hint.is_empty()).then(|| hint.join("  ") + " "),
            theme,
            ambiguous,
        }
    }
}

impl Widget for StatusLine<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.height == 0 {
            return;
        }
        let amb = self.ambiguous;
        let width = usize::from(area.width);
        let bar = self.theme.status();
        buf.set_style(area, bar);
        let text = truncate(&self.text, width, amb);
        let used = put_str(buf, area.x, area.y, area.width, &text, bar, amb);
        let Some(hint) = self.hint.as_deref() else {
            return;
        };
        let hint_w = str_width(hint, amb);
        if usize::from(used) + 1 + hint_w <= width {
            put_str(
                buf,
                area.x + (width - hint_w) as u16,
                area.y,
                hint_w as u16,
                hint,
                bar,
                amb,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str, width: u16) -> String {
        let theme = Theme::default();
        let view = StatusLine {
            text: text.to_string(),
            hint: Some("? help  q quit ".into()),
            theme: &theme,
            ambiguous: Ambiguous::Narrow,
        };
        let mut buf = Buffer::empty(Rect::new(0, 0, width, 1));
        view.render(buf.area, &mut buf);
        crate::terminal::snapshot::to_text(&buf)
            .trim_end()
            .to_string()
    }

    #[test]
    fn the_hint_sits_at_the_right_only_when_it_fits() {
        assert_eq!(line(" 3/14  Top", 30), " 3/14  Top     ? help  q quit");
        // Too long for both: the text wins, cut, and the hint is left out.
        assert_eq!(
            line(" 3/14  已标记为已读的文章", 24),
            " 3/14  已标记为已读的文…"
        );
    }
}
