//! Searching: `Query::parse` + `Query::matches` over 5,000 generated Chinese
//! articles (examples/gen_corpus.rs), for CJK and Latin queries, as the
//! browser's `/` and `kanbao list --query` do. Throughput is in articles.
//!
//! Baselines in the same group: `str::contains` of the same words over the
//! titles and bodies (what a search that does no case or width folding
//! costs), and of `ai` in text lower-cased on the fly.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kanbao_core::Article;
use kanbao_core::Library;
use kanbao_core::{NoMarks, Query};

#[path = "../examples/gen_corpus.rs"]
#[allow(dead_code)]
mod gen_corpus;

const ARTICLES: usize = 5_000;

/// (name, query) pairs: CJK needles are searched in place; Latin ones fold
/// case and width first.
const QUERIES: &[(&str, &str)] = &[
    ("cjk/光伏", "光伏"),
    ("cjk/光伏+储能", "光伏 储能"),
    ("cjk/phrase", "\"同比增长\""),
    ("cjk/negated", "出口 -美国"),
    ("latin/ai", "ai"),
    ("latin/openharmony", "OpenHarmony"),
    ("latin/risc-v+cjk", "risc-v 平台"),
    ("filter/source", "source:新华社"),
    ("filter/after+word", "after:2024-06-01 光伏"),
];

fn count(query: &Query, articles: &[Article]) -> usize {
    articles
        .iter()
        .filter(|a| query.matches(a, &NoMarks))
        .count()
}

fn contains_all(articles: &[Article], words: &[&str]) -> usize {
    articles
        .iter()
        .filter(|a| {
            words
                .iter()
                .all(|w| a.title.contains(w) || a.body.iter().any(|p| p.contains(w)))
        })
        .count()
}

fn bench(c: &mut Criterion) {
    let (jsonl, _) = gen_corpus::cached(ARTICLES);
    let lib = Library::load(&[&jsonl]);
    assert_eq!(lib.articles.len(), ARTICLES);
    let articles = &lib.articles;
    for (name, q) in QUERIES {
        let n = count(&Query::parse(q).expect("query"), articles);
        eprintln!("search/{name}: {q:?} matches {n} of {ARTICLES}");
    }

    let mut group = c.benchmark_group("search_5000");
    group.throughput(Throughput::Elements(ARTICLES as u64));
    for (name, q) in QUERIES {
        group.bench_function(*name, |b| {
            b.iter(|| {
                let query = Query::parse(black_box(q)).expect("query");
                count(&query, black_box(articles))
            })
        });
    }
    group.bench_function("baseline/contains/光伏", |b| {
        b.iter(|| contains_all(black_box(articles), &["光伏"]))
    });
    group.bench_function("baseline/contains/光伏+储能", |b| {
        b.iter(|| contains_all(black_box(articles), &["光伏", "储能"]))
    });
    group.bench_function("baseline/contains/OpenHarmony", |b| {
        b.iter(|| contains_all(black_box(articles), &["OpenHarmony"]))
    });
    group.bench_function("baseline/lowercase_contains/ai", |b| {
        b.iter(|| {
            black_box(articles)
                .iter()
                .filter(|a| {
                    a.title.to_lowercase().contains("ai")
                        || a.body.iter().any(|p| p.to_lowercase().contains("ai"))
                })
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
