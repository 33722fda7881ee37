//! Read and starred marks: what `u`, `s`, `A` and opening an article do.

use super::{App, thousands};

/// What one mark action changed: the marks as they were before.
pub(super) enum Undo {
    /// These articles were unread (`A`, or `u` marking one read).
    WereUnread(Vec<String>),
    /// This article was read (`u` marking it unread).
    WasRead(String),
    /// This article's star was this (`s`).
    Star(String, bool),
}

impl App {
    /// The selected article's identity ([`kanbao_core::Article::key`]),
    /// which its marks are keyed by.
    pub(super) fn selected_id(&self) -> Option<String> {
        self.selected_article()
            .and_then(|i| self.article(i))
            .map(|a| a.key().into_owned())
    }

    /// Moves the marks of articles stored before ids were scoped to feeds
    /// to their new identity (after an update); a failure goes to the
    /// status line.
    pub fn carry_marks(&mut self, rescoped: &[kanbao_core::Rescoped]) {
        let r = kanbao_core::carry_marks(&mut self.marks, rescoped);
        self.report(r);
    }

    /// Reports a failed write of the marks once in the status line.
    pub(super) fn report(&mut self, result: Result<(), kanbao_core::MarksError>) {
        if let Err(e) = result {
            self.notice = Some(e.to_string());
        }
    }

    /// Opening an article in the reader marks it read.
    pub(super) fn mark_selected_read(&mut self) {
        if let Some(id) = self.selected_id()
            && !self.marks.is_read(&id)
        {
            let r = self.marks.set_read(&id, true);
            self.report(r);
        }
    }

    /// Notes what the reader shows at `now` (call it after each frame):
    /// an article on screen for `reader.mark_read_after_ms` is marked read.
    /// Returns whether it marked one (the screen changes); the event loop
    /// asks [`App::dwell_left`] how long to wait for that.
    pub fn dwell(&mut self, now: std::time::Instant) -> bool {
        let after = self.settings.mark_read_after;
        // The sources view hides the reader.
        let showing = match self.reader_visible() && self.sources.is_none() {
            true => self.reader_article(),
            false => None,
        };
        let Some(article) = showing else {
            self.shown = None;
            return false;
        };
        let since = match self.shown {
            Some((a, since)) if a == article => since,
            _ => {
                self.shown = Some((article, now));
                self.kept_unread = self.kept_unread.filter(|&k| k == article);
                now
            }
        };
        if after.is_zero() || now.duration_since(since) < after || self.kept_unread == Some(article)
        {
            return false;
        }
        let Some(key) = self.article(article).map(|a| a.key().into_owned()) else {
            return false;
        };
        if self.marks.is_read(&key) {
            return false;
        }
        let r = self.marks.set_read(&key, true);
        self.report(r);
        true
    }

    /// How long until the article the reader shows has been on screen
    /// long enough to be marked read, if it is unread and will be.
    pub fn dwell_left(&self, now: std::time::Instant) -> Option<std::time::Duration> {
        let after = self.settings.mark_read_after;
        let (article, since) = self.shown?;
        if after.is_zero() || self.kept_unread == Some(article) {
            return None;
        }
        let key = self.article(article)?.key().into_owned();
        if self.marks.is_read(&key) {
            return None;
        }
        Some(after.saturating_sub(now.duration_since(since)))
    }

    pub(super) fn toggle_read(&mut self) {
        if let Some(id) = self.selected_id() {
            let read = !self.marks.is_read(&id);
            self.undo = Some(match read {
                true => Undo::WereUnread(vec![id.clone()]),
                false => Undo::WasRead(id.clone()),
            });
            let r = self.marks.set_read(&id, read);
            // Marked unread where it is shown: not marked read again by
            // being on screen.
            self.kept_unread = match read {
                false => self.selected_article(),
                true => None,
            };
            self.notice = Some(if read { "marked read" } else { "marked unread" }.into());
            self.report(r);
        }
    }

    pub(super) fn toggle_star(&mut self) {
        if let Some(id) = self.selected_id() {
            let star = !self.marks.is_starred(&id);
            self.undo = Some(Undo::Star(id.clone(), !star));
            let r = self.marks.set_starred(&id, star);
            self.notice = Some(if star { "starred ★" } else { "unstarred" }.into());
            self.report(r);
        }
    }

    pub(super) fn mark_all_read(&mut self) {
        // All of the list, not the first screen's rows of it.
        self.whole_order();
        let keys: Vec<String> = match self.windowed() {
            true => match self.window_keys() {
                Ok(keys) => keys,
                Err(e) => {
                    self.notice = Some(e.to_string());
                    return;
                }
            },
            false => self
                .order
                .iter()
                .filter_map(|&i| self.article(i))
                .map(|a| a.key().into_owned())
                .collect(),
        };
        let (_, undo, r) = self.mark_keys_read(&keys);
        self.notice = Some(format!(
            "{} marked read{undo}",
            super::sort::articles(keys.len())
        ));
        // A failed write says so in place of that.
        self.report(r);
    }

    /// Marks the articles of `keys` read in one write, remembering which
    /// were unread for `U`; returns how many were, the notice's
    /// ` (U undoes it)` in the keys in force, and how the write went. `A`
    /// in the list and in the sources view both go through here.
    pub(super) fn mark_keys_read(
        &mut self,
        keys: &[String],
    ) -> (usize, String, Result<(), kanbao_core::MarksError>) {
        let ids: Vec<&str> = keys.iter().map(String::as_str).collect();
        let were_unread: Vec<String> = ids
            .iter()
            .filter(|id| !self.marks.is_read(id))
            .map(|id| id.to_string())
            .collect();
        let r = self.marks.mark_all_read(&ids);
        let undo = self
            .settings
            .keymap
            .key_of(crate::input::action::Action::Undo)
            .map(|k| format!(" ({k} undoes it)"))
            .unwrap_or_default();
        let changed = were_unread.len();
        self.undo = Some(Undo::WereUnread(were_unread));
        (changed, undo, r)
    }

    /// Undoes the last `u`, `s` or `A` (one level: a second `U` says there
    /// is nothing to undo).
    pub(super) fn undo(&mut self) {
        let Some(undo) = self.undo.take() else {
            self.notice = Some("nothing to undo".into());
            return;
        };
        let (r, said) = match undo {
            Undo::WereUnread(ids) => {
                let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
                let said = match ids.len() {
                    1 => "undone: marked unread again".to_string(),
                    n => format!("undone: {} articles unread again", thousands(n)),
                };
                (self.marks.mark_all_unread(&refs), said)
            }
            Undo::WasRead(id) => (self.marks.set_read(&id, true), "undone: read again".into()),
            Undo::Star(id, was) => (
                self.marks.set_starred(&id, was),
                match was {
                    true => "undone: starred again".into(),
                    false => "undone: unstarred again".into(),
                },
            ),
        };
        // What the undo marks unread stays so while it is shown.
        self.kept_unread = self.reader_article();
        self.notice = Some(said);
        self.report(r);
    }

    /// Writes marks queued in the background (`A` on a big list); a failure
    /// goes to the status line. Returns whether the screen changed.
    pub fn tick_marks(&mut self) -> bool {
        if self.marks.busy()
            && let Err(e) = self.marks.tick(false)
        {
            self.notice = Some(e.to_string());
            return true;
        }
        false
    }

    /// Reads the marks again if another kanbao changed them (the event
    /// loop asks every few seconds and when the terminal gets the focus);
    /// the sources view counts again. Returns whether anything changed.
    pub fn refresh_marks(&mut self) -> bool {
        if !self.marks.reload_if_changed() {
            return false;
        }
        self.recount_sources();
        true
    }

    /// Whether marks are still being written in the background.
    pub fn marks_busy(&self) -> bool {
        self.marks.busy()
    }
}
