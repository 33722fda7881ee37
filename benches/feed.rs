//! Reading an Atom feed of 5,000 generated Chinese articles
//! (examples/gen_corpus.rs, the corpus of benches/load.rs and
//! scripts/bench.sh): `import::feed::parse` as kanbao runs it, on one
//! thread, and the slow reference it is checked against; and the HTML of the
//! entries' content to text, the fast way and through the parsed tree.
//!
//! Baselines in the same group, to read the results as ratios on a noisy
//! machine: reading the JSON Lines file of the same articles into a library
//! (`Library::load`, what `kanbao corpus.jsonl` does), and feed-rs alone
//! on the feed.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kanbao_core::Library;
use kanbao_core::feed::{Tuning, parse, parse_tuned};
use kanbao_core::html_text::{html_to_text, html_to_text_tree};

#[path = "../examples/gen_corpus.rs"]
#[allow(dead_code)]
mod gen_corpus;

const ARTICLES: usize = 5_000;

/// The best of a few runs, outside criterion, to print the figures at once.
fn best(name: &str, f: impl Fn() -> usize) {
    let mut times = Vec::new();
    let mut n = 0;
    for _ in 0..5 {
        let start = Instant::now();
        n = f();
        times.push(start.elapsed());
    }
    times.sort();
    eprintln!(
        "feed/{name}: {n} in {:.1?} (median {:.1?})",
        times[0], times[2]
    );
}

fn bench(c: &mut Criterion) {
    let (jsonl, atom) = gen_corpus::cached(ARTICLES);
    let bytes = std::fs::read(&atom).expect("corpus");
    let one = Tuning {
        threads: 1,
        ..Tuning::default()
    };
    let reference = Tuning {
        reference: true,
        ..one
    };
    // The fast way reads the corpus as the reference does.
    let fast = parse(&bytes, None).expect("feed");
    assert_eq!(fast.len(), ARTICLES);
    assert!(fast == parse_tuned(&bytes, None, reference).expect("feed"));
    drop(fast);
    let contents: Vec<String> = feed_rs::parser::parse(&bytes[..])
        .expect("feed")
        .entries
        .into_iter()
        .filter_map(|e| e.content?.body)
        .collect();

    best("Library::load/jsonl", || {
        Library::load(&[&jsonl]).articles.len()
    });
    best("parse", || parse(&bytes, None).map_or(0, |a| a.len()));
    best("parse/1_thread", || {
        parse_tuned(&bytes, None, one).map_or(0, |a| a.len())
    });
    best("parse/reference", || {
        parse_tuned(&bytes, None, reference).map_or(0, |a| a.len())
    });
    best("feed_rs", || {
        feed_rs::parser::parse(&bytes[..]).map_or(0, |f| f.entries.len())
    });
    best("html_to_text", || {
        contents
            .iter()
            .map(|h| html_to_text(h, None).paragraphs.len())
            .sum()
    });
    best("html_to_text_tree", || {
        contents
            .iter()
            .map(|h| html_to_text_tree(h, None).paragraphs.len())
            .sum()
    });

    let mut group = c.benchmark_group("feed_5000");
    group.throughput(Throughput::Elements(ARTICLES as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("baseline/Library::load/jsonl", |b| {
        b.iter(|| Library::load(black_box(&[&jsonl])))
    });
    group.bench_function("baseline/feed_rs", |b| {
        b.iter(|| feed_rs::parser::parse(black_box(&bytes[..])))
    });
    group.bench_function("parse", |b| b.iter(|| parse(black_box(&bytes), None)));
    group.bench_function("parse/1_thread", |b| {
        b.iter(|| parse_tuned(black_box(&bytes), None, one))
    });
    group.bench_function("parse/reference", |b| {
        b.iter(|| parse_tuned(black_box(&bytes), None, reference))
    });
    group.bench_function("html_to_text", |b| {
        b.iter(|| {
            for h in &contents {
                black_box(html_to_text(h, None));
            }
        })
    });
    group.bench_function("html_to_text_tree", |b| {
        b.iter(|| {
            for h in &contents {
                black_box(html_to_text_tree(h, None));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
