//! The browser's state machine, key by key.

use super::*;

fn sample(width: u16, height: u16) -> App {
    App::new(Library::sample(), TypesetOptions::default(), width, height)
}

/// Applies the actions; returns the effects they asked for.
fn apply_all(app: &mut App, actions: &[Action]) -> Vec<Effect> {
    actions.iter().filter_map(|&a| app.apply(a)).collect()
}

#[test]
fn selection_stays_within_the_list() {
    let mut app = sample(80, 24);
    app.apply(Action::Up);
    assert_eq!(app.selected, 0);
    apply_all(&mut app, &[Action::Bottom, Action::Down, Action::Down]);
    assert_eq!(app.selected, app.order.len() - 1);
    apply_all(&mut app, &[Action::PageUp, Action::PageUp]);
    assert_eq!(app.selected, 0);
}

#[test]
fn list_scrolls_to_keep_the_selection_visible() {
    let mut app = sample(80, 6); // 5 list rows
    apply_all(&mut app, &[Action::Down; 7]);
    assert_eq!(app.selected, 7);
    assert_eq!(app.list_offset, 3);
    apply_all(&mut app, &[Action::Top]);
    assert_eq!(app.list_offset, 0);
}

#[test]
fn beside_the_reader_the_list_jumps_half_a_page() {
    let mut app = sample(120, 7); // 6 list rows beside the reader, 14 articles
    assert!(app.layout().two_pane);
    assert_eq!(app.layout().list.height, 6);
    apply_all(&mut app, &[Action::Down; 6]);
    assert_eq!((app.selected, app.list_offset), (6, 1 + 3), "half a page");
    apply_all(&mut app, &[Action::Down; 3]); // still on screen: no jump
    assert_eq!(app.list_offset, 4);
    app.apply(Action::Down);
    assert_eq!((app.selected, app.list_offset), (10, 8), "the end stops it");
    apply_all(&mut app, &[Action::Up; 2]); // the top row: still on screen
    assert_eq!(app.list_offset, 8);
    app.apply(Action::Up);
    assert_eq!((app.selected, app.list_offset), (7, 4), "half a page up");
    // A list as wide as the screen (one pane) scrolls a row at a time.
    let mut narrow = sample(80, 6); // 5 rows
    apply_all(&mut narrow, &[Action::Down; 5]);
    assert_eq!(narrow.list_offset, 1);
    let mut vertical = sample(120, 21);
    vertical.settings.layout.vertical = true;
    let rows = usize::from(vertical.layout().list.height);
    apply_all(&mut vertical, &vec![Action::Down; rows]);
    assert_eq!(vertical.list_offset, 1, "above the reader, full width");
}

#[test]
fn enter_opens_and_esc_returns_on_a_narrow_terminal() {
    let mut app = sample(60, 20);
    assert!(!app.reader_visible());
    app.apply(Action::Open);
    assert!(app.reader_visible());
    app.apply(Action::Down);
    assert_eq!(
        (app.selected, app.scroll),
        (0, 1),
        "in the reader, j scrolls"
    );
    app.apply(Action::Back);
    assert_eq!(app.focus, Focus::List);
}

#[test]
fn q_leaves_the_article_then_the_list_for_the_sources_then_quits_and_shift_q_quits_at_once() {
    for (width, height) in [(60, 20), (120, 30)] {
        let mut app = sample(width, height);
        let quit = vec![Effect::Exit(Exit::Quit)];
        assert_eq!(
            apply_all(&mut app, &[Action::Down, Action::Open, Action::Quit]),
            []
        );
        assert_eq!(
            (app.focus, app.selected),
            (Focus::List, 1),
            "{width}x{height}"
        );
        assert_eq!(apply_all(&mut app, &[Action::Quit]), []);
        assert!(app.in_sources());
        assert_eq!(apply_all(&mut app, &[Action::Quit]), quit);
        let mut app = sample(width, height);
        assert_eq!(apply_all(&mut app, &[Action::Open, Action::QuitNow]), quit);
    }
}

#[test]
fn the_sources_view_counts_unread_lists_a_source_and_marks_one_read_with_undo() {
    let mut app = sample(80, 24);
    let n = app.order.len();
    app.apply(Action::Quit);
    let rows = app.sources().unwrap().rows.clone();
    let labels: Vec<&str> = rows.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels[..3], ["All", "Unread", "Starred"]);
    assert_eq!((rows[0].unread, rows[0].total), (n, n));
    // Each source once, with its articles.
    let jiaxing = rows
        .iter()
        .position(|r| r.label == "嘉兴日报")
        .expect("a source row");
    assert_eq!(rows[jiaxing].total, 1);
    assert_eq!(rows[3..].iter().map(|r| r.total).sum::<usize>(), n);
    // Enter lists its articles; the status line names it; q goes back to
    // it, its count down by the one read.
    for _ in 0..jiaxing {
        app.apply(Action::Down);
    }
    app.apply(Action::Open);
    assert!(!app.in_sources());
    assert_eq!(app.order.len(), 1);
    assert_eq!(app.listed_source(), Some("嘉兴日报"));
    apply_all(&mut app, &[Action::Open, Action::Quit, Action::Quit]);
    let s = app.sources().unwrap();
    assert_eq!(s.selected, jiaxing, "the source listed is selected");
    assert_eq!(s.rows[jiaxing].unread, 0);
    assert_eq!(s.rows[0].unread, n - 1);
    // A on a source marks all of its articles read; U undoes it.
    app.apply(Action::Top);
    app.apply(Action::MarkAllRead);
    assert_eq!(app.sources().unwrap().rows[0].unread, 0);
    assert_eq!(
        app.notice(),
        Some(format!("All: {} articles marked read (U undoes it)", n - 1).as_str())
    );
    app.apply(Action::Undo);
    assert_eq!(app.sources().unwrap().rows[0].unread, n - 1);
    // All lists everything again.
    app.apply(Action::Open);
    assert_eq!(app.order.len(), n);
}

#[test]
fn choosing_another_article_starts_it_at_the_top() {
    let mut app = sample(120, 30);
    apply_all(
        &mut app,
        &[Action::Bottom, Action::NextPane, Action::PageDown],
    );
    assert!(app.scroll > 0);
    apply_all(&mut app, &[Action::PrevPane, Action::Up]);
    assert_eq!(app.scroll, 0);
}

#[test]
fn scrolling_stops_at_the_end_of_the_article() {
    let mut app = sample(80, 24);
    apply_all(&mut app, &[Action::Bottom, Action::Open, Action::Bottom]);
    let end = app.scroll;
    assert_eq!(end, app.max_scroll());
    apply_all(
        &mut app,
        &[Action::Down, Action::PageDown, Action::HalfPageDown],
    );
    assert_eq!(app.scroll, end);
    assert_eq!(app.scroll_indicator(), "Bot");
}

#[test]
fn paging_shows_every_line_once_and_the_last_page_holds_only_the_rest() {
    let mut odd_end = false;
    for rows in [20, 24, 25, 31] {
        let mut app = sample(80, rows);
        apply_all(&mut app, &[Action::Bottom, Action::Open]);
        let height = usize::from(app.layout().reader.height);
        let lines = app.reader_lines().len();
        assert!(lines > 2 * height, "the seed article is several pages long");
        let mut tops = vec![app.scroll];
        loop {
            app.apply(Action::PageDown);
            if app.scroll == *tops.last().unwrap() {
                break;
            }
            tops.push(app.scroll);
        }
        for pair in tops.windows(2) {
            assert_eq!(pair[1], pair[0] + height, "each page starts after the last");
        }
        // The last page starts on the page grid, with the first line
        // not shown yet: no line is shown twice.
        let last = *tops.last().unwrap();
        assert_eq!(last, (lines - 1) / height * height, "{rows} rows");
        let full_last_page = app.max_scroll();
        odd_end |= last > full_last_page;
        assert_eq!(app.scroll_indicator(), "Bot");
        // j cannot go further; k goes back one line; G shows a full last page.
        app.apply(Action::Down);
        assert_eq!(app.scroll, last);
        app.apply(Action::Up);
        assert_eq!(app.scroll, last - 1);
        app.apply(Action::Bottom);
        assert_eq!(app.scroll, full_last_page);
        // From the full last page, Space changes nothing.
        app.apply(Action::PageDown);
        assert_eq!(app.scroll, full_last_page);
    }
    assert!(odd_end, "some size ends on a part page");
}

#[test]
fn page_overlap_shows_the_last_lines_again() {
    let mut app = sample(80, 24);
    app.settings.layout.page_overlap = 2;
    apply_all(&mut app, &[Action::Bottom, Action::Open]);
    let height = usize::from(app.layout().reader.height);
    app.apply(Action::PageDown);
    assert_eq!(app.scroll, height - 2);
    app.apply(Action::PageUp);
    assert_eq!(app.scroll, 0);
}

#[test]
fn the_preview_waits_for_the_selection_to_rest() {
    let mut app = sample(120, 30);
    app.settings.preview_delay = std::time::Duration::from_millis(100);
    let first = app.reader_article();
    apply_all(&mut app, &[Action::Down, Action::Down, Action::Down]);
    assert_eq!(app.selected, 3, "the selection moves at once");
    assert!(app.preview_waiting());
    assert_eq!(
        app.reader_article(),
        first,
        "the reader still shows the first"
    );
    app.show_preview();
    assert!(!app.preview_waiting());
    assert_eq!(app.reader_article(), app.selected_article());
    assert_eq!(app.scroll, 0);

    // Any other key acts on the selection, so it shows it first.
    app.apply(Action::Down);
    assert!(app.preview_waiting());
    app.apply(Action::ToggleStar);
    assert!(!app.preview_waiting());
    assert_eq!(app.reader_article(), app.selected_article());
    let id = app.library.articles[app.selected_article().unwrap()]
        .id
        .clone();
    assert!(app.marks.is_starred(&id));

    // Without a delay, or without two panes, nothing waits.
    app.settings.preview_delay = std::time::Duration::ZERO;
    app.apply(Action::Down);
    assert!(!app.preview_waiting());
    let mut narrow = sample(60, 20);
    narrow.settings.preview_delay = std::time::Duration::from_millis(100);
    narrow.apply(Action::Down);
    assert!(!narrow.preview_waiting());
}

#[test]
fn resizing_keeps_the_reading_position() {
    let mut app = sample(80, 24);
    apply_all(&mut app, &[Action::Bottom, Action::Open]);
    apply_all(&mut app, &[Action::Down; 20]);
    let before = app.reader_lines()[app.scroll].clone();
    app.resize(40, 15);
    let lines = app.reader_lines();
    let after = &lines[app.scroll];
    let next = lines.get(app.scroll + 1).map_or(usize::MAX, |l| l.offset);
    assert!(
        after.offset <= before.offset && before.offset < next,
        "{before:?} → {after:?}"
    );
}

#[test]
fn help_swallows_the_key_that_closes_it() {
    let mut app = sample(80, 24);
    apply_all(&mut app, &[Action::Help, Action::Down]);
    assert_eq!(app.mode, Mode::Help(1), "j scrolls the help");
    apply_all(&mut app, &[Action::Open]);
    assert_eq!(app.mode, Mode::Browse);
    assert_eq!(
        (app.selected, app.focus),
        (0, Focus::List),
        "the closing key does nothing else"
    );
    let effects = apply_all(&mut app, &[Action::Help, Action::Quit]);
    assert_eq!(effects, [], "q closes the help first");
}

#[test]
fn a_reloaded_library_keeps_the_selected_article() {
    let mut app = sample(120, 30);
    apply_all(
        &mut app,
        &[Action::Down, Action::Down, Action::Open, Action::Down],
    );
    let id = app.library.articles[app.selected_article().unwrap()]
        .id
        .clone();
    let mut lib = Library::sample();
    lib.articles.remove(app.order[0]); // the newest article goes away: positions shift
    let before = app.selected;
    app.replace_library(lib);
    assert_eq!(app.selected, before - 1);
    assert_eq!(app.library.articles[app.selected_article().unwrap()].id, id);
    assert_eq!((app.focus, app.scroll), (Focus::Reader, 1));
}

#[test]
fn the_reader_keeps_its_measure_and_centres_on_wide_screens() {
    let l = Layout::new(240, 50);
    assert_eq!(l.reader.width, 80);
    let pane_left = l.list.width + 2;
    let pane_w = 240 - l.list.width - 3;
    assert_eq!(l.reader.x, pane_left + (pane_w - 80) / 2);
    let s = LayoutSettings {
        center: false,
        measure: 60,
        ..LayoutSettings::default()
    };
    assert_eq!(Layout::with(240, 50, &s).reader.x, pane_left);
}

#[test]
fn vertical_layout_puts_the_list_above_the_reader() {
    let s = LayoutSettings {
        vertical: true,
        split: 30,
        ..LayoutSettings::default()
    };
    let l = Layout::with(120, 41, &s);
    assert!(l.two_pane);
    assert_eq!((l.list.height, l.separator.y, l.reader.y), (12, 12, 13));
    assert_eq!(l.list.width, 120);
}

#[test]
fn the_mouse_selects_and_scrolls_the_pane_under_it() {
    let mut app = sample(120, 30);
    app.click(5, 3);
    assert_eq!((app.selected, app.focus), (3, Focus::List));
    let reader_x = app.layout().reader.x + 1;
    app.wheel(reader_x, 5, true);
    assert_eq!(app.scroll, 3);
    app.click(reader_x, 5);
    assert_eq!(app.focus, Focus::Reader);
    app.wheel(5, 5, true); // over the list: the list scrolls (it is short: no room)
    assert_eq!(app.list_offset, 0);
    app.click(5, 29); // the status line: nothing
    assert_eq!(app.focus, Focus::Reader);
}

/// Presses the keys; returns the effects they asked for.
fn keys(app: &mut App, notation: &str) -> Vec<Effect> {
    crate::input::keys::parse_keys(notation)
        .unwrap()
        .into_iter()
        .filter_map(|key| app.key(key))
        .collect()
}

#[test]
fn search_filters_as_you_type_enter_keeps_esc_clears() {
    let mut app = sample(80, 24);
    let all = app.order.len();
    keys(&mut app, "/lang:ja");
    assert!(matches!(app.mode, Mode::Search(_)));
    assert_eq!(app.order.len(), 2, "the two Japanese articles");
    keys(&mut app, "<Enter>");
    assert!(!matches!(app.mode, Mode::Search(_)));
    assert_eq!(app.order.len(), 2, "Enter keeps the filter");
    keys(&mut app, "j"); // keys work again
    assert_eq!(app.selected, 1);
    keys(&mut app, "/<Esc>");
    assert_eq!((app.order.len(), app.filter_text.as_str()), (all, ""));
}

#[test]
fn a_malformed_query_says_why_and_keeps_the_last_filter() {
    let mut app = sample(80, 24);
    keys(&mut app, "/光伏");
    assert_eq!(app.order.len(), 1);
    keys(&mut app, " \"unclosed");
    assert_eq!(app.order.len(), 1, "the last good filter stays");
    assert!(
        app.notice.as_deref().is_some_and(|n| n.contains("quote")),
        "{:?}",
        app.notice
    );
    keys(&mut app, "<BS><BS><BS><BS><BS><BS><BS><BS><BS><BS>");
    assert_eq!(app.filter_text, "光伏");
}

#[test]
fn backspace_and_ctrl_u_edit_the_prompt() {
    let mut app = sample(80, 24);
    keys(&mut app, "/abc<BS>");
    assert_eq!(app.mode, Mode::Search("ab".into()));
    keys(&mut app, "<C-u>");
    assert_eq!(app.mode, Mode::Search(String::new()));
}

#[test]
fn n_jumps_to_matches_in_the_reader() {
    let mut app = sample(80, 24);
    keys(&mut app, "/光伏<Enter>n");
    assert_eq!(app.focus, Focus::Reader);
    let first = app.scroll;
    assert!(first > 0);
    keys(&mut app, "n");
    assert!(app.scroll > first || app.scroll == app.max_scroll());
    keys(&mut app, "N");
    assert_eq!(app.scroll, first);
}

#[test]
fn u_s_and_a_change_the_marks() {
    let mut app = sample(80, 24);
    let id = |app: &App, pos: usize| app.library.articles[app.order[pos]].id.clone();
    keys(&mut app, "<Enter><Esc>");
    assert!(app.marks.is_read(&id(&app, 0)), "opening marks read");
    keys(&mut app, "u");
    assert!(!app.marks.is_read(&id(&app, 0)), "u marks unread again");
    keys(&mut app, "s");
    assert!(app.marks.is_starred(&id(&app, 0)));
    keys(&mut app, "/lang:ja<Enter>A");
    let listed: Vec<String> = (0..app.order.len()).map(|p| id(&app, p)).collect();
    assert!(listed.iter().all(|i| app.marks.is_read(i)));
    keys(&mut app, "<Esc>");
    for p in 0..app.order.len() {
        let i = id(&app, p);
        assert_eq!(
            app.marks.is_read(&i),
            listed.contains(&i),
            "A marked only the listed articles"
        );
    }
}

#[test]
fn sort_cycles_and_keeps_the_selection() {
    let mut app = sample(80, 24);
    keys(&mut app, "jjj");
    let id = app.library.articles[app.selected_article().unwrap()]
        .id
        .clone();
    keys(&mut app, "S");
    assert_eq!(app.sort, Sort::Source);
    assert_eq!(app.library.articles[app.selected_article().unwrap()].id, id);
    let sources: Vec<String> = app
        .order
        .iter()
        .map(|&i| app.library.articles[i].source.clone().unwrap_or_default())
        .collect();
    assert!(sources.windows(2).all(|w| w[0] <= w[1]), "{sources:?}");
    keys(&mut app, "SS");
    assert_eq!(app.sort, Sort::Date);
}

#[test]
fn sort_orders_match_plain_comparisons() {
    // Sources missing, empty and repeated; titles equal, sharing long
    // prefixes (past the 16 bytes compared first), CJK; dates equal,
    // missing and in other zones.
    let mut jsonl = String::new();
    for n in 0..400u32 {
        let source = match n % 5 {
            0 => String::new(),
            1 => ",\"source\":\"\"".into(),
            k => format!(",\"source\":\"来源{}\"", (n * 7 + k) % 6),
        };
        let published = match n % 4 {
            0 => String::new(),
            1 => ",\"published\":\"2024-01-01T08:00:00+08:00\"".into(),
            _ => format!(
                ",\"published\":\"2024-01-{:02}T{:02}:00:00Z\"",
                1 + n % 28,
                n % 24
            ),
        };
        let title = match n % 3 {
            0 => "同一个标题".to_string(),
            1 => format!("共同的很长的前缀超过十六个字节{}", (n * 13) % 50),
            _ => format!("title {}", (n * 31) % 97),
        };
        jsonl.push_str(&format!(
            "{{\"id\":\"i{n}\",\"title\":\"{title}\"{source}{published},\"body\":[\"x\"]}}\n"
        ));
    }
    let mut lib = Library::default();
    lib.load_text("s.jsonl", jsonl.as_bytes(), kanbao_core::Format::JsonLines);
    assert_eq!(lib.articles.len(), 400, "{:?}", lib.problems);
    let a = &lib.articles;
    let date = |i: usize| match &a[i].published {
        Some(p) => (0, std::cmp::Reverse(p.sort_key())),
        None => (1, std::cmp::Reverse(0)),
    };
    let source = |i: usize| a[i].source.clone().unwrap_or_default();
    let mut by_date: Vec<usize> = (0..a.len()).collect();
    by_date.sort_by_key(|&i| (date(i), i));
    let mut by_source: Vec<usize> = (0..a.len()).collect();
    by_source.sort_by_key(|&i| (source(i).is_empty(), source(i), date(i), i));
    let mut by_title: Vec<usize> = (0..a.len()).collect();
    by_title.sort_by_key(|&i| (a[i].title.clone(), i));
    for (sort, expected) in [
        (Sort::Date, by_date),
        (Sort::Source, by_source),
        (Sort::Title, by_title),
    ] {
        let rank = sort::ranks(&lib, sort);
        let mut got: Vec<usize> = (0..a.len()).collect();
        got.sort_by_key(|&i| rank[i]);
        assert_eq!(got, expected, "{sort:?}");
    }
}

#[test]
fn idle_time_prepares_every_sort_once() {
    let mut app = sample(80, 24);
    let mut done = 0;
    while app.prepare_when_idle() {
        done += 1;
        assert!(done <= 3);
    }
    assert!(app.ranks.iter().all(Option::is_some));
    keys(&mut app, "S");
    assert_eq!(app.sort, Sort::Source);
}

#[test]
fn links_open_and_copy_through_the_event_loop() {
    let mut lib = Library::default();
    lib.load_text(
        "a.json",
        br#"{"title":"t","url":"https://example.org/a","links":["https://example.org/1","https://example.org/2"]}"#,
        kanbao_core::Format::Json,
    );
    let mut app = App::new(lib, TypesetOptions::default(), 80, 24);
    assert_eq!(
        keys(&mut app, "o"),
        [Effect::Open(link("https://example.org/a"))]
    );
    assert_eq!(
        keys(&mut app, "y"),
        [Effect::Copy(link("https://example.org/a"))]
    );
    keys(&mut app, "L");
    assert!(matches!(app.mode, Mode::Links(_)));
    assert_eq!(
        keys(&mut app, "2"),
        [Effect::Open(link("https://example.org/2"))]
    );
    assert_eq!(app.mode, Mode::Browse);
    let effects = keys(&mut app, "L<Esc>");
    assert!(app.mode == Mode::Browse && effects.is_empty());
}

#[test]
fn a_url_that_is_not_a_web_link_is_never_opened() {
    let mut lib = Library::default();
    lib.load_text(
        "a.json",
        br#"{"title":"t","url":"javascript:alert(1)"}"#,
        kanbao_core::Format::Json,
    );
    let mut app = App::new(lib, TypesetOptions::default(), 80, 24);
    assert!(keys(&mut app, "o").is_empty());
    assert_eq!(
        app.notice.as_deref(),
        Some("not opened: javascript: links are never opened (only http, https and mailto)")
    );
    assert!(keys(&mut app, "y").is_empty());
    assert!(
        app.notice
            .as_deref()
            .unwrap()
            .starts_with("not copied: javascript:")
    );
}

fn link(text: &str) -> kanbao_core::Link {
    kanbao_core::Link::parse(text).unwrap()
}

#[test]
fn body_links_pass_the_same_check_as_the_url() {
    let mut lib = Library::default();
    lib.load_text(
        "a.json",
        br#"{"title":"t","url":"mailto:a@example.org?attach=/etc/passwd","links":[
            "--gpu-launcher=touch pwned","javascript:alert(1)","file:///etc/passwd",
            "https://example.org/ok","mailto:a@example.org?attach=/etc/passwd"]}"#,
        kanbao_core::Format::Json,
    );
    let mut app = App::new(lib, TypesetOptions::default(), 80, 24);
    assert!(keys(&mut app, "o").is_empty());
    assert_eq!(
        app.notice.as_deref(),
        Some("not opened: mailto links with the header `attach` are never opened")
    );
    for (n, why) in [
        (1, "not a web or mail address"),
        (2, "javascript: links"),
        (3, "file: links"),
        (5, "header `attach`"),
    ] {
        assert!(keys(&mut app, &format!("L{n}")).is_empty(), "L{n}");
        let notice = app.notice.clone().unwrap_or_default();
        assert!(
            notice.starts_with(&format!("[{n}] not opened: ")) && notice.contains(why),
            "L{n}: {notice}"
        );
        assert_eq!(app.mode, Mode::Browse);
    }
    assert_eq!(
        keys(&mut app, "L4"),
        [Effect::Open(link("https://example.org/ok"))]
    );
}

#[test]
fn problems_get_one_notice_and_bang_shows_them() {
    let mut lib = Library::default();
    lib.load_text(
        "a.jsonl",
        b"{\"title\":\"good\"}\n{\"title\":3}\nnot json\n",
        kanbao_core::Format::JsonLines,
    );
    let mut app = App::new(lib, TypesetOptions::default(), 80, 24);
    assert_eq!(
        app.notice.as_deref(),
        Some("2 problems loading articles: ! shows them")
    );
    keys(&mut app, "!");
    assert!(matches!(app.mode, Mode::Problems(_)));
    let screen = crate::terminal::snapshot::to_text(&crate::terminal::snapshot::draw(
        &mut app,
        &crate::ui::Theme::default(),
    ));
    assert!(screen.contains("a.jsonl:2:10: field `title`"), "{screen}");
    assert!(
        screen.contains("a.jsonl:3:") && screen.contains("invalid JSON"),
        "{screen}"
    );
    keys(&mut app, "x");
    assert!(!matches!(app.mode, Mode::Problems(_)));
    let mut clean = sample(80, 24);
    keys(&mut clean, "!");
    assert!(!matches!(clean.mode, Mode::Problems(_)));
    assert_eq!(
        clean.notice.as_deref(),
        Some("no problems loading the articles")
    );
}

#[test]
fn a_huge_paragraph_opens_scrolls_and_ends_typeset_lazily() {
    let paragraph = "嘉兴围绕“碳达峰、碳中和”发展目标，发挥光伏产业的比较优势。".repeat(40_000); // ~3.6 MB
    let mut lib = Library::default();
    lib.articles
        .push(kanbao_core::Article::new("巨型段落", vec![paragraph]));
    let mut app = App::new(lib, TypesetOptions::default(), 80, 24);
    apply_all(&mut app, &[Action::Open, Action::PageDown, Action::Down]);
    let doc = app.reader_doc();
    assert!(!doc.is_done(), "only what was looked at is typeset");
    assert!(doc.lines().len() < 2_000);
    assert!(app.scroll_indicator().ends_with('%'));
    app.apply(Action::Bottom);
    assert!(app.reader_doc().is_done());
    let max = app.max_scroll();
    assert_eq!(app.scroll, max);
    assert_eq!(app.scroll_indicator(), "Bot");
}

#[test]
fn without_preview_the_reader_changes_on_enter_only() {
    let mut app = sample(120, 30);
    app.settings.preview = false;
    let shown = app.reader_article();
    assert_eq!(shown, None, "nothing is shown before the first Enter");
    apply_all(&mut app, &[Action::Down, Action::Down]);
    assert_eq!(
        app.reader_article(),
        shown,
        "j moves the selection, not the reader"
    );
    app.apply(Action::Open);
    assert_eq!(app.reader_article(), app.selected_article());
    apply_all(&mut app, &[Action::Down, Action::Back, Action::Down]);
    assert_ne!(app.reader_article(), app.selected_article());
    let mut app = sample(120, 30); // the default follows the selection
    app.apply(Action::Down);
    assert_eq!(app.reader_article(), app.selected_article());
}

#[test]
fn an_empty_library_is_harmless() {
    let mut app = App::new(Library::default(), TypesetOptions::default(), 80, 24);
    apply_all(
        &mut app,
        &[Action::Down, Action::Open, Action::Bottom, Action::PageDown],
    );
    app.resize(1, 1);
    assert_eq!(app.focus, Focus::List);
}

/// The key of the article at list position `p`.
fn key_at(app: &App, p: usize) -> String {
    app.article(app.order[p]).unwrap().key().into_owned()
}

#[test]
fn space_at_the_end_of_an_article_opens_the_next_unread_one() {
    for (width, height) in [(60, 20), (120, 30)] {
        let mut app = sample(width, height);
        // The second article was read already: reading on skips it.
        let second = key_at(&app, 1);
        app.marks.set_read(&second, true).unwrap();
        app.apply(Action::Open);
        assert_eq!(app.focus, Focus::Reader);
        let first = key_at(&app, 0);
        assert!(app.marks.is_read(&first), "opening marks read");
        // Space to the end, then once more.
        let mut pages = 0;
        while app.selected == 0 {
            app.apply(Action::PageDown);
            pages += 1;
            assert!(pages < 500, "never left the first article");
        }
        assert_eq!(app.selected, 2, "{width}x{height}: the read one is skipped");
        assert_eq!((app.focus, app.scroll), (Focus::Reader, 0));
        assert!(app.marks.is_read(&key_at(&app, 2)), "and it is opened");
    }
}

#[test]
fn paging_to_the_end_marks_read_and_n_and_shift_n_go_to_unread_articles() {
    let mut app = sample(120, 30);
    let n = app.order.len();
    // Every article but the first and the last three is read.
    for p in 1..n - 3 {
        let key = key_at(&app, p);
        app.marks.set_read(&key, true).unwrap();
    }
    // Without a search, n goes to the next unread, from the list too.
    app.apply(Action::NextMatch);
    assert_eq!((app.selected, app.focus), (n - 3, Focus::List));
    assert!(
        !app.marks.is_read(&key_at(&app, n - 3)),
        "selecting does not mark"
    );
    app.apply(Action::PrevMatch);
    assert_eq!(app.selected, 0);
    app.apply(Action::PrevMatch);
    assert_eq!(app.selected, 0);
    assert_eq!(app.notice(), Some("no unread articles above"));
    // In the reader, n opens it: marked read, so N from the last one
    // skips it.
    app.apply(Action::NextMatch);
    app.apply(Action::Open);
    app.apply(Action::NextMatch);
    assert_eq!((app.selected, app.focus), (n - 2, Focus::Reader));
    assert!(app.marks.is_read(&key_at(&app, n - 2)));
    app.apply(Action::NextMatch);
    assert_eq!(app.selected, n - 1);
    app.apply(Action::NextMatch);
    assert_eq!(app.notice(), Some("no unread articles below"));
    // An article paged to its end is read even when it was not opened:
    // u made the last one unread again, Space pages it to its end.
    app.apply(Action::ToggleRead);
    assert!(!app.marks.is_read(&key_at(&app, n - 1)));
    let mut pages = 0;
    while !app.marks.is_read(&key_at(&app, n - 1)) {
        app.apply(Action::PageDown);
        pages += 1;
        assert!(pages < 500);
    }
    assert_eq!(app.selected, n - 1);
}

#[test]
fn shift_j_and_shift_k_step_through_articles_from_the_reader() {
    let mut app = sample(60, 20);
    apply_all(&mut app, &[Action::Open, Action::Down, Action::NextArticle]);
    assert_eq!((app.selected, app.scroll, app.focus), (1, 0, Focus::Reader));
    assert!(app.marks.is_read(&key_at(&app, 1)), "opened, so read");
    apply_all(&mut app, &[Action::PrevArticle, Action::PrevArticle]);
    assert_eq!(app.selected, 0);
    assert_eq!(app.notice(), Some("this is the first article"));
    // From the list they move the selection like j and k.
    apply_all(
        &mut app,
        &[Action::Quit, Action::NextArticle, Action::NextArticle],
    );
    assert_eq!((app.selected, app.focus), (2, Focus::List));
    assert!(!app.marks.is_read(&key_at(&app, 2)));
}

#[test]
fn an_article_shown_beside_the_list_for_a_while_is_marked_read() {
    let mut app = sample(120, 30);
    let start = std::time::Instant::now();
    let at = |ms: u64| start + Duration::from_millis(ms);
    let first = key_at(&app, 0);
    assert!(!app.dwell(at(0)));
    assert_eq!(app.dwell_left(at(1000)), Some(Duration::from_millis(500)));
    assert!(!app.dwell(at(1499)));
    assert!(!app.marks.is_read(&first));
    assert!(app.dwell(at(1500)), "on screen 1.5 s: read");
    assert!(app.marks.is_read(&first));
    assert_eq!(app.dwell_left(at(1600)), None);
    // Moving on before the time is up leaves it unread; the time starts
    // again for each article.
    app.apply(Action::Down);
    let second = key_at(&app, 1);
    assert!(!app.dwell(at(1600)));
    app.apply(Action::Down);
    assert!(!app.dwell(at(2500)));
    assert!(!app.marks.is_read(&second));
    // `u` on the article shown keeps it unread while it stays there.
    assert!(app.dwell(at(4000)));
    app.apply(Action::ToggleRead);
    let third = key_at(&app, 2);
    assert!(!app.marks.is_read(&third));
    assert!(!app.dwell(at(9000)));
    assert_eq!(app.dwell_left(at(9000)), None);
    assert!(!app.marks.is_read(&third));
    // Zero: only opening marks read.
    let mut app = sample(120, 30);
    app.settings.mark_read_after = Duration::ZERO;
    assert!(!app.dwell(at(0)));
    assert!(!app.dwell(at(60_000)));
    assert!(!app.marks.is_read(&first));
    // Nor does the sources view.
    let mut app = sample(120, 30);
    app.apply(Action::Quit);
    assert!(app.in_sources());
    assert!(!app.dwell(at(0)));
    assert!(!app.dwell(at(60_000)));
    assert!(!app.marks.is_read(&first));
    // In one pane, the list alone shows no article.
    let mut app = sample(60, 20);
    assert!(!app.dwell(at(0)));
    assert!(!app.dwell(at(60_000)));
    assert!(!app.marks.is_read(&first));
}

#[test]
fn shift_u_undoes_the_last_mark_once() {
    let mut app = sample(120, 30);
    let n = app.order.len();
    let first = key_at(&app, 0);
    app.marks.set_read(&key_at(&app, 3), true).unwrap();
    // A, then U: what was unread is unread again; what was read stays read.
    app.apply(Action::MarkAllRead);
    assert_eq!(
        app.notice(),
        Some(format!("{n} articles marked read (U undoes it)").as_str())
    );
    assert!((0..n).all(|p| app.marks.is_read(&key_at(&app, p))));
    app.apply(Action::Undo);
    assert_eq!(
        app.notice(),
        Some(format!("undone: {} articles unread again", n - 1).as_str())
    );
    assert!(app.marks.is_read(&key_at(&app, 3)));
    assert!(
        (0..n)
            .filter(|&p| p != 3)
            .all(|p| !app.marks.is_read(&key_at(&app, p)))
    );
    app.apply(Action::Undo);
    assert_eq!(app.notice(), Some("nothing to undo"));
    // u and s, each undone.
    app.apply(Action::ToggleRead);
    assert!(app.marks.is_read(&first));
    app.apply(Action::Undo);
    assert!(!app.marks.is_read(&first));
    app.apply(Action::ToggleStar);
    assert!(app.marks.is_starred(&first));
    app.apply(Action::Undo);
    assert!(!app.marks.is_starred(&first));
    // The article shown is not marked read again by resting on it.
    let now = std::time::Instant::now();
    app.dwell(now);
    assert!(!app.dwell(now + Duration::from_secs(5)));
    assert!(!app.marks.is_read(&first));
}
