//! `maverics-krm import-helm-values`: a values file of Strata's Helm chart (1.0.5) to an
//! `Orchestrator` config, with a report of what was mapped, changed on purpose, refused, or
//! could not be mapped.
//!
//! - [`values`]: the values file, read key by key so nothing is dropped unnoticed.
//! - [`mapping`]: the value-by-value mapping, section by section (`workload`, `exposure`, `env`,
//!   `config`) around the shared context of `ctx`.
//! - [`report`]: the outcome of each value.

mod config;
mod ctx;
mod env;
mod exposure;
pub mod mapping;
pub mod report;
pub mod values;
mod workload;

pub use mapping::{Import, Options, import};
pub use report::{Outcome, Report};
