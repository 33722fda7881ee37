//! Keys: the keymap (key event → [`Action`]) and vim-style key notation
//! (`jj<Enter><C-d>`) used by `kanbao snapshot --keys` and the tests.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::Action;

/// Every bindable action: its config name, default keys (vim notation) and
/// what the help overlay says about it, in the help's order.
pub const BINDINGS: &[(&str, &[&str], &str)] = &[
    (
        "down",
        &["j", "<Down>", "<C-n>"],
        "next article / scroll down",
    ),
    (
        "up",
        &["k", "<Up>", "<C-p>"],
        "previous article / scroll up",
    ),
    ("top", &["g", "<Home>"], "first article / top"),
    ("bottom", &["G", "<End>"], "last article / end"),
    (
        "page_down",
        &["<Space>", "<PageDown>", "<C-f>"],
        "page down",
    ),
    ("page_up", &["b", "<PageUp>", "<C-b>"], "page up"),
    ("half_page_down", &["<C-d>"], "half a page down"),
    ("half_page_up", &["<C-u>"], "half a page up"),
    ("next_pane", &["<Tab>"], "switch pane"),
    ("prev_pane", &["<S-Tab>"], "switch pane"),
    ("focus_list", &["h", "<Left>"], "go to the list"),
    ("focus_reader", &["l", "<Right>"], "go to the article"),
    ("open", &["<Enter>"], "open the article"),
    ("back", &["<Esc>"], "back to the list / clear search"),
    ("search", &["/"], "search (Enter keeps, Esc clears)"),
    ("next_match", &["n"], "next match"),
    ("prev_match", &["N"], "previous match"),
    ("toggle_read", &["u"], "mark unread / read"),
    ("toggle_star", &["s"], "star / unstar"),
    ("mark_all_read", &["A"], "mark all listed read"),
    ("cycle_sort", &["S"], "sort by date / source / title"),
    ("open_link", &["o"], "open the article in a browser"),
    ("copy_link", &["y"], "copy the URL (OSC 52)"),
    ("list_links", &["L"], "list the links; a number opens one"),
    ("problems", &["!"], "show problems loading articles"),
    ("update", &["r"], "update subscriptions"),
    ("redraw", &["<C-l>"], "redraw the screen"),
    ("suspend", &["<C-z>"], "suspend (fg resumes)"),
    ("help", &["?", "<F1>"], "show / hide this help"),
    ("quit", &["q"], "quit (Ctrl-c too)"),
];

/// The action a config name stands for.
pub fn action_named(name: &str) -> Option<Action> {
    Some(match name {
        "down" => Action::Down,
        "up" => Action::Up,
        "top" => Action::Top,
        "bottom" => Action::Bottom,
        "page_down" => Action::PageDown,
        "page_up" => Action::PageUp,
        "half_page_down" => Action::HalfPageDown,
        "half_page_up" => Action::HalfPageUp,
        "next_pane" => Action::NextPane,
        "prev_pane" => Action::PrevPane,
        "focus_list" => Action::FocusList,
        "focus_reader" => Action::FocusReader,
        "open" => Action::Open,
        "back" => Action::Back,
        "search" => Action::Search,
        "next_match" => Action::NextMatch,
        "prev_match" => Action::PrevMatch,
        "toggle_read" => Action::ToggleRead,
        "toggle_star" => Action::ToggleStar,
        "mark_all_read" => Action::MarkAllRead,
        "cycle_sort" => Action::CycleSort,
        "open_link" => Action::OpenLink,
        "copy_link" => Action::CopyLink,
        "list_links" => Action::ListLinks,
        "problems" => Action::Problems,
        "update" => Action::Update,
        "redraw" => Action::Redraw,
        "suspend" => Action::Suspend,
        "help" => Action::Help,
        "quit" => Action::Quit,
        _ => return None,
    })
}

/// A key as the keymap sees it: Shift is part of the character already
/// (`G`), so it is dropped for character keys.
fn normal(key: KeyEvent) -> (KeyCode, KeyModifiers) {
    let mut mods =
        key.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
    if matches!(key.code, KeyCode::Char(_) | KeyCode::BackTab) {
        mods.remove(KeyModifiers::SHIFT);
    }
    if let KeyCode::Char(c) = key.code
        && mods.contains(KeyModifiers::CONTROL)
    {
        return (KeyCode::Char(c.to_ascii_lowercase()), mods);
    }
    (key.code, mods)
}

/// Key presses → actions: the defaults of [`BINDINGS`], with the user's
/// `[keys]` from the config file on top.
#[derive(Clone, Debug)]
pub struct Keymap {
    map: std::collections::HashMap<(KeyCode, KeyModifiers), Action>,
    /// (keys as shown, description) for the help overlay, in order.
    help: Vec<(String, &'static str)>,
}

impl Default for Keymap {
    fn default() -> Keymap {
        Keymap::new(&[])
    }
}

impl Keymap {
    /// The default keys plus `overrides` (config name, key). A key the user
    /// binds is taken away from whatever it did before; the action keeps
    /// its other keys.
    pub fn new(overrides: &[(String, KeyEvent)]) -> Keymap {
        let mut keys: Vec<(&str, Vec<KeyEvent>)> = BINDINGS
            .iter()
            .map(|(name, defaults, _)| {
                let parsed = defaults
                    .iter()
                    .filter_map(|k| parse_keys(k).ok()?.into_iter().next())
                    .collect();
                (*name, parsed)
            })
            .collect();
        for (name, key) in overrides {
            for (_, list) in keys.iter_mut() {
                list.retain(|k| normal(*k) != normal(*key));
            }
            if let Some((_, list)) = keys.iter_mut().find(|(n, _)| n == name) {
                list.push(*key);
            }
        }
        let mut map = std::collections::HashMap::new();
        let mut help = Vec::new();
        for ((name, list), (_, _, description)) in keys.iter().zip(BINDINGS) {
            if let Some(action) = action_named(name) {
                for key in list {
                    map.insert(normal(*key), action);
                }
            }
            let shown: Vec<String> = list.iter().map(|k| key_label(*k)).collect();
            help.push((shown.join(" "), *description));
        }
        Keymap { map, help }
    }

    /// What a key press does. Ctrl-C always interrupts, whatever the config says.
    pub fn action(&self, key: KeyEvent) -> Action {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return Action::Interrupt;
        }
        self.map.get(&normal(key)).copied().unwrap_or(Action::None)
    }

    /// The help overlay's rows: keys and what they do.
    pub fn help(&self) -> &[(String, &'static str)] {
        &self.help
    }
}

/// How a key is written in the help: `j`, `↓`, `Ctrl-d`, `Space`, `PgDn`.
pub fn key_label(key: KeyEvent) -> String {
    let base = match key.code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::BackTab => "Shift-Tab".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::Backspace => "BS".into(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    };
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        format!("Ctrl-{base}")
    } else {
        base
    }
}

/// Maps a key press with the default keymap.
pub fn action_for(key: KeyEvent) -> Action {
    thread_local! {
        static DEFAULT: Keymap = Keymap::default();
    }
    DEFAULT.with(|k| k.action(key))
}

/// An error in a key string, with the byte position it starts at.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("key notation: {message} at position {position} (write `<lt>` for a literal `<`)")]
pub struct KeyNotationError {
    /// What is wrong.
    pub message: String,
    /// Byte offset in the key string.
    pub position: usize,
}

/// Parses vim key notation into key events.
///
/// Plain characters stand for themselves; `<Enter> <Esc> <Tab> <S-Tab> <Up>
/// <Down> <Left> <Right> <PageUp> <PageDown> <Home> <End> <Space> <BS> <lt>`
/// name special keys, `<C-d>` is Ctrl-d. Names are case-insensitive.
///
/// ```
/// use kanbao::input::keys::parse_keys;
/// use crossterm::event::{KeyCode, KeyModifiers};
/// let keys = parse_keys("j<Enter><C-d>").unwrap();
/// assert_eq!(keys[0].code, KeyCode::Char('j'));
/// assert_eq!(keys[1].code, KeyCode::Enter);
/// assert_eq!((keys[2].code, keys[2].modifiers), (KeyCode::Char('d'), KeyModifiers::CONTROL));
/// assert!(parse_keys("<Nope>").is_err());
/// ```
pub fn parse_keys(notation: &str) -> Result<Vec<KeyEvent>, KeyNotationError> {
    let mut keys = Vec::new();
    let mut rest = notation;
    while let Some(c) = rest.chars().next() {
        let position = notation.len() - rest.len();
        if c == '<' {
            let Some(end) = rest.find('>') else {
                return Err(KeyNotationError {
                    message: "unclosed `<`".into(),
                    position,
                });
            };
            let name = &rest[1..end];
            keys.push(named_key(name).ok_or_else(|| KeyNotationError {
                message: format!("unknown key <{name}>"),
                position,
            })?);
            rest = &rest[end + 1..];
        } else {
            keys.push(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
            rest = &rest[c.len_utf8()..];
        }
    }
    Ok(keys)
}

fn named_key(name: &str) -> Option<KeyEvent> {
    let plain = |code| Some(KeyEvent::new(code, KeyModifiers::NONE));
    let lower = name.to_ascii_lowercase();
    if let Some(ch) = lower.strip_prefix("c-") {
        let mut chars = ch.chars();
        let (Some(c), None) = (chars.next(), chars.next()) else {
            return None;
        };
        return Some(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    }
    match lower.as_str() {
        "enter" | "cr" | "return" => plain(KeyCode::Enter),
        "esc" => plain(KeyCode::Esc),
        "tab" => plain(KeyCode::Tab),
        "s-tab" => Some(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
        "up" => plain(KeyCode::Up),
        "down" => plain(KeyCode::Down),
        "left" => plain(KeyCode::Left),
        "right" => plain(KeyCode::Right),
        "pageup" => plain(KeyCode::PageUp),
        "pagedown" => plain(KeyCode::PageDown),
        "home" => plain(KeyCode::Home),
        "end" => plain(KeyCode::End),
        "space" => plain(KeyCode::Char(' ')),
        "bs" | "backspace" => plain(KeyCode::Backspace),
        "lt" => plain(KeyCode::Char('<')),
        "f1" => plain(KeyCode::F(1)),
        "f2" => plain(KeyCode::F(2)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notation_names_are_case_insensitive() {
        assert_eq!(parse_keys("<enter><ESC><PageDown>").unwrap().len(), 3);
    }

    #[test]
    fn bad_notation_says_where() {
        let e = parse_keys("jj<Foo>").unwrap_err();
        assert_eq!(e.position, 2);
        assert!(e.to_string().contains("<Foo>"));
        assert_eq!(parse_keys("j<").unwrap_err().position, 1);
    }

    #[test]
    fn literal_less_than() {
        assert_eq!(parse_keys("<lt>").unwrap()[0].code, KeyCode::Char('<'));
    }

    #[test]
    fn a_rebound_key_leaves_its_old_action() {
        let map = Keymap::new(&[
            ("quit".into(), parse_keys("x").unwrap()[0]),
            ("search".into(), parse_keys("q").unwrap()[0]),
        ]);
        let key = |s: &str| parse_keys(s).unwrap()[0];
        assert_eq!(map.action(key("x")), Action::Quit);
        assert_eq!(map.action(key("q")), Action::Search);
        assert_eq!(
            map.action(key("/")),
            Action::Search,
            "defaults stay unless taken"
        );
        assert!(
            map.help()
                .iter()
                .any(|(keys, d)| keys == "x" && d.starts_with("quit"))
        );
        assert_eq!(
            map.action(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Action::Interrupt
        );
    }

    #[test]
    fn shift_is_part_of_capital_letters() {
        let map = Keymap::default();
        assert_eq!(
            map.action(KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Action::Bottom
        );
        assert_eq!(
            map.action(KeyEvent::new(KeyCode::Char('D'), KeyModifiers::CONTROL)),
            Action::HalfPageDown
        );
    }

    #[test]
    fn every_binding_has_an_action_and_parses() {
        for (name, keys, _) in BINDINGS {
            assert!(action_named(name).is_some(), "{name}");
            assert!(crate::config::ACTION_NAMES.contains(name), "{name}");
            for k in *keys {
                assert_eq!(parse_keys(k).unwrap().len(), 1, "{k}");
            }
        }
        assert_eq!(BINDINGS.len(), crate::config::ACTION_NAMES.len());
    }

    #[test]
    fn ctrl_keys_map_to_half_pages() {
        let k = parse_keys("<C-d><C-u>").unwrap();
        assert_eq!(action_for(k[0]), Action::HalfPageDown);
        assert_eq!(action_for(k[1]), Action::HalfPageUp);
    }
}
