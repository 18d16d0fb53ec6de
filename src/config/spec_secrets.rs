//! Literal secrets in an `Orchestrator` spec, with the fix that fits the field each one is
//! in. The config checks report them on the config; `check::secrets` reports them on an
//! `Orchestrator` item found in a rendered stream.

use crate::diag::Diagnostic;
use crate::secrets;
use serde_yaml::Value;

/// Fix for a literal secret in the orchestrator's own config.
pub const FIX: &str = "store the value in the secret store, list it under `spec.secrets.values` \
    (e.g. `name: idp.client_secret`) and write `<idp.client_secret>` here, or read it from the \
    environment with `{{ env.NAME }}`";

const ENV_FIX: &str = "move the variable to `spec.secrets.env` with a `remoteRef` to the secret \
    store: the ExternalSecret fetches it into a Secret the pod reads";

const SPEC_FIX: &str = "keep the value in the secret store and reach it through `spec.secrets` \
    (an ExternalSecret); fields that reach the manifests hold no secrets";

/// Literal secrets in an `Orchestrator` spec: `spec.config`, `spec.env` and every other
/// field, with the fix that fits where each one is. Diagnostics are not yet located.
pub fn spec_findings(spec: &Value) -> Vec<Diagnostic> {
    secrets::scan(spec, "spec")
        .into_iter()
        .map(|f| {
            let fix = if f.path.starts_with("spec.config") {
                FIX
            } else if f.path.starts_with("spec.env.") {
                ENV_FIX
            } else {
                SPEC_FIX
            };
            Diagnostic::error(f.message).field(f.path).fix(fix)
        })
        .collect()
}
