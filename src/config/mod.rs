//! The `Orchestrator` generator's config: its types, defaults and checks. Its work is in
//! `resources`; what the three function config kinds share is in `api`.

pub mod api_rules;
pub mod checks;
pub mod drain;
pub mod gateway;
pub mod k8s_schemas;
pub mod maverics;
pub mod names;
pub mod network_policy;
pub mod orchestrator;
pub mod refs;
pub mod secret_store;
pub mod sizing;
pub mod spec_secrets;
pub mod workload;
pub mod workload_checks;

pub use orchestrator::Orchestrator;

#[cfg(test)]
mod tests;
