//! HTML to paragraphs of plain text, with numbered links (like newsboat).
//!
//! [`html_to_text`] walks the parsed tree (dom_query, i.e. html5ever, so
//! entities are decoded and broken markup is repaired the way a browser
//! repairs it) and lays the text out the way a browser would show it:
//!
//! - block elements (`p`, `div`, `section`, `article`, `h1`–`h6`, `pre`,
//!   table rows, `figure`/`figcaption`, `hr`, …) separate paragraphs;
//! - `<br>` is a line break inside a paragraph (`\n`);
//! - list items are paragraphs `• item`, or `1. item` in ordered lists (the
//!   `start` and `value` attributes are honoured); nested lists and further
//!   paragraphs of an item are indented under the item's text;
//! - paragraphs inside `<blockquote>` are indented by two spaces per level;
//! - table cells of one row are joined with ` | `;
//! - whitespace collapses like in a browser (not inside `<pre>`), including
//!   the CSS rule that a line break between two East Asian wide characters
//!   disappears (so `中文\n中文` in the source reads `中文中文`);
//! - `<img alt>` becomes `[alt]`; an image without alt text shows nothing;
//! - the text of a link `<a href>` is followed by a marker `[n]`: links are
//!   numbered from 1 in order of first appearance, the same URL keeps its
//!   number. Only `http`, `https` and `mailto` links (after resolving against
//!   `base`) are numbered and collected; `javascript:`, `data:`, unresolvable
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

use dom_query::{Document, NodeRef};
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
}

/// Converts HTML (a fragment or a whole document) to paragraphs and numbered
/// links; relative links are resolved against `base`. See the module
/// documentation for the rules.
///
/// ```
/// use kanbao::import::html_text::html_to_text;
/// let base = url::Url::parse("https://example.org/news/").unwrap();
/// let t = html_to_text(r#"<p>详见<a href="a.html">报道</a>。</p><p>第二段</p>"#, Some(&base));
/// assert_eq!(t.paragraphs, ["详见报道[1]。", "第二段"]);
/// assert_eq!(t.links, ["https://example.org/news/a.html"]);
/// ```
pub fn html_to_text(html: &str, base: Option<&Url>) -> HtmlText {
    let doc = Document::fragment(html);
    let mut w = Walker::new(base);
    w.walk(doc.root());
    w.flush();
    HtmlText {
        paragraphs: w.out,
        links: w.links,
    }
}

/// One line of plain text from HTML, for titles given as HTML: tags
/// stripped, entities decoded, all whitespace (line breaks too) collapsed to
/// single spaces, trimmed.
///
/// ```
/// use kanbao::import::html_text::html_to_plain_line;
/// assert_eq!(html_to_plain_line("<b>示例</b>&amp;日报\n  <i>Daily</i>"), "示例&日报 Daily");
/// ```
pub fn html_to_plain_line(html: &str) -> String {
    let doc = Document::fragment(html);
    let mut line = Collapser::default();
    let mut stack = vec![doc.root()];
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
    line.text
}

/// Elements removed together with everything inside them.
const DROPPED: &[&str] = &[
    "script", "style", "noscript", "template", "iframe", "frame", "frameset", "object", "embed",
    "applet", "svg", "canvas", "audio", "video", "button", "input", "select", "textarea",
    "datalist", "head", "title", "meta", "link", "base",
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

fn is_inline(name: &str) -> bool {
    !BLOCKS.contains(&name)
}

/// Whether an element is dropped with its content: see [`DROPPED`], and
/// elements a browser would not render.
fn is_dropped(node: &NodeRef) -> bool {
    let name = element_name(node);
    if DROPPED.contains(&name.as_str()) || node.has_attr("hidden") {
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
    used: bool,
}

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
    /// The paragraph being built.
    cur: String,
    pending: Pending,
    /// Visible characters written so far (to know whether a link had text).
    emitted: u64,
    pre: usize,
    quote: usize,
    lists: Vec<List>,
    items: Vec<Item>,
    anchors: Vec<Anchor>,
}

impl<'b> Walker<'b> {
    fn new(base: Option<&'b Url>) -> Walker<'b> {
        Walker {
            base,
            out: Vec::new(),
            links: Vec::new(),
            cur: String::new(),
            pending: Pending::None,
            emitted: 0,
            pre: 0,
            quote: 0,
            lists: Vec::new(),
            items: Vec::new(),
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
    fn enter(&mut self, node: &NodeRef) -> Option<Leave> {
        if is_dropped(node) {
            return None;
        }
        let name = element_name(node);
        let mut leave = Leave {
            block: !is_inline(&name),
            ..Leave::default()
        };
        if leave.block {
            self.flush();
        }
        match name.as_str() {
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
                self.items.push(Item {
                    marker,
                    used: false,
                });
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
            let n = match self.links.iter().position(|l| *l == url) {
                Some(i) => i + 1,
                None => {
                    self.links.push(url);
                    self.links.len()
                }
            };
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
        let web = matches!(url.scheme(), "http" | "https") && url.host().is_some();
        (web || url.scheme() == "mailto").then(|| url.to_string())
    }

    fn text(&mut self, text: &str) {
        if self.pre > 0 {
            self.pending = Pending::None;
            self.cur.push_str(text);
            self.emitted += text.chars().count() as u64;
            return;
        }
        for c in text.chars() {
            if is_html_space(c) {
                let newline = matches!(c, '\n' | '\r');
                self.pending = match self.pending {
                    Pending::Space { newline: n } => Pending::Space {
                        newline: n || newline,
                    },
                    Pending::Cell => Pending::Cell,
                    Pending::None => Pending::Space { newline },
                };
            } else {
                self.write_pending(Some(c));
                self.cur.push(c);
                self.emitted += 1;
            }
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
        self.emitted += text.chars().count() as u64;
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
        let text = std::mem::take(&mut self.cur);
        if text.trim().is_empty() {
            return;
        }
        let mut lines: Vec<&str> = text.trim_end().split('\n').collect();
        while lines.first().is_some_and(|l| l.trim().is_empty()) {
            lines.remove(0);
        }
        let indent = "  ".repeat(self.quote);
        let mut first = indent.clone();
        let mut rest = indent;
        for item in &mut self.items {
            let width = item.marker.chars().count();
            if item.used {
                first.push_str(&" ".repeat(width));
            } else {
                first.push_str(&item.marker);
                item.used = true;
            }
            rest.push_str(&" ".repeat(width));
        }
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
    fn deep_nesting_does_not_overflow_the_stack() {
        // Built directly: html5ever itself takes quadratic time on deep nesting.
        let doc = Document::fragment("<div></div>");
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
}
