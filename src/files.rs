//! Files nnviz writes are whole or not written: each is written to a new temporary file in
//! the target's folder (created exclusively, so nothing planted there is followed), flushed,
//! and renamed into place. On any failure the old file is untouched and the temporary is
//! removed (by `tempfile`'s drop).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

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
