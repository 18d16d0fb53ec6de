//! `maverics-krm import-helm-values`: a values file of Strata's Helm chart (1.0.5) to an
//! `Orchestrator` config, with a report of what was mapped, changed on purpose, refused, or
//! could not be mapped.
//!
//! - [`values`]: the values file, read key by key so nothing is dropped unnoticed.
//! - [`mapping`]: the value-by-value mapping.
//! - [`report`]: the outcome of each value.

pub mod mapping;
pub mod report;
pub mod values;

pub use mapping::{Import, Options, import};
pub use report::{Outcome, Report};
