//! `Subscriptions::from_opml` never panics, and what it reads writes back
//! (`to_opml`) as OPML that reads to the same feeds.
#![no_main]

use kanbao_core::Subscriptions;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(subs) = Subscriptions::from_opml(&text) {
        let again = Subscriptions::from_opml(&subs.to_opml()).expect("own OPML reads back");
        assert_eq!(
            again.feeds.iter().map(|f| &f.url).collect::<Vec<_>>(),
            subs.feeds.iter().map(|f| &f.url).collect::<Vec<_>>()
        );
    }
});
