//! maverics-krm: a KRM function and kustomize exec plugin that deploys the Strata Maverics
//! Orchestrator on Kubernetes.
//!
//! - [`krm`]: the ResourceList wire format and host annotations.
//! - [`config`]: the function config kinds, their defaults and checks.
//! - [`resources`]: the typed objects of the orchestrator base.
//! - [`check`]: checks on any rendered stream (Pod Security, inline secrets, stickiness, sanity).
//! - [`function`]: the function itself, dispatch and upsert.
//! - [`cli`]: the command line (function mode, `render`, `build`).

pub mod check;
pub mod cli;
pub mod config;
pub mod diag;
pub mod function;
pub mod krm;
pub mod resources;
