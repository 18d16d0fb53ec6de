//! Running the real kustomize with the flags exec functions need. Shared by `build` and
//! `diff`, so both find the same binary and pass the same flags.

use crate::diag::Diagnostic;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The kustomize binary: the `--kustomize` flag, then $KUSTOMIZE, then `kustomize` on PATH.
/// Nothing depends on where this binary was built: it runs the same from any checkout, a
/// scaffolded repository or a container.
pub fn find(flag: Option<&Path>) -> PathBuf {
    if let Some(p) = flag {
        return p.to_owned();
    }
    match std::env::var_os("KUSTOMIZE") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from("kustomize"),
    }
}

/// What a successful build printed.
pub struct Built {
    /// The rendered YAML stream kustomize printed.
    pub stdout: String,
    /// kustomize's warnings; the caller decides whether to show them.
    pub stderr: Vec<u8>,
}

/// `kustomize build --enable-alpha-plugins --enable-exec DIR` with `plugin` as the generator
/// (through `MAVERICS_KRM_BIN`, which the shim in plugins/ runs first). Without
/// `--enable-exec` kustomize skips the function silently, hence the fixed flags.
pub fn build(kustomize: &Path, dir: &Path, plugin: &Path) -> Result<Built, Diagnostic> {
    let out = Command::new(kustomize)
        .args(["build", "--enable-alpha-plugins", "--enable-exec"])
        .arg(dir)
        .env("MAVERICS_KRM_BIN", plugin)
        .output()
        .map_err(|e| {
            Diagnostic::error(format!("cannot run `{}`: {e}", kustomize.display()))
                .fix("install kustomize 5.x on PATH, set $KUSTOMIZE or pass --kustomize")
        })?;
    if !out.status.success() {
        return Err(Diagnostic::error(format!(
            "`{} build` of {} failed ({}):\n{}",
            kustomize.display(),
            dir.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end()
        ))
        .fix("run `maverics-krm build DIR` on that directory and fix what kustomize reports"));
    }
    Ok(Built {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: out.stderr,
    })
}
