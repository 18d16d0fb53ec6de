//! Running the real kustomize with the flags exec functions need. Shared by `build` and
//! `diff`, so both find the same binary and pass the same flags.

use crate::diag::Diagnostic;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The kustomize binary: explicit flag, $KUSTOMIZE, this checkout's `.tools/bin/kustomize`,
/// then PATH.
pub fn find(flag: Option<&Path>) -> PathBuf {
    if let Some(p) = flag {
        return p.to_owned();
    }
    if let Some(p) = std::env::var_os("KUSTOMIZE") {
        return PathBuf::from(p);
    }
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/bin/kustomize");
    if local.is_file() {
        return local;
    }
    PathBuf::from("kustomize")
}

/// What a successful build printed.
pub struct Built {
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
                .fix("install kustomize 5.x (scripts/install-tools), set $KUSTOMIZE or pass --kustomize")
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
