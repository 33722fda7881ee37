//! What kanbao keeps on disk besides article files: read and starred marks
//! ([`marks`]), and the one way every file is replaced ([`atomic`]).
//! Storing articles into the library directory is [`crate::ingest`]'s.

pub mod atomic;
pub mod marks;
pub mod read;
