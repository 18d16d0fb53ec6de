//! `maverics-krm init`: the scaffold of a repository of the user's own.

use super::CliError;
use crate::exit::Exit;
use crate::init::Mode;
use std::path::{Path, PathBuf};

/// Scaffolds `dir` (default: the current one) for `platform`, or adds `add_platform` to a
/// scaffold, and says what to read next. A refused target is a usage error, like every
/// other bad argument.
pub fn init(
    dir: Option<PathBuf>,
    platform: Option<String>,
    add_platform: Option<String>,
    force: bool,
) -> Result<Exit, CliError> {
    let dir = dir.unwrap_or_else(|| PathBuf::from("."));
    let (platform, mode) = match (add_platform, force) {
        (Some(p), _) => (p, Mode::AddPlatform),
        (None, true) => (platform.unwrap_or_default(), Mode::Force),
        (None, false) => (platform.unwrap_or_default(), Mode::New),
    };
    let files = crate::init::init(&dir, &platform, mode).map_err(CliError::Input)?;
    eprintln!(
        "wrote {} files into {}; next: {}",
        files.len(),
        dir.display(),
        next(&dir, &platform, mode).display()
    );
    Ok(Exit::Success)
}

/// What to read next: the overlay's README after --add-platform, else the scaffold's.
fn next(dir: &Path, platform: &str, mode: Mode) -> PathBuf {
    match mode {
        Mode::AddPlatform => dir.join("overlays").join(platform).join("README.md"),
        _ => dir.join("README.md"),
    }
}
