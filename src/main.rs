use std::process::ExitCode;

fn main() -> ExitCode {
    maverics_krm::cli::main()
}

/// Whether descriptor 1 was closed when the process started (`>&-`). Rust's runtime reopens a
/// closed stdout on `/dev/null` before `main`, after which the two cannot be told apart, so
/// this runs earlier: glibc calls `.init_array` entries before `main`, and so before that
/// reopening. It lives in the binary, whose objects are always linked.
#[cfg(target_os = "linux")]
mod stdout_probe {
    use std::sync::atomic::Ordering;

    unsafe extern "C" {
        fn fcntl(fd: i32, cmd: i32, ...) -> i32;
    }
    const F_GETFD: i32 = 1;

    extern "C" fn probe() {
        // SAFETY: F_GETFD only reads the descriptor's flags; -1 means there is no descriptor 1.
        if unsafe { fcntl(1, F_GETFD) } == -1 {
            maverics_krm::io::stdout::CLOSED_AT_START.store(true, Ordering::Relaxed);
        }
    }

    #[used]
    #[unsafe(link_section = ".init_array")]
    static PROBE: extern "C" fn() = probe;
}
