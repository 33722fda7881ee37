//! `html_text::html_to_text` (on the input as text) and `page::parse` (on
//! the bytes: encoding sniffing, readability) never panic; page articles
//! are sanitized. The parse budget (`html_parse::parse`, as a document and
//! as a fragment; scaled down 32×) holds: no element deeper than its depth,
//! the work within about twice its limit (one piece of input past it at
//! most), a cut on a character boundary, the rest readable as plain text.
#![no_main]

use kanbao_core::{html_parse, html_text, page};
use kanbao_fuzz::{HTML_CAP, check_article};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() > HTML_CAP {
        return;
    }
    // The budget scaled down 32×: a hostile input costs milliseconds, not
    // seconds, under AddressSanitizer; the same logic with smaller numbers.
    html_parse::scale_down(32);
    let (max_work, _, max_depth) = html_parse::limits();
    let base = url::Url::parse("https://example.org/news/2024/a.html").unwrap();
    let text = String::from_utf8_lossy(data);
    let t = html_text::html_to_text(&text, Some(&base));
    // Only web and mail links are numbered.
    for l in &t.links {
        let url = url::Url::parse(l).expect("links are absolute URLs");
        assert!(matches!(url.scheme(), "http" | "https" | "mailto"), "{l}");
        // …and each is as the one link check hands it on.
        let checked = kanbao_core::Link::parse(l).map(String::from);
        assert_eq!(checked.as_deref(), Ok(l.as_str()), "{l}");
    }
    let _ = html_text::html_to_plain_line(&text);
    for fragment in [false, true] {
        let parsed = html_parse::parse(&text, fragment);
        // One piece (4 KiB) of input past the limit costs at most a few million.
        assert!(parsed.work <= 2 * max_work + 8_000_000, "{} units", parsed.work);
        let mut stack = vec![(parsed.doc.root(), 0usize)];
        while let Some((node, depth)) = stack.pop() {
            // Elements up to MAX_DEPTH below the root, their text one more.
            assert!(depth <= max_depth + 1, "a node {depth} deep");
            stack.extend(node.children_it(false).map(|c| (c, depth + 1)));
        }
        if let Some(cut) = &parsed.cut {
            assert!(text.is_char_boundary(cut.at) && cut.at <= text.len());
            for p in html_parse::plain_text(&text[cut.at..]) {
                assert!(!p.is_empty() && p.trim() == p, "{p:?}");
            }
        }
    }
    let base = (data.len() % 2 == 1).then_some(&base);
    if let Ok(articles) = page::parse(data, base) {
        articles.iter().for_each(check_article);
    }
});
