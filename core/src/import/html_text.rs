//! One idea: HTML to plain text — one tree walk, with the block, inline,
//! link and whitespace rules it applies together.
//!
//! HTML to paragraphs of plain text, with numbered links (like newsboat).
//!
//! [`html_to_text`] walks the parsed tree (dom_query, i.e. html5ever, so
//! entities are decoded and broken markup is repaired the way a browser
//! repairs it; parsed within the budget of [`crate::import::html_parse`],
//! past which the rest is plain text after a [`CUT_NOTE`] paragraph) and
//! lays the text out the way a browser would show it:
//!
//! - block elements (`p`, `div`, `section`, `article`, `h1`–`h6`, `pre`,
//!   table rows, `figure`/`figcaption`, `hr`, …) separate paragraphs;
//! - `<br>` is a line break inside a paragraph (`\n`);
//! - list items are paragraphs `• item`, or `1. item` in ordered lists (the
//!   `start` and `value` attributes are honoured); nested lists and further
//!   paragraphs of an item are indented under the item's text;
//! - paragraphs inside `<blockquote>` are indented by two spaces per level;
//!   lists and quotes are indented for at most 16 levels (deeper ones line
//!   up with the last, so deep nesting costs no more than its text);
//! - table cells of one row are joined with ` | `;
//! - whitespace collapses like in a browser (not inside `<pre>`), including
//!   the CSS rule that a line break between two East Asian wide characters
//!   disappears (so `中文\n中文` in the source reads `中文中文`);
//! - `<img alt>` becomes `[alt]`; an image without alt text shows nothing;
//! - the text of a link `<a href>` is followed by a marker `[n]`: links are
//!   numbered from 1 in order of first appearance, the same URL keeps its
//!   number. Only links that pass `Link::parse` (`http`, `https`, `mailto`
//!   without dangerous headers, after resolving against `base`) are numbered
//!   and collected; `javascript:`, `data:`, `mailto:…?attach=`, unresolvable
//!   relative links and links within the page (`#…`) keep their text only, as
//!   do links without any text.
//!
//! What is dropped, with its content: `script`, `style`, `noscript`,
//! `template`, `iframe`, `frame`, `object`, `embed`, `applet`, `svg`,
//! `canvas`, `audio`, `video`, form controls (`button`, `input`, `select`,
//! `textarea`, `datalist`), the document's `head` (`title`, `meta`, `link`,
//! `base`), and elements that are not rendered (`hidden` attribute, or an
//! inline style with `display:none` / `visibility:hidden`). `nav`, `aside`,
//! `header` and `footer` are kept as ordinary blocks: inside a feed entry's
//! content they are part of what its author wrote (a pull quote, a byline,
//! a note), and for web pages the page chrome is removed before this runs
//! (by readability, see [`crate::import::page`]).
//!
//! HTML as feeds mostly write it (paragraphs, line breaks, links, images,
//! emphasis and simple lists, properly nested, with the common entities) is
//! read by a fast path that gives the walker the elements and text
//! html5ever would put in its tree, without building it: several times
//! faster. Anything it is not sure to read exactly as html5ever does goes
//! through the tree ([`html_to_text_tree`]); the tests check the two
//! against each other.

use std::borrow::Cow;

use dom_query::NodeRef;

use crate::import::html_parse::{self, Cut};
use unicode_width::UnicodeWidthChar;
use url::Url;

/// Text extracted from HTML: paragraphs and the links their `[n]` markers
/// point to (`links[n - 1]`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HtmlText {
    /// Paragraphs in order; lines within a paragraph are separated by `\n`.
    pub paragraphs: Vec<String>,
    /// Absolute URLs of the numbered links, in order of their numbers.
    pub links: Vec<String>,
    /// Where the markup stopped being read as markup (see
    /// [`crate::import::html_parse`]): the paragraphs then hold a note
    /// saying so ([`CUT_NOTE`]) and the rest of the text, read as plain text.
    pub cut: Option<Cut>,
}

/// How the paragraph that says where HTML was cut starts (see [`HtmlText::cut`]).
pub const CUT_NOTE: &str = "⚠ kanbao: ";

/// Converts HTML (a fragment or a whole document) to paragraphs and numbered
/// links; relative links are resolved against `base`. See the module
/// documentation for the rules.
///
/// ```
/// use kanbao_core::html_text::html_to_text;
/// let base = url::Url::parse("https://example.org/news/").unwrap();
/// let t = html_to_text(r#"<p>详见<a href="a.html">报道</a>。</p><p>第二段</p>"#, Some(&base));
/// assert_eq!(t.paragraphs, ["详见报道[1]。", "第二段"]);
/// assert_eq!(t.links, ["https://example.org/news/a.html"]);
/// ```
pub fn html_to_text(html: &str, base: Option<&Url>) -> HtmlText {
    fast::html_to_text(html, base).unwrap_or_else(|| html_to_text_tree(html, base))
}

/// [`html_to_text`] the slow way, always through the parsed tree. Not part
/// of the API: the reference the tests check the fast way against.
#[doc(hidden)]
pub fn html_to_text_tree(html: &str, base: Option<&Url>) -> HtmlText {
    let parsed = html_parse::parse(html, true);
    let mut w = Walker::new(base);
    w.walk(parsed.doc.root());
    w.flush();
    let mut paragraphs = w.out;
    if let Some(cut) = &parsed.cut {
        push_rest(&mut paragraphs, html, cut);
    }
    HtmlText {
        paragraphs,
        links: w.links,
        cut: parsed.cut,
    }
}

/// After the paragraphs read from the tree: the note that the markup was
/// cut, and the rest of `html` as plain text.
pub(crate) fn push_rest(paragraphs: &mut Vec<String>, html: &str, cut: &Cut) {
    paragraphs.push(format!("{CUT_NOTE}{}", cut.message()));
    paragraphs.extend(html_parse::plain_text(&html[cut.at..]));
}

/// One line of plain text from HTML, for titles given as HTML: tags
/// stripped, entities decoded, all whitespace (line breaks too) collapsed to
/// single spaces, trimmed.
///
/// ```
/// use kanbao_core::html_text::html_to_plain_line;
/// assert_eq!(html_to_plain_line("<b>示例</b>&amp;日报\n  <i>Daily</i>"), "示例&日报 Daily");
/// ```
pub fn html_to_plain_line(html: &str) -> String {
    let parsed = html_parse::parse(html, true);
    let mut line = Collapser::default();
    let mut stack = vec![parsed.doc.root()];
    while let Some(node) = stack.pop() {
        if node.is_text() {
            line.text(&node.text());
        } else if node.is_element() || node.is_fragment() || node.is_document() {
            if node.is_element() && is_dropped(&node) {
                continue;
            }
            if node.is_element() {
                let name = element_name(&node);
                if name == "br" || !is_inline(&name) {
                    // Line breaks and block boundaries are word boundaries.
                    line.space(false);
                }
            }
            stack.extend(node.children_it(true));
        }
    }
    if let Some(cut) = &parsed.cut {
        // The text is kept; a title has no room for a note.
        for p in html_parse::plain_text(&html[cut.at..]) {
            line.space(false);
            line.text(&p);
        }
    }
    line.text
}

/// Elements removed together with everything inside them.
const DROPPED: &[&str] = &[
    "applet", "audio", "base", "button", "canvas", "datalist", "embed", "frame", "frameset",
    "head", "iframe", "input", "link", "meta", "noscript", "object", "script", "select", "style",
    "svg", "template", "textarea", "title", "video",
];

/// Elements that start and end a paragraph.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "caption",
    "center",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "html",
    "legend",
    "li",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "search",
    "section",
    "summary",
    "table",
    "tbody",
    "tfoot",
    "thead",
    "tr",
    "ul",
];

fn element_name(node: &NodeRef) -> String {
    node.node_name()
        .map(|n| n.to_ascii_lowercase())
        .unwrap_or_default()
}

/// An element as the walker sees it: its name and attributes (in the tree
/// html5ever built, or as the fast path read them).
trait Element {
    /// The name, in lower case.
    fn name(&self) -> Cow<'_, str>;
    /// The value of an attribute (named in lower case).
    fn attr(&self, name: &str) -> Option<Cow<'_, str>>;

    /// Whether it starts and ends a paragraph ([`BLOCKS`]).
    fn is_block(&self) -> bool {
        !is_inline(&self.name())
    }

    /// Whether it is dropped with its content whatever its attributes ([`DROPPED`]).
    fn is_dropped_by_name(&self) -> bool {
        DROPPED.binary_search(&self.name().as_ref()).is_ok()
    }
}

impl Element for NodeRef<'_> {
    fn name(&self) -> Cow<'_, str> {
        Cow::Owned(element_name(self))
    }

    fn attr(&self, name: &str) -> Option<Cow<'_, str>> {
        NodeRef::attr(self, name).map(|v| Cow::Owned(v.to_string()))
    }
}

fn is_inline(name: &str) -> bool {
    BLOCKS.binary_search(&name).is_err()
}

/// Whether an element is dropped with its content: see [`DROPPED`], and
/// elements a browser would not render.
fn is_dropped(node: &impl Element) -> bool {
    if node.is_dropped_by_name() || node.attr("hidden").is_some() {
        return true;
    }
    node.attr("style").is_some_and(|style| {
        let style: String = style
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        style.contains("display:none") || style.contains("visibility:hidden")
    })
}

/// ASCII whitespace, the only whitespace HTML collapses.
fn is_html_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{c}')
}

/// Where the first HTML whitespace is in `bytes` (else its length).
fn next_html_space(bytes: &[u8]) -> usize {
    let common = memchr::memchr3(b' ', b'\n', b'\t', bytes).unwrap_or(bytes.len());
    memchr::memchr2(b'\r', b'\x0c', &bytes[..common]).unwrap_or(common)
}

/// East Asian wide or fullwidth, but not Hangul: a line break between two
/// such characters is removed rather than turned into a space (CSS Text 3,
/// segment break transformation).
fn is_wide_non_hangul(c: char) -> bool {
    let hangul = matches!(c,
        '\u{1100}'..='\u{11ff}' | '\u{3130}'..='\u{318f}' | '\u{a960}'..='\u{a97f}'
        | '\u{ac00}'..='\u{d7ff}');
    !hangul && c.width() == Some(2)
}

/// Whitespace collapsing for one run of text.
#[derive(Default)]
struct Collapser {
    text: String,
    /// Whitespace seen and not yet written: `Some(true)` when it held a line break.
    pending: Option<bool>,
}

impl Collapser {
    fn space(&mut self, newline: bool) {
        self.pending = Some(self.pending.unwrap_or(false) || newline);
    }

    fn text(&mut self, text: &str) {
        for c in text.chars() {
            if is_html_space(c) {
                self.space(matches!(c, '\n' | '\r'));
            } else {
                if let Some(newline) = self.pending.take()
                    && let Some(last) = self.text.chars().next_back()
                    && !(newline && is_wide_non_hangul(last) && is_wide_non_hangul(c))
                {
                    self.text.push(' ');
                }
                self.text.push(c);
            }
        }
    }
}

/// What must be undone when leaving an element.
#[derive(Clone, Copy, Default)]
struct Leave {
    block: bool,
    pre: bool,
    quote: bool,
    list: bool,
    item: bool,
    anchor: bool,
}

enum Step<'a> {
    Enter(NodeRef<'a>),
    Leave(Leave),
}

/// Whitespace (or a table cell separator) seen but not yet written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pending {
    None,
    Space { newline: bool },
    Cell,
}

struct List {
    ordered: bool,
    next: i64,
}

struct Item {
    marker: String,
}

/// Levels of quotes and of list items shown as indentation: deeper ones
/// are not indented further (hostile nesting would make the indentation of
/// each paragraph as long as the nesting is deep: quadratic output).
const MAX_INDENT: usize = 16;

struct Anchor {
    /// The numbered link, if it is one.
    url: Option<String>,
    /// [`Walker::emitted`] when the link started.
    emitted_at: u64,
}

struct Walker<'b> {
    base: Option<&'b Url>,
    out: Vec<String>,
    links: Vec<String>,
    /// The number of each link in `links`.
    numbers: std::collections::HashMap<String, usize>,
    /// The paragraph being built.
    cur: String,
    pending: Pending,
    /// Bytes of visible text written so far (to know whether a link had text).
    emitted: u64,
    pre: usize,
    quote: usize,
    lists: Vec<List>,
    items: Vec<Item>,
    /// How many of `items` (from the outermost) have shown their marker.
    used_items: usize,
    anchors: Vec<Anchor>,
}

impl<'b> Walker<'b> {
    fn new(base: Option<&'b Url>) -> Walker<'b> {
        Walker {
            base,
            out: Vec::new(),
            links: Vec::new(),
            numbers: std::collections::HashMap::new(),
            cur: String::new(),
            pending: Pending::None,
            emitted: 0,
            pre: 0,
            quote: 0,
            lists: Vec::new(),
            items: Vec::new(),
            used_items: 0,
            anchors: Vec::new(),
        }
    }

    /// Walks the tree without recursion (hostile HTML can nest very deeply).
    fn walk(&mut self, root: NodeRef) {
        let mut stack = vec![Step::Enter(root)];
        while let Some(step) = stack.pop() {
            match step {
                Step::Leave(leave) => self.leave(leave),
                Step::Enter(node) => {
                    if node.is_text() {
                        self.text(&node.text());
                    } else if node.is_element() {
                        if let Some(leave) = self.enter(&node) {
                            stack.push(Step::Leave(leave));
                            stack.extend(node.children_it(true).map(Step::Enter));
                        }
                    } else if node.is_document() || node.is_fragment() {
                        stack.extend(node.children_it(true).map(Step::Enter));
                    }
                }
            }
        }
    }

    /// Starts an element; `None` when its content is to be skipped.
    fn enter(&mut self, node: &impl Element) -> Option<Leave> {
        if is_dropped(node) {
            return None;
        }
        let name = node.name();
        let mut leave = Leave {
            block: node.is_block(),
            ..Leave::default()
        };
        if leave.block {
            self.flush();
        }
        match name.as_ref() {
            "br" => self.line_break(),
            "img" => {
                let alt = node.attr("alt").unwrap_or_default();
                let mut c = Collapser::default();
                c.text(&alt);
                if !c.text.is_empty() {
                    self.atom(&format!("[{}]", c.text));
                }
            }
            "td" | "th" if !self.cur.trim().is_empty() => self.pending = Pending::Cell,
            "a" => {
                let url = node.attr("href").and_then(|href| self.resolve(&href));
                self.anchors.push(Anchor {
                    url,
                    emitted_at: self.emitted,
                });
                leave.anchor = true;
            }
            "pre" => {
                self.pre += 1;
                leave.pre = true;
            }
            "blockquote" => {
                self.quote += 1;
                leave.quote = true;
            }
            "ul" | "ol" | "menu" => {
                let start = node.attr("start").and_then(|s| s.trim().parse().ok());
                self.lists.push(List {
                    ordered: name == "ol",
                    next: start.unwrap_or(1),
                });
                leave.list = true;
            }
            "li" => {
                let marker = match self.lists.last_mut() {
                    Some(list) if list.ordered => {
                        if let Some(v) = node.attr("value").and_then(|s| s.trim().parse().ok()) {
                            list.next = v;
                        }
                        let n = list.next;
                        list.next += 1;
                        format!("{n}. ")
                    }
                    _ => "• ".to_owned(),
                };
                self.items.push(Item { marker });
                leave.item = true;
            }
            _ => {}
        }
        Some(leave)
    }

    fn leave(&mut self, leave: Leave) {
        if leave.anchor
            && let Some(anchor) = self.anchors.pop()
            && let Some(url) = anchor.url
            && self.emitted > anchor.emitted_at
        {
            // Numbered through a map: a page of a million distinct links
            // made looking each up among the others quadratic.
            let next = self.links.len() + 1;
            let n = *self.numbers.entry(url.clone()).or_insert(next);
            if n == next {
                self.links.push(url);
            }
            self.marker(&format!("[{n}]"));
        }
        if leave.block {
            self.flush();
        }
        if leave.pre {
            self.pre -= 1;
        }
        if leave.quote {
            self.quote -= 1;
        }
        if leave.list {
            self.lists.pop();
        }
        if leave.item {
            self.items.pop();
            self.used_items = self.used_items.min(self.items.len());
        }
    }

    /// Resolves an `href`; only web and mail links, and not links within the page.
    fn resolve(&self, href: &str) -> Option<String> {
        let href = href.trim();
        if href.is_empty() || href.starts_with('#') {
            return None;
        }
        let url = match Url::parse(href) {
            Ok(url) => url,
            Err(url::ParseError::RelativeUrlWithoutBase) => self.base?.join(href).ok()?,
            Err(_) => return None,
        };
        // The one check of every URL that may leave kanbao: a link that
        // fails it keeps its text, unnumbered.
        crate::model::link::Link::parse(url.as_str())
            .ok()
            .map(String::from)
    }

    fn text(&mut self, text: &str) {
        if self.pre > 0 {
            self.pending = Pending::None;
            self.cur.push_str(text);
            self.emitted += text.len() as u64;
            return;
        }
        let mut rest = text;
        while !rest.is_empty() {
            // Whitespace…
            let spaces = rest
                .bytes()
                .take_while(|&b| is_html_space(char::from(b)))
                .count();
            for b in rest[..spaces].bytes() {
                let newline = matches!(b, b'\n' | b'\r');
                self.pending = match self.pending {
                    Pending::Space { newline: n } => Pending::Space {
                        newline: n || newline,
                    },
                    Pending::Cell => Pending::Cell,
                    Pending::None => Pending::Space { newline },
                };
            }
            rest = &rest[spaces..];
            // …then a run of other characters, which only the first may be
            // separated from by what is pending.
            let run = next_html_space(rest.as_bytes());
            if let Some(first) = rest[..run].chars().next() {
                if self.pending != Pending::None {
                    self.write_pending(Some(first));
                }
                self.cur.push_str(&rest[..run]);
                self.emitted += run as u64;
            }
            rest = &rest[run..];
        }
    }

    /// Writes pending whitespace before `next` (if the paragraph or line has started).
    fn write_pending(&mut self, next: Option<char>) {
        let pending = std::mem::replace(&mut self.pending, Pending::None);
        let Some(last) = self.cur.chars().next_back() else {
            return;
        };
        if last == '\n' {
            return;
        }
        match pending {
            Pending::None => {}
            Pending::Cell => self.cur.push_str(" | "),
            Pending::Space { newline } => {
                let joined =
                    newline && is_wide_non_hangul(last) && next.is_some_and(is_wide_non_hangul);
                if !joined {
                    self.cur.push(' ');
                }
            }
        }
    }

    /// Inline text that is not from the document's text (image alt text).
    fn atom(&mut self, text: &str) {
        self.write_pending(None);
        self.cur.push_str(text);
        self.emitted += text.len() as u64;
    }

    /// A link marker, right after the link's text (pending whitespace stays after it).
    fn marker(&mut self, marker: &str) {
        let end = self.cur.trim_end_matches('\n').len();
        if end > 0 {
            self.cur.insert_str(end, marker);
        } else if let Some(last) = self.out.last_mut() {
            // The link's text ended a block that is already written.
            last.push_str(marker);
        }
    }

    fn line_break(&mut self) {
        self.pending = Pending::None;
        self.cur.push('\n');
    }

    /// Ends the current paragraph.
    fn flush(&mut self) {
        self.pending = Pending::None;
        let mut text = std::mem::take(&mut self.cur);
        if text.trim().is_empty() {
            return;
        }
        if self.quote == 0 && self.items.is_empty() && !text.contains('\n') {
            // One line, not indented: the paragraph is the line (as below).
            text.truncate(text.trim_end().len());
            self.out.push(text);
            return;
        }
        let lines: Vec<&str> = text.trim_end().split('\n').collect();
        let blank = lines.iter().take_while(|l| l.trim().is_empty()).count();
        let lines = &lines[blank..];
        let indent = "  ".repeat(self.quote.min(MAX_INDENT));
        let mut first = indent.clone();
        let mut rest = indent;
        let shown = self.items.len().saturating_sub(MAX_INDENT);
        for (i, item) in self.items.iter().enumerate().skip(shown) {
            let width = item.marker.chars().count();
            if i < self.used_items {
                first.push_str(&" ".repeat(width));
            } else {
                first.push_str(&item.marker);
            }
            rest.push_str(&" ".repeat(width));
        }
        self.used_items = self.items.len();
        let mut para = String::with_capacity(text.len() + first.len());
        for (i, line) in lines.iter().enumerate() {
            if i > 0 {
                para.push('\n');
            }
            if !line.trim().is_empty() {
                para.push_str(if i == 0 { &first } else { &rest });
                para.push_str(line.trim_end());
            }
        }
        self.out.push(para);
    }
}

/// The fast path of [`html_to_text`], for HTML as feeds mostly write it:
/// paragraphs, line breaks, links, images, emphasis and simple lists,
/// properly nested, with the common entities. It reads the markup itself and
/// drives the same [`Walker`] with the elements and text html5ever would
/// have put in the tree; whatever it is not sure to read exactly like
/// html5ever (any other element, misnested or implicitly closed elements,
/// comments, other entities, control characters, …) makes it give up
/// (`None`), and the HTML goes through html5ever. The tests check it
/// against the tree on the fixtures, on generated corpora and on random
/// markup.
mod fast {
    use std::borrow::Cow;

    use url::Url;

    use super::{Element, HtmlText, Leave, Walker};

    /// How html5ever's tree builder treats an element (in the "in body"
    /// insertion mode of a fragment), for the elements read here.
    #[derive(Clone, Copy, PartialEq, Eq)]
    pub(super) enum Kind {
        /// Closes an open `p` (`address`-like elements, lists, `li`).
        Block,
        Heading,
        List,
        Item,
        Anchor,
        /// Formatting elements and "any other" inline elements.
        Inline,
        /// No content, no end tag.
        Void,
        /// `hr`: void, and closes an open `p`.
        VoidBlock,
    }

    /// The elements read here, by lower-case name.
    pub(super) const ELEMENTS: &[(&str, Kind)] = &[
        ("p", Kind::Block),
        ("div", Kind::Block),
        ("blockquote", Kind::Block),
        ("section", Kind::Block),
        ("article", Kind::Block),
        ("header", Kind::Block),
        ("footer", Kind::Block),
        ("aside", Kind::Block),
        ("nav", Kind::Block),
        ("main", Kind::Block),
        ("center", Kind::Block),
        ("figure", Kind::Block),
        ("figcaption", Kind::Block),
        ("h1", Kind::Heading),
        ("h2", Kind::Heading),
        ("h3", Kind::Heading),
        ("h4", Kind::Heading),
        ("h5", Kind::Heading),
        ("h6", Kind::Heading),
        ("ul", Kind::List),
        ("ol", Kind::List),
        ("li", Kind::Item),
        ("a", Kind::Anchor),
        ("b", Kind::Inline),
        ("big", Kind::Inline),
        ("code", Kind::Inline),
        ("em", Kind::Inline),
        ("font", Kind::Inline),
        ("i", Kind::Inline),
        ("s", Kind::Inline),
        ("small", Kind::Inline),
        ("strike", Kind::Inline),
        ("strong", Kind::Inline),
        ("tt", Kind::Inline),
        ("u", Kind::Inline),
        ("span", Kind::Inline),
        ("sub", Kind::Inline),
        ("sup", Kind::Inline),
        ("cite", Kind::Inline),
        ("q", Kind::Inline),
        ("abbr", Kind::Inline),
        ("mark", Kind::Inline),
        ("time", Kind::Inline),
        ("var", Kind::Inline),
        ("kbd", Kind::Inline),
        ("samp", Kind::Inline),
        ("dfn", Kind::Inline),
        ("ins", Kind::Inline),
        ("del", Kind::Inline),
        ("br", Kind::Void),
        ("img", Kind::Void),
        ("wbr", Kind::Void),
        ("hr", Kind::VoidBlock),
    ];

    /// Most attributes of one tag read here (feeds write a few).
    const FAST_ATTRS: usize = 32;

    /// An element read here, by its name in any case.
    fn kind(name: &str) -> Option<(&'static str, Kind)> {
        ELEMENTS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .copied()
    }

    impl Kind {
        /// Whether elements of this kind are in [`super::BLOCKS`].
        pub(super) fn is_block(self) -> bool {
            !matches!(self, Kind::Anchor | Kind::Inline | Kind::Void)
        }
    }

    /// An element as read from a start tag.
    struct Tag<'h> {
        name: &'static str,
        block: bool,
        /// Names in lower case; the first of the same name counts, as in html5ever.
        attrs: Vec<(String, Cow<'h, str>)>,
    }

    impl Element for Tag<'_> {
        fn name(&self) -> Cow<'_, str> {
            Cow::Borrowed(self.name)
        }

        fn attr(&self, name: &str) -> Option<Cow<'_, str>> {
            self.attrs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| Cow::Borrowed(v.as_ref()))
        }

        fn is_block(&self) -> bool {
            self.block
        }

        fn is_dropped_by_name(&self) -> bool {
            // None of the elements read here is.
            false
        }
    }

    enum Token<'h> {
        Start {
            tag: Tag<'h>,
            kind: Kind,
        },
        End(&'static str),
        /// A `<` that starts no markup: text.
        Less,
    }

    /// An open element: its name, how it is built, and what leaving it undoes.
    struct Open {
        name: &'static str,
        kind: Kind,
        leave: Leave,
    }

    /// Whether `bytes` has control characters other than tab, line feed
    /// and form feed: NUL, carriage returns (which html5ever turns into line
    /// feeds) and others, left to html5ever. (No early exit, so that the
    /// compiler can check many bytes at once.)
    fn has_controls(bytes: &[u8]) -> bool {
        bytes.iter().fold(false, |found, &b| {
            found | ((b < 0x20) & (b != b'\t') & (b != b'\n') & (b != 0x0c)) | (b == 0x7f)
        })
    }

    /// Deepest nesting read here; deeper HTML is read by html5ever within
    /// the parse budget (real feeds nest a handful of levels).
    const FAST_MAX_DEPTH: usize = 64;

    pub(super) fn html_to_text(html: &str, base: Option<&Url>) -> Option<HtmlText> {
        // html5ever drops a leading byte order mark.
        if html.starts_with('\u{feff}') || has_controls(html.as_bytes()) {
            return None;
        }
        let mut w = Walker::new(base);
        // A fragment is parsed into an `html` element, which the walker enters.
        let root = w.enter(&Tag {
            name: "html",
            block: true,
            attrs: Vec::new(),
        })?;
        let mut stack = Stack::default();
        let bytes = html.as_bytes();
        let mut i = 0;
        // Text goes to the walker piece by piece, which comes to the same as
        // the whole text node at once.
        while i < bytes.len() {
            let run = memchr::memchr2(b'<', b'&', &bytes[i..]).map_or(bytes.len(), |n| i + n);
            if run > i {
                w.text(&html[i..run]);
            }
            i = run;
            let Some(&b) = bytes.get(i) else { break };
            if b == b'&' {
                let (c, next) = reference(html, i)?;
                w.text(c.unwrap_or('&').encode_utf8(&mut [0; 4]));
                i = next;
            } else {
                let (token, next) = markup(html, i)?;
                i = next;
                match token {
                    Token::Start { tag, kind } => {
                        // Deep nesting goes through html5ever and its budget.
                        if !stack.builds_as_written(kind) || stack.open.len() >= FAST_MAX_DEPTH {
                            return None;
                        }
                        // `None` for an element dropped with its content.
                        let leave = w.enter(&tag)?;
                        if matches!(kind, Kind::Void | Kind::VoidBlock) {
                            w.leave(leave);
                        } else {
                            stack.push(Open {
                                name: tag.name,
                                kind,
                                leave,
                            });
                            if stack.too_deep() {
                                return None;
                            }
                        }
                    }
                    Token::End(name) => match stack.pop() {
                        Some(open) if open.name == name => w.leave(open.leave),
                        _ => return None,
                    },
                    Token::Less => w.text("<"),
                }
            }
        }
        // The end of the input closes what is still open.
        while let Some(open) = stack.pop() {
            w.leave(open.leave);
        }
        w.leave(root);
        w.flush();
        Some(HtmlText {
            paragraphs: w.out,
            links: w.links,
            cut: None,
        })
    }

    /// The open elements, with counts of those that matter to
    /// [`Stack::builds_as_written`] (so that deep nesting costs no more).
    #[derive(Default)]
    struct Stack {
        open: Vec<Open>,
        paragraphs: usize,
        headings: usize,
        anchors: usize,
    }

    impl Stack {
        fn counter(&mut self, open: &Open) -> Option<&mut usize> {
            match open.kind {
                Kind::Block if open.name == "p" => Some(&mut self.paragraphs),
                Kind::Heading => Some(&mut self.headings),
                Kind::Anchor => Some(&mut self.anchors),
                _ => None,
            }
        }

        fn push(&mut self, open: Open) {
            if let Some(n) = self.counter(&open) {
                *n += 1;
            }
            self.open.push(open);
        }

        /// Whether the elements nest deeper than the tree would be read
        /// ([`crate::import::html_parse::MAX_DEPTH`]): then the tree path
        /// reads it, cut there, so both paths give the same.
        fn too_deep(&self) -> bool {
            self.open.len() + 2 >= crate::import::html_parse::limits().2
        }

        fn pop(&mut self) -> Option<Open> {
            let open = self.open.pop()?;
            if let Some(n) = self.counter(&open) {
                *n -= 1;
            }
            Some(open)
        }

        /// Whether html5ever puts an element of `kind` as the child of the
        /// current element, as written, rather than closing elements first
        /// or reparenting: properly nested elements do, except for the
        /// elements that close an open `p`, a heading in a heading, an `li`
        /// outside a list, and a link in a link.
        fn builds_as_written(&self, kind: Kind) -> bool {
            let no_p = self.paragraphs == 0;
            match kind {
                Kind::Block | Kind::List | Kind::VoidBlock => no_p,
                Kind::Heading => no_p && self.headings == 0,
                Kind::Item => no_p && self.open.last().is_some_and(|o| o.kind == Kind::List),
                Kind::Anchor => self.anchors == 0,
                Kind::Inline | Kind::Void => true,
            }
        }
    }

    fn is_space(b: u8) -> bool {
        matches!(b, b' ' | b'\t' | b'\n' | b'\x0c')
    }

    /// The markup at `html[i] == '<'`, and where it ends; `None` for
    /// markup not read here.
    fn markup(html: &str, i: usize) -> Option<(Token<'_>, usize)> {
        let bytes = html.as_bytes();
        let mut j = i + 1;
        let end = bytes.get(j) == Some(&b'/');
        if end {
            j += 1;
        }
        match bytes.get(j) {
            Some(b) if b.is_ascii_alphabetic() => {}
            // `</`, `<!`, `<?`: end tags without a name, comments,
            // declarations, processing instructions.
            _ if end => return None,
            Some(b'!' | b'?') => return None,
            // A `<` that starts no tag is text.
            _ => return Some((Token::Less, i + 1)),
        }
        let start = j;
        while j < bytes.len() && !is_space(bytes[j]) && bytes[j] != b'/' && bytes[j] != b'>' {
            j += 1;
        }
        let (name, kind) = kind(&html[start..j])?;
        if end {
            if bytes.get(j) != Some(&b'>') || matches!(kind, Kind::Void | Kind::VoidBlock) {
                return None;
            }
            return Some((Token::End(name), j + 1));
        }
        let mut tag = Tag {
            name,
            block: kind.is_block(),
            attrs: Vec::new(),
        };
        loop {
            while j < bytes.len() && is_space(bytes[j]) {
                j += 1;
            }
            match *bytes.get(j)? {
                b'>' => return Some((Token::Start { tag, kind }, j + 1)),
                b'/' => {
                    // Self-closing: only void elements are (html5ever ignores it on others).
                    if bytes.get(j + 1) != Some(&b'>')
                        || !matches!(kind, Kind::Void | Kind::VoidBlock)
                    {
                        return None;
                    }
                    return Some((Token::Start { tag, kind }, j + 2));
                }
                _ => {}
            }
            let start = j;
            while j < bytes.len()
                && (bytes[j].is_ascii_alphanumeric()
                    || matches!(bytes[j], b'-' | b'_' | b':' | b'.'))
            {
                j += 1;
            }
            if j == start {
                return None;
            }
            let name = html[start..j].to_ascii_lowercase();
            while j < bytes.len() && is_space(bytes[j]) {
                j += 1;
            }
            let mut value = Cow::Borrowed("");
            if bytes.get(j) == Some(&b'=') {
                j += 1;
                while j < bytes.len() && is_space(bytes[j]) {
                    j += 1;
                }
                let (raw, next) = match *bytes.get(j)? {
                    q @ (b'"' | b'\'') => {
                        let len = bytes[j + 1..].iter().position(|&b| b == q)?;
                        let next = j + 1 + len + 1;
                        // Another attribute must not follow without a space.
                        if !bytes
                            .get(next)
                            .is_some_and(|&b| is_space(b) || b == b'>' || b == b'/')
                        {
                            return None;
                        }
                        (&html[j + 1..j + 1 + len], next)
                    }
                    _ => {
                        let len = bytes[j..]
                            .iter()
                            .position(|&b| is_space(b) || b == b'>')
                            .unwrap_or(bytes.len() - j);
                        let raw = &html[j..j + len];
                        if len == 0 || raw.contains(['"', '\'', '<', '=', '`']) {
                            return None;
                        }
                        (raw, j + len)
                    }
                };
                value = decode(raw)?;
                j = next;
            } else if !bytes
                .get(j)
                .is_some_and(|&b| b == b'>' || b == b'/' || b.is_ascii_alphabetic())
            {
                return None;
            }
            if !tag.attrs.iter().any(|(n, _)| *n == name) {
                if tag.attrs.len() == FAST_ATTRS {
                    // Checking each against the others would be quadratic:
                    // the tree reads it, within its budget.
                    return None;
                }
                tag.attrs.push((name, value));
            }
        }
    }

    /// An attribute value with its character references decoded.
    fn decode(raw: &str) -> Option<Cow<'_, str>> {
        if raw
            .bytes()
            .any(|b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\x0c')) || b == 0x7f)
        {
            return None;
        }
        if !raw.contains('&') {
            return Some(Cow::Borrowed(raw));
        }
        let mut out = String::with_capacity(raw.len());
        let mut i = 0;
        while let Some(n) = raw[i..].find('&') {
            out.push_str(&raw[i..i + n]);
            let (c, next) = reference(raw, i + n)?;
            out.push(c.unwrap_or('&'));
            i = next;
        }
        out.push_str(&raw[i..]);
        Some(Cow::Owned(out))
    }

    /// Names of the character references html5ever also reads without the
    /// final `;` (the "legacy" ones of the HTML standard).
    const LEGACY: &[&str] = &[
        "AElig", "AMP", "Aacute", "Acirc", "Agrave", "Aring", "Atilde", "Auml", "COPY", "Ccedil",
        "ETH", "Eacute", "Ecirc", "Egrave", "Euml", "GT", "Iacute", "Icirc", "Igrave", "Iuml",
        "LT", "Ntilde", "Oacute", "Ocirc", "Ograve", "Oslash", "Otilde", "Ouml", "QUOT", "REG",
        "THORN", "Uacute", "Ucirc", "Ugrave", "Uuml", "Yacute", "aacute", "acirc", "acute",
        "aelig", "agrave", "amp", "aring", "atilde", "auml", "brvbar", "ccedil", "cedil", "cent",
        "copy", "curren", "deg", "divide", "eacute", "ecirc", "egrave", "eth", "euml", "frac12",
        "frac14", "frac34", "gt", "iacute", "icirc", "iexcl", "igrave", "iquest", "iuml", "laquo",
        "lt", "macr", "micro", "middot", "nbsp", "not", "ntilde", "oacute", "ocirc", "ograve",
        "ordf", "ordm", "oslash", "otilde", "ouml", "para", "plusmn", "pound", "quot", "raquo",
        "reg", "sect", "shy", "sup1", "sup2", "sup3", "szlig", "thorn", "times", "uacute", "ucirc",
        "ugrave", "uml", "uuml", "yacute", "yen", "yuml",
    ];

    /// The named references read here (with their `;`).
    const NAMED: &[(&str, char)] = &[
        ("amp", '&'),
        ("lt", '<'),
        ("gt", '>'),
        ("quot", '"'),
        ("apos", '\''),
        ("nbsp", '\u{a0}'),
        ("ldquo", '\u{201c}'),
        ("rdquo", '\u{201d}'),
        ("lsquo", '\u{2018}'),
        ("rsquo", '\u{2019}'),
        ("mdash", '\u{2014}'),
        ("ndash", '\u{2013}'),
        ("hellip", '\u{2026}'),
        ("middot", '\u{b7}'),
        ("bull", '\u{2022}'),
        ("copy", '\u{a9}'),
        ("reg", '\u{ae}'),
        ("times", '\u{d7}'),
        ("divide", '\u{f7}'),
        ("deg", '\u{b0}'),
        ("yen", '\u{a5}'),
        ("ensp", '\u{2002}'),
        ("emsp", '\u{2003}'),
        ("thinsp", '\u{2009}'),
    ];

    /// The character reference at `s[i] == '&'` and where it ends:
    /// `Some(c)` for a reference, `None` for an `&` that is just text;
    /// `Err`-like `None` outside for references not read here.
    fn reference(s: &str, i: usize) -> Option<(Option<char>, usize)> {
        let bytes = s.as_bytes();
        let rest = &s[i + 1..];
        if let Some(num) = rest.strip_prefix('#') {
            let (hex, digits) = match num.strip_prefix(['x', 'X']) {
                Some(h) => (true, h),
                None => (false, num),
            };
            let len = digits
                .bytes()
                .take_while(|b| {
                    if hex {
                        b.is_ascii_hexdigit()
                    } else {
                        b.is_ascii_digit()
                    }
                })
                .count();
            if len == 0 || len > 8 || digits.as_bytes().get(len) != Some(&b';') {
                return None;
            }
            let value = u32::from_str_radix(&digits[..len], if hex { 16 } else { 10 }).ok()?;
            // Only plain characters: html5ever replaces or remaps NUL, C1
            // controls, surrogates and out-of-range values.
            let plain = matches!(value, 0x9 | 0xA | 0x20..=0x7E | 0xA0..=0xD7FF | 0xE000..=0xFDCF | 0xFDF0..=0xFFFD)
                || (0x1_0000..=0x10_FFFF).contains(&value) && value & 0xFFFE != 0xFFFE;
            if !plain {
                return None;
            }
            let end = i + 1 + (rest.len() - digits.len()) + len + 1;
            return Some((Some(char::from_u32(value)?), end));
        }
        let len = rest.bytes().take_while(u8::is_ascii_alphanumeric).count();
        if len == 0 {
            // Not a reference: the `&` is text.
            return Some((None, i + 1));
        }
        let name = &rest[..len];
        if bytes.get(i + 1 + len) == Some(&b';') {
            let &(_, c) = NAMED.iter().find(|(n, _)| *n == name)?;
            return Some((Some(c), i + 1 + len + 1));
        }
        // Without `;`, a legacy name at its start would be read.
        if LEGACY.iter().any(|l| name.starts_with(l)) {
            return None;
        }
        Some((None, i + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(html: &str) -> Vec<String> {
        html_to_text(html, None).paragraphs
    }

    fn base() -> Url {
        Url::parse("https://example.org/news/2024/").unwrap()
    }

    #[test]
    fn blocks_separate_paragraphs() {
        let html = "<div>示例日报讯</div><p>第一段。</p><section><h2>小标题</h2><article>正文</article></section>\
                    前文<hr>后文<figure><img src=x alt=图><figcaption>图说</figcaption></figure>";
        assert_eq!(
            text(html),
            [
                "示例日报讯",
                "第一段。",
                "小标题",
                "正文",
                "前文",
                "后文",
                "[图]",
                "图说"
            ]
        );
    }

    #[test]
    fn inline_elements_stay_in_the_paragraph() {
        assert_eq!(
            text("<p>今天<b>天气</b><em>很好</em>，<span>适合</span>出行。</p>"),
            ["今天天气很好，适合出行。"]
        );
    }

    #[test]
    fn br_is_a_line_break_inside_the_paragraph() {
        assert_eq!(
            text("<p>第一行<br>第二行 <br/> 第三行<br></p>"),
            ["第一行\n第二行\n第三行"]
        );
    }

    #[test]
    fn lists_become_bulleted_or_numbered_paragraphs() {
        assert_eq!(
            text("<ul><li>苹果</li><li>香蕉</li></ul><ol><li>一</li><li>二</li></ol>"),
            ["• 苹果", "• 香蕉", "1. 一", "2. 二"]
        );
        assert_eq!(
            text("<ol start=\"3\"><li>三</li><li value=\"7\">七</li><li>八</li></ol>"),
            ["3. 三", "7. 七", "8. 八"]
        );
    }

    #[test]
    fn nested_lists_and_item_paragraphs_are_indented() {
        let html =
            "<ul><li>水果<ul><li>苹果</li></ul></li><li><p>第一段</p><p>第二段</p></li></ul>";
        assert_eq!(text(html), ["• 水果", "  • 苹果", "• 第一段", "  第二段"]);
    }

    #[test]
    fn blockquotes_are_indented_per_level() {
        let html = "<p>他说：</p><blockquote><p>引文一</p><blockquote>再引<br>第二行</blockquote></blockquote><p>完</p>";
        assert_eq!(
            text(html),
            ["他说：", "  引文一", "    再引\n    第二行", "完"]
        );
    }

    #[test]
    fn entities_are_decoded() {
        assert_eq!(
            text("<p>示例&amp;日报 &lt;要闻&gt; &quot;引号&quot; &#x4E2D;&#25991; &copy;</p>"),
            ["示例&日报 <要闻> \"引号\" 中文 ©"]
        );
    }

    #[test]
    fn whitespace_collapses_like_a_browser() {
        assert_eq!(
            text("<p>\n   Hello,\t\n  world!   <b> bold </b> end \n</p>"),
            ["Hello, world! bold end"]
        );
        // A source line break between Chinese characters disappears…
        assert_eq!(text("<p>示例日报\n  记者报道</p>"), ["示例日报记者报道"]);
        // …but a space the author typed stays, and so does a break next to Latin text.
        assert_eq!(
            text("<p>示例 日报</p><p>示例\nDaily</p>"),
            ["示例 日报", "示例 Daily"]
        );
        // Full-width indentation and no-break spaces are not HTML whitespace.
        assert_eq!(
            text("<p>　　制造业是立市之本</p>"),
            ["　　制造业是立市之本"]
        );
    }

    #[test]
    fn pre_keeps_whitespace() {
        assert_eq!(
            text("<p>代码：</p><pre>\nfn main() {\n    println!(\"你好\");\n}\n</pre>"),
            ["代码：", "fn main() {\n    println!(\"你好\");\n}"]
        );
    }

    #[test]
    fn tables_give_one_paragraph_per_row() {
        let html = "<table><tr><th>城市</th><th>人口</th></tr><tr><td>嘉兴</td><td>555万</td></tr></table>";
        assert_eq!(text(html), ["城市 | 人口", "嘉兴 | 555万"]);
    }

    #[test]
    fn scripts_styles_and_embeds_are_dropped() {
        let html = "<p>正文<script>alert('x')</script><style>p{}</style></p>\
                    <noscript>请启用脚本</noscript><iframe src=x>框架</iframe><template>模板</template>\
                    <object>对象</object><embed src=x><svg><text>图形</text></svg>\
                    <p hidden>隐藏</p><p style=\"display: none\">也隐藏</p><button>分享</button>";
        assert_eq!(text(html), ["正文"]);
    }

    #[test]
    fn nav_aside_header_footer_in_content_are_kept_as_blocks() {
        let html = "<header>本报记者 张三</header><p>正文</p><aside>相关背景</aside><footer>（完）</footer>";
        assert_eq!(text(html), ["本报记者 张三", "正文", "相关背景", "（完）"]);
    }

    #[test]
    fn links_are_numbered_resolved_and_deduplicated() {
        let b = base();
        let html = r#"<p>据<a href="/about">示例日报</a>报道，<a href="a.html">详情</a>见
            <a href="https://example.org/about">官网</a>，来信<a href="mailto:news@example.org">联系</a>。
            <a href="a.html">again</a></p>"#;
        let t = html_to_text(html, Some(&b));
        assert_eq!(
            t.paragraphs,
            ["据示例日报[1]报道，详情[2]见官网[1]，来信联系[3]。 again[2]"]
        );
        assert_eq!(
            t.links,
            [
                "https://example.org/about",
                "https://example.org/news/2024/a.html",
                "mailto:news@example.org"
            ]
        );
    }

    #[test]
    fn only_web_and_mail_links_are_collected() {
        let b = base();
        let html = concat!(
            r#"<p><a href="javascript:alert(1)">脚本</a> <a href="data:text/html,x">数据</a> "#,
            r##"<a href="ftp://example.org/f">文件</a> <a href="#top">顶部</a> <a>锚点</a> "##,
            r#"<a href="https://example.org/x"></a><a href="https://example.org/y">有</a></p>"#,
        );
        let t = html_to_text(html, Some(&b));
        assert_eq!(t.paragraphs, ["脚本 数据 文件 顶部 锚点 有[1]"]);
        assert_eq!(t.links, ["https://example.org/y"]);
        // Relative links cannot be resolved without a base.
        let t = html_to_text(r#"<a href="a.html">相对</a>"#, None);
        assert_eq!((t.paragraphs, t.links), (vec!["相对".to_owned()], vec![]));
    }

    #[test]
    fn links_are_collected_only_when_they_pass_the_one_check() {
        let b = base();
        let html = concat!(
            r#"<p><a href="mailto:a@example.org?attach=/etc/passwd">附件</a> "#,
            r#"<a href="https://trusted.example@evil.example/">伪装</a> "#,
            r#"<a href="file:///etc/passwd">本地</a> "#,
            r#"<a href="JAVA&#10;SCRIPT:alert(1)">换行</a> "#,
            r#"<a href="mailto:a@example.org?subject=%E4%BD%A0%E5%A5%BD">信</a></p>"#,
        );
        let t = html_to_text(html, Some(&b));
        assert_eq!(t.paragraphs, ["附件 伪装 本地 换行 信[1]"]);
        assert_eq!(t.links, ["mailto:a@example.org?subject=%E4%BD%A0%E5%A5%BD"]);
    }

    #[test]
    fn many_distinct_links_are_numbered_in_order() {
        // A map, not a search among the links so far (quadratic).
        let html: String = (0..20_000)
            .map(|i| {
                format!(
                    "<a href=\"https://e.org/{i}\">x</a><a href=\"https://e.org/{}\">y</a>",
                    i / 2
                )
            })
            .collect();
        let t = html_to_text_tree(&html, None);
        assert_eq!(t.links.len(), 20_000);
        assert!(
            t.links
                .iter()
                .enumerate()
                .all(|(i, l)| *l == format!("https://e.org/{i}"))
        );
        assert!(t.paragraphs[0].starts_with("x[1]y[1]x[2]y[1]x[3]y[2]"));
    }

    #[test]
    fn link_marker_follows_the_text_not_the_space() {
        let b = base();
        let t = html_to_text(r#"<p><a href="a"> 示例 </a>日报</p>"#, Some(&b));
        assert_eq!(t.paragraphs, ["示例[1] 日报"]);
        let t = html_to_text(r#"<a href="a"><p>整段链接</p></a><p>下一段</p>"#, Some(&b));
        assert_eq!(t.paragraphs, ["整段链接[1]", "下一段"]);
    }

    #[test]
    fn images_show_their_alt_text() {
        let b = base();
        let t = html_to_text(
            r#"<p>图：<img src="a.jpg" alt=" 嘉兴 南湖 "><img src="b.jpg"><a href="p"><img alt="大图"></a></p>"#,
            Some(&b),
        );
        assert_eq!(t.paragraphs, ["图：[嘉兴 南湖][大图][1]"]);
    }

    #[test]
    fn plain_line_for_html_titles() {
        assert_eq!(
            html_to_plain_line("  <em>示例日报</em>：\n  嘉兴&amp;湖州 <script>x</script>"),
            "示例日报：嘉兴&湖州"
        );
        assert_eq!(html_to_plain_line("<p>A</p><p>B</p>"), "A B");
        assert_eq!(html_to_plain_line("第一行<br>第二行"), "第一行 第二行");
        assert_eq!(html_to_plain_line("纯文本 &lt;tag&gt;"), "纯文本 <tag>");
    }

    #[test]
    fn deep_nesting_is_indented_so_far_and_no_further() {
        // Found by fuzzing (`html`, seed budget-lists): each paragraph was
        // indented by its whole nesting, so 4,000 nested lists wrote 16 MB.
        for html in ["<ul><li>项".repeat(4000), "<blockquote><p>引".repeat(4000)] {
            for t in [html_to_text(&html, None), html_to_text_tree(&html, None)] {
                let size: usize = t.paragraphs.iter().map(String::len).sum();
                assert!(size < 4000 * (4 * MAX_INDENT + 16), "{size} bytes");
                let deepest = t
                    .paragraphs
                    .iter()
                    .map(|p| p.len() - p.trim_start().len())
                    .max();
                assert!(
                    deepest <= Some(2 * MAX_INDENT + 2 * MAX_INDENT),
                    "{deepest:?}"
                );
            }
        }
        // Within the limit, as before.
        let t = html_to_text("<ul><li>一<ul><li>二<ul><li>三</ul></ul></ul>", None);
        assert_eq!(t.paragraphs, ["• 一", "  • 二", "    • 三"]);
        // A tag with thousands of attributes is left to the tree (and its budget).
        let many: String = (0..1000).map(|i| format!(" a{i}")).collect();
        assert!(fast::html_to_text(&format!("<p{many}>x</p>"), None).is_none());
        // Thousands of blank lines before a quoted line cost no more than their length.
        let html = format!("<blockquote>{}引文</blockquote>", "<br>".repeat(100_000));
        assert_eq!(html_to_text(&html, None).paragraphs, ["  引文"]);
    }

    #[test]
    fn deep_nesting_does_not_overflow_the_stack() {
        // Built directly: html5ever itself takes quadratic time on deep nesting.
        let doc = dom_query::Document::fragment("<div></div>");
        let mut node = doc.select("div").nodes()[0];
        for _ in 0..200_000 {
            let child = doc.tree.new_element("div");
            node.append_child(&child);
            node = child;
        }
        node.set_text("深处");
        let mut w = Walker::new(None);
        w.walk(doc.root());
        w.flush();
        assert_eq!(w.out, ["深处"]);
    }

    // -----------------------------------------------------------------------
    // The fast path against html5ever's tree

    /// The fast path's result when it takes the HTML, checked against the tree.
    fn same_as_tree(html: &str, base: Option<&Url>) -> bool {
        let tree = html_to_text_tree(html, base);
        match fast::html_to_text(html, base) {
            Some(fast) => {
                assert_eq!(fast, tree, "fast path differs on {html:?}");
                true
            }
            None => false,
        }
    }

    #[test]
    fn the_fast_path_reads_common_feed_html_like_the_tree() {
        let b = base();
        let taken = [
            "",
            "纯文本，没有标签。",
            "<p>东方智造科技有限公司与海纳生物科技有限公司签署战略合作协议。</p>\n<p>第二段。</p>\n",
            "<P>大写</P><p >空格</p>",
            "<p>示例&amp;日报 &lt;要闻&gt; &quot;引号&quot; &#x4E2D;&#25991; &nbsp;&ldquo;引&rdquo;&hellip;</p>",
            "<p>Tom & Jerry, a &lt; b, &; &中 &#x4e2d;</p>",
            "<p>1 < 2 <3 <中</p>",
            "<p>第一行<br>第二行 <br/> 第三行<br /></p>",
            "<p>据<a href=\"/about\">示例日报</a>报道，<a href='a.html'>详情</a>见<a href=https://example.org/about>官网</a>。</p>",
            "<p><a href=\"https://e.org/?a=1&b=2&amp;c=3\">链接</a><a>无</a><a href=\"#top\">顶</a></p>",
            "<p>图：<img src=\"a.jpg\" alt=\" 嘉兴 南湖 \"><img src=b.jpg><a href=\"p\"><img alt=\"大图\"/></a></p>",
            "<p>今天<b>天气</b><em>很好</em>，<span class=\"x\">适合</span><strong><i>出行</i></strong>。</p>",
            "<div><p>嵌套</p><blockquote><p>引文</p></blockquote></div>",
            "<h2>小标题</h2><p>正文</p><hr><p>后文</p>",
            "<ul><li>苹果</li><li>香蕉</li></ul><ol start=\"3\"><li>三</li><li value=\"7\">七</li></ol>",
            "<ul><li>水果<ul><li>苹果</li></ul></li><li><p>第一段</p><p>第二段</p></li></ul>",
            "<p>\n   Hello,\t\n  world!   <b> bold </b> end \n</p><p>示例日报\n  记者报道</p>",
            "<p>未闭合<b>粗体",
            "<figure><img alt=\"图\"><figcaption>图说</figcaption></figure>",
            "<p><a href=\"a\"> 示例 </a>日报</p><a href=\"b\"><p>整段链接</p></a><p>下一段</p>",
            "<section><header>本报记者</header><p>正文<sub>1</sub><sup>2</sup></p><footer>（完）</footer></section>",
            "<b class=x class=y>重复属性</b><font color=red>红</font><wbr>",
        ];
        for html in taken {
            assert!(same_as_tree(html, Some(&b)), "not taken: {html:?}");
        }
        let left = [
            "<p>a<p>b",
            "<p>段<div>块</div></p>",
            "<b>a<i>b</b>c</i>",
            "<a href=x>a<a href=y>b</a></a>",
            "<!-- 注释 --><p>x</p>",
            "<p>\r\n</p>",
            "a\0b",
            "<script>x</script>",
            "<p hidden>隐藏</p>",
            "<span style=\"display: none\">隐藏</span>",
            "<table><tr><td>x</td></tr></table>",
            "<pre>\nx</pre>",
            "<p/>",
            "</br>",
            "&copy 2024",
            "&bogus;",
            "&#",
            "&#0;",
            "&#128;",
            "<li>无列表</li>",
            "<h1>a<h2>b</h2></h1>",
            "\u{feff}<p>x</p>",
            "<a href=\"a\"title=\"t\">x</a>",
            "<p>x</q>",
        ];
        for html in left {
            assert!(!same_as_tree(html, Some(&b)), "taken: {html:?}");
        }
    }

    /// Pieces of HTML, as feeds write it and as they should not.
    const PIECES: &[&str] = &[
        "<p>",
        "</p>",
        "<P>",
        "</P>",
        "<p class=\"lead\">",
        "<div>",
        "</div>",
        "<br>",
        "<br/>",
        "<br />",
        "</br>",
        "<b>",
        "</b>",
        "<i>",
        "</i>",
        "<em>",
        "</em>",
        "<strong>",
        "</strong>",
        "<span>",
        "</span>",
        "<span style=\"color:red\">",
        "<span style=\"display:none\">",
        "<a href=\"x.html\">",
        "<a href='/y'>",
        "<a href=https://e.org/z>",
        "<a href=\"?a=1&b=2\">",
        "<a href=\"?a=1&amp;b=2\">",
        "<a href=\"&copy=1\">",
        "<a>",
        "</a>",
        "<ul>",
        "</ul>",
        "<ol start=3>",
        "</ol>",
        "<li>",
        "</li>",
        "<li value=\"9\">",
        "<h2>",
        "</h2>",
        "<h3>",
        "</h3>",
        "<img alt=\"图\">",
        "<img src=a.jpg>",
        "<img alt='x'/>",
        "<blockquote>",
        "</blockquote>",
        "<hr>",
        "<hr/>",
        "<section>",
        "</section>",
        "<sub>",
        "</sub>",
        "<font color=red>",
        "</font>",
        "<wbr>",
        "<p hidden>",
        "<!-- c -->",
        "<pre>",
        "</pre>",
        "<table>",
        "<td>",
        "<script>",
        "</script>",
        "<p/>",
        "<b\n>",
        "<i class=a class=b>",
        "<a href=\"a\"title=\"t\">",
        "<x-y>",
        "</x-y>",
        "<?php ?>",
        "<!DOCTYPE html>",
        "&amp;",
        "&lt;",
        "&gt;",
        "&quot;",
        "&apos;",
        "&nbsp;",
        "&copy;",
        "&copy",
        "&copyx",
        "&#20013;",
        "&#x4e2d;",
        "&#X4E2D;",
        "&#0;",
        "&#13;",
        "&#128;",
        "&#xD800;",
        "&#1114112;",
        "&#65535;",
        "&#9;",
        "&bogus;",
        "&ldquo;",
        "&hellip;",
        "&AMP;",
        "&",
        "& ",
        "&;",
        "&#",
        "&#x;",
        "<",
        " < ",
        "<1",
        "</",
        "</ p>",
        "中文",
        "示例日报",
        "，",
        "。",
        "Hello",
        "world",
        "한국어",
        " ",
        "  ",
        "\n",
        "\t",
        "\u{c}",
        "\r\n",
        "\r",
        "\u{0}",
        "\u{1}",
        "\u{7f}",
        "\u{a0}",
        "\u{3000}",
        "\u{feff}",
    ];

    fn html_soup() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        proptest::collection::vec(proptest::sample::select(PIECES), 0..40).prop_map(|v| v.concat())
    }

    /// Text and inline markup, mostly as the fast path takes it.
    const INLINE: &[&str] = &[
        "中文",
        "示例日报",
        "，",
        "Hello",
        "world",
        " ",
        "  ",
        "\n",
        "\t",
        " \n ",
        "&amp;",
        "&lt;",
        "&nbsp;",
        "&#x4e2d;",
        "&ldquo;",
        "<br>",
        "<br/>",
        "<img alt=\"图\">",
        "<img src=x>",
        "< ",
        "&",
        "\u{3000}",
    ];

    /// Well-nested HTML of the elements the fast path reads.
    fn html_tree() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let leaf = proptest::collection::vec(proptest::sample::select(INLINE), 0..6)
            .prop_map(|v| v.concat());
        leaf.prop_recursive(4, 48, 4, |inner| {
            let tags = proptest::sample::select(
                &[
                    ("<p>", "</p>"),
                    ("<div>", "</div>"),
                    ("<b>", "</b>"),
                    ("<em>", "</em>"),
                    ("<span>", "</span>"),
                    ("<a href=\"a.html\">", "</a>"),
                    ("<a href=\"https://e.org/b\">", "</a>"),
                    ("<a href=\"#x\">", "</a>"),
                    ("<blockquote>", "</blockquote>"),
                    ("<h2>", "</h2>"),
                    ("<ul><li>", "</li></ul>"),
                    ("<ol start=2><li>", "</li><li>二</li></ol>"),
                    ("<li>", "</li>"),
                    ("<section>", "</section>"),
                    ("", ""),
                ][..],
            );
            (tags, proptest::collection::vec(inner, 0..4), any::<bool>()).prop_map(
                |((open, close), children, closed)| {
                    let mut html = open.to_owned();
                    html.push_str(&children.concat());
                    if closed {
                        html.push_str(close);
                    }
                    html
                },
            )
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

        /// Whatever the fast path takes, it reads as html5ever's tree does.
        #[test]
        fn the_fast_path_reads_any_html_it_takes_like_the_tree(html in html_soup()) {
            let b = base();
            same_as_tree(&html, Some(&b));
            same_as_tree(&html, None);
        }

        /// The same on well-nested HTML, most of which it takes.
        #[test]
        fn the_fast_path_reads_nested_html_like_the_tree(html in html_tree()) {
            let b = base();
            same_as_tree(&html, Some(&b));
        }
    }

    #[test]
    fn the_fast_path_takes_most_generated_nested_html() {
        use proptest::strategy::{Strategy, ValueTree};
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let (mut taken, runs) = (0, 500);
        for _ in 0..runs {
            let html = html_tree().new_tree(&mut runner).unwrap().current();
            taken += usize::from(same_as_tree(&html, None));
        }
        assert!(taken * 2 > runs, "only {taken} of {runs} taken");
    }

    #[test]
    fn block_and_dropped_names_are_sorted_for_binary_search() {
        assert!(BLOCKS.windows(2).all(|w| w[0] < w[1]));
        assert!(DROPPED.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn the_fast_paths_elements_are_blocks_or_not_as_listed() {
        for (name, kind) in fast::ELEMENTS {
            assert_eq!(kind.is_block(), !is_inline(name), "{name}");
            assert!(DROPPED.binary_search(name).is_err(), "{name}");
        }
        assert!(!is_inline("html"));
    }
}
