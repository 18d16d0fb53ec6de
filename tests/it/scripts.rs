//! The shell files people run by hand: `scripts/env` (the quick start's PATH line), the
//! plugin shim's "binary not found" advice in a checkout and in a scaffold, and the one-line
//! total that `scripts/test` ends with. Each runs under the real `sh` (dash) or bash.

use crate::common;

use common::{bin, root, stderr, stdout, tool};
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A minimal PATH, so nothing installed on the machine answers for the checkout.
const BARE_PATH: &str = "/usr/bin:/bin";

/// A checkout as the quick start leaves it: `scripts/env`, a release binary in
/// `target/release` and the pinned tools in `.tools` (a link to this checkout's).
fn quick_started_checkout() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temporary folder");
    let dir = tmp.path().canonicalize().expect("canonical temporary folder");
    fs::create_dir_all(dir.join("scripts")).expect("scripts/");
    fs::create_dir_all(dir.join("target/release")).expect("target/release/");
    fs::copy(root().join("scripts/env"), dir.join("scripts/env")).expect("copy scripts/env");
    fs::write(dir.join("Cargo.toml"), "").expect("Cargo.toml");
    symlink(bin(), dir.join("target/release/maverics-krm")).expect("link the binary");
    symlink(root().join(".tools"), dir.join(".tools")).expect("link .tools");
    (tmp, dir)
}

fn shell(sh: &str, script: &str, cwd: &Path) -> Output {
    Command::new(sh)
        .args(["-c", script])
        .current_dir(cwd)
        .env("PATH", BARE_PATH)
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("run the shell")
}

fn canonical(p: &str) -> PathBuf {
    Path::new(p).canonicalize().unwrap_or_else(|e| panic!("{p}: {e}"))
}

#[cfg(feature = "e2e")]
#[test]
fn sourced_env_puts_the_binary_and_kustomize_5_on_path() {
    let _ = tool("kustomize");
    let (_tmp, dir) = quick_started_checkout();
    let out = shell(
        "sh",
        ". scripts/env && command -v maverics-krm && command -v kustomize && maverics-krm --version",
        &dir,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[..2],
        [
            dir.join("target/release/maverics-krm").to_string_lossy(),
            dir.join(".tools/bin/kustomize").to_string_lossy(),
        ],
        "{text}"
    );
    assert_eq!(
        canonical(lines[1]),
        tool("kustomize-5.8.1").canonicalize().expect("kustomize 5.8.1"),
        "`kustomize` by name must be the pinned 5.8.1"
    );
    assert!(lines[2].starts_with("maverics-krm "), "{text}");
    assert!(
        stderr(&out).is_empty(),
        "a complete checkout needs no advice: {}",
        stderr(&out)
    );
}

#[cfg(feature = "e2e")]
#[test]
fn bash_sources_env_from_any_folder_and_twice_changes_nothing() {
    let (_tmp, dir) = quick_started_checkout();
    let env = dir.join("scripts/env");
    let script = format!(
        ". '{0}' && . '{0}' && command -v maverics-krm && echo \"$PATH\"",
        env.display()
    );
    let out = shell("bash", &script, Path::new("/"));
    assert!(out.status.success(), "{}", stderr(&out));
    let expected = format!(
        "{0}/target/release/maverics-krm\n{0}/.tools/bin:{0}/target/release:{BARE_PATH}\n",
        dir.display()
    );
    assert_eq!(stdout(&out), expected);
}

#[cfg(feature = "e2e")]
#[test]
fn sh_sourcing_env_from_elsewhere_says_where_to_source_it() {
    let (_tmp, dir) = quick_started_checkout();
    let script = format!(". '{}'", dir.join("scripts/env").display());
    let out = shell("sh", &script, Path::new("/"));
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("run `. scripts/env` from the checkout's root"),
        "{}",
        stderr(&out)
    );
}

#[cfg(feature = "e2e")]
#[test]
fn env_names_what_the_quick_start_has_not_built_yet() {
    let (_tmp, dir) = quick_started_checkout();
    fs::remove_file(dir.join("target/release/maverics-krm")).expect("remove the binary");
    let out = shell("sh", ". scripts/env", &dir);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "no release build yet: run `cargo build --release` in {}",
            dir.display()
        )),
        "{}",
        stderr(&out)
    );
}

/// The shim alone in `plugins/`, as in a checkout (`with_cargo_toml`) or in a repository
/// scaffolded by `maverics-krm init`, with no binary anywhere it looks.
fn shim_without_binary(with_cargo_toml: bool) -> (PathBuf, Output) {
    let tmp = tempfile::tempdir().expect("temporary folder");
    let dir = tmp.path().canonicalize().expect("canonical temporary folder");
    fs::create_dir_all(dir.join("plugins")).expect("plugins/");
    let shim = dir.join("plugins/maverics-krm");
    fs::copy(root().join("plugins/maverics-krm"), &shim).expect("copy the shim");
    if with_cargo_toml {
        fs::write(dir.join("Cargo.toml"), "").expect("Cargo.toml");
    }
    let out = Command::new(&shim)
        .current_dir(&dir)
        .env("PATH", BARE_PATH)
        .env("HOME", &dir)
        .env("CARGO_HOME", dir.join("cargo"))
        .env_remove("MAVERICS_KRM_BIN")
        .output()
        .expect("run the shim");
    assert_eq!(out.status.code(), Some(127), "{}", stderr(&out));
    (dir, out)
}

#[test]
fn shim_in_a_checkout_says_to_build_it() {
    let (dir, out) = shim_without_binary(true);
    assert!(
        stderr(&out).contains(&format!("run 'cargo build --release' in {}", dir.display())),
        "{}",
        stderr(&out)
    );
}

#[test]
fn shim_in_a_scaffold_names_no_cargo_command() {
    let (_dir, out) = shim_without_binary(false);
    let err = stderr(&out);
    assert!(
        err.contains("put maverics-krm on PATH, or set MAVERICS_KRM_BIN"),
        "{err}"
    );
    assert!(
        !err.contains("cargo build") && !err.contains("cargo install"),
        "no Cargo project here: {err}"
    );
}

fn summary(log: &str) -> (String, Option<i32>) {
    let mut child = Command::new(root().join("scripts/test-summary"));
    let out = common::run_with_stdin(&mut child, log.as_bytes());
    (stdout(&out), out.status.code())
}

#[test]
fn test_summary_totals_every_test_binary() {
    let ok = "running 3 tests\n\
        test result: ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s\n\
        \n\
        test result: ok. 40 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 2.10s\n";
    assert_eq!(summary(ok), ("43 passed, 0 failed, 1 ignored\n".to_owned(), Some(0)));
    let failed = format!(
        "{ok}test result: FAILED. 10 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in 1.00s\n"
    );
    assert_eq!(
        summary(&failed),
        ("53 passed, 2 failed, 1 ignored\n".to_owned(), Some(1))
    );
    // A build error leaves no result line: that is a failure, not "0 failed".
    assert_eq!(
        summary("error[E0425]: cannot find value `x`\n"),
        ("0 passed, 0 failed, 0 ignored\n".to_owned(), Some(1))
    );
}
