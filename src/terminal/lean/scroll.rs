//! Rows that moved up or down together (a list or an article scrolled by a
//! few lines): found by their looks, and moved with DL and IL rather than
//! drawn again.

use ratatui::style::Color;

use super::moves::{Cursor, Step};
use super::paint::{Painter, Row};
use super::screen::Slot;
use crate::terminal::sgr::{self, Pen};

/// Rows `top..=bottom` of the screen, moved `by` rows up (or down): the
/// rows that leave the band are gone, those that come in are blank.
#[derive(Clone, Copy, Debug)]
pub(super) struct Scroll {
    top: usize,
    bottom: usize,
    by: usize,
    up: bool,
}

impl Scroll {
    /// Where row `y` of the band came from (None: blank).
    fn source(&self, y: usize) -> Option<usize> {
        if y < self.top || y > self.bottom {
            return Some(y);
        }
        if self.up {
            (y + self.by <= self.bottom).then_some(y + self.by)
        } else {
            (y >= self.top + self.by).then(|| y - self.by)
        }
    }

    /// The rows to paint once the terminal has scrolled: the band's and the
    /// changed ones, each from what the terminal then shows.
    pub(super) fn apply(&self, screen: &[Vec<Slot>], rows: &[Row]) -> Vec<Row> {
        let width = screen.first().map_or(0, Vec::len);
        let mut out: Vec<Row> = Vec::new();
        let mut changed = rows.iter().peekable();
        for y in 0..screen.len() {
            let want = match changed.peek() {
                Some(row) if usize::from(row.y) == y => changed.next().map(|r| r.want.clone()),
                _ if (self.top..=self.bottom).contains(&y) => Some(screen[y].clone()),
                _ => None,
            };
            let Some(want) = want else { continue };
            let term = match self.source(y) {
                Some(from) => screen[from].clone(),
                None => vec![Slot::blank(); width],
            };
            out.push(Row {
                y: y as u16,
                term,
                want,
            });
        }
        out
    }
}

/// A number for a colour, for hashing.
fn color_code(color: Color) -> u64 {
    match color {
        Color::Reset => 0,
        Color::Black => 1,
        Color::Red => 2,
        Color::Green => 3,
        Color::Yellow => 4,
        Color::Blue => 5,
        Color::Magenta => 6,
        Color::Cyan => 7,
        Color::Gray => 8,
        Color::DarkGray => 9,
        Color::LightRed => 10,
        Color::LightGreen => 11,
        Color::LightYellow => 12,
        Color::LightBlue => 13,
        Color::LightMagenta => 14,
        Color::LightCyan => 15,
        Color::White => 16,
        Color::Indexed(i) => 0x100 | u64::from(i),
        Color::Rgb(r, g, b) => 0x0100_0000 | u64::from(r) << 16 | u64::from(g) << 8 | u64::from(b),
    }
}

/// A row's look, for finding rows that moved (blanks count only what
/// shows): FNV-1a over the cells. None if a cell is unknown.
fn row_hash(row: &[Slot]) -> Option<u64> {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut mix = |v: u64| h = (h ^ v).wrapping_mul(0x0000_0100_0000_01b3);
    for slot in row {
        match slot {
            Slot::Glyph { cell, width } => {
                let pen = Pen::of(cell);
                if cell.symbol() == " " && pen.plain_on_blank() {
                    mix(1 << 40 | color_code(pen.bg));
                } else {
                    for b in cell.symbol().bytes() {
                        mix(u64::from(b));
                    }
                    mix(2 << 40 | u64::from(*width));
                    mix(color_code(pen.fg) << 32 | color_code(pen.bg));
                    mix(u64::from(pen.modifier.bits()));
                }
            }
            Slot::Cont(k) => mix(3 << 40 | u64::from(*k)),
            Slot::Unknown => return None,
        }
    }
    Some(h)
}

/// The band of full rows that moved together by the same number of rows,
/// if at least two changed rows did.
pub(super) fn find_scroll(screen: &[Vec<Slot>], rows: &[Row]) -> Option<Scroll> {
    let height = screen.len();
    if rows.len() < 2 || height < 3 {
        return None;
    }
    let term: Vec<Option<u64>> = screen.iter().map(|r| row_hash(r)).collect();
    let mut want = term.clone();
    let mut changed = vec![false; height];
    for row in rows {
        want[usize::from(row.y)] = row_hash(&row.want);
        changed[usize::from(row.y)] = true;
    }
    let same = |a: Option<u64>, b: Option<u64>| a.is_some() && a == b;
    // (changed rows it explains, by, up)
    let mut best = (1, 0, true);
    for by in 1..height {
        for up in [true, false] {
            let from = |y: usize| if up { y + by } else { y.wrapping_sub(by) };
            let n = (0..height)
                .filter(|&y| changed[y] && from(y) < height && same(want[y], term[from(y)]))
                .count();
            if n > best.0 {
                best = (n, by, up);
            }
        }
    }
    let (n, by, up) = best;
    if n < 2 {
        return None;
    }
    // The longest stretch of rows that all moved, with at least two changed.
    let from = |y: usize| if up { y + by } else { y.wrapping_sub(by) };
    let moved = |y: usize| {
        from(y) < height
            && same(want[y], term[from(y)])
            && rows
                .iter()
                .find(|r| usize::from(r.y) == y)
                .map_or(&screen[y], |r| &r.want)
                .iter()
                .zip(&screen[from(y)])
                .all(|(a, b)| a.looks_like(b))
    };
    let mut stretch: Option<(usize, usize)> = None;
    let mut y = 0;
    while y < height {
        if !moved(y) {
            y += 1;
            continue;
        }
        let start = y;
        while y < height && moved(y) {
            y += 1;
        }
        let count = (start..y).filter(|&r| changed[r]).count();
        if count >= 2 && stretch.is_none_or(|(a, b)| y - start > b - a) {
            stretch = Some((start, y));
        }
    }
    let (a, end) = stretch?;
    let (top, bottom) = if up {
        (a, end - 1 + by)
    } else {
        (a - by, end - 1)
    };
    Some(Scroll {
        top,
        bottom,
        by,
        up,
    })
}

impl Painter {
    /// Scrolls a band of rows with DL and IL (VT102, no scroll region to
    /// leave behind): delete where rows leave the band, insert where blank
    /// ones come in, so the rows below the band stay where they are. The
    /// new rows take the pen's background: the default one.
    pub(super) fn scroll(&mut self, scroll: &Scroll, height: u16) {
        if !self.pen.is_some_and(Pen::erases_plain) {
            sgr::shortest(&mut self.out, self.pen, Pen::DEFAULT);
            self.pen = Some(Pen::DEFAULT);
        }
        let n = scroll.by as u16;
        let (top, bottom) = (scroll.top as u16, scroll.bottom as u16);
        let op = |painter: &mut Painter, y: u16, code: u8| {
            painter.goto(0, y);
            Step::Csi(n, code).emit(&mut painter.out);
            // Where IL and DL leave the cursor's column varies.
            painter.cursor = Cursor::At {
                x: 0,
                y,
                pending: true,
            };
        };
        if scroll.up {
            op(self, top, b'M');
            if bottom + 1 < height {
                op(self, bottom + 1 - n, b'L');
            }
        } else {
            if bottom + 1 < height {
                op(self, bottom + 1 - n, b'M');
            }
            op(self, top, b'L');
        }
    }
}
