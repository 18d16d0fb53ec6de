//! `maverics-krm build`: `kustomize build` with the flags exec functions need, and the guard
//! rails on what it built.

use super::{CliError, reported, this_binary};
use crate::diag::Diagnostic;
use crate::exit::Exit;
use crate::io::{read, stdout};
use serde_yaml::Value;
use std::io::Write;
use std::path::Path;

/// `kustomize build --enable-alpha-plugins --enable-exec DIR`, with this binary as the
/// plugin, then the guard rails on what it built: the output must parse and hold the
/// orchestrator (a build that skipped the function would ship an empty deployment), and the
/// stream checks must find no error. Warnings go to stderr, once: a finding a function of the
/// build already printed is not repeated.
pub fn build(dir: &Path, kustomize: Option<&Path>) -> Result<Exit, CliError> {
    let bin = crate::io::kustomize::find(kustomize);
    let me = this_binary()?;
    let built = crate::io::kustomize::build(&bin, dir, &me).map_err(|d| CliError::Findings(vec![d]))?;
    std::io::stderr().write_all(&built.stderr).ok();
    let name = format!("kustomize build {}", dir.display());
    // Not located by file and document: the stream is not saved anywhere, the object names it.
    let items: Vec<Value> = read::documents(&name, &built.stdout)
        .map_err(|d| CliError::Findings(vec![d]))?
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    if crate::check::orchestrator(&items).is_none() {
        return Err(CliError::Findings(vec![
            Diagnostic::error(format!(
                "the build of {} holds no orchestrator StatefulSet (labelled `app.kubernetes.io/name: maverics-orchestrator` \
                 and `app.kubernetes.io/managed-by: maverics-krm`): the function did not run",
                dir.display()
            ))
            .fix(
                "declare the Orchestrator config under `generators:` with the exec annotation (see bases/orchestrator)",
            ),
        ]));
    }
    let printed = String::from_utf8_lossy(&built.stderr);
    let findings: Vec<Diagnostic> = crate::check::check_stream(&items, &crate::check::Settings::default())
        .into_iter()
        .filter(|d| {
            let said = match &d.field {
                Some(field) => format!("{field}: {}", d.message),
                None => d.message.clone(),
            };
            d.is_error() || !printed.contains(&said)
        })
        .collect();
    if crate::diag::has_errors(&findings) {
        return Err(CliError::Findings(findings));
    }
    stdout::write(built.stdout)?;
    Ok(reported(&findings))
}
