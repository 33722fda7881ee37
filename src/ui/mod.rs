//! Drawing the browser into a ratatui buffer.
//!
//! All text is placed by [`put_str`], which measures clusters with
//! [`crate::width`], so the screen agrees with the typesetter to the cell —
//! also when ambiguous characters are wide, where it tells ratatui's diff the
//! real width of each cell.

use std::num::NonZeroU16;

use ratatui::Frame;
use ratatui::buffer::{Buffer, CellDiffOption, CellWidth};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use unicode_segmentation::UnicodeSegmentation;

use crate::app::{App, Focus};
use kanbao_core::LineKind;
use kanbao_core::{Ambiguous, cluster_width, fit, str_width, truncate};

/// Colours, or none (`--color never`, `NO_COLOR`, `theme = "mono"`): then
/// only bold, dim, underline and reverse video carry meaning. The default
/// palette uses the 16 ANSI colours, so it follows the terminal's own
/// scheme; `[colors]` in the config may use 256-colour indices or `#rrggbb`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Theme {
    /// Whether to use colours.
    pub color: bool,
    /// Colours chosen in the config file, over the defaults.
    pub palette: crate::config::Colors,
}

impl Default for Theme {
    fn default() -> Theme {
        Theme {
            color: true,
            palette: crate::config::Colors::default(),
        }
    }
}

impl Theme {
    /// A theme with colours or without.
    pub fn colored(color: bool) -> Theme {
        Theme {
            color,
            ..Theme::default()
        }
    }

    fn fg(&self, style: Style, chosen: Option<Color>, default: Color) -> Style {
        if self.color {
            style.fg(chosen.unwrap_or(default))
        } else {
            style
        }
    }
    fn title(&self) -> Style {
        self.fg(
            Style::new().add_modifier(Modifier::BOLD),
            self.palette.title,
            Color::Yellow,
        )
    }
    fn meta(&self) -> Style {
        self.fg(
            Style::new().add_modifier(Modifier::DIM),
            self.palette.meta,
            Color::Cyan,
        )
    }
    fn dim(&self) -> Style {
        Style::new().add_modifier(Modifier::DIM)
    }
    fn date(&self) -> Style {
        self.fg(Style::new(), self.palette.date, Color::Cyan)
    }
    /// The source column: in the date's colour unless chosen, so that the
    /// marker, date and source of a row are one run of one colour (each
    /// change of colour in a row costs bytes on every screenful).
    fn source(&self) -> Style {
        self.fg(
            Style::new(),
            self.palette.source.or(self.palette.date),
            Color::Cyan,
        )
    }
    fn link(&self) -> Style {
        self.fg(
            Style::new().add_modifier(Modifier::UNDERLINED),
            self.palette.link,
            Color::Blue,
        )
    }
    /// The unread marker: in the date's colour unless chosen (see `source`).
    fn unread(&self) -> Style {
        self.fg(
            Style::new(),
            self.palette.unread.or(self.palette.date),
            Color::Cyan,
        )
    }
    fn starred(&self) -> Style {
        self.fg(
            Style::new().add_modifier(Modifier::BOLD),
            self.palette.starred,
            Color::Yellow,
        )
    }
    fn highlight(&self) -> Style {
        if self.color {
            Style::new()
                .fg(self.palette.highlight_fg.unwrap_or(Color::Black))
                .bg(self.palette.highlight_bg.unwrap_or(Color::Yellow))
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::UNDERLINED)
        }
    }
    fn status(&self) -> Style {
        if self.color {
            Style::new()
                .fg(self.palette.status_fg.unwrap_or(Color::White))
                .bg(self.palette.status_bg.unwrap_or(Color::Blue))
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }
    fn cursor(&self, focused: bool) -> Style {
        match (focused, self.color) {
            (true, true) => Style::new()
                .fg(self.palette.selected_bg.unwrap_or(Color::Yellow))
                .add_modifier(Modifier::BOLD),
            (true, false) => Style::new().add_modifier(Modifier::BOLD),
            (false, _) => Style::new().add_modifier(Modifier::DIM),
        }
    }
    fn selected(&self, focused: bool) -> Style {
        let (fg, bg) = (self.palette.selected_fg, self.palette.selected_bg);
        match (focused, self.color && (fg.is_some() || bg.is_some())) {
            (true, true) => Style::new()
                .fg(fg.unwrap_or(Color::Reset))
                .bg(bg.unwrap_or(Color::Reset)),
            (true, false) => Style::new().add_modifier(Modifier::REVERSED),
            (false, _) => Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
        }
    }
}

/// Draws the whole browser.
pub fn draw(frame: &mut Frame<'_>, app: &mut App, theme: &Theme) {
    let area = frame.area();
    if app.size != (area.width, area.height) {
        app.apply(crate::app::Action::Resize(area.width, area.height));
    }
    render(frame.buffer_mut(), app, theme);
}

/// Draws the browser into a buffer of `app.size`.
pub fn render(buf: &mut Buffer, app: &mut App, theme: &Theme) {
    let area = buf.area;
    if area.width == 0 || area.height == 0 {
        return;
    }
    let layout = app.layout();
    let amb = app.options.ambiguous;
    if layout.two_pane {
        draw_list(buf, app, layout.list, theme);
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
        draw_reader(buf, app, layout.reader, theme);
    } else if app.focus == Focus::Reader {
        draw_reader(buf, app, layout.reader, theme);
    } else {
        draw_list(buf, app, layout.list, theme);
    }
    draw_status(buf, app, layout.status, theme);
    // Overlays sit above the status line, which stays visible.
    let above = Rect::new(
        area.x,
        area.y,
        area.width,
        area.height.saturating_sub(1).max(1),
    );
    if app.links_prompt.is_some() {
        draw_links(buf, app, above, theme);
    }
    if app.problems_open {
        draw_problems(buf, app, above, theme);
    }
    if app.help {
        draw_help(buf, app, above, theme);
    }
}

fn draw_list(buf: &mut Buffer, app: &App, area: Rect, theme: &Theme) {
    let amb = app.options.ambiguous;
    if app.order.is_empty() {
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
    let focused = app.focus == Focus::List;
    for row in 0..area.height {
        let pos = app.list_offset + usize::from(row);
        let Some(&index) = app.order.get(pos) else {
            break;
        };
        let article = &app.library.articles[index];
        let y = area.y + row;
        let selected = pos == app.selected;
        // The selection: a reverse-video bar across the row, or (the default)
        // a marker in the first column, which costs a few bytes per move.
        let bar = selected && app.selection_bar;
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
        let mut cell = |text: &str, cols: usize, style: Style, x: &mut u16, left: &mut usize| {
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
        let month_day = date.get(5..).unwrap_or("");
        let source = article.source.as_deref().unwrap_or("");
        if w >= 60 {
            cell(&date, 11, theme.date(), &mut x, &mut left);
            cell(
                source,
                app.source_width + 2,
                theme.source(),
                &mut x,
                &mut left,
            );
        } else if w >= 36 {
            cell(month_day, 6, theme.date(), &mut x, &mut left);
            cell(
                source,
                app.source_width.min(8) + 2,
                theme.source(),
                &mut x,
                &mut left,
            );
        } else if w >= 24 {
            cell(month_day, 6, theme.date(), &mut x, &mut left);
        }
        let unread = !app.state.is_read(&article.id);
        let starred = app.state.is_starred(&article.id);
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

fn draw_reader(buf: &mut Buffer, app: &mut App, area: Rect, theme: &Theme) {
    let amb = app.options.ambiguous;
    if app.order.is_empty() {
        return;
    }
    let doc = app.reader_doc();
    doc.borrow_mut()
        .ensure(app.scroll + usize::from(area.height) + 1);
    let doc = doc.borrow();
    let lines = doc.lines();
    let terms: Vec<String> = app
        .filter
        .as_ref()
        .map(|q| q.highlight_terms().to_vec())
        .unwrap_or_default();
    let visible = lines
        .iter()
        .enumerate()
        .skip(app.scroll)
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
        if terms.is_empty() {
            put_str(buf, area.x, y, area.width, &line.text, style, amb);
            continue;
        }
        // Search matches stand out; the rest of the line keeps its style.
        let mut x = area.x;
        let mut at = 0;
        for range in kanbao_core::matches_in_line(lines, index, &terms) {
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

fn draw_status(buf: &mut Buffer, app: &mut App, area: Rect, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let amb = app.options.ambiguous;
    let total = app.order.len();
    let mut left = if total == 0 {
        " 0/0".to_string()
    } else {
        format!(" {}/{}", app.selected + 1, total)
    };
    if let Some(text) = &app.prompt {
        // The search prompt takes the status line; the cursor is a block.
        left = format!("/{text}█");
        if let Some(notice) = &app.notice {
            left.push_str("  ");
            left.push_str(notice);
        }
        let bar = theme.status();
        buf.set_style(area, bar);
        let left = truncate(&left, usize::from(area.width), amb);
        put_str(buf, area.x, area.y, area.width, &left, bar, amb);
        return;
    }
    if !app.filter_text.is_empty() {
        left.push_str(&format!("  /{}", app.filter_text));
    }
    if app.reader_visible() && total > 0 {
        left.push_str("  ");
        left.push_str(&app.scroll_indicator());
    }
    if let Some(notice) = &app.notice {
        left.push_str("  ");
        left.push_str(notice);
    }
    let narrow_reader = !app.layout().two_pane && app.focus == Focus::Reader;
    let hint = if narrow_reader {
        "Esc back  ? help "
    } else {
        "? help  q quit "
    };
    let width = usize::from(area.width);
    let bar = theme.status();
    buf.set_style(area, bar);
    let left = truncate(&left, width, amb);
    let used = put_str(buf, area.x, area.y, area.width, &left, bar, amb);
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

/// The help overlay's rows: (keys, description); the last is the note on
/// ambiguous characters, after an empty row.
pub fn help_rows(app: &App) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = app
        .keymap
        .help()
        .iter()
        .map(|(k, d)| (k.clone(), (*d).to_string()))
        .collect();
    rows.push((String::new(), String::new()));
    rows.push((String::new(), app.ambiguous_note.clone()));
    rows
}

/// The help overlay's box for a screen: where it goes and how many rows it shows.
pub fn help_box(rows: usize, keys_w: usize, desc_w: usize, area: Rect) -> Rect {
    let w = ((keys_w + 2 + desc_w) as u16 + 4).min(area.width);
    let h = (rows as u16 + 2).min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

fn draw_help(buf: &mut Buffer, app: &App, area: Rect, theme: &Theme) {
    let amb = app.options.ambiguous;
    let rows = help_rows(app);
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
    let rect = help_box(rows.len(), keys_w, desc_w, area);
    let (w, h) = (rect.width, rect.height);
    if w < 3 || h < 3 {
        return;
    }
    draw_box(buf, rect, " keys ", theme, amb);
    let inner = w.saturating_sub(4);
    let visible = usize::from(h - 2);
    let scroll = app.help_scroll.min(rows.len().saturating_sub(visible));
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
            put_str(
                buf,
                rect.right() - 2 - mw,
                rect.bottom() - 1,
                mw,
                more,
                theme.title(),
                amb,
            );
        }
    }
}

/// Draws a bordered box (ASCII when ambiguous characters are wide) with a title.
fn draw_box(buf: &mut Buffer, rect: Rect, title: &str, theme: &Theme, amb: Ambiguous) {
    clear(buf, rect);
    let (tl, tr, bl, br, hz, vt) = if amb == Ambiguous::Wide {
        ("+", "+", "+", "+", "-", "|")
    } else {
        ("┌", "┐", "└", "┘", "─", "│")
    };
    let border = theme.dim();
    for x in rect.left()..rect.right() {
        put_str(buf, x, rect.top(), 1, hz, border, amb);
        put_str(buf, x, rect.bottom() - 1, 1, hz, border, amb);
    }
    for y in rect.top()..rect.bottom() {
        put_str(buf, rect.left(), y, 1, vt, border, amb);
        put_str(buf, rect.right() - 1, y, 1, vt, border, amb);
    }
    put_str(buf, rect.left(), rect.top(), 1, tl, border, amb);
    put_str(buf, rect.right() - 1, rect.top(), 1, tr, border, amb);
    put_str(buf, rect.left(), rect.bottom() - 1, 1, bl, border, amb);
    put_str(buf, rect.right() - 1, rect.bottom() - 1, 1, br, border, amb);
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

/// The links overlay (`L`): the article's links, numbered as in its text.
fn draw_links(buf: &mut Buffer, app: &App, area: Rect, theme: &Theme) {
    let amb = app.options.ambiguous;
    let links = app.current_links();
    let typed = app.links_prompt.clone().unwrap_or_default();
    let footer = format!(" open: {typed}█  Esc closes ");
    let widest = links
        .iter()
        .enumerate()
        .map(|(i, l)| str_width(&format!("[{}] {l}", i + 1), amb))
        .max()
        .unwrap_or(0);
    let w = ((widest.max(str_width(&footer, amb)) + 4) as u16).min(area.width);
    let h = (links.len() as u16 + 2).min(area.height);
    if w < 6 || h < 3 {
        return;
    }
    let rect = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    draw_box(buf, rect, " links ", theme, amb);
    for (i, link) in links.iter().take(usize::from(h - 2)).enumerate() {
        let row = format!("[{}] {link}", i + 1);
        let text = truncate(&row, usize::from(w - 4), amb);
        put_str(
            buf,
            rect.x + 2,
            rect.y + 1 + i as u16,
            w - 4,
            &text,
            theme.link(),
            amb,
        );
    }
    let fw = str_width(&footer, amb) as u16;
    if fw + 4 <= w {
        put_str(
            buf,
            rect.right() - 2 - fw,
            rect.bottom() - 1,
            fw,
            &footer,
            theme.title(),
            amb,
        );
    }
}

/// The problems overlay (`!`): every problem met loading the library.
fn draw_problems(buf: &mut Buffer, app: &App, area: Rect, theme: &Theme) {
    let amb = app.options.ambiguous;
    let problems: Vec<String> = app.library.problems.iter().map(|p| p.to_string()).collect();
    let widest = problems
        .iter()
        .map(|p| str_width(p, amb))
        .max()
        .unwrap_or(0);
    let w = ((widest + 4) as u16).clamp(20.min(area.width), area.width);
    let h = (problems.len() as u16 + 2).min(area.height);
    if w < 6 || h < 3 {
        return;
    }
    let rect = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    draw_box(buf, rect, " problems ", theme, amb);
    let visible = usize::from(h - 2);
    let scroll = app.help_scroll.min(problems.len().saturating_sub(visible));
    for (i, p) in problems.iter().skip(scroll).take(visible).enumerate() {
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

/// Blanks a rectangle, also the left half of a wide character cut by its left edge.
fn clear(buf: &mut Buffer, rect: Rect) {
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
/// returns the cells used. Zero-width clusters are skipped; a cluster that
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
    fn wide_ambiguous_cells_carry_their_width() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 6, 1));
        let used = put_str(&mut buf, 0, 0, 6, "“a”", Style::new(), Ambiguous::Wide);
        assert_eq!(used, 5);
        assert_eq!(buf[(0, 0)].cell_width(), 2);
        assert_eq!(buf[(2, 0)].symbol(), "a");
    }
}
