//! The sources view: every source of the library — the feeds, and the
//! source names of articles of no feed — with its unread count, under the
//! virtual sources *All*, *Unread* and *Starred*. `q` in the list comes
//! here, `q` here quits; `Enter` lists the source's articles (a filter:
//! `feed:`, `source:` or `is:`), `A` marks all of a source read.

use kanbao_core::{Query, SourceCount, Subscriptions, count_sources};

use super::{App, Focus};
use crate::input::action::Action;

/// One row of the sources view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceRow {
    /// What it is called: the subscription's title, else the source name,
    /// else the feed's address.
    pub label: String,
    /// The filter that lists its articles (empty: all).
    pub query: String,
    /// Its articles not marked read.
    pub unread: usize,
    /// Its articles.
    pub total: usize,
    /// Why its feed failed the last time it was fetched, if it did.
    pub failing: Option<String>,
    /// Whether it is one of *All*, *Unread*, *Starred*.
    pub virtual_row: bool,
}

/// The sources view: its rows and where the selection is.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    /// The rows, virtual sources first.
    pub rows: Vec<SourceRow>,
    /// The selected row.
    pub selected: usize,
    /// The first row shown.
    pub offset: usize,
}

/// `feed:"…"` / `source:"…"`, quoted as the query language reads it.
fn filter(name: &str, value: &str) -> String {
    format!("{name}:{}", kanbao_core::quote(value))
}

impl App {
    /// The name of the source listed, when the list is one source's (or
    /// a virtual source's) as the sources view chose it.
    pub fn listed_source(&self) -> Option<&str> {
        self.source_label
            .as_ref()
            .filter(|(_, query)| *query == self.filter_text)
            .map(|(label, _)| label.as_str())
    }

    /// Whether the sources view is shown.
    pub fn in_sources(&self) -> bool {
        self.sources.is_some()
    }

    /// The sources view, when shown.
    pub fn sources(&self) -> Option<&Sources> {
        self.sources.as_ref()
    }

    /// Where the subscriptions are read from, for their titles and errors
    /// (`None`: no titles but the articles' source names).
    pub fn set_subscriptions_path(&mut self, path: Option<std::path::PathBuf>) {
        self.subscriptions_path = path;
    }

    /// Every source with its counts, in the order shown.
    fn source_rows(&self) -> Vec<SourceRow> {
        let counts: Vec<SourceCount> = match &self.window {
            Some(w) => w.source_counts(&self.marks).unwrap_or_default(),
            None => {
                let keys: Vec<_> = self.library.articles.iter().map(|a| a.key()).collect();
                count_sources(
                    self.library
                        .articles
                        .iter()
                        .zip(&keys)
                        .map(|(a, k)| (a.feed.as_deref(), a.source.as_deref(), k.as_ref())),
                    &self.marks,
                )
            }
        };
        let subs = self
            .subscriptions_path
            .as_deref()
            .and_then(|p| Subscriptions::load(p).ok())
            .unwrap_or_default();
        let (total, unread, starred) = counts.iter().fold((0, 0, 0), |(t, u, s), c| {
            (t + c.total, u + c.unread, s + c.starred)
        });
        let virtual_row = |label: &str, query: &str, unread, total| SourceRow {
            label: label.into(),
            query: query.into(),
            unread,
            total,
            failing: None,
            virtual_row: true,
        };
        let mut rows = vec![
            virtual_row("All", "", unread, total),
            virtual_row("Unread", "is:unread", unread, unread),
            virtual_row("Starred", "is:starred", 0, starred),
        ];
        let mut named: Vec<SourceRow> = counts
            .into_iter()
            .map(|c| {
                let sub = c
                    .feed
                    .as_deref()
                    .and_then(|f| subs.feeds.iter().find(|s| s.url == f));
                let label = sub
                    .and_then(|s| s.title.clone())
                    .or(c.name.clone())
                    .or(c.feed.clone())
                    .unwrap_or_else(|| "(no source)".into());
                let query = match (&c.feed, &c.name) {
                    (Some(f), _) => filter("feed", f),
                    (None, Some(n)) => filter("source", n),
                    (None, None) => String::new(),
                };
                SourceRow {
                    label: kanbao_core::sanitize_line(&label),
                    query,
                    unread: c.unread,
                    total: c.total,
                    failing: sub.and_then(|s| s.error.clone()),
                    virtual_row: false,
                }
            })
            .collect();
        named.sort_by_key(|r| kanbao_core::fold(&r.label));
        rows.extend(named);
        rows
    }

    /// Opens the sources view (`q` from the list), the source listed
    /// selected.
    pub(super) fn open_sources(&mut self) {
        let rows = self.source_rows();
        let selected = rows
            .iter()
            .position(|r| r.query == self.filter_text)
            .unwrap_or(0);
        self.sources = Some(Sources {
            rows,
            selected,
            offset: 0,
        });
        self.keep_source_visible();
    }

    /// Counts again (after marks changed), the same row selected.
    /// Counts the sources view again, if it is shown (after an update, or
    /// marks another kanbao made).
    pub fn recount_sources(&mut self) {
        let Some(s) = &self.sources else { return };
        let query = s.rows.get(s.selected).map(|r| r.query.clone());
        let rows = self.source_rows();
        let selected = rows
            .iter()
            .position(|r| Some(&r.query) == query.as_ref())
            .unwrap_or(0);
        if let Some(s) = &mut self.sources {
            s.rows = rows;
            s.selected = selected;
        }
        self.keep_source_visible();
    }

    fn keep_source_visible(&mut self) {
        let height = usize::from(self.layout().status.y).max(1);
        if let Some(s) = &mut self.sources {
            if s.selected < s.offset {
                s.offset = s.selected;
            } else if s.selected >= s.offset + height {
                s.offset = s.selected + 1 - height;
            }
        }
    }

    /// What a key does in the sources view; `None` when it is not one of
    /// its keys (the caller handles the rest: help, update, quit at once).
    pub(super) fn apply_in_sources(&mut self, action: Action) -> Option<bool> {
        let height = usize::from(self.layout().status.y).max(1);
        let s = self.sources.as_mut()?;
        let last = s.rows.len().saturating_sub(1);
        let to = |n: isize, s: &Sources| s.selected.saturating_add_signed(n).min(last);
        match action {
            Action::Down | Action::NextArticle => s.selected = to(1, s),
            Action::Up | Action::PrevArticle => s.selected = to(-1, s),
            Action::PageDown | Action::HalfPageDown => s.selected = to(height as isize, s),
            Action::PageUp | Action::HalfPageUp => s.selected = to(-(height as isize), s),
            Action::Top => s.selected = 0,
            Action::Bottom => s.selected = last,
            Action::Open | Action::FocusReader => {
                let row = s.rows.get(s.selected).cloned();
                self.sources = None;
                if let Some(row) = row {
                    self.source_label =
                        (!row.query.is_empty()).then(|| (row.label.clone(), row.query.clone()));
                    self.focus = Focus::List;
                    self.set_filter(row.query);
                    self.select(0);
                }
                return Some(true);
            }
            Action::MarkAllRead => {
                self.mark_source_read();
                return Some(true);
            }
            Action::Undo => {
                self.undo();
                self.recount_sources();
                return Some(true);
            }
            _ => return None,
        }
        self.keep_source_visible();
        Some(true)
    }

    /// `A` in the sources view: every article of the selected source read.
    fn mark_source_read(&mut self) {
        let Some(row) = self
            .sources
            .as_ref()
            .and_then(|s| s.rows.get(s.selected).cloned())
        else {
            return;
        };
        let query = match Query::parse(&row.query) {
            Ok(q) => q,
            Err(e) => {
                self.notice = Some(e.to_string());
                return;
            }
        };
        let keys: Vec<String> = match &self.window {
            Some(w) => match w.keys_matching(&query, &self.marks) {
                Ok(keys) => keys,
                Err(e) => {
                    self.notice = Some(e.to_string());
                    return;
                }
            },
            None => self
                .library
                .articles
                .iter()
                .filter(|a| query.filters_match(a, &self.marks))
                .map(|a| a.key().into_owned())
                .collect(),
        };
        let (changed, undo, r) = self.mark_keys_read(&keys);
        self.notice = Some(format!(
            "{}: {} marked read{undo}",
            row.label,
            super::sort::articles(changed)
        ));
        self.report(r);
        self.recount_sources();
    }
}
