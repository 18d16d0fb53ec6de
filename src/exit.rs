//! The process exit codes, decided here and nowhere else. docs/usage.md#exit-codes documents
//! them in one table, and tests/it/docs.rs checks that the table lists exactly these.

use crate::diag::Diagnostic;
use std::process::ExitCode;

/// How a run of `maverics-krm` ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Done: no errors (warnings may have been printed), no change for `diff`, every value
    /// mapped for `import-helm-values`.
    Success,
    /// Errors found in the input, changes for `diff`, a value refused or not mapped for
    /// `import-helm-values`. Function mode exits so on any error result: both hosts take an
    /// error result with exit code 0 as success.
    Findings,
    /// A usage, input or environment error: bad arguments, input that cannot be read or
    /// parsed, a folder or stdout that cannot be written.
    Error,
    /// SIGINT, SIGTERM or SIGHUP, after the cleanup (128 + SIGINT, as a shell reports it).
    Interrupted,
    /// The reader of stdout went away (128 + SIGPIPE, what a shell reports for `cat`): never
    /// taken for success or for `diff`'s "changes".
    BrokenPipe,
}

impl Exit {
    /// Every exit code, in the order of the documented table.
    pub const ALL: [Exit; 5] = [
        Exit::Success,
        Exit::Findings,
        Exit::Error,
        Exit::Interrupted,
        Exit::BrokenPipe,
    ];

    /// The number the process exits with.
    pub const fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Findings => 1,
            Exit::Error => 2,
            Exit::Interrupted => 130,
            Exit::BrokenPipe => 141,
        }
    }

    /// [`Exit::Findings`] when `found`, else [`Exit::Success`].
    pub fn findings_if(found: bool) -> Exit {
        if found { Exit::Findings } else { Exit::Success }
    }

    /// [`Exit::Findings`] when any diagnostic is an error.
    pub fn of(diags: &[Diagnostic]) -> Exit {
        Exit::findings_if(crate::diag::has_errors(diags))
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e.code())
    }
}
