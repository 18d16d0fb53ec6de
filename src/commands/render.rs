//! `maverics-krm render`: the manifests of one Orchestrator config, without kustomize.

use super::{CliError, read_input, reported};
use crate::exit::Exit;
use crate::io::stdout;
use crate::resources::render::render_text;
use std::path::Path;

/// The default base config, so `render` works with nothing but the binary.
pub const DEFAULT_CONFIG: &str = include_str!("../../bases/orchestrator/orchestrator.yaml");
const DEFAULT_CONFIG_NAME: &str = "bases/orchestrator/orchestrator.yaml (embedded)";

/// Reads an Orchestrator config file and renders its base as a multi-document stream.
pub fn render(config: Option<&Path>) -> Result<Exit, CliError> {
    let (name, text) = match config {
        None => (DEFAULT_CONFIG_NAME.to_owned(), DEFAULT_CONFIG.to_owned()),
        Some(p) => {
            let input = read_input(p)?;
            (input.name, input.text)
        }
    };
    let (text, diags) = render_text(&name, &text).map_err(CliError::Findings)?;
    stdout::write(text)?;
    Ok(reported(&diags))
}
