//! The fast feed import against the slow reference it replaced
//! (`Tuning::reference`: every event read by quick-xml, feed-rs run twice
//! on the whole feed, entries converted one after the other, HTML always
//! through html5ever). The fast way holds entry bodies back from feed-rs
//! (placeholders), parses parts of the feed on threads, reads dates once
//! and reads common HTML without html5ever; whatever the tuning, the
//! articles, and the errors with their positions, must be the same.
//!
//! On the fixtures, on the benchmark corpus (examples/gen_corpus.rs), on
//! generated feeds of every kind with bodies, dates, links and markup of
//! many shapes, and on all of these cut short or damaged.

use kanbao_core::Article;
use kanbao_core::Imported;
use kanbao_core::feed::{Tuning, parse_tuned};
use url::Url;

#[path = "../../examples/gen_corpus.rs"]
#[allow(dead_code)]
mod gen_corpus;

fn reference() -> Tuning {
    Tuning {
        reference: true,
        ..Tuning::default()
    }
}

/// Tunings that take every way: one thread or several, parts however
/// small, bodies held back however short, or none.
fn tunings() -> Vec<Tuning> {
    let one = Tuning {
        threads: 1,
        min_bytes_per_thread: 0,
        min_body: 0,
        reference: false,
    };
    vec![
        Tuning::default(),
        one,
        Tuning { threads: 2, ..one },
        Tuning { threads: 3, ..one },
        Tuning {
            threads: 2,
            min_body: 64,
            ..one
        },
        Tuning {
            threads: 4,
            min_body: usize::MAX,
            ..one
        },
    ]
}

/// Where two results differ, said briefly.
fn difference(got: &Imported, want: &Imported) -> Option<String> {
    match (got, want) {
        (Ok(got), Ok(want)) => {
            if got.len() != want.len() {
                return Some(format!("{} articles, not {}", got.len(), want.len()));
            }
            let (i, (g, w)) = got
                .iter()
                .zip(want)
                .enumerate()
                .find(|(_, (g, w))| g != w)?;
            Some(format!("article {i}:\n{}\nnot\n{}", show(g), show(w)))
        }
        (got, want) => (got != want).then(|| format!("{got:?}\nnot\n{want:?}")),
    }
}

fn show(a: &Article) -> String {
    format!("{a:#?}")
}

/// Every tuning gives what the reference gives; returns that.
fn same(bytes: &[u8], base: Option<&Url>, what: &str) -> Imported {
    let want = parse_tuned(bytes, base, reference());
    for tuning in tunings() {
        let got = parse_tuned(bytes, base, tuning);
        if let Some(d) = difference(&got, &want) {
            panic!(
                "{what}, {tuning:?}: {d}\n--- feed ---\n{}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(4000)])
            );
        }
    }
    want
}

fn fixture_feeds() -> Vec<(String, Vec<u8>)> {
    let dir = crate::common::fixture("feeds");
    let mut feeds: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).expect("fixture"))
        })
        .collect();
    feeds.sort();
    assert!(feeds.len() >= 7, "{feeds:?}");
    feeds
}

#[test]
fn fixtures_read_the_same() {
    let base = Url::parse("https://example.org/feeds/feed.xml").unwrap();
    for (name, bytes) in fixture_feeds() {
        let broken = name.starts_with("broken");
        assert_eq!(same(&bytes, None, &name).is_err(), broken, "{name}");
        assert_eq!(same(&bytes, Some(&base), &name).is_err(), broken, "{name}");
    }
}

#[test]
fn the_benchmark_corpus_reads_the_same() {
    // 5,000 articles in `cargo bench --bench feed`; fewer here, where the
    // reference runs unoptimised.
    let mut atom = Vec::new();
    gen_corpus::write_atom(&mut atom, 400, 20240630).unwrap();
    let articles = same(&atom, None, "corpus").unwrap();
    assert_eq!(articles.len(), 400);
    assert!(articles.iter().all(|a| a.body.len() >= 6));
}

// ---------------------------------------------------------------------------
// Generated feeds

/// xorshift64*: reproducible choices without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// HTML as entries carry it: what the fast path reads and what it leaves
/// to html5ever.
const HTML: &[&str] = &[
    "<p>东方智造科技有限公司与海纳生物科技有限公司签署战略合作协议，项目总投资25,850亿元。</p>\n<p>第二段。</p>\n",
    "<p>据<a href=\"/about\">示例日报</a>报道，<a href=\"a.html\">详情</a>见<a href=\"https://example.org/about\">官网</a>。</p>",
    "<p>图：<img src=\"a.jpg\" alt=\" 南湖 \"><br>第二行<br/></p><ul><li>一</li><li>二</li></ul>",
    "<p>今天<b>天气</b><em>很好</em>，&ldquo;适合&rdquo;出行&hellip; Tom &amp; Jerry &lt;3</p>",
    "<div><p>嵌套</p><blockquote><p>引文</p></blockquote></div><h2>小标题</h2><hr><p>完</p>",
    "<p>\n   Hello,\t\n  world!   <b> bold </b> end \n</p><p>示例日报\n  记者报道</p>",
    "<p>a<p>b<div>c</div>",
    "<table><tr><td>城市</td><td>人口</td></tr></table><pre>\n代码</pre>",
    "<p>正文<script>alert(1)</script><span style=\"display:none\">藏</span>&copy 2024</p>",
    "<!-- 注释 --><p>x&nbsp;y</p>",
    "纯文本，没有标签。\n\n第二段。",
    "<a href=\"javascript:x\">脚本</a><a href=\"#top\">顶</a><a href=\"mailto:a@example.org\">信</a>",
];

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A body element's content, in one of the ways feeds write it.
fn body_content(rng: &mut Rng) -> String {
    let html = rng.pick(HTML);
    let long = if rng.chance(50) {
        html.repeat(1 + rng.below(6))
    } else {
        html.to_owned()
    };
    let pad = |rng: &mut Rng, s: String| {
        if rng.chance(30) {
            format!("\n  {s}\n  ")
        } else {
            s
        }
    };
    let content = match rng.below(40) {
        0..=11 => escape(&long),
        12..=23 => format!("<![CDATA[{long}]]>"),
        24..=28 => format!("{}<![CDATA[{long}]]>&#20013;&amp;", escape("<p>前</p>")),
        29..=31 => format!("{}<!-- 注释 -->{}", escape(&long), escape("<p>后</p>")),
        32..=35 => format!("&#x4E2D;&#25991;&unknown;{}", escape(&long)),
        // feed-rs fails on this one.
        36 => format!("{}&#0;", escape(&long)),
        _ => "<p>子元素</p><br/>".to_owned(),
    };
    pad(rng, content)
}

const DATES: &[&str] = &[
    "2024-01-05T09:18:16+08:00",
    "2024-01-05T09:18:16Z",
    "2024-01-05T09:18:16.5+08:00",
    "2024-01-05T09:18:16.123456789-05:30",
    "2024-01-05T09:18:16.1234567891Z",
    "2024-01-05t09:18:16z",
    "2024-01-05 09:18:16+08:00",
    "2024-01-05T09:18:16+0800",
    "2024-02-29T23:59:59+23:59",
    "2023-02-29T10:00:00Z",
    "2016-12-31T23:59:60Z",
    "1969-12-31T23:59:59.5Z",
    "0001-01-01T00:00:00Z",
    "Fri, 05 Jan 2024 09:18:16 +0800",
    "Thu, 05 Jan 2024 09:18:16 +0800",
    "Fri, 5 Jan 2024 09:18 GMT",
    "05 Jan 2024 09:18:16 UT",
    "Fri, 05 Jan 2024 09:18:16 UTC",
    "Fri, 05 Jan 2024 09:18:16 -0000",
    "Fri, 05 Jan 2024 09:18:16 EST",
    "Friday, 05 January 2024 09:18:16 +0800",
    "Fri, 05 Jan 24 09:18:16 +0800",
    "Fri, 30 Feb 2024 09:18:16 +0800",
    "Fri, 05 Jan 2024 24:00:00 +0800",
    "Fri, 05 Jan 2024 9:18:16 +0800",
    "Jan 05 2024 09:18:16 +0800",
    "2024-01-05",
    "2024-01-05 09:18",
    "2024年1月5日 09:18",
    "昨天",
    "",
    "  2024-01-05T09:18:16+08:00  ",
];

const LINKS: &[&str] = &[
    "https://example.org/news/a.html",
    "/news/b.html",
    "c.html",
    "",
    "javascript:void(0)",
    "https://例子.中国/新闻",
];

const TITLES: &[&str] = &[
    "嘉禾市举办首届虚构科技节",
    "Tom &amp; Jerry 虚构画展 &lt;开幕&gt;",
    "  多余   空白\n的标题 ",
    "",
    "&#x1F600; 表情",
];

fn atom_entry(rng: &mut Rng, i: usize) -> String {
    let mut e = String::new();
    let lang = if rng.chance(20) {
        " xml:lang=\"en-us\""
    } else {
        ""
    };
    let base = if rng.chance(20) {
        " xml:base=\"https://base.example.org/dir/\""
    } else {
        ""
    };
    e.push_str(&format!("<entry{lang}{base}>"));
    if rng.chance(80) {
        e.push_str(&format!("<id>tag:example.org,2024:{i}</id>"));
    }
    match rng.below(4) {
        0 => e.push_str(&format!(
            "<title type=\"html\">{}</title>",
            escape("<b>粗</b>标题 &amp; 更多")
        )),
        1 => {}
        _ => e.push_str(&format!("<title>{}</title>", rng.pick(TITLES))),
    }
    if rng.chance(80) {
        e.push_str(&format!(
            "<link rel=\"alternate\" href=\"{}\"/>",
            escape(rng.pick(LINKS))
        ));
    }
    if rng.chance(70) {
        e.push_str(&format!("<published>{}</published>", rng.pick(DATES)));
    }
    if rng.chance(70) {
        e.push_str(&format!("<updated>{}</updated>", rng.pick(DATES)));
    }
    if rng.chance(50) {
        e.push_str("<author><name>王小明</name></author>");
    }
    // Elements kanbao has no use for, some of which feed-rs is not handed.
    for _ in 0..rng.below(3) {
        e.push_str(rng.pick(&[
            "<category term=\"浙江\"/>",
            "<category term=\"A &amp; B\" label=\"x\"/>",
            "<category term=\"c\"></category>",
            "<category/>",
            "<source><title>科技日报</title><updated>2024-01-05T09:18:16+08:00</updated></source>",
            "<source><title>A &amp; B</title></source>",
            "<source xmlns=\"http://example.org/other\"><title>别的</title></source>",
            "<x:category xmlns:x=\"http://example.org/x\" term=\"x\"/>",
            "<category xmlns=\"http://search.yahoo.com/mrss/\" term=\"媒体\"/>",
        ]));
    }
    let kinds = [
        "",
        " type=\"html\"",
        " type=\"text\"",
        " type=\"text/html\"",
        " type=\"text/plain\"",
        " type=\"xhtml\"",
    ];
    for element in ["summary", "content"] {
        if !rng.chance(70) {
            continue;
        }
        let kind = kinds[rng.below(kinds.len())];
        let lang = if rng.chance(20) {
            " xml:lang=\"en\""
        } else {
            ""
        };
        let base = if rng.chance(20) {
            " xml:base=\"/other/\""
        } else {
            ""
        };
        if kind.contains("xhtml") {
            e.push_str(&format!(
                "<{element}{kind}{lang}{base}><div xmlns=\"http://www.w3.org/1999/xhtml\"><p>XHTML <a href=\"x.html\">链接</a><br/>第二行 &amp; 更多</p></div></{element}>"
            ));
        } else if element == "content" && rng.chance(5) {
            e.push_str("<content src=\"https://example.org/x\" type=\"text/html\"/>");
        } else {
            e.push_str(&format!(
                "<{element}{kind}{lang}{base}>{}</{element}>",
                body_content(rng)
            ));
        }
    }
    e.push_str("</entry>");
    e
}

fn rss_item(rng: &mut Rng, i: usize) -> String {
    let mut e = String::from("<item>");
    if rng.chance(80) {
        e.push_str(&format!("<title>{}</title>", rng.pick(TITLES)));
    }
    if rng.chance(70) {
        e.push_str(&format!("<link>{}</link>", escape(rng.pick(LINKS))));
    }
    match rng.below(3) {
        0 => e.push_str(&format!("<guid>https://example.org/g/{i}</guid>")),
        1 => e.push_str(&format!("<guid isPermaLink=\"false\">item-{i}</guid>")),
        _ => {}
    }
    if rng.chance(70) {
        e.push_str(&format!("<pubDate>{}</pubDate>", rng.pick(DATES)));
    }
    if rng.chance(20) {
        e.push_str(&format!("<dc:date>{}</dc:date>", rng.pick(DATES)));
    }
    if rng.chance(40) {
        e.push_str("<dc:creator>李华</dc:creator>");
    }
    if rng.chance(80) {
        e.push_str(&format!("<description>{}</description>", body_content(rng)));
    }
    if rng.chance(40) {
        e.push_str(&format!(
            "<content:encoded>{}</content:encoded>",
            body_content(rng)
        ));
    }
    if rng.chance(10) {
        e.push_str(&format!(
            "<media:description>{}</media:description>",
            body_content(rng)
        ));
    }
    e.push_str("</item>");
    e
}

/// Between entries: mostly whitespace, sometimes a comment or a feed-level
/// element (which keeps the feed from being parsed in parts).
fn gap(rng: &mut Rng, rss: bool) -> String {
    match rng.below(20) {
        0 => "<!-- 分隔 -->".to_owned(),
        1 if rss => "<title>后来的标题</title>".to_owned(),
        1 => "<title>后来的标题</title>".to_owned(),
        n if n < 10 => "\n".to_owned(),
        _ => String::new(),
    }
}

fn generated_feed(rng: &mut Rng) -> String {
    let entries = rng.below(12);
    let decl = rng.pick(&[
        "",
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
        "<?xml version=\"1.0\"?>\n",
    ]);
    match rng.below(3) {
        0 => {
            let mut f = format!(
                "{decl}<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"zh-CN\"><title>示例日报</title>\
                 <link href=\"https://example.org/\"/><author><name>示例编辑部</name></author>\n"
            );
            for i in 0..entries {
                f.push_str(&atom_entry(rng, i));
                f.push_str(&gap(rng, false));
            }
            f.push_str("</feed>");
            f
        }
        kind => {
            let mut f = format!(
                "{decl}<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" \
                 xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:media=\"http://search.yahoo.com/mrss/\">\
                 <channel><title>示例日报</title><link>https://example.org/</link><language>zh-cn</language>\n"
            );
            for i in 0..entries {
                f.push_str(&rss_item(rng, i));
                f.push_str(&gap(rng, true));
            }
            f.push_str("</channel>");
            if kind == 2 {
                f.push_str("<channel><title>第二个</title><item><title>另一个频道</title></item></channel>");
            }
            f.push_str("</rss>");
            f
        }
    }
}

#[test]
fn generated_feeds_read_the_same() {
    let base = Url::parse("https://example.org/feeds/feed.xml").unwrap();
    let mut rng = Rng(0x6b61_6e62_616f);
    let (mut read, mut failed) = (0, 0);
    for n in 0..300 {
        let feed = generated_feed(&mut rng);
        let base = rng.chance(50).then_some(&base);
        match same(feed.as_bytes(), base, &format!("feed {n}")) {
            Ok(_) => read += 1,
            Err(_) => failed += 1,
        }
    }
    // Both kinds are exercised.
    assert!(read > 100 && failed > 10, "{read} read, {failed} failed");
}

#[test]
fn damaged_feeds_fail_the_same() {
    let mut rng = Rng(0x6461_6d61_6765);
    let mut failed = 0;
    for n in 0..150 {
        let feed = generated_feed(&mut rng).into_bytes();
        // Cut short anywhere (also inside a character: decoding repairs it).
        let cut = rng.below(feed.len().max(1));
        failed += usize::from(same(&feed[..cut], None, &format!("feed {n} cut at {cut}")).is_err());
        // A byte changed to one of the characters that matter to XML.
        let mut changed = feed.clone();
        if !changed.is_empty() {
            let at = rng.below(changed.len());
            changed[at] = *[b'<', b'>', b'&', b';', b'/', b'"', b']', b'\n']
                .get(rng.below(8))
                .unwrap();
            failed +=
                usize::from(same(&changed, None, &format!("feed {n} changed at {at}")).is_err());
        }
    }
    assert!(failed > 100, "{failed} failed");
}

#[test]
fn json_feeds_read_the_same() {
    let items: Vec<String> = (0..80)
        .map(|i| {
            format!(
                r#"{{"id": "j{i}", "url": "https://example.org/{i}.html", "title": "标题{i}",
                 "content_html": "<p>正文{i}<a href=\"x.html\">链接</a></p><p>第二段</p>",
                 "date_published": "2024-01-{:02}T07:00:00+08:00", "language": "zh-CN"}}"#,
                1 + i % 28
            )
        })
        .collect();
    let json = format!(
        r#"{{"version": "https://jsonfeed.org/version/1.1", "title": "示例", "items": [{}]}}"#,
        items.join(",")
    );
    assert_eq!(same(json.as_bytes(), None, "json").unwrap().len(), 80);
}
