//! Reading on: from one article to the next unread one (`Space` at the
//! end of an article, `n` and `N` without a search) or the next one
//! (`J`, `K`), from the list and from the reader alike.

use std::collections::HashMap;

use super::{App, Focus};

/// How many of the list's positions are looked at per read of the
/// library database while looking for an unread article.
const STEP: usize = 512;

impl App {
    /// The position of the nearest unread article after (or before) the
    /// selected one, in the list's order.
    fn unread_position(&mut self, forward: bool) -> Option<usize> {
        // Past the first screen's rows, the whole list.
        self.whole_order();
        let len = self.order.len();
        let positions: Vec<usize> = match forward {
            true => (self.selected + 1..len).collect(),
            false => (0..self.selected.min(len)).rev().collect(),
        };
        positions
            .chunks(STEP)
            .find_map(|chunk| self.first_unread(chunk))
    }

    /// The first of `positions` whose article is unread.
    fn first_unread(&self, positions: &[usize]) -> Option<usize> {
        let unread = |key: &str| !self.marks.is_read(key);
        match &self.window {
            None => positions.iter().copied().find(|&p| {
                self.article(self.order[p])
                    .is_some_and(|a| unread(&a.key()))
            }),
            Some(w) => {
                let rows: Vec<u32> = positions.iter().map(|&p| self.order[p] as u32).collect();
                let keys: HashMap<u32, String> = w.keys_by_row(&rows).ok()?.into_iter().collect();
                positions
                    .iter()
                    .copied()
                    .find(|&p| keys.get(&(self.order[p] as u32)).is_some_and(|k| unread(k)))
            }
        }
    }

    /// Goes to the next (or previous) unread article: in the reader it is
    /// opened there, in the list selected. Says so when there is none.
    pub(super) fn read_on(&mut self, forward: bool) {
        match self.unread_position(forward) {
            Some(position) => self.go_to(position),
            None => {
                self.notice = Some(
                    match forward {
                        true => "no unread articles below",
                        false => "no unread articles above",
                    }
                    .into(),
                )
            }
        }
    }

    /// The next (`delta` 1) or previous (-1) article, opened when the
    /// reader has the keyboard.
    pub(super) fn step_article(&mut self, delta: isize) {
        let position = self.selected.saturating_add_signed(delta);
        if position >= self.order.len() || (delta < 0 && self.selected == 0) {
            self.notice = Some(
                match delta > 0 {
                    true => "this is the last article",
                    false => "this is the first article",
                }
                .into(),
            );
            return;
        }
        self.go_to(position);
    }

    fn go_to(&mut self, position: usize) {
        self.select(position);
        if self.focus == Focus::Reader {
            self.scroll = 0;
            self.open_selected();
        }
    }
}
