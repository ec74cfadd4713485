//! Files with personal data: created private (0700 folders, 0600 files) whatever the umask, never written
//! through a symbolic link, and never overwriting an existing file unless asked to.

use std::io::Write;
use std::path::Path;

/// Mode of private folders.
pub const DIR_MODE: u32 = 0o700;
/// Mode of private files.
pub const FILE_MODE: u32 = 0o600;

/// Makes the process create every later file private (umask 077), so SQLite's WAL and journal files, logs
/// and anything else created are 0600/0700 regardless of the user's umask.
pub fn private_umask() {
    #[cfg(unix)]
    // SAFETY: umask only changes the process's file-creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

/// Restores the default action of SIGPIPE (the Rust runtime ignores it), so a command whose output pipe
/// closes ends quietly instead of panicking on the failed write. Only for command-line runs: sockets are
/// written with `MSG_NOSIGNAL` by the standard library either way.
pub fn default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: resetting a signal disposition to its default is async-signal-safe and has no preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Creates the data folder if needed and makes it private (0700), whoever created it.
pub fn make_private_dir(dir: &Path) -> std::io::Result<()> {
    create_private_dir(dir)?;
    set_mode(dir, DIR_MODE)
}

/// Creates `dir` and missing parents; the folders it creates are 0700.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(DIR_MODE);
    }
    builder.create(dir)
}

/// Sets `path`'s permission bits to `mode` (no-op off Unix).
pub fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

/// Writes a new private file (0600). An existing file or symbolic link at `path` is an error
/// (`AlreadyExists`) unless `replace`, which removes it first (a link is removed, never followed).
pub fn write_new_private(path: &Path, bytes: &[u8], replace: bool) -> std::io::Result<()> {
    if replace && let Ok(meta) = std::fs::symlink_metadata(path) {
        if meta.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "a folder is in the way",
            ));
        }
        std::fs::remove_file(path)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(FILE_MODE);
    }
    let mut f = opts.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "the file exists already (nothing was overwritten; use --force to replace it)",
            )
        } else {
            e
        }
    })?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Creates an empty private file if none exists (so a program that creates it later, e.g. SQLite, keeps
/// the mode), and makes an existing one private.
pub fn ensure_private_file(path: &Path) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(FILE_MODE).custom_flags(libc::O_NOFOLLOW);
    }
    opts.open(path)?;
    set_mode(path, FILE_MODE)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn new_files_are_private_and_links_are_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("victim");
        std::fs::write(&target, b"keep").unwrap();
        let link = dir.path().join("photo.jpg");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = write_new_private(&link, b"x", false).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&target).unwrap(), b"keep");
        write_new_private(&link, b"new", true).unwrap();
        assert_eq!(
            std::fs::read(&target).unwrap(),
            b"keep",
            "followed the link"
        );
        assert_eq!(std::fs::read(&link).unwrap(), b"new");
        let mode = std::fs::metadata(&link).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let sub = dir.path().join("a/b");
        create_private_dir(&sub).unwrap();
        let mode = std::fs::metadata(&sub).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }
}
