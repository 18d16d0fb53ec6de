//! End-to-end tests against the real kpt (1.0.0-beta.56): `kpt fn eval --exec` and
//! `kpt fn render --allow-exec` on the fixture package `tests/fixtures/kpt-package`, copied
//! into a temporary directory for every test.
//!
//! What kpt does to files the function passes through (observed with b56, and why the
//! assertions below compare parsed documents, comments and key order instead of bytes):
//! kpt restores comments and field order from its input, but writes scalars and mappings in
//! the style the function emitted: `"on"` becomes `'on'`, `"nginx:1.25"` loses its quotes,
//! `{app: web}` becomes a block mapping. The first run normalises; later runs are
//! byte-identical, which is what the idempotency checks pin down.

use crate::common;

use serde::Deserialize;
use serde_yaml::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use tempfile::TempDir;

/// The files of the fixture package, before any run.
const PACKAGE_FILES: &[&str] = &["Kptfile", "app/deploy.yaml", "extra/cm.yaml", "orchestrator.yaml"];

/// What the generator writes for the fixture config: file under `maverics/`, kind, name.
const GENERATED: &[(&str, &str, &str)] = &[
    ("maverics/configmap.yaml", "ConfigMap", "maverics-config"),
    ("maverics/namespace.yaml", "Namespace", "maverics"),
    (
        "maverics/horizontalpodautoscaler.yaml",
        "HorizontalPodAutoscaler",
        "maverics",
    ),
    ("maverics/networkpolicy.yaml", "NetworkPolicy", "maverics"),
    ("maverics/poddisruptionbudget.yaml", "PodDisruptionBudget", "maverics"),
    ("maverics/service-headless.yaml", "Service", "maverics-headless"),
    ("maverics/service.yaml", "Service", "maverics"),
    ("maverics/serviceaccount.yaml", "ServiceAccount", "maverics"),
    ("maverics/statefulset.yaml", "StatefulSet", "maverics"),
];

/// The exec line of the fixture Kptfile, relative to the fixture directory.
const FIXTURE_EXEC: &str = "- exec: ../../../plugins/maverics-krm";

type Snapshot = BTreeMap<String, Vec<u8>>;

// ---------------------------------------------------------------------------------------
// Package handling

fn fixture_dir() -> PathBuf {
    common::root().join("tests/fixtures/kpt-package")
}

/// A fresh copy of the fixture package in `TMP/pkg`.
fn package() -> (TempDir, PathBuf) {
    let tmp = TempDir::new().expect("temp dir");
    let pkg = tmp.path().join("pkg");
    common::copy_dir(&fixture_dir(), &pkg);
    (tmp, pkg)
}

/// Every file of the package, by slash-separated relative path.
fn snapshot(pkg: &Path) -> Snapshot {
    fn walk(base: &Path, dir: &Path, out: &mut Snapshot) {
        for entry in std::fs::read_dir(dir).expect("read package dir") {
            let path = entry.expect("package dir entry").path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path.strip_prefix(base).expect("inside the package");
                let rel = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                out.insert(rel, std::fs::read(&path).expect("read package file"));
            }
        }
    }
    let mut out = Snapshot::new();
    walk(pkg, pkg, &mut out);
    out
}

fn text<'a>(snap: &'a Snapshot, file: &str) -> &'a str {
    let bytes = snap
        .get(file)
        .unwrap_or_else(|| panic!("{file} is missing; files: {:?}", snap.keys()));
    std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{file} is not UTF-8: {e}"))
}

fn files(snap: &Snapshot) -> Vec<&str> {
    snap.keys().map(String::as_str).collect()
}

fn expected_files(generated: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = PACKAGE_FILES.iter().chain(generated).map(|s| (*s).to_owned()).collect();
    v.sort();
    v
}

fn diff(name: &str, before: &str, after: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .header(name, name)
        .to_string()
}

/// Asserts two snapshots are byte-identical, except the files in `except`, with a diff of
/// each file that changed.
fn assert_same_files(before: &Snapshot, after: &Snapshot, except: &[&str], what: &str) {
    let keep = |f: &&String| !except.contains(&f.as_str());
    let (b, a): (Vec<_>, Vec<_>) = (
        before.keys().filter(keep).collect(),
        after.keys().filter(keep).collect(),
    );
    assert_eq!(b, a, "{what}: the file list changed");
    let changed: Vec<String> = before
        .iter()
        .filter(|(k, v)| keep(k) && after.get(*k) != Some(*v))
        .map(|(k, v)| diff(k, &String::from_utf8_lossy(v), &String::from_utf8_lossy(&after[k])))
        .collect();
    assert!(changed.is_empty(), "{what}: files changed:\n{}", changed.join("\n"));
}

fn assert_same_snapshot(before: &Snapshot, after: &Snapshot, what: &str) {
    assert_same_files(before, after, &[], what);
}

/// Compares documents through their YAML text, so a failure shows a diff.
fn assert_same_document(before: &Value, after: &Value, what: &str) {
    let yaml = |v: &Value| serde_yaml::to_string(v).expect("serialise a document");
    if before != after {
        panic!("{what}:\n{}", diff(what, &yaml(before), &yaml(after)));
    }
}

/// The exec path as one shlex word: kpt splits the exec string like a shell.
fn shim_exec() -> String {
    let shim = common::root().join("plugins/maverics-krm");
    assert!(shim.is_file(), "{} is missing", shim.display());
    let s = shim.to_str().expect("the repository path is UTF-8").to_owned();
    if s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c)) {
        s
    } else {
        assert!(!s.contains('\''), "the repository path {s} contains a single quote");
        format!("'{s}'")
    }
}

/// kpt resolves a Kptfile `exec:` against its cwd, not the Kptfile: the copy points at
/// the shim by absolute path.
fn point_kptfile_at_shim(pkg: &Path) {
    let path = pkg.join("Kptfile");
    let kptfile = std::fs::read_to_string(&path).expect("read Kptfile");
    assert!(
        kptfile.contains(FIXTURE_EXEC),
        "the fixture Kptfile has no `{FIXTURE_EXEC}` line:\n{kptfile}"
    );
    let exec = serde_yaml::to_string(&shim_exec()).expect("YAML string");
    let kptfile = kptfile.replace(FIXTURE_EXEC, &format!("- exec: {}", exec.trim_end()));
    std::fs::write(&path, kptfile).expect("write Kptfile");
}

fn replace_in(pkg: &Path, file: &str, from: &str, to: &str) {
    let path = pkg.join(file);
    let s = std::fs::read_to_string(&path).expect("read package file");
    assert!(s.contains(from), "{file} has no `{from}`:\n{s}");
    std::fs::write(&path, s.replacen(from, to, 1)).expect("write package file");
}

// ---------------------------------------------------------------------------------------
// Running kpt

/// stdout and stderr together: kpt prints its progress and the function's stderr on stderr.
fn output_text(out: &Output) -> String {
    format!("{}{}", common::stdout(out), common::stderr(out))
}

/// `kpt fn eval PKG --exec SHIM --fn-config PKG/orchestrator.yaml`.
fn eval(pkg: &Path) -> Output {
    common::command(common::kpt())
        .args(["fn", "eval"])
        .arg(pkg)
        .arg("--exec")
        .arg(shim_exec())
        .arg("--fn-config")
        .arg(pkg.join("orchestrator.yaml"))
        .output()
        .expect("run kpt fn eval")
}

/// `kpt fn render --allow-exec`, run inside the package.
fn render(pkg: &Path) -> Output {
    common::command(common::kpt())
        .args(["fn", "render", "--allow-exec"])
        .current_dir(pkg)
        .output()
        .expect("run kpt fn render")
}

fn assert_success(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}",
        out.status,
        output_text(out)
    );
}

// ---------------------------------------------------------------------------------------
// YAML inspection

fn documents(text: &str, file: &str) -> Vec<Value> {
    serde_yaml::Deserializer::from_str(text)
        .map(|d| Value::deserialize(d).unwrap_or_else(|e| panic!("{file} is not valid YAML: {e}\n{text}")))
        .collect()
}

fn document(text: &str, file: &str) -> Value {
    let mut docs = documents(text, file);
    assert_eq!(docs.len(), 1, "{file} should hold one document:\n{text}");
    docs.remove(0)
}

/// Every key of a document in document order, as dotted paths.
fn key_paths(v: &Value) -> Vec<String> {
    fn walk(v: &Value, prefix: &str, out: &mut Vec<String>) {
        match v {
            Value::Mapping(m) => {
                for (k, v) in m {
                    let k = k.as_str().map_or_else(|| format!("{k:?}"), str::to_owned);
                    let p = if prefix.is_empty() { k } else { format!("{prefix}.{k}") };
                    out.push(p.clone());
                    walk(v, &p, out);
                }
            }
            Value::Sequence(s) => {
                for (i, v) in s.iter().enumerate() {
                    walk(v, &format!("{prefix}[{i}]"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, "", &mut out);
    out
}

fn top_keys(v: &Value) -> Vec<&str> {
    v.as_mapping()
        .expect("a mapping")
        .keys()
        .map(|k| k.as_str().expect("string key"))
        .collect()
}

/// The comments of a file, in order: whole-line comments and the part of a line from a `#`
/// that starts a comment. The fixtures have no `#` inside strings.
fn comments(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|l| {
            if l.trim_start().starts_with('#') {
                Some(l.trim())
            } else {
                l.find(" #").map(|i| l[i + 1..].trim_end())
            }
        })
        .collect()
}

/// A file that kpt passed through the function: the same documents, comments and key order
/// as before the run. Quoting and flow style may change (see the module docs).
fn assert_passed_through(before: &Snapshot, after: &Snapshot, file: &str) {
    let (b, a) = (text(before, file), text(after, file));
    assert_eq!(comments(b), comments(a), "{file}: comments changed:\n{a}");
    let (bd, ad) = (documents(b, file), documents(a, file));
    assert_eq!(bd.len(), ad.len(), "{file}: the number of documents changed:\n{a}");
    for (i, (bd, ad)) in bd.iter().zip(&ad).enumerate() {
        assert_same_document(bd, ad, &format!("{file}: document {i} changed"));
        assert_eq!(
            key_paths(bd),
            key_paths(ad),
            "{file}: key order of document {i} changed:\n{a}"
        );
    }
}

/// The raw scalar of the first `key:` line, without its line comment.
fn raw_scalar<'a>(text: &'a str, key: &str) -> &'a str {
    let prefix = format!("{key}: ");
    let line = text
        .lines()
        .map(str::trim_start)
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no `{key}:` line in\n{text}"));
    let value = &line[prefix.len()..];
    value.find(" #").map_or(value, |i| &value[..i]).trim_end()
}

/// Values a YAML 1.1 reader (Go's yaml.v2, hence kubectl) takes for booleans or octal
/// numbers unless they are quoted.
fn assert_quoted(text: &str, key: &str, value: &str) {
    let raw = raw_scalar(text, key);
    assert!(
        raw == format!("'{value}'") || raw == format!("\"{value}\""),
        "`{key}` must stay the quoted string {value:?}, found `{key}: {raw}` in\n{text}"
    );
}

fn get<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

// ---------------------------------------------------------------------------------------
// Shared assertions

/// After a first successful run on the fixture: the exact file list, readable generated
/// files, and the package's own files intact.
fn assert_first_run(before: &Snapshot, after: &Snapshot) {
    let generated: Vec<&str> = GENERATED.iter().map(|g| g.0).collect();
    assert_eq!(
        files(after),
        expected_files(&generated),
        "the package files after the run"
    );

    for &(file, kind, name) in GENERATED {
        let t = text(after, file);
        let doc = document(t, file);
        assert_eq!(get(&doc, "kind").and_then(Value::as_str), Some(kind), "{file}:\n{t}");
        assert_eq!(
            get(&doc, "metadata.name").and_then(Value::as_str),
            Some(name),
            "{file}:\n{t}"
        );
        // A Namespace is cluster-scoped: its own name is the namespace.
        let want_ns = if kind == "Namespace" { None } else { Some("maverics") };
        assert_eq!(
            get(&doc, "metadata.namespace").and_then(Value::as_str),
            want_ns,
            "{file}:\n{t}"
        );
        assert_eq!(
            get(&doc, "metadata.labels").and_then(|l| l.get("app.kubernetes.io/managed-by")),
            Some(&Value::from("maverics-krm")),
            "{file}:\n{t}"
        );
        // Host annotations are the host's business: kpt removes them on write, so any left
        // in a file would mean the function emitted a form kpt did not recognise.
        for host in [
            "config.kubernetes.io/path",
            "config.kubernetes.io/index",
            "config.k8s.io/id",
            "kpt-resource-id",
        ] {
            assert!(!t.contains(host), "{file} holds a host annotation `{host}`:\n{t}");
        }
        assert!(t.starts_with("apiVersion: "), "{file} is not block-style YAML:\n{t}");
    }
    // Autoscaling is on in the fixture: the HPA owns the replica count.
    let sts = document(text(after, "maverics/statefulset.yaml"), "statefulset.yaml");
    assert_eq!(
        get(&sts, "spec.replicas"),
        None,
        "the StatefulSet must leave replicas to the HPA"
    );

    for file in PACKAGE_FILES {
        assert_passed_through(before, after, file);
    }

    // Specific comments and key orders that a lost id or a dropped annotation would destroy.
    let deploy = text(after, "app/deploy.yaml");
    for line in [
        "# Head comment of the web Deployment: kpt must keep it.",
        "kind: Deployment # kind before apiVersion on purpose",
        "  # Keep two replicas behind the Service.",
        "# Foot comment of the Deployment.",
        "---",
        "# Head comment of the web Service.",
        "      targetPort: 80 # the nginx port",
    ] {
        assert!(
            deploy.lines().any(|l| l == line),
            "app/deploy.yaml lost the line {line:?}:\n{deploy}"
        );
    }
    let docs = documents(deploy, "app/deploy.yaml");
    assert_eq!(
        docs.len(),
        2,
        "app/deploy.yaml must stay a two-document file:\n{deploy}"
    );
    assert_eq!(top_keys(&docs[0]), ["kind", "apiVersion", "metadata", "spec"]);
    assert_eq!(get(&docs[1], "kind").and_then(Value::as_str), Some("Service"));

    let cm = text(after, "extra/cm.yaml");
    for line in [
        "# Settings that look like YAML 1.1 booleans and octals: they must stay strings.",
        "# Foot comment of the settings ConfigMap.",
    ] {
        assert!(
            cm.lines().any(|l| l == line),
            "extra/cm.yaml lost the line {line:?}:\n{cm}"
        );
    }
    assert!(
        cm.contains("# YAML 1.1 would read on as true"),
        "extra/cm.yaml lost a line comment:\n{cm}"
    );
    let cm_doc = document(cm, "extra/cm.yaml");
    assert_eq!(top_keys(&cm_doc), ["metadata", "data", "apiVersion", "kind"]);
    assert_eq!(
        top_keys(&cm_doc["data"]),
        ["zeta", "feature", "enabled", "mode", "count"]
    );
    for (key, value) in [("feature", "on"), ("enabled", "yes"), ("mode", "0755"), ("count", "1")] {
        assert_quoted(cm, key, value);
    }

    // The Kptfile keeps its name, its local-config mark and its pipeline.
    let kptfile = document(text(after, "Kptfile"), "Kptfile");
    assert_eq!(
        get(&kptfile, "metadata.annotations").and_then(|a| a.get("config.kubernetes.io/local-config")),
        Some(&Value::from("true"))
    );
    assert_eq!(
        get(&kptfile, "pipeline.mutators")
            .and_then(|m| m.get(0))
            .and_then(|m| m.get("configPath")),
        Some(&Value::from("orchestrator.yaml"))
    );
    // The kustomize declaration on the config rides along untouched.
    let config = document(text(after, "orchestrator.yaml"), "orchestrator.yaml");
    assert!(
        get(&config, "metadata.annotations")
            .and_then(|a| a.get("config.kubernetes.io/function"))
            .is_some(),
        "orchestrator.yaml lost its config.kubernetes.io/function annotation"
    );
}

// ---------------------------------------------------------------------------------------
// Tests

#[test]
fn eval_generates_into_maverics_dir_keeps_other_files_and_is_idempotent() {
    let (_tmp, pkg) = package();
    let before = snapshot(&pkg);

    let out = eval(&pkg);
    assert_success(&out, "kpt fn eval");
    let first = snapshot(&pkg);
    assert_first_run(&before, &first);

    let out = eval(&pkg);
    assert_success(&out, "the second kpt fn eval");
    assert_same_snapshot(&first, &snapshot(&pkg), "a second kpt fn eval");
}

#[test]
fn render_runs_the_kptfile_pipeline_like_eval_and_is_idempotent() {
    let (_tmp, pkg) = package();
    point_kptfile_at_shim(&pkg);
    let before = snapshot(&pkg);

    let out = render(&pkg);
    assert_success(&out, "kpt fn render");
    assert!(
        output_text(&out).contains("Successfully executed 1 function(s)"),
        "{}",
        output_text(&out)
    );
    let first = snapshot(&pkg);
    assert_first_run(&before, &first);

    // render sends more host annotations than eval (package-path): the output must match
    // eval's all the same, file by file.
    let (_tmp2, pkg2) = package();
    assert_success(&eval(&pkg2), "kpt fn eval");
    assert_same_files(&snapshot(&pkg2), &first, &["Kptfile"], "render compared with eval");

    let out = render(&pkg);
    assert_success(&out, "the second kpt fn render");
    assert_same_snapshot(&first, &snapshot(&pkg), "a second kpt fn render");
}

#[test]
fn render_with_a_misspelled_field_fails_and_leaves_the_package_untouched() {
    let (_tmp, pkg) = package();
    point_kptfile_at_shim(&pkg);
    replace_in(&pkg, "orchestrator.yaml", "\n  replicas: 2\n", "\n  replica: 3\n");

    let check_failure = |what: &str| {
        let before = snapshot(&pkg);
        let out = render(&pkg);
        let all = output_text(&out);
        assert!(
            !out.status.success(),
            "{what}: kpt fn render succeeded with `spec.replica`:\n{all}"
        );
        assert_same_snapshot(&before, &snapshot(&pkg), what);
        assert!(all.contains("[FAIL]"), "{what}: no [FAIL] line:\n{all}");
        assert!(
            all.contains("spec.replica: unknown field `replica`"),
            "{what}: the error does not name spec.replica:\n{all}"
        );
        assert!(
            all.contains("did you mean `replicas`?"),
            "{what}: no suggestion of `replicas`:\n{all}"
        );
        assert!(
            all.contains("orchestrator.yaml"),
            "{what}: the error does not name the file:\n{all}"
        );
    };

    // On a fresh package: nothing is written.
    check_failure("a failed render of a fresh package");

    // On a rendered package: the files of the last good render survive a bad config.
    replace_in(&pkg, "orchestrator.yaml", "\n  replica: 3\n", "\n  replicas: 2\n");
    assert_success(&render(&pkg), "kpt fn render with the fixed config");
    assert!(pkg.join("maverics/statefulset.yaml").is_file());
    replace_in(&pkg, "orchestrator.yaml", "\n  replicas: 2\n", "\n  replica: 3\n");
    check_failure("a failed render of a rendered package");
}

#[test]
fn eval_prunes_what_the_config_no_longer_asks_for_and_updates_in_place() {
    let (_tmp, pkg) = package();
    assert_success(&eval(&pkg), "kpt fn eval");
    let first = snapshot(&pkg);
    assert!(first.contains_key("maverics/horizontalpodautoscaler.yaml"));

    replace_in(
        &pkg,
        "orchestrator.yaml",
        "  autoscaling:\n    enabled: true\n",
        "  autoscaling:\n    enabled: false\n",
    );
    let before = snapshot(&pkg);
    assert_success(&eval(&pkg), "kpt fn eval with autoscaling off");
    let after = snapshot(&pkg);

    let generated: Vec<&str> = GENERATED
        .iter()
        .map(|g| g.0)
        .filter(|f| *f != "maverics/horizontalpodautoscaler.yaml")
        .collect();
    assert_eq!(
        files(&after),
        expected_files(&generated),
        "the package files after turning autoscaling off"
    );

    // Only the StatefulSet changed, and in it only the replica count.
    assert_same_files(
        &before,
        &after,
        &["maverics/statefulset.yaml", "maverics/horizontalpodautoscaler.yaml"],
        "turning autoscaling off",
    );
    let old = document(text(&before, "maverics/statefulset.yaml"), "statefulset.yaml");
    let mut new = document(text(&after, "maverics/statefulset.yaml"), "statefulset.yaml");
    assert_eq!(get(&old, "spec.replicas"), None);
    let spec = new["spec"].as_mapping_mut().expect("spec");
    assert_eq!(
        spec.remove("replicas"),
        Some(Value::from(2)),
        "the StatefulSet must now fix replicas: 2"
    );
    assert_same_document(&old, &new, "the StatefulSet changed beyond spec.replicas");

    // kpt keeps the old field order and appends the new field: stable from here on.
    assert_success(&eval(&pkg), "a repeated kpt fn eval");
    assert_same_snapshot(&after, &snapshot(&pkg), "a repeated kpt fn eval with autoscaling off");

    // Back on: the HPA returns, replicas goes, and the package is the first run's again.
    replace_in(
        &pkg,
        "orchestrator.yaml",
        "  autoscaling:\n    enabled: false\n",
        "  autoscaling:\n    enabled: true\n",
    );
    assert_success(&eval(&pkg), "kpt fn eval with autoscaling back on");
    assert_same_snapshot(&first, &snapshot(&pkg), "turning autoscaling back on");
}

#[test]
fn render_with_the_check_as_a_validator_without_config_fails_on_findings_then_passes() {
    let (_tmp, pkg) = package();
    point_kptfile_at_shim(&pkg);
    // A validator entry without configPath: kpt sends no functionConfig at all, and the
    // function checks with its default settings.
    let exec = serde_yaml::to_string(&shim_exec()).expect("YAML string");
    let path = pkg.join("Kptfile");
    let kptfile = std::fs::read_to_string(&path).expect("read Kptfile");
    std::fs::write(
        &path,
        format!("{kptfile}  validators:\n    - exec: {}\n", exec.trim_end()),
    )
    .expect("write Kptfile");

    // The fixture's nginx Deployment is not hardened: the render fails, nothing is written.
    let before = snapshot(&pkg);
    let out = render(&pkg);
    let all = output_text(&out);
    assert!(
        !out.status.success(),
        "the validator passed an unhardened Deployment:\n{all}"
    );
    assert_same_snapshot(&before, &snapshot(&pkg), "a render the validator failed");
    for want in [
        "app/deploy.yaml",
        "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation",
        "Pod Security restricted",
    ] {
        assert!(all.contains(want), "the validator output lacks `{want}`:\n{all}");
    }

    // Without it, the generated orchestrator passes its own check.
    std::fs::remove_file(pkg.join("app/deploy.yaml")).expect("remove the Deployment");
    let out = render(&pkg);
    assert_success(&out, "kpt fn render with the validator");
    assert!(pkg.join("maverics/statefulset.yaml").is_file());
}

// ---------------------------------------------------------------------------------------
// Ownership: kpt keeps earlier output in the package, so what the function may replace or
// prune is decided by the owner mark `krm.maverics.dev/owner`, never by labels.

const OWNER: &str = "krm.maverics.dev/owner";

/// Appends a mutator for the config file `config_path` to the package's Kptfile.
fn add_mutator(pkg: &Path, config_path: &str) {
    let exec = serde_yaml::to_string(&shim_exec()).expect("YAML string");
    let path = pkg.join("Kptfile");
    let kptfile = std::fs::read_to_string(&path).expect("read Kptfile");
    std::fs::write(
        &path,
        format!(
            "{kptfile}    - exec: {}\n      configPath: {config_path}\n",
            exec.trim_end()
        ),
    )
    .expect("write Kptfile");
}

fn write(pkg: &Path, file: &str, text: &str) {
    let path = pkg.join(file);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("create dir");
    std::fs::write(path, text).expect("write package file");
}

/// A ConfigMap carrying both labels of generated objects, but no owner mark.
fn labelled_config_map(namespace: &str, name: &str) -> String {
    format!(
        "# Hand-written; labelled like the orchestrator's objects on purpose.
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}
  namespace: {namespace}
  labels:
    app.kubernetes.io/instance: maverics
    app.kubernetes.io/managed-by: maverics-krm
data:
  owner: the-user
"
    )
}

/// Renders successfully, then turns autoscaling off and renders again, so the function
/// prunes (the HPA): what must survive both is checked by the caller.
fn render_then_prune(pkg: &Path) -> String {
    assert_success(&render(pkg), "kpt fn render");
    replace_in(
        pkg,
        "orchestrator.yaml",
        "  autoscaling:\n    enabled: true\n",
        "  autoscaling:\n    enabled: false\n",
    );
    let out = render(pkg);
    assert_success(&out, "kpt fn render with autoscaling off");
    assert!(
        !pkg.join("maverics/horizontalpodautoscaler.yaml").exists(),
        "the HPA was not pruned"
    );
    output_text(&out)
}

#[test]
fn render_marks_every_generated_file_with_its_owner_and_reports_each_prune() {
    let (_tmp, pkg) = package();
    point_kptfile_at_shim(&pkg);
    assert_success(&render(&pkg), "kpt fn render");
    let snap = snapshot(&pkg);
    for &(file, _, _) in GENERATED {
        let doc = document(text(&snap, file), file);
        assert_eq!(
            get(&doc, "metadata.annotations").and_then(|a| a.get(OWNER)),
            Some(&Value::from("maverics/maverics")),
            "{file}"
        );
    }
    replace_in(
        &pkg,
        "orchestrator.yaml",
        "  autoscaling:\n    enabled: true\n",
        "  autoscaling:\n    enabled: false\n",
    );
    let out = render(&pkg);
    assert_success(&out, "kpt fn render with autoscaling off");
    let all = output_text(&out);
    assert!(
        all.contains(
            "removed HorizontalPodAutoscaler `maverics/maverics` from `maverics/horizontalpodautoscaler.yaml`: \
             config `maverics/maverics` no longer generates it"
        ),
        "the prune is not reported:\n{all}"
    );
}

#[test]
fn render_keeps_a_user_file_carrying_the_two_labels() {
    let (_tmp, pkg) = package();
    point_kptfile_at_shim(&pkg);
    // Same namespace as the orchestrator, a name the generator does not use.
    write(
        &pkg,
        "user/settings.yaml",
        &labelled_config_map("maverics", "maverics-settings"),
    );
    let before = snapshot(&pkg);
    render_then_prune(&pkg);
    let after = snapshot(&pkg);
    assert_passed_through(&before, &after, "user/settings.yaml");
}

#[test]
fn render_keeps_a_labelled_object_in_another_namespace() {
    let (_tmp, pkg) = package();
    point_kptfile_at_shim(&pkg);
    // The generated ConfigMap's very name, in another namespace; and one marked with this
    // config's id but copied into another namespace.
    write(&pkg, "other/cm.yaml", &labelled_config_map("other", "maverics-config"));
    write(
        &pkg,
        "other/copied.yaml",
        &labelled_config_map("other", "maverics").replace(
            "  labels:\n",
            &format!("  annotations:\n    {OWNER}: maverics/maverics\n  labels:\n"),
        ),
    );
    let before = snapshot(&pkg);
    render_then_prune(&pkg);
    let after = snapshot(&pkg);
    assert_passed_through(&before, &after, "other/cm.yaml");
    assert_passed_through(&before, &after, "other/copied.yaml");
}

#[test]
fn render_of_two_configs_of_one_name_for_two_namespaces_keeps_both_outputs() {
    let (_tmp, pkg) = package();
    point_kptfile_at_shim(&pkg);
    let config = std::fs::read_to_string(pkg.join("orchestrator.yaml")).expect("read config");
    assert!(config.contains("\n  namespace: maverics\n"));
    write(
        &pkg,
        "orchestrator-b.yaml",
        &config.replace("\n  namespace: maverics\n", "\n  namespace: team-b\n"),
    );
    add_mutator(&pkg, "orchestrator-b.yaml");

    let out = render(&pkg);
    assert_success(&out, "kpt fn render with two configs");
    assert!(
        output_text(&out).contains("Successfully executed 2 function(s)"),
        "{}",
        output_text(&out)
    );
    let first = snapshot(&pkg);
    for (dir, ns) in [("maverics", "maverics"), ("maverics-team-b", "team-b")] {
        for &(file, kind, name) in GENERATED {
            let file = file.replacen("maverics/", &format!("{dir}/"), 1);
            let doc = document(text(&first, &file), &file);
            assert_eq!(get(&doc, "kind").and_then(Value::as_str), Some(kind), "{file}");
            let (want_name, want_ns) = if kind == "Namespace" {
                (ns, None)
            } else {
                (name, Some(ns))
            };
            assert_eq!(
                get(&doc, "metadata.name").and_then(Value::as_str),
                Some(want_name),
                "{file}"
            );
            assert_eq!(
                get(&doc, "metadata.namespace").and_then(Value::as_str),
                want_ns,
                "{file}"
            );
            assert_eq!(
                get(&doc, "metadata.annotations").and_then(|a| a.get(OWNER)),
                Some(&Value::from(format!("{ns}/maverics"))),
                "{file}"
            );
        }
    }

    let out = render(&pkg);
    assert_success(&out, "the second kpt fn render with two configs");
    assert_same_snapshot(&first, &snapshot(&pkg), "a second render with two configs");
}

#[test]
fn render_of_two_configs_with_one_owner_fails_naming_both_files() {
    let (_tmp, pkg) = package();
    point_kptfile_at_shim(&pkg);
    let config = std::fs::read_to_string(pkg.join("orchestrator.yaml")).expect("read config");
    write(&pkg, "copy.yaml", &config);
    add_mutator(&pkg, "copy.yaml");
    let before = snapshot(&pkg);
    let out = render(&pkg);
    let all = output_text(&out);
    assert!(!out.status.success(), "two configs with one owner passed:\n{all}");
    assert!(all.contains("[FAIL]"), "{all}");
    assert!(
        all.contains(
            "config `copy.yaml` is also `maverics/maverics`: both generate the same objects, and each run would \
             replace the other's"
        ),
        "{all}"
    );
    assert!(all.contains("orchestrator.yaml"), "{all}");
    assert_same_snapshot(
        &before,
        &snapshot(&pkg),
        "a failed render with two configs of one owner",
    );
}

#[test]
fn render_refuses_to_overwrite_a_user_object_in_the_place_of_a_generated_one() {
    let (_tmp, pkg) = package();
    point_kptfile_at_shim(&pkg);
    write(
        &pkg,
        "user/cm.yaml",
        &labelled_config_map("maverics", "maverics-config"),
    );
    let before = snapshot(&pkg);
    let out = render(&pkg);
    let all = output_text(&out);
    assert!(!out.status.success(), "a user ConfigMap was overwritten:\n{all}");
    assert!(all.contains("[FAIL]"), "{all}");
    assert!(
        all.contains(
            "ConfigMap `maverics/maverics-config` in `user/cm.yaml` is not marked as generated (no \
             `krm.maverics.dev/owner: maverics/maverics` annotation), and config `maverics/maverics` in \
             `orchestrator.yaml` generates an object of the same kind, namespace and name"
        ),
        "the error does not name both files:\n{all}"
    );
    assert_same_snapshot(&before, &snapshot(&pkg), "a refused render");
}
