//! `maverics-krm man` and `maverics-krm completions`, generated from the same clap
//! definitions as `--help` (the caller passes them in).

use super::CliError;
use crate::exit::Exit;
use crate::io::stdout;
use std::path::Path;

/// The man pages. clap's implicit `help` command is left out: it has no page of its own.
pub fn man(cmd: clap::Command, out: Option<&Path>) -> Result<Exit, CliError> {
    let cmd = cmd.disable_help_subcommand(true);
    match out {
        Some(dir) => std::fs::create_dir_all(dir)
            .and_then(|()| clap_mangen::generate_to(cmd, dir))
            .map_err(|e| CliError::Usage(format!("writing the man pages into {}: {e}", dir.display())))?,
        None => {
            // Rendered into memory: a failing writer must reach stdout's one error path.
            let mut page = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut page)
                .map_err(|e| CliError::Usage(format!("writing the man page: {e}")))?;
            stdout::write(page)?;
        }
    }
    Ok(Exit::Success)
}

/// The completion script of `shell`.
pub fn completions(mut cmd: clap::Command, shell: clap_complete::Shell) -> Result<Exit, CliError> {
    // Generated into memory: clap_complete panics when its writer fails.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "maverics-krm", &mut script);
    stdout::write(script)?;
    Ok(Exit::Success)
}
