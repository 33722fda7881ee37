//! `html_text::html_to_text` (on the input as text) and `page::parse` (on
//! the bytes: encoding sniffing, readability) never panic; page articles
//! are sanitized.
#![no_main]

use kanbao_core::{html_text, page};
use kanbao_fuzz::{HTML_CAP, check_article};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() > HTML_CAP {
        return;
    }
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
    let base = (data.len() % 2 == 1).then_some(&base);
    if let Ok(articles) = page::parse(data, base) {
        articles.iter().for_each(check_article);
    }
});
