//! Typesetting throughput on Chinese text, in bytes of article text per
//! second (criterion prints MiB/s). Target: at least 20 MB/s.
//!
//! A baseline in the same run: `str::lines` over the same text, so the
//! figure can be read as a ratio on a noisy machine.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kanbao_core::Article;
use kanbao_core::Library;
use kanbao_core::{Ambiguous, str_width};
use kanbao_core::{TypesetOptions, typeset};

/// All Chinese articles of the sample library, as one long article.
fn chinese_corpus() -> Article {
    let lib = Library::sample();
    let mut body = Vec::new();
    for a in lib
        .articles
        .iter()
        .filter(|a| a.lang.as_deref().is_some_and(|l| l.starts_with("zh")))
    {
        body.extend(a.body.iter().cloned());
    }
    Article::new("中文语料", body)
}

fn bench(c: &mut Criterion) {
    let article = chinese_corpus();
    let bytes = article.text_len() as u64;
    let mut group = c.benchmark_group("chinese");
    group.throughput(Throughput::Bytes(bytes));
    for (name, ambiguous) in [("narrow", Ambiguous::Narrow), ("wide", Ambiguous::Wide)] {
        let options = TypesetOptions { ambiguous };
        for width in [40usize, 78] {
            group.bench_function(format!("typeset/{name}/{width}"), |b| {
                b.iter(|| typeset(black_box(&article), black_box(width), &options))
            });
        }
    }
    group.bench_function("baseline/str_width", |b| {
        b.iter(|| {
            article
                .body
                .iter()
                .map(|p| str_width(black_box(p), Ambiguous::Narrow))
                .sum::<usize>()
        })
    });
    group.bench_function("baseline/lines", |b| {
        b.iter(|| {
            article
                .body
                .iter()
                .map(|p| black_box(p).lines().count())
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
