//! The configuration file, `$XDG_CONFIG_HOME/kanbao/config.toml` (default
//! `~/.config/kanbao/config.toml`).
//!
//! Every key is optional, and a bad file never stops kanbao: [`load`] keeps
//! every valid key, uses the default for each bad one, and reports each
//! problem as `path:line:col: message`, naming the key
//! (``key `layout.split`: expected an integer from 10 to 90, found 5``).
//! [`DEFAULT_TOML`] documents every key with its default.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crossterm::event::KeyEvent;
use ratatui::style::Color;
use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

use kanbao_core::Ambiguous;

/// The documented default file, printed by `kanbao config --default`. It
/// parses to exactly [`Config::default()`].
pub const DEFAULT_TOML: &str = r##"# kanbao configuration. Every key is optional; these are the defaults.

[display]
ambiguous = "narrow"      # "narrow" | "wide" | "auto" — how “ ” … — · are counted
color = "auto"            # "auto" | "always" | "never" (NO_COLOR is honoured)
theme = "default"         # "default" | "mono"   (built-in themes)
mouse = true              # wheel scrolls the pane under the pointer, a click selects
selection = "marker"      # "marker" (▶ in the margin: fewest bytes per key) | "bar" (reverse-video row)

[layout]
split = 40                # list pane width, percent of the terminal (two-pane mode), 10 to 90
orientation = "horizontal" # "horizontal" (list left, reader right) | "vertical" (list above reader)
two_pane_min_width = 90   # narrower terminals show one pane at a time (40 to 1000)
preview = true            # the reader beside the list follows the selection (false: only on Enter, fewer bytes)
preview_delay_ms = 100    # ...once the selection has stopped for this long (0 to 2000; 0: at once), so
                          # moving through the list sends only the marker, not every article on the way

[reader]
measure = 80              # maximum line width of article text, in cells (20 to 1000)
center = true             # centre the text column when the pane is wider than the measure
page_overlap = 0          # lines of the last page a page forward shows again (0 to 10; 0 as in less)

[library]
paths = []                # what `kanbao` opens with no arguments (default: your library, else the sample)
                          # files, directories or http(s) addresses; `~/` is your home directory,
                          # relative paths are relative to this file's directory

[colors]                  # any of: title, meta, date, source, link, status_fg, status_bg, selected_fg, selected_bg, highlight_fg, highlight_bg, unread, starred
# title = "yellow"        # a name (black red green yellow blue magenta cyan white gray darkgray light*), "#rrggbb", or a 256-colour index "123"

[keys]                    # action = key or [keys], vim notation as in `kanbao snapshot --keys`
# actions: up down page_down page_up half_page_down half_page_up top bottom
#   next_pane prev_pane focus_list focus_reader open back help quit redraw
#   suspend update search next_match prev_match toggle_read toggle_star
#   mark_all_read cycle_sort open_link copy_link list_links problems
# quit = ["q", "<C-c>"]
"##;

/// The actions a user can bind in `[keys]`, one per bindable
/// [`crate::app::Action`], in snake_case.
pub const ACTION_NAMES: &[&str] = &[
    "up",
    "down",
    "page_down",
    "page_up",
    "half_page_down",
    "half_page_up",
    "top",
    "bottom",
    "next_pane",
    "prev_pane",
    "focus_list",
    "focus_reader",
    "open",
    "back",
    "help",
    "quit",
    "redraw",
    "suspend",
    "update",
    "search",
    "next_match",
    "prev_match",
    "toggle_read",
    "toggle_star",
    "mark_all_read",
    "cycle_sort",
    "open_link",
    "copy_link",
    "list_links",
    "problems",
];

/// `display.ambiguous`: how East Asian Ambiguous characters are counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum AmbiguousSetting {
    /// One cell.
    #[default]
    Narrow,
    /// Two cells.
    Wide,
    /// Ask the terminal (when there is one).
    Auto,
}

impl AmbiguousSetting {
    /// The width when it is fixed, `None` for [`AmbiguousSetting::Auto`].
    pub fn fixed(self) -> Option<Ambiguous> {
        match self {
            AmbiguousSetting::Narrow => Some(Ambiguous::Narrow),
            AmbiguousSetting::Wide => Some(Ambiguous::Wide),
            AmbiguousSetting::Auto => None,
        }
    }
}

/// `display.color`: whether to use colours.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ColorSetting {
    /// When writing to a terminal and `NO_COLOR` is unset or empty.
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// `display.theme`: a built-in theme.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ThemeName {
    /// The colour theme.
    #[default]
    Default,
    /// No colours: bold, dim and reverse video only.
    Mono,
}

/// `layout.orientation`: where the panes go in two-pane mode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Orientation {
    /// The list on the left, the reader on the right.
    #[default]
    Horizontal,
    /// The list above the reader.
    Vertical,
}

/// `[display]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Display {
    /// How “ ” … — · are counted.
    pub ambiguous: AmbiguousSetting,
    /// Whether to use colours.
    pub color: ColorSetting,
    /// The built-in theme.
    pub theme: ThemeName,
    /// Mouse support: the wheel scrolls the pane under the pointer, a click selects.
    pub mouse: bool,
    /// How the selected article is shown: a marker (fewest bytes per key,
    /// for slow links) or a reverse-video bar across the row.
    pub selection: Selection,
}

/// `display.selection`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Selection {
    /// `▶` in the margin: moving writes a few bytes.
    #[default]
    Marker,
    /// The whole row in reverse video.
    Bar,
}

impl Default for Display {
    fn default() -> Display {
        Display {
            ambiguous: AmbiguousSetting::Narrow,
            color: ColorSetting::Auto,
            theme: ThemeName::Default,
            mouse: true,
            selection: Selection::Marker,
        }
    }
}

/// `[layout]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The list pane's share of the terminal in two-pane mode, in percent (10 to 90).
    pub split: u16,
    /// Side by side or one above the other.
    pub orientation: Orientation,
    /// Terminals narrower than this show one pane at a time (40 to 1000).
    pub two_pane_min_width: u16,
    /// Whether the reader beside the list follows the selection as it moves
    /// (`false`: it changes on Enter only — fewer bytes on a slow link).
    pub preview: bool,
    /// How long the selection must rest before the reader beside the list
    /// shows it, in milliseconds (0 to 2000; 0: at once).
    pub preview_delay_ms: u16,
}

impl Default for Layout {
    fn default() -> Layout {
        Layout {
            split: 40,
            orientation: Orientation::Horizontal,
            two_pane_min_width: crate::app::TWO_PANE_MIN_WIDTH,
            preview: true,
            preview_delay_ms: 100,
        }
    }
}

/// `[reader]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reader {
    /// The maximum line width of article text, in cells (20 to 1000).
    pub measure: u16,
    /// Centre the text column when the pane is wider than the measure.
    pub center: bool,
    /// Lines of the page before that a page forward shows again (0 to 10).
    pub page_overlap: u16,
}

impl Default for Reader {
    fn default() -> Reader {
        Reader {
            measure: 80,
            center: true,
            page_overlap: 0,
        }
    }
}

/// `[library]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LibraryConfig {
    /// What `kanbao` opens with no arguments; empty means your library, else
    /// the sample. A leading `~/` is expanded and relative paths are joined to
    /// the configuration file's directory; `http(s)://` addresses are kept as
    /// written.
    pub paths: Vec<PathBuf>,
}

/// `[colors]`: colour overrides for the theme; `None` keeps the theme's colour.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Colors {
    /// Article titles.
    pub title: Option<Color>,
    /// The metadata line under a title.
    pub meta: Option<Color>,
    /// Dates in the list.
    pub date: Option<Color>,
    /// Source names in the list.
    pub source: Option<Color>,
    /// Links.
    pub link: Option<Color>,
    /// Status line text.
    pub status_fg: Option<Color>,
    /// Status line background.
    pub status_bg: Option<Color>,
    /// Selected row text.
    pub selected_fg: Option<Color>,
    /// Selected row background.
    pub selected_bg: Option<Color>,
    /// Search match text.
    pub highlight_fg: Option<Color>,
    /// Search match background.
    pub highlight_bg: Option<Color>,
    /// Unread articles in the list.
    pub unread: Option<Color>,
    /// Starred articles in the list.
    pub starred: Option<Color>,
}

impl Colors {
    /// The slot names, as written in `[colors]`.
    pub const NAMES: &[&str] = &[
        "title",
        "meta",
        "date",
        "source",
        "link",
        "status_fg",
        "status_bg",
        "selected_fg",
        "selected_bg",
        "highlight_fg",
        "highlight_bg",
        "unread",
        "starred",
    ];

    /// The colour of a slot by name (`None` for an unknown name).
    pub fn get(&self, name: &str) -> Option<Option<Color>> {
        let mut copy = *self;
        copy.slot_mut(name).map(|slot| *slot)
    }

    fn slot_mut(&mut self, name: &str) -> Option<&mut Option<Color>> {
        Some(match name {
            "title" => &mut self.title,
            "meta" => &mut self.meta,
            "date" => &mut self.date,
            "source" => &mut self.source,
            "link" => &mut self.link,
            "status_fg" => &mut self.status_fg,
            "status_bg" => &mut self.status_bg,
            "selected_fg" => &mut self.selected_fg,
            "selected_bg" => &mut self.selected_bg,
            "highlight_fg" => &mut self.highlight_fg,
            "highlight_bg" => &mut self.highlight_bg,
            "unread" => &mut self.unread,
            "starred" => &mut self.starred,
            _ => return None,
        })
    }
}

/// The whole configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// `[display]`.
    pub display: Display,
    /// `[layout]`.
    pub layout: Layout,
    /// `[reader]`.
    pub reader: Reader,
    /// `[library]`.
    pub library: LibraryConfig,
    /// `[colors]`.
    pub colors: Colors,
    /// `[keys]`: the user's bindings only, as (action name from
    /// [`ACTION_NAMES`], key), in file order. A key appears at most once.
    pub keys: Vec<(String, KeyEvent)>,
}

/// `$XDG_CONFIG_HOME/kanbao/config.toml` (default `~/.config/kanbao/config.toml`).
pub fn default_path() -> Option<PathBuf> {
    kanbao_core::config_dir().map(|d| d.join("config.toml"))
}

/// Reads the configuration file.
///
/// A missing file gives the defaults and no warnings. Nothing else fails
/// either: each problem becomes a warning (`path:line:col: message`) and the
/// default is used for that key, keeping every other valid key. Unknown
/// sections and keys are warnings. A TOML syntax error or an unreadable file
/// gives the defaults with one warning.
pub fn load(path: &Path) -> (Config, Vec<String>) {
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => parse(&text, path),
            Err(e) => {
                let (line, column) =
                    kanbao_core::line_column(e.as_bytes(), e.utf8_error().valid_up_to());
                (
                    Config::default(),
                    vec![format!(
                        "{}:{line}:{column}: not UTF-8 text; the file is ignored, using the defaults",
                        path.display()
                    )],
                )
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Config::default(), Vec::new()),
        Err(e) => (
            Config::default(),
            vec![format!(
                "{}: cannot read the configuration: {e}; using the defaults",
                path.display()
            )],
        ),
    }
}

/// Parses the text of a configuration file, as [`load`] does; `path` names
/// the file in warnings and anchors relative library paths.
pub fn parse(text: &str, path: &Path) -> (Config, Vec<String>) {
    let mut checker = Checker {
        path,
        text,
        warnings: Vec::new(),
    };
    let mut config = Config::default();
    match DeTable::parse(text) {
        Ok(root) => checker.root(root.get_ref(), &mut config),
        Err(e) => {
            let at = match e.span() {
                Some(span) => {
                    let (line, column) = kanbao_core::line_column(text.as_bytes(), span.start);
                    format!("{}:{line}:{column}", path.display())
                }
                None => path.display().to_string(),
            };
            checker.warnings.push(format!(
                "{at}: invalid TOML: {}; the file is ignored, using the defaults",
                e.message().trim_end()
            ));
        }
    }
    (config, checker.warnings)
}

const SECTIONS: &[&str] = &["display", "layout", "reader", "library", "colors", "keys"];
const DISPLAY_KEYS: &[&str] = &["ambiguous", "color", "theme", "mouse", "selection"];
const LAYOUT_KEYS: &[&str] = &[
    "split",
    "orientation",
    "two_pane_min_width",
    "preview",
    "preview_delay_ms",
];
const READER_KEYS: &[&str] = &["measure", "center", "page_overlap"];
const LIBRARY_KEYS: &[&str] = &["paths"];

const COLOR_EXPECTED: &str = "a colour name, \"#rrggbb\" or an index from 0 to 255";
const KEY_EXPECTED: &str = "one key in vim notation (like \"q\" or \"<C-d>\")";

type Entry<'a, 'i> = (&'a Spanned<DeString<'i>>, &'a Spanned<DeValue<'i>>);

/// A table's entries in file order.
fn entries<'a, 'i>(table: &'a DeTable<'i>) -> Vec<Entry<'a, 'i>> {
    let mut all: Vec<_> = table.iter().collect();
    all.sort_by_key(|(k, _)| k.span().start);
    all
}

/// Walks the parsed file, filling a [`Config`] and collecting warnings.
struct Checker<'a> {
    path: &'a Path,
    text: &'a str,
    warnings: Vec<String>,
}

impl Checker<'_> {
    fn warn(&mut self, span: Range<usize>, message: impl fmt::Display) {
        let (line, column) = kanbao_core::line_column(self.text.as_bytes(), span.start);
        self.warnings.push(format!(
            "{}:{line}:{column}: {message}",
            self.path.display()
        ));
    }

    /// ``key `section.name`: expected …, found …``
    fn expected(&mut self, key: &str, value: &Spanned<DeValue<'_>>, expected: &str) {
        self.expected_found(key, value.span(), expected, &found(value.get_ref()));
    }

    fn expected_found(&mut self, key: &str, span: Range<usize>, expected: &str, found: &str) {
        self.warn(
            span,
            format_args!("key `{key}`: expected {expected}, found {found}"),
        );
    }

    fn unknown(
        &mut self,
        what: &str,
        section: Option<&str>,
        name: &str,
        span: Range<usize>,
        known: &[&str],
    ) {
        let full = match section {
            Some(section) => format!("{section}.{}", key_text(name)),
            None => key_text(name),
        };
        match suggest(name, known) {
            Some(near) => self.warn(
                span,
                format_args!("unknown {what} `{full}` (did you mean `{near}`?)"),
            ),
            None => self.warn(span, format_args!("unknown {what} `{full}`")),
        }
    }

    fn root(&mut self, root: &DeTable<'_>, config: &mut Config) {
        for (key, value) in entries(root) {
            let name = key.get_ref().as_ref();
            if !SECTIONS.contains(&name) {
                let what = if value.get_ref().is_table() {
                    "section"
                } else {
                    "key"
                };
                self.unknown(what, None, name, key.span(), SECTIONS);
                continue;
            }
            let Some(table) = value.get_ref().as_table() else {
                self.expected(name, value, "a table");
                continue;
            };
            match name {
                "display" => self.display(table, &mut config.display),
                "layout" => self.layout(table, &mut config.layout),
                "reader" => self.reader(table, &mut config.reader),
                "library" => self.library(table, &mut config.library),
                "colors" => self.colors(table, &mut config.colors),
                _ => self.keys(table, &mut config.keys),
            }
        }
    }

    fn display(&mut self, table: &DeTable<'_>, display: &mut Display) {
        for (key, value) in entries(table) {
            let name = key.get_ref().as_ref();
            let full = format!("display.{name}");
            match name {
                "ambiguous" => {
                    let choices = [
                        ("narrow", AmbiguousSetting::Narrow),
                        ("wide", AmbiguousSetting::Wide),
                        ("auto", AmbiguousSetting::Auto),
                    ];
                    if let Some(v) = self.choice(&full, value, &choices) {
                        display.ambiguous = v;
                    }
                }
                "color" => {
                    let choices = [
                        ("auto", ColorSetting::Auto),
                        ("always", ColorSetting::Always),
                        ("never", ColorSetting::Never),
                    ];
                    if let Some(v) = self.choice(&full, value, &choices) {
                        display.color = v;
                    }
                }
                "theme" => {
                    let choices = [("default", ThemeName::Default), ("mono", ThemeName::Mono)];
                    if let Some(v) = self.choice(&full, value, &choices) {
                        display.theme = v;
                    }
                }
                "mouse" => {
                    if let Some(v) = self.boolean(&full, value) {
                        display.mouse = v;
                    }
                }
                "selection" => {
                    let choices = [("marker", Selection::Marker), ("bar", Selection::Bar)];
                    if let Some(v) = self.choice(&full, value, &choices) {
                        display.selection = v;
                    }
                }
                _ => self.unknown("key", Some("display"), name, key.span(), DISPLAY_KEYS),
            }
        }
    }

    fn layout(&mut self, table: &DeTable<'_>, layout: &mut Layout) {
        for (key, value) in entries(table) {
            let name = key.get_ref().as_ref();
            let full = format!("layout.{name}");
            match name {
                "split" => {
                    if let Some(v) = self.integer(&full, value, 10, 90) {
                        layout.split = v;
                    }
                }
                "orientation" => {
                    let choices = [
                        ("horizontal", Orientation::Horizontal),
                        ("vertical", Orientation::Vertical),
                    ];
                    if let Some(v) = self.choice(&full, value, &choices) {
                        layout.orientation = v;
                    }
                }
                "two_pane_min_width" => {
                    if let Some(v) = self.integer(&full, value, 40, 1000) {
                        layout.two_pane_min_width = v;
                    }
                }
                "preview" => {
                    if let Some(v) = self.boolean(&full, value) {
                        layout.preview = v;
                    }
                }
                "preview_delay_ms" => {
                    if let Some(v) = self.integer(&full, value, 0, 2000) {
                        layout.preview_delay_ms = v;
                    }
                }
                _ => self.unknown("key", Some("layout"), name, key.span(), LAYOUT_KEYS),
            }
        }
    }

    fn reader(&mut self, table: &DeTable<'_>, reader: &mut Reader) {
        for (key, value) in entries(table) {
            let name = key.get_ref().as_ref();
            let full = format!("reader.{name}");
            match name {
                "measure" => {
                    if let Some(v) = self.integer(&full, value, 20, 1000) {
                        reader.measure = v;
                    }
                }
                "center" => {
                    if let Some(v) = self.boolean(&full, value) {
                        reader.center = v;
                    }
                }
                "page_overlap" => {
                    if let Some(v) = self.integer(&full, value, 0, 10) {
                        reader.page_overlap = v;
                    }
                }
                _ => self.unknown("key", Some("reader"), name, key.span(), READER_KEYS),
            }
        }
    }

    fn library(&mut self, table: &DeTable<'_>, library: &mut LibraryConfig) {
        for (key, value) in entries(table) {
            let name = key.get_ref().as_ref();
            if name != "paths" {
                self.unknown("key", Some("library"), name, key.span(), LIBRARY_KEYS);
                continue;
            }
            const EXPECTED: &str = "an array of paths";
            let items: Vec<&Spanned<DeValue<'_>>> = match value.get_ref() {
                DeValue::String(_) => vec![value],
                DeValue::Array(array) => array.iter().collect(),
                _ => {
                    self.expected("library.paths", value, EXPECTED);
                    continue;
                }
            };
            let mut paths = Vec::new();
            let mut ok = true;
            for item in items {
                match item.get_ref().as_str() {
                    Some(s) if !s.trim().is_empty() => paths.push(self.resolve(s)),
                    Some(_) => {
                        self.expected_found(
                            "library.paths",
                            item.span(),
                            "a path",
                            "an empty string",
                        );
                        ok = false;
                    }
                    None => {
                        self.expected("library.paths", item, "a path (a string)");
                        ok = false;
                    }
                }
            }
            if ok {
                library.paths = paths;
            }
        }
    }

    /// A library path as written in the file → the path to open.
    fn resolve(&self, written: &str) -> PathBuf {
        if written.starts_with("http://") || written.starts_with("https://") {
            return PathBuf::from(written);
        }
        let home = || {
            std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .map(PathBuf::from)
        };
        if written == "~" {
            if let Some(home) = home() {
                return home;
            }
        } else if let Some(rest) = written.strip_prefix("~/")
            && let Some(home) = home()
        {
            return home.join(rest);
        }
        let path = PathBuf::from(written);
        if path.is_relative()
            && !written.starts_with('~')
            && let Some(dir) = self.path.parent()
        {
            return dir.join(path);
        }
        path
    }

    fn colors(&mut self, table: &DeTable<'_>, colors: &mut Colors) {
        for (key, value) in entries(table) {
            let name = key.get_ref().as_ref();
            let Some(slot) = colors.slot_mut(name) else {
                self.unknown("key", Some("colors"), name, key.span(), Colors::NAMES);
                continue;
            };
            let full = format!("colors.{name}");
            let parsed = match value.get_ref() {
                DeValue::String(s) => parse_color(s).map_err(|near| match near {
                    Some(near) => format!("{s:?} (did you mean \"{near}\"?)"),
                    None => format!("{s:?}"),
                }),
                DeValue::Integer(i) => match int_value(i) {
                    Some(n @ 0..=255) => Ok(Color::Indexed(n as u8)),
                    _ => Err(i.to_string()),
                },
                other => Err(found(other)),
            };
            match parsed {
                Ok(color) => *slot = Some(color),
                Err(found) => self.expected_found(&full, value.span(), COLOR_EXPECTED, &found),
            }
        }
    }

    fn keys(&mut self, table: &DeTable<'_>, keys: &mut Vec<(String, KeyEvent)>) {
        for (key, value) in entries(table) {
            let action = key.get_ref().as_ref();
            if !ACTION_NAMES.contains(&action) {
                self.unknown("action", Some("keys"), action, key.span(), ACTION_NAMES);
                continue;
            }
            let full = format!("keys.{action}");
            let items: Vec<&Spanned<DeValue<'_>>> = match value.get_ref() {
                DeValue::String(_) => vec![value],
                DeValue::Array(array) => array.iter().collect(),
                _ => {
                    self.expected(&full, value, "a key or an array of keys in vim notation");
                    continue;
                }
            };
            for item in items {
                let Some(written) = item.get_ref().as_str() else {
                    self.expected(&full, item, KEY_EXPECTED);
                    continue;
                };
                let event = match crate::input::keys::parse_keys(written) {
                    Ok(events) if events.len() == 1 => events[0],
                    Ok(events) => {
                        let found = if events.is_empty() {
                            format!("{written:?} (no key)")
                        } else {
                            format!("{written:?} ({} keys)", events.len())
                        };
                        self.expected_found(&full, item.span(), KEY_EXPECTED, &found);
                        continue;
                    }
                    Err(e) => {
                        let found = format!("{written:?} ({})", e.message);
                        self.expected_found(&full, item.span(), KEY_EXPECTED, &found);
                        continue;
                    }
                };
                match keys.iter().find(|(_, k)| *k == event) {
                    Some((other, _)) if other != action => {
                        let message =
                            format!("key `{full}`: {written:?} is already bound to `{other}`");
                        self.warn(item.span(), message);
                    }
                    Some(_) => {}
                    None => keys.push((action.to_owned(), event)),
                }
            }
        }
    }

    fn choice<T: Copy>(
        &mut self,
        key: &str,
        value: &Spanned<DeValue<'_>>,
        choices: &[(&str, T)],
    ) -> Option<T> {
        if let Some(s) = value.get_ref().as_str()
            && let Some((_, v)) = choices
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(s.trim()))
        {
            return Some(*v);
        }
        let names: Vec<String> = choices.iter().map(|(n, _)| format!("{n:?}")).collect();
        let expected = match names.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => "nothing".into(),
        };
        self.expected(key, value, &expected);
        None
    }

    fn boolean(&mut self, key: &str, value: &Spanned<DeValue<'_>>) -> Option<bool> {
        let b = value.get_ref().as_bool();
        if b.is_none() {
            self.expected(key, value, "true or false");
        }
        b
    }

    fn integer(
        &mut self,
        key: &str,
        value: &Spanned<DeValue<'_>>,
        min: u16,
        max: u16,
    ) -> Option<u16> {
        if let Some(i) = value.get_ref().as_integer()
            && let Some(n) = int_value(i)
            && (i64::from(min)..=i64::from(max)).contains(&n)
        {
            return u16::try_from(n).ok();
        }
        self.expected(key, value, &format!("an integer from {min} to {max}"));
        None
    }
}

fn int_value(i: &toml::de::DeInteger<'_>) -> Option<i64> {
    i64::from_str_radix(i.as_str(), i.radix()).ok()
}

/// What a value is, for "found …": scalars as written, containers by kind.
fn found(value: &DeValue<'_>) -> String {
    match value {
        DeValue::String(s) => format!("{s:?}"),
        DeValue::Integer(i) => i.to_string(),
        DeValue::Float(f) => format!("the float {f}"),
        DeValue::Boolean(b) => b.to_string(),
        DeValue::Datetime(_) => "a date-time".into(),
        DeValue::Array(_) => "an array".into(),
        DeValue::Table(_) => "a table".into(),
    }
}

/// A key as TOML would need it written.
fn key_text(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        name.to_owned()
    } else {
        format!("{name:?}")
    }
}

/// The nearest known name, if it is close enough to be a likely typo.
fn suggest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    let lower = name.to_lowercase().replace('-', "_");
    let (distance, best) = known
        .iter()
        .map(|k| (edit_distance(&lower, k), *k))
        .min_by_key(|(d, _)| *d)?;
    let limit = (name.chars().count().max(3) / 3).max(1);
    (distance <= limit).then_some(best)
}

/// Edit distance in characters, counting a swap of neighbours as one edit
/// (optimal string alignment), so `qiut` is one edit from `quit`.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j - 1] + cost)
                .min(d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

const COLOR_NAMES: &[(&str, Color)] = &[
    ("black", Color::Black),
    ("red", Color::Red),
    ("green", Color::Green),
    ("yellow", Color::Yellow),
    ("blue", Color::Blue),
    ("magenta", Color::Magenta),
    ("cyan", Color::Cyan),
    ("white", Color::White),
    ("gray", Color::Gray),
    ("grey", Color::Gray),
    ("darkgray", Color::DarkGray),
    ("darkgrey", Color::DarkGray),
    ("lightred", Color::LightRed),
    ("lightgreen", Color::LightGreen),
    ("lightyellow", Color::LightYellow),
    ("lightblue", Color::LightBlue),
    ("lightmagenta", Color::LightMagenta),
    ("lightcyan", Color::LightCyan),
    ("reset", Color::Reset),
];

/// Parses a colour: a name (case, `-`, `_` and spaces ignored: `light-red`),
/// `#rrggbb`, or a 256-colour index `0`–`255`. On failure, a close name if
/// there is one.
fn parse_color(written: &str) -> Result<Color, Option<&'static str>> {
    let s = written.trim();
    if let Some(hex) = s.strip_prefix('#') {
        if hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
            let n = u32::from_str_radix(hex, 16).map_err(|_| None)?;
            let [_, r, g, b] = n.to_be_bytes();
            return Ok(Color::Rgb(r, g, b));
        }
        return Err(None);
    }
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
        return s.parse::<u8>().map(Color::Indexed).map_err(|_| None);
    }
    let name: String = s
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .collect::<String>()
        .to_lowercase();
    if let Some((_, color)) = COLOR_NAMES.iter().find(|(n, _)| *n == name) {
        return Ok(*color);
    }
    let names: Vec<&'static str> = COLOR_NAMES.iter().map(|(n, _)| *n).collect();
    Err(suggest(&name, &names))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyModifiers};

    fn parse_str(text: &str) -> (Config, Vec<String>) {
        parse(text, Path::new("/cfg/kanbao/config.toml"))
    }

    fn clean(text: &str) -> Config {
        let (config, warnings) = parse_str(text);
        assert_eq!(warnings, Vec::<String>::new(), "for {text:?}");
        config
    }

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn defaults_are_documented_values() {
        let c = Config::default();
        assert_eq!(c.display.ambiguous, AmbiguousSetting::Narrow);
        assert_eq!(c.display.color, ColorSetting::Auto);
        assert_eq!(c.display.theme, ThemeName::Default);
        assert!(c.display.mouse);
        assert_eq!(c.layout.split, 40);
        assert_eq!(c.layout.orientation, Orientation::Horizontal);
        assert_eq!(c.layout.two_pane_min_width, 90);
        assert_eq!(c.reader.measure, 80);
        assert!(c.reader.center);
        assert!(c.library.paths.is_empty());
        assert_eq!(c.colors, Colors::default());
        assert!(c.keys.is_empty());
        assert_eq!(clean(""), c);
        assert_eq!(clean("# nothing\n\n"), c);
    }

    #[test]
    fn missing_file_is_defaults_without_warnings() {
        let (c, w) = load(Path::new("/nonexistent/kanbao/config.toml"));
        assert_eq!(c, Config::default());
        assert!(w.is_empty());
    }

    #[test]
    fn unreadable_file_is_defaults_with_one_warning() {
        let dir = std::env::temp_dir();
        let (c, w) = load(&dir);
        assert_eq!(c, Config::default());
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("cannot read"), "{w:?}");
    }

    #[test]
    fn non_utf8_file_is_defaults_with_one_warning() {
        let path = std::env::temp_dir().join(format!("kanbao-config-{}.toml", std::process::id()));
        std::fs::write(&path, b"[reader]\nmeasure = \"\xff\"\n").unwrap();
        let (c, w) = load(&path);
        std::fs::remove_file(&path).unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].ends_with(":2:12: not UTF-8 text; the file is ignored, using the defaults"),
            "{w:?}"
        );
    }

    #[test]
    fn a_byte_order_mark_and_crlf_are_fine() {
        let (c, w) = parse_str("\u{feff}[reader]\r\nmeasure = 66\r\ncenter = 0\r\n");
        assert_eq!(c.reader.measure, 66);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains(":3:10: key `reader.center`"), "{w:?}");
    }

    #[test]
    fn default_toml_round_trips_to_default() {
        assert_eq!(clean(DEFAULT_TOML), Config::default());
    }

    #[test]
    fn default_toml_documents_every_action_and_colour() {
        for name in ACTION_NAMES.iter().chain(Colors::NAMES) {
            assert!(DEFAULT_TOML.contains(name), "{name} is not documented");
        }
    }

    #[test]
    fn display_section() {
        let c = clean(
            "[display]\nambiguous = \"auto\"\ncolor = \"never\"\ntheme = \"mono\"\nmouse = false\n",
        );
        assert_eq!(
            c.display,
            Display {
                ambiguous: AmbiguousSetting::Auto,
                color: ColorSetting::Never,
                theme: ThemeName::Mono,
                mouse: false,
                selection: Selection::Marker,
            }
        );
        assert_eq!(c.display.ambiguous.fixed(), None);
        let c = clean("[display]\nambiguous = \"Wide\"\ncolor = \"always\"\n");
        assert_eq!(c.display.ambiguous.fixed(), Some(Ambiguous::Wide));
        assert_eq!(c.display.color, ColorSetting::Always);
    }

    #[test]
    fn layout_section() {
        let c = clean(
            "[layout]\nsplit = 3_0\norientation = \"vertical\"\ntwo_pane_min_width = 120\npreview = false\npreview_delay_ms = 0\n",
        );
        assert_eq!(
            c.layout,
            Layout {
                split: 30,
                orientation: Orientation::Vertical,
                two_pane_min_width: 120,
                preview: false,
                preview_delay_ms: 0,
            }
        );
    }

    #[test]
    fn reader_section() {
        let c = clean("[reader]\nmeasure = 66\ncenter = false\npage_overlap = 2\n");
        assert_eq!(
            c.reader,
            Reader {
                measure: 66,
                center: false,
                page_overlap: 2,
            }
        );
    }

    #[test]
    fn dotted_keys_and_inline_tables_work_like_sections() {
        let c = clean("reader.measure = 70\nlayout = { split = 50 }\n");
        assert_eq!(c.reader.measure, 70);
        assert_eq!(c.layout.split, 50);
    }

    #[test]
    fn library_section() {
        let c =
            clean("[library]\npaths = [\"/news\", \"feeds\", \"https://example.org/feed.xml\"]\n");
        assert_eq!(
            c.library.paths,
            [
                PathBuf::from("/news"),
                PathBuf::from("/cfg/kanbao/feeds"),
                PathBuf::from("https://example.org/feed.xml"),
            ]
        );
        if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
            let c = clean("[library]\npaths = \"~/news\"\n");
            assert_eq!(c.library.paths, [PathBuf::from(home).join("news")]);
        }
        let (c, w) = parse_str("[library]\npaths = [\"/a\", 3]\n");
        assert!(c.library.paths.is_empty());
        assert_eq!(w.len(), 1);
        assert_eq!(
            w,
            [
                "/cfg/kanbao/config.toml:2:16: key `library.paths`: expected a path (a string), found 3"
            ]
        );
    }

    #[test]
    fn bad_value_names_line_col_key_and_keeps_other_keys() {
        let text = "[layout]\norientation = \"vertical\"\nsplit = 5\n\n[reader]\nmeasure = 72\ncenter = \"yes\"\n";
        let (c, w) = parse_str(text);
        assert_eq!(
            w,
            [
                "/cfg/kanbao/config.toml:3:9: key `layout.split`: expected an integer from 10 to 90, found 5",
                "/cfg/kanbao/config.toml:7:10: key `reader.center`: expected true or false, found \"yes\"",
            ]
        );
        assert_eq!(c.layout.split, 40, "the default for the bad key");
        assert_eq!(c.layout.orientation, Orientation::Vertical);
        assert_eq!(c.reader.measure, 72);
        assert!(c.reader.center);
    }

    #[test]
    fn wrong_types_and_choices_are_reported() {
        let (c, w) = parse_str(
            "[display]\ncolor = \"sometimes\"\nmouse = 1\n[layout]\nsplit = 40.5\n[reader]\nmeasure = \"80\"\n",
        );
        assert_eq!(c, Config::default());
        assert_eq!(w.len(), 4, "{w:?}");
        assert!(w[0].ends_with(
            ":2:9: key `display.color`: expected \"auto\", \"always\" or \"never\", found \"sometimes\""
        ));
        assert!(w[1].ends_with(":3:9: key `display.mouse`: expected true or false, found 1"));
        assert!(w[2].contains(
            "key `layout.split`: expected an integer from 10 to 90, found the float 40.5"
        ));
        assert!(
            w[3].contains(
                "key `reader.measure`: expected an integer from 20 to 1000, found \"80\""
            )
        );
    }

    #[test]
    fn a_section_that_is_not_a_table_is_reported() {
        let (c, w) = parse_str("display = \"dark\"\n[reader]\nmeasure = 60\n");
        assert_eq!(c.reader.measure, 60);
        assert_eq!(
            w,
            ["/cfg/kanbao/config.toml:1:11: key `display`: expected a table, found \"dark\""]
        );
    }

    #[test]
    fn unknown_keys_and_sections_are_warned_with_a_suggestion() {
        let (c, w) = parse_str(
            "[reader]\nmeasur = 60\ncenter = false\nwibble = 1\n[colour]\ntitle = \"red\"\n[zzz]\n",
        );
        assert!(!c.reader.center);
        assert_eq!(c.reader.measure, 80);
        assert_eq!(
            w,
            [
                "/cfg/kanbao/config.toml:2:1: unknown key `reader.measur` (did you mean `measure`?)",
                "/cfg/kanbao/config.toml:4:1: unknown key `reader.wibble`",
                "/cfg/kanbao/config.toml:5:2: unknown section `colour` (did you mean `colors`?)",
                "/cfg/kanbao/config.toml:7:2: unknown section `zzz`",
            ]
        );
    }

    #[test]
    fn syntax_error_falls_back_to_defaults_with_one_warning() {
        let (c, w) = parse_str("[reader]\nmeasure = 60\ncenter = \n");
        assert_eq!(c, Config::default());
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].starts_with("/cfg/kanbao/config.toml:3:10: invalid TOML: "),
            "{w:?}"
        );
        assert!(
            w[0].ends_with("the file is ignored, using the defaults"),
            "{w:?}"
        );
        let (_, w) = parse_str("[reader]\n[reader]\n");
        assert_eq!(w.len(), 1);
        assert!(w[0].contains(":2:2: invalid TOML: duplicate key"), "{w:?}");
    }

    #[test]
    fn colour_forms() {
        let c = clean(
            "[colors]\ntitle = \"#ff8800\"\nmeta = \"123\"\ndate = \"lightred\"\nsource = \"Dark-Gray\"\nlink = \"grey\"\nstatus_bg = \"reset\"\nstatus_fg = 7\nstarred = \"light_cyan\"\n",
        );
        assert_eq!(c.colors.title, Some(Color::Rgb(0xff, 0x88, 0x00)));
        assert_eq!(c.colors.meta, Some(Color::Indexed(123)));
        assert_eq!(c.colors.date, Some(Color::LightRed));
        assert_eq!(c.colors.source, Some(Color::DarkGray));
        assert_eq!(c.colors.link, Some(Color::Gray));
        assert_eq!(c.colors.status_bg, Some(Color::Reset));
        assert_eq!(c.colors.status_fg, Some(Color::Indexed(7)));
        assert_eq!(c.colors.starred, Some(Color::LightCyan));
        assert_eq!(c.colors.get("starred"), Some(Some(Color::LightCyan)));
        assert_eq!(c.colors.unread, None);
        assert_eq!(c.colors.get("nope"), None);
        for name in Colors::NAMES {
            assert_eq!(
                clean(&format!("[colors]\n{name} = \"red\"\n"))
                    .colors
                    .get(name),
                Some(Some(Color::Red))
            );
        }
    }

    #[test]
    fn bad_colours_are_reported_and_the_rest_kept() {
        let (c, w) = parse_str(
            "[colors]\ntitle = \"yelow\"\nmeta = \"#12345\"\ndate = \"256\"\nlink = \"blue\"\nsource = true\ncolour = \"red\"\n",
        );
        assert_eq!(c.colors.link, Some(Color::Blue));
        assert_eq!(c.colors.title, None);
        assert_eq!(w.len(), 5, "{w:?}");
        assert!(w[0].ends_with(
            ":2:9: key `colors.title`: expected a colour name, \"#rrggbb\" or an index from 0 to 255, found \"yelow\" (did you mean \"yellow\"?)"
        ), "{w:?}");
        assert!(w[1].contains("key `colors.meta`"));
        assert!(w[2].contains("key `colors.date`"));
        assert!(w[3].contains("key `colors.source`") && w[3].ends_with("found true"));
        assert!(w[4].ends_with(":7:1: unknown key `colors.colour`"), "{w:?}");
    }

    #[test]
    fn key_bindings_in_vim_notation() {
        let c = clean(
            "[keys]\nquit = [\"q\", \"<C-c>\"]\nhalf_page_down = \"<C-d>\"\nopen = \"<Enter>\"\nsearch = \"/\"\nlist_links = \"<lt>\"\n",
        );
        assert_eq!(
            c.keys,
            [
                (
                    "quit".to_owned(),
                    key(KeyCode::Char('q'), KeyModifiers::NONE)
                ),
                (
                    "quit".to_owned(),
                    key(KeyCode::Char('c'), KeyModifiers::CONTROL)
                ),
                (
                    "half_page_down".to_owned(),
                    key(KeyCode::Char('d'), KeyModifiers::CONTROL)
                ),
                ("open".to_owned(), key(KeyCode::Enter, KeyModifiers::NONE)),
                (
                    "search".to_owned(),
                    key(KeyCode::Char('/'), KeyModifiers::NONE)
                ),
                (
                    "list_links".to_owned(),
                    key(KeyCode::Char('<'), KeyModifiers::NONE)
                ),
            ]
        );
    }

    #[test]
    fn every_action_name_can_be_bound() {
        for name in ACTION_NAMES {
            let c = clean(&format!("[keys]\n{name} = \"<F1>\"\n"));
            assert_eq!(
                c.keys,
                [(name.to_string(), key(KeyCode::F(1), KeyModifiers::NONE))]
            );
        }
    }

    #[test]
    fn unknown_action_is_warned_and_the_rest_kept() {
        let (c, w) = parse_str("[keys]\nqiut = \"x\"\nfrobnicate = \"z\"\nup = \"K\"\n");
        assert_eq!(
            c.keys,
            [("up".to_owned(), key(KeyCode::Char('K'), KeyModifiers::NONE))]
        );
        assert_eq!(
            w,
            [
                "/cfg/kanbao/config.toml:2:1: unknown action `keys.qiut` (did you mean `quit`?)",
                "/cfg/kanbao/config.toml:3:1: unknown action `keys.frobnicate`",
            ]
        );
    }

    #[test]
    fn a_binding_of_two_keys_is_rejected() {
        let (c, w) =
            parse_str("[keys]\ntop = [\"gg\", \"<Home>\"]\nbottom = \"\"\nhelp = \"<Nope>\"\n");
        assert_eq!(
            c.keys,
            [("top".to_owned(), key(KeyCode::Home, KeyModifiers::NONE))]
        );
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w[0].ends_with(
            ":2:8: key `keys.top`: expected one key in vim notation (like \"q\" or \"<C-d>\"), found \"gg\" (2 keys)"
        ), "{w:?}");
        assert!(w[1].contains(":3:10: key `keys.bottom`") && w[1].ends_with("found \"\" (no key)"));
        assert!(w[2].contains(":4:8: key `keys.help`") && w[2].contains("unknown key <Nope>"));
    }

    #[test]
    fn a_key_bound_to_two_actions_keeps_the_first() {
        let (c, w) = parse_str("[keys]\ndown = \"<C-d>\"\nhalf_page_down = [\"<C-d>\", \"D\"]\n");
        assert_eq!(
            c.keys,
            [
                (
                    "down".to_owned(),
                    key(KeyCode::Char('d'), KeyModifiers::CONTROL)
                ),
                (
                    "half_page_down".to_owned(),
                    key(KeyCode::Char('D'), KeyModifiers::NONE)
                ),
            ]
        );
        assert_eq!(
            w,
            [
                "/cfg/kanbao/config.toml:3:19: key `keys.half_page_down`: \"<C-d>\" is already bound to `down`"
            ]
        );
    }

    #[test]
    fn bindings_that_are_not_strings_are_reported() {
        let (c, w) = parse_str("[keys]\nquit = 3\nup = [\"k\", 4]\n");
        assert_eq!(
            c.keys,
            [("up".to_owned(), key(KeyCode::Char('k'), KeyModifiers::NONE))]
        );
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].contains(":2:8: key `keys.quit`: expected a key or an array of keys"));
        assert!(w[1].contains(":3:12: key `keys.up`: expected one key"));
    }

    #[test]
    fn default_path_uses_xdg_config_home_or_home() {
        if let Some(path) = default_path() {
            assert!(path.ends_with("kanbao/config.toml"), "{path:?}");
        }
    }

    #[test]
    fn suggestions_are_only_for_near_misses() {
        assert_eq!(suggest("measur", READER_KEYS), Some("measure"));
        assert_eq!(suggest("page-down", ACTION_NAMES), Some("page_down"));
        assert_eq!(suggest("xyz", READER_KEYS), None);
        assert_eq!(suggest("qiut", ACTION_NAMES), Some("quit"));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("ab", "ba"), 1);
    }
}
