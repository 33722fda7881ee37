//! The one table of actions: every action a key can be bound to, with its
//! config name, default keys (vim notation) and help text, in the help's
//! order. The [`Action`] enum, the keymap's defaults, the config checker's
//! list of names, the help overlay and the README's key table all come from
//! [`ACTIONS`] (a test compares the README's table with it).

/// One row of the table.
#[derive(Clone, Copy, Debug)]
pub struct ActionInfo {
    /// The action.
    pub action: Action,
    /// Its name in `[keys]` of config.toml.
    pub name: &'static str,
    /// Its default keys, in vim notation.
    pub keys: &'static [&'static str],
    /// What the help overlay says it does.
    pub help: &'static str,
}

macro_rules! actions {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, [$($key:literal),*], $help:literal; )*) => {
        /// Everything a key can ask the browser to do.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Action {
            $( $(#[$doc])* $variant, )*
            /// Ctrl-C: quit at once, whatever the config says (not in the
            /// table: it cannot be rebound and the help does not list it).
            Interrupt,
        }

        /// Every bindable action, in the help's order.
        pub const ACTIONS: &[ActionInfo] = &[
            $( ActionInfo {
                action: Action::$variant,
                name: $name,
                keys: &[$($key),*],
                help: $help,
            }, )*
        ];
    };
}

actions! {
    /// Move down one row / scroll down one line.
    Down = "down", ["j", "<Down>", "<C-n>"], "next article / scroll down";
    /// Move up one row / scroll up one line.
    Up = "up", ["k", "<Up>", "<C-p>"], "previous article / scroll up";
    /// First article / top of the article.
    Top = "top", ["g", "<Home>"], "first article / top";
    /// Last article / end of the article.
    Bottom = "bottom", ["G", "<End>"], "last article / end";
    /// One page down.
    PageDown = "page_down", ["<Space>", "<PageDown>", "<C-f>"], "page down; at the end, next unread";
    /// One page up.
    PageUp = "page_up", ["b", "<PageUp>", "<C-b>"], "page up";
    /// Half a page down.
    HalfPageDown = "half_page_down", ["<C-d>"], "half a page down";
    /// Half a page up.
    HalfPageUp = "half_page_up", ["<C-u>"], "half a page up";
    /// Focus the other pane.
    NextPane = "next_pane", ["<Tab>"], "switch pane";
    /// Focus the other pane (backwards).
    PrevPane = "prev_pane", ["<S-Tab>"], "switch pane";
    /// Focus the list.
    FocusList = "focus_list", ["h", "<Left>"], "go to the list";
    /// Focus the reader.
    FocusReader = "focus_reader", ["l", "<Right>"], "go to the article";
    /// Open the selected article.
    Open = "open", ["<Enter>"], "open the article";
    /// Close the help, or go back to the list, or clear the search.
    Back = "back", ["<Esc>"], "back to the list / clear search";
    /// Open the search prompt.
    Search = "search", ["/"], "search (Enter keeps, Esc clears)";
    /// Jump to the next search match in the article; without a search, to
    /// the next unread article.
    NextMatch = "next_match", ["n"], "next match / next unread";
    /// Jump to the previous search match; without a search, to the
    /// previous unread article.
    PrevMatch = "prev_match", ["N"], "previous match / unread";
    /// The next article, from the reader too.
    NextArticle = "next_article", ["J"], "next article (reader too)";
    /// The previous article, from the reader too.
    PrevArticle = "prev_article", ["K"], "previous article";
    /// Mark the selected article unread (or read again).
    ToggleRead = "toggle_read", ["u"], "mark unread / read";
    /// Star or unstar the selected article.
    ToggleStar = "toggle_star", ["s"], "star / unstar";
    /// Mark every listed article read.
    MarkAllRead = "mark_all_read", ["A"], "mark all listed read";
    /// Undo the last u, s or A.
    Undo = "undo", ["U"], "undo the last mark (u, s, A)";
    /// Sort by date, then source, then title.
    CycleSort = "cycle_sort", ["S"], "sort by date / source / title";
    /// Open the article's URL in a browser.
    OpenLink = "open_link", ["o"], "open the article in a browser";
    /// Copy the article's URL to the clipboard.
    CopyLink = "copy_link", ["y"], "copy the URL (OSC 52)";
    /// Show the article's links.
    ListLinks = "list_links", ["L"], "list the links; a number opens one";
    /// Show the problems met loading the library.
    Problems = "problems", ["!"], "show problems loading articles";
    /// Fetch the subscriptions in the background.
    Update = "update", ["r"], "update subscriptions";
    /// Repaint the whole screen.
    Redraw = "redraw", ["<C-l>"], "redraw the screen";
    /// Suspend to the shell.
    Suspend = "suspend", ["<C-z>"], "suspend (fg resumes)";
    /// Show or hide the key help.
    Help = "help", ["?", "<F1>"], "show / hide this help";
    /// Leave the article for the list; quit from the list.
    Quit = "quit", ["q"], "back to the list; quit from the list";
    /// Quit at once, from anywhere.
    QuitNow = "quit_now", ["Q"], "quit at once (Ctrl-c too)";
}

impl Action {
    /// The action a config name stands for.
    pub fn named(name: &str) -> Option<Action> {
        ACTIONS.iter().find(|a| a.name == name).map(|a| a.action)
    }

    /// The action's row of the table (`None` for [`Action::Interrupt`]).
    pub fn info(self) -> Option<&'static ActionInfo> {
        ACTIONS.iter().find(|a| a.action == self)
    }
}

/// The config names of every bindable action, in the table's order.
pub fn names() -> impl Iterator<Item = &'static str> {
    ACTIONS.iter().map(|a| a.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_find_their_action() {
        for info in ACTIONS {
            assert_eq!(Action::named(info.name), Some(info.action), "{}", info.name);
            assert_eq!(info.action.info().map(|i| i.name), Some(info.name));
        }
        let mut names: Vec<_> = names().collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ACTIONS.len());
        assert_eq!(Action::named("interrupt"), None);
        assert!(Action::Interrupt.info().is_none());
    }
}
