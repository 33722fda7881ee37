//! Read and starred marks: what `u`, `s`, `A` and opening an article do.

use super::{App, thousands};

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

    pub(super) fn toggle_read(&mut self) {
        if let Some(id) = self.selected_id() {
            let read = !self.marks.is_read(&id);
            let r = self.marks.set_read(&id, read);
            self.notice = Some(if read { "marked read" } else { "marked unread" }.into());
            self.report(r);
        }
    }

    pub(super) fn toggle_star(&mut self) {
        if let Some(id) = self.selected_id() {
            let star = !self.marks.is_starred(&id);
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
        let ids: Vec<&str> = keys.iter().map(|k| k.as_str()).collect();
        let n = ids.len();
        let r = self.marks.mark_all_read(&ids);
        let n = thousands(n);
        self.notice = Some(format!("{n} articles marked read"));
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

    /// Whether marks are still being written in the background.
    pub fn marks_busy(&self) -> bool {
        self.marks.busy()
    }
}
