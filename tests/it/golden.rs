//! Golden tests: for each config under tests/golden/configs, the exact manifests
//! `maverics-krm render` prints. Regenerate with `UPDATE_GOLDEN=1 cargo test --test it golden::`
//! and review the diff.

use crate::common;

use common::{assert_golden, bin, root, stderr, stdout};
use std::process::Command;

fn render(config: &std::path::Path) -> String {
    let out = Command::new(bin())
        .arg("render")
        .arg(config)
        .output()
        .expect("run render");
    assert!(
        out.status.success(),
        "render {} failed:\n{}",
        config.display(),
        stderr(&out)
    );
    stdout(&out)
}

#[test]
fn every_config_renders_to_its_golden() {
    let dir = root().join("tests/golden/configs");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("configs dir") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|f| f.to_str()).expect("file name").to_owned();
        assert_golden(&format!("render/{name}"), &render(&path));
        n += 1;
    }
    assert!(n >= 4, "expected at least 4 golden configs, found {n}");
}

#[test]
fn the_base_config_renders_to_its_golden_and_equals_the_embedded_default() {
    let base = render(&root().join("bases/orchestrator/orchestrator.yaml"));
    assert_golden("render/base.yaml", &base);
    let out = Command::new(bin()).arg("render").output().expect("run render");
    assert_eq!(stdout(&out), base, "the embedded default must be the base config");
}

#[test]
fn rendering_is_deterministic() {
    let cfg = root().join("tests/golden/configs/pod-tls.yaml");
    assert_eq!(render(&cfg), render(&cfg));
}
