//! `maverics-krm init`: scaffolds a repository of the user's own from this repository's base
//! and platform overlay. The files are embedded, so the scaffold is exactly what this
//! binary's tests build, and needs no checkout of this repository.

use crate::diag::Diagnostic;
use crate::io::stage::{NonEmpty, Staged};
use crate::schema::KINDS;
use std::path::{Path, PathBuf};

/// A file of the scaffold: its path in the new repository and its text.
struct File {
    path: String,
    text: String,
    executable: bool,
}

const BASE_KUSTOMIZATION: &str = include_str!("../bases/orchestrator/kustomization.yaml");
const BASE_CONFIG: &str = include_str!("../bases/orchestrator/orchestrator.yaml");
const SHIM: &str = include_str!("../plugins/maverics-krm");

/// The overlay files of each platform: kustomization, platform config, kustomize config.
const PLATFORMS: [(&str, [&str; 3]); 2] = [
    (
        "eks",
        [
            include_str!("../overlays/eks/kustomization.yaml"),
            include_str!("../overlays/eks/platform.yaml"),
            include_str!("../overlays/eks/kustomizeconfig.yaml"),
        ],
    ),
    (
        "rosa",
        [
            include_str!("../overlays/rosa/kustomization.yaml"),
            include_str!("../overlays/rosa/platform.yaml"),
            include_str!("../overlays/rosa/kustomizeconfig.yaml"),
        ],
    ),
];

fn files(platform: &str, overlay: &[&str; 3]) -> Vec<File> {
    let file = |path: String, text: &str| File {
        path,
        text: text.to_owned(),
        executable: false,
    };
    let o = format!("overlays/{platform}");
    let mut out = vec![
        file("bases/orchestrator/kustomization.yaml".into(), BASE_KUSTOMIZATION),
        file("bases/orchestrator/orchestrator.yaml".into(), BASE_CONFIG),
        file(format!("{o}/kustomization.yaml"), overlay[0]),
        file(format!("{o}/platform.yaml"), overlay[1]),
        file(format!("{o}/kustomizeconfig.yaml"), overlay[2]),
        File {
            path: "plugins/maverics-krm".into(),
            text: SHIM.to_owned(),
            executable: true,
        },
        file("README.md".into(), &readme(platform)),
        file(".github/workflows/render.yaml".into(), &workflow(platform)),
    ];
    // The configs' `yaml-language-server` modelines point at these.
    out.extend(
        KINDS
            .iter()
            .map(|k| file(format!("schemas/{}.json", k.file), &k.text())),
    );
    out
}

fn readme(platform: &str) -> String {
    format!(
        "# Strata Maverics Orchestrator on {platform}

Scaffolded by `maverics-krm init --platform {platform}`.

- `bases/orchestrator/orchestrator.yaml`: the `Orchestrator` config, every default written out.
- `overlays/{platform}/platform.yaml`: the `OrchestratorPlatform` layer; its values are examples.
- `plugins/maverics-krm`: the exec shim kustomize runs; it finds `maverics-krm` on PATH.
- `schemas/`: JSON Schemas of the configs, for editors (the `yaml-language-server` modeline).
- `.github/workflows/render.yaml`: renders and checks on every push, diffs on pull requests.

Next steps:

1. Push the orchestrator image to your registry and set `spec.image` in
   `bases/orchestrator/orchestrator.yaml` (`maverics-krm explain spec.image`).
2. Replace the example values in `overlays/{platform}/platform.yaml`
   (`maverics-krm explain orchestratorplatform.spec.{platform}`).
3. Render and check: `maverics-krm build overlays/{platform} | maverics-krm check -`
4. Commit, and let CI render every change.
"
    )
}

/// The CI snippet. Written as text, not emitted: it is a template for people to edit, and
/// its comments are part of it.
fn workflow(platform: &str) -> String {
    format!(
        "# Renders and checks the overlay on every push; on pull requests, also shows what the
# change does to the rendered manifests. Needs maverics-krm and kustomize on the runner.
name: render
on:
  push:
  pull_request:
jobs:
  render:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - name: Install maverics-krm and kustomize
        run: |
          # Put maverics-krm and kustomize 5.x on PATH here, e.g. from your release bucket.
          maverics-krm --version
          kustomize version
      - name: Build
        run: maverics-krm build overlays/{platform} > rendered.yaml
      - name: Check
        run: maverics-krm check rendered.yaml
      - name: Diff against the pull request's base
        if: github.event_name == 'pull_request'
        run: maverics-krm diff --base origin/${{{{ github.base_ref }}}} --format markdown
"
    )
}

/// Writes the scaffold into `dir` and returns the paths written.
pub fn init(dir: &Path, platform: &str, force: bool) -> Result<Vec<PathBuf>, Diagnostic> {
    let Some((_, overlay)) = PLATFORMS.iter().find(|(p, _)| *p == platform) else {
        return Err(Diagnostic::error(format!("unknown platform `{platform}`"))
            .fix("use `--platform eks` or `--platform rosa`"));
    };
    let staged = Staged::new(
        dir,
        if force {
            NonEmpty::Overwrite
        } else {
            NonEmpty::Refuse(
                "init into a new or empty directory, or pass --force to overwrite the scaffold's files there",
            )
        },
    )?;
    let mut written = Vec::new();
    for f in files(platform, overlay) {
        written.push(if f.executable {
            staged.write_executable(&f.path, &f.text)?
        } else {
            staged.write(&f.path, &f.text)?
        });
    }
    staged.commit()?;
    Ok(written)
}
