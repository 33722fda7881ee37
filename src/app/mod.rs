//! Browser state and how actions change it. Nothing here touches the terminal:
//! the event loop maps keys to [`Action`]s, calls [`App::apply`], and draws.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use ratatui::layout::Rect;

use kanbao_core::Article;
use kanbao_core::Library;
use kanbao_core::MarkStore;
use kanbao_core::{Lazy, Line, TypesetOptions};

/// Everything a key can ask the browser to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Move up one row / scroll up one line.
    Up,
    /// Move down one row / scroll down one line.
    Down,
    /// One page down.
    PageDown,
    /// One page up.
    PageUp,
    /// Half a page down.
    HalfPageDown,
    /// Half a page up.
    HalfPageUp,
    /// First article / top of the article.
    Top,
    /// Last article / end of the article.
    Bottom,
    /// Focus the other pane.
    NextPane,
    /// Focus the other pane (backwards).
    PrevPane,
    /// Focus the list.
    FocusList,
    /// Focus the reader.
    FocusReader,
    /// Open the selected article.
    Open,
    /// Close the help, or go back to the list.
    Back,
    /// Show or hide the key help.
    Help,
    /// Quit.
    Quit,
    /// Quit because of Ctrl-C.
    Interrupt,
    /// Suspend to the shell (Ctrl-Z); handled by the event loop.
    Suspend,
    /// Repaint the whole screen; handled by the event loop.
    Redraw,
    /// Fetch the subscriptions in the background (`r`); handled by the event loop.
    Update,
    /// Open the search prompt.
    Search,
    /// Jump to the next search match in the article.
    NextMatch,
    /// Jump to the previous search match.
    PrevMatch,
    /// Mark the selected article unread (or read again).
    ToggleRead,
    /// Star or unstar the selected article.
    ToggleStar,
    /// Mark every listed article read.
    MarkAllRead,
    /// Sort by date, then source, then title.
    CycleSort,
    /// Open the article's URL in a browser; handled by the event loop.
    OpenLink,
    /// Copy the article's URL to the clipboard; handled by the event loop.
    CopyLink,
    /// Show the article's links.
    ListLinks,
    /// Show the problems met loading the library.
    Problems,
    /// The terminal changed size.
    Resize(u16, u16),
    /// Nothing.
    None,
}

/// Which pane has the keyboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    /// The article list.
    List,
    /// The reader.
    Reader,
}

/// Why the browser stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// `q`.
    Quit,
    /// Ctrl-C.
    Interrupt,
}

/// The help overlay's line about ambiguous characters when the width was chosen.
pub fn ambiguous_note(ambiguous: kanbao_core::Ambiguous) -> String {
    match ambiguous {
        kanbao_core::Ambiguous::Narrow => "“ ” … count 1 cell (--ambiguous wide: 2)".into(),
        kanbao_core::Ambiguous::Wide => "“ ” … count 2 cells (--ambiguous narrow: 1)".into(),
    }
}

/// Terminals narrower than this show one pane at a time.
pub const TWO_PANE_MIN_WIDTH: u16 = 90;

/// Where each part of the screen goes, for a terminal size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Both panes side by side.
    pub two_pane: bool,
    /// The list pane.
    pub list: Rect,
    /// The column between the panes (two-pane only).
    pub separator: Rect,
    /// The reader pane's text area.
    pub reader: Rect,
    /// The bottom status line.
    pub status: Rect,
}

/// The layout choices of the config file's `[layout]` and `[reader]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayoutSettings {
    /// List pane share of the screen, in percent (two-pane mode).
    pub split: u16,
    /// List above the reader instead of beside it.
    pub vertical: bool,
    /// Terminals narrower than this show one pane at a time.
    pub two_pane_min_width: u16,
    /// Widest text column of the reader, in cells.
    pub measure: u16,
    /// Centre the text column in a wider reader pane.
    pub center: bool,
    /// Lines a page forward keeps from the page before (0: none, as `less`).
    pub page_overlap: u16,
}

impl Default for LayoutSettings {
    fn default() -> LayoutSettings {
        LayoutSettings {
            split: 40,
            vertical: false,
            two_pane_min_width: TWO_PANE_MIN_WIDTH,
            measure: 80,
            center: true,
            page_overlap: 0,
        }
    }
}

impl Layout {
    /// Splits a `width`×`height` screen with the default settings.
    pub fn new(width: u16, height: u16) -> Layout {
        Layout::with(width, height, &LayoutSettings::default())
    }

    /// Splits a `width`×`height` screen.
    pub fn with(width: u16, height: u16, s: &LayoutSettings) -> Layout {
        let body_h = height.saturating_sub(1);
        let status = Rect::new(0, body_h, width, height.min(1));
        let two_pane = width >= s.two_pane_min_width && !(s.vertical && body_h < 8);
        let share = |total: u16, min: u16| {
            let wanted = (u32::from(total) * u32::from(s.split.clamp(10, 90)) / 100) as u16;
            wanted.clamp(
                min.min(total),
                total.saturating_sub(min).max(min.min(total)),
            )
        };
        let (list, separator, pane) = if !two_pane {
            let pad = u16::from(width >= 8);
            (
                Rect::new(0, 0, width, body_h),
                Rect::default(),
                Rect::new(pad, 0, width.saturating_sub(2 * pad), body_h),
            )
        } else if s.vertical {
            let list_h = share(body_h, 3);
            let pane_h = body_h.saturating_sub(list_h + 1);
            (
                Rect::new(0, 0, width, list_h),
                Rect::new(0, list_h, width, 1),
                Rect::new(1, list_h + 1, width.saturating_sub(2), pane_h),
            )
        } else {
            let list_w = share(width, 20);
            (
                Rect::new(0, 0, list_w, body_h),
                Rect::new(list_w, 0, 1, body_h),
                Rect::new(list_w + 2, 0, width.saturating_sub(list_w + 3), body_h),
            )
        };
        // The reader's text column: at most `measure` wide, centred if asked.
        let mut reader = pane;
        if reader.width > s.measure {
            if s.center {
                reader.x += (reader.width - s.measure) / 2;
            }
            reader.width = s.measure;
        }
        Layout {
            two_pane,
            list,
            separator,
            reader,
            status,
        }
    }
}

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
fn ranks(library: &Library, sort: Sort) -> Vec<u32> {
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

/// `12345` → `12,345`.
pub(crate) fn thousands(n: usize) -> String {
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

/// Display width of the widest source name (at most 12).
fn source_width(library: &Library, options: TypesetOptions) -> usize {
    library
        .articles
        .iter()
        .filter_map(|a| a.source.as_deref())
        .map(|s| kanbao_core::str_width(s, options.ambiguous))
        .max()
        .unwrap_or(0)
        .min(12)
}

/// The browser.
pub struct App {
    /// All articles.
    pub library: Library,
    /// Article indices in display order (newest first).
    pub order: Vec<usize>,
    /// Position of the selected article in `order`.
    pub selected: usize,
    /// First visible row of the list.
    pub list_offset: usize,
    /// First visible line of the article.
    pub scroll: usize,
    /// Which pane has the keyboard.
    pub focus: Focus,
    /// Whether the key help is shown.
    pub help: bool,
    /// Set when the browser should stop.
    pub exit: Option<Exit>,
    /// Terminal size.
    pub size: (u16, u16),
    /// How articles are typeset.
    pub options: TypesetOptions,
    /// A message for the status line (an update's progress or result).
    pub notice: Option<String>,
    /// Read and starred marks.
    pub state: MarkStore,
    /// How the list is ordered.
    pub sort: Sort,
    /// The search filter in force, if any.
    pub filter: Option<kanbao_core::Query>,
    /// The text of the filter in force.
    pub filter_text: String,
    /// The search prompt, while it is open: the text typed so far.
    pub prompt: Option<String>,
    /// The links overlay, while it is open: the number typed so far.
    pub links_prompt: Option<String>,
    /// A link the event loop should open (set by `o` or the links overlay).
    pub pending_open: Option<String>,
    /// A URL the event loop should copy to the clipboard (set by `y`).
    pub pending_copy: Option<String>,
    /// Whether the reader beside the list follows the selection.
    pub preview: bool,
    /// How long the reader beside the list waits for the selection to stop
    /// moving before it shows the selected article (zero: at once). Moving
    /// through the list then writes only the marker's few bytes per key,
    /// and the article once, when the keys stop (`layout.preview_delay_ms`).
    pub preview_delay: std::time::Duration,
    /// While the preview waits: what the reader keeps showing meanwhile.
    held: Option<Option<usize>>,
    /// The article last opened in the reader (what it shows when it does
    /// not follow the selection).
    opened: Option<usize>,
    /// Show the selection as a reverse-video bar instead of a marker.
    pub selection_bar: bool,
    /// Pane sizes and the reader's measure.
    pub layout_settings: LayoutSettings,
    /// Which keys do what (defaults plus the config file's `[keys]`).
    pub keymap: crate::input::keys::Keymap,
    /// First visible row of the help (or problems) overlay.
    pub help_scroll: usize,
    /// Whether the problems overlay (`!`) is shown.
    pub problems_open: bool,
    /// What the help overlay says about ambiguous-width characters.
    pub ambiguous_note: String,
    /// Display width of the widest source name (at most 12), for the list's source column.
    pub source_width: usize,
    cache: HashMap<(usize, u16), Rc<RefCell<Lazy>>>,
    /// The search reading bodies on disk, while it runs.
    search: Option<kanbao_core::search::Job>,
    /// The last search of bodies on disk that ran to its end, and what it
    /// found: a query that narrows it searches only those.
    last_search: Option<(kanbao_core::Query, Vec<usize>)>,
    /// Each article's place in the whole library under each sort, computed
    /// once per sort: sorting a list is then sorting integers.
    ranks: [Option<Rc<Vec<u32>>>; 3],
}

/// What the status line says about a library's load problems, if any.
pub fn problems_notice(library: &Library) -> Option<String> {
    match library.problems.len() {
        0 => None,
        1 => Some("1 problem loading articles: ! shows it".to_string()),
        n => Some(format!("{n} problems loading articles: ! shows them")),
    }
}

impl App {
    /// A browser over `library`, sized `width`×`height`.
    pub fn new(library: Library, options: TypesetOptions, width: u16, height: u16) -> App {
        let order = library.newest_first();
        let source_width = source_width(&library, options);
        let notice = problems_notice(&library);
        App {
            library,
            order,
            selected: 0,
            list_offset: 0,
            scroll: 0,
            focus: Focus::List,
            help: false,
            exit: None,
            size: (width, height),
            options,
            source_width,
            ambiguous_note: ambiguous_note(options.ambiguous),
            notice,
            keymap: crate::input::keys::Keymap::default(),
            layout_settings: LayoutSettings::default(),
            selection_bar: false,
            preview: true,
            preview_delay: std::time::Duration::ZERO,
            held: None,
            opened: None,
            help_scroll: 0,
            problems_open: false,
            state: MarkStore::in_memory(),
            sort: Sort::Date,
            filter: None,
            filter_text: String::new(),
            prompt: None,
            links_prompt: None,
            pending_open: None,
            pending_copy: None,
            cache: HashMap::new(),
            search: None,
            last_search: None,
            ranks: Default::default(),
        }
    }

    /// Replaces the library (after an update), keeping the selected article
    /// selected when it is still there.
    pub fn replace_library(&mut self, library: Library) {
        let selected_id = self
            .selected_article()
            .map(|i| self.library.articles[i].id.clone());
        let scroll = self.scroll;
        self.source_width = source_width(&library, self.options);
        self.library = library;
        self.opened = None;
        self.held = None;
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

    /// Selects the article with this id if it is listed; says whether it was.
    fn select_id(&mut self, id: &str) -> bool {
        match self
            .order
            .iter()
            .position(|&i| self.library.articles[i].id == id)
        {
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
        let lib = &self.library;
        let state = &self.state;
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
    fn sort_order(&mut self) {
        let rank = self.ranks[self.sort as usize]
            .get_or_insert_with(|| Rc::new(ranks(&self.library, self.sort)))
            .clone();
        self.order.sort_unstable_by_key(|&i| rank[i]);
    }

    /// Whether a search is still reading bodies.
    pub fn searching(&self) -> bool {
        self.search.is_some()
    }

    /// Lists what the background search found since the last call, keeping
    /// the selected article selected, and says how far it has got. Returns
    /// whether the screen changed.
    pub fn poll_search(&mut self) -> bool {
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
            self.selected = selected
                .and_then(|i| self.order.iter().position(|&j| j == i))
                .unwrap_or(0);
            if self.selected_article() != before {
                self.scroll = 0;
            }
            self.keep_selection_visible();
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

    /// The current screen layout.
    pub fn layout(&self) -> Layout {
        Layout::with(self.size.0, self.size.1, &self.layout_settings)
    }

    /// Index (into `library.articles`) of the selected article.
    pub fn selected_article(&self) -> Option<usize> {
        self.order.get(self.selected).copied()
    }

    /// Whether the reader is on screen (always in two-pane mode).
    pub fn reader_visible(&self) -> bool {
        self.layout().two_pane || self.focus == Focus::Reader
    }

    /// The selected article typeset for the reader, cached per (article,
    /// width), typeset only as far as it has been looked at.
    pub fn reader_doc(&mut self) -> Rc<RefCell<Lazy>> {
        let width = self.layout().reader.width;
        let Some(index) = self.reader_article() else {
            return Rc::new(RefCell::new(Lazy::new(
                &Article::default(),
                1,
                &self.options,
            )));
        };
        if self.cache.len() > 64 {
            self.cache.clear();
        }
        let (library, options) = (&self.library, &self.options);
        self.cache
            .entry((index, width))
            .or_insert_with(|| {
                let article = library.articles[index].with_body();
                let article = &*article;
                let mut doc = Lazy::new(article, usize::from(width), options);
                // Most articles take well under a millisecond: set them whole,
                // so the position shown is exact. Huge ones go by screenfuls.
                if article.text_len() < 256 * 1024 {
                    doc.finish();
                }
                Rc::new(RefCell::new(doc))
            })
            .clone()
    }

    /// Work done while no key comes: the orders of the other sorts, so that
    /// `S` on a big library is a lookup (each takes tens of milliseconds at
    /// 100,000 articles). Returns whether there was any.
    pub fn prepare_when_idle(&mut self) -> bool {
        for sort in [Sort::Date, Sort::Source, Sort::Title] {
            if self.ranks[sort as usize].is_none() {
                self.ranks[sort as usize] = Some(Rc::new(ranks(&self.library, sort)));
                return true;
            }
        }
        false
    }

    /// Whether the article on screen is not typeset to its end yet.
    pub fn typesetting_pending(&mut self) -> bool {
        self.reader_visible()
            && self.selected_article().is_some()
            && !self.reader_doc().borrow().is_done()
    }

    /// Typesets a little more of the article on screen (a few thousand
    /// lines, a few milliseconds); returns whether it is now done.
    pub fn typeset_some(&mut self) -> bool {
        let doc = self.reader_doc();
        let mut doc = doc.borrow_mut();
        let more = doc.lines().len() + 2_000;
        doc.ensure(more);
        doc.is_done()
    }

    /// All lines of the selected article, typeset to the end.
    pub fn reader_lines(&mut self) -> Vec<Line> {
        let doc = self.reader_doc();
        let mut doc = doc.borrow_mut();
        doc.finish();
        doc.lines().to_vec()
    }

    /// The largest useful scroll position for the selected article (this
    /// typesets it to the end).
    pub fn max_scroll(&mut self) -> usize {
        let height = usize::from(self.layout().reader.height);
        let doc = self.reader_doc();
        let mut doc = doc.borrow_mut();
        doc.finish();
        doc.lines().len().saturating_sub(height)
    }

    /// Changes state for one action.
    pub fn apply(&mut self, action: Action) {
        if self.help || self.problems_open {
            // Movement keys scroll the overlay; any other key closes it and does nothing else.
            let page = usize::from(self.size.1.saturating_sub(3)).max(1);
            match action {
                Action::Resize(w, h) => self.resize(w, h),
                Action::Interrupt => self.exit = Some(Exit::Interrupt),
                Action::Redraw | Action::Suspend => {}
                Action::Down => self.help_scroll += 1,
                Action::Up => self.help_scroll = self.help_scroll.saturating_sub(1),
                Action::PageDown | Action::HalfPageDown => self.help_scroll += page,
                Action::PageUp | Action::HalfPageUp => {
                    self.help_scroll = self.help_scroll.saturating_sub(page)
                }
                _ => {
                    self.help = false;
                    self.problems_open = false;
                }
            }
            let rows = if self.problems_open {
                self.library.problems.len()
            } else {
                self.keymap.help().len() + 2
            };
            let visible = usize::from(self.size.1.saturating_sub(3));
            self.help_scroll = self.help_scroll.min(rows.saturating_sub(visible));
            return;
        }
        let list_page = usize::from(self.layout().list.height).max(1);
        let reader_page = usize::from(self.layout().reader.height)
            .saturating_sub(usize::from(self.layout_settings.page_overlap))
            .max(1);
        let in_list = self.focus == Focus::List;
        let moves_the_selection = in_list
            && matches!(
                action,
                Action::Up
                    | Action::Down
                    | Action::PageUp
                    | Action::PageDown
                    | Action::HalfPageUp
                    | Action::HalfPageDown
                    | Action::Top
                    | Action::Bottom
            );
        if !moves_the_selection && !matches!(action, Action::Redraw) {
            // Every other key acts on what the selection is: show it first.
            self.show_preview();
        }
        match action {
            Action::Up if in_list => self.select_by(-1),
            Action::Down if in_list => self.select_by(1),
            Action::PageUp if in_list => self.select_by(-(list_page as isize)),
            Action::PageDown if in_list => self.select_by(list_page as isize),
            Action::HalfPageUp if in_list => self.select_by(-((list_page / 2).max(1) as isize)),
            Action::HalfPageDown if in_list => self.select_by((list_page / 2).max(1) as isize),
            Action::Top if in_list => self.select(0),
            Action::Bottom if in_list => self.select(self.order.len().saturating_sub(1)),
            Action::Up => self.scroll_by(-1),
            Action::Down => self.scroll_by(1),
            Action::PageUp => self.scroll_by(-(reader_page as isize)),
            Action::PageDown => self.page_down(reader_page),
            Action::HalfPageUp => self.scroll_by(-((reader_page / 2).max(1) as isize)),
            Action::HalfPageDown => self.page_down((reader_page / 2).max(1)),
            Action::Top => self.scroll = 0,
            Action::Bottom => self.scroll = self.max_scroll(),
            Action::NextPane | Action::PrevPane => {
                self.focus = if in_list { Focus::Reader } else { Focus::List };
                self.fix_focus();
                if self.focus == Focus::Reader {
                    self.open_selected();
                }
            }
            Action::FocusList => self.focus = Focus::List,
            Action::FocusReader | Action::Open => {
                self.focus = Focus::Reader;
                self.fix_focus();
                self.open_selected();
            }
            Action::Back if self.focus == Focus::List && self.filter.is_some() => {
                self.set_filter(String::new())
            }
            Action::Back => self.focus = Focus::List,
            Action::Help => {
                self.help = true;
                self.help_scroll = 0;
            }
            Action::Quit => self.exit = Some(Exit::Quit),
            Action::Interrupt => self.exit = Some(Exit::Interrupt),
            Action::Resize(w, h) => self.resize(w, h),
            Action::Suspend | Action::Redraw | Action::Update | Action::None => {}
            Action::Problems if self.library.problems.is_empty() => {
                self.notice = Some("no problems loading the articles".into())
            }
            Action::Problems => {
                self.problems_open = true;
                self.help_scroll = 0;
            }
            Action::ToggleRead => self.toggle_read(),
            Action::ToggleStar => self.toggle_star(),
            Action::MarkAllRead => self.mark_all_read(),
            Action::CycleSort => self.cycle_sort(),
            Action::Search => self.prompt = Some(self.filter_text.clone()),
            Action::NextMatch => self.jump_to_match(true),
            Action::PrevMatch => self.jump_to_match(false),
            Action::OpenLink => match self.selected_link() {
                Some(link) => self.pending_open = Some(link),
                None => self.notice = Some("this article has no web link".into()),
            },
            Action::CopyLink => match self.selected_link() {
                Some(link) => self.pending_copy = Some(link),
                None => self.notice = Some("this article has no web link".into()),
            },
            Action::ListLinks => {
                if self.current_links().is_empty() {
                    self.notice = Some("this article has no links".into());
                } else {
                    self.links_prompt = Some(String::new());
                }
            }
        }
    }

    fn fix_focus(&mut self) {
        if self.order.is_empty() {
            self.focus = Focus::List;
        }
    }

    fn resize(&mut self, width: u16, height: u16) {
        // Keep the reader's place: the line at the top before the resize
        // stays at the top after it, whatever the new width does to the lines.
        let anchor = {
            let doc = self.reader_doc();
            let mut doc = doc.borrow_mut();
            doc.ensure(self.scroll + 1);
            doc.lines().get(self.scroll).map(|l| l.offset)
        };
        self.size = (width, height);
        if let Some(anchor) = anchor {
            let doc = self.reader_doc();
            let mut doc = doc.borrow_mut();
            while !doc.is_done() && doc.lines().last().is_none_or(|l| l.offset <= anchor) {
                let more = doc.lines().len() + 256;
                doc.ensure(more);
            }
            self.scroll = doc
                .lines()
                .partition_point(|l| l.offset <= anchor)
                .saturating_sub(1);
        }
        self.clamp_scroll();
        self.keep_selection_visible();
    }

    fn select(&mut self, position: usize) {
        let position = position.min(self.order.len().saturating_sub(1));
        let shown = self.reader_article();
        if self.opened.is_none() {
            // What the reader showed first stays until something is opened.
            self.opened = shown;
        }
        self.selected = position;
        if self.held.is_none()
            && self.preview
            && !self.preview_delay.is_zero()
            && self.focus == Focus::List
            && self.layout().two_pane
            && self.selected_article() != shown
        {
            self.held = Some(shown);
        }
        if self.reader_article() != shown {
            self.scroll = 0;
        }
        self.keep_selection_visible();
    }

    /// Whether the reader beside the list is waiting for the selection to
    /// stop moving (the event loop calls `show_preview` after
    /// `preview_delay` without a key).
    pub fn preview_waiting(&self) -> bool {
        self.held.is_some()
    }

    /// The reader beside the list catches up with the selection.
    pub fn show_preview(&mut self) {
        if let Some(shown) = self.held.take()
            && self.reader_article() != shown
        {
            self.scroll = 0;
        }
    }

    /// The article the reader shows: the selected one, unless the reader
    /// beside the list does not follow the selection (`preview = false`)
    /// and the list has the keyboard: then the one last opened.
    pub fn reader_article(&self) -> Option<usize> {
        if self.focus == Focus::List && self.layout().two_pane {
            if !self.preview {
                return self.opened.or(self.selected_article());
            }
            if let Some(shown) = self.held {
                return shown;
            }
        }
        self.selected_article()
    }

    /// The reader takes the selected article (Enter, or moving to the reader).
    fn open_selected(&mut self) {
        let selected = self.selected_article();
        if self.opened != selected {
            if !self.preview && self.layout().two_pane && self.focus == Focus::Reader {
                self.scroll = 0;
            }
            self.opened = selected;
        }
        self.mark_selected_read();
    }

    fn select_by(&mut self, delta: isize) {
        self.select(self.selected.saturating_add_signed(delta));
    }

    /// Scrolls by lines (j/k, the wheel, PageUp): never further down than a
    /// full last page; from a page past that (see `page_down`) only up.
    fn scroll_by(&mut self, delta: isize) {
        let before = self.scroll;
        self.scroll = self.scroll.saturating_add_signed(delta);
        if delta > 0 {
            let height = usize::from(self.layout().reader.height);
            let doc = self.reader_doc();
            let mut doc = doc.borrow_mut();
            doc.ensure(self.scroll + height + 1);
            let full_last_page = doc.lines().len().saturating_sub(height);
            if self.scroll > full_last_page {
                self.scroll = full_last_page.max(before);
            }
        }
    }

    /// Pages forward like a book: the next page starts after the last line
    /// of this one (or with its last `page_overlap` lines: `step` is the
    /// page height less those), and the last page holds only the lines not
    /// read yet, blank below them, instead of repeating half a page already
    /// read. Nothing happens at the end.
    fn page_down(&mut self, step: usize) {
        let height = usize::from(self.layout().reader.height);
        let doc = self.reader_doc();
        let mut doc = doc.borrow_mut();
        doc.ensure(self.scroll + height + step + 1);
        if self.scroll + height < doc.lines().len() {
            self.scroll += step;
        }
    }

    /// Keeps the scroll position within the article (its top line is one of
    /// the article's), typesetting only as far as needed to know.
    fn clamp_scroll(&mut self) {
        let doc = self.reader_doc();
        let mut doc = doc.borrow_mut();
        doc.ensure(self.scroll + 1);
        self.scroll = self.scroll.min(doc.lines().len().saturating_sub(1));
    }

    /// Scrolls the list just enough to show the selected row.
    ///
    /// Beside the reader, the list jumps half a page instead of a row: its
    /// rows share the screen's lines with the article, so the terminal
    /// cannot scroll them (insert/delete line moves whole lines) and every
    /// scroll redraws the whole list (~2.4 KB at 120x40). A list as wide as
    /// the screen scrolls a row at a time, which costs one row.
    fn keep_selection_visible(&mut self) {
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
    }

    /// Handles one key press: the search prompt and the links overlay take
    /// keys first; otherwise the keymap decides. Returns the action taken,
    /// for the event loop (suspend, redraw, update).
    pub fn key(&mut self, key: crossterm::event::KeyEvent) -> Action {
        use crossterm::event::{KeyCode, KeyModifiers};
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        // A notice lasts until the next key (the prompt shows its own errors).
        if self.prompt.is_none() {
            self.notice = None;
        }
        if ctrl && key.code == KeyCode::Char('c') {
            self.apply(Action::Interrupt);
            return Action::Interrupt;
        }
        if let Some(mut text) = self.prompt.take() {
            match key.code {
                KeyCode::Enter => return Action::None,
                KeyCode::Esc => {
                    self.set_filter(String::new());
                    return Action::None;
                }
                KeyCode::Backspace => {
                    text.pop();
                }
                KeyCode::Char('u') if ctrl => text.clear(),
                KeyCode::Char('w') if ctrl => {
                    let trimmed = text.trim_end().len();
                    let cut = text[..trimmed].rfind(' ').map_or(0, |i| i + 1);
                    text.truncate(cut);
                }
                KeyCode::Char(c) if !ctrl => text.push(c),
                _ => {}
            }
            self.prompt = Some(text.clone());
            self.set_filter(text);
            return Action::None;
        }
        if let Some(mut number) = self.links_prompt.take() {
            let links = self.current_links();
            match key.code {
                KeyCode::Char(c) if c.is_ascii_digit() => {
                    number.push(c);
                    let n: usize = number.parse().unwrap_or(0);
                    // Open at once when no longer number could be meant.
                    if n >= 1 && n <= links.len() && n * 10 > links.len() {
                        self.pending_open = Some(links[n - 1].clone());
                    } else {
                        self.links_prompt = Some(number);
                    }
                }
                KeyCode::Backspace => {
                    number.pop();
                    self.links_prompt = Some(number);
                }
                KeyCode::Enter => match number.parse::<usize>() {
                    Ok(n) if n >= 1 && n <= links.len() => {
                        self.pending_open = Some(links[n - 1].clone())
                    }
                    _ => self.notice = Some(format!("no link {number}")),
                },
                _ => {}
            }
            return Action::None;
        }
        let action = self.keymap.action(key);
        self.apply(action);
        action
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

    /// The selected article's URL, when it is a web link.
    fn selected_link(&self) -> Option<String> {
        let i = self.selected_article()?;
        self.library.articles[i].link().map(str::to_owned)
    }

    /// Links of the selected article: those found in its text, in order.
    pub fn current_links(&self) -> Vec<String> {
        self.selected_article()
            .map_or_else(Vec::new, |i| self.library.articles[i].links.clone())
    }

    /// Scrolls the reader to the next (or previous) line with a search match.
    fn jump_to_match(&mut self, forward: bool) {
        let Some(terms) = self.filter.as_ref().map(|q| q.highlight_terms().to_vec()) else {
            self.notice = Some("no search: press / first".into());
            return;
        };
        if terms.is_empty() {
            return;
        }
        let lines = self.reader_lines();
        let hits: Vec<usize> = (0..lines.len())
            .filter(|&i| !kanbao_core::matches_in_line(&lines, i, &terms).is_empty())
            .collect();
        let target = if forward {
            hits.iter()
                .copied()
                .find(|&i| i > self.scroll)
                .or(hits.first().copied())
        } else {
            hits.iter()
                .rev()
                .copied()
                .find(|&i| i < self.scroll)
                .or(hits.last().copied())
        };
        match target {
            Some(line) => {
                self.focus = Focus::Reader;
                self.fix_focus();
                self.mark_selected_read();
                self.scroll = line.min(self.max_scroll());
                let n = hits.iter().position(|&h| h == line).unwrap_or(0) + 1;
                self.notice = Some(format!("match {n}/{}", hits.len()));
            }
            None => self.notice = Some("no match in this article".into()),
        }
    }

    /// The selected article's id.
    fn selected_id(&self) -> Option<String> {
        self.selected_article()
            .map(|i| self.library.articles[i].id.clone())
    }

    /// Reports a failed write of the marks once in the status line.
    fn report(&mut self, result: Result<(), impl std::fmt::Display>) {
        if let Err(e) = result {
            self.notice = Some(e.to_string());
        }
    }

    /// Opening an article in the reader marks it read.
    fn mark_selected_read(&mut self) {
        if let Some(id) = self.selected_id()
            && !self.state.is_read(&id)
        {
            let r = self.state.set_read(&id, true);
            self.report(r);
        }
    }

    fn toggle_read(&mut self) {
        if let Some(id) = self.selected_id() {
            let read = !self.state.is_read(&id);
            let r = self.state.set_read(&id, read);
            self.notice = Some(if read { "marked read" } else { "marked unread" }.into());
            self.report(r);
        }
    }

    fn toggle_star(&mut self) {
        if let Some(id) = self.selected_id() {
            let star = !self.state.is_starred(&id);
            let r = self.state.set_starred(&id, star);
            self.notice = Some(if star { "starred ★" } else { "unstarred" }.into());
            self.report(r);
        }
    }

    fn mark_all_read(&mut self) {
        let ids: Vec<&str> = self
            .order
            .iter()
            .map(|&i| self.library.articles[i].id.as_str())
            .collect();
        let n = ids.len();
        let r = self.state.mark_all_read(&ids);
        let n = thousands(n);
        self.notice = Some(format!("{n} articles marked read"));
        self.report(r);
    }

    fn cycle_sort(&mut self) {
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

    /// Which pane is at a screen position (the one on screen, in one-pane mode).
    fn pane_at(&self, column: u16, row: u16) -> Option<Focus> {
        let l = self.layout();
        let inside =
            |r: Rect| column >= r.x && column < r.right() && row >= r.y && row < r.bottom();
        if !l.two_pane {
            return (row < l.status.y).then_some(self.focus);
        }
        if inside(l.list) {
            Some(Focus::List)
        } else if row < l.status.y && !inside(l.separator) {
            Some(Focus::Reader)
        } else {
            None
        }
    }

    /// A mouse click: selects the list row under the pointer, or focuses the reader.
    pub fn click(&mut self, column: u16, row: u16) {
        if self.help {
            self.help = false;
            return;
        }
        match self.pane_at(column, row) {
            Some(Focus::List) => {
                let pos = self.list_offset + usize::from(row - self.layout().list.y);
                if pos < self.order.len() {
                    self.focus = Focus::List;
                    self.select(pos);
                }
            }
            Some(Focus::Reader) => {
                self.show_preview();
                self.focus = Focus::Reader;
                self.fix_focus();
            }
            None => {}
        }
    }

    /// The mouse wheel: scrolls the pane under the pointer, three lines a notch.
    pub fn wheel(&mut self, column: u16, row: u16, down: bool) {
        let step = if down { 3 } else { -3 };
        match self.pane_at(column, row) {
            Some(Focus::List) => {
                let height = usize::from(self.layout().list.height).max(1);
                let max = self.order.len().saturating_sub(height);
                self.list_offset = self.list_offset.saturating_add_signed(step).min(max);
            }
            Some(Focus::Reader) => {
                self.show_preview();
                self.scroll_by(step);
            }
            None => {}
        }
    }

    /// The reader's position as text: `Top`, `Bot`, `All` or a percentage.
    pub fn scroll_indicator(&mut self) -> String {
        let doc = self.reader_doc();
        if !doc.borrow().is_done() {
            // Not typeset to the end yet: estimate from the text offset.
            return format!("{}%", doc.borrow().percent_at(self.scroll).min(99));
        }
        let max = self.max_scroll();
        if max == 0 {
            "All".into()
        } else if self.scroll == 0 {
            "Top".into()
        } else if self.scroll >= max {
            "Bot".into()
        } else {
            format!("{}%", self.scroll * 100 / max)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(width: u16, height: u16) -> App {
        App::new(Library::sample(), TypesetOptions::default(), width, height)
    }

    fn apply_all(app: &mut App, actions: &[Action]) {
        for &a in actions {
            app.apply(a);
        }
    }

    #[test]
    fn selection_stays_within_the_list() {
        let mut app = sample(80, 24);
        app.apply(Action::Up);
        assert_eq!(app.selected, 0);
        apply_all(&mut app, &[Action::Bottom, Action::Down, Action::Down]);
        assert_eq!(app.selected, app.order.len() - 1);
        apply_all(&mut app, &[Action::PageUp, Action::PageUp]);
        assert_eq!(app.selected, 0);
    }

    #[test]
    fn list_scrolls_to_keep_the_selection_visible() {
        let mut app = sample(80, 6); // 5 list rows
        apply_all(&mut app, &[Action::Down; 7]);
        assert_eq!(app.selected, 7);
        assert_eq!(app.list_offset, 3);
        apply_all(&mut app, &[Action::Top]);
        assert_eq!(app.list_offset, 0);
    }

    #[test]
    fn beside_the_reader_the_list_jumps_half_a_page() {
        let mut app = sample(120, 7); // 6 list rows beside the reader, 14 articles
        assert!(app.layout().two_pane);
        assert_eq!(app.layout().list.height, 6);
        apply_all(&mut app, &[Action::Down; 6]);
        assert_eq!((app.selected, app.list_offset), (6, 1 + 3), "half a page");
        apply_all(&mut app, &[Action::Down; 3]); // still on screen: no jump
        assert_eq!(app.list_offset, 4);
        app.apply(Action::Down);
        assert_eq!((app.selected, app.list_offset), (10, 8), "the end stops it");
        apply_all(&mut app, &[Action::Up; 2]); // the top row: still on screen
        assert_eq!(app.list_offset, 8);
        app.apply(Action::Up);
        assert_eq!((app.selected, app.list_offset), (7, 4), "half a page up");
        // A list as wide as the screen (one pane) scrolls a row at a time.
        let mut narrow = sample(80, 6); // 5 rows
        apply_all(&mut narrow, &[Action::Down; 5]);
        assert_eq!(narrow.list_offset, 1);
        let mut vertical = sample(120, 21);
        vertical.layout_settings.vertical = true;
        let rows = usize::from(vertical.layout().list.height);
        apply_all(&mut vertical, &vec![Action::Down; rows]);
        assert_eq!(vertical.list_offset, 1, "above the reader, full width");
    }

    #[test]
    fn enter_opens_and_esc_returns_on_a_narrow_terminal() {
        let mut app = sample(60, 20);
        assert!(!app.reader_visible());
        app.apply(Action::Open);
        assert!(app.reader_visible());
        app.apply(Action::Down);
        assert_eq!(
            (app.selected, app.scroll),
            (0, 1),
            "in the reader, j scrolls"
        );
        app.apply(Action::Back);
        assert_eq!(app.focus, Focus::List);
    }

    #[test]
    fn choosing_another_article_starts_it_at_the_top() {
        let mut app = sample(120, 30);
        apply_all(
            &mut app,
            &[Action::Bottom, Action::NextPane, Action::PageDown],
        );
        assert!(app.scroll > 0);
        apply_all(&mut app, &[Action::PrevPane, Action::Up]);
        assert_eq!(app.scroll, 0);
    }

    #[test]
    fn scrolling_stops_at_the_end_of_the_article() {
        let mut app = sample(80, 24);
        apply_all(&mut app, &[Action::Bottom, Action::Open, Action::Bottom]);
        let end = app.scroll;
        assert_eq!(end, app.max_scroll());
        apply_all(
            &mut app,
            &[Action::Down, Action::PageDown, Action::HalfPageDown],
        );
        assert_eq!(app.scroll, end);
        assert_eq!(app.scroll_indicator(), "Bot");
    }

    #[test]
    fn paging_shows_every_line_once_and_the_last_page_holds_only_the_rest() {
        let mut odd_end = false;
        for rows in [20, 24, 25, 31] {
            let mut app = sample(80, rows);
            apply_all(&mut app, &[Action::Bottom, Action::Open]);
            let height = usize::from(app.layout().reader.height);
            let lines = app.reader_lines().len();
            assert!(lines > 2 * height, "the seed article is several pages long");
            let mut tops = vec![app.scroll];
            loop {
                app.apply(Action::PageDown);
                if app.scroll == *tops.last().unwrap() {
                    break;
                }
                tops.push(app.scroll);
            }
            for pair in tops.windows(2) {
                assert_eq!(pair[1], pair[0] + height, "each page starts after the last");
            }
            // The last page starts on the page grid, with the first line
            // not shown yet: no line is shown twice.
            let last = *tops.last().unwrap();
            assert_eq!(last, (lines - 1) / height * height, "{rows} rows");
            let full_last_page = app.max_scroll();
            odd_end |= last > full_last_page;
            assert_eq!(app.scroll_indicator(), "Bot");
            // j cannot go further; k goes back one line; G shows a full last page.
            app.apply(Action::Down);
            assert_eq!(app.scroll, last);
            app.apply(Action::Up);
            assert_eq!(app.scroll, last - 1);
            app.apply(Action::Bottom);
            assert_eq!(app.scroll, full_last_page);
            // From the full last page, Space changes nothing.
            app.apply(Action::PageDown);
            assert_eq!(app.scroll, full_last_page);
        }
        assert!(odd_end, "some size ends on a part page");
    }

    #[test]
    fn page_overlap_shows_the_last_lines_again() {
        let mut app = sample(80, 24);
        app.layout_settings.page_overlap = 2;
        apply_all(&mut app, &[Action::Bottom, Action::Open]);
        let height = usize::from(app.layout().reader.height);
        app.apply(Action::PageDown);
        assert_eq!(app.scroll, height - 2);
        app.apply(Action::PageUp);
        assert_eq!(app.scroll, 0);
    }

    #[test]
    fn the_preview_waits_for_the_selection_to_rest() {
        let mut app = sample(120, 30);
        app.preview_delay = std::time::Duration::from_millis(100);
        let first = app.reader_article();
        apply_all(&mut app, &[Action::Down, Action::Down, Action::Down]);
        assert_eq!(app.selected, 3, "the selection moves at once");
        assert!(app.preview_waiting());
        assert_eq!(
            app.reader_article(),
            first,
            "the reader still shows the first"
        );
        app.show_preview();
        assert!(!app.preview_waiting());
        assert_eq!(app.reader_article(), app.selected_article());
        assert_eq!(app.scroll, 0);

        // Any other key acts on the selection, so it shows it first.
        app.apply(Action::Down);
        assert!(app.preview_waiting());
        app.apply(Action::ToggleStar);
        assert!(!app.preview_waiting());
        assert_eq!(app.reader_article(), app.selected_article());
        let id = app.library.articles[app.selected_article().unwrap()]
            .id
            .clone();
        assert!(app.state.is_starred(&id));

        // Without a delay, or without two panes, nothing waits.
        app.preview_delay = std::time::Duration::ZERO;
        app.apply(Action::Down);
        assert!(!app.preview_waiting());
        let mut narrow = sample(60, 20);
        narrow.preview_delay = std::time::Duration::from_millis(100);
        narrow.apply(Action::Down);
        assert!(!narrow.preview_waiting());
    }

    #[test]
    fn resizing_keeps_the_reading_position() {
        let mut app = sample(80, 24);
        apply_all(&mut app, &[Action::Bottom, Action::Open]);
        apply_all(&mut app, &[Action::Down; 20]);
        let before = app.reader_lines()[app.scroll].clone();
        app.apply(Action::Resize(40, 15));
        let lines = app.reader_lines();
        let after = &lines[app.scroll];
        let next = lines.get(app.scroll + 1).map_or(usize::MAX, |l| l.offset);
        assert!(
            after.offset <= before.offset && before.offset < next,
            "{before:?} → {after:?}"
        );
    }

    #[test]
    fn help_swallows_the_key_that_closes_it() {
        let mut app = sample(80, 24);
        apply_all(&mut app, &[Action::Help, Action::Down]);
        assert!(app.help, "j scrolls the help");
        assert_eq!(app.help_scroll, 1);
        apply_all(&mut app, &[Action::Open]);
        assert!(!app.help);
        assert_eq!(
            (app.selected, app.focus),
            (0, Focus::List),
            "the closing key does nothing else"
        );
        apply_all(&mut app, &[Action::Help, Action::Quit]);
        assert_eq!(app.exit, None, "q closes the help first");
    }

    #[test]
    fn a_reloaded_library_keeps_the_selected_article() {
        let mut app = sample(120, 30);
        apply_all(
            &mut app,
            &[Action::Down, Action::Down, Action::Open, Action::Down],
        );
        let id = app.library.articles[app.selected_article().unwrap()]
            .id
            .clone();
        let mut lib = Library::sample();
        lib.articles.remove(app.order[0]); // the newest article goes away: positions shift
        let before = app.selected;
        app.replace_library(lib);
        assert_eq!(app.selected, before - 1);
        assert_eq!(app.library.articles[app.selected_article().unwrap()].id, id);
        assert_eq!((app.focus, app.scroll), (Focus::Reader, 1));
    }

    #[test]
    fn the_reader_keeps_its_measure_and_centres_on_wide_screens() {
        let l = Layout::new(240, 50);
        assert_eq!(l.reader.width, 80);
        let pane_left = l.list.width + 2;
        let pane_w = 240 - l.list.width - 3;
        assert_eq!(l.reader.x, pane_left + (pane_w - 80) / 2);
        let s = LayoutSettings {
            center: false,
            measure: 60,
            ..LayoutSettings::default()
        };
        assert_eq!(Layout::with(240, 50, &s).reader.x, pane_left);
    }

    #[test]
    fn vertical_layout_puts_the_list_above_the_reader() {
        let s = LayoutSettings {
            vertical: true,
            split: 30,
            ..LayoutSettings::default()
        };
        let l = Layout::with(120, 41, &s);
        assert!(l.two_pane);
        assert_eq!((l.list.height, l.separator.y, l.reader.y), (12, 12, 13));
        assert_eq!(l.list.width, 120);
    }

    #[test]
    fn the_mouse_selects_and_scrolls_the_pane_under_it() {
        let mut app = sample(120, 30);
        app.click(5, 3);
        assert_eq!((app.selected, app.focus), (3, Focus::List));
        let reader_x = app.layout().reader.x + 1;
        app.wheel(reader_x, 5, true);
        assert_eq!(app.scroll, 3);
        app.click(reader_x, 5);
        assert_eq!(app.focus, Focus::Reader);
        app.wheel(5, 5, true); // over the list: the list scrolls (it is short: no room)
        assert_eq!(app.list_offset, 0);
        app.click(5, 29); // the status line: nothing
        assert_eq!(app.focus, Focus::Reader);
    }

    fn keys(app: &mut App, notation: &str) {
        for key in crate::input::keys::parse_keys(notation).unwrap() {
            app.key(key);
        }
    }

    #[test]
    fn search_filters_as_you_type_enter_keeps_esc_clears() {
        let mut app = sample(80, 24);
        let all = app.order.len();
        keys(&mut app, "/lang:ja");
        assert!(app.prompt.is_some());
        assert_eq!(app.order.len(), 2, "the two Japanese articles");
        keys(&mut app, "<Enter>");
        assert!(app.prompt.is_none());
        assert_eq!(app.order.len(), 2, "Enter keeps the filter");
        keys(&mut app, "j"); // keys work again
        assert_eq!(app.selected, 1);
        keys(&mut app, "/<Esc>");
        assert_eq!((app.order.len(), app.filter_text.as_str()), (all, ""));
    }

    #[test]
    fn a_malformed_query_says_why_and_keeps_the_last_filter() {
        let mut app = sample(80, 24);
        keys(&mut app, "/光伏");
        assert_eq!(app.order.len(), 1);
        keys(&mut app, " \"unclosed");
        assert_eq!(app.order.len(), 1, "the last good filter stays");
        assert!(
            app.notice.as_deref().is_some_and(|n| n.contains("quote")),
            "{:?}",
            app.notice
        );
        keys(&mut app, "<BS><BS><BS><BS><BS><BS><BS><BS><BS><BS>");
        assert_eq!(app.filter_text, "光伏");
    }

    #[test]
    fn backspace_and_ctrl_u_edit_the_prompt() {
        let mut app = sample(80, 24);
        keys(&mut app, "/abc<BS>");
        assert_eq!(app.prompt.as_deref(), Some("ab"));
        keys(&mut app, "<C-u>");
        assert_eq!(app.prompt.as_deref(), Some(""));
    }

    #[test]
    fn n_jumps_to_matches_in_the_reader() {
        let mut app = sample(80, 24);
        keys(&mut app, "/光伏<Enter>n");
        assert_eq!(app.focus, Focus::Reader);
        let first = app.scroll;
        assert!(first > 0);
        keys(&mut app, "n");
        assert!(app.scroll > first || app.scroll == app.max_scroll());
        keys(&mut app, "N");
        assert_eq!(app.scroll, first);
    }

    #[test]
    fn u_s_and_a_change_the_marks() {
        let mut app = sample(80, 24);
        let id = |app: &App, pos: usize| app.library.articles[app.order[pos]].id.clone();
        keys(&mut app, "<Enter><Esc>");
        assert!(app.state.is_read(&id(&app, 0)), "opening marks read");
        keys(&mut app, "u");
        assert!(!app.state.is_read(&id(&app, 0)), "u marks unread again");
        keys(&mut app, "s");
        assert!(app.state.is_starred(&id(&app, 0)));
        keys(&mut app, "/lang:ja<Enter>A");
        let listed: Vec<String> = (0..app.order.len()).map(|p| id(&app, p)).collect();
        assert!(listed.iter().all(|i| app.state.is_read(i)));
        keys(&mut app, "<Esc>");
        for p in 0..app.order.len() {
            let i = id(&app, p);
            assert_eq!(
                app.state.is_read(&i),
                listed.contains(&i),
                "A marked only the listed articles"
            );
        }
    }

    #[test]
    fn sort_cycles_and_keeps_the_selection() {
        let mut app = sample(80, 24);
        keys(&mut app, "jjj");
        let id = app.library.articles[app.selected_article().unwrap()]
            .id
            .clone();
        keys(&mut app, "S");
        assert_eq!(app.sort, Sort::Source);
        assert_eq!(app.library.articles[app.selected_article().unwrap()].id, id);
        let sources: Vec<String> = app
            .order
            .iter()
            .map(|&i| app.library.articles[i].source.clone().unwrap_or_default())
            .collect();
        assert!(sources.windows(2).all(|w| w[0] <= w[1]), "{sources:?}");
        keys(&mut app, "SS");
        assert_eq!(app.sort, Sort::Date);
    }

    #[test]
    fn sort_orders_match_plain_comparisons() {
        // Sources missing, empty and repeated; titles equal, sharing long
        // prefixes (past the 16 bytes compared first), CJK; dates equal,
        // missing and in other zones.
        let mut jsonl = String::new();
        for n in 0..400u32 {
            let source = match n % 5 {
                0 => String::new(),
                1 => ",\"source\":\"\"".into(),
                k => format!(",\"source\":\"来源{}\"", (n * 7 + k) % 6),
            };
            let published = match n % 4 {
                0 => String::new(),
                1 => ",\"published\":\"2024-01-01T08:00:00+08:00\"".into(),
                _ => format!(
                    ",\"published\":\"2024-01-{:02}T{:02}:00:00Z\"",
                    1 + n % 28,
                    n % 24
                ),
            };
            let title = match n % 3 {
                0 => "同一个标题".to_string(),
                1 => format!("共同的很长的前缀超过十六个字节{}", (n * 13) % 50),
                _ => format!("title {}", (n * 31) % 97),
            };
            jsonl.push_str(&format!(
                "{{\"id\":\"i{n}\",\"title\":\"{title}\"{source}{published},\"body\":[\"x\"]}}\n"
            ));
        }
        let mut lib = Library::default();
        lib.load_text("s.jsonl", jsonl.as_bytes(), kanbao_core::Format::JsonLines);
        assert_eq!(lib.articles.len(), 400, "{:?}", lib.problems);
        let a = &lib.articles;
        let date = |i: usize| match &a[i].published {
            Some(p) => (0, std::cmp::Reverse(p.sort_key())),
            None => (1, std::cmp::Reverse(0)),
        };
        let source = |i: usize| a[i].source.clone().unwrap_or_default();
        let mut by_date: Vec<usize> = (0..a.len()).collect();
        by_date.sort_by_key(|&i| (date(i), i));
        let mut by_source: Vec<usize> = (0..a.len()).collect();
        by_source.sort_by_key(|&i| (source(i).is_empty(), source(i), date(i), i));
        let mut by_title: Vec<usize> = (0..a.len()).collect();
        by_title.sort_by_key(|&i| (a[i].title.clone(), i));
        for (sort, expected) in [
            (Sort::Date, by_date),
            (Sort::Source, by_source),
            (Sort::Title, by_title),
        ] {
            let rank = ranks(&lib, sort);
            let mut got: Vec<usize> = (0..a.len()).collect();
            got.sort_by_key(|&i| rank[i]);
            assert_eq!(got, expected, "{sort:?}");
        }
    }

    #[test]
    fn idle_time_prepares_every_sort_once() {
        let mut app = sample(80, 24);
        let mut done = 0;
        while app.prepare_when_idle() {
            done += 1;
            assert!(done <= 3);
        }
        assert!(app.ranks.iter().all(Option::is_some));
        keys(&mut app, "S");
        assert_eq!(app.sort, Sort::Source);
    }

    #[test]
    fn links_open_and_copy_through_the_event_loop() {
        let mut lib = Library::default();
        lib.load_text(
            "a.json",
            br#"{"title":"t","url":"https://example.org/a","links":["https://example.org/1","https://example.org/2"]}"#,
            kanbao_core::Format::Json,
        );
        let mut app = App::new(lib, TypesetOptions::default(), 80, 24);
        keys(&mut app, "o");
        assert_eq!(
            app.pending_open.take().as_deref(),
            Some("https://example.org/a")
        );
        keys(&mut app, "y");
        assert_eq!(
            app.pending_copy.take().as_deref(),
            Some("https://example.org/a")
        );
        keys(&mut app, "L");
        assert!(app.links_prompt.is_some());
        keys(&mut app, "2");
        assert_eq!(
            app.pending_open.take().as_deref(),
            Some("https://example.org/2")
        );
        assert!(app.links_prompt.is_none());
        keys(&mut app, "L<Esc>");
        assert!(app.links_prompt.is_none() && app.pending_open.is_none());
    }

    #[test]
    fn a_url_that_is_not_a_web_link_is_never_opened() {
        let mut lib = Library::default();
        lib.load_text(
            "a.json",
            br#"{"title":"t","url":"javascript:alert(1)"}"#,
            kanbao_core::Format::Json,
        );
        let mut app = App::new(lib, TypesetOptions::default(), 80, 24);
        keys(&mut app, "oy");
        assert!(app.pending_open.is_none() && app.pending_copy.is_none());
    }

    #[test]
    fn problems_get_one_notice_and_bang_shows_them() {
        let mut lib = Library::default();
        lib.load_text(
            "a.jsonl",
            b"{\"title\":\"good\"}\n{\"title\":3}\nnot json\n",
            kanbao_core::Format::JsonLines,
        );
        let mut app = App::new(lib, TypesetOptions::default(), 80, 24);
        assert_eq!(
            app.notice.as_deref(),
            Some("2 problems loading articles: ! shows them")
        );
        keys(&mut app, "!");
        assert!(app.problems_open);
        let screen = crate::terminal::snapshot::to_text(&crate::terminal::snapshot::draw(
            &mut app,
            &crate::ui::Theme::default(),
        ));
        assert!(screen.contains("a.jsonl:2:10: field `title`"), "{screen}");
        assert!(
            screen.contains("a.jsonl:3:") && screen.contains("invalid JSON"),
            "{screen}"
        );
        keys(&mut app, "x");
        assert!(!app.problems_open);
        let mut clean = sample(80, 24);
        keys(&mut clean, "!");
        assert!(!clean.problems_open);
        assert_eq!(
            clean.notice.as_deref(),
            Some("no problems loading the articles")
        );
    }

    #[test]
    fn a_huge_paragraph_opens_scrolls_and_ends_typeset_lazily() {
        let paragraph = "嘉兴围绕“碳达峰、碳中和”发展目标，发挥光伏产业的比较优势。".repeat(40_000); // ~3.6 MB
        let mut lib = Library::default();
        lib.articles
            .push(kanbao_core::Article::new("巨型段落", vec![paragraph]));
        let mut app = App::new(lib, TypesetOptions::default(), 80, 24);
        apply_all(&mut app, &[Action::Open, Action::PageDown, Action::Down]);
        let doc = app.reader_doc();
        assert!(
            !doc.borrow().is_done(),
            "only what was looked at is typeset"
        );
        assert!(doc.borrow().lines().len() < 2_000);
        assert!(app.scroll_indicator().ends_with('%'));
        app.apply(Action::Bottom);
        assert!(doc.borrow().is_done());
        let max = app.max_scroll();
        assert_eq!(app.scroll, max);
        assert_eq!(app.scroll_indicator(), "Bot");
    }

    #[test]
    fn without_preview_the_reader_changes_on_enter_only() {
        let mut app = sample(120, 30);
        app.preview = false;
        let shown = app.reader_article();
        apply_all(&mut app, &[Action::Down, Action::Down]);
        assert_eq!(
            app.reader_article(),
            shown,
            "j moves the selection, not the reader"
        );
        app.apply(Action::Open);
        assert_eq!(app.reader_article(), app.selected_article());
        apply_all(&mut app, &[Action::Down, Action::Back, Action::Down]);
        assert_ne!(app.reader_article(), app.selected_article());
        let mut app = sample(120, 30); // the default follows the selection
        app.apply(Action::Down);
        assert_eq!(app.reader_article(), app.selected_article());
    }

    #[test]
    fn an_empty_library_is_harmless() {
        let mut app = App::new(Library::default(), TypesetOptions::default(), 80, 24);
        apply_all(
            &mut app,
            &[
                Action::Down,
                Action::Open,
                Action::Bottom,
                Action::PageDown,
                Action::Resize(1, 1),
            ],
        );
        assert_eq!(app.focus, Focus::List);
    }
}
