//! What the terminal shows, as far as the backend knows: a picture of its
//! columns, and what drawing a glyph does to it.

use ratatui::buffer::{Cell, CellWidth};

use crate::terminal::sgr::Pen;

/// One column of the screen.
#[derive(Clone, Debug)]
pub(super) enum Slot {
    /// A glyph starting in this column, `width` columns wide.
    Glyph { cell: Cell, width: u16 },
    /// Column `k` (from 1) of the wide glyph starting `k` columns to the left.
    Cont(u16),
    /// Not known (after an erase whose position was unknown).
    Unknown,
}

impl Slot {
    pub(super) fn blank() -> Slot {
        Slot::Glyph {
            cell: Cell::EMPTY,
            width: 1,
        }
    }

    fn is_default_blank(&self) -> bool {
        matches!(self, Slot::Glyph { cell, width: 1 }
            if cell.symbol() == " " && Pen::of(cell).blank_like(Pen::DEFAULT))
    }

    /// Whether the terminal shows the same for both.
    pub(super) fn looks_like(&self, other: &Slot) -> bool {
        match (self, other) {
            (Slot::Glyph { cell: a, width: wa }, Slot::Glyph { cell: b, width: wb }) => {
                wa == wb
                    && a.symbol() == b.symbol()
                    && if a.symbol() == " " {
                        Pen::of(a).blank_like(Pen::of(b))
                    } else {
                        Pen::of(a) == Pen::of(b)
                    }
            }
            (Slot::Cont(a), Slot::Cont(b)) => a == b,
            // Neither side knows: trust ratatui, which saw no change.
            (Slot::Unknown, Slot::Unknown) => true,
            _ => false,
        }
    }
}

/// Whether terminals disagree on the glyph's width: clusters of several
/// characters (emoji sequences, combining marks) and emoji, wide only since
/// Unicode 9 in many (ambiguous characters are not counted: kanbao is told
/// how the terminal draws them). After one, the cursor is placed again
/// rather than moved relatively, so a disagreement stays on its row.
pub(super) fn unsure(cell: &Cell) -> bool {
    use unicode_width::UnicodeWidthChar;
    let mut chars = cell.symbol().chars();
    let (Some(c), None) = (chars.next(), chars.next()) else {
        return true;
    };
    let c = u32::from(c);
    c >= 0x1F000
        || ((0x2300..0x2C00).contains(&c) && char::from_u32(c).and_then(|c| c.width()) == Some(2))
}

/// What the terminal shows, as far as known.
#[derive(Debug, Default)]
pub(super) struct Screen {
    pub(super) width: u16,
    pub(super) rows: Vec<Vec<Slot>>,
    /// Whether `width` is the terminal's (else only what was drawn so far):
    /// erasing to the end of a row needs it.
    pub(super) width_known: bool,
}

impl Screen {
    pub(super) fn blank(width: u16, height: u16) -> Screen {
        Screen {
            width,
            rows: vec![vec![Slot::blank(); usize::from(width)]; usize::from(height)],
            width_known: true,
        }
    }
}

/// Puts a cell ratatui drew at `x` into a row.
pub(super) fn place(row: &mut [Slot], placed: &mut [bool], x: usize, cell: &Cell) {
    if x >= row.len() {
        return;
    }
    // The cells a wide glyph drawn in this frame hides are not drawn.
    if let Slot::Cont(k) = row[x]
        && let Some(s) = x.checked_sub(usize::from(k))
        && placed[s]
        && matches!(row[s], Slot::Glyph { width, .. } if width > k)
    {
        return;
    }
    let width = usize::from(cell.cell_width());
    let (cell, width) = if width == 0 || x + width > row.len() {
        // Nothing a terminal could show in that place: a blank in its colours.
        let mut blank = cell.clone();
        blank.set_symbol(" ");
        blank.set_diff_option(ratatui::buffer::CellDiffOption::None);
        (blank, 1)
    } else {
        (cell.clone(), width)
    };
    row[x] = Slot::Glyph {
        cell,
        width: width as u16,
    };
    placed[x] = true;
    for i in 1..width {
        row[x + i] = Slot::Cont(i as u16);
    }
}

/// Mends a row after placing cells: a wide glyph partly covered becomes a
/// blank, and so do the columns it no longer covers.
pub(super) fn normalize(row: &mut [Slot]) {
    for s in 0..row.len() {
        if let Slot::Glyph { width, .. } = row[s] {
            let w = usize::from(width);
            let whole = s + w <= row.len()
                && (1..w).all(|i| matches!(row[s + i], Slot::Cont(k) if usize::from(k) == i));
            if !whole {
                row[s] = Slot::blank();
            }
        }
    }
    for s in 0..row.len() {
        if let Slot::Cont(k) = row[s] {
            let k = usize::from(k);
            let covered =
                s >= k && matches!(row[s - k], Slot::Glyph { width, .. } if usize::from(width) > k);
            if !covered {
                row[s] = Slot::blank();
            }
        }
    }
}

/// The first column at or after `from` whose glyph the terminal does not show yet.
pub(super) fn next_dirty(term: &[Slot], want: &[Slot], from: usize) -> Option<usize> {
    let mut c = from;
    while c < want.len() {
        match &want[c] {
            Slot::Glyph { width, .. } => {
                let end = (c + usize::from(*width)).min(want.len());
                if (c..end).any(|i| !term[i].looks_like(&want[i])) {
                    return Some(c);
                }
                c = end;
            }
            // Nothing to draw for a column nobody knows.
            Slot::Cont(_) | Slot::Unknown => c += 1,
        }
    }
    None
}

/// Where the row's blank end starts: every glyph from there on is a blank
/// in the default colours.
pub(super) fn blank_tail(want: &[Slot]) -> usize {
    want.iter()
        .rposition(|s| !s.is_default_blank())
        .map_or(0, |i| i + 1)
}

pub(super) fn want_width(want: &[Slot], c: usize) -> usize {
    match &want[c] {
        Slot::Glyph { width, .. } => usize::from(*width),
        _ => 1,
    }
}

/// What writing glyph `want[c]` does to the terminal's row: it replaces
/// the glyphs it overlaps, and the parts of wide ones it leaves become
/// blanks (plain ones only if neither the old glyph nor `pen` shows on a blank).
pub(super) fn overwrite(term: &mut [Slot], c: usize, want: &[Slot], pen: Option<Pen>) {
    let w = want_width(want, c);
    let end = (c + w).min(term.len());
    let start_of = |term: &[Slot], i: usize| match term[i] {
        Slot::Cont(k) => i.saturating_sub(usize::from(k)),
        _ => i,
    };
    let left = start_of(term, c);
    let right = {
        let s = start_of(term, end - 1);
        match &term[s] {
            Slot::Glyph { width, .. } => (s + usize::from(*width)).min(term.len()),
            _ => end,
        }
    };
    let plain = |slot: &Slot| match slot {
        Slot::Glyph { cell, .. } => {
            Pen::of(cell).erases_plain() && pen.is_some_and(Pen::erases_plain)
        }
        _ => false,
    };
    if left < c {
        let rest = if plain(&term[left]) {
            Slot::blank()
        } else {
            Slot::Unknown
        };
        for slot in &mut term[left..c] {
            *slot = rest.clone();
        }
    }
    if right > end {
        let s = start_of(term, end - 1);
        let rest = if plain(&term[s]) {
            Slot::blank()
        } else {
            Slot::Unknown
        };
        for slot in &mut term[end..right] {
            *slot = rest.clone();
        }
    }
    term[c..end].clone_from_slice(&want[c..end]);
}
