//! Reading the user's files: regular files only, and never more than a limit.
//!
//! `/dev/zero` never ends, a FIFO blocks until someone writes to it, and a folder cannot be
//! read at all: a path that is not a regular file (after following symbolic links) is
//! refused before it is opened. A file that is too big is refused as soon as reading passes
//! the limit, so the memory it takes is bounded by the limit, not by the file.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Why a file cannot be used, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileError {
    /// The path names nothing (a dangling symbolic link included).
    Missing,
    /// It exists but is a folder, a device, a pipe or a socket.
    NotRegular(&'static str),
    /// More than the limit (in bytes).
    TooBig(u64),
    /// Anything else the system says (permission denied, a loop of symbolic links, …).
    Io(String),
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Missing => f.write_str("no such file"),
            Self::NotRegular(what) => write!(f, "not a regular file ({what})"),
            Self::TooBig(limit) => write!(f, "larger than {}", bytes(*limit)),
            Self::Io(reason) => f.write_str(reason),
        }
    }
}

impl From<io::Error> for FileError {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::NotFound { Self::Missing } else { Self::Io(io_reason(&e)) }
    }
}

/// The OS message in lower case without its " (os error 40)" suffix, which means nothing to
/// users: "too many levels of symbolic links", "permission denied".
pub fn io_reason(e: &io::Error) -> String {
    let text = e.to_string();
    let text = match text.find(" (os error ") {
        Some(i) if text.ends_with(')') => &text[..i],
        _ => &text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Open `path` for reading if it is a regular file, symbolic links followed.
pub fn open_regular(path: &Path) -> Result<File, FileError> {
    check_regular(&std::fs::metadata(path)?)?;
    let file = File::open(path)?;
    // The path may have been replaced between the two looks: judge what was opened.
    check_regular(&file.metadata()?)?;
    Ok(file)
}

fn check_regular(meta: &std::fs::Metadata) -> Result<(), FileError> {
    let t = meta.file_type();
    if t.is_file() {
        return Ok(());
    }
    Err(FileError::NotRegular(if t.is_dir() { "a folder" } else { kind_of_special(&t) }))
}

#[cfg(unix)]
fn kind_of_special(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        "a pipe"
    } else if t.is_socket() {
        "a socket"
    } else {
        "a device"
    }
}

#[cfg(not(unix))]
fn kind_of_special(_: &std::fs::FileType) -> &'static str {
    "a device"
}

/// The whole of a regular file of at most `limit` bytes. Reading stops at `limit + 1`
/// bytes, whatever the file claims its size is.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, FileError> {
    let file = open_regular(path)?;
    let hint = file.metadata().map(|m| m.len()).unwrap_or(0);
    if hint > limit {
        return Err(FileError::TooBig(limit));
    }
    let mut bytes = Vec::with_capacity(hint as usize);
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(FileError::TooBig(limit));
    }
    Ok(bytes)
}

/// A size in bytes as people write it: "16 MiB", "1 GiB", "512 B".
pub fn bytes(n: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (unit, name) in UNITS {
        if n >= unit {
            let v = n as f64 / unit as f64;
            return if v.fract() == 0.0 { format!("{v} {name}") } else { format!("{v:.1} {name}") };
        }
    }
    format!("{n} B")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_words() {
        assert_eq!(bytes(16 << 20), "16 MiB");
        assert_eq!(bytes(1 << 30), "1 GiB");
        assert_eq!(bytes(3 << 29), "1.5 GiB");
        assert_eq!(bytes(100), "100 B");
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_folders_are_refused_without_reading() {
        assert_eq!(read_limited(Path::new("/dev/zero"), 10), Err(FileError::NotRegular("a device")));
        assert_eq!(read_limited(Path::new("/"), 10), Err(FileError::NotRegular("a folder")));
        assert_eq!(read_limited(Path::new("/no/such/file"), 10), Err(FileError::Missing));
    }

    #[test]
    fn reading_stops_past_the_limit() {
        let path = std::env::temp_dir().join(format!("nnviz-files-test-{}", std::process::id()));
        std::fs::write(&path, b"0123456789").expect("write temp file");
        assert_eq!(read_limited(&path, 10).as_deref(), Ok(&b"0123456789"[..]));
        assert_eq!(read_limited(&path, 9), Err(FileError::TooBig(9)));
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn os_messages_in_lower_case() {
        let e = io::Error::from_raw_os_error(2);
        assert!(!io_reason(&e).contains("os error"), "{}", io_reason(&e));
        assert!(io_reason(&e).starts_with(char::is_lowercase), "{}", io_reason(&e));
    }
}
