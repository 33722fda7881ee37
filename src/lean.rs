//! The terminal backend: ratatui's buffer diff written with as few bytes as
//! a slow link deserves.

use std::io::{self, Write};

use crossterm::{cursor, execute, terminal};
use ratatui::style::{Color, Modifier};

/// The crossterm backend, minus what a slow link pays for and nothing
/// shows. ratatui's own `draw` moves the cursor after every wide character
/// (it expects the next cell at x + 1), resets all colours after every frame,
/// spells the 16 colours as 256-colour indices and hides the cursor each
/// time; this one follows the cursor by each cell's real width, moves it
/// with the shortest sequence, writes one SGR per style change, keeps the
/// style across frames and hides the cursor once.
pub struct Lean<W: Write> {
    out: W,
    cursor_hidden: bool,
    /// Where the terminal's cursor is, when known.
    at: Option<(u16, u16)>,
    /// The SGR state the terminal is in, when known.
    style: Option<(Color, Color, Modifier)>,
}

impl<W: Write> Lean<W> {
    /// Wraps a writer; the cursor is taken as hidden (kanbao hides it on entry).
    pub fn new(writer: W) -> Lean<W> {
        Lean {
            out: writer,
            cursor_hidden: true,
            at: None,
            style: None,
        }
    }
}

/// The SGR parameters of a colour, shortest form first.
fn sgr_color(out: &mut Vec<u8>, color: Color, foreground: bool) {
    use std::io::Write as _;
    let base = if foreground { 30 } else { 40 };
    let _ = match color {
        Color::Reset => write!(out, ";{}", base + 9),
        Color::Black => write!(out, ";{base}"),
        Color::Red => write!(out, ";{}", base + 1),
        Color::Green => write!(out, ";{}", base + 2),
        Color::Yellow => write!(out, ";{}", base + 3),
        Color::Blue => write!(out, ";{}", base + 4),
        Color::Magenta => write!(out, ";{}", base + 5),
        Color::Cyan => write!(out, ";{}", base + 6),
        Color::Gray => write!(out, ";{}", base + 7),
        Color::DarkGray => write!(out, ";{}", base + 60),
        Color::LightRed => write!(out, ";{}", base + 61),
        Color::LightGreen => write!(out, ";{}", base + 62),
        Color::LightYellow => write!(out, ";{}", base + 63),
        Color::LightBlue => write!(out, ";{}", base + 64),
        Color::LightMagenta => write!(out, ";{}", base + 65),
        Color::LightCyan => write!(out, ";{}", base + 66),
        Color::White => write!(out, ";{}", base + 67),
        Color::Indexed(i) => write!(out, ";{};5;{i}", base + 8),
        Color::Rgb(r, g, b) => write!(out, ";{};2;{r};{g};{b}", base + 8),
    };
}

/// One SGR sequence setting exactly this style (from a reset).
fn sgr(out: &mut Vec<u8>, fg: Color, bg: Color, modifier: Modifier) {
    out.extend_from_slice(b"\x1b[0");
    for (m, code) in [
        (Modifier::BOLD, &b";1"[..]),
        (Modifier::DIM, b";2"),
        (Modifier::ITALIC, b";3"),
        (Modifier::UNDERLINED, b";4"),
        (Modifier::REVERSED, b";7"),
        (Modifier::CROSSED_OUT, b";9"),
    ] {
        if modifier.contains(m) {
            out.extend_from_slice(code);
        }
    }
    if fg != Color::Reset {
        sgr_color(out, fg, true);
    }
    if bg != Color::Reset {
        sgr_color(out, bg, false);
    }
    out.push(b'm');
}

impl<W: Write> ratatui::backend::Backend for Lean<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a ratatui::buffer::Cell)>,
    {
        use ratatui::buffer::CellWidth;
        use std::io::Write as _;
        let mut out: Vec<u8> = Vec::with_capacity(4096);
        for (x, y, cell) in content {
            match self.at {
                Some((cx, cy)) if cy == y && cx == x => {}
                // Forward on the same row: CUF is shorter than CUP.
                Some((cx, cy)) if cy == y && x > cx => {
                    let _ = write!(out, "\x1b[{}C", x - cx);
                }
                _ => {
                    let _ = write!(out, "\x1b[{};{}H", y + 1, x + 1);
                }
            }
            let style = (cell.fg, cell.bg, cell.modifier);
            if self.style != Some(style) {
                sgr(&mut out, cell.fg, cell.bg, cell.modifier);
                self.style = Some(style);
            }
            out.extend_from_slice(cell.symbol().as_bytes());
            self.at = Some((x + cell.cell_width().max(1), y));
        }
        self.out.write_all(&out)
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
        let (x, y) = cursor::position()?;
        Ok(ratatui::layout::Position { x, y })
    }
    fn set_cursor_position<P: Into<ratatui::layout::Position>>(
        &mut self,
        position: P,
    ) -> io::Result<()> {
        let p = position.into();
        self.at = Some((p.x, p.y));
        execute!(self.out, cursor::MoveTo(p.x, p.y))
    }
    fn clear(&mut self) -> io::Result<()> {
        self.clear_region(ratatui::backend::ClearType::All)
    }
    fn clear_region(&mut self, clear_type: ratatui::backend::ClearType) -> io::Result<()> {
        use ratatui::backend::ClearType as R;
        use terminal::ClearType as C;
        // Erase with the default background, not whatever the last cell had.
        self.out.write_all(b"\x1b[0m")?;
        self.style = None;
        let kind = match clear_type {
            R::All => C::All,
            R::AfterCursor => C::FromCursorDown,
            R::BeforeCursor => C::FromCursorUp,
            R::CurrentLine => C::CurrentLine,
            R::UntilNewLine => C::UntilNewLine,
        };
        execute!(self.out, terminal::Clear(kind))
    }
    fn size(&self) -> io::Result<ratatui::layout::Size> {
        let (width, height) = terminal::size()?;
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
    use ratatui::style::Style;

    fn drawn(prev: &Buffer, next: &Buffer) -> Vec<u8> {
        let mut lean = Lean::new(Vec::new());
        lean.draw(prev.diff(next).into_iter()).unwrap();
        lean.out.clone()
    }

    #[test]
    fn wide_characters_do_not_cost_a_cursor_move_each() {
        let prev = Buffer::empty(Rect::new(0, 0, 20, 1));
        let mut next = prev.clone();
        crate::ui::put_str(
            &mut next,
            0,
            0,
            20,
            "嘉兴制造业",
            Style::new(),
            crate::width::Ambiguous::Narrow,
        );
        let out = drawn(&prev, &next);
        assert_eq!(out, "\x1b[1;1H\x1b[0m嘉兴制造业".as_bytes());
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
        let out = String::from_utf8(drawn(&prev, &next)).unwrap();
        assert_eq!(out, "\x1b[2;3H\x1b[0;1;33;44mab");
    }

    #[test]
    fn a_gap_on_the_same_row_is_a_forward_move() {
        let prev = Buffer::empty(Rect::new(0, 0, 10, 1));
        let mut next = prev.clone();
        next.set_string(0, 0, "a", Style::new());
        next.set_string(5, 0, "b", Style::new());
        let out = String::from_utf8(drawn(&prev, &next)).unwrap();
        assert_eq!(out, "\x1b[1;1H\x1b[0ma\x1b[4Cb");
    }
}
