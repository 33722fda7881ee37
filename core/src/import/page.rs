//! A web page (a news article), turned into one [`Article`].
//!
//! - **Charset**: a byte order mark wins; else `<meta charset>` or
//!   `<meta http-equiv="Content-Type" content="…; charset=…">` in the first
//!   8 KiB (GBK, GB2312, GB18030, Big5, Shift_JIS, … via encoding_rs, with
//!   the WHATWG label mapping: `gb2312` reads as GBK); else UTF-8 when the
//!   bytes are valid UTF-8, else GB18030 when they decode as that without
//!   error, else windows-1252. (An HTTP `Content-Type` header is not known
//!   here; a caller that has one can transcode first.)
//! - **Main content**: dom_smoothie's Readability, which removes navigation,
//!   ads, related-link boxes, comments and footers; its HTML goes through
//!   [`html_to_text`] for paragraphs and numbered links. A first paragraph
//!   that repeats the title is dropped. No main content is an error.
//! - **Links** resolve against the given `url` (where the page was fetched,
//!   as a browser would), else against `<link rel=canonical>` (for a saved
//!   page).
//! - **Metadata**: title from `og:title`, else Readability's title, else
//!   `<title>`; published from `article:published_time`, else the page's
//!   structured data (as Readability reads it), else a `<time datetime>` in
//!   the main content, else the first one in the page; authors from
//!   `<meta name=author>` (split at `,` `，` `、` `;`); source from
//!   `og:site_name`; section from `article:section`; url from the canonical
//!   link, else the given `url`; lang from `<html lang>`. The id is derived
//!   from the url by [`Article::finish`], so a page and the feed entry that
//!   links to it get the same id.

use dom_query::Document;
use dom_smoothie::Readability;
use encoding_rs::Encoding;
use url::Url;

use crate::diagnostic::Diagnostic;
use crate::import::Imported;
use crate::import::feed::normalize_lang;
use crate::import::html_parse;
use crate::import::html_text::{html_to_text, push_rest};
use crate::model::article::Article;
use crate::model::published::Published;

/// How much of the page is searched for a charset declaration.
const PRESCAN: usize = 8 * 1024;

/// Parses a web page into one article; `url` is where it came from, if known.
///
/// ```
/// let html = "<html lang=zh><head><title>标题</title></head><body><article><h1>标题</h1>\
///     <p>这是一篇足够长的文章正文，讲述了一个完全虚构的故事，用来演示网页导入的基本用法。</p>\
///     </article></body></html>";
/// let a = &kanbao_core::page::parse(html.as_bytes(), None).unwrap()[0];
/// assert_eq!(a.title, "标题");
/// assert_eq!(a.body.len(), 1);
/// ```
pub fn parse(html_bytes: &[u8], url: Option<&Url>) -> Imported {
    // The page and its content, parsed again, share one budget.
    html_parse::with_budget(
        Some(html_parse::SharedBudget::for_document(html_bytes.len())),
        || parse_unbudgeted(html_bytes, url),
    )
}

fn parse_unbudgeted(html_bytes: &[u8], url: Option<&Url>) -> Imported {
    let html = decode(html_bytes);
    let parsed = html_parse::parse(&html, false);
    let doc = parsed.doc;
    let meta = Meta::read(&doc, url);
    let base = url.cloned().or_else(|| meta.canonical.clone());
    let mut readability = Readability::with_document(doc, base.as_ref().map(Url::as_str), None)
        .map_err(|e| Diagnostic::new(format!("cannot read the page: {e}")))?;
    let found = readability
        .parse()
        .map_err(|e| Diagnostic::new(format!("no article text found in the page ({e})")))?;

    let title = choose_title(&meta, &found.title);

    let text = html_to_text(&found.content, base.as_ref());
    let mut body = text.paragraphs;
    if body.first().is_some_and(|p| p.trim() == title) {
        body.remove(0);
    }
    if let Some(cut) = &parsed.cut {
        // Readability saw the page up to the cut; the rest is plain text.
        push_rest(&mut body, &html, cut);
    }
    if body.iter().all(|p| p.trim().is_empty()) {
        return Err(Diagnostic::new("no article text found in the page"));
    }

    let content_time = || {
        html_parse::parse(&found.content, true)
            .doc
            .select("time[datetime]")
            .attr("datetime")
            .map(|t| t.to_string())
    };
    let published = [meta.published.clone(), found.published_time.clone()]
        .into_iter()
        .flatten()
        .chain(std::iter::once_with(content_time).flatten())
        .chain(meta.first_time.clone())
        .find_map(|t| Published::parse(&t, None).ok());

    let article = Article {
        title,
        body,
        published,
        source: meta.site_name.clone().or(found.site_name.clone()),
        authors: meta.authors.clone(),
        section: meta.section.clone().into_iter().collect(),
        url: meta.canonical.as_ref().or(url).map(|u| u.to_string()),
        lang: meta
            .lang
            .as_deref()
            .or(found.lang.as_deref())
            .and_then(normalize_lang),
        links: text.links,
        ..Article::default()
    };
    Ok(vec![article.finish()])
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `og:title`; else Readability's title when it found a better one than
/// `<title>` (from structured data, or by cutting off the site name); else
/// an `<h1>` that `<title>` starts with (Chinese sites write
/// `标题_频道_报名`, a separator Readability does not know); else `<title>`.
fn choose_title(meta: &Meta, readability: &str) -> String {
    let page = meta.title.as_deref().map(one_line).unwrap_or_default();
    let readability = one_line(readability);
    let h1 = meta
        .h1s
        .iter()
        .find(|h| !h.is_empty() && page.starts_with(h.as_str()) && page.len() > h.len())
        .cloned();
    let cleaned = (readability != page).then(|| readability.clone());
    [
        meta.og_title.as_deref().map(one_line),
        cleaned,
        h1,
        Some(readability),
        Some(page),
    ]
    .into_iter()
    .flatten()
    .find(|t| !t.is_empty())
    .unwrap_or_default()
}

/// The page as text, in the charset it declares (see the module documentation).
fn decode(bytes: &[u8]) -> String {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        return encoding
            .decode_without_bom_handling(&bytes[bom..])
            .0
            .into_owned();
    }
    let encoding = declared_charset(bytes).unwrap_or_else(|| {
        if std::str::from_utf8(bytes).is_ok() {
            encoding_rs::UTF_8
        } else if !encoding_rs::GB18030.decode_without_bom_handling(bytes).1 {
            encoding_rs::GB18030
        } else {
            encoding_rs::WINDOWS_1252
        }
    });
    encoding.decode_without_bom_handling(bytes).0.into_owned()
}

/// The charset a `<meta>` near the start of the page declares.
fn declared_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    // Markup is ASCII in every charset a page may declare this way, so a
    // lossy reading of the start is enough to find the <meta> elements.
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(PRESCAN)]);
    let doc = html_parse::parse(&head, false).doc;
    for meta in doc.select("meta").nodes() {
        let label = if let Some(charset) = meta.attr("charset") {
            charset.trim().to_owned()
        } else if meta
            .attr("http-equiv")
            .is_some_and(|h| h.trim().eq_ignore_ascii_case("content-type"))
        {
            match meta.attr("content").and_then(|c| charset_param(&c)) {
                Some(label) => label,
                None => continue,
            }
        } else {
            continue;
        };
        if let Some(encoding) = Encoding::for_label(label.as_bytes()) {
            // A page cannot really be UTF-16 if its <meta> reads as ASCII.
            return Some(encoding.output_encoding());
        }
    }
    None
}

/// The `charset` parameter of a Content-Type value: `text/html; charset=gbk` → `gbk`.
fn charset_param(content: &str) -> Option<String> {
    let lower = content.to_ascii_lowercase();
    let at = lower.find("charset")?;
    let rest = content[at + "charset".len()..].trim_start();
    let rest = rest.strip_prefix('=')?.trim_start();
    let rest = rest.trim_start_matches(['"', '\'']);
    let end = rest
        .find(|c: char| c == ';' || c == '"' || c == '\'' || c.is_ascii_whitespace())
        .unwrap_or(rest.len());
    (end > 0).then(|| rest[..end].to_owned())
}

/// What the page says about itself, read before Readability changes it.
#[derive(Debug, Default)]
struct Meta {
    og_title: Option<String>,
    title: Option<String>,
    h1s: Vec<String>,
    published: Option<String>,
    first_time: Option<String>,
    authors: Vec<String>,
    site_name: Option<String>,
    section: Option<String>,
    canonical: Option<Url>,
    lang: Option<String>,
}

impl Meta {
    fn read(doc: &Document, url: Option<&Url>) -> Meta {
        let mut m = Meta::default();
        for node in doc.select("meta").nodes() {
            let Some(content) = node.attr("content") else {
                continue;
            };
            let content = content.trim();
            if content.is_empty() {
                continue;
            }
            let key = node
                .attr("property")
                .or_else(|| node.attr("name"))
                .map(|k| k.trim().to_ascii_lowercase())
                .unwrap_or_default();
            let slot = match key.as_str() {
                "og:title" => &mut m.og_title,
                "og:site_name" => &mut m.site_name,
                "article:published_time" => &mut m.published,
                "article:section" => &mut m.section,
                "author" => {
                    if m.authors.is_empty() {
                        m.authors = content
                            .split([',', '，', '、', ';', '；'])
                            .map(|a| a.split_whitespace().collect::<Vec<_>>().join(" "))
                            .filter(|a| !a.is_empty())
                            .collect();
                    }
                    continue;
                }
                _ => continue,
            };
            slot.get_or_insert_with(|| content.to_owned());
        }
        m.title = doc
            .select("title")
            .nodes()
            .first()
            .map(|t| t.text().to_string());
        m.h1s = doc
            .select("h1")
            .nodes()
            .iter()
            .map(|h| one_line(&h.text()))
            .collect();
        m.first_time = doc
            .select("time[datetime]")
            .attr("datetime")
            .map(|t| t.to_string());
        m.canonical = doc
            .select("link[rel][href]")
            .nodes()
            .iter()
            .filter(|l| {
                l.attr("rel").is_some_and(|r| {
                    r.split_ascii_whitespace()
                        .any(|t| t.eq_ignore_ascii_case("canonical"))
                })
            })
            .find_map(|l| {
                let href = l.attr("href")?;
                let href = href.trim();
                match url {
                    Some(u) => u.join(href).ok(),
                    None => Url::parse(href).ok(),
                }
            })
            .filter(|u| matches!(u.scheme(), "http" | "https"));
        m.lang = doc.select("html[lang]").attr("lang").map(|l| l.to_string());
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARTICLE: &[u8] = include_bytes!("../../../tests/fixtures/pages/article.html");
    const GBK_PAGE: &[u8] = include_bytes!("../../../tests/fixtures/pages/gbk_page.html");

    fn page_url() -> Url {
        Url::parse("https://example.org/news/2024/0315/wetland.html?from=home").unwrap()
    }

    #[test]
    fn article_metadata() {
        let a = &parse(ARTICLE, Some(&page_url())).unwrap()[0];
        assert_eq!(a.title, "嘉禾市虚构湿地公园正式开园");
        assert_eq!(
            a.published.as_ref().map(Published::to_rfc3339).as_deref(),
            Some("2024-03-15T10:30:00+08:00")
        );
        assert_eq!(a.authors, ["陈静", "刘洋"]);
        assert_eq!(a.source.as_deref(), Some("示例日报"));
        assert_eq!(a.section, ["城市"]);
        assert_eq!(
            a.url.as_deref(),
            Some("https://example.org/news/2024/0315/wetland.html")
        );
        assert_eq!(a.lang.as_deref(), Some("zh-CN"));
        // Derived from the canonical URL, and stable.
        let again = &parse(ARTICLE, Some(&page_url())).unwrap()[0];
        assert_eq!(a.id, again.id);
        let by_url = Article {
            url: a.url.clone(),
            ..Article::default()
        }
        .finish();
        assert_eq!(a.id, by_url.id);
    }

    #[test]
    fn article_body_is_the_main_text_only() {
        let a = &parse(ARTICLE, Some(&page_url())).unwrap()[0];
        let body = a.body.join("\n");
        // The article's own source and time line is part of it.
        assert_eq!(a.body[0], "来源：示例日报 2024-03-15 10:30");
        assert!(
            a.body[1].starts_with("　　本报讯（记者 陈静 刘洋）3月15日上午"),
            "{body}"
        );
        assert!(body.contains("让市民“推窗见绿、出门入园”。"), "{body}");
        assert!(body.contains("[开园首日的湿地公园]"), "{body}");
        for chrome in [
            "首页",
            "要闻",
            "财经",
            "登录",
            "正文", // navigation, breadcrumb
            "广告",
            "矿泉水",
            "保险", // ads
            "相关阅读",
            "绿道二期",
            "观鸟指南", // related links
            "热门排行",
            "热点新闻", // sidebar
            "分享到",
            "网友评论",
            "抢沙发", // share bar, comments
            "版权所有",
            "关于我们",
            "备案号", // footer
        ] {
            assert!(!body.contains(chrome), "{chrome:?} in the body:\n{body}");
        }
        // The title is not repeated as the first paragraph.
        assert_ne!(a.body[0], a.title);
        assert_eq!(a.body.len(), 7, "{body}");
    }

    #[test]
    fn article_links_are_numbered_and_resolved() {
        let a = &parse(ARTICLE, Some(&page_url())).unwrap()[0];
        assert!(a.body[4].contains("开园公告[1]"), "{}", a.body[4]);
        assert!(a.body[4].contains("这里[2]"), "{}", a.body[4]);
        assert_eq!(
            a.links,
            [
                "https://example.org/news/2024/0310/notice.html",
                "https://example.org/maps/wetland.pdf"
            ]
        );
        // A saved page (no URL) resolves against its canonical link.
        let a = &parse(ARTICLE, None).unwrap()[0];
        assert_eq!(a.links[0], "https://example.org/news/2024/0310/notice.html");
    }

    #[test]
    fn gbk_page_is_decoded() {
        let a = &parse(GBK_PAGE, None).unwrap()[0];
        // No og:title: Readability's title, without the site name.
        assert_eq!(a.title, "虚构古镇灯会吸引游客");
        assert_eq!(a.source.as_deref(), Some("示例日报"));
        assert_eq!(a.authors, ["周敏"]);
        assert_eq!(a.body.len(), 3, "{:?}", a.body);
        assert!(
            a.body[0].contains("元宵节前夕，虚构古镇的传统灯会"),
            "{:?}",
            a.body
        );
        assert!(
            a.body
                .iter()
                .all(|p| !p.contains("首页") && !p.contains("版权所有"))
        );
        assert_eq!(a.published, None);
    }

    #[test]
    fn charsets_are_detected() {
        let page = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=Big5\"></head>\
                    <body><p>繁體中文內容</p></body></html>";
        let (bytes, _, _) = encoding_rs::BIG5.encode(page);
        assert!(decode(&bytes).contains("繁體中文內容"));
        let page = "<html><head><meta charset='gb2312'></head><body><p>简体中文</p></body></html>";
        let (bytes, _, _) = encoding_rs::GBK.encode(page);
        assert!(decode(&bytes).contains("简体中文"));
        // Undeclared: UTF-8 if it is, else GB18030.
        assert!(decode("<p>中文</p>".as_bytes()).contains("中文"));
        let (bytes, _, _) = encoding_rs::GB18030.encode("<p>未声明编码的中文</p>");
        assert!(decode(&bytes).contains("未声明编码的中文"));
        // A BOM wins over the declaration.
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend("<meta charset=gbk><p>实际是 UTF-8</p>".as_bytes());
        assert!(decode(&bytes).contains("实际是 UTF-8"));
        assert_eq!(
            charset_param("text/html;charset=\"GBK\"").as_deref(),
            Some("GBK")
        );
        assert_eq!(charset_param("text/html"), None);
    }

    #[test]
    fn a_page_without_content_is_an_error() {
        let e = parse(
            b"<html><head><title>t</title></head><body></body></html>",
            None,
        )
        .unwrap_err();
        assert!(e.message.contains("no article text"), "{e:?}");
        let e = parse(b"", None).unwrap_err();
        assert!(e.message.contains("no article text"), "{e:?}");
    }

    #[test]
    fn time_element_is_used_without_meta() {
        let html = "<html><body><div class=top><time datetime=\"2024-03-16\">今天</time></div>\
            <article><h1>标题</h1><p><time datetime=\"2024-03-15T08:00:00+08:00\">3月15日</time>，\
            这是一篇足够长的虚构文章正文，用来检查没有元数据时从正文的时间元素读取发布日期，而不是页头的今日日期。</p>\
            </article></body></html>";
        let a = &parse(html.as_bytes(), None).unwrap()[0];
        assert_eq!(
            a.published.as_ref().map(Published::to_rfc3339).as_deref(),
            Some("2024-03-15T08:00:00+08:00")
        );
    }
}
