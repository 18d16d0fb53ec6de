//! The guard rails on every path that emits a stream, through the real hosts: an inline Secret
//! added to the shipped EKS and ROSA overlays, to the overlays `init` scaffolds and
//! `import-helm-values --out` writes, and to an ejected overlay fails kustomize 4.5.4 and 5.8.1,
//! kpt and `maverics-krm build`, naming the object; `build` finds the orchestrator by its labels
//! in parsed output; the one opt-out needs a written reason and is reported.

use crate::common;

use common::{bin, command, copy_dir, kpt, kustomize_versions, root, run_fn, script, stderr, stdout, tool};
use maverics_krm::krm::{Item, ResourceList};
use serde_yaml::Value;
use std::path::{Path, PathBuf};
use std::process::Output;
use tempfile::TempDir;

/// What the inline-secret rule prints for the Secret `db-creds` the tests add.
const SECRET_ERROR: &str = "error: Secret db-creds: data: a Secret with its values inline: anyone who can read the manifests (Git, CI logs) reads the secret";
const SECRET_FIX: &str = "  fix: keep the value in the secret store and let an ExternalSecret create the Secret (spec.secrets.values of the Orchestrator config)";
/// What kustomize adds when a function exits 1.
const KUSTOMIZE_FAILED: &str = "Error: couldn't execute function: exit status 1";
const SECRET_GENERATOR: &str = "secretGenerator:\n  - name: db-creds\n    literals:\n      - password=hunter2\n";
const REASON: &str = "bootstrap token of the cluster, rotated hourly by the cluster itself";

/// A copy of the repository's bases, plugins and overlays: overlays keep their relative paths.
fn tree() -> TempDir {
    let tmp = TempDir::new().expect("tempdir");
    for d in ["bases", "plugins", "overlays"] {
        copy_dir(&root().join(d), &tmp.path().join(d));
    }
    tmp
}

fn append(path: &Path, text: &str) {
    let mut s = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    s.push_str(text);
    std::fs::write(path, s).expect("write");
}

fn kustomize(k: &Path, dir: &Path) -> Output {
    command(k)
        .args(["build", "--enable-alpha-plugins", "--enable-exec"])
        .arg(dir)
        .output()
        .expect("run kustomize")
}

fn maverics_build(dir: &Path, k: &Path) -> Output {
    command(bin())
        .arg("build")
        .arg(dir)
        .arg("--kustomize")
        .arg(k)
        .output()
        .expect("run maverics-krm build")
}

/// Exit 1 and the Secret's error with its fix, in this order, on stderr.
fn assert_secret_refused(out: &Output, what: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "{what}:\n{err}");
    assert!(
        err.contains(&format!("{SECRET_ERROR}\n{SECRET_FIX}\n")),
        "{what}: the Secret is not named:\n{err}"
    );
    assert!(stdout(out).is_empty(), "{what}: no partial output");
}

// ---------------------------------------------------------------------------------------
// The shipped overlays under both kustomize versions and `maverics-krm build`

#[cfg(feature = "e2e")]
#[test]
fn an_inline_secret_fails_the_eks_and_rosa_overlays_under_both_kustomize_versions() {
    let t = tree();
    for overlay in ["eks", "rosa", "aks", "gke"] {
        let dir = t.path().join("overlays").join(overlay);
        append(&dir.join("kustomization.yaml"), SECRET_GENERATOR);
        for (version, k) in kustomize_versions() {
            let out = kustomize(&k, &dir);
            assert_secret_refused(&out, &format!("{overlay}, kustomize {version}"));
            assert!(stderr(&out).contains(KUSTOMIZE_FAILED), "{}", stderr(&out));
        }
    }
}

#[cfg(feature = "e2e")]
#[test]
fn maverics_krm_build_fails_on_an_inline_secret_in_the_eks_and_rosa_overlays() {
    let t = tree();
    for overlay in ["eks", "rosa", "aks", "gke"] {
        let dir = t.path().join("overlays").join(overlay);
        append(&dir.join("kustomization.yaml"), SECRET_GENERATOR);
        for (version, k) in kustomize_versions() {
            let out = maverics_build(&dir, &k);
            assert_secret_refused(&out, &format!("build {overlay}, kustomize {version}"));
        }
    }
}

/// A parent overlay's generators run after the platform transformer of its child: only the
/// check of the final stream sees what they add.
#[cfg(feature = "e2e")]
#[test]
fn a_secret_from_a_parent_overlay_passes_kustomize_but_fails_maverics_krm_build() {
    let t = tree();
    let parent = t.path().join("overlays/prod");
    std::fs::create_dir_all(&parent).expect("mkdir");
    std::fs::write(
        parent.join("kustomization.yaml"),
        format!("resources:\n  - ../eks\n{SECRET_GENERATOR}"),
    )
    .expect("write");
    let k = tool("kustomize-5.8.1");
    assert_eq!(
        kustomize(&k, &parent).status.code(),
        Some(0),
        "kustomize alone lets it through"
    );
    let out = maverics_build(&parent, &k);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    // The final stream has the name with kustomize's hash suffix.
    let line = err
        .lines()
        .find(|l| l.starts_with("error: Secret db-creds-"))
        .unwrap_or_else(|| panic!("the Secret is not named:\n{err}"));
    assert!(
        line.ends_with(
            ": data: a Secret with its values inline: anyone who can read the manifests (Git, CI logs) reads the secret"
        ),
        "{line}"
    );
    assert!(err.contains(SECRET_FIX), "{err}");
    assert!(stdout(&out).is_empty());
}

#[cfg(feature = "e2e")]
#[test]
fn maverics_krm_build_fails_on_a_privileged_pod_a_parent_overlay_adds() {
    let t = tree();
    let parent = t.path().join("overlays/prod");
    std::fs::create_dir_all(&parent).expect("mkdir");
    std::fs::write(
        parent.join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: debug, namespace: maverics}\nspec:\n  containers:\n  - name: sh\n    image: busybox:1.36\n    securityContext: {privileged: true}\n",
    )
    .expect("write");
    std::fs::write(
        parent.join("kustomization.yaml"),
        "resources:\n  - ../eks\n  - pod.yaml\n",
    )
    .expect("write");
    let out = maverics_build(&parent, &tool("kustomize-5.8.1"));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.lines()
            .any(|l| l.starts_with("error: Pod debug: spec.containers[0].securityContext.privileged: ")),
        "{err}"
    );
    assert!(stdout(&out).is_empty());
}

#[cfg(feature = "e2e")]
#[test]
fn build_refuses_a_stream_whose_only_statefulset_is_not_the_orchestrator() {
    let tmp = TempDir::new().expect("tempdir");
    let dir = tmp.path();
    for labels in ["{app: db}", "{app.kubernetes.io/name: maverics-orchestrator}"] {
        std::fs::write(
            dir.join("sts.yaml"),
            format!(
                "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: db, namespace: data, labels: {labels}}}\nspec:\n  selector: {{matchLabels: {{app: db}}}}\n  template:\n    metadata: {{labels: {{app: db}}}}\n    spec:\n      containers: [{{name: db, image: 'postgres:16'}}]\n"
            ),
        )
        .expect("write");
        std::fs::write(dir.join("kustomization.yaml"), "resources:\n  - sts.yaml\n").expect("write");
        let out = maverics_build(dir, &tool("kustomize-5.8.1"));
        assert_eq!(out.status.code(), Some(1), "{labels}: {}", stderr(&out));
        assert_eq!(
            stderr(&out),
            format!(
                "error: the build of {} holds no orchestrator StatefulSet (labelled `app.kubernetes.io/name: \
                 maverics-orchestrator` and `app.kubernetes.io/managed-by: maverics-krm`): the function did not run\n  \
                 fix: declare the Orchestrator config under `generators:` with the exec annotation (see bases/orchestrator)\n",
                dir.display()
            ),
            "{labels}"
        );
        assert!(stdout(&out).is_empty());
    }
}

#[test]
fn build_refuses_output_that_is_not_yaml_even_with_a_statefulset_line() {
    let tmp = TempDir::new().expect("tempdir");
    let fake = tmp.path().join("kustomize");
    script(&fake, "printf 'kind: StatefulSet\\nmetadata: [unclosed\\n'\n");
    let out = maverics_build(tmp.path(), &fake);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(
        err,
        format!(
            "error: kustomize build {}:3:1: YAML syntax error: did not find expected ',' or ']', while parsing a flow \
             sequence at line 2 column 11\n  fix: correct the YAML at that line and column (indentation, a missing `:` \
             or an unclosed quote are the usual causes)\n",
            tmp.path().display()
        )
    );
    assert!(stdout(&out).is_empty());
}

#[cfg(feature = "e2e")]
#[test]
fn build_prints_each_warning_once_and_passes_with_warnings() {
    let k = tool("kustomize-5.8.1");
    // overlays/dev runs the check as its last transformer; build checks the same stream again.
    let out = maverics_build(&root().join("overlays/dev"), &k);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(err.matches("but no Ingress, Route or HTTPRoute").count(), 1, "{err}");
    assert_eq!(
        err.matches("example host `registry.dev.example.com`").count(),
        1,
        "{err}"
    );
    assert!(stdout(&out).contains("kind: StatefulSet"));
    // The base alone: no exposure, up to 5 replicas (its HPA); a warning from build's own check.
    let out = maverics_build(&root().join("bases/orchestrator"), &k);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "warning: StatefulSet maverics: spec: the orchestrator runs up to 5 replicas in proxy mode and keeps each \
             session in one pod, but no Ingress, Route or HTTPRoute in this stream sends traffic to it: its cookie \
             affinity is unchecked\n"
        ),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------
// Scaffolds: init and import-helm-values --out

#[cfg(feature = "e2e")]
#[test]
fn the_overlays_init_scaffolds_fail_on_an_inline_secret() {
    for platform in ["eks", "rosa", "aks", "gke"] {
        let tmp = TempDir::new().expect("tempdir");
        let dir = tmp.path().join("repo");
        let o = std::process::Command::new(bin())
            .arg("init")
            .arg(&dir)
            .args(["--platform", platform])
            .output()
            .expect("init");
        assert!(o.status.success(), "{}", stderr(&o));
        let overlay = dir.join("overlays").join(platform);
        append(&overlay.join("kustomization.yaml"), SECRET_GENERATOR);
        for (version, k) in kustomize_versions() {
            assert_secret_refused(
                &kustomize(&k, &overlay),
                &format!("init {platform}, kustomize {version}"),
            );
        }
    }
}

#[cfg(feature = "e2e")]
#[test]
fn the_overlay_import_helm_values_writes_fails_on_an_inline_secret() {
    let tmp = TempDir::new().expect("tempdir");
    let o = std::process::Command::new(bin())
        .arg("import-helm-values")
        .arg(root().join("tests/fixtures/helm-values/openshift.yaml"))
        .arg("--out")
        .arg(tmp.path())
        .output()
        .expect("import");
    assert!(o.status.success(), "{}", stderr(&o));
    copy_dir(&root().join("plugins"), &tmp.path().join("plugins"));
    let overlay = tmp.path().join("overlays/rosa");
    append(&overlay.join("kustomization.yaml"), SECRET_GENERATOR);
    for (version, k) in kustomize_versions() {
        assert_secret_refused(&kustomize(&k, &overlay), &format!("imported rosa, kustomize {version}"));
    }
}

// ---------------------------------------------------------------------------------------
// Eject keeps the guard

fn eject(config: &Path, out: &Path) -> Output {
    let platform = config.parent().and_then(Path::file_name).expect("overlay name");
    common::eject(&platform.to_string_lossy(), config, out)
}

fn yaml_file(path: &Path) -> Value {
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .expect("YAML")
}

#[cfg(feature = "e2e")]
#[test]
fn ejected_eks_and_rosa_overlays_keep_the_guard_under_both_kustomize_versions() {
    let t = tree();
    for platform in ["eks", "rosa", "aks", "gke"] {
        // Next to bases/, as `--out deploy/NAME` in a repository.
        let out_dir = t.path().join("deploy").join(platform);
        let o = eject(
            &t.path().join("overlays").join(platform).join("platform.yaml"),
            &out_dir,
        );
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(!stderr(&o).contains("kustomize 4.5.x"), "{}", stderr(&o));
        let check = yaml_file(&out_dir.join("check.yaml"));
        assert_eq!(check["kind"], "OrchestratorCheck");
        assert_eq!(
            check["metadata"]["annotations"]["config.kubernetes.io/function"],
            "exec:\n  path: ../../plugins/maverics-krm\n"
        );
        // As shipped, the ejected overlay builds; with an inline Secret, it fails.
        for (version, k) in kustomize_versions() {
            let built = kustomize(&k, &out_dir);
            assert_eq!(built.status.code(), Some(0), "{platform} {version}: {}", stderr(&built));
        }
        append(&out_dir.join("kustomization.yaml"), SECRET_GENERATOR);
        for (version, k) in kustomize_versions() {
            assert_secret_refused(
                &kustomize(&k, &out_dir),
                &format!("ejected {platform}, kustomize {version}"),
            );
        }
    }
}

#[cfg(feature = "e2e")]
#[test]
fn eject_warns_when_kustomize_4_cannot_run_the_ejected_check() {
    let t = tree();
    let out_dir = t.path().join("deploy/prod/eks");
    let o = eject(&t.path().join("overlays/eks/platform.yaml"), &out_dir);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "warning: check.yaml runs `../../../plugins/maverics-krm`, which kustomize 4.5.x resolves from the base's \
             directory, where it names another file: the ejected overlay builds with kustomize 5.x only\n  fix: eject \
             into a directory at the same depth as the base (e.g. `--out deploy/NAME` next to `bases/`)\n"
        ),
        "{}",
        stderr(&o)
    );
    let built = kustomize(&tool("kustomize-5.8.1"), &out_dir);
    assert_eq!(built.status.code(), Some(0), "{}", stderr(&built));
}

/// Writes `file` into `overlay` and lists it after the platform config under `transformers:`.
fn add_transformer(overlay: &Path, file: &str, text: &str) {
    std::fs::write(overlay.join(file), text).expect("write");
    let k = std::fs::read_to_string(overlay.join("kustomization.yaml")).expect("read");
    std::fs::write(
        overlay.join("kustomization.yaml"),
        k.replace(
            "transformers:\n  - platform.yaml\n",
            &format!("transformers:\n  - platform.yaml\n  - {file}\n"),
        ),
    )
    .expect("write");
}

#[cfg(feature = "e2e")]
#[test]
fn eject_carries_the_overlays_check_config_through() {
    let t = tree();
    let overlay = t.path().join("overlays/eks");
    add_transformer(
        &overlay,
        "guard.yaml",
        "apiVersion: krm.maverics.dev/v1alpha1\nkind: OrchestratorCheck\nmetadata:\n  name: strict\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: ../../plugins/maverics-krm\nspec:\n  exampleValues: false\n",
    );
    let out_dir = t.path().join("ejected");
    let o = eject(&overlay.join("platform.yaml"), &out_dir);
    assert!(o.status.success(), "{}", stderr(&o));
    let check = yaml_file(&out_dir.join("check.yaml"));
    assert_eq!(check["metadata"]["name"], "strict");
    assert_eq!(check["spec"]["exampleValues"], false);
    assert_eq!(check["spec"]["inlineSecrets"], true);
    let kust = yaml_file(&out_dir.join("kustomization.yaml"));
    assert_eq!(kust["transformers"], Value::Sequence(vec!["check.yaml".into()]));
}

#[cfg(feature = "e2e")]
#[test]
fn eject_still_refuses_a_transformer_it_cannot_carry() {
    let t = tree();
    let overlay = t.path().join("overlays/eks");
    add_transformer(
        &overlay,
        "labels.yaml",
        "apiVersion: builtin\nkind: LabelTransformer\nmetadata: {name: l}\nlabels: {team: idp}\nfieldSpecs: [{path: metadata/labels, create: true}]\n",
    );
    let o = eject(&overlay.join("platform.yaml"), &t.path().join("ejected"));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: transformer labels.yaml is neither platform.yaml nor an OrchestratorCheck\n  fix: eject an overlay \
             whose transformers are this platform config and, optionally, an OrchestratorCheck\n",
            overlay.join("kustomization.yaml").display()
        )
    );
    assert!(!t.path().join("ejected").exists(), "nothing written");
}

// ---------------------------------------------------------------------------------------
// Function mode: the generator, the platform transformer, the check; the opt-out

fn resource_list(items: &[Value], function_config: &str) -> String {
    let mut m = serde_yaml::Mapping::new();
    m.insert("apiVersion".into(), "config.kubernetes.io/v1".into());
    m.insert("kind".into(), "ResourceList".into());
    m.insert("items".into(), Value::Sequence(items.to_vec()));
    m.insert(
        "functionConfig".into(),
        serde_yaml::from_str(function_config).expect("function config"),
    );
    serde_yaml::to_string(&Value::Mapping(m)).expect("YAML")
}

fn secret(annotation: Option<&str>) -> Value {
    let ann = annotation.map_or_else(String::new, |r| {
        format!(
            "  annotations:\n    krm.maverics.dev/allow-inline-secret: {}\n",
            serde_json::json!(r)
        )
    });
    serde_yaml::from_str(&format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-creds\n  namespace: maverics\n{ann}data:\n  password: aHVudGVyMg==\n"
    ))
    .expect("secret")
}

/// The base the generator renders, as items.
fn base() -> Vec<Value> {
    let out = std::process::Command::new(bin())
        .arg("render")
        .output()
        .expect("render");
    assert!(out.status.success(), "{}", stderr(&out));
    common::documents(&stdout(&out))
}

fn results(out: &Output) -> (ResourceList, Vec<Value>) {
    let text = stdout(out);
    let list = ResourceList::parse(text.as_bytes()).expect("a ResourceList");
    let v: Value = serde_yaml::from_str(&text).expect("YAML");
    let results = v["results"].as_sequence().cloned().unwrap_or_default();
    (list, results)
}

fn the_warning(results: &[Value]) -> &Value {
    let w: Vec<&Value> = results
        .iter()
        .filter(|r| r["field"]["path"] == "metadata.annotations.krm.maverics.dev/allow-inline-secret")
        .collect();
    assert_eq!(w.len(), 1, "{results:?}");
    w[0]
}

const ALLOWED: &str = "inline secret data allowed in data; the reason given: bootstrap token of the cluster, rotated hourly by the cluster itself";
/// A KRM result carries the fix in its message.
const ALLOWED_RESULT: &str = "inline secret data allowed in data; the reason given: bootstrap token of the cluster, rotated hourly by the cluster itself Fix: keep the reason true; remove the annotation once the value lives in the secret store";
/// How kpt prints the Secret's error result.
const KPT_SECRET_ERROR: &str = "[error] v1/Secret/maverics/db-creds data: a Secret with its values inline: anyone who can read the manifests (Git, CI logs) reads the secret Fix: keep the value in the secret store";

#[test]
fn the_generator_passes_an_opted_out_secret_with_a_warning_result() {
    let input = resource_list(&[secret(Some(REASON))], maverics_krm::cli::DEFAULT_CONFIG);
    let out = run_fn(input.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (list, results) = results(&out);
    let w = the_warning(&results);
    assert_eq!(w["severity"], "warning");
    assert_eq!(w["message"], ALLOWED_RESULT);
    assert_eq!(w["resourceRef"]["kind"], "Secret");
    assert_eq!(w["resourceRef"]["name"], "db-creds");
    assert!(
        stderr(&out).contains(&format!(
            "warning: Secret db-creds: metadata.annotations.krm.maverics.dev/allow-inline-secret: {ALLOWED}\n"
        )),
        "{}",
        stderr(&out)
    );
    assert_eq!(list.items[0], secret(Some(REASON)), "passed through unchanged");
    assert!(
        list.items
            .iter()
            .filter_map(Item::tree)
            .any(|i| i["kind"] == "StatefulSet"),
        "and generated"
    );
}

#[test]
fn the_generator_passes_a_secret_without_inline_data() {
    let token: Value = serde_yaml::from_str(
        "apiVersion: v1\nkind: Secret\ntype: kubernetes.io/service-account-token\nmetadata:\n  name: sa-token\n  annotations: {kubernetes.io/service-account.name: ci}\n",
    )
    .expect("secret");
    let out = run_fn(resource_list(&[token], maverics_krm::cli::DEFAULT_CONFIG).as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("Secret sa-token"), "{}", stderr(&out));
}

const EKS_PLATFORM: &str = include_str!("../../overlays/eks/platform.yaml");

#[test]
fn the_platform_transformer_refuses_an_inline_secret_and_returns_the_items_unchanged() {
    let mut items = base();
    items.push(secret(None));
    let out = run_fn(resource_list(&items, EKS_PLATFORM).as_bytes());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("{SECRET_ERROR}\n{SECRET_FIX}\n")),
        "{}",
        stderr(&out)
    );
    let (list, results) = results(&out);
    assert_eq!(list.items, items, "items come back as they came");
    assert!(
        results.iter().any(|r| r["severity"] == "error"
            && r["resourceRef"]["name"] == "db-creds"
            && r["field"]["path"] == "data"),
        "{results:?}"
    );
}

#[test]
fn the_platform_transformer_passes_an_opted_out_secret_with_a_warning() {
    let mut items = base();
    items.push(secret(Some(REASON)));
    let out = run_fn(resource_list(&items, EKS_PLATFORM).as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (list, results) = results(&out);
    assert_eq!(the_warning(&results)["message"], ALLOWED_RESULT);
    assert!(
        list.items.iter().filter_map(Item::tree).any(|i| i["kind"] == "Ingress"),
        "the platform layer applied"
    );
}

#[test]
fn maverics_krm_check_honours_the_opt_out_and_refuses_an_empty_reason() {
    let tmp = TempDir::new().expect("tempdir");
    let file = tmp.path().join("s.yaml");
    std::fs::write(&file, serde_yaml::to_string(&secret(Some(REASON))).expect("YAML")).expect("write");
    let out = std::process::Command::new(bin())
        .arg("check")
        .arg(&file)
        .output()
        .expect("check");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "warning: {}: metadata.annotations.krm.maverics.dev/allow-inline-secret: {ALLOWED}\n  fix: keep the reason \
             true; remove the annotation once the value lives in the secret store\n1 objects checked: 0 errors, 1 warnings\n",
            file.display()
        )
    );
    std::fs::write(&file, serde_yaml::to_string(&secret(Some(""))).expect("YAML")).expect("write");
    let out = std::process::Command::new(bin())
        .arg("check")
        .arg(&file)
        .output()
        .expect("check");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "error: {}: metadata.annotations.krm.maverics.dev/allow-inline-secret: `krm.maverics.dev/allow-inline-secret` \
             is set without a reason\n",
            file.display()
        )),
        "{}",
        stderr(&out)
    );
}

// ---------------------------------------------------------------------------------------
// kpt

/// A kpt package: `files` plus a Kptfile whose mutators run the binary under test with
/// each config path.
fn kpt_package(files: &[(&str, String)], mutators: &[&str]) -> (TempDir, PathBuf) {
    let tmp = TempDir::new().expect("tempdir");
    let pkg = tmp.path().join("pkg");
    std::fs::create_dir_all(&pkg).expect("mkdir");
    let exec = serde_json::json!(bin().display().to_string());
    let list: String = mutators
        .iter()
        .map(|c| format!("    - exec: {exec}\n      configPath: {c}\n"))
        .collect();
    std::fs::write(
        pkg.join("Kptfile"),
        format!(
            "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\npipeline:\n  mutators:\n{list}"
        ),
    )
    .expect("Kptfile");
    for (name, text) in files {
        std::fs::write(pkg.join(name), text).expect("package file");
    }
    (tmp, pkg)
}

fn kpt_render(pkg: &Path) -> Output {
    command(kpt())
        .args(["fn", "render", "--allow-exec", "--truncate-output=false"])
        .current_dir(pkg)
        .output()
        .expect("run kpt fn render")
}

fn platform_config() -> String {
    EKS_PLATFORM.replace(
        "    config.kubernetes.io/function: |\n      exec:\n        path: ../../plugins/maverics-krm\n",
        "    config.kubernetes.io/local-config: \"true\"\n",
    )
}

fn rendered_base() -> String {
    let out = std::process::Command::new(bin())
        .arg("render")
        .output()
        .expect("render");
    stdout(&out)
}

#[cfg(feature = "e2e")]
#[test]
fn kpt_render_with_the_platform_config_fails_on_an_inline_secret_and_leaves_the_package() {
    let files = [
        ("base.yaml", rendered_base()),
        ("platform.yaml", platform_config()),
        ("secret.yaml", serde_yaml::to_string(&secret(None)).expect("YAML")),
    ];
    let (_tmp, pkg) = kpt_package(&files, &["platform.yaml"]);
    let before = std::fs::read_to_string(pkg.join("base.yaml")).expect("read");
    let out = kpt_render(&pkg);
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert_ne!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("[FAIL]"), "{text}");
    assert!(text.contains(KPT_SECRET_ERROR), "{text}");
    assert_eq!(
        std::fs::read_to_string(pkg.join("base.yaml")).expect("read"),
        before,
        "untouched"
    );
}

#[cfg(feature = "e2e")]
#[test]
fn kpt_render_of_generator_and_platform_fails_on_an_inline_secret_at_the_generator() {
    let files = [
        ("orchestrator.yaml", maverics_krm::cli::DEFAULT_CONFIG.to_owned()),
        ("platform.yaml", platform_config()),
        ("secret.yaml", serde_yaml::to_string(&secret(None)).expect("YAML")),
    ];
    let (_tmp, pkg) = kpt_package(&files, &["orchestrator.yaml", "platform.yaml"]);
    let out = kpt_render(&pkg);
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert_ne!(out.status.code(), Some(0), "{text}");
    assert!(text.contains(KPT_SECRET_ERROR), "{text}");
    assert!(!pkg.join("maverics").exists(), "nothing generated:\n{text}");
}

#[cfg(feature = "e2e")]
#[test]
fn kpt_render_passes_an_opted_out_secret_and_reports_it() {
    let files = [
        ("orchestrator.yaml", maverics_krm::cli::DEFAULT_CONFIG.to_owned()),
        ("platform.yaml", platform_config()),
        (
            "secret.yaml",
            serde_yaml::to_string(&secret(Some(REASON))).expect("YAML"),
        ),
    ];
    let (_tmp, pkg) = kpt_package(&files, &["orchestrator.yaml", "platform.yaml"]);
    let out = kpt_render(&pkg);
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{text}");
    // Once by the generator, once by the platform layer: each host step says what it let through.
    assert!(text.matches(ALLOWED).count() >= 2, "{text}");
    assert!(pkg.join("maverics/statefulset.yaml").is_file(), "{text}");
}
