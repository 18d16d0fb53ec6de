//! The one way to write stdout. Rust ignores SIGPIPE, so a reader that went away (`| head`)
//! shows up as an EPIPE error, and std's `print!` panics on it. Here:
//!
//! - a broken pipe is [`WriteError::BrokenPipe`], which ends the process quietly with
//!   [`Exit::BrokenPipe`](crate::exit::Exit::BrokenPipe);
//! - any other error (a full disk, a closed stdout) is one line on stderr and
//!   [`Exit::Error`](crate::exit::Exit::Error) (`commands::CliError` reports both).
//!
//! A closed stdout (`>&-`) must not pass for success either. Rust's runtime reopens a closed
//! descriptor 1 on `/dev/null` before `main`; the binary looks at descriptor 1 before that
//! (see `src/main.rs`) and sets [`CLOSED_AT_START`]. A `/dev/null` the caller opened (a shell's
//! `>/dev/null`, Python's `subprocess.DEVNULL`, Go's nil `Stdout`) is a place to write to.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set before `main` when descriptor 1 did not exist at start (Linux; `src/main.rs`).
pub static CLOSED_AT_START: AtomicBool = AtomicBool::new(false);

/// Why stdout could not take the output.
#[derive(Debug)]
pub enum WriteError {
    /// The reader went away: nothing to say, nobody to say it to.
    BrokenPipe,
    /// Any other write error, which the caller reports.
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

/// Writes all of `bytes` to stdout and flushes it.
pub fn write(bytes: impl AsRef<[u8]>) -> Result<(), WriteError> {
    write_parts([bytes.as_ref()])
}

/// [`write()`] of output kept in parts, one after the other, rather than first copied into one
/// buffer (function mode's pass-through items).
pub fn write_parts<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> Result<(), WriteError> {
    // Whatever a library printed through std's buffer goes first.
    std::io::stdout().lock().flush()?;
    raw(parts)?;
    Ok(())
}

#[cfg(unix)]
fn raw<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> std::io::Result<()> {
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
    for bytes in parts {
        file.write_all(bytes)?;
    }
    file.flush()
}

#[cfg(unix)]
fn closed_at_start() -> bool {
    CLOSED_AT_START.load(Ordering::Relaxed)
}

#[cfg(not(unix))]
fn raw<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    for bytes in parts {
        out.write_all(bytes)?;
    }
    out.flush()
}
