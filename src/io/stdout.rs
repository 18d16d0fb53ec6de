//! The one way to write stdout. Rust ignores SIGPIPE, so a reader that went away (`| head`)
//! shows up as an EPIPE error, and std's `print!` panics on it. Here:
//!
//! - a broken pipe ends the process quietly with exit code 141 (128 + SIGPIPE), what a shell
//!   reports for `cat` or `grep` in the same place, so it is never mistaken for success or
//!   for a diff's "changes" code;
//! - any other error (a full disk, a closed stdout) is one line on stderr and exit code 2.
//!
//! A closed stdout (`>&-`) must not pass for success either. Rust's runtime reopens a closed
//! descriptor 1 on `/dev/null` before `main`, read-write; a shell's `>/dev/null` opens it
//! write-only. On Linux the two are told apart through `/proc/self/fdinfo/1`.

use std::io::Write;
use std::process::ExitCode;

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

/// True when descriptor 1 is the `/dev/null` that Rust's runtime opened (read-write) in
/// place of a closed stdout.
#[cfg(unix)]
fn closed_at_start() -> bool {
    let Ok(target) = std::fs::read_link("/proc/self/fd/1") else {
        return false;
    };
    if target != std::path::Path::new("/dev/null") {
        return false;
    }
    let Ok(info) = std::fs::read_to_string("/proc/self/fdinfo/1") else {
        return false;
    };
    // `flags:` is octal; the low two bits are the access mode, 2 is O_RDWR.
    info.lines()
        .find_map(|l| l.strip_prefix("flags:"))
        .and_then(|f| u32::from_str_radix(f.trim(), 8).ok())
        .is_some_and(|flags| flags & 3 == 2)
}

#[cfg(not(unix))]
fn raw(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}
