//! Whole-screen snapshots of the real app on a test backend, at the sizes
//! users run it at, with the Chinese sample article. Review every snapshot.

use kanbao::app::App;
use kanbao::terminal::snapshot::{replay, to_text};
use kanbao::ui::Theme;
use kanbao_core::Library;
use kanbao_core::TypesetOptions;
use kanbao_core::{Ambiguous, str_width};

/// Dates as a reader in Beijing sees them on 2026-12-04 (the list's short
/// dates are relative to the day).
pub fn fixed_clock() {
    let day = jiff::civil::date(2026, 12, 4);
    kanbao_core::set_shown_zone(kanbao_core::zone_named("Asia/Shanghai").ok(), Some(day));
}

fn screen(width: u16, height: u16, keys: &str, ambiguous: Ambiguous) -> String {
    fixed_clock();
    let mut app = App::new(
        Library::sample(),
        TypesetOptions { ambiguous },
        width,
        height,
    );
    let buf = replay(&mut app, keys, &Theme::default()).expect("valid keys");
    to_text(&buf)
}

/// Checks the grid: exactly `height` lines, none wider than `width` cells.
fn assert_on_grid(text: &str, width: u16, height: u16, ambiguous: Ambiguous) {
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), usize::from(height), "{text}");
    for line in lines {
        assert!(
            str_width(line, ambiguous) <= usize::from(width),
            "{line:?} is wider than {width}"
        );
    }
}

fn snap(name: &str, width: u16, height: u16, keys: &str) {
    let text = screen(width, height, keys, Ambiguous::Narrow);
    assert_on_grid(&text, width, height, Ambiguous::Narrow);
    insta::assert_snapshot!(name, text);
}

#[test]
fn list_at_80x24_shows_dates_sources_and_titles() {
    snap("list_80x24", 80, 24, "");
}

#[test]
fn seed_article_opens_full_screen_at_80x24() {
    snap("reader_80x24", 80, 24, "G<Enter>");
}

#[test]
fn seed_article_pages_down_at_80x24() {
    snap("reader_80x24_page2", 80, 24, "G<Enter><Space>");
}

#[test]
fn list_at_40x15() {
    snap("list_40x15", 40, 15, "");
}

#[test]
fn seed_article_at_40x15() {
    snap("reader_40x15", 40, 15, "G<Enter>");
}

#[test]
fn two_panes_at_120x36_with_the_seed_article() {
    snap("two_pane_120x36", 120, 36, "G");
}

#[test]
fn help_overlay_at_80x24() {
    snap("help_80x24", 80, 24, "?");
}

#[test]
fn long_chinese_article_scrolled_to_its_end_at_40x15() {
    // 在终端里排中文… is the long typesetting-notes article.
    let text = screen(40, 15, "", Ambiguous::Narrow);
    let row = text
        .lines()
        .position(|l| l.contains("在终端里排中文"))
        .expect("long article listed");
    let keys = format!("{}<Enter>G", "j".repeat(row));
    let end = screen(40, 15, &keys, Ambiguous::Narrow);
    assert_on_grid(&end, 40, 15, Ambiguous::Narrow);
    assert!(end.lines().last().unwrap().contains("Bot"), "{end}");
}

#[test]
fn every_screen_holds_the_grid_at_many_sizes() {
    for (w, h) in [
        (1, 1),
        (2, 2),
        (10, 3),
        (20, 5),
        (39, 12),
        (60, 20),
        (89, 30),
        (90, 30),
        (200, 60),
    ] {
        for keys in ["", "G<Enter>", "?", "jjj<Tab>G", "G<Enter><C-d><C-d>"] {
            for amb in [Ambiguous::Narrow, Ambiguous::Wide] {
                assert_on_grid(&screen(w, h, keys, amb), w, h, amb);
            }
        }
    }
}

#[test]
fn wide_ambiguous_mode_keeps_borders_and_text_inside_the_screen() {
    let text = screen(120, 36, "G", Ambiguous::Wide);
    assert_on_grid(&text, 120, 36, Ambiguous::Wide);
    // The separator is ASCII there: box drawing is ambiguous-width too.
    assert!(text.lines().next().unwrap().contains('|'), "{text}");
}

#[test]
fn search_filters_the_list_as_you_type() {
    snap("search_prompt_80x24", 80, 24, "/kanbao 0.1");
}

#[test]
fn search_matches_are_highlighted_in_the_reader() {
    fixed_clock();
    let mut app = App::new(Library::sample(), TypesetOptions::default(), 120, 30);
    let buf = replay(&mut app, "/光伏<Enter>n", &Theme::default()).unwrap();
    let text = to_text(&buf);
    insta::assert_snapshot!("search_highlight_120x30", text);
    // Every 光伏 in the reader is drawn in the highlight colours (black on
    // yellow), and 光 of 阳光 is not.
    let mut highlighted = 0;
    for y in 0..29 {
        for x in 50..118 {
            let (cell, next) = (&buf[(x, y)], &buf[(x + 2, y)]);
            if cell.symbol() == "光" {
                let want = if next.symbol() == "伏" {
                    ratatui::style::Color::Yellow
                } else {
                    ratatui::style::Color::Reset
                };
                assert_eq!(cell.bg, want, "光 at {x},{y}");
                highlighted += usize::from(next.symbol() == "伏");
            }
        }
    }
    assert!(highlighted >= 2, "{text}");
}

#[test]
fn unread_and_starred_articles_stand_out_without_colour() {
    fixed_clock();
    let mut app = App::new(Library::sample(), TypesetOptions::default(), 80, 10);
    let buf = replay(&mut app, "sj<Enter><Esc>", &Theme::colored(false)).unwrap();
    let text = to_text(&buf);
    // Column 0 holds the selection marker, column 1 the article's mark.
    let mark = |row: u16| buf[(1, row)].symbol().to_string();
    assert_eq!(mark(0), "★", "{text}");
    assert_eq!(mark(1), " ", "read: no mark: {text}");
    assert_eq!(mark(2), "●", "{text}");
    assert_eq!(buf[(0, 1)].symbol(), "▶", "the selection follows j: {text}");
    // Unread titles are bold even in monochrome.
    let title_x = 30;
    assert!(
        buf[(title_x, 2)]
            .modifier
            .contains(ratatui::style::Modifier::BOLD)
    );
    assert!(
        !buf[(title_x, 1)]
            .modifier
            .contains(ratatui::style::Modifier::BOLD)
    );
}

#[test]
fn the_sources_view_at_every_size() {
    // q from the list; j twice: the selection on Starred, one article read.
    for (width, height) in [(40, 15), (80, 24), (120, 36), (160, 45)] {
        snap(
            &format!("sources_{width}x{height}"),
            width,
            height,
            "<Enter>qqjj",
        );
    }
}
