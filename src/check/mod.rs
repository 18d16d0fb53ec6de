//! Checks on a rendered stream: whatever produced it (this generator, kustomize overlays,
//! Helm, hand-written YAML). Used by `maverics-krm check` and by the `OrchestratorCheck`
//! function. Each rule family lives in its own module and only reads the objects.

pub mod across;
pub mod at;
mod clustering;
pub mod config;
pub mod examples;
pub mod inline;
pub mod input;
pub mod pods;
mod pss;
mod sanity;
pub mod secrets;
pub mod stickiness;
mod trust;

use crate::diag::Diagnostic;
use crate::krm::object;
use at::At;
use k8s_openapi::Resource;
use k8s_openapi::api::apps::v1::StatefulSet;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_yaml::Value;

/// Which rule families run. Every family is on by default: kpt may run the check as a
/// validator with no config at all, and then it must check everything.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Settings {
    /// Pod Security Standards `restricted` on every pod template.
    pub pod_security: bool,
    /// `kind: Secret` with data (inside a `List` or a `last-applied-configuration` too); literal
    /// secrets in any other object: secret-named keys and env vars, PEM private keys, JWTs, access
    /// key IDs, URLs with a password, `Authorization` headers, the lines of config files and
    /// `maverics.yaml`/`maverics.yml` in ConfigMaps, every field of an `Orchestrator` config.
    pub inline_secrets: bool,
    /// Cookie affinity on the Ingress, Route or HTTPRoute of a scaled orchestrator in proxy mode;
    /// the shared cache of a scaled OIDC provider.
    pub sticky_sessions: bool,
    /// HPA bounds, PDBs that never allow a disruption, quantities, requests above limits, image
    /// tags, the `default` namespace, a clustering SRV record that names no Service of the stream.
    pub sanity: bool,
    /// Example values left in (warnings): hosts under `example.com`, the AWS documentation
    /// account `111122223333`, the placeholder image `strata/orchestrator`.
    pub example_values: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            pod_security: true,
            inline_secrets: true,
            sticky_sessions: true,
            sanity: true,
            example_values: true,
        }
    }
}

/// Runs the enabled rules on every object. Findings are sorted by object position, so the
/// output is the same on every run.
pub fn check_stream(items: &[Value], settings: &Settings) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for item in items {
        check_item(item, settings, &mut out);
    }
    check_across(items, settings, &mut out);
    out
}

/// The rules that read one object alone, the first part of [`check_stream`]: they can run
/// on each object as it streams by.
pub fn check_item(item: &Value, settings: &Settings, out: &mut Vec<Diagnostic>) {
    for found in check_item_by_family(item, settings.families()) {
        out.extend(found);
    }
}

/// The rule families of [`check_item`], in the order it reports them: pod security, inline
/// secrets, sanity, example values.
pub const FAMILIES: usize = 4;

impl Settings {
    /// Which of the [`FAMILIES`] rule families of [`check_item`] are on.
    pub fn families(&self) -> [bool; FAMILIES] {
        [self.pod_security, self.inline_secrets, self.sanity, self.example_values]
    }
}

/// The findings of [`check_item`] with the rule families `on`, apart by family: a caller
/// that learns the settings later (the function reads its config after the items) reads
/// each object once for every family and keeps what the settings turn on.
pub fn check_item_by_family(item: &Value, on: [bool; FAMILIES]) -> [Vec<Diagnostic>; FAMILIES] {
    let mut out: [Vec<Diagnostic>; FAMILIES] = Default::default();
    if !item.is_mapping() || !on.contains(&true) {
        return out;
    }
    let at = At::new(item);
    let [pod_security, inline_secrets, sanity, example_values] = &mut out;
    if on[0] {
        pss::check_pod_security(item, &at, pod_security);
    }
    if on[1] {
        inline::check_object(item, &at, inline_secrets);
    }
    if on[2] {
        sanity::check_object(item, &at, sanity);
        trust::check_object(item, &at, sanity);
    }
    if on[3] {
        examples::check_object(item, &at, example_values);
    }
    out
}

/// The rules that read several objects together, the second part of [`check_stream`]. They
/// read only what [`across`] keeps of each object (the object whole, its outline where
/// [`across::Wanted`] says a rule reads it, or nothing), so they can run on that alone.
pub fn check_across(items: &[Value], settings: &Settings, out: &mut Vec<Diagnostic>) {
    if settings.sticky_sessions {
        stickiness::check_stickiness(items, out);
    }
    if settings.sanity {
        sanity::check_stream(items, out);
        clustering::check_clustering(items, out);
    }
}

/// The guard rails a platform transformer runs on the stream it sees: every rule family but
/// the example values, which the transformer reports by the config field that set them.
pub const TRANSFORMER_GUARD: Settings = Settings {
    pod_security: true,
    inline_secrets: true,
    sticky_sessions: true,
    sanity: true,
    example_values: false,
};

/// The orchestrator's StatefulSet in a stream, recognised by the labels the generator puts on
/// it: any other StatefulSet is not a sign that the generator ran.
pub fn orchestrator(items: &[Value]) -> Option<&Value> {
    use crate::k8s::labels::{APP_NAME, LABEL_MANAGED_BY, LABEL_NAME, MANAGED_BY};
    items.iter().find(|i| {
        object::api_version(i) == "apps/v1"
            && object::kind(i) == StatefulSet::KIND
            && object::label(i, LABEL_NAME) == Some(APP_NAME)
            && object::label(i, LABEL_MANAGED_BY) == Some(MANAGED_BY)
    })
}

#[cfg(test)]
mod tests;
