//! Keys: the keymap (key event → [`Action`]) and vim-style key notation
//! (`jj<Enter><C-d>`) used by `kanbao snapshot --keys` and the tests.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::input::action::{ACTIONS, Action};

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

/// Key presses → actions: the defaults of [`ACTIONS`], with the user's
/// `[keys]` from the config file on top.
#[derive(Clone, Debug)]
pub struct Keymap {
    map: std::collections::HashMap<(KeyCode, KeyModifiers), Action>,
    /// (keys as shown, description) for the help overlay, in order.
    help: Vec<(String, &'static str)>,
    /// Each action's first key, as the help writes it.
    first: std::collections::HashMap<Action, String>,
}

impl Default for Keymap {
    fn default() -> Keymap {
        Keymap::new(&[])
    }
}

impl Keymap {
    /// The default keys plus `overrides` (action, key). A key the user
    /// binds is taken away from whatever it did before; the action keeps
    /// its other keys.
    pub fn new(overrides: &[(Action, KeyEvent)]) -> Keymap {
        let mut keys: Vec<(Action, Vec<KeyEvent>)> = ACTIONS
            .iter()
            .map(|info| {
                let parsed = info
                    .keys
                    .iter()
                    .filter_map(|k| parse_keys(k).ok()?.into_iter().next())
                    .collect();
                (info.action, parsed)
            })
            .collect();
        for (action, key) in overrides {
            for (_, list) in keys.iter_mut() {
                list.retain(|k| normal(*k) != normal(*key));
            }
            if let Some((_, list)) = keys.iter_mut().find(|(a, _)| a == action) {
                list.push(*key);
            }
        }
        let mut map = std::collections::HashMap::new();
        let mut help = Vec::new();
        let mut first = std::collections::HashMap::new();
        for ((action, list), info) in keys.iter().zip(ACTIONS) {
            for key in list {
                map.insert(normal(*key), *action);
            }
            let shown: Vec<String> = list.iter().map(|k| key_label(*k)).collect();
            if let Some(key) = shown.first() {
                first.insert(*action, key.clone());
            }
            help.push((shown.join(" "), info.help));
        }
        Keymap { map, help, first }
    }

    /// The first key bound to `action`, as the help writes it (`None`:
    /// unbound), for hints on screen made from the keys in force.
    pub fn key_of(&self, action: Action) -> Option<&str> {
        self.first.get(&action).map(String::as_str)
    }

    /// What a key press does, if anything. Ctrl-C always interrupts,
    /// whatever the config says.
    pub fn action(&self, key: KeyEvent) -> Option<Action> {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return Some(Action::Interrupt);
        }
        self.map.get(&normal(key)).copied()
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
pub fn action_for(key: KeyEvent) -> Option<Action> {
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
            (Action::Quit, parse_keys("x").unwrap()[0]),
            (Action::Search, parse_keys("q").unwrap()[0]),
        ]);
        let key = |s: &str| parse_keys(s).unwrap()[0];
        assert_eq!(map.action(key("x")), Some(Action::Quit));
        assert_eq!(map.action(key("q")), Some(Action::Search));
        assert_eq!(
            map.action(key("/")),
            Some(Action::Search),
            "defaults stay unless taken"
        );
        assert!(
            map.help()
                .iter()
                .any(|(keys, d)| keys == "x" && d.ends_with("quit from the list"))
        );
        assert_eq!(
            map.action(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Interrupt)
        );
    }

    #[test]
    fn shift_is_part_of_capital_letters() {
        let map = Keymap::default();
        assert_eq!(
            map.action(KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(
            map.action(KeyEvent::new(KeyCode::Char('D'), KeyModifiers::CONTROL)),
            Some(Action::HalfPageDown)
        );
    }

    #[test]
    fn every_binding_has_an_action_and_parses() {
        for info in ACTIONS {
            for k in info.keys {
                assert_eq!(parse_keys(k).unwrap().len(), 1, "{k}");
                assert_eq!(
                    action_for(parse_keys(k).unwrap()[0]),
                    Some(info.action),
                    "{k}"
                );
            }
        }
    }

    #[test]
    fn ctrl_keys_map_to_half_pages() {
        let k = parse_keys("<C-d><C-u>").unwrap();
        assert_eq!(action_for(k[0]), Some(Action::HalfPageDown));
        assert_eq!(action_for(k[1]), Some(Action::HalfPageUp));
    }
}

/// The README's table of keys, made from [`ACTIONS`]: default keys as the
/// help shows them, the config name and what the key does. A test keeps
/// the README's copy equal to it.
pub fn key_table() -> String {
    let mut out = String::from("| keys | `[keys]` name | what it does |\n|---|---|---|\n");
    for info in ACTIONS {
        let keys: Vec<String> = info
            .keys
            .iter()
            .filter_map(|k| parse_keys(k).ok()?.into_iter().next())
            .map(|k| format!("`{}`", key_label(k)))
            .collect();
        out.push_str(&format!(
            "| {} | `{}` | {} |\n",
            keys.join(" "),
            info.name,
            info.help
        ));
    }
    out.push_str("| `Ctrl-c` | — | quit at once (cannot be rebound) |\n");
    out
}

#[cfg(test)]
mod table_tests {
    #[test]
    fn the_readme_key_table_is_the_table_of_actions() {
        let readme = include_str!("../../README.md");
        let table = super::key_table();
        assert!(
            readme.contains(&table),
            "README.md's key table differs from the table of actions; it should read:\n{table}"
        );
    }
}
