//! `import::textdump::parse_with` never panics, with no zone, an IANA zone
//! or an offset (chosen by the input's length); articles are sanitized.
#![no_main]

use kanbao_core::textdump;
use kanbao_fuzz::check_article;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let tz = [None, Some("Asia/Shanghai"), Some("+08:00")][data.len() % 3];
    if let Ok(articles) = textdump::parse_with(&text, tz) {
        articles.iter().for_each(check_article);
    }
});
