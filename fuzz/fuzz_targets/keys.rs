//! `keys::parse_keys` never panics; an error points into the notation.
#![no_main]

use kanbao::input::keys::parse_keys;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match parse_keys(&text) {
        Ok(keys) => assert!(keys.len() <= text.chars().count()),
        Err(e) => assert!(
            e.position < text.len() && text.is_char_boundary(e.position),
            "bad position {e:?}"
        ),
    }
});
