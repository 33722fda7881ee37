//! The list: which articles are listed (filter, sort, the background
//! search), the selection and how the list scrolls to keep it in view.

use std::rc::Rc;
use std::sync::Arc;

use kanbao_core::Article;
use kanbao_core::Library;

use super::{Action, App, Focus, Preview, Sort, problems_notice, sort, source_width, thousands};

impl App {
    /// Replaces the library (after an update), keeping the selected article
    /// selected when it is still there.
    pub fn replace_library(&mut self, library: Library) {
        self.window = None;
        let selected_id = self.selected_id();
        let scroll = self.scroll;
        self.source_width = source_width(&library, self.options);
        self.library = library;
        self.opened = None;
        self.preview = Preview::Follows;
        self.cache.clear();
        self.last_search = None;
        self.ranks = Default::default();
        self.refresh_order();
        let still_there = selected_id.is_some_and(|id| self.select_id(&id));
        self.scroll = if still_there { scroll } else { 0 };
        let (w, h) = self.size;
        self.resize(w, h);
        self.fix_focus();
    }

    /// Selects the article with this identity ([`Article::key`]) if it is
    /// listed; says whether it was.
    pub(super) fn select_id(&mut self, id: &str) -> bool {
        let position = match self.windowed() {
            true => self.window_position_of(id),
            false => self
                .order
                .iter()
                .position(|&i| self.library.articles[i].key() == id),
        };
        match position {
            Some(pos) => {
                self.selected = pos;
                self.keep_selection_visible();
                true
            }
            None => false,
        }
    }

    /// Recomputes the listed articles: the filter, then the sort. Words
    /// searched in bodies left on disk are looked for in the background:
    /// what the titles and metadata decide is listed at once, the rest as
    /// [`App::poll_search`] finds it.
    pub fn refresh_order(&mut self) {
        self.search = None;
        if self.windowed() {
            self.refresh_window();
            return;
        }
        let lib = &self.library;
        let state = &self.marks;
        let on_disk =
            self.library.search_index.is_some() || lib.articles.iter().any(|a| a.body_at.is_some());
        if on_disk && self.filter.as_ref().is_some_and(|q| q.has_text_terms()) {
            // Titles and places in one compact index: a keystroke must not
            // visit 100,000 articles scattered over the heap.
            let index = self
                .library
                .search_index
                .get_or_insert_with(|| {
                    Arc::new(kanbao_core::search::Index::build(&self.library.articles))
                })
                .clone();
            let (lib, q) = (
                &self.library,
                self.filter.as_ref().unwrap_or_else(|| unreachable!()),
            );
            // Typing on (`a`, then `ai`) narrows the last search: only what
            // it found can match.
            let within = self
                .last_search
                .as_ref()
                .filter(|(wider, _)| q.narrows(wider))
                .map(|(_, found)| found.as_slice());
            let (found, job) = kanbao_core::search::begin(&lib.articles, index, q, state, within);
            self.search = Some(job);
            self.notice = Some("searching…".into());
            self.order = found;
            self.sort_order();
            self.selected = self.selected.min(self.order.len().saturating_sub(1));
            self.keep_selection_visible();
            return;
        }
        self.order = match &self.filter {
            Some(q) => (0..lib.articles.len())
                .filter(|&i| q.matches(&lib.articles[i], state))
                .collect(),
            None => (0..lib.articles.len()).collect(),
        };
        self.sort_order();
        self.selected = self.selected.min(self.order.len().saturating_sub(1));
        self.keep_selection_visible();
    }

    /// Sorts the listed articles by the sort in force; ties keep library
    /// order, however the list was put together.
    pub(super) fn sort_order(&mut self) {
        if self.windowed() {
            return;
        }
        let rank = self.ranks[self.sort as usize]
            .get_or_insert_with(|| Rc::new(sort::ranks(&self.library, self.sort)))
            .clone();
        self.order.sort_unstable_by_key(|&i| rank[i]);
    }

    /// After the list changed under the selection: `keep` (the article the
    /// user moved to) selected again if it is still listed, else the top;
    /// the reader back at the top if its article changed from `before`.
    pub(super) fn reselect(&mut self, before: Option<usize>, keep: Option<usize>) {
        self.selected = keep
            .and_then(|i| self.order.iter().position(|&j| j == i))
            .unwrap_or(0);
        if self.selected_article() != before {
            self.scroll = 0;
        }
        self.keep_selection_visible();
    }

    /// Whether a search is still reading bodies.
    pub fn searching(&self) -> bool {
        self.search.is_some() || self.window_busy()
    }

    /// Lists what the background search found since the last call, keeping
    /// the selected article selected, and says how far it has got. Returns
    /// whether the screen changed.
    pub fn poll_search(&mut self) -> bool {
        if self.windowed() {
            return self.poll_window();
        }
        let Some(job) = &mut self.search else {
            return false;
        };
        let found = job.poll();
        let (checked, total, done) = (job.checked, job.total, job.is_done());
        let any = !found.is_empty();
        if any {
            // The top of the list stays the top; an article the user moved
            // to stays selected while matches arrive above it.
            let before = self.selected_article();
            let selected = (self.selected > 0).then_some(before).flatten();
            self.order.extend(found);
            self.sort_order();
            self.reselect(before, selected);
        }
        let n = self.order.len();
        let matches = if n == 1 { "match" } else { "matches" };
        let said = Some(if done {
            self.search = None;
            if let Some(q) = &self.filter {
                self.last_search = Some((q.clone(), self.order.clone()));
            }
            format!("{} {matches}", thousands(n))
        } else {
            format!("searching… {}% · {n} so far", checked * 100 / total.max(1))
        });
        let changed = any || said != self.notice;
        self.notice = said;
        changed
    }

    /// Work done while no key comes: the orders of the other sorts, so that
    /// `S` on a big library is a lookup (each takes tens of milliseconds at
    /// 100,000 articles). Returns whether there was any.
    pub fn prepare_when_idle(&mut self) -> bool {
        if self.windowed() {
            // The orders come from their indexes, in the background.
            return false;
        }
        for sort in [Sort::Date, Sort::Source, Sort::Title] {
            if self.ranks[sort as usize].is_none() {
                self.ranks[sort as usize] = Some(Rc::new(sort::ranks(&self.library, sort)));
                return true;
            }
        }
        false
    }

    pub(super) fn select(&mut self, position: usize) {
        if position + 1 >= self.order.len() && self.loading_total.is_some() {
            // Past the first screen's rows while the rest is read.
            self.whole_order();
        }
        let position = position.min(self.order.len().saturating_sub(1));
        let shown = self.reader_article();
        if self.opened.is_none() {
            // What the reader showed first stays until something is opened.
            self.opened = shown;
        }
        self.selected = position;
        if self.preview == Preview::Follows
            && self.settings.preview
            && !self.settings.preview_delay.is_zero()
            && self.focus == Focus::List
            && self.layout().two_pane
            && self.selected_article() != shown
        {
            self.preview = Preview::Holds(shown);
        }
        if self.reader_article() != shown {
            self.scroll = 0;
        }
        self.keep_selection_visible();
    }

    pub(super) fn select_by(&mut self, delta: isize) {
        self.select(self.selected.saturating_add_signed(delta));
    }

    /// Scrolls the list just enough to show the selected row.
    ///
    /// Beside the reader, the list jumps half a page instead of a row: its
    /// rows share the screen's lines with the article, so the terminal
    /// cannot scroll them (insert/delete line moves whole lines) and every
    /// scroll redraws the whole list (~2.4 KB at 120x40). A list as wide as
    /// the screen scrolls a row at a time, which costs one row.
    pub(super) fn keep_selection_visible(&mut self) {
        let layout = self.layout();
        let height = usize::from(layout.list.height).max(1);
        let beside = layout.two_pane && layout.list.width < self.size.0;
        let slack = if beside { height / 2 } else { 0 };
        if self.selected < self.list_offset {
            self.list_offset = self.selected.saturating_sub(slack);
        } else if self.selected >= self.list_offset + height {
            self.list_offset = self.selected + 1 + slack - height;
        }
        let max_offset = self.order.len().saturating_sub(height);
        self.list_offset = self.list_offset.min(max_offset);
        if self.windowed() {
            self.fill_window();
        }
    }

    /// Sets the search filter from query text; a malformed query keeps the
    /// previous filter and says what is wrong.
    pub fn set_filter(&mut self, text: String) {
        let id = self.selected_id();
        match kanbao_core::Query::parse(&text) {
            Ok(q) => {
                self.filter = (!q.is_empty()).then_some(q);
                self.filter_text = text;
                self.notice = None;
                self.refresh_order();
                let kept = id.is_some_and(|id| self.select_id(&id));
                if !kept {
                    self.selected = 0;
                    self.scroll = 0;
                    self.list_offset = 0;
                }
            }
            Err(e) => self.notice = Some(e.to_string()),
        }
    }

    pub(super) fn cycle_sort(&mut self) {
        let id = self.selected_id();
        self.sort = match self.sort {
            Sort::Date => Sort::Source,
            Sort::Source => Sort::Title,
            Sort::Title => Sort::Date,
        };
        self.refresh_order();
        if let Some(id) = id {
            self.select_id(&id);
        }
        let name = match self.sort {
            Sort::Date => "date",
            Sort::Source => "source",
            Sort::Title => "title",
        };
        self.notice = Some(format!("sorted by {name}"));
    }

    /// The first screenful of a library still loading: shown while the
    /// rest loads, if nothing is shown yet. Returns whether it was.
    pub fn show_first(&mut self, first: Vec<Article>, total: Option<usize>) -> bool {
        if !self.library.articles.is_empty() {
            return false;
        }
        self.replace_library(Library::from_articles(first));
        self.loading_total = total.filter(|&t| t >= self.order.len());
        true
    }

    /// The library finished loading: it replaces what was shown. Where the
    /// user has not moved from the top of the first screenful, the top of
    /// the whole list is selected; otherwise their article stays selected.
    pub fn finish_loading(&mut self, library: Library) {
        let moved = self.selected != 0 || self.scroll != 0 || self.focus != Focus::List;
        self.loading_total = None;
        self.replace_library(library);
        if !moved {
            self.apply(Action::Top);
        }
        self.notice = problems_notice(&self.library);
    }
}
