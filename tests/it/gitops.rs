//! GitOps: the Argo CD Config Management Plugin is valid and its declared command renders an
//! overlay; the kustomize Component installs it into argocd-repo-server.

use crate::common;

use common::{assert_golden, bin, root, stderr, stdout, tool};
use serde_yaml::Value;
use std::process::Command;

fn plugin() -> Value {
    let text = std::fs::read_to_string(root().join("gitops/argocd/plugin.yaml")).expect("plugin.yaml");
    serde_yaml::from_str(&text).expect("plugin.yaml is YAML")
}

fn keys(v: &Value) -> Vec<String> {
    v.as_mapping()
        .map(|m| m.keys().filter_map(|k| k.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_sequence()
        .map(|s| s.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

#[test]
fn the_plugin_uses_only_documented_fields() {
    // Argo CD's ConfigManagementPlugin (argoproj.io/v1alpha1), as documented for v2.6+ sidecar plugins.
    let p = plugin();
    assert_eq!(p["apiVersion"].as_str(), Some("argoproj.io/v1alpha1"));
    assert_eq!(p["kind"].as_str(), Some("ConfigManagementPlugin"));
    assert_eq!(p["metadata"]["name"].as_str(), Some("maverics-krm"));
    for k in keys(&p) {
        assert!(
            ["apiVersion", "kind", "metadata", "spec"].contains(&k.as_str()),
            "undocumented top-level field {k}"
        );
    }
    let documented = [
        "version",
        "init",
        "generate",
        "discover",
        "parameters",
        "preserveFileMode",
        "provideGitCreds",
    ];
    for k in keys(&p["spec"]) {
        assert!(documented.contains(&k.as_str()), "undocumented spec field {k}");
    }
    for k in keys(&p["spec"]["generate"]) {
        assert!(
            ["command", "args"].contains(&k.as_str()),
            "undocumented generate field {k}"
        );
    }
    assert!(
        !strings(&p["spec"]["generate"]["command"]).is_empty(),
        "generate.command must be a non-empty list"
    );
}

#[cfg(feature = "e2e")]
#[test]
fn the_declared_command_renders_the_overlay_in_the_sidecar_environment() {
    let p = plugin();
    let mut argv = strings(&p["spec"]["generate"]["command"]);
    argv.extend(strings(&p["spec"]["generate"]["args"]));
    // The sidecar's PATH has maverics-krm; its env names kustomize (repo-server-patch.yaml).
    let path_dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(bin(), path_dir.path().join("maverics-krm")).unwrap();
    let overlay = root().join("overlays/eks");
    let out = Command::new(&argv[0])
        .args(&argv[1..])
        .current_dir(&overlay)
        .env("PATH", format!("{}:/usr/bin:/bin", path_dir.path().display()))
        .env("KUSTOMIZE", tool("kustomize-5.8.1"))
        .env_remove("MAVERICS_KRM_BIN")
        .output()
        .expect("run the plugin's generate command");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_golden("kustomize/eks.yaml", &stdout(&out));
}

#[cfg(feature = "e2e")]
#[test]
fn the_component_adds_the_sidecar_and_the_plugin_config_to_the_repo_server() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("repo-server.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: argocd-repo-server\nspec:\n  selector:\n    matchLabels: {app: r}\n  template:\n    metadata:\n      labels: {app: r}\n    spec:\n      containers:\n      - name: argocd-repo-server\n        image: quay.io/argoproj/argocd:v3.1.0\n      volumes:\n      - name: var-files\n        emptyDir: {}\n      - name: plugins\n        emptyDir: {}\n",
    )
    .unwrap();
    // kustomize refuses absolute component paths: use a copy beside the kustomization.
    let component = dir.path().join("argocd");
    std::fs::create_dir(&component).unwrap();
    for f in ["kustomization.yaml", "plugin.yaml", "repo-server-patch.yaml"] {
        std::fs::copy(root().join("gitops/argocd").join(f), component.join(f)).unwrap();
    }
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        "namespace: argocd\nresources:\n- repo-server.yaml\ncomponents:\n- argocd\n",
    )
    .unwrap();
    let out = Command::new(tool("kustomize-5.8.1"))
        .arg("build")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let docs = common::documents(&stdout(&out));
    let cm = docs
        .iter()
        .find(|d| d["kind"] == "ConfigMap")
        .expect("plugin ConfigMap");
    assert_eq!(cm["metadata"]["name"].as_str(), Some("argocd-cmp-maverics-krm"));
    let embedded: Value = serde_yaml::from_str(cm["data"]["plugin.yaml"].as_str().unwrap()).unwrap();
    assert_eq!(embedded, plugin(), "the ConfigMap carries plugin.yaml as is");
    let deploy = docs.iter().find(|d| d["kind"] == "Deployment").unwrap();
    let containers = deploy["spec"]["template"]["spec"]["containers"].as_sequence().unwrap();
    let sidecar = containers
        .iter()
        .find(|c| c["name"] == "maverics-krm")
        .expect("sidecar container");
    assert_eq!(
        sidecar["command"][0].as_str(),
        Some("/var/run/argocd/argocd-cmp-server")
    );
    assert_eq!(
        sidecar["securityContext"]["runAsUser"].as_u64(),
        Some(999),
        "Argo CD's CMP user"
    );
    assert!(
        containers.iter().any(|c| c["name"] == "argocd-repo-server"),
        "the repo server itself stays"
    );
}

/// The sidecar image copies the binary from where scripts/build-static writes it, and the tool
/// from where scripts/install-tools puts it: a path either script stops writing breaks here,
/// not in a user's `docker build`.
#[test]
fn the_sidecar_image_copies_what_the_scripts_build() {
    let dockerfile = std::fs::read_to_string(root().join("gitops/argocd/Dockerfile.argocd-cmp")).unwrap();
    let build_static = std::fs::read_to_string(root().join("scripts/build-static")).unwrap();
    let install_tools = std::fs::read_to_string(root().join("scripts/install-tools")).unwrap();
    let copies: Vec<&str> = dockerfile
        .lines()
        .filter_map(|l| l.strip_prefix("COPY "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(copies.len(), 2, "{dockerfile}");
    let target = build_static
        .lines()
        .find_map(|l| l.strip_prefix("# Output: "))
        .expect("scripts/build-static names its output");
    assert!(
        build_static.contains("/$target/dist/maverics-krm")
            && target == "target/x86_64-unknown-linux-gnu/dist/maverics-krm",
        "scripts/build-static writes {target}"
    );
    assert_eq!(copies[1], target, "the image copies the static binary");
    // The first component is the tools folder, which scripts/install-tools calls `$T`.
    let in_tools = copies[0].split_once('/').map(|(_, rest)| format!("$T/{rest}"));
    assert!(
        in_tools.is_some_and(|p| install_tools.contains(&p)),
        "scripts/install-tools puts kustomize at {}",
        copies[0]
    );
}

/// `docker build .` sends only what `.dockerignore` lets through: every file the two images
/// copy must be let through, or the build fails with "not found" on a user's machine (the
/// function image once copied the `dist` binary while only the `release` one was admitted).
#[test]
fn the_docker_context_holds_what_each_image_copies() {
    let ignore = std::fs::read_to_string(root().join(".dockerignore")).unwrap();
    let admitted: Vec<&str> = ignore.lines().filter_map(|l| l.strip_prefix('!')).collect();
    assert_eq!(
        ignore.lines().next(),
        Some("*"),
        "everything else stays out of the context"
    );
    for file in ["Dockerfile", "gitops/argocd/Dockerfile.argocd-cmp"] {
        let dockerfile = std::fs::read_to_string(root().join(file)).unwrap();
        let copies: Vec<&str> = dockerfile
            .lines()
            .filter_map(|l| l.strip_prefix("COPY "))
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        assert!(!copies.is_empty(), "{file} copies something");
        for src in copies {
            assert!(
                admitted.contains(&src),
                "{file} copies {src}, which .dockerignore keeps out: {ignore}"
            );
        }
    }
}
