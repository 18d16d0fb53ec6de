//! The input and output layer: everything that touches files, stdin, stdout and other
//! processes, so every command reads, walks, runs kustomize and writes the same way.
//!
//! - [`read`]: the one reader of YAML/JSON input (size cap, BOM, `file:line:col` errors).
//! - [`walk`]: the one walker of YAML files under a directory, and the kustomization names.
//! - [`kustomize`]: running the real kustomize with the exec flags.
//! - [`stdout`]: writing stdout (quiet on a broken pipe, an error on anything else).
//! - [`stage`]: directories written beside their target and moved in when complete.
//! - [`interrupt`]: cleanup that also runs on SIGINT and SIGTERM.

pub mod interrupt;
pub mod kustomize;
pub mod read;
pub mod stage;
pub mod stdout;
pub mod walk;
