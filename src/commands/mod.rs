//! The body of each command, over library calls; `crate::cli` parses the arguments and calls
//! one of these. Every command returns `Result<Exit, CliError>`, and [`finish`] alone prints
//! the error and turns it into the process exit code ([`crate::exit`]).
//!
//! - [`function`]: function mode (no subcommand), what kustomize and kpt run.
//! - [`render`], [`build`], [`check`], [`diff`], [`graph`], [`eject`]: manifests and checks.
//! - [`import`]: a values file of the Helm chart to a config (`import-helm-values`).
//! - [`schema`]: `schema` and `explain`.
//! - [`init`]: the scaffold.
//! - [`man`]: `man` and `completions`.

pub mod build;
pub mod check;
pub mod diff;
pub mod eject;
pub mod function;
pub mod graph;
pub mod import;
pub mod init;
pub mod man;
pub mod render;
pub mod schema;

use crate::diag::Diagnostic;
use crate::exit::Exit;
use crate::io::{read, stdout};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Why a command failed. The variant decides the exit code and how it is said.
#[derive(Debug)]
pub enum CliError {
    /// Errors found in the input, with any warnings beside them: exit 1.
    Findings(Vec<Diagnostic>),
    /// A usage or environment error, said as `error: MESSAGE`: exit 2.
    Usage(String),
    /// An error said as one diagnostic, with its fix: input that cannot be read or loaded, a
    /// folder that cannot be written, a refused target. Exit 2.
    Input(Diagnostic),
    /// stdout could not take the output: 141 for a broken pipe (said nowhere), else exit 2.
    Write(stdout::WriteError),
}

impl From<stdout::WriteError> for CliError {
    fn from(e: stdout::WriteError) -> Self {
        CliError::Write(e)
    }
}

impl CliError {
    /// Prints the error on stderr and gives the exit code.
    pub fn exit(self) -> Exit {
        match self {
            CliError::Findings(diags) => {
                print(&diags);
                Exit::Findings
            }
            CliError::Usage(msg) => {
                eprintln!("error: {msg}");
                Exit::Error
            }
            CliError::Input(d) => {
                eprintln!("{d}");
                Exit::Error
            }
            CliError::Write(stdout::WriteError::BrokenPipe) => Exit::BrokenPipe,
            CliError::Write(stdout::WriteError::Failed(e)) => {
                eprintln!("error: cannot write stdout: {e}");
                Exit::Error
            }
        }
    }
}

/// The process exit code of a command's result.
pub fn finish(result: Result<Exit, CliError>) -> ExitCode {
    result.unwrap_or_else(CliError::exit).into()
}

/// Prints diagnostics on stderr, one block each.
pub fn print(diags: &[Diagnostic]) {
    for d in diags {
        eprintln!("{d}");
    }
}

/// Prints the diagnostics of a command that ran to the end: exit 1 if any is an error.
pub fn reported(diags: &[Diagnostic]) -> Exit {
    print(diags);
    Exit::of(diags)
}

/// A file argument, or stdin for `-`, read through the one input reader.
fn read_input(p: &Path) -> Result<read::Input, CliError> {
    read::path(p).map_err(CliError::Input)
}

/// This binary, which kustomize runs as the exec plugin.
fn this_binary() -> Result<PathBuf, CliError> {
    std::env::current_exe().map_err(|e| CliError::Usage(format!("cannot locate this binary: {e}")))
}
