//! Cleanup that must happen even when the process is interrupted: `diff --base` removes its
//! git worktree, staged output its hidden folder. Each piece of cleanup runs exactly once:
//! when its [`Guard`] is dropped, or on SIGINT, SIGTERM or SIGHUP, after which the process
//! exits with [`Exit::Interrupted`](crate::exit::Exit::Interrupted), as a shell reports an
//! interrupted command.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, Once, PoisonError};

type Cleanup = Box<dyn FnOnce() + Send>;

static PENDING: Mutex<BTreeMap<u64, Cleanup>> = Mutex::new(BTreeMap::new());
static NEXT: Mutex<u64> = Mutex::new(0);
static HANDLER: Once = Once::new();
/// Held while a guard runs its cleanup, so a signal arriving then waits for it to finish.
static RUNNING: Mutex<()> = Mutex::new(());

/// Runs its cleanup when dropped, unless a signal ran it first.
pub struct Guard(u64);

impl Drop for Guard {
    fn drop(&mut self) {
        let _running = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
        let cleanup = pending().remove(&self.0);
        if let Some(cleanup) = cleanup {
            cleanup();
        }
    }
}

fn pending() -> MutexGuard<'static, BTreeMap<u64, Cleanup>> {
    // A cleanup that panicked must not stop the others.
    PENDING.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Registers `cleanup`, installing the signal handler the first time.
pub fn on_interrupt(cleanup: impl FnOnce() + Send + 'static) -> Guard {
    HANDLER.call_once(|| {
        // Without a handler the signal still ends the process; only the cleanup is lost.
        if let Err(e) = ctrlc::set_handler(run_all_and_exit) {
            eprintln!("warning: cannot catch interrupts ({e}); an interrupted run may leave temporary files");
        }
    });
    let id = {
        let mut next = NEXT.lock().unwrap_or_else(PoisonError::into_inner);
        *next += 1;
        *next
    };
    pending().insert(id, Box::new(cleanup));
    Guard(id)
}

fn run_all_and_exit() {
    let all = std::mem::take(&mut *pending());
    // Newest first: what was set up last may live inside what was set up first.
    for (_, cleanup) in all.into_iter().rev() {
        cleanup();
    }
    let _running = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
    std::process::exit(i32::from(crate::exit::Exit::Interrupted.code()));
}
