//! Line editing for the prompts: what a key does to the text typed so far.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key did to a prompt's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edit {
    /// Enter: keep the text and close the prompt.
    Accept,
    /// Esc: close the prompt and drop the text.
    Cancel,
    /// The text changed (or the key was ignored); the prompt stays open.
    Typed,
}

/// Edits `text` with one key: characters are typed, Backspace deletes one,
/// Ctrl-U clears the line and Ctrl-W deletes the last word.
pub fn edit(text: &mut String, key: KeyEvent) -> Edit {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Enter => return Edit::Accept,
        KeyCode::Esc => return Edit::Cancel,
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
    Edit::Typed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(start: &str, keys: &str) -> String {
        let mut text = start.to_string();
        for key in crate::input::keys::parse_keys(keys).unwrap() {
            edit(&mut text, key);
        }
        text
    }

    #[test]
    fn typing_deleting_and_clearing() {
        assert_eq!(typed("", "ab<BS>c"), "ac");
        assert_eq!(typed("光伏 产业 ", "<C-w>"), "光伏 ");
        assert_eq!(typed("光伏 产业", "<C-u>x"), "x");
        let enter = crate::input::keys::parse_keys("<Enter>").unwrap()[0];
        assert_eq!(edit(&mut String::new(), enter), Edit::Accept);
    }
}
