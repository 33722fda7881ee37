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
    let mut counter = SourceCounter::default();
    for (feed, source, key) in rows {
        counter.add(feed, source, key, marks);
    }
    counter.counts
}

/// [`count_sources`] a row at a time, for rows that are not all there at
/// once (a database's, read one by one): a row's strings are only looked
/// at, copied only for a source met for the first time.
#[derive(Debug, Default)]
pub struct SourceCounter {
    feeds: HashMap<String, usize>,
    names: HashMap<String, usize>,
    /// The counts so far, in the order each source was first met.
    pub counts: Vec<SourceCount>,
}

impl SourceCounter {
    /// Counts one article: its feed, source and key.
    pub fn add(&mut self, feed: Option<&str>, source: Option<&str>, key: &str, marks: &dyn Marks) {
        let source = source.filter(|s| !s.is_empty());
        let (map, group) = match feed {
            Some(f) => (&mut self.feeds, f),
            None => (&mut self.names, source.unwrap_or("")),
        };
        let i = match map.get(group) {
            Some(&i) => i,
            None => {
                self.counts.push(SourceCount {
                    feed: feed.map(str::to_owned),
                    name: source.map(str::to_owned),
                    ..SourceCount::default()
                });
                map.insert(group.to_owned(), self.counts.len() - 1);
                self.counts.len() - 1
            }
        };
        let c = &mut self.counts[i];
        if c.name.is_none() {
            c.name = source.map(str::to_owned);
        }
        c.total += 1;
        c.unread += usize::from(!marks.is_read(key));
        c.starred += usize::from(marks.is_starred(key));
    }
}
