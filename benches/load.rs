//! Loading a library: `Library::load` (everything in memory) and
//! `Library::load_lazy` (what the browser does: metadata in memory, bodies
//! on disk; scanned, or read back from the metadata cache) on 5,000 generated Chinese articles
//! (examples/gen_corpus.rs, the corpus scripts/bench.sh uses), as JSON Lines
//! and as an Atom feed (whose bodies the cache keeps in a bodies file). Throughput is in articles, so criterion's `elem/s`
//! is articles per second; each benchmark also prints the time per article.
//!
//! Baselines in the same group, to read the results as ratios on a noisy
//! machine: reading the file (`std::fs::read`), reading it and counting its
//! lines, and parsing every line into a `serde_json::Value` (the least a
//! JSON loader could do).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kanbao_core::Library;

#[path = "../examples/gen_corpus.rs"]
#[allow(dead_code)]
mod gen_corpus;

const ARTICLES: usize = 5_000;

/// Times one load outside criterion, to print per-article figures.
fn per_article(name: &str, f: impl Fn() -> usize) {
    let runs = 3;
    let start = std::time::Instant::now();
    let mut n = 0;
    for _ in 0..runs {
        n = f();
    }
    let each = start.elapsed() / runs;
    eprintln!(
        "load/{name}: {n} articles in {each:.2?}, {:.2?} per article",
        each / n.max(1) as u32
    );
}

fn bench(c: &mut Criterion) {
    let (jsonl, atom) = gen_corpus::cached(ARTICLES);
    let bytes = std::fs::metadata(&jsonl).expect("corpus").len();
    eprintln!(
        "corpus: {} ({bytes} bytes, {} per article)",
        jsonl.display(),
        bytes / ARTICLES as u64
    );
    let lib = Library::load(&[&jsonl]);
    assert_eq!(lib.articles.len(), ARTICLES, "{:?}", lib.problems.first());
    let lib = Library::load(&[&atom]);
    assert_eq!(lib.articles.len(), ARTICLES, "{:?}", lib.problems.first());
    per_article("jsonl", || Library::load(&[&jsonl]).articles.len());
    per_article("atom", || Library::load(&[&atom]).articles.len());

    let mut group = c.benchmark_group("load_5000");
    group.throughput(Throughput::Elements(ARTICLES as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("Library::load/jsonl", |b| {
        b.iter(|| Library::load(black_box(&[&jsonl])))
    });
    group.bench_function("Library::load/atom", |b| {
        b.iter(|| Library::load(black_box(&[&atom])))
    });
    // What the browser does: metadata only, bodies left on disk; with no
    // cache, and with the scan read back from the metadata cache.
    group.bench_function("Library::load_lazy/jsonl, no cache", |b| {
        b.iter(|| Library::load_lazy_cached_in(black_box(&[&jsonl]), None, None, None))
    });
    let cache = std::env::temp_dir().join(format!("kanbao-bench-cache-{}", std::process::id()));
    let warm = Library::load_lazy_cached_in(&[&jsonl], None, None, Some(cache.clone()));
    assert_eq!(warm.articles.len(), ARTICLES);
    group.bench_function("Library::load_lazy/jsonl, cached", |b| {
        b.iter(|| {
            Library::load_lazy_cached_in(black_box(&[&jsonl]), None, None, Some(cache.clone()))
        })
    });
    // A feed through the browser's path: parsed every time without a
    // cache; with one, the first start parses it and writes its bodies to
    // the cache, every next start reads the cache and parses nothing.
    group.bench_function("Library::load_lazy/atom, no cache", |b| {
        b.iter(|| Library::load_lazy_cached_in(black_box(&[&atom]), None, None, None))
    });
    let warm = Library::load_lazy_cached_in(&[&atom], None, None, Some(cache.clone()));
    assert_eq!(warm.articles.len(), ARTICLES);
    let cached = Library::load_lazy_cached_in(&[&atom], None, None, Some(cache.clone()));
    assert!(
        cached.articles.iter().all(|a| a.body_at.is_some()),
        "the feed's articles come from the cache"
    );
    group.bench_function("Library::load_lazy/atom, cached", |b| {
        b.iter(|| {
            Library::load_lazy_cached_in(black_box(&[&atom]), None, None, Some(cache.clone()))
        })
    });
    group.bench_function(
        "Library::load_lazy/atom, first start (parse + write cache)",
        |b| {
            let cold = cache.join("cold");
            b.iter(|| {
                let _ = std::fs::remove_dir_all(&cold);
                Library::load_lazy_cached_in(black_box(&[&atom]), None, None, Some(cold.clone()))
            })
        },
    );
    group.bench_function("baseline/fs_read", |b| {
        b.iter(|| std::fs::read(black_box(&jsonl)).expect("read"))
    });
    group.bench_function("baseline/count_lines", |b| {
        b.iter(|| {
            let bytes = std::fs::read(black_box(&jsonl)).expect("read");
            bytes.iter().filter(|&&b| b == b'\n').count()
        })
    });
    group.bench_function("baseline/serde_json_value", |b| {
        b.iter(|| {
            let text = std::fs::read_to_string(black_box(&jsonl)).expect("read");
            text.lines()
                .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json"))
                .filter(serde_json::Value::is_object)
                .count()
        })
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&cache);
}

criterion_group!(benches, bench);
criterion_main!(benches);
