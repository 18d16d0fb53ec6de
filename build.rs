//! Stamps the git revision into `--version` when asked (`MAVERICS_KRM_STAMP=1`, set by CI and
//! scripts/build-static), so a distributed binary says exactly which source it was built from.
//!
//! Unstamped by default: a stamp must rerun this script whenever the index or HEAD moves, and
//! the changed `env!` then recompiles the whole crate, so every commit or `git add`, even of a
//! Markdown file, would cost a full release build.

use std::path::PathBuf;
use std::process::Command;

const STAMP: &str = "MAVERICS_KRM_STAMP";

fn main() {
    println!("cargo:rerun-if-env-changed={STAMP}");
    println!("cargo:rerun-if-changed=build.rs");
    let rev = if std::env::var_os(STAMP).is_some_and(|v| v == "1") {
        // `git rev-parse --git-path` also finds them in a worktree, where `.git` is a file.
        for name in ["HEAD", "index"] {
            if let Some(path) = git(&["rev-parse", "--git-path", name]).map(PathBuf::from)
                && path.exists()
            {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
        git(&["describe", "--always", "--dirty", "--abbrev=12"])
            .unwrap_or_else(|| "unknown revision: git describe failed".to_owned())
    } else {
        format!("no revision stamp; build with {STAMP}=1")
    };
    println!("cargo:rustc-env=MAVERICS_KRM_GIT_REV={rev}");
}

/// The trimmed stdout of a successful, non-empty git command.
fn git(args: &[&str]) -> Option<String> {
    Command::new("git")
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}
