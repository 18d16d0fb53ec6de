//! The integration tests, in one binary (one link of the library instead of one per file).
//! Each module covers one subject and keeps the name of the file it came from.
//!
//! Plain `cargo test` runs the fast tests only: those that need no host tool. The end-to-end
//! tests, which run the real kustomize, kpt, the scanners' venvs or Chromium from `.tools/`,
//! are behind the `e2e` cargo feature: `cargo test --features e2e` (what `scripts/test` and CI
//! run) runs everything, and a missing tool fails with its install command. A test that calls
//! a tool helper is marked `#[cfg(feature = "e2e")]`, or its whole module is when every test
//! in it needs a tool; `house::every_test_that_needs_a_host_tool_is_behind_the_e2e_feature`
//! holds that. One test, `e2e_off`, runs only without the feature, so the output says so.
//!
//! One module: `cargo test --test it golden::`; regenerate goldens:
//! `UPDATE_GOLDEN=1 cargo test --test it --features e2e`, then review `git diff`.

// Helpers and imports that only the end-to-end tests use are unused in the fast build; the
// e2e build (clippy in CI) still reports them.
#![cfg_attr(not(feature = "e2e"), allow(dead_code, unused_imports))]

mod common;

mod check_cli;
mod ci;
mod cli;
mod corpus;
#[cfg(feature = "e2e")]
mod diff;
mod docs;
#[cfg(feature = "e2e")]
mod e2e_kpt;
#[cfg(feature = "e2e")]
mod e2e_kustomize;
mod ecosystem;
mod function;
mod gitops;
mod golden;
mod graph;
mod guards;
mod helm_import;
mod house;
mod io;
mod layout;
mod libyaml;
mod platform;
mod platform_misfits;
mod platform_streams;
mod properties;
mod real_cluster;
mod rollout;
mod scaffold;
#[cfg(feature = "e2e")]
mod schemas;
mod scripts;

/// Shown in the list of a plain `cargo test`: the end-to-end tests were left out.
#[cfg(not(feature = "e2e"))]
#[test]
fn e2e_off_run_cargo_test_features_e2e_for_the_tests_that_need_kustomize_kpt_or_a_browser() {
    let manifest = std::fs::read_to_string(common::root().join("Cargo.toml")).expect("read Cargo.toml");
    assert!(
        manifest.contains("[features]\ne2e = []"),
        "Cargo.toml declares the e2e feature that `cargo test --features e2e` turns on"
    );
}
