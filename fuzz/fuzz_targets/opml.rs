//! `Subscriptions::from_opml_checked` never panics; every warning it gives
//! (an entity kept as written) points at a line and column inside the
//! input; what it reads writes back (`to_opml`) as OPML without a control
//! character that reads back with no warning, and a second round changes
//! nothing (the first one cleans titles and URLs, as the output rules say).
#![no_main]

use kanbao_core::Subscriptions;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok((subs, warnings)) = Subscriptions::from_opml_checked(&text) {
        let lines: Vec<&str> = text.split('\n').collect();
        for w in &warnings {
            assert!(w.line >= 1 && w.line <= lines.len(), "{w:?}");
            let columns = lines[w.line - 1].chars().count() + 1;
            assert!(w.column >= 1 && w.column <= columns, "{w:?}");
        }
        let opml = subs.to_opml();
        assert!(kanbao_core::is_clean(&opml.replace('\n', "")), "{opml:?}");
        let (once, again) = Subscriptions::from_opml_checked(&opml).expect("own OPML reads back");
        assert!(again.is_empty(), "own OPML warns: {again:?}");
        let twice = Subscriptions::from_opml(&once.to_opml()).expect("own OPML reads back");
        assert_eq!(twice, once);
    }
});
