//! Text as the terminal will show it: display width per grapheme cluster
//! and the sanitizer every untrusted string passes where it enters.

pub mod position;
pub mod sanitize;
pub mod width;
