//! The browser over the library database lists it as a window (the rows on
//! screen read as they come, the orders from their indexes, searches in
//! the background): it must list exactly what a browser over the same
//! library loaded whole lists — at every position, in every sort, with
//! filters and searches — while holding only a window of it.

use kanbao::app::{Action, App};
use kanbao_core::{Article, LibraryDb, TypesetOptions};

use crate::common::TempDir;

/// A library made to find differences: dates that tie (and undated
/// articles), sources that tie, are empty or missing, titles that tie,
/// ids that repeat across feeds, bodies with CJK and Latin words.
fn generated(n: usize) -> Vec<Article> {
    let mut seed: u64 = 0x5eed;
    let mut next = move |m: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % m
    };
    let sources = [
        Some("人民网"),
        Some("新华网"),
        Some("Reuters"),
        Some("BBC 中文"),
        Some(""),
        None,
        Some("南方日报"),
    ];
    let words = [
        "光伏",
        "风电",
        "光",
        "嘉兴制造业",
        "Solar Power",
        "wind",
        "储能",
        "电",
    ];
    (0..n)
        .map(|i| {
            let mut doc = serde_json::json!({
                "id": format!("{}", i / 3),
                "feed": format!("https://feed{}.example/rss", i % 3),
                "title": match next(4) {
                    0 => "同一个标题".to_string(),
                    1 => format!("{} 第{}篇", words[next(8) as usize], next(50)),
                    _ => format!("Article {}", next(1000)),
                },
                "body": [
                    format!("正文：{}与{}。", words[next(8) as usize], words[next(8) as usize]),
                    format!("Paragraph {} about {}.", next(100), words[next(8) as usize]),
                ],
            });
            if next(9) != 0 {
                doc["published"] = serde_json::json!(format!(
                    "2024-03-{:02}T{:02}:00:00+08:00",
                    1 + next(6),
                    next(3) * 8
                ));
            }
            if let Some(s) = sources[next(7) as usize] {
                doc["source"] = serde_json::json!(s);
            }
            Article::from_json(&doc.to_string()).unwrap()
        })
        .collect()
}

/// A database of `n` generated articles, indexed or not, in `dir`.
fn database(dir: &TempDir, n: usize, indexed: bool) -> std::path::PathBuf {
    let path = dir.path("library.sqlite3");
    let mut db = LibraryDb::open(&path).unwrap();
    let articles = generated(n);
    for batch in articles.chunks(97) {
        db.store(batch).unwrap();
    }
    if indexed {
        db.catch_up_index(kanbao_core::INDEX_BATCH, |_| true)
            .unwrap();
    }
    path
}

/// A browser over the whole library loaded, and one that is a window over
/// the database, both 80x12 (a list of 11 rows: a window much smaller
/// than the library).
fn browsers(path: &std::path::Path) -> (App, App) {
    let whole = LibraryDb::open(path).unwrap().library().unwrap();
    let options = TypesetOptions::default();
    let mut memory = App::new(whole, options, 80, 12);
    memory.refresh_order();
    let settings = kanbao::app::Settings::new(options);
    let mut window =
        App::with_database(LibraryDb::open(path).unwrap(), options, settings, 80, 12).unwrap();
    window.refresh_order();
    assert!(window.windowed());
    (memory, window)
}

/// Waits for the window's orders and search.
fn settle(app: &mut App) {
    let start = std::time::Instant::now();
    while app.searching() {
        app.poll_search();
        assert!(
            start.elapsed().as_secs() < 60,
            "the background work never ended"
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    app.poll_search();
}

/// What the list shows at each position, walked from the top with `j`:
/// the selected article's identity, title, source and date.
fn walk(app: &mut App) -> Vec<String> {
    app.apply(Action::Top);
    let n = app.order().len();
    let mut seen = Vec::with_capacity(n);
    for position in 0..n {
        assert_eq!(app.selected(), position);
        let i = app.selected_article().expect("a selection");
        let a = app.article(i).expect("the selected article is read");
        seen.push(format!(
            "{} | {} | {:?} | {:?}",
            a.key(),
            a.title,
            a.source,
            a.published.as_ref().map(|p| p.to_rfc3339())
        ));
        app.apply(Action::Down);
    }
    seen
}

fn sort_name(app: &App) -> String {
    app.notice().unwrap_or("date").to_string()
}

#[test]
fn the_window_lists_what_the_whole_library_lists_at_every_position_in_every_sort() {
    let dir = TempDir::new("window-sorts");
    let path = database(&dir, 700, true);
    let (mut memory, mut window) = browsers(&path);
    // The first screen, before any order is read whole, is the top of the
    // finished list, and says how many there are.
    let top: Vec<usize> = window.order().iter().take(11).copied().collect();
    assert_eq!(top.len(), 11);
    settle(&mut window);
    assert_eq!(window.order().len(), 700);
    assert_eq!(
        window.order()[..11],
        top[..],
        "the first screen was the top"
    );
    // `G` at once, while the order may still be being read: the end of the
    // whole list, not of the first screen's rows; and `A`, all of it.
    let (_, mut early) = browsers(&path);
    early.apply(Action::MarkAllRead);
    assert_eq!(
        early.notice(),
        Some("700 articles marked read (U undoes it)")
    );
    let (_, mut early) = browsers(&path);
    early.apply(Action::Bottom);
    assert_eq!(early.selected(), 699);
    memory.apply(Action::Bottom);
    let last = |app: &App| {
        app.article(app.selected_article().unwrap())
            .unwrap()
            .key()
            .into_owned()
    };
    assert_eq!(last(&early), last(&memory));
    memory.apply(Action::Top);
    for _ in 0..3 {
        let name = sort_name(&memory);
        let (want, got) = (walk(&mut memory), walk(&mut window));
        assert_eq!(got.len(), want.len(), "sort {name}");
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g, w, "sort {name}, position {i}");
        }
        // The last row and a jump back, as `G` and `g` reach them.
        for app in [&mut memory, &mut window] {
            app.apply(Action::Bottom);
            assert_eq!(app.selected(), 699);
        }
        memory.apply(Action::CycleSort);
        window.apply(Action::CycleSort);
        settle(&mut window);
    }
}

#[test]
fn filters_and_searches_list_the_same_articles_in_the_same_order() {
    let dir = TempDir::new("window-filters");
    // Half the rows left for the index to take in later: a search must
    // find them all the same.
    let path = database(&dir, 400, true);
    {
        let mut db = LibraryDb::open(&path).unwrap();
        db.store(&generated(600)[400..]).unwrap();
        assert_eq!(db.unindexed().unwrap(), 200);
    }
    let (mut memory, mut window) = browsers(&path);
    settle(&mut window);
    // Some read, some starred, the same in both.
    for app in [&mut memory, &mut window] {
        app.apply(Action::Top);
        for step in 0..60 {
            if step % 3 == 0 {
                app.apply(Action::ToggleRead);
            }
            if step % 7 == 0 {
                app.apply(Action::ToggleStar);
            }
            app.apply(Action::Down);
        }
    }
    let queries = [
        "光",
        "光伏",
        "嘉兴制造业",
        "制造",
        "电",
        "-光伏",
        "solar",
        "\"solar power\"",
        "WIND",
        "source:人民网",
        "source:reuters 光伏",
        "is:unread",
        "is:read",
        "is:starred -风电",
        "after:2024-03-04",
        "before:2024-03-03 储能",
        "同一个标题",
        "nothing-matches-this",
    ];
    for sort in 0..3 {
        for q in queries {
            // The whole library's bodies are in their rows too: it searches
            // them in the background as well.
            memory.set_filter(q.into());
            settle(&mut memory);
            window.set_filter(q.into());
            settle(&mut window);
            let (want, got) = (walk(&mut memory), walk(&mut window));
            assert_eq!(got.len(), want.len(), "query {q:?} in sort {sort}");
            assert!(
                got == want,
                "query {q:?} in sort {sort}: same articles, same order"
            );
        }
        // Typing on narrows: `光` then `光伏` finds what `光伏` alone does.
        window.set_filter("光".into());
        settle(&mut window);
        window.set_filter("光伏".into());
        settle(&mut window);
        memory.set_filter("光伏".into());
        settle(&mut memory);
        assert_eq!(walk(&mut window), walk(&mut memory), "narrowed search");
        for app in [&mut memory, &mut window] {
            app.set_filter(String::new());
            app.apply(Action::CycleSort);
        }
        settle(&mut window);
    }
}

#[test]
fn the_window_holds_only_rows_near_the_screen_and_keeps_the_selection_across_a_reload() {
    let dir = TempDir::new("window-memory");
    let path = database(&dir, 3_000, true);
    let (_, mut window) = browsers(&path);
    settle(&mut window);
    assert_eq!(window.order().len(), 3_000);
    for _ in 0..3_000 {
        window.apply(Action::Down);
        assert!(
            window.window_rows() <= 8 * (11 + 2 * 64),
            "{} rows held at position {}",
            window.window_rows(),
            window.selected()
        );
    }
    window.apply(Action::Top);
    window.apply(Action::PageDown);
    window.apply(Action::PageDown);
    let chosen = window
        .article(window.selected_article().unwrap())
        .unwrap()
        .key()
        .into_owned();
    // Another kanbao stores new articles, newer than any: after the
    // browser reads the database again, they are listed and the article
    // the user was on is still selected.
    {
        let mut db = LibraryDb::open(&path).unwrap();
        let fresh: Vec<Article> = (0..5)
            .map(|i| {
                let doc = serde_json::json!({
                    "id": format!("new{i}"),
                    "title": format!("新文章 {i}"),
                    "published": "2025-01-01T08:00:00+08:00",
                    "body": ["新的正文。"],
                });
                Article::from_json(&doc.to_string()).unwrap()
            })
            .collect();
        db.store(&fresh).unwrap();
    }
    window.reload_database();
    settle(&mut window);
    assert_eq!(window.order().len(), 3_005);
    let now = window
        .article(window.selected_article().unwrap())
        .unwrap()
        .key()
        .into_owned();
    assert_eq!(now, chosen, "the selection stayed");
    window.apply(Action::Top);
    let top = window.article(window.selected_article().unwrap()).unwrap();
    assert!(top.title.starts_with("新文章"), "{}", top.title);
    // `A` on a filtered list marks what it lists (a few rows: one by one),
    // then on the whole list (thousands: from the key index).
    window.set_filter("source:人民网".into());
    settle(&mut window);
    let listed = window.order().len();
    assert!(listed > 0 && listed < 2_000, "{listed}");
    window.apply(Action::MarkAllRead);
    window.set_filter("is:read".into());
    settle(&mut window);
    assert_eq!(window.order().len(), listed);
    window.set_filter(String::new());
    window.apply(Action::MarkAllRead);
    assert_eq!(
        window.notice(),
        Some("3,005 articles marked read (U undoes it)")
    );
    window.set_filter("is:unread".into());
    settle(&mut window);
    assert_eq!(window.order().len(), 0, "every article read");
}

#[test]
fn reading_on_finds_the_same_unread_articles_in_the_window_as_in_the_whole_library() {
    let dir = TempDir::new("window-unread");
    let path = database(&dir, 700, true);
    let (mut memory, mut window) = browsers(&path);
    settle(&mut window);
    // Everything read but a few rows, some more than a chunk of the
    // search for them (512 rows) apart.
    let keys: Vec<String> = {
        let mut all = Vec::new();
        memory.apply(Action::Top);
        for _ in 0..700 {
            let i = memory.selected_article().unwrap();
            all.push(memory.article(i).unwrap().key().into_owned());
            memory.apply(Action::Down);
        }
        all
    };
    let unread = [3, 4, 90, 640, 699];
    for app in [&mut memory, &mut window] {
        let mut marks = kanbao_core::MarkStore::in_memory();
        for (p, key) in keys.iter().enumerate() {
            if !unread.contains(&p) {
                marks.set_read(key, true).unwrap();
            }
        }
        app.set_marks(marks);
        app.apply(Action::Top);
    }
    let selected = |app: &App| {
        app.article(app.selected_article().unwrap())
            .unwrap()
            .key()
            .into_owned()
    };
    for want in unread {
        for app in [&mut memory, &mut window] {
            app.apply(Action::NextMatch);
            assert_eq!(app.selected(), want);
        }
        assert_eq!(selected(&memory), selected(&window));
    }
    for app in [&mut memory, &mut window] {
        app.apply(Action::NextMatch);
        assert_eq!(app.notice(), Some("no unread articles below"));
        app.apply(Action::PrevMatch);
        assert_eq!(app.selected(), 640);
    }
}
