//! `maverics-krm eject`: an overlay's platform layer as a plain kustomize overlay.

use super::{CliError, reported, this_binary};
use crate::exit::Exit;
use std::path::Path;

/// Writes the ejected overlay into `out` and says so.
pub fn eject(platform: &str, config: &Path, out: &Path, kustomize: Option<&Path>) -> Result<Exit, CliError> {
    let me = this_binary()?;
    let diags = crate::platform::eject::eject(platform, config, out, &crate::io::kustomize::find(kustomize), &me)
        .map_err(CliError::Findings)?;
    eprintln!("wrote {}", out.display());
    Ok(reported(&diags))
}
