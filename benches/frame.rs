//! One frame of the browser at 120x40 on 5,000 generated Chinese articles
//! (examples/gen_corpus.rs): what the user waits for between a key and the
//! screen, minus the terminal.
//!
//! - `open/App::new+G<Enter>+draw`: a new browser, `G` (last article) and
//!   `Enter` (open it), then one frame drawn into a buffer, as
//!   `kanbao snapshot --size 120x40 --keys 'G<Enter>'` does (the library is
//!   cloned, and the browser dropped, outside the timing);
//! - `redraw/reader`: the same screen drawn again (its typesetting cached);
//! - `step/j+draw`: one step down the list and a frame, which typesets the
//!   newly selected article for the reader pane.
//!
//! Baseline in the same group: filling a 120x40 buffer with 40 lines of the
//! same Chinese text (`Buffer::set_string`), the least a frame costs.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use kanbao::app::{Action, App};
use kanbao::terminal::snapshot;
use kanbao::ui::Theme;
use kanbao_core::Library;
use kanbao_core::TypesetOptions;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

#[path = "../examples/gen_corpus.rs"]
#[allow(dead_code)]
mod gen_corpus;

const ARTICLES: usize = 5_000;
const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;

fn opened(lib: Library, theme: &Theme) -> App {
    let mut app = App::new(lib, TypesetOptions::default(), WIDTH, HEIGHT);
    snapshot::replay(&mut app, "G<Enter>", theme).expect("keys");
    app
}

fn bench(c: &mut Criterion) {
    let (jsonl, _) = gen_corpus::cached(ARTICLES);
    let lib = Library::load(&[&jsonl]);
    assert_eq!(lib.articles.len(), ARTICLES);
    let theme = Theme::default();

    let text: String = lib.articles[0].body.concat();
    let rows: Vec<String> = text
        .chars()
        .collect::<Vec<_>>()
        .chunks(usize::from(WIDTH) / 2)
        .take(usize::from(HEIGHT))
        .map(|c| c.iter().collect())
        .collect();

    let mut group = c.benchmark_group("frame_120x40_5000");
    group.bench_function("open/App::new+G<Enter>+draw", |b| {
        b.iter_batched(
            || lib.clone(),
            |lib| {
                let mut app = App::new(lib, TypesetOptions::default(), WIDTH, HEIGHT);
                let buf = snapshot::replay(&mut app, black_box("G<Enter>"), &theme).expect("keys");
                (app, buf) // dropped outside the timing
            },
            BatchSize::LargeInput,
        )
    });
    let mut app = opened(lib.clone(), &theme);
    group.bench_function("redraw/reader", |b| {
        b.iter(|| snapshot::draw(black_box(&mut app), &theme))
    });
    let mut app = App::new(lib.clone(), TypesetOptions::default(), WIDTH, HEIGHT);
    group.bench_function("step/j+draw", |b| {
        b.iter(|| {
            if app.selected() + 1 >= app.order().len() {
                app.apply(Action::Top);
            }
            app.apply(Action::Down);
            snapshot::draw(black_box(&mut app), &theme)
        })
    });
    group.bench_function("baseline/set_string_40_rows", |b| {
        b.iter(|| {
            let mut buf = Buffer::empty(Rect::new(0, 0, WIDTH, HEIGHT));
            for (y, row) in black_box(&rows).iter().enumerate() {
                buf.set_string(0, y as u16, row, Style::default());
            }
            buf
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
