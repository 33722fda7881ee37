//! What the browser is doing (one [`Mode`] instead of a flag per overlay)
//! and what it asks the event loop to do ([`Effect`]).

use kanbao_core::Link;

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

impl Exit {
    /// The process exit code: 0 for `q`, 130 (128 + SIGINT) for Ctrl-C.
    pub fn code(self) -> i32 {
        match self {
            Exit::Quit => 0,
            Exit::Interrupt => 130,
        }
    }
}

/// What takes the keys: the panes, or one prompt or overlay above them.
/// At most one is open at a time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// The list and the reader.
    #[default]
    Browse,
    /// The search prompt on the status line: the text typed so far.
    Search(String),
    /// The links overlay (`L`): the number typed so far.
    Links(String),
    /// The key help (`?`), scrolled this many rows.
    Help(usize),
    /// The problems overlay (`!`), scrolled this many rows.
    Problems(usize),
}

/// Something a key asks for that is not a change of the browser's state:
/// [`crate::app::App::apply`] returns it and the event loop carries it out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Open this URL in a browser. A [`Link`] has passed the one check
    /// (`Link::parse`), so nothing else can be opened.
    Open(Link),
    /// Copy this URL to the clipboard (a [`Link`], checked like `Open`'s).
    Copy(Link),
    /// Suspend to the shell.
    Suspend,
    /// Repaint the whole screen.
    Redraw,
    /// Fetch the subscriptions in the background.
    Update,
    /// Stop the browser.
    Exit(Exit),
}
