//! `Subscriptions::from_opml` never panics; what it reads writes back
//! (`to_opml`) as OPML without a control character that reads back, and a
//! second round changes nothing (the first one cleans titles and URLs, as
//! the output rules say).
#![no_main]

use kanbao_core::Subscriptions;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(subs) = Subscriptions::from_opml(&text) {
        let opml = subs.to_opml();
        assert!(kanbao_core::is_clean(&opml.replace('\n', "")), "{opml:?}");
        let once = Subscriptions::from_opml(&opml).expect("own OPML reads back");
        let twice = Subscriptions::from_opml(&once.to_opml()).expect("own OPML reads back");
        assert_eq!(twice, once);
    }
});
