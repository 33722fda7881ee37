//! Keys: the keymap (key event → [`Action`]) and vim-style key notation
//! (`jj<Enter><C-d>`) used by `kanbao snapshot --keys` and the tests.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::Action;

/// Maps a key press to what it does in the browser.
pub fn action_for(key: KeyEvent) -> Action {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('c') if ctrl => Action::Interrupt,
        KeyCode::Char('z') if ctrl => Action::Suspend,
        KeyCode::Char('l') if ctrl => Action::Redraw,
        KeyCode::Char('d') if ctrl => Action::HalfPageDown,
        KeyCode::Char('u') if ctrl => Action::HalfPageUp,
        KeyCode::Char('f') if ctrl => Action::PageDown,
        KeyCode::Char('b') if ctrl => Action::PageUp,
        KeyCode::Char('n') if ctrl => Action::Down,
        KeyCode::Char('p') if ctrl => Action::Up,
        _ if ctrl => Action::None,
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('j') | KeyCode::Down => Action::Down,
        KeyCode::Char('k') | KeyCode::Up => Action::Up,
        KeyCode::Char('g') | KeyCode::Home => Action::Top,
        KeyCode::Char('G') | KeyCode::End => Action::Bottom,
        KeyCode::Char(' ') | KeyCode::PageDown => Action::PageDown,
        KeyCode::Char('b') | KeyCode::PageUp => Action::PageUp,
        KeyCode::Tab => Action::NextPane,
        KeyCode::BackTab => Action::PrevPane,
        KeyCode::Char('h') | KeyCode::Left => Action::FocusList,
        KeyCode::Char('l') | KeyCode::Right => Action::FocusReader,
        KeyCode::Enter => Action::Open,
        KeyCode::Esc => Action::Back,
        KeyCode::Char('?') | KeyCode::F(1) => Action::Help,
        KeyCode::Char('r') => Action::Update,
        _ => Action::None,
    }
}

/// The key table shown in the help overlay: (keys, what they do).
pub const HELP: &[(&str, &str)] = &[
    ("j k ↓ ↑", "move in the list / scroll the article"),
    ("g G Home End", "first / last (top / bottom)"),
    ("Space b PgDn PgUp", "page down / up"),
    ("Ctrl-d Ctrl-u", "half a page down / up"),
    ("Tab Shift-Tab", "switch pane"),
    ("h l ← →", "go to the list / the article"),
    ("Enter", "open the article"),
    ("Esc", "back to the list"),
    ("Ctrl-l", "redraw the screen"),
    ("Ctrl-z", "suspend (fg to resume)"),
    ("?", "show / hide this help"),
    ("r", "update subscriptions (in the background)"),
    ("q Ctrl-c", "quit"),
];

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
/// use kanbao::keys::parse_keys;
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
    fn ctrl_keys_map_to_half_pages() {
        let k = parse_keys("<C-d><C-u>").unwrap();
        assert_eq!(action_for(k[0]), Action::HalfPageDown);
        assert_eq!(action_for(k[1]), Action::HalfPageUp);
    }
}
