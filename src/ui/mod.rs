//! Drawing the browser into a ratatui buffer: a widget per pane ([`ListView`],
//! [`ReaderView`], [`StatusLine`]) and per overlay, each over a small view
//! of the state. Drawing only reads: the event loop calls
//! [`App::prepare_frame`] first, so no widget loads or typesets an article,
//! and nothing here changes the [`App`].

mod cells;
mod list;
mod overlay;
mod reader;
mod sources;
mod status;
mod theme;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::style::Style;
use ratatui::widgets::Widget;

use kanbao_core::Ambiguous;

use crate::app::{App, Focus, Mode, overlay_area};
pub use cells::put_str;
pub use list::ListView;
pub use overlay::{HelpOverlay, LinksOverlay, ProblemsOverlay, help_rows};
pub use reader::ReaderView;
pub use sources::SourcesView;
pub use status::StatusLine;
pub use theme::Theme;

/// Draws the whole browser into a frame (of `app.size()`: the event loop
/// resizes the app first).
pub fn draw(frame: &mut Frame<'_>, app: &App, theme: &Theme) {
    render(frame.buffer_mut(), app, theme);
}

/// Draws the browser into a buffer of `app.size()`.
pub fn render(buf: &mut Buffer, app: &App, theme: &Theme) {
    let area = buf.area;
    if area.width == 0 || area.height == 0 {
        return;
    }
    let layout = app.layout();
    let amb = app.options.ambiguous;
    if let Some(sources) = app.sources() {
        // A screen of its own, above the status line.
        let above = ratatui::layout::Rect::new(0, 0, area.width, layout.status.y);
        SourcesView {
            sources,
            theme,
            ambiguous: amb,
        }
        .render(above, buf);
    } else if layout.two_pane {
        ListView::of(app, theme).render(layout.list, buf);
        let sep = layout.separator;
        let (bar, across) = match (amb == Ambiguous::Wide, sep.height == 1 && sep.width > 1) {
            (false, false) => ("│", false),
            (true, false) => ("|", false),
            (false, true) => ("─", true),
            (true, true) => ("-", true),
        };
        // In the pen of the article's text beside it: a row's separator and
        // text are then one run, not two (a few bytes on every row).
        if across {
            for x in sep.left()..sep.right() {
                put_str(buf, x, sep.y, 1, bar, Style::new(), amb);
            }
        } else {
            for y in sep.top()..sep.bottom() {
                put_str(buf, sep.x, y, 1, bar, Style::new(), amb);
            }
        }
        ReaderView::of(app, theme).render(layout.reader, buf);
    } else if app.focus == Focus::Reader {
        ReaderView::of(app, theme).render(layout.reader, buf);
    } else {
        ListView::of(app, theme).render(layout.list, buf);
    }
    StatusLine::of(app, theme).render(layout.status, buf);
    // Overlays sit above the status line, which stays visible.
    let above = overlay_area(area.width, area.height);
    match &app.mode {
        Mode::Links(typed) => {
            let links = app.current_links();
            LinksOverlay {
                links: &links,
                typed,
                theme,
                ambiguous: amb,
            }
            .render(above, buf);
        }
        Mode::Problems(scroll) => ProblemsOverlay {
            problems: app.problem_lines(),
            scroll: *scroll,
            theme,
            ambiguous: amb,
        }
        .render(above, buf),
        Mode::Help(scroll) => HelpOverlay::of(app, *scroll, theme).render(above, buf),
        Mode::Browse | Mode::Search(_) => {}
    }
}

/// The rows a terminal would show for `buf`, without trailing blanks (for
/// the widgets' tests).
#[cfg(test)]
pub(crate) fn rows(buf: &Buffer) -> Vec<String> {
    crate::terminal::snapshot::to_text(buf)
        .lines()
        .map(str::to_string)
        .collect()
}
