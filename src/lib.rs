//! maverics-krm: a KRM function and kustomize exec plugin that deploys the Strata Maverics
//! Orchestrator on Kubernetes.
//!
//! - [`krm`]: the ResourceList wire format and host annotations.
//! - [`api`]: what the three function config kinds share: `apiVersion`, kind names, dispatch,
//!   `metadata`, and typed reading with field-path errors.
//! - [`config`]: the `Orchestrator` generator's config, its defaults and checks.
//! - [`resources`]: the typed objects of the orchestrator base.
//! - [`check`]: checks on any rendered stream (Pod Security, inline secrets, stickiness, sanity).
//! - [`function`]: the function itself, dispatch and upsert.
//! - [`platform`]: the `OrchestratorPlatform` transformer (EKS, ROSA, AKS, GKE): its config,
//!   its layers and its eject.
//! - [`cli`]: the command line: arguments, and which command runs.
//! - [`commands`]: the body of each command (function mode, `render`, `build`, `diff`, ...).
//! - [`exit`]: the exit codes, decided in one place.
//! - [`rendered`]: the objects of a rendered overlay or revision, their keys, and how they
//!   are loaded; under both `diff` and `graph`.
//! - [`diff`]: `maverics-krm diff`, the semantic diff of rendered overlays and revisions.
//! - [`graph`]: `maverics-krm graph`, a Mermaid picture of who reaches the orchestrator and whom it reaches.
//! - [`helm`]: `maverics-krm import-helm-values`, migration from Strata's Helm chart.
//! - [`io`]: reading input, walking folders, running kustomize, writing stdout and folders.
//! - [`k8s`]: the Kubernetes vocabulary: names, labels, images, hosts, CIDRs, quantities.
//! - [`schema`]: JSON Schemas of the config kinds, and `explain`.
//! - [`init`]: `maverics-krm init`, the scaffold of a user's repository.
//! - [`secrets`]: the one secret detector (key names, value shapes, references).

#![warn(missing_docs)]
// Config fields' doc comments are also their JSON Schema descriptions and docs/config.md,
// where `<https://...>` would show its brackets: their URLs stay bare.
#![allow(rustdoc::bare_urls)]

pub mod api;
pub mod check;
pub mod cli;
pub mod commands;
pub mod config;
pub mod diag;
pub mod diff;
pub mod exit;
pub mod function;
pub mod graph;
pub mod helm;
pub mod init;
pub mod io;
pub mod k8s;
pub mod krm;
pub mod platform;
pub mod rendered;
pub mod resources;
pub mod schema;
pub mod secrets;
