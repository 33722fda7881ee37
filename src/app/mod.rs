//! Browser state and how actions change it. Nothing here touches the
//! terminal or draws: the event loop maps a key to an [`Action`], calls
//! [`App::apply`], carries out the [`Effect`] it returns, prepares the
//! frame ([`App::prepare_frame`]) and hands `&App` to the widgets.

mod layout;
mod list;
mod marks;
mod mode;
mod mouse;
mod prompt;
mod reader;
mod reading;
mod sort;
mod sources;
#[cfg(test)]
mod tests;
mod window;

use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use kanbao_core::Article;
use kanbao_core::Library;
use kanbao_core::MarkStore;
use kanbao_core::Query;
use kanbao_core::{Ambiguous, str_width};
use kanbao_core::{Lazy, TypesetOptions};
use kanbao_core::{Link, LinkRefused};

pub use crate::input::action::Action;
use crate::input::keys::Keymap;
pub use layout::{
    Layout, LayoutSettings, TWO_PANE_MIN_WIDTH, overlay_area, overlay_rect, problem_rows,
    wrap_cells,
};
pub use mode::{Effect, Exit, Focus, Mode};
pub use sort::{Sort, thousands};
pub use sources::{SourceRow, Sources};

/// The help overlay's line about ambiguous characters when the width was chosen.
pub fn ambiguous_note(ambiguous: Ambiguous) -> String {
    match ambiguous {
        Ambiguous::Narrow => "“ ” … count 1 cell (--ambiguous wide: 2)".into(),
        Ambiguous::Wide => "“ ” … count 2 cells (--ambiguous narrow: 1)".into(),
    }
}

/// The widest the list's source column gets, in cells: `21世纪经济报道`
/// and `Reuters China` whole.
pub(crate) const SOURCE_CAP: usize = 16;

/// Display width of the widest source name (at most [`SOURCE_CAP`]).
fn source_width(library: &Library, options: TypesetOptions) -> usize {
    library
        .articles
        .iter()
        .filter_map(|a| a.source.as_deref())
        .map(|s| str_width(s, options.ambiguous))
        .max()
        .unwrap_or(0)
        .min(SOURCE_CAP)
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
    /// How long an article is shown in the reader (beside the list too)
    /// before it is marked read (zero: only opening it marks it read;
    /// `reader.mark_read_after_ms`).
    pub mark_read_after: Duration,
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
            mark_read_after: Duration::from_millis(1500),
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
    /// While the library loads behind a first screenful: how many articles
    /// it holds, which the status line counts instead of the few shown.
    pub(crate) loading_total: Option<usize>,
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
    /// Display width of the widest source name (at most [`SOURCE_CAP`]), for the list's source column.
    pub(crate) source_width: usize,
    /// Typeset articles, per (article, width), each as far as it was looked at.
    cache: HashMap<(usize, u16), Lazy>,
    /// What the reader shows when there is no article.
    blank: Lazy,
    /// The search reading bodies on disk, while it runs.
    search: Option<kanbao_core::search::Job>,
    /// The last search of bodies on disk that ran to its end, and what it
    /// found: a query that narrows it searches only those.
    last_search: Option<(Query, Vec<usize>)>,
    /// Each article's place in the whole library under each sort, computed
    /// once per sort: sorting a list is then sorting integers.
    ranks: [Option<Rc<Vec<u32>>>; 3],
    /// The library database the list is a window over, when it lists one
    /// (`library` then holds only the problems found in its rows).
    window: Option<window::Window>,
    /// The article the reader shows and since when (for marking it read
    /// once it has been on screen a while).
    shown: Option<(usize, std::time::Instant)>,
    /// An article marked unread (`u`) while shown: left unread until the
    /// reader shows another.
    kept_unread: Option<usize>,
    /// What the last mark action changed, to undo it (`U`).
    undo: Option<marks::Undo>,
    /// The feeds the last update could not read, with why.
    feed_problems: Vec<kanbao_core::Diagnostic>,
    /// The sources view, while it is shown.
    sources: Option<sources::Sources>,
    /// The name of the source listed (chosen in the sources view), for the
    /// status line.
    pub(crate) source_label: Option<(String, String)>,
    /// Where the subscriptions are, for their titles and errors.
    subscriptions_path: Option<std::path::PathBuf>,
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
            loading_total: None,
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
            window: None,
            shown: None,
            kept_unread: None,
            undo: None,
            feed_problems: Vec::new(),
            sources: None,
            source_label: None,
            subscriptions_path: None,
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

    /// The current screen layout.
    pub fn layout(&self) -> Layout {
        Layout::with(self.size.0, self.size.1, &self.settings.layout)
    }

    /// The article at `i`, an index of [`App::order`]: into
    /// `library.articles`, or a row of the library database (read when it
    /// came on screen).
    pub fn article(&self, i: usize) -> Option<&Article> {
        window::article_of(&self.library, self.window.as_ref(), i)
    }

    /// Index (into `library.articles`, or a database row) of the selected article.
    pub fn selected_article(&self) -> Option<usize> {
        self.order.get(self.selected).copied()
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
            let page = layout::overlay_rows(usize::MAX, self.size.0, self.size.1).max(1);
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
        if self.sources.is_some() {
            if effect.is_some() {
                return effect;
            }
            if self.apply_in_sources(action).is_some() {
                return None;
            }
            match action {
                Action::Quit | Action::QuitNow => return Some(Effect::Exit(Exit::Quit)),
                Action::Help => self.mode = Mode::Help(0),
                Action::Problems if self.problem_lines().is_empty() => {
                    self.notice = Some("no problems loading the articles".into())
                }
                Action::Problems => self.mode = Mode::Problems(0),
                _ => {}
            }
            return None;
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
            Action::Bottom if in_list => {
                // The end of the whole list, not of the first screen's rows.
                self.whole_order();
                self.select(self.order.len().saturating_sub(1))
            }
            Action::Up => self.scroll_by(-1),
            Action::Down => self.scroll_by(1),
            Action::PageUp => self.scroll_by(-(reader_page as isize)),
            // Space at the end of an article reads on (as in mutt and slrn).
            Action::PageDown => {
                if !self.page_down(reader_page) {
                    self.read_on(true);
                }
            }
            Action::HalfPageUp => self.scroll_by(-((reader_page / 2).max(1) as isize)),
            Action::HalfPageDown => {
                self.page_down((reader_page / 2).max(1));
            }
            Action::NextArticle => self.step_article(1),
            Action::PrevArticle => self.step_article(-1),
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
            // Back from the article; from the list, to the sources, where
            // it quits.
            Action::Quit if self.focus == Focus::Reader => self.focus = Focus::List,
            Action::Quit => self.open_sources(),
            Action::QuitNow => return Some(Effect::Exit(Exit::Quit)),
            Action::Problems if self.problem_lines().is_empty() => {
                self.notice = Some("no problems loading the articles".into())
            }
            Action::Problems => self.mode = Mode::Problems(0),
            Action::ToggleRead => self.toggle_read(),
            Action::ToggleStar => self.toggle_star(),
            Action::MarkAllRead => self.mark_all_read(),
            Action::Undo => self.undo(),
            Action::CycleSort => self.cycle_sort(),
            Action::Search => self.mode = Mode::Search(self.filter_text.clone()),
            Action::NextMatch => self.jump_to_match(true),
            Action::PrevMatch => self.jump_to_match(false),
            Action::OpenLink => match self.selected_link() {
                Some(Ok(link)) => return Some(Effect::Open(link)),
                Some(Err(why)) => self.notice = Some(format!("not opened: {why}")),
                None => self.notice = Some("this article has no web link".into()),
            },
            Action::CopyLink => match self.selected_link() {
                Some(Ok(link)) => return Some(Effect::Copy(link)),
                Some(Err(why)) => self.notice = Some(format!("not copied: {why}")),
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
            Mode::Problems(_) => {
                let (w, h) = self.size;
                layout::problem_rows(&self.problem_lines(), w, h, self.options.ambiguous)
                    .1
                    .len()
            }
            _ => self.settings.keymap.help().len() + 2,
        };
        let visible = layout::overlay_rows(rows, self.size.0, self.size.1);
        if let Mode::Help(scroll) | Mode::Problems(scroll) = &mut self.mode {
            *scroll = (*scroll).min(rows.saturating_sub(visible));
        }
    }

    fn fix_focus(&mut self) {
        if self.order.is_empty() {
            self.focus = Focus::List;
        }
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
                let count = self.current_links().len();
                match key.code {
                    KeyCode::Char(c) if c.is_ascii_digit() => {
                        number.push(c);
                        let n: usize = number.parse().unwrap_or(0);
                        // Open at once when no longer number could be meant.
                        if n >= 1 && n <= count && n * 10 > count {
                            return self.open_body_link(n);
                        }
                        self.mode = Mode::Links(number);
                    }
                    KeyCode::Backspace => {
                        number.pop();
                        self.mode = Mode::Links(number);
                    }
                    KeyCode::Enter => match number.parse::<usize>() {
                        Ok(n) if n >= 1 && n <= count => return self.open_body_link(n),
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

    /// Every problem `!` shows: the feeds the last update could not read,
    /// then those met loading the library.
    pub fn problem_lines(&self) -> Vec<String> {
        self.feed_problems
            .iter()
            .chain(&self.library.problems)
            .map(|p| p.to_string())
            .collect()
    }

    /// The feeds the last update could not read (none: all were read).
    pub fn set_feed_problems(&mut self, problems: Vec<kanbao_core::Diagnostic>) {
        self.feed_problems = problems;
    }

    /// The selected article's URL, checked ([`Article::link`]); `None`
    /// when it has none.
    fn selected_link(&self) -> Option<Result<Link, LinkRefused>> {
        let i = self.selected_article()?;
        self.article(i)?.link()
    }

    /// Opens link `n` (1-based) of the selected article's text, when it
    /// passes the check; else says why not.
    fn open_body_link(&mut self, n: usize) -> Option<Effect> {
        let i = self.selected_article()?;
        match self.article(i)?.body_link(n)? {
            Ok(link) => Some(Effect::Open(link)),
            Err(why) => {
                self.notice = Some(format!("[{n}] not opened: {why}"));
                None
            }
        }
    }

    /// Links of the selected article: those found in its text, in order.
    pub fn current_links(&self) -> Vec<String> {
        self.selected_article()
            .and_then(|i| self.article(i))
            .map_or_else(Vec::new, |a| a.links.clone())
    }
}
