//! Directories written whole or not at all (`init`, `eject`, `import-helm-values --out`):
//! the files go into a hidden folder beside the target, and move into place only when every
//! one of them is written. A failure, or an interrupt, leaves the target as it was.

use crate::diag::Diagnostic;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// A directory being written. Dropped without [`Staged::commit`], it leaves no trace.
pub struct Staged {
    target: PathBuf,
    /// Whether the target exists: the files then move in one by one.
    merge: bool,
    dir: tempfile::TempDir,
    _cleanup: super::interrupt::Guard,
}

/// How to refuse a non-empty target: the fix names the command's own way out.
pub enum NonEmpty<'a> {
    /// Refuse, with this fix.
    Refuse(&'a str),
    /// Write over the target's files of the same names; keep its others.
    Overwrite,
}

impl Staged {
    /// Starts writing `target`, which must be missing or empty unless `non_empty` allows it.
    pub fn new(target: &Path, non_empty: NonEmpty) -> Result<Staged, Diagnostic> {
        let shown = target.display();
        let exists = match std::fs::read_dir(target).map(|mut entries| entries.next().is_some()) {
            Ok(false) => true,
            Ok(true) => match non_empty {
                NonEmpty::Refuse(fix) => {
                    return Err(Diagnostic::error(format!("{shown} exists and is not empty")).fix(fix));
                }
                NonEmpty::Overwrite => true,
            },
            // Missing, or under a file: the move into place says why it cannot be created.
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => false,
            Err(e) => {
                return Err(
                    Diagnostic::error(format!("cannot read {shown}: {e}")).fix("check the path and its permissions")
                );
            }
        };
        // A new target is staged beside it and appears in one rename. An existing one (it may
        // be the current directory, which must not be replaced under the shell) is staged in
        // a hidden folder inside it, and the files are renamed into place one by one. Either
        // way the moves stay within one file system.
        let parent = if exists {
            target.to_owned()
        } else {
            existing_ancestor(target)
        };
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let prefix = format!(".{name}.partial-");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // The umask applies, so a new target gets the mode `mkdir` gives, not 0700.
            builder.permissions(std::fs::Permissions::from_mode(0o777));
        }
        let dir = builder.tempdir_in(&parent).map_err(|e| {
            Diagnostic::error(format!("cannot create a folder in {}: {e}", parent.display()))
                .fix("check the directory's permissions and free space")
        })?;
        let staged = dir.path().to_owned();
        let cleanup = super::interrupt::on_interrupt(move || {
            let _ = std::fs::remove_dir_all(&staged);
        });
        Ok(Staged {
            target: target.to_owned(),
            merge: exists,
            dir,
            _cleanup: cleanup,
        })
    }

    /// The target as an absolute path with symbolic links resolved, as
    /// [`std::fs::canonicalize`] would give it once the target exists: for paths written
    /// into the files that are relative to the target.
    pub fn resolved_target(&self) -> std::io::Result<PathBuf> {
        let mut rest = Vec::new();
        let mut at = std::path::absolute(&self.target)?;
        loop {
            if let Ok(real) = std::fs::canonicalize(&at) {
                return Ok(rest.iter().rev().fold(real, |p: PathBuf, c| p.join(c)));
            }
            match (at.file_name().map(ToOwned::to_owned), at.parent()) {
                (Some(name), Some(parent)) => {
                    rest.push(name);
                    at = parent.to_owned();
                }
                _ => return std::fs::canonicalize(&at),
            }
        }
    }

    /// Where the files go while they are written.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `rel` (a `/`-separated path under the target), creating its folders.
    pub fn write(&self, rel: &str, text: &str) -> Result<PathBuf, Diagnostic> {
        let path = self.dir.path().join(rel);
        let io = |e: std::io::Error| self.error(rel, &e);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::fs::write(&path, text).map_err(io)?;
        Ok(self.target.join(rel))
    }

    /// Writes `rel` as an executable file.
    pub fn write_executable(&self, rel: &str, text: &str) -> Result<PathBuf, Diagnostic> {
        let written = self.write(rel, text)?;
        set_executable(&self.dir.path().join(rel)).map_err(|e| self.error(rel, &e))?;
        Ok(written)
    }

    fn error(&self, rel: &str, e: &std::io::Error) -> Diagnostic {
        Diagnostic::error(format!("cannot write {}: {e}", self.target.join(rel).display()))
            .fix("check the directory's permissions and free space; nothing was written")
    }

    /// Moves the staged files into the target.
    pub fn commit(self) -> Result<(), Diagnostic> {
        let failed = |what: &Path, e: std::io::Error| {
            Diagnostic::error(format!("cannot move the output into {}: {e}", what.display()))
                .fix("check the directory's permissions")
        };
        if let Some(parent) = self.target.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| failed(parent, e))?;
        }
        if !self.merge {
            let staged = self.dir.keep();
            return std::fs::rename(&staged, &self.target).map_err(|e| {
                let _ = std::fs::remove_dir_all(&staged);
                failed(&self.target, e)
            });
        }
        // Each file is renamed into place, over its namesake under `--force`.
        for entry in walkdir::WalkDir::new(self.dir.path()).sort_by_file_name().min_depth(1) {
            let entry = entry.map_err(|e| failed(self.dir.path(), e.into()))?;
            let rel = entry.path().strip_prefix(self.dir.path()).unwrap_or(entry.path());
            let to = self.target.join(rel);
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&to).map_err(|e| failed(&to, e))?;
            } else {
                std::fs::rename(entry.path(), &to).map_err(|e| failed(&to, e))?;
            }
        }
        Ok(())
    }
}

/// The nearest folder of `target` that exists: the target's parent may not exist yet.
fn existing_ancestor(target: &Path) -> PathBuf {
    let mut dir = target.parent();
    while let Some(d) = dir {
        if d.as_os_str().is_empty() {
            break;
        }
        if d.is_dir() {
            return d.to_owned();
        }
        dir = d.parent();
    }
    PathBuf::from(".")
}

#[cfg(unix)]
fn set_executable(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
}

#[cfg(not(unix))]
fn set_executable(_: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn nothing_reaches_the_target_before_commit_and_all_of_it_after() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("a/b");
        let staged = Staged::new(&target, NonEmpty::Refuse("x")).unwrap();
        staged.write("c/d.yaml", "x: 1\n").unwrap();
        assert!(!target.exists());
        staged.commit().unwrap();
        assert_eq!(std::fs::read_to_string(target.join("c/d.yaml")).unwrap(), "x: 1\n");
        let left: Vec<_> = std::fs::read_dir(tmp.path().join("a")).unwrap().collect();
        assert_eq!(left.len(), 1, "no staging folder is left");
    }

    #[test]
    fn dropped_without_commit_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let staged = Staged::new(&tmp.path().join("t"), NonEmpty::Refuse("x")).unwrap();
        staged.write("f", "x").unwrap();
        drop(staged);
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
    }

    #[test]
    fn overwrite_keeps_the_targets_other_files() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("mine"), "m").unwrap();
        std::fs::write(tmp.path().join("f"), "old").unwrap();
        assert!(Staged::new(tmp.path(), NonEmpty::Refuse("x")).is_err());
        let staged = Staged::new(tmp.path(), NonEmpty::Overwrite).unwrap();
        staged.write("f", "new").unwrap();
        staged.commit().unwrap();
        assert_eq!(std::fs::read_to_string(tmp.path().join("f")).unwrap(), "new");
        assert_eq!(std::fs::read_to_string(tmp.path().join("mine")).unwrap(), "m");
    }
}
