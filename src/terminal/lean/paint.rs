//! The painter: writes the changed rows of a frame with the fewest bytes it
//! finds, row by row or run by run, keeping track of the cursor and the pen.

use ratatui::style::Color;

use super::moves::{Cursor, move_len, move_plan};
use super::screen::{Slot, blank_tail, next_dirty, overwrite, unsure, want_width};
use crate::terminal::sgr::{self, Pen, VISIBLE_ON_BLANK};

/// At most this many unchanged columns are rewritten to avoid a cursor move
/// (a move never costs more than a few bytes, a column at least one).
const MAX_FILL: usize = 16;

/// Painting run by run, the runs in rows this close to the cursor's are
/// weighed one by one; of those further away, only the next of each pen.
const NEAR: u16 = 1;

/// The pen to draw `want[c]` with when the terminal's is `current`: a
/// blank keeps a pen it looks the same in, or takes the next glyph's.
fn pen_for(current: Option<Pen>, want: &[Slot], c: usize) -> Pen {
    let Slot::Glyph { cell, width } = &want[c] else {
        return Pen::DEFAULT;
    };
    let own = Pen::of(cell);
    if cell.symbol() != " " {
        return own;
    }
    if let Some(pen) = current
        && pen.blank_like(own)
    {
        return pen;
    }
    if let Some(Slot::Glyph { cell: next, .. }) = want.get(c + usize::from(*width)) {
        let pen = Pen::of(next);
        if pen.blank_like(own) {
            return pen;
        }
    }
    own
}

/// What it costs to rewrite the unchanged glyphs [from, to) of a row with
/// the terminal's pen at `pen`: bytes and the pen after. None when they are
/// not all known and unchanged, or too many.
fn fill_cost(
    mut pen: Option<Pen>,
    from: usize,
    to: usize,
    term: &[Slot],
    want: &[Slot],
) -> Option<(usize, Option<Pen>)> {
    if from >= to || to - from > MAX_FILL {
        return None;
    }
    let mut bytes = 0;
    let mut c = from;
    while c < to {
        let Slot::Glyph { cell, width } = &want[c] else {
            return None;
        };
        let end = c + usize::from(*width);
        if end > to || !(c..end).all(|i| term[i].looks_like(&want[i])) {
            return None;
        }
        let p = pen_for(pen, want, c);
        bytes += sgr::shortest_len(pen, p) + cell.symbol().len();
        pen = Some(p);
        c = end;
    }
    Some((bytes, pen))
}

/// How the cursor gets to a glyph.
#[derive(Clone, Copy)]
enum Way {
    Move,
    /// Rewriting the unchanged glyphs from where the cursor is.
    FillFromCursor(usize),
    /// Rewriting them from the start of the row.
    FillFromStart,
}

/// Writes bytes and tracks the cursor and the pen.
#[derive(Clone)]
pub(super) struct Painter {
    pub(super) out: Vec<u8>,
    pub(super) cursor: Cursor,
    pub(super) pen: Option<Pen>,
    pub(super) width: u16,
}

/// Erasing the end of a row: from which column, with which pen, how many bytes.
struct Erase {
    at: usize,
    pen: Pen,
    cost: usize,
}

impl Painter {
    /// A painter in the same state with nothing written, to count bytes.
    fn trial(&self) -> Painter {
        Painter {
            out: Vec::new(),
            ..self.clone()
        }
    }

    fn adopt(&mut self, trial: Painter) {
        self.out.extend_from_slice(&trial.out);
        self.cursor = trial.cursor;
        self.pen = trial.pen;
    }

    fn move_len(&self, x: u16, y: u16) -> usize {
        match self.cursor {
            Cursor::At {
                x: cx,
                y: cy,
                pending: false,
            } if (cx, cy) == (x, y) => 0,
            cursor => move_len(cursor, x, y),
        }
    }

    /// Moves the cursor to (x, y) with the shortest sequence it knows.
    pub(super) fn goto(&mut self, x: u16, y: u16) {
        if self.move_len(x, y) > 0 {
            move_plan(self.cursor, x, y).emit(&mut self.out);
        }
        self.cursor = Cursor::At {
            x,
            y,
            pending: false,
        };
    }

    /// Draws `want[c]` where the cursor is (column c of row y).
    fn put(&mut self, y: u16, c: usize, want: &[Slot]) {
        let Slot::Glyph { cell, width } = &want[c] else {
            return;
        };
        let pen = pen_for(self.pen, want, c);
        sgr::shortest(&mut self.out, self.pen, pen);
        self.pen = Some(pen);
        self.out.extend_from_slice(cell.symbol().as_bytes());
        let x = c as u16 + width;
        self.cursor = Cursor::At {
            x: x.min(self.width - 1),
            y,
            pending: x >= self.width || unsure(cell),
        };
    }

    /// The cheapest way to bring the cursor to glyph `c` of row `y`, and its
    /// cost, counting the SGR the glyph will need.
    fn reach_plan(&self, y: u16, c: usize, term: &[Slot], want: &[Slot]) -> (Way, usize) {
        let then = |pen: Option<Pen>| sgr::shortest_len(pen, pen_for(pen, want, c));
        let mut best = (Way::Move, self.move_len(c as u16, y) + then(self.pen));
        // Rewriting costs at least a byte a column.
        if let Cursor::At {
            x,
            y: cy,
            pending: false,
        } = self.cursor
            && cy == y
            && usize::from(x) < c
            && c - usize::from(x) < best.1
            && let Some((bytes, pen)) = fill_cost(self.pen, usize::from(x), c, term, want)
            && bytes + then(pen) < best.1
        {
            best = (Way::FillFromCursor(usize::from(x)), bytes + then(pen));
        }
        if c <= MAX_FILL {
            let home = self.move_len(0, y);
            if home + c < best.1
                && let Some((bytes, pen)) = fill_cost(self.pen, 0, c, term, want)
                && home + bytes + then(pen) < best.1
            {
                best = (Way::FillFromStart, home + bytes + then(pen));
            }
        }
        best
    }

    /// Writes glyph `c` of row `y` the cheapest way; updates `term`.
    fn write(&mut self, y: u16, c: usize, term: &mut [Slot], want: &[Slot]) {
        let (way, _) = self.reach_plan(y, c, term, want);
        let from = match way {
            Way::Move => {
                self.goto(c as u16, y);
                c
            }
            Way::FillFromCursor(x) => x,
            Way::FillFromStart => {
                self.goto(0, y);
                0
            }
        };
        let mut x = from;
        while x < c {
            self.put(y, x, want);
            x += want_width(want, x);
        }
        self.put(y, c, want);
        overwrite(term, c, want, self.pen);
    }

    /// Ending row `y` from column `c` with `ESC[K`, from the cursor if it
    /// is already past the row's last non-blank glyph (at `tail` or after).
    fn erase_plan(&self, y: u16, c: usize, tail: usize, term: &[Slot]) -> Option<Erase> {
        let at = match self.cursor {
            Cursor::At {
                x,
                y: cy,
                pending: false,
            } if cy == y && (tail..=c).contains(&usize::from(x)) => usize::from(x),
            _ => c,
        };
        if matches!(term[at], Slot::Cont(_)) {
            return None;
        }
        let pen = match self.pen {
            Some(pen) if pen.erases_plain() => pen,
            Some(pen) => {
                let keep = Pen {
                    bg: Color::Reset,
                    modifier: pen.modifier - VISIBLE_ON_BLANK,
                    ..pen
                };
                if sgr::shortest_len(Some(pen), keep) < sgr::shortest_len(Some(pen), Pen::DEFAULT) {
                    keep
                } else {
                    Pen::DEFAULT
                }
            }
            None => Pen::DEFAULT,
        };
        let cost = self.move_len(at as u16, y) + sgr::shortest_len(self.pen, pen) + 3;
        Some(Erase { at, pen, cost })
    }

    fn erase(&mut self, y: u16, erase: &Erase, term: &mut [Slot]) {
        self.goto(erase.at as u16, y);
        sgr::shortest(&mut self.out, self.pen, erase.pen);
        self.pen = Some(erase.pen);
        self.out.extend_from_slice(b"\x1b[K");
        term[erase.at..].fill(Slot::blank());
    }

    /// Brings row `y` of the terminal from `term` to `want`, left to right.
    fn row(&mut self, y: u16, term: &mut Vec<Slot>, want: &[Slot], may_erase: bool) {
        let tail = blank_tail(want);
        let mut x = 0;
        while let Some(c) = next_dirty(term, want, x) {
            if may_erase
                && c >= tail
                && let Some(erase) = self.erase_plan(y, c, tail, term)
            {
                // Against writing the rest of the row.
                let mut written = self.trial();
                let mut rest = term.clone();
                written.finish(y, c, &mut rest, want);
                if erase.cost <= written.out.len() {
                    self.erase(y, &erase, term);
                } else {
                    self.adopt(written);
                    *term = rest;
                }
                return;
            }
            self.write(y, c, term, want);
            x = c + want_width(want, c);
        }
    }

    /// Writes every glyph of row `y` that differs, from column `from`.
    fn finish(&mut self, y: u16, from: usize, term: &mut [Slot], want: &[Slot]) {
        let mut x = from;
        while let Some(c) = next_dirty(term, want, x) {
            self.write(y, c, term, want);
            x = c + want_width(want, c);
        }
    }

    /// Paints the rows run by run rather than row by row: each step takes
    /// the run of glyphs (one pen, side by side) that is cheapest to reach
    /// from where the last one ended, so glyphs of one colour in many rows
    /// are drawn without changing the SGR state in between.
    fn by_runs(&mut self, rows: &mut [Row], may_erase: bool) {
        let mut runs: Vec<Run> = Vec::new();
        let mut row_runs = vec![0];
        for (i, row) in rows.iter().enumerate() {
            runs_of(i, &row.term, &row.want, may_erase, &mut runs);
            row_runs.push(runs.len());
        }
        // The runs of each pen, in order, and the first not yet drawn.
        let mut pens: Vec<(Option<Pen>, Vec<usize>, usize)> = Vec::new();
        for (k, run) in runs.iter().enumerate() {
            match pens.iter_mut().find(|(pen, ..)| *pen == run.pen) {
                Some((_, list, _)) => list.push(k),
                None => pens.push((run.pen, vec![k], 0)),
            }
        }
        let mut done = vec![false; runs.len()];
        let mut first = 0;
        let mut candidates = Vec::new();
        for _ in 0..runs.len() {
            // Candidates: the runs of rows near the cursor, the next run of
            // each pen, and the next run of all; a jump further costs about
            // the same wherever it lands.
            candidates.clear();
            while done[first] {
                first += 1;
            }
            candidates.push(first);
            for (_, list, next) in &mut pens {
                while *next < list.len() && done[list[*next]] {
                    *next += 1;
                }
                if let Some(&k) = list.get(*next) {
                    candidates.push(k);
                }
            }
            if let Cursor::At { y, .. } = self.cursor {
                let lo = rows.partition_point(|r| r.y + NEAR < y);
                let hi = rows.partition_point(|r| r.y <= y.saturating_add(NEAR));
                candidates.extend((row_runs[lo]..row_runs[hi]).filter(|&k| !done[k]));
            }
            let (mut pick, mut least) = (usize::MAX, usize::MAX);
            for &k in &candidates {
                let run = &runs[k];
                let row = &rows[run.row];
                let cost = match run.erase {
                    Some(tail) => self
                        .erase_plan(row.y, run.start, tail, &row.term)
                        .map_or(usize::MAX - 1, |e| e.cost),
                    None => self.reach_plan(row.y, run.start, &row.term, &row.want).1,
                };
                if (cost, k) < (least, pick) {
                    (pick, least) = (k, cost);
                }
            }
            done[pick] = true;
            let run = &runs[pick];
            let row = &mut rows[run.row];
            let (y, term, want) = (row.y, &mut row.term, &row.want);
            match run.erase {
                Some(tail) => match self.erase_plan(y, run.start, tail, term) {
                    Some(erase) => self.erase(y, &erase, term),
                    None => self.finish(y, run.start, term, want),
                },
                None => {
                    let mut x = run.start;
                    while let Some(c) = next_dirty(term, want, x).filter(|&c| c < run.end) {
                        self.write(y, c, term, want);
                        x = c + want_width(want, c);
                    }
                }
            }
        }
        // Whatever a run's wide glyph disturbed in another.
        for row in rows {
            self.finish(row.y, 0, &mut row.term, &row.want);
        }
    }
}

/// Paints the rows row by row and run by run, and keeps the shorter.
pub(super) fn paint(start: &Painter, rows: &[Row], may_erase: bool) -> Painter {
    let mut by_rows = start.clone();
    for row in &mut rows.to_vec() {
        by_rows.row(row.y, &mut row.term, &row.want, may_erase);
    }
    let mut by_runs = start.clone();
    by_runs.by_runs(&mut rows.to_vec(), may_erase);
    if by_runs.out.len() < by_rows.out.len() {
        by_runs
    } else {
        by_rows
    }
}

/// A row to paint: its number, what the terminal shows, what it must show.
#[derive(Clone)]
pub(super) struct Row {
    pub(super) y: u16,
    pub(super) term: Vec<Slot>,
    pub(super) want: Vec<Slot>,
}

/// Glyphs of one row to draw in one go: side by side in one pen (blanks
/// join any pen they look the same in), or the blank end of the row to
/// erase (`erase`: where the row's blank tail starts).
struct Run {
    row: usize,
    start: usize,
    end: usize,
    erase: Option<usize>,
    /// The pen of its glyphs (none for an erase).
    pen: Option<Pen>,
}

/// Splits what differs in row `i` into runs.
fn runs_of(i: usize, term: &[Slot], want: &[Slot], may_erase: bool, runs: &mut Vec<Run>) {
    let tail = blank_tail(want);
    // The open run and its pen; `flexible` while it holds only blanks.
    let mut open: Option<(Run, Pen, bool)> = None;
    let mut x = 0;
    while let Some(c) = next_dirty(term, want, x) {
        if may_erase && c >= tail && !matches!(term[c], Slot::Cont(_)) {
            // Erase unless a few blanks side by side are cheaper.
            let mut dirty = 0;
            let mut stretches = 0;
            let mut last = None;
            let mut at = c;
            while let Some(d) = next_dirty(term, want, at) {
                dirty += 1;
                if last != Some(d) {
                    stretches += 1;
                }
                at = d + want_width(want, d);
                last = Some(at);
            }
            if dirty > 3 || stretches > 1 {
                if let Some((run, pen, _)) = open.take() {
                    runs.push(Run {
                        pen: Some(pen),
                        ..run
                    });
                }
                runs.push(Run {
                    row: i,
                    start: c,
                    end: want.len(),
                    erase: Some(tail),
                    pen: None,
                });
                return;
            }
        }
        let w = want_width(want, c);
        let (pen, blank) = match &want[c] {
            Slot::Glyph { cell, .. } => (Pen::of(cell), cell.symbol() == " "),
            _ => (Pen::DEFAULT, false),
        };
        let joined = match &mut open {
            Some((run, run_pen, flexible)) if run.end == c => {
                if blank && run_pen.blank_like(pen) {
                    true
                } else if *flexible && pen.blank_like(*run_pen) {
                    (*run_pen, *flexible) = (pen, blank);
                    true
                } else {
                    !*flexible && !blank && pen == *run_pen
                }
            }
            _ => false,
        };
        if joined {
            if let Some((run, ..)) = &mut open {
                run.end = c + w;
            }
        } else {
            if let Some((run, pen, _)) = open.take() {
                runs.push(Run {
                    pen: Some(pen),
                    ..run
                });
            }
            let run = Run {
                row: i,
                start: c,
                end: c + w,
                erase: None,
                pen: None,
            };
            open = Some((run, pen, blank));
        }
        x = c + w;
    }
    if let Some((run, pen, _)) = open {
        runs.push(Run {
            pen: Some(pen),
            ..run
        });
    }
}
