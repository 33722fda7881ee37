//! The terminal backend: ratatui's buffer diff written with as few bytes as
//! a slow link deserves.
//!
//! ratatui hands a backend only the cells that changed. [`Lean`] keeps its
//! own picture of what the terminal shows, so it can choose the cheapest
//! bytes that turn that picture into the new one:
//!
//! - rows that moved up or down together (a list or an article scrolled by
//!   a few lines) are moved with DL and IL rather than drawn again;
//! - a row whose end becomes blank is ended with one `ESC[K`;
//! - the changed glyphs are drawn row by row, or run by run (the glyphs of
//!   one colour in many rows without an SGR change in between), whichever
//!   is shorter for the frame;
//! - the cursor gets to a glyph by the shortest move (CR, LF, relative or
//!   absolute), or by rewriting the few unchanged glyphs before
//!   it when that is shorter;
//! - an SGR sequence changes only what differs, and a blank keeps whatever
//!   pen the terminal has when the difference would not show on it.
//!
//! What is on screen is exactly what ratatui drew (tests/lean_screen.rs
//! replays kanbao sessions and random frames into a terminal emulator).
//!
//! Here is the backend itself, what ratatui calls; beside it `screen.rs`
//! (the picture of the terminal, and what drawing a glyph does to it),
//! `moves.rs` (cursor moves and their lengths), `paint.rs` (the painter
//! that turns changed rows into bytes, row by row or run by run) and
//! `scroll.rs` (rows that moved, and moving them). The SGR sequences come
//! from [`crate::terminal::sgr`].

mod moves;
mod paint;
mod screen;
mod scroll;

use std::cell::Cell as Shared;
use std::io::{self, Write};

use crossterm::{cursor, execute, terminal};
use ratatui::buffer::{Cell, CellWidth};

use crate::terminal::sgr::Pen;
use moves::{Cursor, Step};
use paint::{Painter, Row, paint};
use screen::{Screen, Slot, normalize, place};
use scroll::find_scroll;

/// The crossterm backend, minus what a slow link pays for and nothing
/// shows. ratatui's own backend moves the cursor after every wide character
/// and across every unchanged cell, writes every cell of a row that becomes
/// blank, resets all colours after every frame, spells the 16 colours as
/// 256-colour indices and hides the cursor each time; this one keeps a
/// picture of the screen and writes each frame with the fewest bytes it
/// finds (see the module documentation), keeps the style across frames and
/// hides the cursor once.
///
/// It expects the terminal in raw mode (a line feed only moves down),
/// showing a blank screen when it is created (kanbao enters the alternate
/// screen or clears it first), and nothing else writing to it between
/// frames.
pub struct Lean<W: Write> {
    out: W,
    cursor_hidden: bool,
    cursor: Cursor,
    /// The SGR state the terminal is in, when known.
    pen: Option<Pen>,
    screen: Screen,
    /// The terminal's size as last asked for (or fixed, for tests).
    size: Shared<Option<(u16, u16)>>,
    fixed_size: bool,
}

impl<W: Write> Lean<W> {
    /// Wraps a writer; the cursor is taken as hidden (kanbao hides it on
    /// entry) and the screen as blank.
    pub fn new(writer: W) -> Lean<W> {
        Lean {
            out: writer,
            cursor_hidden: true,
            cursor: Cursor::Unknown,
            pen: None,
            screen: Screen::default(),
            size: Shared::new(None),
            fixed_size: false,
        }
    }

    /// A backend for a terminal of a fixed size that is never asked, for
    /// tests: the bytes go to `writer`.
    pub fn with_size(writer: W, width: u16, height: u16) -> Lean<W> {
        let mut lean = Lean::new(writer);
        lean.size.set(Some((width, height)));
        lean.fixed_size = true;
        lean
    }

    /// A new size for a backend made by [`Lean::with_size`], as if the
    /// terminal had been resized: ratatui notices on its next draw.
    pub fn set_size(&mut self, width: u16, height: u16) {
        self.size.set(Some((width, height)));
    }

    /// The writer.
    pub fn writer(&self) -> &W {
        &self.out
    }

    /// The writer, to take what was written.
    pub fn writer_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// Makes the picture the size of the terminal (blank if that changed),
    /// or, when the size was never asked, large enough for `updates`.
    fn fit_screen(&mut self, updates: &[(u16, u16, Cell)]) {
        if let Some((w, h)) = self.size.get() {
            let screen = &self.screen;
            if !screen.width_known || screen.width != w || screen.rows.len() != usize::from(h) {
                self.screen = Screen::blank(w, h);
                // A terminal may move its cursor when resized.
                self.cursor = Cursor::Unknown;
            }
            return;
        }
        let need_w = updates
            .iter()
            .map(|(x, _, c)| x.saturating_add(c.cell_width().max(1)))
            .max()
            .unwrap_or(0);
        let need_h = updates.iter().map(|(_, y, _)| y + 1).max().unwrap_or(0);
        let screen = &mut self.screen;
        screen.width_known = false;
        if need_w > screen.width {
            screen.width = need_w;
            for row in &mut screen.rows {
                row.resize(usize::from(need_w), Slot::blank());
            }
        }
        if usize::from(need_h) > screen.rows.len() {
            let width = usize::from(screen.width);
            screen
                .rows
                .resize(usize::from(need_h), vec![Slot::blank(); width]);
        }
    }
}

impl<W: Write> ratatui::backend::Backend for Lean<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let mut updates: Vec<(u16, u16, Cell)> =
            content.map(|(x, y, cell)| (x, y, cell.clone())).collect();
        if updates.is_empty() {
            return Ok(());
        }
        updates.sort_by_key(|&(x, y, _)| (y, x));
        self.fit_screen(&updates);
        let painter = Painter {
            out: Vec::with_capacity(4096),
            cursor: self.cursor,
            pen: self.pen,
            width: self.screen.width,
        };
        let may_erase = self.screen.width_known;
        let mut rows: Vec<Row> = Vec::new();
        let mut i = 0;
        while i < updates.len() {
            let y = updates[i].1;
            let Some(row) = self.screen.rows.get(usize::from(y)) else {
                break;
            };
            let mut want = row.clone();
            let mut placed = vec![false; want.len()];
            while let Some((x, _, cell)) = updates.get(i).filter(|u| u.1 == y) {
                place(&mut want, &mut placed, usize::from(*x), cell);
                i += 1;
            }
            normalize(&mut want);
            rows.push(Row {
                y,
                term: row.clone(),
                want,
            });
        }
        let mut best = paint(&painter, &rows, may_erase);
        // Rows that moved up or down together: scrolled rather than redrawn,
        // when that is shorter.
        if may_erase && let Some(scroll) = find_scroll(&self.screen.rows, &rows) {
            let mut p = painter.clone();
            p.scroll(&scroll, self.screen.rows.len() as u16);
            let moved = scroll.apply(&self.screen.rows, &rows);
            let p = paint(&p, &moved, may_erase);
            if p.out.len() < best.out.len() {
                best = p;
            }
        }
        let painter = best;
        for row in rows {
            self.screen.rows[usize::from(row.y)] = row.want;
        }
        self.cursor = painter.cursor;
        self.pen = painter.pen;
        self.out.write_all(&painter.out)
    }
    fn hide_cursor(&mut self) -> io::Result<()> {
        if self.cursor_hidden {
            return Ok(());
        }
        self.cursor_hidden = true;
        execute!(self.out, cursor::Hide)
    }
    fn show_cursor(&mut self) -> io::Result<()> {
        self.cursor_hidden = false;
        execute!(self.out, cursor::Show)
    }
    fn get_cursor_position(&mut self) -> io::Result<ratatui::layout::Position> {
        // A backend of a fixed size never asks the terminal.
        if self.fixed_size {
            let (x, y) = match self.cursor {
                Cursor::At { x, y, .. } => (x, y),
                Cursor::Unknown => (0, 0),
            };
            return Ok(ratatui::layout::Position { x, y });
        }
        let (x, y) = cursor::position()?;
        Ok(ratatui::layout::Position { x, y })
    }
    fn set_cursor_position<P: Into<ratatui::layout::Position>>(
        &mut self,
        position: P,
    ) -> io::Result<()> {
        let p = position.into();
        let mut v = Vec::new();
        Step::Cup(p.x, p.y).emit(&mut v);
        self.out.write_all(&v)?;
        self.cursor = Cursor::At {
            x: p.x,
            y: p.y,
            pending: false,
        };
        Ok(())
    }
    fn clear(&mut self) -> io::Result<()> {
        self.clear_region(ratatui::backend::ClearType::All)
    }
    fn clear_region(&mut self, clear_type: ratatui::backend::ClearType) -> io::Result<()> {
        use ratatui::backend::ClearType as R;
        // Erase with the default background, not whatever the last cell had.
        let seq: &[u8] = match clear_type {
            R::All => b"\x1b[2J",
            R::AfterCursor => b"\x1b[J",
            R::BeforeCursor => b"\x1b[1J",
            R::CurrentLine => b"\x1b[2K",
            R::UntilNewLine => b"\x1b[K",
        };
        self.out.write_all(b"\x1b[m")?;
        self.out.write_all(seq)?;
        self.pen = Some(Pen::DEFAULT);
        let screen = &mut self.screen;
        if clear_type == R::All {
            // A clear often follows a resize, which may have moved the cursor.
            self.cursor = Cursor::Unknown;
        }
        let width = usize::from(screen.width);
        let height = screen.rows.len();
        let at = match self.cursor {
            Cursor::At {
                x,
                y,
                pending: false,
            } => Some((usize::from(x), usize::from(y))),
            _ => None,
        };
        // (rows, columns of the cursor's row) now blank.
        let (rows, cols) = match (clear_type, at) {
            (R::All, _) => {
                if let Some((w, h)) = self.size.get() {
                    *screen = Screen::blank(w, h);
                } else {
                    *screen = Screen::blank(screen.width, height as u16);
                    screen.width_known = false;
                }
                return Ok(());
            }
            (R::AfterCursor, Some((x, y))) => (y + 1..height, x..width),
            (R::BeforeCursor, Some((x, y))) => (0..y, 0..x + 1),
            (R::CurrentLine, Some((_, _))) => (0..0, 0..width),
            (R::UntilNewLine, Some((x, _))) => (0..0, x..width),
            (_, None) => {
                for row in &mut screen.rows {
                    row.fill(Slot::Unknown);
                }
                return Ok(());
            }
        };
        let (_, y) = at.expect("known here");
        for row in &mut screen.rows[rows] {
            row.fill(Slot::blank());
        }
        if let Some(row) = screen.rows.get_mut(y) {
            let cols = cols.start.min(width)..cols.end.min(width);
            // A wide glyph cut by the erase: whatever is left of it is unknown.
            let (lo, hi) = (cols.start, cols.end);
            if let Some(Slot::Cont(k)) = row.get(lo) {
                let s = lo - usize::from(*k);
                row[s..lo].fill(Slot::Unknown);
            }
            if let Some(Slot::Cont(_)) = row.get(hi) {
                let mut e = hi;
                while matches!(row.get(e), Some(Slot::Cont(_))) {
                    row[e] = Slot::Unknown;
                    e += 1;
                }
            }
            row[cols].fill(Slot::blank());
        }
        Ok(())
    }
    fn size(&self) -> io::Result<ratatui::layout::Size> {
        let (width, height) = match self.size.get() {
            Some(size) if self.fixed_size => size,
            _ => {
                let size = terminal::size()?;
                self.size.set(Some(size));
                size
            }
        };
        Ok(ratatui::layout::Size { width, height })
    }
    fn window_size(&mut self) -> io::Result<ratatui::backend::WindowSize> {
        let w = terminal::window_size()?;
        Ok(ratatui::backend::WindowSize {
            columns_rows: ratatui::layout::Size {
                width: w.columns,
                height: w.rows,
            },
            pixels: ratatui::layout::Size {
                width: w.width,
                height: w.height,
            },
        })
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::backend::Backend;
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::style::{Color, Modifier, Style};

    /// The bytes for going from `prev` to `next` on a terminal showing `prev`.
    fn drawn(lean: &mut Lean<Vec<u8>>, prev: &Buffer, next: &Buffer) -> String {
        lean.out.clear();
        lean.draw(prev.diff(next).into_iter()).unwrap();
        String::from_utf8(lean.out.clone()).unwrap()
    }

    fn put(buf: &mut Buffer, x: u16, y: u16, text: &str, style: Style) {
        let w = buf.area.width;
        crate::ui::put_str(
            buf,
            x,
            y,
            w - x,
            text,
            style,
            kanbao_core::Ambiguous::Narrow,
        );
    }

    #[test]
    fn wide_characters_do_not_cost_a_cursor_move_each() {
        let prev = Buffer::empty(Rect::new(0, 0, 20, 1));
        let mut next = prev.clone();
        put(&mut next, 0, 0, "嘉兴制造业", Style::new());
        let out = drawn(&mut Lean::new(Vec::new()), &prev, &next);
        assert_eq!(out, "\x1b[H\x1b[m嘉兴制造业");
    }

    #[test]
    fn styles_are_one_sequence_and_kept_across_cells() {
        let prev = Buffer::empty(Rect::new(0, 0, 10, 2));
        let mut next = prev.clone();
        let s = Style::new()
            .fg(Color::Yellow)
            .bg(Color::Blue)
            .add_modifier(Modifier::BOLD);
        next.set_string(2, 1, "ab", s);
        let out = drawn(&mut Lean::new(Vec::new()), &prev, &next);
        assert_eq!(out, "\x1b[2;3H\x1b[0;1;33;44mab");
    }

    #[test]
    fn a_gap_on_the_same_row_is_a_forward_move_or_rewritten() {
        let prev = Buffer::empty(Rect::new(0, 0, 10, 1));
        let mut next = prev.clone();
        next.set_string(0, 0, "a", Style::new());
        next.set_string(5, 0, "b", Style::new());
        let out = drawn(&mut Lean::new(Vec::new()), &prev, &next);
        assert_eq!(out, "\x1b[H\x1b[ma\x1b[4Cb");
        // Two unchanged blanks cost less than a move.
        let mut next = prev.clone();
        next.set_string(0, 0, "a", Style::new());
        next.set_string(3, 0, "b", Style::new());
        let out = drawn(&mut Lean::new(Vec::new()), &prev, &next);
        assert_eq!(out, "\x1b[H\x1b[ma  b");
    }

    #[test]
    fn a_row_that_becomes_blank_is_erased_not_written_with_spaces() {
        let mut lean = Lean::with_size(Vec::new(), 40, 3);
        let blank = Buffer::empty(Rect::new(0, 0, 40, 3));
        let mut text = blank.clone();
        put(&mut text, 4, 1, "数据显示，宁波地区生产总值", Style::new());
        drawn(&mut lean, &blank, &text);
        let mut short = blank.clone();
        put(&mut short, 4, 1, "数据", Style::new());
        let out = drawn(&mut lean, &text, &short);
        assert_eq!(out, "\x1b[9G\x1b[K");
        let out = drawn(&mut lean, &short, &blank);
        assert_eq!(out, "\x1b[4D\x1b[K");
    }

    #[test]
    fn erasing_needs_the_default_background() {
        let mut lean = Lean::with_size(Vec::new(), 12, 2);
        let blank = Buffer::empty(Rect::new(0, 0, 12, 2));
        let mut bar = blank.clone();
        bar.set_style(Rect::new(0, 0, 12, 1), Style::new().bg(Color::Blue));
        put(
            &mut bar,
            0,
            0,
            "1/5000",
            Style::new().fg(Color::White).bg(Color::Blue),
        );
        put(&mut bar, 0, 1, "text text", Style::new().bg(Color::Blue));
        drawn(&mut lean, &blank, &bar);
        let mut next = bar.clone();
        next.set_style(Rect::new(0, 1, 12, 1), Style::reset());
        for x in 0..12 {
            next[(x, 1)].set_symbol(" ");
        }
        let out = drawn(&mut lean, &bar, &next);
        assert!(
            out.ends_with("\x1b[m\x1b[K") && !out.contains(' '),
            "{out:?}"
        );
    }

    #[test]
    fn a_blank_keeps_the_pen_when_it_shows_the_same() {
        let prev = Buffer::empty(Rect::new(0, 0, 10, 1));
        let mut next = prev.clone();
        put(
            &mut next,
            0,
            0,
            "●",
            Style::new().add_modifier(Modifier::BOLD),
        );
        put(&mut next, 2, 0, "06", Style::new().fg(Color::Cyan));
        let out = drawn(&mut Lean::new(Vec::new()), &prev, &next);
        assert_eq!(out, "\x1b[H\x1b[0;1m● \x1b[0;36m06");
        // Not where the blank would show the pen: under reverse video.
        let mut lean = Lean::new(Vec::new());
        let mut abc = prev.clone();
        put(&mut abc, 0, 0, "abc", Style::new());
        drawn(&mut lean, &prev, &abc);
        let mut next = prev.clone();
        put(
            &mut next,
            0,
            0,
            "▶",
            Style::new().add_modifier(Modifier::REVERSED),
        );
        put(
            &mut next,
            2,
            0,
            "x",
            Style::new().add_modifier(Modifier::REVERSED),
        );
        let out = drawn(&mut lean, &abc, &next);
        // The blank first, in the pen the terminal has: then no SGR between.
        assert_eq!(out, "\r\x1b[C \x1b[7mx\r▶");
    }

    #[test]
    fn after_an_emoji_sequence_the_cursor_is_placed_again() {
        let prev = Buffer::empty(Rect::new(0, 0, 20, 2));
        let mut next = prev.clone();
        put(&mut next, 0, 0, "👍🏽", Style::new());
        put(&mut next, 2, 0, "ok", Style::new());
        put(&mut next, 2, 1, "ok", Style::new());
        let out = drawn(&mut Lean::new(Vec::new()), &prev, &next);
        assert_eq!(out, "\x1b[H\x1b[m👍🏽\x1b[3Gok\r\n  ok");
    }

    /// Random frames (styled text, wide and emoji glyphs, rows that scroll,
    /// shorten or go blank) drawn one after another: the bytes are pinned
    /// (their count and an FNV-1a hash), so a change to how the backend
    /// writes, such as moving code around, cannot go unnoticed.
    #[test]
    fn the_bytes_of_random_frames_are_pinned() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let colors = [
            Color::Reset,
            Color::Red,
            Color::Cyan,
            Color::Gray,
            Color::DarkGray,
            Color::LightBlue,
            Color::White,
            Color::Indexed(7),
            Color::Indexed(208),
            Color::Rgb(0, 128, 255),
        ];
        let modifiers = [
            Modifier::empty(),
            Modifier::empty(),
            Modifier::BOLD,
            Modifier::DIM,
            Modifier::BOLD | Modifier::DIM,
            Modifier::ITALIC | Modifier::UNDERLINED,
            Modifier::REVERSED,
            Modifier::SLOW_BLINK | Modifier::HIDDEN,
            Modifier::RAPID_BLINK | Modifier::CROSSED_OUT,
        ];
        let words = [
            "宁波",
            "text",
            "“引号”",
            "👍🏽",
            "—",
            "a",
            " ",
            "数据显示",
            "é",
            "x y",
        ];
        let (w, h) = (37, 11);
        let mut lean = Lean::with_size(Vec::new(), w, h);
        let mut prev = Buffer::empty(Rect::new(0, 0, w, h));
        let mut total = 0;
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for _ in 0..300 {
            let mut frame = prev.clone();
            match next(4) {
                // Scroll a band by a few rows.
                0 => {
                    let (top, bottom) = (next(3) as u16, h - 1 - next(3) as u16);
                    let by = 1 + next(3) as u16;
                    for y in top..=bottom {
                        for x in 0..w {
                            frame[(x, y)] = match y.checked_add(by).filter(|&s| s <= bottom) {
                                Some(s) => prev[(x, s)].clone(),
                                None => Cell::EMPTY,
                            };
                        }
                    }
                }
                // Blank the end of a few rows.
                1 => {
                    for _ in 0..1 + next(3) {
                        let (y, from) = (next(u64::from(h)) as u16, next(u64::from(w)) as u16);
                        for x in from..w {
                            frame[(x, y)] = Cell::EMPTY;
                        }
                    }
                }
                _ => {}
            }
            for _ in 0..next(6) {
                let style = Style::new()
                    .fg(colors[next(10) as usize])
                    .bg(colors[next(10) as usize / 3])
                    .add_modifier(modifiers[next(9) as usize]);
                let (x, y) = (next(u64::from(w)) as u16, next(u64::from(h)) as u16);
                let text: String = (0..1 + next(4)).map(|_| words[next(10) as usize]).collect();
                put(&mut frame, x, y, &text, style);
            }
            let out = drawn(&mut lean, &prev, &frame);
            total += out.len();
            for b in out.bytes() {
                hash = (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
            }
            prev = frame;
        }
        assert_eq!((total, hash), (36655, 0x09c5_1d27_62d1_78e2));
    }
}
