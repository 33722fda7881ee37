//! `import::feed::parse` (RSS, Atom, JSON Feed; any encoding) never panics,
//! and every article it returns is sanitized. Odd-length inputs are parsed
//! with a base URL, even-length ones without. The HTML of entries is parsed
//! with the budget scaled down 32× (`html_parse::scale_down`), so that its
//! cuts are reached at the sizes fuzzing uses.
#![no_main]

use kanbao_core::{feed, html_parse};
use kanbao_fuzz::{HTML_CAP, check_article};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() > HTML_CAP {
        return;
    }
    // As in `html`: the HTML budget scaled down, for speed under ASan.
    html_parse::scale_down(32);
    let base = url::Url::parse("https://example.org/news/feed.xml").unwrap();
    let base = (data.len() % 2 == 1).then_some(&base);
    if let Ok(articles) = feed::parse(data, base) {
        articles.iter().for_each(check_article);
    }
});
