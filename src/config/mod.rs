//! The Orchestrator and OrchestratorPlatform configs: their types, defaults and checks, and the
//! API group every function config kind shares. `function::FunctionConfig` dispatches on them.

pub mod api_rules;
pub mod checks;
pub mod drain;
pub mod gateway;
pub mod maverics;
pub mod names;
pub mod network_policy;
pub mod orchestrator;
pub(crate) mod parse;
pub mod platform;
pub mod refs;
pub mod secret_store;
pub mod spec_secrets;
pub mod workload;
pub mod workload_checks;

pub use orchestrator::Orchestrator;
// The old paths, kept only for src/cli.rs and src/helm/mapping.rs, which the command-line
// split rewrites at the same time as this branch: remove them once both are merged.
#[doc(hidden)]
pub use crate::function::FunctionConfig;
pub use platform::OrchestratorPlatform;

pub const API_VERSION: &str = "krm.maverics.dev/v1alpha1";

/// The function config kinds, one per role the binary plays.
pub const KINDS: &[&str] = &["Orchestrator", platform::KIND, "OrchestratorCheck"];

#[cfg(test)]
mod tests;
