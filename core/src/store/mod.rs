//! What kanbao writes: article files into the library directory
//! ([`ingest`]), read and starred marks ([`marks`]), each file atomically
//! ([`atomic`]).

pub mod atomic;
pub mod ingest;
pub mod marks;
