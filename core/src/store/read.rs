//! One idea: reading from disk, safely — the one bounded reader, as
//! [`crate::store::atomic`] is the one writer. A file is opened
//! first and then looked at — its type and size come from the open handle,
//! never from a stat of the path that could have changed in between — and a
//! file met in a walk is opened without waiting, so a FIFO put there can
//! never block. Every read has a bound: stdin, FIFOs and `file://` feeds
//! (whose end is not known) at [`MAX_BYTES`], the network's cap; regular
//! files read whole at [`MAX_FILE_BYTES`]. Big JSON Lines files are not read
//! whole but streamed (by the library loader), at any size.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

/// The most bytes kanbao reads of anything it cannot know the size of
/// beforehand and must hold whole: an HTTP body (after gzip decoding), a
/// `file://` feed, stdin, a FIFO. 20 MiB: real feeds are well under 1 MiB.
pub const MAX_BYTES: u64 = 20 * 1024 * 1024;

/// The largest regular file read whole: a JSON article file or array, a
/// feed, a page, a text dump. 1 GiB; JSON Lines files are streamed a block
/// at a time and have no such limit (a library of 100,000 articles is one
/// 0.6 GB file).
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// Why a file was not opened or not read to its end.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
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

/// What [`ReadError::TooLarge`] says of a pipe, a FIFO or stdin.
pub const FROM_A_STREAM: &str = "from a pipe, a FIFO or stdin";
/// What [`ReadError::TooLarge`] says of a regular file read whole.
pub const WHOLE: &str = "in one piece (JSON Lines, one article a line, has no limit)";

/// Opens `path` for reading and checks, on the open handle, that it is a
/// regular file — or, when `streams` (a path the user named), a FIFO or
/// pipe, which is then opened as `cat` would, waiting for a writer. Without
/// `streams` the open never waits: a FIFO that replaced the file since it
/// was listed is refused, not waited on. Devices and sockets are refused
/// before they are opened (opening some has effects).
pub fn open(path: &Path, streams: bool) -> Result<(File, Metadata), ReadError> {
    let before = std::fs::metadata(path)?;
    let stream = |m: &Metadata| streams && is_fifo(&m.file_type());
    if !before.is_file() && !stream(&before) {
        return Err(ReadError::NotRegular(special_kind(&before.file_type())));
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
        return Err(ReadError::NotRegular(special_kind(&meta.file_type())));
    }
    Ok((file, meta))
}

/// Appends what `reader` holds to `into`, which must not grow past `limit`
/// bytes in all: one more is [`ReadError::TooLarge`] (`what` names the
/// limit), and nothing past it is read.
pub fn read_bounded(
    reader: impl Read,
    into: &mut Vec<u8>,
    limit: u64,
    what: &'static str,
) -> Result<(), ReadError> {
    let room = limit.saturating_sub(into.len() as u64);
    reader.take(room + 1).read_to_end(into)?;
    if into.len() as u64 > limit {
        into.clear();
        into.shrink_to_fit();
        return Err(ReadError::TooLarge { limit, what });
    }
    Ok(())
}

/// Reads the regular file at `path` whole, up to `limit` bytes: opened
/// without waiting (a FIFO there is refused, not waited on), checked on the
/// handle. For the files kanbao keeps (subscriptions, config, articles it
/// stored), which nobody should have replaced by a FIFO or a device.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let (file, meta) = open(path, false)?;
    if meta.len() > limit {
        return Err(ReadError::TooLarge {
            limit,
            what: WHOLE_FILE,
        });
    }
    let mut bytes = Vec::new();
    read_bounded(file, &mut bytes, limit, WHOLE_FILE)?;
    Ok(bytes)
}

/// What [`ReadError::TooLarge`] says of a file kanbao keeps.
const WHOLE_FILE: &str = "of a file like this one";

/// `1 GiB`, `20 MiB`, `64 KiB`, `1000 bytes`.
pub fn size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    const GIB: u64 = 1024 * MIB;
    if bytes >= GIB && bytes.is_multiple_of(GIB) {
        format!("{} GiB", bytes / GIB)
    } else if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
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
        assert!(matches!(e, ReadError::TooLarge { limit: 10, .. }), "{e}");
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
        let e = read_regular(&file, 1).unwrap_err();
        assert!(matches!(e, ReadError::TooLarge { limit: 1, .. }), "{e}");
        assert_eq!(read_regular(&file, 2).unwrap(), b"{}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sizes_in_words() {
        assert_eq!(size(MAX_BYTES), "20 MiB");
        assert_eq!(size(1 << 30), "1 GiB");
        assert_eq!(size(64 * 1024), "64 KiB");
        assert_eq!(size(1000), "1000 bytes");
    }
}
