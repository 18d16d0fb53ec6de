//! `maverics-krm diff`: exit codes as diff(1), 0 no change, 1 changes, 2 error.

use super::CliError;
use crate::diff::DiffArgs;
use crate::exit::Exit;
use crate::io::stdout;

/// The report on stdout; exit 1 when it shows changes.
pub fn diff(args: &DiffArgs) -> Result<Exit, CliError> {
    let report = crate::diff::run(args).map_err(CliError::Input)?;
    stdout::write(crate::diff::text(&report, args))?;
    Ok(Exit::findings_if(report.differs()))
}
