//! The one walker of input files under a directory (`check DIR`, `diff DIR`), and the one
//! list of kustomization file names.
//!
//! The rule: every `.yaml`, `.yml` and `.json` file below the directory, sorted by path;
//! hidden files and folders (`.git`, `.github`) below it are skipped; symbolic links are
//! followed, except one that leads back to a folder the walk is already inside: everything
//! behind such a loop is read through the folder itself, so skipping it loses nothing and
//! ends the walk. A dangling link is an error only when its name is one the walk would read.

use crate::diag::Diagnostic;
use std::path::{Path, PathBuf};

/// The kustomization file names kustomize accepts, in the order it looks for them.
pub const KUSTOMIZATION_FILES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// The kustomization file of `dir`, if it has one.
pub fn kustomization_file(dir: &Path) -> Option<PathBuf> {
    KUSTOMIZATION_FILES.iter().map(|f| dir.join(f)).find(|p| p.is_file())
}

/// Whether `dir` holds a kustomization file, so a command builds it with kustomize.
pub fn is_kustomization(dir: &Path) -> bool {
    kustomization_file(dir).is_some()
}

/// The files to read for `path`: the file itself, or the YAML and JSON files under a folder.
pub fn input_files(path: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    if path.is_file() {
        return Ok(vec![path.to_owned()]);
    }
    if !path.is_dir() {
        return Err(
            Diagnostic::error(format!("{}: no such file or directory", path.display()))
                .fix("give a file, a directory or `-` for stdin"),
        );
    }
    let mut out = Vec::new();
    let walk = walkdir::WalkDir::new(path)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walk {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) if e.loop_ancestor().is_some() => continue,
            // A dangling link is only a problem where a file would have been read.
            Err(e) if e.path().is_some_and(|p| !is_input(p) && p.is_symlink()) => continue,
            Err(e) => {
                let at = e.path().unwrap_or(path).display().to_string();
                return Err(Diagnostic::error(format!("cannot read {at}: {e}"))
                    .fix("check that path's permissions, or remove the broken link"));
            }
        };
        if is_input(entry.path()) && entry.file_type().is_file() {
            out.push(entry.into_path());
        }
    }
    out.sort();
    Ok(out)
}

fn is_input(path: &Path) -> bool {
    path.extension()
        .and_then(|x| x.to_str())
        .is_some_and(|x| matches!(x, "yaml" | "yml" | "json"))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn symlink_loops_end_and_hidden_folders_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("sub/.git")).unwrap();
        for f in [
            "a.yaml",
            "sub/b.yml",
            "sub/c.json",
            "sub/.git/d.yaml",
            "sub/e.txt",
            ".f.yaml",
        ] {
            std::fs::write(d.join(f), "{}").unwrap();
        }
        std::os::unix::fs::symlink(".", d.join("l1")).unwrap();
        std::os::unix::fs::symlink("..", d.join("sub/l2")).unwrap();
        let got: Vec<_> = input_files(d)
            .unwrap()
            .into_iter()
            .map(|p| p.strip_prefix(d).unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(got, ["a.yaml", "sub/b.yml", "sub/c.json"]);
    }

    #[test]
    fn a_dangling_link_fails_the_walk_only_where_a_file_would_be_read() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("gone", dir.path().join("README")).unwrap();
        assert_eq!(input_files(dir.path()).unwrap().len(), 0);
        std::os::unix::fs::symlink("gone", dir.path().join("x.yaml")).unwrap();
        let e = input_files(dir.path()).unwrap_err();
        assert!(e.message.contains("x.yaml"), "{}", e.message);
    }
}
