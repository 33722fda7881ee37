//! Printing a ratatui buffer as text, ANSI or SVG: the screen exactly as a
//! terminal shows it, for `kanbao snapshot`, tests and screenshots.

use std::fmt::Write as _;

use ratatui::buffer::{Buffer, Cell, CellWidth};
use ratatui::style::{Color, Modifier};

use crate::app::App;
use crate::input::keys::{KeyNotationError, parse_keys};
use crate::terminal::sgr::{self, Pen};
use crate::ui::{Theme, render};

/// Output format of a snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Plain text, one line per row.
    Text,
    /// Text with SGR colour codes.
    Ansi,
    /// An SVG picture laid out cell by cell.
    Svg,
}

/// Replays `keys` into `app`, then draws it into a fresh buffer of its size:
/// the screen once the keys have stopped (the reader beside the list has
/// caught up with the selection).
pub fn replay(app: &mut App, keys: &str, theme: &Theme) -> Result<Buffer, KeyNotationError> {
    for key in parse_keys(keys)? {
        app.key(key);
    }
    app.show_preview();
    Ok(draw(app, theme))
}

/// Draws `app` into a buffer of its size, as the event loop does: the
/// frame prepared, then drawn.
pub fn draw(app: &mut App, theme: &Theme) -> Buffer {
    let (w, h) = app.size();
    let mut buf = Buffer::empty(ratatui::layout::Rect::new(0, 0, w, h));
    app.prepare_frame();
    render(&mut buf, app, theme);
    buf
}

/// Cells of one row that a terminal shows: the cell hidden behind a wide
/// character is skipped.
fn visible_cells(buf: &Buffer, y: u16) -> impl Iterator<Item = (u16, &Cell)> {
    let mut x = buf.area.left();
    std::iter::from_fn(move || {
        if x >= buf.area.right() {
            return None;
        }
        let cell = &buf[(x, y)];
        let at = x;
        x += cell.cell_width().max(1);
        Some((at, cell))
    })
}

/// The screen as plain text: exactly one line per row, no trailing spaces.
pub fn to_text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in buf.area.top()..buf.area.bottom() {
        let mut line = String::new();
        for (_, cell) in visible_cells(buf, y) {
            line.push_str(cell.symbol());
        }
        out.push_str(line.trim_end_matches(' '));
        out.push('\n');
    }
    out
}

/// The modifiers an ANSI snapshot shows: blinking, hidden and crossed-out
/// text is written plain.
const ANSI_MODIFIERS: Modifier = Modifier::BOLD
    .union(Modifier::DIM)
    .union(Modifier::ITALIC)
    .union(Modifier::UNDERLINED)
    .union(Modifier::REVERSED);

/// The screen with SGR styling: each cell whose pen differs from the one
/// before it on the row starts with a reset and its whole pen, and each row
/// ends with a reset.
pub fn to_ansi(buf: &Buffer) -> String {
    let mut out = Vec::new();
    for y in buf.area.top()..buf.area.bottom() {
        let mut current = None;
        for (_, cell) in visible_cells(buf, y) {
            let pen = Pen::of(cell);
            let pen = Pen {
                modifier: pen.modifier & ANSI_MODIFIERS,
                ..pen
            };
            if current != Some(pen) {
                sgr::reset_then(&mut out, pen);
                current = Some(pen);
            }
            out.extend_from_slice(cell.symbol().as_bytes());
        }
        sgr::reset_then(&mut out, Pen::DEFAULT);
        out.push(b'\n');
    }
    String::from_utf8(out).expect("symbols and SGR sequences are UTF-8")
}

/// Cell size of the SVG grid, in pixels.
const CELL_W: u32 = 10;
const CELL_H: u32 = 20;
const BG: &str = "#1d1f21";
const FG: &str = "#d0d0d0";

/// The colour the SVG picture paints for `color`: a terminal palette of its
/// own, `default` for [`Color::Reset`]. (The SGR codes a terminal is sent
/// for the same colours come from [`crate::terminal::sgr`].)
fn hex(color: Color, default: &str) -> String {
    let rgb = |r: u8, g: u8, b: u8| format!("#{r:02x}{g:02x}{b:02x}");
    match color {
        Color::Reset => default.to_string(),
        Color::Black => rgb(0x1d, 0x1f, 0x21),
        Color::Red => rgb(0xcc, 0x66, 0x66),
        Color::Green => rgb(0xb5, 0xbd, 0x68),
        Color::Yellow => rgb(0xf0, 0xc6, 0x74),
        Color::Blue => rgb(0x81, 0xa2, 0xbe),
        Color::Magenta => rgb(0xb2, 0x94, 0xbb),
        Color::Cyan => rgb(0x8a, 0xbe, 0xb7),
        Color::Gray => rgb(0xc5, 0xc8, 0xc6),
        Color::DarkGray => rgb(0x66, 0x66, 0x66),
        Color::LightRed => rgb(0xff, 0x88, 0x88),
        Color::LightGreen => rgb(0xcc, 0xee, 0x88),
        Color::LightYellow => rgb(0xff, 0xe0, 0x99),
        Color::LightBlue => rgb(0xa0, 0xc0, 0xe0),
        Color::LightMagenta => rgb(0xd0, 0xb0, 0xe0),
        Color::LightCyan => rgb(0xa0, 0xe0, 0xe0),
        Color::White => rgb(0xff, 0xff, 0xff),
        Color::Indexed(i) => rgb(i, i, i),
        Color::Rgb(r, g, b) => rgb(r, g, b),
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The screen as an SVG picture. Every cell sits at x = column × cell width;
/// a glyph is stretched to exactly its cells (`textLength`), so CJK text and
/// box drawing line up whatever font the viewer picks.
pub fn to_svg(buf: &Buffer) -> String {
    let (w, h) = (u32::from(buf.area.width), u32::from(buf.area.height));
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {} {}" font-family="'DejaVu Sans Mono','Noto Sans Mono CJK SC','Noto Sans CJK SC','Noto Sans Mono CJK JP','Noto Sans CJK KR','Noto Color Emoji',monospace" font-size="16">"#,
        w * CELL_W,
        h * CELL_H,
        w * CELL_W,
        h * CELL_H
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="{BG}"/>"#);
    for y in buf.area.top()..buf.area.bottom() {
        let py = u32::from(y - buf.area.top()) * CELL_H;
        for (x, cell) in visible_cells(buf, y) {
            let px = u32::from(x - buf.area.left()) * CELL_W;
            let cells = u32::from(cell.cell_width().max(1));
            let reversed = cell.modifier.contains(Modifier::REVERSED);
            let (mut fg, mut bg) = (hex(cell.fg, FG), hex(cell.bg, BG));
            if reversed {
                std::mem::swap(&mut fg, &mut bg);
            }
            if bg != BG {
                let _ = writeln!(
                    out,
                    r#"<rect x="{px}" y="{py}" width="{}" height="{CELL_H}" fill="{bg}"/>"#,
                    cells * CELL_W
                );
            }
            let symbol = cell.symbol();
            if symbol.trim().is_empty() {
                continue;
            }
            let mut attrs = String::new();
            if cell.modifier.contains(Modifier::BOLD) {
                attrs.push_str(r#" font-weight="bold""#);
            }
            if cell.modifier.contains(Modifier::DIM) {
                attrs.push_str(r#" opacity="0.65""#);
            }
            if cell.modifier.contains(Modifier::UNDERLINED) {
                attrs.push_str(r#" text-decoration="underline""#);
            }
            let _ = writeln!(
                out,
                r#"<text x="{px}" y="{}" fill="{fg}" textLength="{}" lengthAdjust="spacingAndGlyphs"{attrs}>{}</text>"#,
                py + 15,
                cells * CELL_W,
                xml_escape(symbol)
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

/// Renders a buffer in the chosen format.
pub fn format(buf: &Buffer, format: Format) -> String {
    match format {
        Format::Text => to_text(buf),
        Format::Ansi => to_ansi(buf),
        Format::Svg => to_svg(buf),
    }
}
