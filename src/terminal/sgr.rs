//! SGR sequences (`ESC[…m`, select graphic rendition): the one place where
//! colours and modifiers become bytes. The Lean backend writes the shortest
//! sequence from the pen the terminal has ([`shortest`]), `kanbao snapshot
//! --format ansi` a reset and the whole pen ([`reset_then`]), `kanbao read`
//! a modifier and a reset around a line ([`painted`]).

use ratatui::buffer::Cell;
use ratatui::style::{Color, Modifier};

/// The SGR attributes a cell is drawn with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pen {
    /// The foreground colour.
    pub fg: Color,
    /// The background colour.
    pub bg: Color,
    /// Bold, dim, italic, …
    pub modifier: Modifier,
}

/// Modifiers that show on a blank cell (as in ratatui's own diff).
pub(crate) const VISIBLE_ON_BLANK: Modifier = Modifier::REVERSED
    .union(Modifier::UNDERLINED)
    .union(Modifier::SLOW_BLINK)
    .union(Modifier::RAPID_BLINK)
    .union(Modifier::CROSSED_OUT);

impl Pen {
    /// The terminal's default colours, no modifier: what `ESC[0m` sets.
    pub const DEFAULT: Pen = Pen {
        fg: Color::Reset,
        bg: Color::Reset,
        modifier: Modifier::empty(),
    };

    /// The pen `cell` is drawn with.
    pub fn of(cell: &Cell) -> Pen {
        Pen {
            fg: cell.fg,
            bg: cell.bg,
            modifier: cell.modifier,
        }
    }

    /// This pen with `modifier` added.
    pub const fn with(self, modifier: Modifier) -> Pen {
        Pen {
            modifier: self.modifier.union(modifier),
            ..self
        }
    }

    /// Whether a space drawn with this pen shows nothing but the background.
    pub(crate) fn plain_on_blank(self) -> bool {
        !self.modifier.intersects(VISIBLE_ON_BLANK)
    }

    /// Whether a space drawn with this pen looks like one drawn with `other`.
    pub(crate) fn blank_like(self, other: Pen) -> bool {
        self == other || (self.plain_on_blank() && other.plain_on_blank() && self.bg == other.bg)
    }

    /// Whether `ESC[K` with this pen leaves cells that look like default blanks.
    pub(crate) fn erases_plain(self) -> bool {
        self.bg == Color::Reset && self.plain_on_blank()
    }
}

/// `ESC[0` and the parameters of `to`, then `m`: the whole pen, whatever
/// the terminal had (`ESC[0m` for the default pen).
pub fn reset_then(out: &mut Vec<u8>, to: Pen) {
    out.extend_from_slice(b"\x1b[0");
    params_from_reset(out, to);
    out.push(b'm');
}

/// `text` in `pen` on a terminal in the default pen, and back to it: only
/// what differs from the default (`ESC[1m` for bold), the text, `ESC[0m`.
pub fn painted(pen: Pen, text: &str) -> String {
    let mut out = Vec::with_capacity(text.len() + 12);
    change(&mut out, Pen::DEFAULT, pen);
    out.extend_from_slice(text.as_bytes());
    reset_then(&mut out, Pen::DEFAULT);
    String::from_utf8(out).expect("text and SGR sequences are UTF-8")
}

/// `ESC[`, the parameters changing `from` into `to`, `m`; nothing when they
/// are the same.
fn change(out: &mut Vec<u8>, from: Pen, to: Pen) {
    if from == to {
        return;
    }
    let mut params = Vec::with_capacity(16);
    params_change(&mut params, from, to);
    csi_m(out, &params);
}

/// `ESC[`, the `;`-prefixed `params` less their first `;`, `m`.
fn csi_m(out: &mut Vec<u8>, params: &[u8]) {
    out.extend_from_slice(b"\x1b[");
    out.extend_from_slice(params.strip_prefix(b";").unwrap_or(params));
    out.push(b'm');
}

/// The shortest SGR sequence taking the terminal from pen `from` (unknown:
/// `None`) to `to`: nothing when it has `to` already; else what differs, or
/// a reset and the whole pen (`ESC[m` for the default), whichever is shorter.
pub fn shortest(out: &mut Vec<u8>, from: Option<Pen>, to: Pen) {
    let (by_change, len) = choice(from, to);
    if len == 0 {
        return;
    }
    let mut params = Vec::with_capacity(16);
    match from {
        Some(from) if by_change => params_change(&mut params, from, to),
        _ => {
            params_from_reset(&mut params, to);
            if !params.is_empty() {
                params.insert(0, b'0');
            }
        }
    }
    csi_m(out, &params);
}

/// The length of what [`shortest`] writes, without writing it.
pub fn shortest_len(from: Option<Pen>, to: Pen) -> usize {
    choice(from, to).1
}

/// How [`shortest`] goes from pen `from` (unknown: `None`) to `to`: by
/// changing what differs (true) or from a reset (false), and in how many
/// bytes. A tie keeps the reset, which also clears what nobody knows about.
fn choice(from: Option<Pen>, to: Pen) -> (bool, usize) {
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

/// The parameter of a colour (`;`-prefixed), shortest form first.
fn color_param(out: &mut Vec<u8>, color: Color, foreground: bool) {
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

/// The length of `color_param`'s parameter.
fn color_param_len(color: Color, foreground: bool) -> usize {
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

fn modifier_params(out: &mut Vec<u8>, modifier: Modifier) {
    for (m, code) in MODIFIER_CODES {
        if modifier.contains(m) {
            out.extend_from_slice(code);
        }
    }
}

/// The parameters (each `;`-prefixed) setting `to` after a reset.
fn params_from_reset(out: &mut Vec<u8>, to: Pen) {
    modifier_params(out, to.modifier);
    if to.fg != Color::Reset {
        color_param(out, to.fg, true);
    }
    if to.bg != Color::Reset {
        color_param(out, to.bg, false);
    }
}

/// The length of `params_from_reset`.
fn from_reset_len(to: Pen) -> usize {
    let mut n = 2 * to.modifier.bits().count_ones() as usize;
    if to.fg != Color::Reset {
        n += color_param_len(to.fg, true);
    }
    if to.bg != Color::Reset {
        n += color_param_len(to.bg, false);
    }
    n
}

/// The parameters (each `;`-prefixed) changing `from` into `to`.
fn params_change(out: &mut Vec<u8>, from: Pen, to: Pen) {
    let removed = from.modifier - to.modifier;
    let mut add = to.modifier - from.modifier;
    // 22 ends both bold and dim, 25 both blinks: what stays is set again.
    let intensity = Modifier::BOLD | Modifier::DIM;
    if removed.intersects(intensity) {
        out.extend_from_slice(b";22");
        add |= to.modifier & intensity;
    }
    let blink = Modifier::SLOW_BLINK | Modifier::RAPID_BLINK;
    if removed.intersects(blink) {
        out.extend_from_slice(b";25");
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
            out.extend_from_slice(code);
        }
    }
    modifier_params(out, add);
    if from.fg != to.fg {
        color_param(out, to.fg, true);
    }
    if from.bg != to.bg {
        color_param(out, to.bg, false);
    }
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
        n += color_param_len(to.fg, true);
    }
    if from.bg != to.bg {
        n += color_param_len(to.bg, false);
    }
    n
}

/// The number of decimal digits of `n`, for counting the bytes of escape
/// sequences.
pub(crate) fn digits(n: u16) -> usize {
    match n {
        0..=9 => 1,
        10..=99 => 2,
        100..=999 => 3,
        1000..=9999 => 4,
        _ => 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shortest_of(from: Option<Pen>, to: Pen) -> Vec<u8> {
        let mut out = Vec::new();
        shortest(&mut out, from, to);
        out
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
                    let out = shortest_of(from, to);
                    assert_eq!(out.len(), shortest_len(from, to), "{from:?} -> {to:?}");
                    // The sequence really sets `to`: as vt100 sees it.
                    if from.is_none() || !out.is_empty() {
                        let mut vt = vt100::Parser::new(
                            std::num::NonZeroU16::new(1).unwrap(),
                            std::num::NonZeroU16::new(4).unwrap(),
                            0,
                        );
                        if let Some(from) = from {
                            vt.process(&shortest_of(None, from));
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
    fn each_writer_spells_the_pen_its_own_way() {
        let pen = Pen {
            fg: Color::Yellow,
            bg: Color::Indexed(208),
            modifier: Modifier::BOLD,
        };
        let mut out = Vec::new();
        reset_then(&mut out, pen);
        assert_eq!(out, b"\x1b[0;1;33;48;5;208m");
        out.clear();
        reset_then(&mut out, Pen::DEFAULT);
        assert_eq!(out, b"\x1b[0m");
        assert_eq!(shortest_of(None, Pen::DEFAULT), b"\x1b[m");
        assert_eq!(shortest_of(None, pen), b"\x1b[0;1;33;48;5;208m");
        assert_eq!(shortest_of(Some(pen), pen), b"");
        let light = Pen {
            bg: Color::LightBlue,
            ..pen
        };
        assert_eq!(shortest_of(Some(pen), light), b"\x1b[104m");
        assert_eq!(
            painted(Pen::DEFAULT.with(Modifier::DIM), "meta"),
            "\x1b[2mmeta\x1b[0m"
        );
    }
}
