//! The one way to write stdout. Rust ignores SIGPIPE, so a reader that went away (`| head`)
//! shows up as an EPIPE error, and std's `print!` panics on it. Here:
//!
//! - a broken pipe ends the process quietly with exit code 141 (128 + SIGPIPE), what a shell
//!   reports for `cat` or `grep` in the same place, so it is never mistaken for success or
//!   for a diff's "changes" code;
//! - any other error (a full disk, a closed stdout) is one line on stderr and exit code 2.
//!
//! A closed stdout (`>&-`) must not pass for success either. Rust's runtime reopens a closed
//! descriptor 1 on `/dev/null` before `main`; the binary looks at descriptor 1 before that
//! (see `src/main.rs`) and sets [`CLOSED_AT_START`]. A `/dev/null` the caller opened (a shell's
//! `>/dev/null`, Python's `subprocess.DEVNULL`, Go's nil `Stdout`) is a place to write to.

use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set before `main` when descriptor 1 did not exist at start (Linux; `src/main.rs`).
pub static CLOSED_AT_START: AtomicBool = AtomicBool::new(false);

/// The exit code of a process whose reader closed the pipe.
pub const BROKEN_PIPE_EXIT: u8 = 141;

/// Why stdout could not take the output.
#[derive(Debug)]
pub enum WriteError {
    /// The reader went away: nothing to say, nobody to say it to.
    BrokenPipe,
    Failed(std::io::Error),
}

impl From<std::io::Error> for WriteError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            WriteError::BrokenPipe
        } else {
            WriteError::Failed(e)
        }
    }
}

impl WriteError {
    /// Reports the error (a broken pipe quietly) and gives the exit code.
    pub fn exit(self) -> ExitCode {
        match self {
            WriteError::BrokenPipe => ExitCode::from(BROKEN_PIPE_EXIT),
            WriteError::Failed(e) => {
                eprintln!("error: cannot write stdout: {e}");
                ExitCode::from(2)
            }
        }
    }
}

/// Writes all of `bytes` to stdout and flushes it.
pub fn write(bytes: impl AsRef<[u8]>) -> Result<(), WriteError> {
    let bytes = bytes.as_ref();
    // Whatever a library printed through std's buffer goes first.
    std::io::stdout().lock().flush()?;
    raw(bytes)?;
    Ok(())
}

/// Writes `bytes` and maps the outcome to the exit code `code`, or the write error's.
pub fn write_then(bytes: impl AsRef<[u8]>, code: ExitCode) -> ExitCode {
    match write(bytes) {
        Ok(()) => code,
        Err(e) => e.exit(),
    }
}

#[cfg(unix)]
fn raw(bytes: &[u8]) -> std::io::Result<()> {
    use std::os::fd::AsFd;
    if closed_at_start() {
        return Err(std::io::Error::other(
            "it is closed (redirect it to a file or to /dev/null)",
        ));
    }
    // Written through a duplicate: where the descriptor is gone, `dup` fails with EBADF, and
    // std's handle would pretend to succeed.
    let fd = std::io::stdout().as_fd().try_clone_to_owned()?;
    let mut file = std::fs::File::from(fd);
    file.write_all(bytes)?;
    file.flush()
}

#[cfg(unix)]
fn closed_at_start() -> bool {
    CLOSED_AT_START.load(Ordering::Relaxed)
}

#[cfg(not(unix))]
fn raw(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}
