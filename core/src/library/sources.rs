//! One idea: the library's sources — each feed, or for articles of no feed
//! each source name — with how many articles each has, how many are
//! unread and how many starred, for the browser's sources view and
//! `kanbao feeds`. Counted from each article's feed, source and key alone
//! (a database reads them from one index), never from bodies.

use std::collections::HashMap;

use crate::query::Marks;

/// One source and its counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceCount {
    /// The feed's address, for the articles of a feed.
    pub feed: Option<String>,
    /// The source name: for a feed, that of its first article counted
    /// (a feed's articles share one); for articles of no feed, the name
    /// they were grouped by (`None`: articles with no source either).
    pub name: Option<String>,
    /// Its articles.
    pub total: usize,
    /// Those not marked read.
    pub unread: usize,
    /// Those starred.
    pub starred: usize,
}

/// Counts `rows` — (feed, source, key) of each article — by source, in
/// the order each source was first met.
///
/// ```
/// use kanbao_core::{MarkStore, count_sources};
/// let mut marks = MarkStore::in_memory();
/// marks.set_read("a", true).unwrap();
/// let rows = [
///     (Some("https://a.example/rss"), Some("甲报"), "a"),
///     (None, Some("乙报"), "b"),
///     (Some("https://a.example/rss"), Some("甲报"), "c"),
/// ];
/// let counts = count_sources(rows.into_iter(), &marks);
/// assert_eq!(counts.len(), 2);
/// assert_eq!((counts[0].total, counts[0].unread), (2, 1));
/// assert_eq!(counts[1].name.as_deref(), Some("乙报"));
/// ```
pub fn count_sources<'a>(
    rows: impl Iterator<Item = (Option<&'a str>, Option<&'a str>, &'a str)>,
    marks: &dyn Marks,
) -> Vec<SourceCount> {
    let mut at: HashMap<(bool, String), usize> = HashMap::new();
    let mut out: Vec<SourceCount> = Vec::new();
    for (feed, source, key) in rows {
        let source = source.filter(|s| !s.is_empty());
        let group = match feed {
            Some(f) => (true, f.to_owned()),
            None => (false, source.unwrap_or("").to_owned()),
        };
        let i = *at.entry(group).or_insert_with(|| {
            out.push(SourceCount {
                feed: feed.map(str::to_owned),
                name: source.map(str::to_owned),
                ..SourceCount::default()
            });
            out.len() - 1
        });
        let c = &mut out[i];
        if c.name.is_none() {
            c.name = source.map(str::to_owned);
        }
        c.total += 1;
        c.unread += usize::from(!marks.is_read(key));
        c.starred += usize::from(marks.is_starred(key));
    }
    out
}
