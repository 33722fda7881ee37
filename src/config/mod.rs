//! The configuration file, `$XDG_CONFIG_HOME/kanbao/config.toml` (default
//! `~/.config/kanbao/config.toml`).
//!
//! Every key is optional, and a bad file never stops kanbao: [`load`] keeps
//! every valid key, uses the default for each bad one, and reports each
//! problem as `path:line:col: message`, naming the key
//! (``key `layout.split`: expected an integer from 10 to 90, found 5``).
//! [`DEFAULT_TOML`] documents every key with its default.

use std::path::{Path, PathBuf};

use crossterm::event::KeyEvent;
use ratatui::style::Color;
use toml::de::DeTable;

use kanbao_core::Ambiguous;

use crate::app::{LayoutSettings, Settings};
use crate::input::action::Action;
use crate::input::keys::Keymap;
use kanbao_core::TypesetOptions;

mod check;
#[cfg(test)]
mod tests;

use check::Checker;

/// The documented default file, printed by `kanbao config --default`. It
/// parses to exactly [`Config::default()`].
pub const DEFAULT_TOML: &str = r##"# kanbao configuration. Every key is optional; these are the defaults.

[display]
ambiguous = "narrow"      # "narrow" | "wide" | "auto" — how “ ” … — · are counted
color = "auto"            # "auto" | "always" | "never" (NO_COLOR is honoured)
theme = "default"         # "default" | "mono"   (built-in themes)
mouse = true              # wheel scrolls the pane under the pointer, a click selects
selection = "marker"      # "marker" (▶ in the margin: fewest bytes per key) | "bar" (reverse-video row)
timezone = ""             # dates are shown in this zone ("Asia/Shanghai", "+08:00"); "": TZ, else the system's

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
mark_read_after_ms = 1500 # an article shown this long, beside the list too, is marked read (0 to 60000;
                          # 0: only opening it with Enter does); paging to its end marks it at once

[library]
paths = []                # what `kanbao` opens with no arguments (default: your library, else the sample)
                          # files, directories or http(s) addresses; `~/` is your home directory,
                          # relative paths are relative to this file's directory

[colors]                  # any of: title, meta, date, source, link, status_fg, status_bg, selected_fg, selected_bg, highlight_fg, highlight_bg, unread, starred
# title = "yellow"        # a name (black red green yellow blue magenta cyan white gray darkgray light*), "#rrggbb", or a 256-colour index "123"

[keys]                    # action = key or [keys], vim notation as in `kanbao snapshot --keys`
# actions: up down page_down page_up half_page_down half_page_up top bottom
#   next_pane prev_pane focus_list focus_reader open back help quit quit_now redraw
#   next_article prev_article
#   suspend update search next_match prev_match toggle_read toggle_star
#   mark_all_read undo cycle_sort open_link copy_link list_links problems
# quit = ["q", "<C-c>"]
"##;

/// `display.ambiguous` and `--ambiguous`: how East Asian Ambiguous
/// characters are counted, as the user chose it. This is the setting, which
/// may be `auto`; the width it resolves to (asking the terminal for `auto`)
/// is the core's [`Ambiguous`], which the typesetter and the widgets use.
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
    /// Every choice, in the order the config checker and `--help` list them.
    pub const ALL: [AmbiguousSetting; 3] = [
        AmbiguousSetting::Narrow,
        AmbiguousSetting::Wide,
        AmbiguousSetting::Auto,
    ];

    /// The name in config.toml and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            AmbiguousSetting::Narrow => "narrow",
            AmbiguousSetting::Wide => "wide",
            AmbiguousSetting::Auto => "auto",
        }
    }

    /// The width when it is fixed, `None` for [`AmbiguousSetting::Auto`].
    pub fn fixed(self) -> Option<Ambiguous> {
        match self {
            AmbiguousSetting::Narrow => Some(Ambiguous::Narrow),
            AmbiguousSetting::Wide => Some(Ambiguous::Wide),
            AmbiguousSetting::Auto => None,
        }
    }
}

/// `display.color` and `--color`: whether to use colours.
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

impl ColorSetting {
    /// Every choice, in the order the config checker and `--help` list them.
    pub const ALL: [ColorSetting; 3] = [
        ColorSetting::Auto,
        ColorSetting::Always,
        ColorSetting::Never,
    ];

    /// The name in config.toml and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ColorSetting::Auto => "auto",
            ColorSetting::Always => "always",
            ColorSetting::Never => "never",
        }
    }
}

// The command line's `--ambiguous` and `--color` take the same choices as
// the config file, by the same names. Written out rather than derived: the
// derive would turn the variants' documentation into help for each value
// and change how `--help` lists them.
impl clap::ValueEnum for AmbiguousSetting {
    fn value_variants<'a>() -> &'a [Self] {
        &AmbiguousSetting::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name()))
    }
}

impl clap::ValueEnum for ColorSetting {
    fn value_variants<'a>() -> &'a [Self] {
        &ColorSetting::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name()))
    }
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
        let defaults = LayoutSettings::default();
        Layout {
            split: defaults.split,
            orientation: Orientation::Horizontal,
            two_pane_min_width: defaults.two_pane_min_width,
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
    /// How long an article is on screen before it is marked read, in ms
    /// (0: only on opening).
    pub mark_read_after_ms: u16,
}

impl Default for Reader {
    fn default() -> Reader {
        let defaults = LayoutSettings::default();
        Reader {
            measure: defaults.measure,
            center: defaults.center,
            page_overlap: defaults.page_overlap,
            mark_read_after_ms: 1500,
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
    /// `[keys]`: the user's bindings only, as (action, key), in file
    /// order. A key appears at most once.
    pub keys: Vec<(Action, KeyEvent)>,
    /// `display.timezone`: the zone dates are shown in (`None`: `TZ`, else
    /// the system's).
    pub timezone: Option<String>,
}

impl Config {
    /// The zone dates are shown in: `display.timezone`, else `TZ`, else the
    /// system's.
    pub fn zone(&self) -> jiff::tz::TimeZone {
        self.timezone
            .as_deref()
            .and_then(|z| kanbao_core::zone_named(z).ok())
            .unwrap_or_else(jiff::tz::TimeZone::system)
    }

    /// The browser's settings from this file's `[layout]`, `[reader]`,
    /// `[display]` and `[keys]`, for typesetting with `options`.
    pub fn settings(&self, options: TypesetOptions) -> Settings {
        Settings {
            keymap: Keymap::new(&self.keys),
            layout: LayoutSettings {
                split: self.layout.split,
                vertical: self.layout.orientation == Orientation::Vertical,
                two_pane_min_width: self.layout.two_pane_min_width,
                measure: self.reader.measure,
                center: self.reader.center,
                page_overlap: self.reader.page_overlap,
            },
            selection_bar: self.display.selection == Selection::Bar,
            preview: self.layout.preview,
            preview_delay: std::time::Duration::from_millis(u64::from(
                self.layout.preview_delay_ms,
            )),
            mark_read_after: std::time::Duration::from_millis(u64::from(
                self.reader.mark_read_after_ms,
            )),
            ..Settings::new(options)
        }
    }
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
    // A regular file only (a FIFO is refused, not waited on), of a sane size.
    let read = match kanbao_core::read_regular(path, kanbao_core::MAX_BYTES) {
        Ok(bytes) => Ok(bytes),
        Err(kanbao_core::ReadError::Io(e)) => Err(e),
        Err(e) => Err(std::io::Error::other(e.to_string())),
    };
    match read {
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
