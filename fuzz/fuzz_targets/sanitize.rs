//! `sanitize` and `sanitize_line`: nothing that steers a terminal survives
//! (no control character but `\n`, so no ESC and no C1; no bidi override or
//! isolate), one-line output has no `\n`, and both are idempotent.
#![no_main]

use kanbao_core::{sanitize, sanitize_line};
use kanbao_fuzz::is_unsafe;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let clean = sanitize(&text);
    assert!(
        !clean.chars().any(is_unsafe),
        "sanitize left a control: {clean:?}"
    );
    assert_eq!(sanitize(&clean), clean, "sanitize is not idempotent");
    let line = sanitize_line(&text);
    assert!(
        !line.chars().any(|c| is_unsafe(c) || c == '\n'),
        "sanitize_line left a control or newline: {line:?}"
    );
    assert_eq!(
        sanitize_line(&line),
        line,
        "sanitize_line is not idempotent"
    );
    // Text without anything to remove is returned as it is.
    if !text.chars().any(|c| c.is_control() || is_unsafe(c)) {
        assert_eq!(clean, *text);
    }
});
