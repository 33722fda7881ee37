//! What kanbao keeps on disk besides article files: read and starred marks
//! ([`marks`]), the one way every file is replaced ([`atomic`]) and the one
//! bounded way files are read ([`read`]).
//! Storing articles into the library directory is [`crate::ingest`]'s.

pub mod atomic;
pub mod marks;
pub mod read;
