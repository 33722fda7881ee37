//! Text as the terminal will show it: display width per grapheme cluster
//! ([`width`]), the sanitizer every untrusted string passes where it enters
//! ([`sanitize`]), the folding searches compare in ([`fold`]), and positions
//! as users are told them ([`position`]).

pub mod fold;
pub mod position;
pub mod sanitize;
pub mod width;
