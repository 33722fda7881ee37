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

use std::cell::Cell as Shared;
use std::io::{self, Write};

use crossterm::{cursor, execute, terminal};
use ratatui::buffer::{Cell, CellWidth};
use ratatui::style::{Color, Modifier};

/// Modifiers that show on a blank cell (as in ratatui's own diff).
const VISIBLE_ON_BLANK: Modifier = Modifier::REVERSED
    .union(Modifier::UNDERLINED)
    .union(Modifier::SLOW_BLINK)
    .union(Modifier::RAPID_BLINK)
    .union(Modifier::CROSSED_OUT);

/// At most this many unchanged columns are rewritten to avoid a cursor move
/// (a move never costs more than a few bytes, a column at least one).
const MAX_FILL: usize = 16;

/// Painting run by run, the runs in rows this close to the cursor's are
/// weighed one by one; of those further away, only the next of each pen.
const NEAR: u16 = 1;

/// The SGR attributes a cell is drawn with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Pen {
    fg: Color,
    bg: Color,
    modifier: Modifier,
}

impl Pen {
    const DEFAULT: Pen = Pen {
        fg: Color::Reset,
        bg: Color::Reset,
        modifier: Modifier::empty(),
    };

    fn of(cell: &Cell) -> Pen {
        Pen {
            fg: cell.fg,
            bg: cell.bg,
            modifier: cell.modifier,
        }
    }

    /// Whether a space drawn with this pen shows nothing but the background.
    fn plain_on_blank(self) -> bool {
        !self.modifier.intersects(VISIBLE_ON_BLANK)
    }

    /// Whether a space drawn with this pen looks like one drawn with `other`.
    fn blank_like(self, other: Pen) -> bool {
        self == other || (self.plain_on_blank() && other.plain_on_blank() && self.bg == other.bg)
    }

    /// Whether `ESC[K` with this pen leaves cells that look like default blanks.
    fn erases_plain(self) -> bool {
        self.bg == Color::Reset && self.plain_on_blank()
    }
}

/// One column of the screen.
#[derive(Clone, Debug)]
enum Slot {
    /// A glyph starting in this column, `width` columns wide.
    Glyph { cell: Cell, width: u16 },
    /// Column `k` (from 1) of the wide glyph starting `k` columns to the left.
    Cont(u16),
    /// Not known (after an erase whose position was unknown).
    Unknown,
}

impl Slot {
    fn blank() -> Slot {
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
    fn looks_like(&self, other: &Slot) -> bool {
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

/// Where the terminal's cursor is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cursor {
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

/// Whether terminals disagree on the glyph's width: clusters of several
/// characters (emoji sequences, combining marks) and emoji, wide only since
/// Unicode 9 in many (ambiguous characters are not counted: kanbao is told
/// how the terminal draws them). After one, the cursor is placed again
/// rather than moved relatively, so a disagreement stays on its row.
fn unsure(cell: &Cell) -> bool {
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
struct Screen {
    width: u16,
    rows: Vec<Vec<Slot>>,
    /// Whether `width` is the terminal's (else only what was drawn so far):
    /// erasing to the end of a row needs it.
    width_known: bool,
}

impl Screen {
    fn blank(width: u16, height: u16) -> Screen {
        Screen {
            width,
            rows: vec![vec![Slot::blank(); usize::from(width)]; usize::from(height)],
            width_known: true,
        }
    }
}

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

/// Puts a cell ratatui drew at `x` into a row.
fn place(row: &mut [Slot], placed: &mut [bool], x: usize, cell: &Cell) {
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
fn normalize(row: &mut [Slot]) {
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
fn next_dirty(term: &[Slot], want: &[Slot], from: usize) -> Option<usize> {
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

/// The parameter of a colour (`;`-prefixed), shortest form first.
fn sgr_color(out: &mut impl Write, color: Color, foreground: bool) {
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

/// SGR codes of the modifiers.
const MODIFIER_CODES: [(Modifier, &[u8]); 9] = [
    (Modifier::BOLD, b";1"),
    (Modifier::DIM, b";2"),
    (Modifier::ITALIC, b";3"),
    (Modifier::UNDERLINED, b";4"),
    (Modifier::SLOW_BLINK, b";5"),
    (Modifier::RAPID_BLINK, b";6"),
    (Modifier::REVERSED, b";7"),
    (Modifier::HIDDEN, b";8"),
    (Modifier::CROSSED_OUT, b";9"),
];

fn modifier_params(out: &mut impl Write, modifier: Modifier) {
    for (m, code) in MODIFIER_CODES {
        if modifier.contains(m) {
            let _ = out.write_all(code);
        }
    }
}

/// The parameters (each `;`-prefixed) setting `to` after a reset.
fn params_from_reset(out: &mut impl Write, to: Pen) {
    modifier_params(out, to.modifier);
    if to.fg != Color::Reset {
        sgr_color(out, to.fg, true);
    }
    if to.bg != Color::Reset {
        sgr_color(out, to.bg, false);
    }
}

/// The parameters (each `;`-prefixed) changing `from` into `to`.
fn params_change(out: &mut impl Write, from: Pen, to: Pen) {
    let removed = from.modifier - to.modifier;
    let mut add = to.modifier - from.modifier;
    // 22 ends both bold and dim, 25 both blinks: what stays is set again.
    let intensity = Modifier::BOLD | Modifier::DIM;
    if removed.intersects(intensity) {
        let _ = out.write_all(b";22");
        add |= to.modifier & intensity;
    }
    let blink = Modifier::SLOW_BLINK | Modifier::RAPID_BLINK;
    if removed.intersects(blink) {
        let _ = out.write_all(b";25");
        add |= to.modifier & blink;
    }
    for (m, code) in [
        (Modifier::ITALIC, &b";23"[..]),
        (Modifier::UNDERLINED, b";24"),
        (Modifier::REVERSED, b";27"),
        (Modifier::HIDDEN, b";28"),
        (Modifier::CROSSED_OUT, b";29"),
    ] {
        if removed.contains(m) {
            let _ = out.write_all(code);
        }
    }
    modifier_params(out, add);
    if from.fg != to.fg {
        sgr_color(out, to.fg, true);
    }
    if from.bg != to.bg {
        sgr_color(out, to.bg, false);
    }
}

/// The length of `sgr_color`'s parameter.
fn color_len(color: Color, foreground: bool) -> usize {
    match color {
        Color::Indexed(i) => 6 + digits(u16::from(i)),
        Color::Rgb(r, g, b) => {
            8 + digits(u16::from(r)) + digits(u16::from(g)) + digits(u16::from(b))
        }
        // 100–107: the bright backgrounds.
        Color::DarkGray
        | Color::LightRed
        | Color::LightGreen
        | Color::LightYellow
        | Color::LightBlue
        | Color::LightMagenta
        | Color::LightCyan
        | Color::White
            if !foreground =>
        {
            4
        }
        _ => 3,
    }
}

/// The length of `params_from_reset`.
fn from_reset_len(to: Pen) -> usize {
    let mut n = 2 * to.modifier.bits().count_ones() as usize;
    if to.fg != Color::Reset {
        n += color_len(to.fg, true);
    }
    if to.bg != Color::Reset {
        n += color_len(to.bg, false);
    }
    n
}

/// The length of `params_change`.
fn change_len(from: Pen, to: Pen) -> usize {
    let removed = from.modifier - to.modifier;
    let mut add = to.modifier - from.modifier;
    let mut n = 0;
    let intensity = Modifier::BOLD | Modifier::DIM;
    if removed.intersects(intensity) {
        n += 3;
        add |= to.modifier & intensity;
    }
    let blink = Modifier::SLOW_BLINK | Modifier::RAPID_BLINK;
    if removed.intersects(blink) {
        n += 3;
        add |= to.modifier & blink;
    }
    let others = Modifier::ITALIC
        | Modifier::UNDERLINED
        | Modifier::REVERSED
        | Modifier::HIDDEN
        | Modifier::CROSSED_OUT;
    n += 3 * (removed & others).bits().count_ones() as usize;
    n += 2 * add.bits().count_ones() as usize;
    if from.fg != to.fg {
        n += color_len(to.fg, true);
    }
    if from.bg != to.bg {
        n += color_len(to.bg, false);
    }
    n
}

/// How `sgr` goes from pen `from` (unknown: `None`) to `to`: by changing
/// what differs (true) or from a reset (false), and in how many bytes. A
/// tie keeps the reset, which also clears what nobody knows about.
fn sgr_choice(from: Option<Pen>, to: Pen) -> (bool, usize) {
    if from == Some(to) {
        return (true, 0);
    }
    let set = from_reset_len(to);
    // ESC [ m, or ESC [ 0 … m.
    let reset = if set == 0 { 3 } else { 4 + set };
    match from {
        // ESC [ … m, less the first parameter's `;`.
        Some(from) if change_len(from, to) + 2 < reset => (true, change_len(from, to) + 2),
        _ => (false, reset),
    }
}

/// The length of what `sgr` writes.
fn sgr_len(from: Option<Pen>, to: Pen) -> usize {
    sgr_choice(from, to).1
}

/// The shortest SGR sequence taking the terminal from pen `from` to `to`.
fn sgr(out: &mut Vec<u8>, from: Option<Pen>, to: Pen) {
    let (change, len) = sgr_choice(from, to);
    if len == 0 {
        return;
    }
    let mut params = Vec::with_capacity(16);
    match from {
        Some(from) if change => params_change(&mut params, from, to),
        _ => {
            params_from_reset(&mut params, to);
            if !params.is_empty() {
                params.insert(0, b'0');
            }
        }
    }
    out.extend_from_slice(b"\x1b[");
    out.extend_from_slice(params.strip_prefix(b";").unwrap_or(&params));
    out.push(b'm');
}

fn digits(n: u16) -> usize {
    match n {
        0..=9 => 1,
        10..=99 => 2,
        100..=999 => 3,
        1000..=9999 => 4,
        _ => 5,
    }
}

/// One piece of a cursor move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
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
    fn len(self) -> usize {
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

    fn emit(self, out: &mut Vec<u8>) {
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
struct Plan {
    steps: [Option<Step>; 3],
    len: usize,
}

impl Plan {
    fn of(steps: &[Step]) -> Plan {
        let mut plan = Plan::default();
        for (slot, step) in plan.steps.iter_mut().zip(steps) {
            *slot = Some(*step);
            plan.len += step.len();
        }
        plan
    }

    fn then(mut self, more: Plan) -> Plan {
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

    fn len(&self) -> usize {
        self.len
    }

    fn emit(&self, out: &mut Vec<u8>) {
        for step in self.steps.iter().flatten() {
            step.emit(out);
        }
    }
}

/// The shortest of the plans.
fn shortest(plans: impl IntoIterator<Item = Plan>) -> Plan {
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
fn move_plan(cursor: Cursor, x: u16, y: u16) -> Plan {
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
fn move_len(cursor: Cursor, x: u16, y: u16) -> usize {
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
        bytes += sgr_len(pen, p) + cell.symbol().len();
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
struct Painter {
    out: Vec<u8>,
    cursor: Cursor,
    pen: Option<Pen>,
    width: u16,
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
    fn goto(&mut self, x: u16, y: u16) {
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
        sgr(&mut self.out, self.pen, pen);
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
        let then = |pen: Option<Pen>| sgr_len(pen, pen_for(pen, want, c));
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
                if sgr_len(Some(pen), keep) < sgr_len(Some(pen), Pen::DEFAULT) {
                    keep
                } else {
                    Pen::DEFAULT
                }
            }
            None => Pen::DEFAULT,
        };
        let cost = self.move_len(at as u16, y) + sgr_len(self.pen, pen) + 3;
        Some(Erase { at, pen, cost })
    }

    fn erase(&mut self, y: u16, erase: &Erase, term: &mut [Slot]) {
        self.goto(erase.at as u16, y);
        sgr(&mut self.out, self.pen, erase.pen);
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

    /// Scrolls a band of rows with DL and IL (VT102, no scroll region to
    /// leave behind): delete where rows leave the band, insert where blank
    /// ones come in, so the rows below the band stay where they are. The
    /// new rows take the pen's background: the default one.
    fn scroll(&mut self, scroll: &Scroll, height: u16) {
        if !self.pen.is_some_and(Pen::erases_plain) {
            sgr(&mut self.out, self.pen, Pen::DEFAULT);
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
fn paint(start: &Painter, rows: &[Row], may_erase: bool) -> Painter {
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

/// Rows `top..=bottom` of the screen, moved `by` rows up (or down): the
/// rows that leave the band are gone, those that come in are blank.
#[derive(Clone, Copy, Debug)]
struct Scroll {
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
    fn apply(&self, screen: &[Vec<Slot>], rows: &[Row]) -> Vec<Row> {
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
fn find_scroll(screen: &[Vec<Slot>], rows: &[Row]) -> Option<Scroll> {
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

/// A row to paint: its number, what the terminal shows, what it must show.
#[derive(Clone)]
struct Row {
    y: u16,
    term: Vec<Slot>,
    want: Vec<Slot>,
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

/// Where the row's blank end starts: every glyph from there on is a blank
/// in the default colours.
fn blank_tail(want: &[Slot]) -> usize {
    want.iter()
        .rposition(|s| !s.is_default_blank())
        .map_or(0, |i| i + 1)
}

fn want_width(want: &[Slot], c: usize) -> usize {
    match &want[c] {
        Slot::Glyph { width, .. } => usize::from(*width),
        _ => 1,
    }
}

/// What writing glyph `want[c]` does to the terminal's row: it replaces
/// the glyphs it overlaps, and the parts of wide ones it leaves become
/// blanks (plain ones only if neither the old glyph nor `pen` shows on a blank).
fn overwrite(term: &mut [Slot], c: usize, want: &[Slot], pen: Option<Pen>) {
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
    use ratatui::style::Style;

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
    fn sgr_lengths_are_what_is_written() {
        let colors = [
            Color::Reset,
            Color::Red,
            Color::Gray,
            Color::DarkGray,
            Color::White,
            Color::Indexed(7),
            Color::Indexed(208),
            Color::Rgb(0, 128, 255),
        ];
        let modifiers = [
            Modifier::empty(),
            Modifier::BOLD,
            Modifier::DIM,
            Modifier::BOLD | Modifier::DIM,
            Modifier::UNDERLINED | Modifier::ITALIC,
            Modifier::REVERSED | Modifier::SLOW_BLINK,
            Modifier::CROSSED_OUT | Modifier::HIDDEN | Modifier::RAPID_BLINK,
        ];
        let mut pens = Vec::new();
        for &fg in &colors {
            for &bg in &colors {
                for &modifier in &modifiers {
                    pens.push(Pen { fg, bg, modifier });
                }
            }
        }
        for (i, &from) in pens.iter().enumerate().step_by(7) {
            for &to in pens.iter().skip(i % 5).step_by(3) {
                for from in [None, Some(from)] {
                    let mut out = Vec::new();
                    sgr(&mut out, from, to);
                    assert_eq!(out.len(), sgr_len(from, to), "{from:?} -> {to:?}");
                    // The sequence really sets `to`: as vt100 sees it.
                    if from.is_none() || !out.is_empty() {
                        let mut vt = vt100::Parser::new(
                            std::num::NonZeroU16::new(1).unwrap(),
                            std::num::NonZeroU16::new(4).unwrap(),
                            0,
                        );
                        if let Some(from) = from {
                            let mut set = Vec::new();
                            sgr(&mut set, None, from);
                            vt.process(&set);
                        }
                        vt.process(&out);
                        vt.process(b"x");
                        let cell = vt.screen().cell(0, 0).unwrap();
                        assert_eq!(cell.underline(), to.modifier.contains(Modifier::UNDERLINED));
                        assert_eq!(cell.inverse(), to.modifier.contains(Modifier::REVERSED));
                        assert_eq!(cell.italic(), to.modifier.contains(Modifier::ITALIC));
                        if !to.modifier.contains(Modifier::BOLD | Modifier::DIM) {
                            assert_eq!(cell.bold(), to.modifier.contains(Modifier::BOLD));
                            assert_eq!(cell.dim(), to.modifier.contains(Modifier::DIM));
                        }
                    }
                }
            }
        }
    }

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
}
