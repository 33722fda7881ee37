//! The list as a window over the library database: the browser holds each
//! order's row numbers (read whole from the order's index, in a thread of
//! its own, 4 bytes an article) and the articles of the rows on screen
//! and a margin around them, read by number as the list moves; searches
//! run over the rows in the background ([`kanbao_core::RowSearch`]).
//! Nothing here grows with the library but those row numbers, and nothing
//! that reads the whole library runs on the browser's thread.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use kanbao_core::{
    Article, DbError, LibraryDb, Order, Prepared, Query, Ready, RowSearch, str_width,
};

use super::{App, Preview, Settings, Sort, thousands};
use kanbao_core::{Library, TypesetOptions};

/// How many rows the first screen is read from (a few screens).
const FIRST: usize = 256;

/// Rows kept on either side of those on screen, so that moving a line or
/// a page reads nothing most of the time.
const MARGIN: usize = 64;

/// How long a search keystroke waits for the search's first rows before
/// the list is drawn (each frame costs a slow link; a blank list followed
/// at once by the matches is one too many).
const FIRST_ANSWER: Duration = Duration::from_millis(30);

/// A set of row numbers, one bit each.
#[derive(Default)]
struct RowSet(Vec<u64>);

impl RowSet {
    fn insert(&mut self, row: u32) {
        let (word, bit) = (row as usize / 64, row % 64);
        if word >= self.0.len() {
            self.0.resize(word + 1, 0);
        }
        self.0[word] |= 1 << bit;
    }

    fn contains(&self, row: u32) -> bool {
        self.0
            .get(row as usize / 64)
            .is_some_and(|w| w & (1 << (row % 64)) != 0)
    }
}

/// The browser's view of the library database.
pub(crate) struct Window {
    db: LibraryDb,
    /// The articles of the rows read, by row.
    rows: HashMap<usize, Article>,
    /// The first screen's rows, until the date order is read.
    first: Vec<u32>,
    /// Each order, once read.
    orders: [Option<Rc<Vec<u32>>>; 3],
    /// Orders and source names still being read.
    prepared: Option<Prepared>,
    /// How many articles the library holds.
    total: usize,
    /// The search of the filter in force, while it runs.
    search: Option<RowSearch>,
    /// The rows the filter in force matched so far.
    matched: RowSet,
    /// How many rows it matched.
    matches: usize,
    /// The rows it matched, as a list (for a narrower search that follows).
    found: Vec<u32>,
    /// The last search that ran to its end, and what it found.
    last_search: Option<(Query, Arc<[u32]>)>,
    /// Rows already reported as problems.
    reported: std::collections::HashSet<u32>,
}

/// The article in row (or, for a library in memory, at index) `i`.
pub(super) fn article_of<'a>(
    library: &'a Library,
    window: Option<&'a Window>,
    i: usize,
) -> Option<&'a Article> {
    match window {
        Some(w) => w.rows.get(&i),
        None => library.articles.get(i),
    }
}

impl Window {
    /// Every source of the library with its counts.
    pub(super) fn source_counts(
        &self,
        marks: &kanbao_core::MarkStore,
    ) -> Result<Vec<kanbao_core::SourceCount>, DbError> {
        self.db.source_counts(marks)
    }

    /// The keys of the articles `query` (filters alone) matches.
    pub(super) fn keys_matching(
        &self,
        query: &Query,
        marks: &kanbao_core::MarkStore,
    ) -> Result<Vec<String>, DbError> {
        let rows = self.db.search(query, Arc::new(marks.snapshot()))?;
        let rows: Vec<u32> = rows
            .into_iter()
            .filter_map(|r| u32::try_from(r).ok())
            .collect();
        self.db.keys_of(&rows)
    }

    /// Rows with their articles' identities (for looking for unread ones):
    /// from the rows read, or else from the database.
    pub(super) fn keys_by_row(&self, rows: &[u32]) -> Result<Vec<(u32, String)>, DbError> {
        if rows.iter().all(|r| self.rows.contains_key(&(*r as usize))) {
            return Ok(rows
                .iter()
                .map(|&r| (r, self.rows[&(r as usize)].key().into_owned()))
                .collect());
        }
        self.db.keys_by_row(rows)
    }
}

fn order_of(sort: Sort) -> Order {
    match sort {
        Sort::Date => Order::Date,
        Sort::Source => Order::Source,
        Sort::Title => Order::Title,
    }
}

impl App {
    /// A browser over the library database `db`: the first screen read at
    /// once (the newest articles, from the date index), the orders in the
    /// background.
    pub fn with_database(
        db: LibraryDb,
        options: TypesetOptions,
        settings: Settings,
        width: u16,
        height: u16,
    ) -> Result<App, DbError> {
        let mut app = App::with(Library::default(), options, settings, width, height);
        app.notice = None;
        app.open_database(db)?;
        Ok(app)
    }

    /// Lists the library database `db` in place of what was listed (the
    /// sample, before an update made the database).
    fn show_database(&mut self, db: LibraryDb) {
        let before = (self.library.clone(), self.order.clone());
        if let Err(e) = self.open_database(db) {
            (self.library, self.order) = before;
            self.window = None;
            self.notice = Some(e.to_string());
        }
        self.cache.clear();
        self.opened = None;
        self.preview = Preview::Follows;
        self.selected = 0;
        self.scroll = 0;
        self.list_offset = 0;
        self.refresh_order();
    }

    fn open_database(&mut self, db: LibraryDb) -> Result<(), DbError> {
        let first = db.ordered(Order::Date, Some(FIRST))?;
        let total = db.count()?;
        let prepared = db.prepare_in_background();
        self.library = Library::default();
        self.order = first.iter().map(|&r| r as usize).collect();
        self.loading_total = (total > first.len()).then_some(total);
        self.window = Some(Window {
            db,
            rows: HashMap::new(),
            first,
            orders: Default::default(),
            prepared: Some(prepared),
            total,
            search: None,
            matched: RowSet::default(),
            matches: 0,
            found: Vec::new(),
            last_search: None,
            reported: Default::default(),
        });
        self.fill_window();
        self.source_width = self.window_source_width(None);
        Ok(())
    }

    /// Whether the browser lists a library database (a window over it)
    /// rather than articles in memory.
    pub fn windowed(&self) -> bool {
        self.window.is_some()
    }

    /// The widest source name (at most [`SOURCE_CAP`] cells): of every source when
    /// their names are known, else of the rows read.
    fn window_source_width(&self, names: Option<&[String]>) -> usize {
        let amb = self.options.ambiguous;
        let widest = match names {
            Some(names) => names.iter().map(|s| str_width(s, amb)).max(),
            None => self.window.as_ref().and_then(|w| {
                w.rows
                    .values()
                    .filter_map(|a| a.source.as_deref())
                    .map(|s| str_width(s, amb))
                    .max()
            }),
        };
        widest.unwrap_or(0).min(super::SOURCE_CAP)
    }

    /// The rows of the sort in force, whole if read (read now if it is
    /// not, which only a sort chosen in the first moments needs), else the
    /// first screen's.
    fn window_base(&mut self) -> Rc<Vec<u32>> {
        let sort = self.sort;
        let Some(w) = &mut self.window else {
            return Rc::default();
        };
        if let Some(order) = &w.orders[sort as usize] {
            return order.clone();
        }
        if sort == Sort::Date && w.prepared.is_some() {
            return Rc::new(w.first.clone());
        }
        if w.prepared.is_some() {
            // Being read: waiting for it is quicker than reading it again.
            self.whole_order();
            let Some(w) = &mut self.window else {
                return Rc::default();
            };
            if let Some(order) = &w.orders[sort as usize] {
                return order.clone();
            }
        }
        let Some(w) = &mut self.window else {
            return Rc::default();
        };
        match w.db.ordered(order_of(sort), None) {
            Ok(rows) => {
                let rows = Rc::new(rows);
                w.orders[sort as usize] = Some(rows.clone());
                rows
            }
            Err(e) => {
                self.notice = Some(e.to_string());
                Rc::new(w.first.clone())
            }
        }
    }

    /// Lists the rows of the sort in force that the filter matched (all,
    /// without a filter), keeping the selected article selected, or the
    /// top the top.
    fn rebuild_window_order(&mut self) {
        let before = self.selected_article();
        let keep = (self.selected > 0).then_some(before).flatten();
        let base = self.window_base();
        let Some(w) = &self.window else { return };
        self.order = match self.filter {
            None => base.iter().map(|&r| r as usize).collect(),
            Some(_) => base
                .iter()
                .filter(|&&r| w.matched.contains(r))
                .map(|&r| r as usize)
                .collect(),
        };
        self.loading_total = match (&self.filter, &w.orders[Sort::Date as usize]) {
            (None, None) if w.total > self.order.len() => Some(w.total),
            _ => None,
        };
        self.reselect(before, keep);
    }

    /// [`App::refresh_order`] for a library database: the filter's search
    /// started in the background (its first rows waited for briefly), the
    /// list rebuilt from the order in force.
    pub(super) fn refresh_window(&mut self) {
        let Some(w) = &mut self.window else { return };
        w.search = None;
        w.matched = RowSet::default();
        w.matches = 0;
        w.found.clear();
        if let Some(q) = &self.filter {
            let marks: Arc<dyn kanbao_core::Marks + Send + Sync> = match q.uses_marks() {
                true => Arc::new(self.marks.snapshot()),
                false => Arc::new(kanbao_core::NoMarks),
            };
            // Typing on (`光`, then `光伏`) narrows the last search: only
            // what it found can match.
            let within = w
                .last_search
                .as_ref()
                .filter(|(wider, _)| q.narrows(wider))
                .map(|(_, found)| found.clone());
            let mut search = w.db.search_in_background(q, marks, within);
            let deadline = std::time::Instant::now() + FIRST_ANSWER;
            let mut found = search.poll();
            while found.is_empty() && !search.is_done() && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
                found = search.poll();
            }
            w.search = Some(search);
            self.take_found(found);
            self.say_search();
        }
        self.rebuild_window_order();
    }

    /// Adds rows the search found to the filter's matches.
    fn take_found(&mut self, found: Vec<u32>) {
        let Some(w) = &mut self.window else { return };
        for r in found {
            if !w.matched.contains(r) {
                w.matched.insert(r);
                w.matches += 1;
                w.found.push(r);
            }
        }
    }

    /// The status line's word on the search: how far it has got, or how
    /// many it found; the search forgotten when it is done.
    fn say_search(&mut self) {
        let Some(w) = &mut self.window else { return };
        let Some(search) = &w.search else { return };
        let n = w.matches;
        self.notice = Some(if let Some(why) = &search.failed {
            format!("search failed: {why}")
        } else if search.is_done() {
            if let Some(q) = &self.filter {
                w.last_search = Some((q.clone(), Arc::from(w.found.as_slice())));
            }
            w.search = None;
            let matches = if n == 1 { "match" } else { "matches" };
            format!("{} {matches}", thousands(n))
        } else {
            format!(
                "searching… {}% · {} so far",
                search.checked * 100 / search.total.max(1),
                thousands(n)
            )
        });
    }

    /// Takes in what the background work has ready: an order read, the
    /// source names, a search's rows. Returns whether the screen changed.
    pub fn poll_window(&mut self) -> bool {
        let mut changed = false;
        while let Some(ready) = self
            .window
            .as_ref()
            .and_then(|w| w.prepared.as_ref()?.poll())
        {
            changed |= self.take_ready(ready);
        }
        let Some(w) = &mut self.window else {
            return changed;
        };
        if let Some(search) = &mut w.search {
            let found = search.poll();
            let any = !found.is_empty();
            self.take_found(found);
            let before = self.notice.clone();
            self.say_search();
            if any {
                self.rebuild_window_order();
            }
            changed |= any || self.notice != before;
        }
        changed
    }

    /// Waits for the order in force to be read whole, if it is being read
    /// (a key that leaves the first screen's rows — `G` — in the first
    /// moments after the start: it is answered once the order is there,
    /// a fraction of a second, instead of at the 256th row).
    pub(super) fn whole_order(&mut self) {
        loop {
            let Some(w) = &self.window else { return };
            if w.orders[self.sort as usize].is_some() {
                return;
            }
            let Some(ready) = w.prepared.as_ref().and_then(Prepared::wait) else {
                return;
            };
            self.take_ready(ready);
        }
    }

    /// Takes in one thing read in the background; says whether the screen
    /// changed.
    fn take_ready(&mut self, ready: Result<Ready, DbError>) -> bool {
        let Some(w) = &mut self.window else {
            return false;
        };
        match ready {
            Ok(Ready::Order(order, rows)) => {
                let sort = match order {
                    Order::Date => Sort::Date,
                    Order::Source => Sort::Source,
                    Order::Title => Sort::Title,
                };
                if sort == Sort::Date {
                    w.total = rows.len();
                }
                // In place of the one read before an update, if any.
                w.orders[sort as usize] = Some(Rc::new(rows));
                if w.prepared.as_ref().is_some_and(Prepared::is_done) {
                    w.prepared = None;
                }
                if sort == self.sort {
                    self.rebuild_window_order();
                    return true;
                }
                false
            }
            Ok(Ready::Sources(names)) => {
                if w.prepared.as_ref().is_some_and(Prepared::is_done) {
                    w.prepared = None;
                }
                let width = self.window_source_width(Some(&names));
                let changed = width != self.source_width;
                self.source_width = width;
                changed
            }
            Err(e) => {
                w.prepared = None;
                self.notice = Some(e.to_string());
                true
            }
        }
    }

    /// How many articles the window holds in memory (those near the
    /// screen).
    pub fn window_rows(&self) -> usize {
        self.window.as_ref().map_or(0, |w| w.rows.len())
    }

    /// Whether background work for the window is still running (the
    /// event loop then looks again soon).
    pub fn window_busy(&self) -> bool {
        self.window
            .as_ref()
            .is_some_and(|w| w.prepared.is_some() || w.search.is_some())
    }

    /// Reads the articles of the rows on screen, a margin around them and
    /// the rows the reader shows; forgets those far away.
    pub(super) fn fill_window(&mut self) {
        let height = usize::from(self.layout().list.height).max(1);
        let from = self.list_offset.saturating_sub(MARGIN);
        let to = (self.list_offset + height + MARGIN).min(self.order.len());
        let mut wanted: Vec<usize> = self.order.get(from..to).unwrap_or(&[]).to_vec();
        wanted.extend(self.selected_article());
        wanted.extend(self.reader_article());
        wanted.extend(self.opened);
        if let Preview::Holds(Some(shown)) = self.preview {
            wanted.push(shown);
        }
        let Some(w) = &mut self.window else { return };
        let missing: Vec<u32> = wanted
            .iter()
            .filter(|i| !w.rows.contains_key(i))
            .map(|&i| i as u32)
            .collect();
        if missing.is_empty() {
            return;
        }
        if w.rows.len() + missing.len() > 8 * (height + 2 * MARGIN) {
            let keep: std::collections::HashSet<usize> = wanted.iter().copied().collect();
            w.rows.retain(|i, _| keep.contains(i));
        }
        let read = match w.db.rows(&missing) {
            Ok(read) => read,
            Err(e) => {
                self.notice = Some(e.to_string());
                Vec::new()
            }
        };
        let mut problems = Vec::new();
        for (row, article) in read {
            let article = article.unwrap_or_else(|problem| {
                if w.reported.insert(row) {
                    problems.push(problem.clone());
                }
                Article {
                    id: format!("row {row}"),
                    title: format!("(not an article: {})", problem.message),
                    ..Article::default()
                }
            });
            w.rows.insert(row as usize, article);
        }
        for row in missing {
            // Removed since the order was read (another kanbao pruned it).
            w.rows.entry(row as usize).or_insert_with(|| Article {
                id: format!("row {row}"),
                title: "(removed from the library)".into(),
                ..Article::default()
            });
        }
        if !problems.is_empty() {
            self.library.problems.extend(problems);
        }
    }

    /// [`App::select_id`] for a library database: the article's row from
    /// its key, then its place in the list.
    pub(super) fn window_position_of(&self, key: &str) -> Option<usize> {
        let w = self.window.as_ref()?;
        let row = w.db.rowid_of(key).ok().flatten()? as usize;
        self.order.iter().position(|&i| i == row)
    }

    /// The keys of every listed article, for `A`.
    pub(super) fn window_keys(&self) -> Result<Vec<String>, DbError> {
        let Some(w) = &self.window else {
            return Ok(Vec::new());
        };
        let rows: Vec<u32> = self.order.iter().map(|&i| i as u32).collect();
        w.db.keys_of(&rows)
    }

    /// After an update wrote to the library database: everything read again (rows
    /// may have changed in place), the orders in the background, the
    /// selected article kept selected.
    pub fn reload_database(&mut self) {
        let Some(w) = &mut self.window else {
            if let Ok(kanbao_core::DefaultLibrary::Database { db, .. }) =
                kanbao_core::open_default(None)
            {
                self.show_database(db);
            }
            return;
        };
        // The orders read before stay listed (their rows are still there:
        // rows are replaced in place, never renumbered) until the new ones
        // come, which hold the update's new articles.
        w.rows.clear();
        w.reported.clear();
        w.last_search = None;
        w.prepared = Some(w.db.prepare_in_background());
        self.refresh_window();
        let (wi, h) = self.size;
        self.resize(wi, h);
    }
}
