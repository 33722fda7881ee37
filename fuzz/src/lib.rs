//! What several fuzz targets check about the articles an importer returns.

use kanbao_core::Article;
use serde_json::Value;

/// Inputs larger than this are skipped by the targets that run html5ever
/// (directly or through feed content). Its work is bounded now
/// (`kanbao_core::html_parse`), so this only keeps single runs short; it
/// was 64 KiB while deeply nested markup cost quadratic time.
pub const HTML_CAP: usize = 1024 * 1024;

/// Whether `c` could steer a terminal: C0/C1 controls, DEL, bidi overrides
/// and isolates. `\n` is checked separately.
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn check_line(field: &str, s: &str) {
    assert!(
        !s.chars().any(|c| is_unsafe(c) || c == '\n'),
        "one-line field `{field}` is not clean: {s:?}"
    );
}

fn check_text(field: &str, s: &str) {
    assert!(
        !s.chars().any(is_unsafe),
        "field `{field}` is not clean: {s:?}"
    );
}

fn check_value(v: &Value) {
    match v {
        Value::String(s) => check_text("extra", s),
        Value::Array(items) => items.iter().for_each(check_value),
        Value::Object(map) => {
            for (k, v) in map {
                check_line("extra key", k);
                check_value(v);
            }
        }
        _ => {}
    }
}

/// Every article that reaches the program is sanitized, and typesetting it
/// neither panics nor overflows.
pub fn check_article(a: &Article) {
    check_line("id", &a.id);
    assert!(!a.id.trim().is_empty(), "empty id");
    check_line("title", &a.title);
    for (name, v) in [
        ("source", &a.source),
        ("editor", &a.editor),
        ("url", &a.url),
        ("lang", &a.lang),
    ] {
        if let Some(v) = v {
            check_line(name, v);
        }
    }
    for (name, list) in [
        ("authors", &a.authors),
        ("section", &a.section),
        ("links", &a.links),
    ] {
        list.iter().for_each(|s| check_line(name, s));
    }
    for p in &a.body {
        check_text("body", p);
    }
    for (k, v) in &a.extra {
        check_line("extra key", k);
        check_value(v);
    }
    // What a user sees of it: typeset at a narrow and a usual width.
    for width in [2, 37] {
        let opts = kanbao_core::TypesetOptions::default();
        for line in kanbao_core::typeset(a, width, &opts) {
            assert!(line.width <= width, "line wider than {width}: {line:?}");
        }
    }
}
