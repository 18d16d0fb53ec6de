//! Function mode: a ResourceList on stdin, one on stdout (what kustomize and kpt run).

use super::{CliError, print};
use crate::diag::Diagnostic;
use crate::exit::Exit;
use crate::function::Response;
use crate::io::{read, stdout};
use crate::krm::ResourceList;
use std::io::IsTerminal;

/// Runs the function on stdin. A panic (a bug) still yields a valid ResourceList and exit 1,
/// never empty output, which kustomize and kpt would take as "delete everything".
pub fn run() -> Result<Exit, CliError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(CliError::Input(
            Diagnostic::error("expected a ResourceList on stdin (this is how kustomize and kpt run it)")
                .fix("to see the manifests, run `maverics-krm render`; for help, `maverics-krm --help`"),
        ));
    }
    let outcome = match read::limited(stdin, "input") {
        Err(d) => Response {
            list: ResourceList::empty(),
            diagnostics: vec![d],
        },
        Ok(input) => std::panic::catch_unwind(|| crate::function::run(&input)).unwrap_or_else(|_| Response {
            list: ResourceList::empty(),
            diagnostics: vec![Diagnostic::internal("maverics-krm panicked; this is a bug")],
        }),
    };
    print(&outcome.diagnostics);
    let output = outcome.output();
    // Items that could not be serialised are not written: the run fails closed, as a host
    // would otherwise replace the package with the error list.
    let exit = match output.failure() {
        Some(failure) => {
            print(std::slice::from_ref(failure));
            Exit::of(std::slice::from_ref(failure))
        }
        None => outcome.exit(),
    };
    stdout::write_parts(output.parts())?;
    drop(output);
    // The process ends here: freeing every tree of the stream one by one would cost a
    // twentieth of a run's instructions for memory the exit hands back anyway.
    std::mem::forget(outcome);
    Ok(exit)
}
