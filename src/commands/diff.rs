//! `maverics-krm diff`: exit codes as diff(1), 0 no change, 1 changes, 2 error.

use super::CliError;
use crate::diag::Diagnostic;
use crate::diff::DiffArgs;
use crate::exit::Exit;
use crate::io::stdout;

/// The report on stdout, and as JSON in `--json-out`'s file; exit 1 when it shows changes.
pub fn diff(args: &DiffArgs) -> Result<Exit, CliError> {
    let report = crate::diff::run(args).map_err(CliError::Input)?;
    if let Some(path) = &args.json_out {
        std::fs::write(path, crate::diff::render::json(&report)).map_err(|e| {
            CliError::Input(
                Diagnostic::error(format!(
                    "--json-out {}: cannot write the JSON report: {e}",
                    path.display()
                ))
                .fix("give --json-out a file in a directory that exists and can be written"),
            )
        })?;
    }
    stdout::write(crate::diff::text(&report, args))?;
    Ok(Exit::findings_if(report.differs()))
}
