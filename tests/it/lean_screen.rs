//! The Lean backend draws exactly the screen ratatui asked for: its bytes,
//! fed to a terminal emulator (vt100), give the buffer back cell by cell —
//! across real kanbao sessions (paging through articles, moving in the list,
//! search, overlays, resizes) and across random frames of wide characters,
//! styles and rows that become shorter or blank.

use kanbao::app::App;
use kanbao::input::keys::parse_keys;
use kanbao::terminal::lean::Lean;
use kanbao::ui::Theme;
use kanbao_core::Ambiguous;
use kanbao_core::Library;
use kanbao_core::TypesetOptions;
use ratatui::Terminal;
use ratatui::buffer::{Buffer, Cell, CellWidth};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

use crate::common::TempDir;

/// A Lean terminal of a fixed size and an emulator fed with its bytes.
struct Rig {
    term: Terminal<Lean<Vec<u8>>>,
    vt: vt100::Parser,
    /// Bytes written per frame.
    frames: Vec<usize>,
}

impl Rig {
    fn new(width: u16, height: u16) -> Rig {
        Rig {
            term: Terminal::new(Lean::with_size(Vec::new(), width, height)).unwrap(),
            vt: vt100::Parser::new(nz(height), nz(width), 0),
            frames: Vec::new(),
        }
    }

    /// Hands the bytes written so far to the emulator.
    fn pump(&mut self) -> usize {
        let bytes = std::mem::take(self.term.backend_mut().writer_mut());
        if std::env::var_os("LEAN_DUMP").is_some() {
            eprintln!(
                "{}",
                String::from_utf8_lossy(&bytes)
                    .replace('\x1b', "⎋")
                    .replace('\r', "⏎")
                    .replace('\n', "↓")
                    .replace('\x08', "⌫")
            );
        }
        self.vt.process(&bytes);
        bytes.len()
    }

    /// Draws a frame with `render`, then checks the emulator's screen.
    fn frame(&mut self, what: &str, render: impl FnOnce(&mut Buffer)) {
        let buffer = self
            .term
            .draw(|frame| render(frame.buffer_mut()))
            .unwrap()
            .buffer
            .clone();
        let n = self.pump();
        self.frames.push(n);
        assert_same(&buffer, self.vt.screen(), what);
    }

    /// Clears the terminal as kanbao does on Ctrl-L.
    fn clear(&mut self) {
        self.term.clear().unwrap();
        self.pump();
    }

    /// A new size: the emulator is resized, and ratatui, seeing it on its
    /// next draw, clears and redraws everything.
    fn resize(&mut self, width: u16, height: u16) {
        self.vt.screen_mut().set_size(nz(height), nz(width));
        self.term.backend_mut().set_size(width, height);
    }
}

fn vt_color(color: Color) -> vt100::Color {
    match color {
        Color::Reset => vt100::Color::Default,
        Color::Black => vt100::Color::Idx(0),
        Color::Red => vt100::Color::Idx(1),
        Color::Green => vt100::Color::Idx(2),
        Color::Yellow => vt100::Color::Idx(3),
        Color::Blue => vt100::Color::Idx(4),
        Color::Magenta => vt100::Color::Idx(5),
        Color::Cyan => vt100::Color::Idx(6),
        Color::Gray => vt100::Color::Idx(7),
        Color::DarkGray => vt100::Color::Idx(8),
        Color::LightRed => vt100::Color::Idx(9),
        Color::LightGreen => vt100::Color::Idx(10),
        Color::LightYellow => vt100::Color::Idx(11),
        Color::LightBlue => vt100::Color::Idx(12),
        Color::LightMagenta => vt100::Color::Idx(13),
        Color::LightCyan => vt100::Color::Idx(14),
        Color::White => vt100::Color::Idx(15),
        Color::Indexed(i) => vt100::Color::Idx(i),
        Color::Rgb(r, g, b) => vt100::Color::Rgb(r, g, b),
    }
}

/// Whether the emulator's cell looks like the buffer's: the same text, width
/// and attributes; on a blank, only what shows on a blank (the background,
/// reverse video, underline) counts.
fn looks_same(cell: &Cell, vt: &vt100::Cell) -> Result<(), String> {
    let text = if vt.has_contents() {
        vt.contents()
    } else {
        " "
    };
    if text != cell.symbol() {
        return Err(format!("{:?} instead of {:?}", text, cell.symbol()));
    }
    if vt.is_wide() != (cell.cell_width() > 1) {
        return Err(format!("width of {:?}", cell.symbol()));
    }
    let m = cell.modifier;
    let visible_on_blank = Modifier::REVERSED | Modifier::UNDERLINED;
    let blank =
        cell.symbol() == " " && !m.intersects(visible_on_blank) && !vt.inverse() && !vt.underline();
    let mut wrong = Vec::new();
    if vt.bgcolor() != vt_color(cell.bg) {
        wrong.push(format!("bg {:?} for {:?}", vt.bgcolor(), cell.bg));
    }
    if !blank {
        if vt.fgcolor() != vt_color(cell.fg) {
            wrong.push(format!("fg {:?} for {:?}", vt.fgcolor(), cell.fg));
        }
        // vt100 keeps one intensity: bold and dim together are not checked.
        if !m.contains(Modifier::BOLD | Modifier::DIM) {
            if vt.bold() != m.contains(Modifier::BOLD) {
                wrong.push("bold".into());
            }
            if vt.dim() != m.contains(Modifier::DIM) {
                wrong.push("dim".into());
            }
        }
        if vt.italic() != m.contains(Modifier::ITALIC) {
            wrong.push("italic".into());
        }
        if vt.underline() != m.contains(Modifier::UNDERLINED) {
            wrong.push("underline".into());
        }
        if vt.inverse() != m.contains(Modifier::REVERSED) {
            wrong.push("reverse".into());
        }
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!("{:?}: {}", cell.symbol(), wrong.join(", ")))
    }
}

fn row_text(buffer: &Buffer, y: u16) -> String {
    let mut s = String::new();
    let mut x = 0;
    while x < buffer.area.width {
        let cell = &buffer[(x, y)];
        s.push_str(cell.symbol());
        x += cell.cell_width().max(1);
    }
    s
}

/// Whether vt100, which measures each character alone, gives the cluster
/// the width kanbao does (not so for an emoji with a skin tone): past one
/// that it does not, the rest of the row is not compared.
fn emulated(symbol: &str) -> bool {
    use unicode_width::UnicodeWidthChar;
    let sum: usize = symbol.chars().map(|c| c.width().unwrap_or(0)).sum();
    sum == kanbao_core::str_width(symbol, Ambiguous::Narrow)
}

#[track_caller]
fn assert_same(buffer: &Buffer, screen: &vt100::Screen, what: &str) {
    for y in 0..buffer.area.height {
        let mut x = 0;
        while x < buffer.area.width {
            let cell = &buffer[(x, y)];
            if !emulated(cell.symbol()) {
                break;
            }
            let vt = screen.cell(y, x).expect("on the screen");
            if let Err(e) = looks_same(cell, vt) {
                panic!(
                    "{what}: row {y} column {x}: {e}\n  want: {}\n  have: {}",
                    row_text(buffer, y),
                    screen.contents_between(y, 0, y, buffer.area.width),
                );
            }
            x += cell.cell_width().max(1);
        }
    }
}

/// A library of Chinese news: one long article (paragraphs of all lengths,
/// Latin words, numbers, quotes, an emoji) and many short ones.
fn library(dir: &std::path::Path) -> Library {
    let sentences = [
        "东方智造科技有限公司与海纳生物科技有限公司签署战略合作协议，",
        "双方将在IoT、数据治理等领域开展合作，项目总投资25,850亿元。",
        "据介绍，该产品采用eVTOL方案，型号为HK5-8162，已通过ISO 9001认证。",
        "“订单已经排到了11月份，工人们正在加班加点赶工，”负责人说。",
        "对此，不少市民表示点赞👍。",
        "From the macro data, the PMI was 48.9% in May.",
        "下一步，宁波将深化“最多跑一次”改革，支持龙头企业牵头组建创新联合体。",
        "会上，商会主任郭泽睿就安全生产工作作了部署。",
    ];
    let mut seed = 7u32;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed as usize
    };
    let mut lines = Vec::new();
    for i in 0..40 {
        let paragraphs = if i == 0 { 24 } else { 1 + next() % 3 };
        let body: Vec<String> = (0..paragraphs)
            .map(|_| {
                (0..1 + next() % 6)
                    .map(|_| sentences[next() % sentences.len()])
                    .collect::<String>()
            })
            .collect();
        let title = format!(
            "{}第{i}条措施支持{}发展",
            ["宁波出台", "青岛", "2024年合肥", "探访郑州：", "A"][next() % 5],
            ["现代农业", "低空经济", "AI", "跨境电商“出海”记"][next() % 4]
        );
        let source = ["科技日报", "新华社", "21世纪经济报道", "Reuters"][next() % 4];
        let article = serde_json::json!({
            "id": format!("lean-{i}"),
            "title": title,
            "published": format!("2024-06-{:02}T18:00:00+08:00", 30 - i % 28),
            "source": source,
            "authors": ["俞琳涛"],
            "url": format!("https://news.example.cn/{i}.html"),
            "lang": "zh-CN",
            "body": body,
        });
        lines.push(article.to_string());
    }
    let path = dir.join("lean.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    Library::load(&[path])
}

/// Plays `keys` one at a time into a kanbao session, checking every frame.
fn session(rig: &mut Rig, app: &mut App, theme: &Theme, keys: &str) {
    for key in parse_keys(keys).unwrap() {
        app.key(key);
        app.prepare_frame();
        rig.frame(&format!("after {key:?}"), |buf| {
            kanbao::ui::render(buf, app, theme)
        });
    }
}

fn app(library: Library, width: u16, height: u16) -> App {
    App::new(
        library,
        TypesetOptions {
            ambiguous: Ambiguous::Narrow,
        },
        width,
        height,
    )
}

#[test]
fn reading_page_by_page_and_moving_in_the_list_draws_every_screen_exactly() {
    let dir = TempDir::new("lean-read");
    for (w, h) in [(120, 40), (80, 24), (100, 30), (61, 17), (40, 12)] {
        for theme in [Theme::default(), Theme::colored(false)] {
            let mut rig = Rig::new(w, h);
            let mut app = app(library(&dir.0), w, h);
            rig.frame("first frame", |buf| {
                app.prepare_frame();
                kanbao::ui::render(buf, &app, &theme)
            });
            session(
                &mut rig,
                &mut app,
                &theme,
                "<Enter><Space><C-d><C-u><Space><Space><Space><Space><Space><Space><Space>\
                 kkkjjj<PageUp><Space>",
            );
            session(
                &mut rig,
                &mut app,
                &theme,
                "<Esc>jjjjjjjjjjjjjjjjjjjjjjjjjjjjjkkkkkkkkkkGggj<Enter><Space><Esc>",
            );
            session(
                &mut rig,
                &mut app,
                &theme,
                "?jj<Esc>/合肥<Enter>jj<Enter><Space><Esc>",
            );
        }
    }
}

#[test]
fn a_clear_or_a_resize_redraws_exactly() {
    let dir = TempDir::new("lean-resize");
    let theme = Theme::default();
    let mut rig = Rig::new(120, 40);
    let mut app = app(library(&dir.0), 120, 40);
    rig.frame("first", |buf| {
        app.prepare_frame();
        kanbao::ui::render(buf, &app, &theme)
    });
    session(&mut rig, &mut app, &theme, "<Enter><Space>");
    rig.clear();
    rig.frame("after a clear", |buf| {
        app.prepare_frame();
        kanbao::ui::render(buf, &app, &theme)
    });
    for (w, h) in [(80, 24), (121, 41), (30, 10)] {
        rig.resize(w, h);
        app.resize(w, h);
        rig.frame("after a resize", |buf| {
            app.prepare_frame();
            kanbao::ui::render(buf, &app, &theme)
        });
        session(&mut rig, &mut app, &theme, "<Space>jk");
    }
}

#[test]
fn the_sample_library_in_both_widths_of_ambiguous_characters_is_drawn_exactly() {
    // Wide ambiguous characters are drawn two cells wide by kanbao; the
    // emulator takes them as one, so only the narrow setting is compared
    // cell by cell, and the wide one must at least keep to the grid.
    let theme = Theme::default();
    let mut rig = Rig::new(90, 26);
    let mut app = app(Library::sample(), 90, 26);
    rig.frame("first", |buf| {
        app.prepare_frame();
        kanbao::ui::render(buf, &app, &theme)
    });
    session(
        &mut rig,
        &mut app,
        &theme,
        "G<Enter><Space><Space>gg<Esc>jjjkk<Enter>L<Esc>",
    );
}

/// Random frames, each a few changes from the last: wide and narrow
/// characters, blanks, colours and attributes, rows that shrink or empty.
#[test]
fn random_frames_are_drawn_exactly() {
    let glyphs = [
        "a", "Z", "1", " ", " ", " ", "·", "—", "嘉", "兴", "，", "。", "👍", "é", "│", "▶",
        "e\u{301}",
    ];
    let colors = [
        Color::Reset,
        Color::Reset,
        Color::Yellow,
        Color::Blue,
        Color::LightCyan,
        Color::Indexed(200),
        Color::Rgb(10, 20, 30),
    ];
    let modifiers = [
        Modifier::empty(),
        Modifier::empty(),
        Modifier::BOLD,
        Modifier::DIM,
        Modifier::ITALIC,
        Modifier::UNDERLINED,
        Modifier::REVERSED,
        Modifier::BOLD | Modifier::UNDERLINED,
    ];
    let mut seed = 0x9e37_79b9_u64;
    let mut rnd = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    for (w, h) in [(17u16, 5u16), (40, 8), (2, 3), (30, 20)] {
        let mut rig = Rig::new(w, h);
        let mut rows: Vec<Vec<(String, Style)>> = vec![Vec::new(); usize::from(h)];
        for step in 0..600 {
            // Change a few rows: rewrite, shorten, clear, restyle, or extend.
            for _ in 0..1 + rnd(3) {
                let y = rnd(usize::from(h));
                let row = &mut rows[y];
                match rnd(6) {
                    0 => row.clear(),
                    1 => row.truncate(rnd(row.len() + 1)),
                    2 => {
                        for item in row.iter_mut() {
                            if rnd(3) == 0 {
                                item.1 = Style::new()
                                    .fg(colors[rnd(colors.len())])
                                    .bg(colors[rnd(colors.len())])
                                    .add_modifier(modifiers[rnd(modifiers.len())]);
                            }
                        }
                    }
                    _ => {
                        let at = rnd(row.len() + 1);
                        for _ in 0..rnd(8) {
                            let style = if rnd(2) == 0 {
                                Style::new()
                            } else {
                                Style::new()
                                    .fg(colors[rnd(colors.len())])
                                    .bg(colors[rnd(colors.len())])
                                    .add_modifier(modifiers[rnd(modifiers.len())])
                            };
                            row.insert(
                                at.min(row.len()),
                                (glyphs[rnd(glyphs.len())].into(), style),
                            );
                        }
                    }
                }
            }
            // Now and then the rows above the last move up or down together,
            // as a list or an article scrolls.
            if rnd(4) == 0 && h > 2 {
                let band = &mut rows[..usize::from(h) - 1];
                let by = 1 + rnd(band.len() - 1);
                if rnd(2) == 0 {
                    band.rotate_left(by);
                } else {
                    band.rotate_right(by);
                }
            }
            let offset = rnd(3) as u16;
            rig.frame(&format!("{w}x{h} step {step}"), |buf| {
                for (y, row) in rows.iter().enumerate() {
                    let mut x = if rnd(8) == 0 { offset } else { 0 };
                    for (g, style) in row {
                        let used = kanbao::ui::put_str(
                            buf,
                            x,
                            y as u16,
                            w.saturating_sub(x),
                            g,
                            *style,
                            Ambiguous::Narrow,
                        );
                        if used == 0 {
                            break;
                        }
                        x += used;
                    }
                }
                if rnd(5) == 0 {
                    let area = Rect::new(0, rnd(usize::from(h)) as u16, w, 1);
                    buf.set_style(area, Style::new().bg(Color::Blue));
                }
            });
            if rnd(97) == 0 {
                rig.clear();
            }
        }
    }
}

#[test]
fn paging_a_long_article_costs_little_more_than_its_text() {
    // The text of one page is written once, with a few bytes per row: the
    // reader's rows are the cheapest sequences that make them.
    let dir = TempDir::new("lean-cost");
    let theme = Theme::default();
    let (w, h) = (120, 40);
    let mut rig = Rig::new(w, h);
    let mut app = app(library(&dir.0), w, h);
    rig.frame("first", |buf| {
        app.prepare_frame();
        kanbao::ui::render(buf, &app, &theme)
    });
    session(&mut rig, &mut app, &theme, "<Enter>");
    let before = rig.vt.screen().contents();
    session(&mut rig, &mut app, &theme, "<Space>");
    let after = rig.vt.screen().contents();
    let page = *rig.frames.last().unwrap();
    let text: usize = after
        .lines()
        .zip(before.lines())
        .filter(|(a, b)| a != b)
        .map(|(a, _)| a.trim_end().len())
        .sum();
    assert!(
        page <= text + text / 8,
        "a page took {page} bytes for {text} bytes of changed rows"
    );
}

fn nz(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n).expect("a terminal has rows and columns")
}
