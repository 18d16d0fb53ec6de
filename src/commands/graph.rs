//! `maverics-krm graph`: the Mermaid flowchart of reach on stdout.

use super::CliError;
use crate::exit::Exit;
use crate::graph::GraphArgs;
use crate::io::stdout;

/// The chart on stdout; an input that cannot be loaded is an input error.
pub fn graph(args: &GraphArgs) -> Result<Exit, CliError> {
    let chart = crate::graph::run(args).map_err(CliError::Input)?;
    stdout::write(chart)?;
    Ok(Exit::Success)
}
