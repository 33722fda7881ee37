//! `import::feed::parse` (RSS, Atom, JSON Feed; any encoding) never panics,
//! and every article it returns is sanitized. Odd-length inputs are parsed
//! with a base URL, even-length ones without.
#![no_main]

use kanbao_core::feed;
use kanbao_fuzz::{HTML_CAP, check_article};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() > HTML_CAP {
        return;
    }
    let base = url::Url::parse("https://example.org/news/feed.xml").unwrap();
    let base = (data.len() % 2 == 1).then_some(&base);
    if let Ok(articles) = feed::parse(data, base) {
        articles.iter().for_each(check_article);
    }
});
