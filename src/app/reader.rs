//! The reader: the article it shows, typeset lazily per width, and
//! scrolling, paging, resizing and search matches in it.

use std::time::Duration;

use kanbao_core::{Lazy, Line};

use super::{App, Focus, Preview};

impl App {
    /// Whether the reader is on screen (always in two-pane mode).
    pub fn reader_visible(&self) -> bool {
        self.layout().two_pane || self.focus == Focus::Reader
    }

    /// The selected article typeset for the reader, cached per (article,
    /// width), typeset only as far as it has been looked at.
    pub(super) fn reader_doc(&mut self) -> &mut Lazy {
        let width = self.layout().reader.width;
        let Some(index) = self.reader_article() else {
            return &mut self.blank;
        };
        if self.cache.len() > 64 {
            self.cache.clear();
        }
        let (library, window, options) = (&self.library, self.window.as_ref(), &self.options);
        let Some(found) = super::window::article_of(library, window, index) else {
            return &mut self.blank;
        };
        self.cache.entry((index, width)).or_insert_with(|| {
            let article = found.with_body();
            let article = &*article;
            let mut doc = Lazy::new(article, usize::from(width), options);
            // Most articles take well under a millisecond: set them whole,
            // so the position shown is exact. Huge ones go by screenfuls.
            if article.text_len() < 256 * 1024 {
                doc.finish();
            }
            doc
        })
    }

    /// The reader's article as typeset so far, for drawing: what
    /// [`App::prepare_frame`] made ready (nothing is read or typeset here).
    pub fn reader_view(&self) -> &Lazy {
        let width = self.layout().reader.width;
        self.reader_article()
            .and_then(|index| self.cache.get(&(index, width)))
            .unwrap_or(&self.blank)
    }

    /// Gets the next frame ready to draw: the reader's article loaded and
    /// typeset as far as the screen shows. Drawing then only reads.
    pub fn prepare_frame(&mut self) {
        if self.windowed() {
            self.fill_window();
        }
        if self.order.is_empty() || !self.reader_visible() {
            return;
        }
        let need = self.scroll + usize::from(self.layout().reader.height) + 1;
        self.reader_doc().ensure(need);
    }

    /// Whether the article on screen is not typeset to its end yet.
    pub fn typesetting_pending(&mut self) -> bool {
        self.reader_visible() && self.selected_article().is_some() && !self.reader_doc().is_done()
    }

    /// Typesets a little more of the article on screen (a few thousand
    /// lines, a few milliseconds); returns whether it is now done.
    pub fn typeset_some(&mut self) -> bool {
        let doc = self.reader_doc();
        let more = doc.lines().len() + 2_000;
        doc.ensure(more);
        doc.is_done()
    }

    /// All lines of the selected article, typeset to the end.
    pub fn reader_lines(&mut self) -> Vec<Line> {
        let doc = self.reader_doc();
        doc.finish();
        doc.lines().to_vec()
    }

    /// The largest useful scroll position for the selected article (this
    /// typesets it to the end).
    pub fn max_scroll(&mut self) -> usize {
        let height = usize::from(self.layout().reader.height);
        let doc = self.reader_doc();
        doc.finish();
        doc.lines().len().saturating_sub(height)
    }

    /// The terminal is now `width`×`height`: the layout follows, the reader
    /// keeps its place.
    pub fn resize(&mut self, width: u16, height: u16) {
        // Keep the reader's place: the line at the top before the resize
        // stays at the top after it, whatever the new width does to the lines.
        let scroll = self.scroll;
        let anchor = {
            let doc = self.reader_doc();
            doc.ensure(scroll + 1);
            doc.lines().get(scroll).map(|l| l.offset)
        };
        self.size = (width, height);
        if let Some(anchor) = anchor {
            let doc = self.reader_doc();
            while !doc.is_done() && doc.lines().last().is_none_or(|l| l.offset <= anchor) {
                let more = doc.lines().len() + 256;
                doc.ensure(more);
            }
            let top = doc
                .lines()
                .partition_point(|l| l.offset <= anchor)
                .saturating_sub(1);
            self.scroll = top;
        }
        self.clamp_scroll();
        self.keep_selection_visible();
    }

    /// Whether the reader beside the list is waiting for the selection to
    /// stop moving (the event loop calls `show_preview` after
    /// `preview_delay` without a key).
    pub fn preview_waiting(&self) -> bool {
        self.preview != Preview::Follows
    }

    /// How long the reader beside the list waits for the selection to rest.
    pub fn preview_delay(&self) -> Duration {
        self.settings.preview_delay
    }

    /// The reader beside the list catches up with the selection.
    pub fn show_preview(&mut self) {
        if let Preview::Holds(shown) = std::mem::replace(&mut self.preview, Preview::Follows)
            && self.reader_article() != shown
        {
            self.scroll = 0;
        }
    }

    /// The article the reader shows: the selected one, unless the reader
    /// beside the list does not follow the selection (`preview = false`)
    /// and the list has the keyboard: then the one last opened (none
    /// before the first Enter: a launch draws the list alone, which over a
    /// slow link is a third of the bytes).
    pub fn reader_article(&self) -> Option<usize> {
        if self.focus == Focus::List && self.layout().two_pane {
            if !self.settings.preview {
                return self.opened;
            }
            if let Preview::Holds(shown) = self.preview {
                return shown;
            }
        }
        self.selected_article()
    }

    /// The reader takes the selected article (Enter, or moving to the reader).
    pub(super) fn open_selected(&mut self) {
        let selected = self.selected_article();
        if self.opened != selected {
            if !self.settings.preview && self.layout().two_pane && self.focus == Focus::Reader {
                self.scroll = 0;
            }
            self.opened = selected;
        }
        self.mark_selected_read();
    }

    /// Scrolls by lines (j/k, the wheel, PageUp): never further down than a
    /// full last page; from a page past that (see `page_down`) only up.
    pub(super) fn scroll_by(&mut self, delta: isize) {
        let before = self.scroll;
        let scroll = self.scroll.saturating_add_signed(delta);
        self.scroll = scroll;
        if delta > 0 {
            let height = usize::from(self.layout().reader.height);
            let doc = self.reader_doc();
            doc.ensure(scroll + height + 1);
            let full_last_page = doc.lines().len().saturating_sub(height);
            if scroll > full_last_page {
                self.scroll = full_last_page.max(before);
            }
        }
    }

    /// Pages forward like a book: the next page starts after the last line
    /// of this one (or with its last `page_overlap` lines: `step` is the
    /// page height less those), and the last page holds only the lines not
    /// read yet, blank below them, instead of repeating half a page already
    /// read. Returns whether it moved (at the end it does not). The page
    /// that shows the article's end marks it read.
    pub(super) fn page_down(&mut self, step: usize) -> bool {
        let height = usize::from(self.layout().reader.height);
        let scroll = self.scroll;
        let doc = self.reader_doc();
        doc.ensure(scroll + height + step + height + 1);
        let lines = doc.lines().len();
        if scroll + height >= lines {
            return false;
        }
        self.scroll += step;
        if self.scroll + height >= lines && self.focus == Focus::Reader {
            self.mark_selected_read();
        }
        true
    }

    /// Keeps the scroll position within the article (its top line is one of
    /// the article's), typesetting only as far as needed to know.
    pub(super) fn clamp_scroll(&mut self) {
        let scroll = self.scroll;
        let doc = self.reader_doc();
        doc.ensure(scroll + 1);
        let last = doc.lines().len().saturating_sub(1);
        self.scroll = scroll.min(last);
    }

    /// Scrolls the reader to the next (or previous) line with a search match.
    pub(super) fn jump_to_match(&mut self, forward: bool) {
        let terms = self
            .filter
            .as_ref()
            .map_or_else(Vec::new, |q| q.highlight_terms().to_vec());
        if terms.is_empty() {
            // No words to find: the next unread article instead.
            self.read_on(forward);
            return;
        }
        let lines = self.reader_lines();
        let hits: Vec<usize> = (0..lines.len())
            .filter(|&i| !kanbao_core::matches_in_line(&lines, i, &terms).is_empty())
            .collect();
        let target = if forward {
            hits.iter()
                .copied()
                .find(|&i| i > self.scroll)
                .or(hits.first().copied())
        } else {
            hits.iter()
                .rev()
                .copied()
                .find(|&i| i < self.scroll)
                .or(hits.last().copied())
        };
        match target {
            Some(line) => {
                self.focus = Focus::Reader;
                self.fix_focus();
                self.mark_selected_read();
                self.scroll = line.min(self.max_scroll());
                let n = hits.iter().position(|&h| h == line).unwrap_or(0) + 1;
                self.notice = Some(format!("match {n}/{}", hits.len()));
            }
            None => self.notice = Some("no match in this article".into()),
        }
    }

    /// The reader's position as text: `Top`, `Bot`, `All` or a percentage
    /// (of the text, while the article is not typeset to its end).
    pub fn scroll_indicator(&self) -> String {
        let doc = self.reader_view();
        if !doc.is_done() {
            // Not typeset to the end yet: estimate from the text offset.
            return format!("{}%", doc.percent_at(self.scroll).min(99));
        }
        let height = usize::from(self.layout().reader.height);
        let max = doc.lines().len().saturating_sub(height);
        if max == 0 {
            "All".into()
        } else if self.scroll == 0 {
            "Top".into()
        } else if self.scroll >= max {
            "Bot".into()
        } else {
            format!("{}%", self.scroll * 100 / max)
        }
    }
}
