//! The list's orders (`S`): each article's rank under each sort, computed
//! once per library with integer keys, so that sorting a list of 100,000
//! is sorting integers.

use std::collections::HashMap;

use kanbao_core::Library;

/// How the list is ordered (`S` cycles).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    /// Newest first; undated last.
    #[default]
    Date,
    /// By source, newest first within a source.
    Source,
    /// By title.
    Title,
}

/// Each article's place in the whole library sorted by `sort` (ties in
/// library order).
pub(super) fn ranks(library: &Library, sort: Sort) -> Vec<u32> {
    let articles = &library.articles;
    // Integer keys, computed once per article: at 100,000 articles a sort
    // that compares strings scattered over the heap takes longer than a
    // key may (the first S took 60 ms that way).
    let dates: Vec<(u8, std::cmp::Reverse<i64>)> = articles
        .iter()
        .map(|a| match &a.published {
            Some(p) => (0, std::cmp::Reverse(p.sort_key())),
            None => (1, std::cmp::Reverse(0)),
        })
        .collect();
    let mut all: Vec<u32> = (0..articles.len() as u32).collect();
    match sort {
        Sort::Date => all.sort_unstable_by_key(|&i| (dates[i as usize], i)),
        Sort::Source => {
            // A few distinct sources: each one's place among them, found
            // with one hash per run of equal sources; then one integer key
            // per article (its source's place, then its date's).
            let mut place: HashMap<&str, u32> = HashMap::new();
            let mut last: Option<(&str, u32)> = None;
            let source: Vec<u32> = articles
                .iter()
                .map(|a| match a.source.as_deref() {
                    Some(s) if !s.is_empty() => match last {
                        Some((l, n)) if l == s => n,
                        _ => {
                            let next = place.len() as u32;
                            let n = *place.entry(s).or_insert(next);
                            last = Some((s, n));
                            n
                        }
                    },
                    _ => u32::MAX, // no source: last
                })
                .collect();
            let mut names: Vec<(&str, u32)> = place.into_iter().collect();
            names.sort_unstable();
            let mut order = vec![0u32; names.len()];
            for (rank, (_, n)) in names.into_iter().enumerate() {
                order[n as usize] = rank as u32;
            }
            let mut by_date: Vec<u32> = (0..articles.len() as u32).collect();
            by_date.sort_unstable_by_key(|&i| (dates[i as usize], i));
            let mut date_rank = vec![0u32; articles.len()];
            for (rank, i) in by_date.into_iter().enumerate() {
                date_rank[i as usize] = rank as u32;
            }
            let key = |i: u32| {
                let s = source[i as usize];
                let s = if s == u32::MAX { s } else { order[s as usize] };
                (u64::from(s) << 32) | u64::from(date_rank[i as usize])
            };
            all.sort_unstable_by_key(|&i| key(i));
        }
        Sort::Title => {
            // The first 16 bytes of each title, big-endian, decide most
            // comparisons without leaving one contiguous array.
            let prefix: Vec<u128> = articles
                .iter()
                .map(|a| {
                    let mut bytes = [0u8; 16];
                    let t = a.title.as_bytes();
                    let n = t.len().min(16);
                    bytes[..n].copy_from_slice(&t[..n]);
                    u128::from_be_bytes(bytes)
                })
                .collect();
            all.sort_unstable_by(|&a, &b| {
                let (a, b) = (a as usize, b as usize);
                prefix[a]
                    .cmp(&prefix[b])
                    .then_with(|| articles[a].title.cmp(&articles[b].title))
                    .then(a.cmp(&b))
            })
        }
    }
    let mut rank = vec![0; articles.len()];
    for (place, i) in all.into_iter().enumerate() {
        rank[i as usize] = place as u32;
    }
    rank
}

/// `1 article`, `2,000 articles`.
pub fn articles(n: usize) -> String {
    match n {
        1 => "1 article".to_string(),
        n => format!("{} articles", thousands(n)),
    }
}

/// `12345` → `12,345`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
