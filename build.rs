//! Stamps the git revision into `--version` when asked (`MAVERICS_KRM_STAMP=1`, set by CI and
//! scripts/build-static), so a distributed binary says exactly which source it was built from.
//!
//! Unstamped by default: a stamp must rerun this script whenever the index or HEAD moves, and
//! the changed `env!` then recompiles the whole crate, so every commit or `git add`, even of a
//! Markdown file, would cost a full release build.
//!
//! It also links the binaries with packed relative relocations where glibc can load them, and
//! with the hot functions of a run placed together (`link/hot-text.ld`).

use std::path::PathBuf;
use std::process::Command;

const STAMP: &str = "MAVERICS_KRM_STAMP";
/// `MAVERICS_KRM_RELR=0` builds without packed relocations: for a binary that must also run
/// where glibc is older than 2.36 (the static `dist` binary runs anywhere either way).
const RELR: &str = "MAVERICS_KRM_RELR";
/// `MAVERICS_KRM_HOT_TEXT=0` builds with the compiler's order of functions: `scripts/order-text`
/// profiles such a build, since valgrind attributes no function outside `.text`.
const HOT_TEXT: &str = "MAVERICS_KRM_HOT_TEXT";

fn main() {
    println!("cargo:rerun-if-env-changed={STAMP}");
    println!("cargo:rerun-if-env-changed={RELR}");
    println!("cargo:rerun-if-env-changed={HOT_TEXT}");
    println!("cargo:rerun-if-changed=build.rs");
    let rev = if std::env::var_os(STAMP).is_some_and(|v| v == "1") {
        // `git rev-parse --git-path` also finds them in a worktree, where `.git` is a file.
        for name in ["HEAD", "index"] {
            if let Some(path) = git(&["rev-parse", "--git-path", name]).map(PathBuf::from)
                && path.exists()
            {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
        git(&["describe", "--always", "--dirty", "--abbrev=12"])
            .unwrap_or_else(|| "unknown revision: git describe failed".to_owned())
    } else {
        format!("no revision stamp; build with {STAMP}=1")
    };
    println!("cargo:rustc-env=MAVERICS_KRM_GIT_REV={rev}");
    pack_relative_relocations();
    hot_text();
}

/// Places the functions a run executes together, before the rest of the code, with the
/// linker script `scripts/order-text` writes. A run lasts a few milliseconds, and each 64 KiB
/// window of code it touches costs a page fault and the mapping of its pages: in the
/// compiler's order the functions of one `render` were spread over 85 windows, grouped they
/// take about 20, and the run about a fifth less time (docs/contributing.md, "Where the code
/// of a run sits"). The script only adds an output section (`INSERT BEFORE .text`), which GNU
/// ld and lld, the linkers of Linux targets, both read; its patterns leave out the parts of a
/// symbol that change between builds, so a stale one orders less but links the same program.
fn hot_text() {
    const SCRIPT: &str = "link/hot-text.ld";
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    println!("cargo:rerun-if-changed={SCRIPT}");
    // Release-like profiles only (`dist` inherits `release`): a debug or test build's code is
    // not what the script names, and its link should not pay for matching 3,000 patterns.
    if var(HOT_TEXT) == "0" || var("CARGO_CFG_TARGET_OS") != "linux" || var("PROFILE") != "release" {
        return;
    }
    let script = PathBuf::from(var("CARGO_MANIFEST_DIR")).join(SCRIPT);
    // `-Wl,` splits its argument at commas.
    if script.is_file() && !script.to_string_lossy().contains(',') {
        println!("cargo:rustc-link-arg-bins=-Wl,-T,{}", script.display());
    }
}

/// Links the binary with packed relative relocations (DT_RELR) where the C library can load
/// them. A position-independent binary holds about 13,000 relative relocations, 307 KiB of
/// `.rela.dyn` that the loader reads and applies at every start; packed, they take 3 KiB. A
/// function run's peak RSS drops by half a MiB (7.96 to 7.43 MiB) and its instructions by
/// 54,000, and the binary keeps its address-space randomisation, which `-no-pie` would give up
/// for a similar gain (docs/contributing.md, "Performance"). glibc loads DT_RELR from 2.36 on; the linker then makes the binary require
/// that version, so an older host builds without it rather than a binary it cannot start. Only
/// the binaries' link step sees the flag: no dependency is rebuilt for it.
fn pack_relative_relocations() {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    if var(RELR) == "0" {
        return;
    }
    if var("CARGO_CFG_TARGET_OS") != "linux" || var("CARGO_CFG_TARGET_ENV") != "gnu" || var("TARGET") != var("HOST") {
        return;
    }
    // `glibc 2.36`: the host's C library, which a native build links against.
    let glibc = Command::new("getconf")
        .arg("GNU_LIBC_VERSION")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| {
            let (major, minor) = s.trim().strip_prefix("glibc ")?.split_once('.')?;
            Some((major.parse::<u32>().ok()?, minor.parse::<u32>().ok()?))
        });
    if glibc.is_some_and(|v| v >= (2, 36)) {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// The trimmed stdout of a successful, non-empty git command.
fn git(args: &[&str]) -> Option<String> {
    Command::new("git")
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}
