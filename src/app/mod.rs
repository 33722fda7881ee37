//! Browser state and how actions change it. Nothing here touches the
//! terminal or draws: the event loop maps a key to an [`Action`], calls
//! [`App::apply`], carries out the [`Effect`] it returns, prepares the
//! frame ([`App::prepare_frame`]) and hands `&App` to the widgets.

mod layout;
mod mode;
mod prompt;
mod sort;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use ratatui::layout::Rect;

use kanbao_core::library::Library;
use kanbao_core::model::article::Article;
use kanbao_core::query::Query;
use kanbao_core::store::marks::MarkStore;
use kanbao_core::text::width::{Ambiguous, str_width};
use kanbao_core::typeset::{Lazy, Line, TypesetOptions};

pub use crate::input::action::Action;
use crate::input::keys::Keymap;
pub use layout::{Layout, LayoutSettings, TWO_PANE_MIN_WIDTH, overlay_rect};
pub use mode::{Effect, Exit, Focus, Mode};
pub use sort::{Sort, thousands};

/// The help overlay's line about ambiguous characters when the width was chosen.
pub fn ambiguous_note(ambiguous: Ambiguous) -> String {
    match ambiguous {
        Ambiguous::Narrow => "“ ” … count 1 cell (--ambiguous wide: 2)".into(),
        Ambiguous::Wide => "“ ” … count 2 cells (--ambiguous narrow: 1)".into(),
    }
}

/// Display width of the widest source name (at most 12).
fn source_width(library: &Library, options: TypesetOptions) -> usize {
    library
        .articles
        .iter()
        .filter_map(|a| a.source.as_deref())
        .map(|s| str_width(s, options.ambiguous))
        .max()
        .unwrap_or(0)
        .min(12)
}

/// What the browser takes from the command line and the config file.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Which keys do what (defaults plus the config file's `[keys]`).
    pub keymap: Keymap,
    /// Pane sizes and the reader's measure.
    pub layout: LayoutSettings,
    /// Show the selection as a reverse-video bar instead of a marker.
    pub selection_bar: bool,
    /// Whether the reader beside the list follows the selection.
    pub preview: bool,
    /// How long the reader beside the list waits for the selection to stop
    /// moving before it shows the selected article (zero: at once). Moving
    /// through the list then writes only the marker's few bytes per key,
    /// and the article once, when the keys stop (`layout.preview_delay_ms`).
    pub preview_delay: Duration,
    /// What the help overlay says about ambiguous-width characters.
    pub ambiguous_note: String,
}

impl Settings {
    /// The defaults, for typesetting `options`.
    pub fn new(options: TypesetOptions) -> Settings {
        Settings {
            keymap: Keymap::default(),
            layout: LayoutSettings::default(),
            selection_bar: false,
            preview: true,
            preview_delay: Duration::ZERO,
            ambiguous_note: ambiguous_note(options.ambiguous),
        }
    }
}

/// What the reader beside the list shows while the selection moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Preview {
    /// The selected article.
    Follows,
    /// This article (or nothing), until the selection rests.
    Holds(Option<usize>),
}

/// The browser.
pub struct App {
    /// All articles.
    pub(crate) library: Library,
    /// Article indices in display order (newest first).
    pub(crate) order: Vec<usize>,
    /// Position of the selected article in `order`.
    pub(crate) selected: usize,
    /// First visible row of the list.
    pub(crate) list_offset: usize,
    /// First visible line of the article.
    pub(crate) scroll: usize,
    /// Which pane has the keyboard.
    pub(crate) focus: Focus,
    /// The prompt or overlay that takes the keys, if any.
    pub(crate) mode: Mode,
    /// Terminal size.
    pub(crate) size: (u16, u16),
    /// How articles are typeset.
    pub(crate) options: TypesetOptions,
    /// A message for the status line (an update's progress or result).
    pub(crate) notice: Option<String>,
    /// Read and starred marks.
    pub(crate) marks: MarkStore,
    /// How the list is ordered.
    sort: Sort,
    /// The search filter in force, if any.
    pub(crate) filter: Option<Query>,
    /// The text of the filter in force.
    pub(crate) filter_text: String,
    /// Keys, layout and preview choices.
    pub(crate) settings: Settings,
    /// While the preview waits: what the reader keeps showing meanwhile.
    preview: Preview,
    /// The article last opened in the reader (what it shows when it does
    /// not follow the selection).
    opened: Option<usize>,
    /// Display width of the widest source name (at most 12), for the list's source column.
    pub(crate) source_width: usize,
    /// Typeset articles, per (article, width), each as far as it was looked at.
    cache: HashMap<(usize, u16), Lazy>,
    /// What the reader shows when there is no article.
    blank: Lazy,
    /// The search reading bodies on disk, while it runs.
    search: Option<kanbao_core::library::search::Job>,
    /// The last search of bodies on disk that ran to its end, and what it
    /// found: a query that narrows it searches only those.
    last_search: Option<(Query, Vec<usize>)>,
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
    /// A browser over `library`, sized `width`×`height`, with the default settings.
    pub fn new(library: Library, options: TypesetOptions, width: u16, height: u16) -> App {
        App::with(library, options, Settings::new(options), width, height)
    }

    /// A browser over `library` with these settings.
    pub fn with(
        library: Library,
        options: TypesetOptions,
        settings: Settings,
        width: u16,
        height: u16,
    ) -> App {
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
            mode: Mode::Browse,
            size: (width, height),
            options,
            source_width,
            notice,
            settings,
            preview: Preview::Follows,
            opened: None,
            marks: MarkStore::in_memory(),
            sort: Sort::Date,
            filter: None,
            filter_text: String::new(),
            cache: HashMap::new(),
            blank: Lazy::new(&Article::default(), 1, &options),
            search: None,
            last_search: None,
            ranks: Default::default(),
        }
    }

    /// Uses `marks` for read and starred marks (the store on disk).
    pub fn set_marks(&mut self, marks: MarkStore) {
        self.marks = marks;
    }

    /// Read and starred marks.
    pub fn marks(&self) -> &MarkStore {
        &self.marks
    }

    /// All articles.
    pub fn library(&self) -> &Library {
        &self.library
    }

    /// Article indices in display order.
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// The selected position in [`App::order`].
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// The status line's message, if any.
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// Puts a message on the status line (until the next key).
    pub fn set_notice(&mut self, notice: impl Into<String>) {
        self.notice = Some(notice.into());
    }

    /// The terminal size the browser is laid out for.
    pub fn size(&self) -> (u16, u16) {
        self.size
    }

    /// The prompt or overlay open, if any.
    pub fn mode(&self) -> &Mode {
        &self.mode
    }

    /// Which pane has the keyboard.
    pub fn focus(&self) -> Focus {
        self.focus
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
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
                    Arc::new(kanbao_core::library::search::Index::build(
                        &self.library.articles,
                    ))
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
            let (found, job) =
                kanbao_core::library::search::begin(&lib.articles, index, q, state, within);
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
            .get_or_insert_with(|| Rc::new(sort::ranks(&self.library, self.sort)))
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
        Layout::with(self.size.0, self.size.1, &self.settings.layout)
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
    fn reader_doc(&mut self) -> &mut Lazy {
        let width = self.layout().reader.width;
        let Some(index) = self.reader_article() else {
            return &mut self.blank;
        };
        if self.cache.len() > 64 {
            self.cache.clear();
        }
        let (library, options) = (&self.library, &self.options);
        self.cache.entry((index, width)).or_insert_with(|| {
            let article = library.articles[index].with_body();
            let article = &*article;
            let mut doc = Lazy::new(article, usize::from(width), options);
            // Most articles take well under a millisecond: set them whole,
            // so the position shown is exact. Huge ones go by screenfuls.
            if article.text_len() < 256 * 1024 {
                doc.finish();
            }
            doc
        })
    }

    /// The reader's article as typeset so far, for drawing: what
    /// [`App::prepare_frame`] made ready (nothing is read or typeset here).
    pub fn reader_view(&self) -> &Lazy {
        let width = self.layout().reader.width;
        self.reader_article()
            .and_then(|index| self.cache.get(&(index, width)))
            .unwrap_or(&self.blank)
    }

    /// Gets the next frame ready to draw: the reader's article loaded and
    /// typeset as far as the screen shows. Drawing then only reads.
    pub fn prepare_frame(&mut self) {
        if self.order.is_empty() || !self.reader_visible() {
            return;
        }
        let need = self.scroll + usize::from(self.layout().reader.height) + 1;
        self.reader_doc().ensure(need);
    }

    /// Work done while no key comes: the orders of the other sorts, so that
    /// `S` on a big library is a lookup (each takes tens of milliseconds at
    /// 100,000 articles). Returns whether there was any.
    pub fn prepare_when_idle(&mut self) -> bool {
        for sort in [Sort::Date, Sort::Source, Sort::Title] {
            if self.ranks[sort as usize].is_none() {
                self.ranks[sort as usize] = Some(Rc::new(sort::ranks(&self.library, sort)));
                return true;
            }
        }
        false
    }

    /// Whether the article on screen is not typeset to its end yet.
    pub fn typesetting_pending(&mut self) -> bool {
        self.reader_visible() && self.selected_article().is_some() && !self.reader_doc().is_done()
    }

    /// Typesets a little more of the article on screen (a few thousand
    /// lines, a few milliseconds); returns whether it is now done.
    pub fn typeset_some(&mut self) -> bool {
        let doc = self.reader_doc();
        let more = doc.lines().len() + 2_000;
        doc.ensure(more);
        doc.is_done()
    }

    /// All lines of the selected article, typeset to the end.
    pub fn reader_lines(&mut self) -> Vec<Line> {
        let doc = self.reader_doc();
        doc.finish();
        doc.lines().to_vec()
    }

    /// The largest useful scroll position for the selected article (this
    /// typesets it to the end).
    pub fn max_scroll(&mut self) -> usize {
        let height = usize::from(self.layout().reader.height);
        let doc = self.reader_doc();
        doc.finish();
        doc.lines().len().saturating_sub(height)
    }

    /// Changes state for one action; returns what the event loop should
    /// do besides drawing, if anything.
    pub fn apply(&mut self, action: Action) -> Option<Effect> {
        // Whatever is open, these reach the event loop (an update also
        // closes an overlay, as any key but a movement does).
        let effect = match action {
            Action::Interrupt => return Some(Effect::Exit(Exit::Interrupt)),
            Action::Suspend => Some(Effect::Suspend),
            Action::Redraw => Some(Effect::Redraw),
            Action::Update => Some(Effect::Update),
            _ => None,
        };
        if let Mode::Help(scroll) | Mode::Problems(scroll) = &mut self.mode {
            // Movement keys scroll the overlay; any other key closes it and does nothing else.
            let page = usize::from(self.size.1.saturating_sub(3)).max(1);
            match action {
                Action::Redraw | Action::Suspend => {}
                Action::Down => *scroll += 1,
                Action::Up => *scroll = scroll.saturating_sub(1),
                Action::PageDown | Action::HalfPageDown => *scroll += page,
                Action::PageUp | Action::HalfPageUp => *scroll = scroll.saturating_sub(page),
                _ => self.mode = Mode::Browse,
            }
            self.clamp_overlay_scroll();
            return effect;
        }
        if effect.is_some() {
            if action != Action::Redraw {
                // Every other key acts on what the selection is: show it first.
                self.show_preview();
            }
            return effect;
        }
        let list_page = usize::from(self.layout().list.height).max(1);
        let reader_page = usize::from(self.layout().reader.height)
            .saturating_sub(usize::from(self.settings.layout.page_overlap))
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
        if !moves_the_selection {
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
            Action::Help => self.mode = Mode::Help(0),
            Action::Quit => return Some(Effect::Exit(Exit::Quit)),
            Action::Problems if self.library.problems.is_empty() => {
                self.notice = Some("no problems loading the articles".into())
            }
            Action::Problems => self.mode = Mode::Problems(0),
            Action::ToggleRead => self.toggle_read(),
            Action::ToggleStar => self.toggle_star(),
            Action::MarkAllRead => self.mark_all_read(),
            Action::CycleSort => self.cycle_sort(),
            Action::Search => self.mode = Mode::Search(self.filter_text.clone()),
            Action::NextMatch => self.jump_to_match(true),
            Action::PrevMatch => self.jump_to_match(false),
            Action::OpenLink => match self.selected_link() {
                Some(link) => return Some(Effect::Open(link)),
                None => self.notice = Some("this article has no web link".into()),
            },
            Action::CopyLink => match self.selected_link() {
                Some(link) => return Some(Effect::Copy(link)),
                None => self.notice = Some("this article has no web link".into()),
            },
            Action::ListLinks => {
                if self.current_links().is_empty() {
                    self.notice = Some("this article has no links".into());
                } else {
                    self.mode = Mode::Links(String::new());
                }
            }
            Action::Interrupt | Action::Suspend | Action::Redraw | Action::Update => {}
        }
        None
    }

    /// Keeps the help or problems overlay's scroll within its rows.
    fn clamp_overlay_scroll(&mut self) {
        let rows = match self.mode {
            Mode::Problems(_) => self.library.problems.len(),
            _ => self.settings.keymap.help().len() + 2,
        };
        let visible = usize::from(self.size.1.saturating_sub(3));
        if let Mode::Help(scroll) | Mode::Problems(scroll) = &mut self.mode {
            *scroll = (*scroll).min(rows.saturating_sub(visible));
        }
    }

    fn fix_focus(&mut self) {
        if self.order.is_empty() {
            self.focus = Focus::List;
        }
    }

    /// The terminal is now `width`×`height`: the layout follows, the reader
    /// keeps its place.
    pub fn resize(&mut self, width: u16, height: u16) {
        // Keep the reader's place: the line at the top before the resize
        // stays at the top after it, whatever the new width does to the lines.
        let scroll = self.scroll;
        let anchor = {
            let doc = self.reader_doc();
            doc.ensure(scroll + 1);
            doc.lines().get(scroll).map(|l| l.offset)
        };
        self.size = (width, height);
        if let Some(anchor) = anchor {
            let doc = self.reader_doc();
            while !doc.is_done() && doc.lines().last().is_none_or(|l| l.offset <= anchor) {
                let more = doc.lines().len() + 256;
                doc.ensure(more);
            }
            let top = doc
                .lines()
                .partition_point(|l| l.offset <= anchor)
                .saturating_sub(1);
            self.scroll = top;
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

    /// Whether the reader beside the list is waiting for the selection to
    /// stop moving (the event loop calls `show_preview` after
    /// `preview_delay` without a key).
    pub fn preview_waiting(&self) -> bool {
        self.preview != Preview::Follows
    }

    /// How long the reader beside the list waits for the selection to rest.
    pub fn preview_delay(&self) -> Duration {
        self.settings.preview_delay
    }

    /// The reader beside the list catches up with the selection.
    pub fn show_preview(&mut self) {
        if let Preview::Holds(shown) = std::mem::replace(&mut self.preview, Preview::Follows)
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
            if !self.settings.preview {
                return self.opened.or(self.selected_article());
            }
            if let Preview::Holds(shown) = self.preview {
                return shown;
            }
        }
        self.selected_article()
    }

    /// The reader takes the selected article (Enter, or moving to the reader).
    fn open_selected(&mut self) {
        let selected = self.selected_article();
        if self.opened != selected {
            if !self.settings.preview && self.layout().two_pane && self.focus == Focus::Reader {
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
        let scroll = self.scroll.saturating_add_signed(delta);
        self.scroll = scroll;
        if delta > 0 {
            let height = usize::from(self.layout().reader.height);
            let doc = self.reader_doc();
            doc.ensure(scroll + height + 1);
            let full_last_page = doc.lines().len().saturating_sub(height);
            if scroll > full_last_page {
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
        let scroll = self.scroll;
        let doc = self.reader_doc();
        doc.ensure(scroll + height + step + 1);
        if scroll + height < doc.lines().len() {
            self.scroll += step;
        }
    }

    /// Keeps the scroll position within the article (its top line is one of
    /// the article's), typesetting only as far as needed to know.
    fn clamp_scroll(&mut self) {
        let scroll = self.scroll;
        let doc = self.reader_doc();
        doc.ensure(scroll + 1);
        let last = doc.lines().len().saturating_sub(1);
        self.scroll = scroll.min(last);
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
    /// keys first; otherwise the keymap decides. Returns what the event
    /// loop should do besides drawing (suspend, redraw, update, open…).
    pub fn key(&mut self, key: crossterm::event::KeyEvent) -> Option<Effect> {
        use crossterm::event::{KeyCode, KeyModifiers};
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        // A notice lasts until the next key (the prompt shows its own errors).
        if !matches!(self.mode, Mode::Search(_)) {
            self.notice = None;
        }
        if ctrl && key.code == KeyCode::Char('c') {
            return self.apply(Action::Interrupt);
        }
        match std::mem::take(&mut self.mode) {
            Mode::Search(mut text) => {
                match prompt::edit(&mut text, key) {
                    prompt::Edit::Accept => {}
                    prompt::Edit::Cancel => self.set_filter(String::new()),
                    prompt::Edit::Typed => {
                        self.mode = Mode::Search(text.clone());
                        self.set_filter(text);
                    }
                }
                None
            }
            Mode::Links(mut number) => {
                let links = self.current_links();
                match key.code {
                    KeyCode::Char(c) if c.is_ascii_digit() => {
                        number.push(c);
                        let n: usize = number.parse().unwrap_or(0);
                        // Open at once when no longer number could be meant.
                        if n >= 1 && n <= links.len() && n * 10 > links.len() {
                            return Some(Effect::Open(links[n - 1].clone()));
                        }
                        self.mode = Mode::Links(number);
                    }
                    KeyCode::Backspace => {
                        number.pop();
                        self.mode = Mode::Links(number);
                    }
                    KeyCode::Enter => match number.parse::<usize>() {
                        Ok(n) if n >= 1 && n <= links.len() => {
                            return Some(Effect::Open(links[n - 1].clone()));
                        }
                        _ => self.notice = Some(format!("no link {number}")),
                    },
                    _ => {}
                }
                None
            }
            mode => {
                self.mode = mode;
                match self.settings.keymap.action(key) {
                    Some(action) => self.apply(action),
                    None => {
                        // A key that does nothing still closes an overlay,
                        // and shows the selection beside the list.
                        match self.mode {
                            Mode::Help(_) | Mode::Problems(_) => self.mode = Mode::Browse,
                            _ => self.show_preview(),
                        }
                        None
                    }
                }
            }
        }
    }

    /// Sets the search filter from query text; a malformed query keeps the
    /// previous filter and says what is wrong.
    pub fn set_filter(&mut self, text: String) {
        let id = self.selected_id();
        match kanbao_core::query::Query::parse(&text) {
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
            .filter(|&i| !kanbao_core::typeset::matches_in_line(&lines, i, &terms).is_empty())
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
    fn report(&mut self, result: Result<(), String>) {
        if let Err(e) = result {
            self.notice = Some(e);
        }
    }

    /// Opening an article in the reader marks it read.
    fn mark_selected_read(&mut self) {
        if let Some(id) = self.selected_id()
            && !self.marks.is_read(&id)
        {
            let r = self.marks.set_read(&id, true);
            self.report(r);
        }
    }

    fn toggle_read(&mut self) {
        if let Some(id) = self.selected_id() {
            let read = !self.marks.is_read(&id);
            let r = self.marks.set_read(&id, read);
            self.notice = Some(if read { "marked read" } else { "marked unread" }.into());
            self.report(r);
        }
    }

    fn toggle_star(&mut self) {
        if let Some(id) = self.selected_id() {
            let star = !self.marks.is_starred(&id);
            let r = self.marks.set_starred(&id, star);
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
        let r = self.marks.mark_all_read(&ids);
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
        if matches!(self.mode, Mode::Help(_)) {
            self.mode = Mode::Browse;
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

    /// The reader's position as text: `Top`, `Bot`, `All` or a percentage
    /// (of the text, while the article is not typeset to its end).
    pub fn scroll_indicator(&self) -> String {
        let doc = self.reader_view();
        if !doc.is_done() {
            // Not typeset to the end yet: estimate from the text offset.
            return format!("{}%", doc.percent_at(self.scroll).min(99));
        }
        let height = usize::from(self.layout().reader.height);
        let max = doc.lines().len().saturating_sub(height);
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

    /// Writes marks queued in the background (`A` on a big list); a failure
    /// goes to the status line. Returns whether the screen changed.
    pub fn tick_marks(&mut self) -> bool {
        if self.marks.busy()
            && let Err(e) = self.marks.tick(false)
        {
            self.notice = Some(e);
            return true;
        }
        false
    }

    /// Whether marks are still being written in the background.
    pub fn marks_busy(&self) -> bool {
        self.marks.busy()
    }

    /// The first screenful of a library still loading: shown while the
    /// rest loads, if nothing is shown yet. Returns whether it was.
    pub fn show_first(&mut self, first: Vec<Article>) -> bool {
        if !self.library.articles.is_empty() {
            return false;
        }
        self.replace_library(Library::from_articles(first));
        true
    }

    /// The library finished loading: it replaces what was shown. Where the
    /// user has not moved from the top of the first screenful, the top of
    /// the whole list is selected; otherwise their article stays selected.
    pub fn finish_loading(&mut self, library: Library) {
        let moved = self.selected != 0 || self.scroll != 0 || self.focus != Focus::List;
        self.replace_library(library);
        if !moved {
            self.apply(Action::Top);
        }
        self.notice = problems_notice(&self.library);
    }
}
