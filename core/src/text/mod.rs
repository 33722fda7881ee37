//! Text as the terminal will show it: display width per grapheme cluster
//! ([`width`]), the sanitizer every untrusted string passes where it enters
//! ([`sanitize`]), the same rules for what kanbao prints as JSON or XML
//! ([`output`]), the folding searches compare in ([`fold`]), and positions
//! as users are told them ([`position`]).

pub mod fold;
pub mod output;
pub mod position;
pub mod sanitize;
pub mod width;
