//! The mouse: which pane is under the pointer, clicks and the wheel.

use ratatui::layout::Rect;

use super::{App, Focus, Mode};

impl App {
    /// Which pane is at a screen position (the one on screen, in one-pane mode).
    pub(super) fn pane_at(&self, column: u16, row: u16) -> Option<Focus> {
        let l = self.layout();
        let inside =
            |r: Rect| column >= r.x && column < r.right() && row >= r.y && row < r.bottom();
        if !l.two_pane {
            return (row < l.status.y).then_some(self.focus);
        }
        if inside(l.list) {
            Some(Focus::List)
        } else if row < l.status.y && !inside(l.separator) {
            Some(Focus::Reader)
        } else {
            None
        }
    }

    /// A mouse click: selects the list row under the pointer, or focuses the reader.
    pub fn click(&mut self, column: u16, row: u16) {
        if matches!(self.mode, Mode::Help(_)) {
            self.mode = Mode::Browse;
            return;
        }
        match self.pane_at(column, row) {
            Some(Focus::List) => {
                let pos = self.list_offset + usize::from(row - self.layout().list.y);
                if pos < self.order.len() {
                    self.focus = Focus::List;
                    self.select(pos);
                }
            }
            Some(Focus::Reader) => {
                self.show_preview();
                self.focus = Focus::Reader;
                self.fix_focus();
            }
            None => {}
        }
    }

    /// The mouse wheel: scrolls the pane under the pointer, three lines a notch.
    pub fn wheel(&mut self, column: u16, row: u16, down: bool) {
        let step = if down { 3 } else { -3 };
        match self.pane_at(column, row) {
            Some(Focus::List) => {
                let height = usize::from(self.layout().list.height).max(1);
                let max = self.order.len().saturating_sub(height);
                self.list_offset = self.list_offset.saturating_add_signed(step).min(max);
                if self.windowed() {
                    self.fill_window();
                }
            }
            Some(Focus::Reader) => {
                self.show_preview();
                self.scroll_by(step);
            }
            None => {}
        }
    }
}
