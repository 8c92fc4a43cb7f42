//! The user's files, read and written.
//!
//! Reading: `/dev/zero` never ends, a FIFO blocks until someone writes to it, and a folder
//! cannot be read at all: a path that is not a regular file (after following symbolic links)
//! is refused before it is opened. A file that is too big is refused as soon as reading passes
//! the limit, so the memory it takes is bounded by the limit, not by the file.
//!
//! Writing: files nnviz writes are whole or not written. Each is written to a new temporary
//! file in the target's folder (created exclusively, so nothing planted there is followed),
//! flushed, and renamed into place. On any failure the old file is untouched and the temporary
//! is removed (by `tempfile`'s drop).

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

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

// ------------------------------------------------------------------------- writing

/// The folder a target lives in ("." for a bare file name).
fn folder(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// `bytes` in a flushed temporary file next to `path`.
fn staged(path: &Path, bytes: &[u8]) -> io::Result<NamedTempFile> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // As a plain create would: the old file's permissions, or 0666 less the umask (tempfile's
    // default, 0600, would hide a dump from the user's other tools).
    #[cfg(unix)]
    let permissions = std::fs::metadata(path).map(|m| m.permissions()).unwrap_or_else(|_| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::Permissions::from_mode(0o666)
    });
    #[cfg(unix)]
    builder.permissions(permissions);
    let mut tmp = builder.tempfile_in(folder(path))?;
    tmp.write_all(bytes)?;
    tmp.as_file_mut().sync_all()?;
    Ok(tmp)
}

/// Write `bytes` to `path`, replacing what is there only once the new file is complete.
pub fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    staged(path, bytes)?.persist(path).map(drop).map_err(|e| e.error)
}

/// Write `bytes` to `path`, which must not exist yet (never replaces a file).
pub fn create_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    staged(path, bytes)?.persist_noclobber(path).map(drop).map_err(|e| e.error)
}

/// Write a set of new files, all or none: each is staged, then each put in place without
/// replacing anything; if one cannot be, the ones already in place are removed again.
pub fn create_all_new(files: &[(&Path, &[u8])]) -> io::Result<()> {
    let staged = files.iter().map(|(p, b)| staged(p, b)).collect::<io::Result<Vec<_>>>()?;
    let mut placed: Vec<&Path> = Vec::new();
    for (tmp, (path, _)) in staged.into_iter().zip(files) {
        if let Err(e) = tmp.persist_noclobber(path) {
            for p in placed {
                // These are files this call created a moment ago; nothing else is touched.
                let _ = std::fs::remove_file(p);
            }
            return Err(e.error);
        }
        placed.push(path);
    }
    Ok(())
}

/// The first of `base`, `base-2`, `base-3` … for which no file with any of `extensions`
/// exists in `dir`: a new snapshot never replaces an old one.
pub fn unused_name(dir: &Path, base: &str, extensions: &[&str]) -> Vec<PathBuf> {
    let taken = |paths: &[PathBuf]| paths.iter().any(|p| p.symlink_metadata().is_ok());
    let names = |stem: &str| extensions.iter().map(|e| dir.join(format!("{stem}.{e}"))).collect::<Vec<_>>();
    let mut k = 1u64;
    loop {
        let stem = if k == 1 { base.to_string() } else { format!("{base}-{k}") };
        let paths = names(&stem);
        if !taken(&paths) {
            return paths;
        }
        k += 1;
    }
}

/// The same file, as far as the file system can tell (for a target that does not exist yet:
/// its folder's canonical path and its name).
pub fn same_file(a: &Path, b: &Path) -> bool {
    let canonical = |p: &Path| {
        p.canonicalize().ok().or_else(|| {
            let name = p.file_name()?;
            folder(p).canonicalize().ok().map(|d| d.join(name))
        })
    };
    matches!((canonical(a), canonical(b)), (Some(x), Some(y)) if x == y)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

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

    #[test]
    fn a_pair_is_written_whole_and_never_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let [a, b] = [dir.path().join("a.json"), dir.path().join("a.csv")];
        create_all_new(&[(&a, b"1"), (&b, b"2")]).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"1");
        // The second name is taken: neither is written, and the first is not left behind.
        let c = dir.path().join("c.json");
        assert!(create_all_new(&[(&c, b"3"), (&b, b"4")]).is_err());
        assert!(!c.exists());
        assert_eq!(std::fs::read(&b).unwrap(), b"2");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 2, "no temporaries left: {names:?}");
        let next = unused_name(dir.path(), "a", &["json", "csv"]);
        assert_eq!(next, vec![dir.path().join("a-2.json"), dir.path().join("a-2.csv")]);
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_symlink_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"keep").unwrap();
        std::os::unix::fs::symlink(&victim, dir.path().join(".s.json.tmp")).unwrap();
        let target = dir.path().join("s.json");
        create_new(&target, b"new").unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        // A symlink at the target itself is a taken name, not a file to write through.
        std::os::unix::fs::symlink(&victim, dir.path().join("t.json")).unwrap();
        assert!(create_new(&dir.path().join("t.json"), b"x").is_err());
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
    }
}
