//! One idea: opening what kanbao reads from disk, safely. A file is opened
//! first and then looked at — its type and size come from the open handle,
//! never from a stat of the path that could have changed in between — and a
//! file met in a walk is opened without waiting, so a FIFO put there can
//! never block. Every read has a bound: stdin, FIFOs and `file://` feeds
//! (whose end is not known) at [`MAX_BYTES`], the network's cap; regular
//! files read whole at [`MAX_FILE_BYTES`]. Big JSON Lines files are not read
//! whole but streamed ([`crate::library`]), at any size.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

pub use crate::net::fetch::MAX_BYTES;
use crate::net::fetch::size;

/// The largest regular file read whole: a JSON article file or array, a
/// feed, a page, a text dump. 1 GiB; JSON Lines files are streamed a block
/// at a time and have no such limit (a library of 100,000 articles is one
/// 0.6 GB file).
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// Why a file was not opened or not read to its end.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The system refused (the caller words it: a dangling link, a file
    /// that vanished...).
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    /// A FIFO, socket or device where a regular file was wanted.
    #[error("not a regular file ({0}): not read")]
    NotRegular(&'static str),
    /// More than `limit` bytes; `what` says which limit this is.
    #[error("larger than {}, the most kanbao reads {what}: not read", size(*limit))]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
        /// `of a feed`, `from a pipe or stdin`, `whole (…)`.
        what: &'static str,
    },
}

/// What [`SourceError::TooLarge`] says of a pipe, a FIFO or stdin.
pub const FROM_A_STREAM: &str = "from a pipe, a FIFO or stdin";
/// What [`SourceError::TooLarge`] says of a regular file read whole.
pub const WHOLE: &str = "in one piece (JSON Lines, one article a line, has no limit)";

/// Opens `path` for reading and checks, on the open handle, that it is a
/// regular file — or, when `streams` (a path the user named), a FIFO or
/// pipe, which is then opened as `cat` would, waiting for a writer. Without
/// `streams` the open never waits: a FIFO that replaced the file since it
/// was listed is refused, not waited on. Devices and sockets are refused
/// before they are opened (opening some has effects).
pub fn open(path: &Path, streams: bool) -> Result<(File, Metadata), SourceError> {
    let before = std::fs::metadata(path)?;
    let stream = |m: &Metadata| streams && is_fifo(&m.file_type());
    if !before.is_file() && !stream(&before) {
        return Err(SourceError::NotRegular(special_kind(&before.file_type())));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let wait = if stream(&before) { 0 } else { libc::O_NONBLOCK };
        options.custom_flags(libc::O_NOCTTY | wait);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() && !stream(&meta) {
        return Err(SourceError::NotRegular(special_kind(&meta.file_type())));
    }
    Ok((file, meta))
}

/// Appends what `reader` holds to `into`, which must not grow past `limit`
/// bytes in all: one more is [`SourceError::TooLarge`] (`what` names the
/// limit), and nothing past it is read.
pub fn read_bounded(
    reader: impl Read,
    into: &mut Vec<u8>,
    limit: u64,
    what: &'static str,
) -> Result<(), SourceError> {
    let room = limit.saturating_sub(into.len() as u64);
    reader.take(room + 1).read_to_end(into)?;
    if into.len() as u64 > limit {
        into.clear();
        into.shrink_to_fit();
        return Err(SourceError::TooLarge { limit, what });
    }
    Ok(())
}

/// Whether this is a FIFO (a named pipe, or the pipe behind `/dev/stdin`).
#[cfg(unix)]
pub fn is_fifo(t: &std::fs::FileType) -> bool {
    std::os::unix::fs::FileTypeExt::is_fifo(t)
}

/// Whether this is a FIFO (never, here).
#[cfg(not(unix))]
pub fn is_fifo(_: &std::fs::FileType) -> bool {
    false
}

/// What a file that is neither a regular file nor a directory is.
pub fn special_kind(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
    }
    if t.is_dir() {
        return "a directory";
    }
    "a special file"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_up_to_the_limit_and_refuses_one_byte_more() {
        let mut out = Vec::new();
        read_bounded(&[7u8; 10][..], &mut out, 10, WHOLE).unwrap();
        assert_eq!(out.len(), 10);
        let mut out = b"abc".to_vec();
        let e = read_bounded(&[7u8; 8][..], &mut out, 10, FROM_A_STREAM).unwrap_err();
        assert!(matches!(e, SourceError::TooLarge { limit: 10, .. }), "{e}");
        assert!(out.is_empty(), "nothing half-read is kept");
        // An endless reader ends at the limit.
        let mut out = Vec::new();
        let e = read_bounded(std::io::repeat(b'y'), &mut out, 1000, FROM_A_STREAM).unwrap_err();
        assert_eq!(
            e.to_string(),
            "larger than 1000 bytes, the most kanbao reads from a pipe, a FIFO or stdin: not read"
        );
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_refused_and_only_named_fifos_are_opened() {
        if Path::new("/dev/zero").exists() {
            let e = open(Path::new("/dev/zero"), true).unwrap_err();
            assert_eq!(
                e.to_string(),
                "not a regular file (a character device): not read"
            );
        }
        let dir = std::env::temp_dir().join(format!("kanbao-source-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("pipe.json");
        let _ = std::fs::remove_file(&fifo);
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            // Not named by the user: refused at once, nobody waited for.
            let e = open(&fifo, false).unwrap_err();
            assert_eq!(e.to_string(), "not a regular file (a FIFO): not read");
        }
        let file = dir.join("a.json");
        std::fs::write(&file, b"{}").unwrap();
        let (_, meta) = open(&file, false).unwrap();
        assert!(meta.is_file());
        let e = open(&dir, true).unwrap_err();
        assert_eq!(e.to_string(), "not a regular file (a directory): not read");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
