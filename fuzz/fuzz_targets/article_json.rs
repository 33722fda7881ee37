//! Loading article files: `Article::from_json` on the input as text, and
//! `Library::load_text` in the format the first byte selects
//! (`'0'` JSON, `'1'` JSON Lines, `'2'` feed, `'3'` HTML, `'4'` text dump,
//! `'5'` OPML, `'6'`/`'7'` recognised by `Format::detect`; any byte, mod 8).
//! Whatever loads must be sanitized and typeset within its width.
#![no_main]

use kanbao_core::Article;
use kanbao_core::{Format, Library};
use kanbao_fuzz::{HTML_CAP, check_article, is_unsafe};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    if let Ok(text) = std::str::from_utf8(bytes)
        && let Ok(a) = Article::from_json(text)
    {
        check_article(&a);
    }
    let name = if selector & 1 == 0 {
        "x.json"
    } else {
        "x.jsonl"
    };
    let format = match selector % 8 {
        0 => Format::Json,
        1 => Format::JsonLines,
        2 => Format::Feed,
        3 => Format::Html,
        4 => Format::TextDump,
        5 => Format::Opml,
        _ => Format::detect(name, bytes),
    };
    if matches!(format, Format::Feed | Format::Html) && bytes.len() > HTML_CAP {
        return;
    }
    let mut lib = Library::default();
    lib.load_text(name, bytes, format);
    for a in &lib.articles {
        check_article(a);
    }
    for p in &lib.problems {
        // A message may quote the file (an element name…); what reaches the
        // terminal is its `Display`, which must be clean.
        let shown = p.to_string();
        assert!(
            !shown.chars().any(|c| is_unsafe(c) || c == '\n'),
            "problem shown unclean: {shown:?}"
        );
    }
});
