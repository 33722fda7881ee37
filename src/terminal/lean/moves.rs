//! Cursor moves: the shortest bytes from where the cursor is to a cell,
//! and their lengths counted without writing them.

use crate::terminal::sgr::digits;

/// Where the terminal's cursor is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Cursor {
    Unknown,
    /// `pending`: the column is not sure: a glyph was just written into the
    /// last column (and the next would wrap), or one that a terminal may
    /// measure otherwise. Only absolute moves and CR are safe from there.
    At {
        x: u16,
        y: u16,
        pending: bool,
    },
}

/// One piece of a cursor move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Step {
    /// To (x, y), absolutely (CUP), short for the first column and the home.
    Cup(u16, u16),
    Cr,
    /// Line feeds: down, in the same column (raw mode: no output processing
    /// turns them into CR LF), never from the last row (nothing scrolls).
    Lf(u16),
    /// `ESC[` n final (`A` up, `B` down, `C` right, `D` left, `G` column),
    /// n left out when it is 1.
    Csi(u16, u8),
}

impl Step {
    pub(super) fn len(self) -> usize {
        match self {
            Step::Cup(0, 0) => 3,
            Step::Cup(0, y) => 3 + digits(y + 1),
            Step::Cup(x, y) => 4 + digits(y + 1) + digits(x + 1),
            Step::Cr => 1,
            Step::Lf(n) => usize::from(n),
            Step::Csi(1, _) => 3,
            Step::Csi(n, _) => 3 + digits(n),
        }
    }

    pub(super) fn emit(self, out: &mut Vec<u8>) {
        use std::io::Write as _;
        let _ = match self {
            Step::Cup(0, 0) => write!(out, "\x1b[H"),
            Step::Cup(0, y) => write!(out, "\x1b[{}H", y + 1),
            Step::Cup(x, y) => write!(out, "\x1b[{};{}H", y + 1, x + 1),
            Step::Cr => write!(out, "\r"),
            Step::Lf(n) => write!(out, "{}", "\n".repeat(usize::from(n))),
            Step::Csi(1, f) => write!(out, "\x1b[{}", f as char),
            Step::Csi(n, f) => write!(out, "\x1b[{n}{}", f as char),
        };
    }
}

/// A cursor move: up to three steps, and their length.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Plan {
    steps: [Option<Step>; 3],
    len: usize,
}

impl Plan {
    pub(super) fn of(steps: &[Step]) -> Plan {
        let mut plan = Plan::default();
        for (slot, step) in plan.steps.iter_mut().zip(steps) {
            *slot = Some(*step);
            plan.len += step.len();
        }
        plan
    }

    pub(super) fn then(mut self, more: Plan) -> Plan {
        let used = self.steps.iter().take_while(|s| s.is_some()).count();
        debug_assert!(used + more.steps.iter().flatten().count() <= self.steps.len());
        for (slot, step) in self.steps[used..]
            .iter_mut()
            .zip(more.steps.into_iter().flatten())
        {
            *slot = Some(step);
        }
        self.len += more.len;
        self
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    pub(super) fn emit(&self, out: &mut Vec<u8>) {
        for step in self.steps.iter().flatten() {
            step.emit(out);
        }
    }
}

/// The shortest of the plans.
pub(super) fn shortest(plans: impl IntoIterator<Item = Plan>) -> Plan {
    plans.into_iter().min_by_key(Plan::len).unwrap_or_default()
}

/// The shortest move along a row from column `from` (not pending) to `to`.
fn along(from: u16, to: u16) -> Plan {
    use std::cmp::Ordering;
    let column = Plan::of(&[Step::Csi(to + 1, b'G')]);
    match to.cmp(&from) {
        Ordering::Equal => Plan::default(),
        Ordering::Greater => shortest([Plan::of(&[Step::Csi(to - from, b'C')]), column]),
        Ordering::Less => {
            // No backspaces: the only control characters kanbao writes are
            // CR and LF (tests/e2e_pty.rs checks that none comes from an article).
            let back = Plan::of(&[Step::Csi(from - to, b'D')]);
            shortest([back, from_start(to), column])
        }
    }
}

/// CR, then forward to column `to`.
fn from_start(to: u16) -> Plan {
    if to == 0 {
        Plan::of(&[Step::Cr])
    } else {
        Plan::of(&[Step::Cr, Step::Csi(to, b'C')])
    }
}

/// The shortest move from `cursor` to (x, y).
pub(super) fn move_plan(cursor: Cursor, x: u16, y: u16) -> Plan {
    let absolute = Plan::of(&[Step::Cup(x, y)]);
    let Cursor::At {
        x: cx,
        y: cy,
        pending,
    } = cursor
    else {
        return absolute;
    };
    // From a pending wrap only CR and absolute moves are the same everywhere.
    let mut best = absolute;
    let mut consider = |plan: Plan| {
        if plan.len() < best.len() {
            best = plan;
        }
    };
    if cy == y {
        consider(if pending { from_start(x) } else { along(cx, x) });
        consider(Plan::of(&[Step::Csi(x + 1, b'G')]));
    } else if y > cy {
        let dy = y - cy;
        // CR and line feeds, never from the last row: nothing scrolls.
        if dy <= 4 {
            let lf = Plan::of(&[Step::Cr, Step::Lf(dy)]);
            consider(if x == 0 { lf } else { lf.then(along(0, x)) });
        }
        if !pending {
            if dy <= 2 {
                consider(Plan::of(&[Step::Lf(dy)]).then(along(cx, x)));
            }
            consider(Plan::of(&[Step::Csi(dy, b'B')]).then(along(cx, x)));
        }
    } else if !pending {
        consider(Plan::of(&[Step::Csi(cy - y, b'A')]).then(along(cx, x)));
    }
    best
}

/// `ESC[` n final, n left out when it is 1: its length.
fn csi_len(n: u16) -> usize {
    if n == 1 { 3 } else { 3 + digits(n) }
}

/// The length of `along(from, to)`, without building it.
fn along_len(from: u16, to: u16) -> usize {
    let column = csi_len(to + 1);
    if to == from {
        0
    } else if to > from {
        csi_len(to - from).min(column)
    } else {
        let back = csi_len(from - to);
        let start = 1 + if to == 0 { 0 } else { csi_len(to) };
        back.min(start).min(column)
    }
}

/// The length of `move_plan(cursor, x, y)`, without building it.
pub(super) fn move_len(cursor: Cursor, x: u16, y: u16) -> usize {
    let absolute = Step::Cup(x, y).len();
    let Cursor::At {
        x: cx,
        y: cy,
        pending,
    } = cursor
    else {
        return absolute;
    };
    let mut best = absolute;
    if cy == y {
        let relative = if pending {
            1 + if x == 0 { 0 } else { along_len(0, x) }
        } else {
            along_len(cx, x)
        };
        best = best.min(relative).min(csi_len(x + 1));
    } else if y > cy {
        let dy = y - cy;
        if dy <= 4 {
            best = best.min(1 + usize::from(dy) + if x == 0 { 0 } else { along_len(0, x) });
        }
        if !pending {
            if dy <= 2 {
                best = best.min(usize::from(dy) + along_len(cx, x));
            }
            best = best.min(csi_len(dy) + along_len(cx, x));
        }
    } else if !pending {
        best = best.min(csi_len(cy - y) + along_len(cx, x));
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_are_counted_as_written_and_never_relative_from_an_unsure_column() {
        for cursor in [
            Cursor::Unknown,
            Cursor::At {
                x: 5,
                y: 3,
                pending: false,
            },
            Cursor::At {
                x: 79,
                y: 3,
                pending: true,
            },
        ] {
            for (x, y) in [(0, 0), (5, 3), (0, 4), (60, 4), (2, 3), (9, 1), (79, 23)] {
                let plan = move_plan(cursor, x, y);
                let mut out = Vec::new();
                plan.emit(&mut out);
                assert_eq!(out.len(), plan.len());
                if let Cursor::At { pending: true, .. } = cursor {
                    let text = String::from_utf8(out).unwrap();
                    assert!(
                        text.starts_with('\r') || text.ends_with(['H', 'G']),
                        "{text:?} from a pending wrap"
                    );
                }
            }
        }
    }

    #[test]
    fn move_lengths_agree_with_the_moves() {
        let mut cursors = vec![Cursor::Unknown];
        for x in [0, 1, 2, 5, 9, 10, 50, 99, 100, 119] {
            for y in [0, 1, 3, 9, 10, 39] {
                for pending in [false, true] {
                    cursors.push(Cursor::At { x, y, pending });
                }
            }
        }
        for &cursor in &cursors {
            for x in [0, 1, 3, 4, 8, 9, 10, 11, 51, 100, 119] {
                for y in [0, 1, 2, 4, 5, 8, 9, 10, 11, 39] {
                    let plan = move_plan(cursor, x, y);
                    assert_eq!(move_len(cursor, x, y), plan.len(), "{cursor:?} to {x},{y}");
                }
            }
        }
    }
}
