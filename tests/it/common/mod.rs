//! Shared helpers for the integration tests: the binary under test, the real host tools,
//! and golden files.
#![allow(dead_code)]

mod variants;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The binary cargo built for this test run, or the one `MAVERICS_KRM_TEST_BIN` names
/// (scripts/build-static runs the suites against the static release binary). The plugin
/// shim is pointed at it through `MAVERICS_KRM_BIN`, so no installed or stale copy is used.
pub fn bin() -> PathBuf {
    std::env::var_os("MAVERICS_KRM_TEST_BIN")
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_maverics-krm")), PathBuf::from)
}

/// A tool that `scripts/install-tools` puts in `.tools/bin`. Missing tools fail the test
/// with the install command: a test never skips silently.
pub fn tool(name: &str) -> PathBuf {
    let p = root().join(".tools/bin").join(name);
    assert!(
        p.is_file(),
        "{name} is missing: run `scripts/install-tools` (it installs into .tools/bin)"
    );
    p
}

pub fn kustomize_versions() -> [(&'static str, PathBuf); 2] {
    [("5.8.1", tool("kustomize-5.8.1")), ("4.5.4", tool("kustomize-4.5.4"))]
}

/// kpt ships with the machine image and cannot be installed by a script.
pub fn kpt() -> PathBuf {
    let p = PathBuf::from("/usr/bin/kpt");
    assert!(
        p.is_file(),
        "kpt is missing: it ships with this machine image (/usr/bin/kpt, 1.0.0-beta.56) and cannot be installed by a script"
    );
    p
}

/// Runs a command with the plugin pointed at the binary under test.
pub fn command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut c = Command::new(program);
    c.env("MAVERICS_KRM_BIN", bin());
    c
}

/// Runs the binary in function mode with `input` on stdin.
pub fn run_fn(input: &[u8]) -> Output {
    run_with_stdin(&mut Command::new(bin()), input)
}

pub fn run_with_stdin(cmd: &mut Command, input: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the binary under test");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write stdin");
    child.wait_with_output().expect("wait for the binary under test")
}

/// Writes an executable shell script: a stand-in for a tool (a kustomize that misbehaves).
pub fn script(path: &Path, body: &str) {
    std::fs::write(path, format!("#!/bin/sh\n{body}")).expect("write the script");
    #[cfg(unix)]
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod the script");
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `kustomize build --enable-alpha-plugins --enable-exec DIR`; panics with stderr on failure.
pub fn kustomize_build(kustomize: &Path, dir: &Path) -> String {
    kustomize_build_reporting(kustomize, dir).0
}

/// [`kustomize_build`], with what the functions reported on stderr: (stdout, stderr).
pub fn kustomize_build_reporting(kustomize: &Path, dir: &Path) -> (String, String) {
    let out = command(kustomize)
        .args(["build", "--enable-alpha-plugins", "--enable-exec"])
        .arg(dir)
        .output()
        .expect("run kustomize");
    assert!(
        out.status.success(),
        "{}: kustomize build {} failed:\n{}",
        kustomize.display(),
        dir.display(),
        stderr(&out)
    );
    (stdout(&out), stderr(&out))
}

/// The relative path from `from` to `to`: kustomize refuses absolute paths in `resources:`.
/// `maverics-krm eject PLATFORM --config CONFIG --out OUT` with the pinned kustomize 5.8.1.
pub fn eject(platform: &str, config: &Path, out: &Path) -> Output {
    command(bin())
        .args(["eject", platform, "--config"])
        .arg(config)
        .arg("--out")
        .arg(out)
        .arg("--kustomize")
        .arg(tool("kustomize-5.8.1"))
        .output()
        .expect("run eject")
}

/// Copies the directory tree `from` to `to`, creating `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create directory");
    for entry in std::fs::read_dir(from).expect("read directory") {
        let entry = entry.expect("directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

pub fn relative(from: &Path, to: &Path) -> String {
    let from = std::fs::canonicalize(from).expect("canonical dir");
    let to = std::fs::canonicalize(to).expect("canonical resource");
    let f: Vec<_> = from.components().collect();
    let t: Vec<_> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut parts = vec!["..".to_owned(); f.len() - common];
    parts.extend(t[common..].iter().map(|c| c.as_os_str().to_string_lossy().into_owned()));
    parts.join("/")
}

/// The documents of a multi-document YAML stream (kustomize's output), empty ones dropped.
pub fn documents(stream: &str) -> Vec<serde_yaml::Value> {
    serde_yaml::Deserializer::from_str(stream)
        .map(|d| <serde_yaml::Value as serde::Deserialize>::deserialize(d).expect("valid YAML document"))
        .filter(|v| !v.is_null())
        .collect()
}

/// The whole text of the golden `rel` (`kustomize/eks.yaml`), rebuilt from its diff against
/// the base render when it is stored as one (see variants.rs).
pub fn golden(rel: &str) -> String {
    let path = root().join("tests/golden").join(stored(rel));
    read_golden(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// Writes the whole text of the golden `rel` into `dir`, for a test that passes a file.
pub fn golden_file(rel: &str, dir: &Path) -> PathBuf {
    let name = Path::new(rel).file_name().expect("golden file name");
    let path = dir.join(name);
    std::fs::write(&path, golden(rel)).expect("write the golden");
    path
}

/// Writes every golden of the folder `sub` of tests/golden into `dir` whole, the variants
/// rebuilt; the paths, sorted.
pub fn golden_files(sub: &str, dir: &Path) -> Vec<PathBuf> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("tests/golden").join(sub))
        .expect("golden dir")
        .map(|e| {
            e.expect("entry")
                .file_name()
                .to_string_lossy()
                .replace(".patch", ".yaml")
        })
        .collect();
    names.sort();
    names.iter().map(|n| golden_file(&format!("{sub}/{n}"), dir)).collect()
}

/// The whole text of a golden file; a `.patch` is applied to the golden its header names.
pub fn read_golden(path: &Path) -> Result<String, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("{}: {e}; create it with `{UPDATE}`", path.display()))?;
    if path.extension().is_none_or(|x| x != "patch") {
        return Ok(text);
    }
    let golden_dir = root().join("tests/golden");
    let base = variants::base_path(&golden_dir, &text).map_err(|e| format!("{}: {e}", path.display()))?;
    let base_text = std::fs::read_to_string(&base).map_err(|e| format!("{}: {e}", base.display()))?;
    variants::apply(&base_text, &text).map_err(|e| {
        format!(
            "{} does not apply to {}: {e}; regenerate it with `{UPDATE}`",
            path.display(),
            base.display()
        )
    })
}

/// What regenerates the goldens (run it twice when the base render changed: the diffs are
/// taken against the base golden on disk).
const UPDATE: &str = "UPDATE_GOLDEN=1 cargo test --test it --features e2e";

/// Where the golden `rel` is stored, relative to tests/golden.
fn stored(rel: &str) -> String {
    variants::base_of(rel).map_or_else(|| rel.to_owned(), |_| variants::patch_name(rel))
}

/// Compares `actual` with the golden file; `UPDATE_GOLDEN=1 cargo test` rewrites it. A golden
/// stored as a diff is compared whole, rebuilt from the base golden and the diff.
pub fn assert_golden(rel: &str, actual: &str) {
    let path = root().join("tests/golden").join(stored(rel));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let content = match variants::base_of(rel) {
            Some(base) => variants::diff(base, &golden(base), rel, actual),
            None => actual.to_owned(),
        };
        std::fs::create_dir_all(path.parent().expect("golden dir")).expect("create golden dir");
        std::fs::write(&path, content).expect("write golden");
        return;
    }
    let expected = read_golden(&path).unwrap_or_else(|e| panic!("{e}"));
    if expected != actual {
        let diff = similar::TextDiff::from_lines(expected.as_str(), actual)
            .unified_diff()
            .header("golden", "actual")
            .to_string();
        panic!(
            "{} differs from the output ({UPDATE} to accept):\n{diff}",
            path.display()
        );
    }
}
