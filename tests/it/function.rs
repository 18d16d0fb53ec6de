//! Function mode end to end: the binary reads a ResourceList on stdin and writes one on
//! stdout, exactly as kustomize 4.5.4 / 5.8.1 and kpt 1.0.0-beta.56 run it. The inputs under
//! `tests/fixtures/resourcelists` mirror what those hosts were observed to send
//! (`krm-hosts.md`, Appendix A). No host binary is needed here; `e2e_*.rs` runs the real ones.

use crate::common;

use common::{root, run_fn, stderr, stdout};
use pretty_assertions::assert_eq;
use serde::Deserialize;
use serde_yaml::Value;

const V1: &str = "config.kubernetes.io/v1";
const V1BETA1: &str = "config.kubernetes.io/v1beta1";

const PATH: &str = "internal.config.kubernetes.io/path";
const LEGACY_PATH: &str = "config.kubernetes.io/path";
const INDEX: &str = "internal.config.kubernetes.io/index";
const LEGACY_INDEX: &str = "config.kubernetes.io/index";
const ID: &str = "internal.config.kubernetes.io/id";
const LEGACY_ID: &str = "config.k8s.io/id";

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

fn fixture(name: &str) -> String {
    let path = root().join("tests/fixtures/resourcelists").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One run of the binary. `list` is stdout parsed and checked to be a ResourceList.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    list: Value,
}

impl Run {
    fn items(&self) -> &[Value] {
        items(&self.list)
    }

    fn results(&self) -> Vec<&Value> {
        self.list
            .get("results")
            .and_then(Value::as_sequence)
            .map(|r| r.iter().collect())
            .unwrap_or_default()
    }

    fn results_of(&self, severity: &str) -> Vec<&Value> {
        self.results()
            .into_iter()
            .filter(|r| r.get("severity").and_then(Value::as_str) == Some(severity))
            .collect()
    }

    /// Everything a failed assertion needs to show.
    fn dump(&self) -> String {
        format!(
            "exit code {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    fn assert_success(&self) {
        assert_eq!(self.code, 0, "expected success\n{}", self.dump());
        assert!(
            self.results_of("error").is_empty(),
            "error results on success\n{}",
            self.dump()
        );
    }
}

/// Runs the binary on `input`. Whatever the input, stdout must be a ResourceList: hosts
/// treat empty or broken stdout as "delete everything" (krm-hosts.md §0.7).
fn run(input: impl AsRef<[u8]>) -> Run {
    let out = run_fn(input.as_ref());
    let err = stderr(&out);
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("the binary was killed by a signal\n--- stderr ---\n{err}"));
    let text = stdout(&out);
    let list = parse_resource_list(&text)
        .unwrap_or_else(|e| panic!("stdout is not a ResourceList: {e}\n--- stdout ---\n{text}\n--- stderr ---\n{err}"));
    assert!(!err.contains("panicked"), "the binary panicked\n--- stderr ---\n{err}");
    Run {
        code,
        stdout: text,
        stderr: err,
        list,
    }
}

/// Parses `text` and checks it against the KRM Functions Specification's ResourceList and
/// Result schemas (krm-hosts.md §1.2).
fn parse_resource_list(text: &str) -> Result<Value, String> {
    let list: Value = serde_yaml::from_str(text).map_err(|e| format!("not YAML: {e}"))?;
    let api_version = list.get("apiVersion").and_then(Value::as_str);
    if !matches!(api_version, Some(V1 | V1BETA1)) {
        return Err(format!("apiVersion is {api_version:?}"));
    }
    if list.get("kind").and_then(Value::as_str) != Some("ResourceList") {
        return Err("kind is not ResourceList".into());
    }
    if !list.get("items").is_some_and(Value::is_sequence) {
        return Err("`items` is missing or not a list".into());
    }
    if let Some(results) = list.get("results") {
        let results = results.as_sequence().ok_or("`results` is not a list")?;
        for r in results {
            if !r.get("message").is_some_and(Value::is_string) {
                return Err(format!("result without a message: {r:?}"));
            }
            let severity = r.get("severity").and_then(Value::as_str).unwrap_or("error");
            if !matches!(severity, "error" | "warning" | "info") {
                return Err(format!("result severity {severity:?}"));
            }
            if let Some(field) = r.get("field") {
                if !field.get("path").is_some_and(Value::is_string) {
                    return Err(format!("result field without a path: {r:?}"));
                }
                // "if `field` is set, `resourceRef` must also be set"
                if !r
                    .get("resourceRef")
                    .and_then(|rr| rr.get("name"))
                    .is_some_and(Value::is_string)
                {
                    return Err(format!("result has a field but no resourceRef with a name: {r:?}"));
                }
            }
            if let Some(file) = r.get("file")
                && !file.get("path").is_some_and(Value::is_string)
            {
                return Err(format!("result file without a path: {r:?}"));
            }
        }
    }
    Ok(list)
}

fn parse(text: &str) -> Value {
    serde_yaml::from_str(text).unwrap_or_else(|e| panic!("test input is not YAML: {e}\n{text}"))
}

fn items(list: &Value) -> &[Value] {
    list.get("items")
        .and_then(Value::as_sequence)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |cur, key| cur.get(*key))?.as_str()
}

fn kind(obj: &Value) -> &str {
    str_at(obj, &["kind"]).unwrap_or_default()
}

fn name(obj: &Value) -> &str {
    str_at(obj, &["metadata", "name"]).unwrap_or_default()
}

fn annotation<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    str_at(obj, &["metadata", "annotations", key])
}

/// Equal as YAML values, and equal once re-serialised: the second catches reordered keys,
/// which `Value` equality ignores.
fn assert_same_value(actual: &Value, expected: &Value, what: &str) {
    let text = |v: &Value| serde_yaml::to_string(v).expect("serialise a Value");
    assert_eq!(text(actual), text(expected), "{what}");
    assert!(actual == expected, "{what}: the values differ");
}

/// An object the base generates: kind, name and the file it belongs in (relative to the
/// directory named after the config).
struct Expected {
    api_version: &'static str,
    kind: &'static str,
    name: String,
    file: &'static str,
}

/// What the base generates for config `name`, in output order.
fn base_objects(name: &str, external_secret: bool) -> Vec<Expected> {
    base_objects_in(name, external_secret, None)
}

/// As `base_objects`, with the Namespace object the base generates first when its config sets
/// `spec.namespace` (not for shared namespaces such as `default`).
fn base_objects_in(name: &str, external_secret: bool, namespace: Option<&str>) -> Vec<Expected> {
    let e = |api_version, kind, suffix: &str, file| Expected {
        api_version,
        kind,
        name: format!("{name}{suffix}"),
        file,
    };
    let mut out = Vec::new();
    if let Some(ns) = namespace {
        out.push(Expected {
            api_version: "v1",
            kind: "Namespace",
            name: ns.to_owned(),
            file: "namespace.yaml",
        });
    }
    out.extend([
        e("v1", "ServiceAccount", "", "serviceaccount.yaml"),
        e("v1", "ConfigMap", "-config", "configmap.yaml"),
    ]);
    if external_secret {
        out.push(e(
            "external-secrets.io/v1",
            "ExternalSecret",
            "-secrets",
            "externalsecret.yaml",
        ));
    }
    out.extend([
        e("v1", "Service", "", "service.yaml"),
        e("v1", "Service", "-headless", "service-headless.yaml"),
        e("apps/v1", "StatefulSet", "", "statefulset.yaml"),
        e("policy/v1", "PodDisruptionBudget", "", "poddisruptionbudget.yaml"),
        e(
            "autoscaling/v2",
            "HorizontalPodAutoscaler",
            "",
            "horizontalpodautoscaler.yaml",
        ),
        e("networking.k8s.io/v1", "NetworkPolicy", "", "networkpolicy.yaml"),
    ]);
    out
}

/// The input items the function must echo: every one, except the function's own config
/// when it is local-config and has no path. That is how kustomize hands a generator its
/// config; kustomize drops local-config objects from the build anyway, and not echoing it
/// spares kustomize an OpenAPI schema load (src/function.rs). A config with a path lives in
/// a kpt package file and always comes back.
fn echoed_items(list: &Value) -> Vec<Value> {
    let fc = &list["functionConfig"];
    let identity = |v: &Value| {
        (
            str_at(v, &["apiVersion"]).map(str::to_owned),
            kind(v).to_owned(),
            name(v).to_owned(),
        )
    };
    let all = items(list);
    // kustomize's generator shape: the function's own config, local-config, no path, alone.
    let kustomize_generator_echo = all.len() == 1 && {
        let i = &all[0];
        fc.is_mapping()
            && identity(i) == identity(fc)
            && annotation(i, "config.kubernetes.io/local-config") == Some("true")
            && annotation(i, PATH).is_none()
            && annotation(i, LEGACY_PATH).is_none()
    };
    if kustomize_generator_echo {
        Vec::new()
    } else {
        all.to_vec()
    }
}

/// The host contract for one captured input shape:
/// * exit 0, a ResourceList of the input's apiVersion;
/// * every input item first (see `echoed_items`), in order, unchanged (annotations included);
/// * then the generated objects, in order, each with both path annotations set to
///   `<config dir><config name>/<file>` and both index annotations `'0'`, and no ids (an id
///   is the host's handle on an input item; a new object must not claim one).
fn assert_host_contract(fixture_name: &str, input: &str, config_dir: &str, expected: &[Expected]) -> Run {
    let input_list = parse(input);
    let out = run(input);
    out.assert_success();
    assert_eq!(
        out.list["apiVersion"], input_list["apiVersion"],
        "{fixture_name}: apiVersion"
    );

    let echoed = echoed_items(&input_list);
    let (inp, outp) = (echoed.as_slice(), out.items());
    assert_eq!(
        outp.len(),
        inp.len() + expected.len(),
        "{fixture_name}: item count\n{}",
        out.dump()
    );
    for (i, (o, want)) in outp.iter().zip(inp).enumerate() {
        assert_same_value(
            o,
            want,
            &format!("{fixture_name}: input item {i} must come back unchanged"),
        );
    }

    let config_name = expected[0].name.as_str();
    for (g, want) in outp[inp.len()..].iter().zip(expected) {
        let what = format!("{fixture_name}: generated {} {}", want.kind, want.name);
        assert_eq!(
            (str_at(g, &["apiVersion"]).unwrap_or_default(), kind(g), name(g)),
            (want.api_version, want.kind, want.name.as_str()),
            "{what}: order or identity"
        );
        let path = format!("{config_dir}{config_name}/{}", want.file);
        assert_eq!(annotation(g, PATH), Some(path.as_str()), "{what}: {PATH}");
        assert_eq!(annotation(g, LEGACY_PATH), Some(path.as_str()), "{what}: {LEGACY_PATH}");
        assert_eq!(annotation(g, INDEX), Some("0"), "{what}: {INDEX}");
        assert_eq!(annotation(g, LEGACY_INDEX), Some("0"), "{what}: {LEGACY_INDEX}");
        assert_eq!(annotation(g, ID), None, "{what}: a new object must not carry an id");
        assert_eq!(
            annotation(g, LEGACY_ID),
            None,
            "{what}: a new object must not carry an id"
        );
        assert_eq!(
            str_at(g, &["metadata", "labels", "app.kubernetes.io/managed-by"]),
            Some("maverics-krm"),
            "{what}: managed-by label"
        );
    }
    out
}

/// A kustomize-generator-shaped input (Appendix A) for an Orchestrator named `maverics`
/// whose `spec` is the YAML text `spec`, written at column 0.
fn generator_input(spec: &str) -> String {
    let indented = |n: usize| {
        spec.lines()
            .map(|l| {
                if l.is_empty() {
                    String::new()
                } else {
                    format!("{:n$}{l}\n", "")
                }
            })
            .collect::<String>()
    };
    format!(
        "apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: krm.maverics.dev/v1alpha1
  kind: Orchestrator
  metadata:
    annotations:
      config.kubernetes.io/local-config: 'true'
      config.kubernetes.io/index: '0'
      internal.config.kubernetes.io/index: '0'
      internal.config.kubernetes.io/annotations-migration-resource-id: '0'
      internal.config.kubernetes.io/id: '1'
      config.k8s.io/id: '1'
    name: maverics
  spec:
{item}functionConfig:
  apiVersion: krm.maverics.dev/v1alpha1
  kind: Orchestrator
  metadata:
    annotations:
      config.kubernetes.io/local-config: 'true'
    name: maverics
  spec:
{fc}",
        item = indented(4),
        fc = indented(4),
    )
}

/// The valid spec the error and warning cases start from.
const GOOD_SPEC: &str = "namespace: maverics
image:
  repository: strata/orchestrator
  tag: v2026.01.2
";

// ---------------------------------------------------------------------------------------
// 1. Host captures
// ---------------------------------------------------------------------------------------

#[test]
fn kustomize_4_5_4_generator_input_gets_the_base_without_its_own_config_echoed() {
    let file = "kustomize-4.5.4-generator.yaml";
    let out = assert_host_contract(
        file,
        &fixture(file),
        "",
        &base_objects_in("maverics", true, Some("maverics")),
    );
    // The config was the only item; kustomize would drop it from the build, so it is not echoed.
    assert_eq!(out.items().len(), 10);
    for g in out.items().iter().filter(|g| kind(g) != "Namespace") {
        assert_eq!(str_at(g, &["metadata", "namespace"]), Some("maverics"), "{}", name(g));
    }
}

#[test]
fn kustomize_5_8_1_generator_input_gets_the_base_without_its_own_config_echoed() {
    let file = "kustomize-5.8.1-generator.yaml";
    // The config relies on defaults: no spec.secrets (so no ExternalSecret), no namespace.
    let out = assert_host_contract(file, &fixture(file), "", &base_objects("idp-gateway", false));
    for g in out.items() {
        assert_eq!(str_at(g, &["metadata", "namespace"]), None, "{}", name(g));
    }
}

#[test]
fn kustomize_5_8_1_transformer_input_keeps_build_annotations_and_appends_the_base() {
    let file = "kustomize-5.8.1-transformer.yaml";
    let out = assert_host_contract(
        file,
        &fixture(file),
        "",
        &base_objects_in("maverics", true, Some("maverics")),
    );
    // kustomize maps output back to its resources by these; losing them loses the hash suffix.
    let gencm = &out.items()[1];
    assert_eq!(
        annotation(gencm, "internal.config.kubernetes.io/needsHashSuffix"),
        Some("enabled")
    );
    assert_eq!(
        annotation(gencm, "kustomize.config.k8s.io/id"),
        Some("kind: ConfigMap\nname: p-gencm\nversion: v1\n")
    );
}

#[test]
fn kpt_fn_eval_input_puts_generated_files_next_to_the_config_item() {
    let file = "kpt-fn-eval.yaml";
    // functionConfig has no path: the directory comes from the config *item*, `sub/orchestrator.yaml`.
    let out = assert_host_contract(
        file,
        &fixture(file),
        "sub/",
        &base_objects_in("maverics", true, Some("maverics")),
    );
    let kinds: Vec<&str> = out.items()[..5].iter().map(kind).collect();
    assert_eq!(kinds, ["Kptfile", "Deployment", "Service", "Orchestrator", "ConfigMap"]);
    assert_eq!(
        annotation(&out.items()[1], "internal.config.kubernetes.io/seqindent"),
        Some("wide")
    );
}

#[test]
fn kpt_fn_eval_with_the_config_at_the_package_root_generates_into_a_top_level_dir() {
    let input = fixture("kpt-fn-eval.yaml").replace("'sub/orchestrator.yaml'", "'orchestrator.yaml'");
    assert!(input.contains("path: 'orchestrator.yaml'"));
    assert_host_contract(
        "kpt-fn-eval.yaml (config at the root)",
        &input,
        "",
        &base_objects_in("maverics", true, Some("maverics")),
    );
}

#[test]
fn v1beta1_resource_list_is_answered_in_v1beta1() {
    let file = "v1beta1.yaml";
    let out = assert_host_contract(
        file,
        &fixture(file),
        "",
        &base_objects_in("maverics", true, Some("maverics")),
    );
    assert!(
        out.stdout.starts_with("apiVersion: config.kubernetes.io/v1beta1\n"),
        "{}",
        out.dump()
    );
}

#[test]
fn json_input_is_accepted_and_answered_in_block_yaml() {
    // JSON is YAML; kpt rewrote package files as one-line JSON when a function answered in JSON.
    let value = parse(&fixture("kustomize-4.5.4-generator.yaml"));
    let json = serde_json::to_string(&value).expect("to JSON");
    let out = assert_host_contract(
        "JSON input",
        &json,
        "",
        &base_objects_in("maverics", true, Some("maverics")),
    );
    assert!(
        out.stdout
            .starts_with("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- ")
    );
}

#[test]
fn empty_item_list_gets_just_the_base() {
    // `kpt fn eval` on an empty package, or a config given only as functionConfig.
    let mut list = parse(&generator_input(GOOD_SPEC));
    list["items"] = Value::Sequence(Vec::new());
    let out = run(serde_yaml::to_string(&list).expect("serialise"));
    out.assert_success();
    let kinds: Vec<&str> = out.items().iter().map(kind).collect();
    let expected: Vec<&str> = base_objects_in("maverics", false, Some("maverics"))
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, expected);
}

// ---------------------------------------------------------------------------------------
// 2. Idempotency
// ---------------------------------------------------------------------------------------

#[test]
fn feeding_the_output_back_gives_byte_identical_output() {
    for name in [
        "kustomize-4.5.4-generator.yaml",
        "kustomize-5.8.1-generator.yaml",
        "kustomize-5.8.1-transformer.yaml",
        "kpt-fn-eval.yaml",
        "v1beta1.yaml",
        "passthrough-scalars.yaml",
        "upsert-stale-statefulset.yaml",
    ] {
        let first = run(fixture(name));
        first.assert_success();
        let second = run(&first.stdout);
        second.assert_success();
        assert_eq!(second.stdout, first.stdout, "{name}: second run differs from the first");
        let third = run(&second.stdout);
        third.assert_success();
        assert_eq!(third.stdout, second.stdout, "{name}: third run differs from the second");
    }
}

// ---------------------------------------------------------------------------------------
// 3. Upsert
// ---------------------------------------------------------------------------------------

#[test]
fn existing_generated_object_is_replaced_in_place_keeping_host_annotations() {
    let input = fixture("upsert-stale-statefulset.yaml");
    let out = run(&input);
    out.assert_success();
    let inp = parse(&input);
    let (in_items, out_items) = (items(&inp), out.items());

    // The same input without the stale StatefulSet: what a fresh run generates.
    let mut without = inp.clone();
    without["items"].as_sequence_mut().expect("items").remove(1);
    let fresh_run = run(serde_yaml::to_string(&without).expect("serialise"));
    fresh_run.assert_success();
    let fresh = fresh_run
        .items()
        .iter()
        .find(|i| kind(i) == "StatefulSet")
        .expect("a fresh StatefulSet");

    // Same position, fresh content.
    let sts = &out_items[1];
    assert_eq!((kind(sts), name(sts)), ("StatefulSet", "maverics"), "{}", out.dump());
    assert_same_value(
        &sts["spec"],
        &fresh["spec"],
        "the stale spec is replaced by the fresh one",
    );
    assert_same_value(
        &sts["metadata"]["labels"],
        &fresh["metadata"]["labels"],
        "labels are the generator's",
    );

    // The host's ids, path, index and seqindent stay, so kpt keeps the file and comments.
    let stale = &in_items[1];
    for key in [
        ID,
        LEGACY_ID,
        PATH,
        LEGACY_PATH,
        INDEX,
        LEGACY_INDEX,
        "internal.config.kubernetes.io/seqindent",
        "internal.config.kubernetes.io/annotations-migration-resource-id",
    ] {
        assert!(annotation(stale, key).is_some(), "the fixture sets {key}");
        assert_eq!(
            annotation(sts, key),
            annotation(stale, key),
            "{key} must be kept\n{}",
            out.dump()
        );
    }
    assert_eq!(annotation(sts, ID), Some("7"));
    assert_eq!(annotation(sts, PATH), Some("custom/sts.yaml"));
    // The generator's own annotations are the fresh ones.
    assert_eq!(
        annotation(sts, "secret.reloader.stakater.com/reload"),
        annotation(fresh, "secret.reloader.stakater.com/reload")
    );
    assert!(annotation(sts, "secret.reloader.stakater.com/reload").is_some());

    // Everything else: unchanged and in place, then the rest of the base, without duplicates.
    for i in [0, 2, 3] {
        assert_same_value(&out_items[i], &in_items[i], &format!("input item {i}"));
    }
    let expected: Vec<(&str, String)> = base_objects_in("maverics", true, Some("maverics"))
        .into_iter()
        .filter(|e| e.kind != "StatefulSet")
        .map(|e| (e.kind, e.name))
        .collect();
    let appended: Vec<(&str, String)> = out_items[in_items.len()..]
        .iter()
        .map(|i| (kind(i), name(i).to_owned()))
        .collect();
    assert_eq!(appended, expected);
    let mut ids: Vec<String> = out_items
        .iter()
        .map(|i| {
            format!(
                "{} {} {}/{}",
                str_at(i, &["apiVersion"]).unwrap_or_default(),
                kind(i),
                str_at(i, &["metadata", "namespace"]).unwrap_or_default(),
                name(i)
            )
        })
        .collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "duplicate objects in the output\n{}", out.dump());
}

// ---------------------------------------------------------------------------------------
// 4. Pass-through fidelity
// ---------------------------------------------------------------------------------------

#[test]
fn foreign_items_keep_their_exact_values() {
    let input = fixture("passthrough-scalars.yaml");
    let inp = parse(&input);
    let out = run(&input);
    out.assert_success();
    let in_items = items(&inp);
    assert_eq!(in_items.len(), 2);
    for (i, want) in in_items.iter().enumerate() {
        assert_same_value(&out.items()[i], want, &format!("item {i} ({})", name(want)));
    }
    // Spot checks that the fixture says what it means to.
    let spec = &out.items()[1]["spec"];
    assert_eq!(spec["integers"]["u64_max"].as_u64(), Some(u64::MAX));
    assert_eq!(spec["integers"]["i64_min"].as_i64(), Some(i64::MIN));
    assert!(spec["floats"]["nan"].as_f64().is_some_and(f64::is_nan));
    assert_eq!(
        spec["floats"]["negative_zero"].as_f64().map(f64::is_sign_negative),
        Some(true)
    );
    assert_eq!(spec["unicode"].as_str(), Some("héllo wörld ✓ 日本語 🚀 Ωμέγα"));
    assert_eq!(spec["multiline_keep"].as_str(), Some("trailing newlines kept\n\n\n"));
    assert_eq!(spec["on"].as_str(), Some("a key a YAML 1.1 reader takes for true"));
}

/// Items are read one at a time and foreign ones written through as text: an alias to an
/// anchor of an earlier item is still expanded as the whole-document reader expands it, and
/// the written items read back as the values that went in.
#[test]
fn aliases_across_passed_items_are_expanded_as_before() {
    let spec = "namespace: maverics\n";
    let input = generator_input(spec).replacen(
        "items:\n",
        "items:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n  data: &shared\n    mode: 'on'\n    mask: '0755'\n\
         - apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: b\n  data: *shared\n",
        1,
    );
    let out = run(&input);
    out.assert_success();
    let (a, b) = (&out.items()[0], &out.items()[1]);
    assert_eq!((name(a), name(b)), ("a", "b"));
    assert_eq!(a["data"], b["data"]);
    assert_eq!(str_at(b, &["data", "mode"]), Some("on"));
    assert_eq!(raw_value(&out.stdout, "mode"), "'on'");
    assert_eq!(raw_value(&out.stdout, "mask"), "'0755'");
    assert!(!out.stdout.contains('&') && !out.stdout.contains('*'), "{}", out.stdout);
}

/// YAML has line breaks besides `\n` (U+0085, U+2028, U+2029), which the emitter writes raw:
/// a passed item holding them comes out as the same data, in every mode, and a second run
/// changes nothing.
#[test]
fn line_separators_in_passed_items_keep_their_data() {
    let item = "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: ls\n  data:\n    script: \"echo hi\\u2028evil: injected\\nrest\\n\"\n    para: \"a\\u2029b\\nc\"\n    nel: \"x\\u0085y\\nz\"\n";
    let expected: Value = serde_yaml::from_str(&item[2..].replace("\n  ", "\n")).expect("the item");
    let generator = generator_input("namespace: maverics\n").replacen("items:\n", &format!("items:\n{item}"), 1);
    let validator = format!("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n{item}");
    for input in [generator, validator] {
        let out = run(&input);
        let got = out.items().iter().find(|i| name(i) == "ls").expect("the item is kept");
        assert_eq!(got["data"], expected["data"], "{}", out.stdout);
        let again = run(&out.stdout);
        assert_eq!(again.stdout, out.stdout, "a second run changes nothing");
    }
}

/// The depth limit counts from the document's root through an alias too: an anchor deep in
/// one item, aliased deep in a later one, nests past the limit and is refused, as it was
/// when the whole document was read at once.
#[test]
fn an_alias_cannot_nest_a_later_item_past_the_depth_limit() {
    let deep = format!("{}{}", "[".repeat(110), "]".repeat(110));
    let alias = format!("{}*deep{}", "[".repeat(15), "]".repeat(15));
    let items = format!(
        "items:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {{name: a}}\n  data: {{a: &deep {deep}}}\n\
         - apiVersion: v1\n  kind: ConfigMap\n  metadata: {{name: b}}\n  data: {{b: {alias}}}\n"
    );
    let generator = generator_input("namespace: maverics\n").replacen("items:\n", &items, 1);
    let validator = format!("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n{items}");
    for input in [generator, validator] {
        let out = run(&input);
        assert_eq!(out.code, 1, "{}", out.stdout);
        assert!(out.items().is_empty(), "{}", out.stdout);
        assert!(out.stderr.contains("recursion limit"), "{}", out.stderr);
    }
}

/// Fail closed: a syntax error after thousands of good items (which are written through as
/// they are read) leaves no item in the output, only the error.
#[test]
fn a_syntax_error_after_many_passed_items_writes_no_item() {
    let many: String = (0..3000)
        .map(|i| format!("- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c{i}\n"))
        .collect();
    let input = generator_input("namespace: maverics\n").replacen("items:\n", &format!("items:\n{many}- a: [\n"), 1);
    let out = run(&input);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.items().is_empty(), "{}", out.stdout);
    assert!(
        out.stderr.contains("input is not a valid YAML document"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("at line 1200"), "{}", out.stderr);
}

/// The generator copies a passed item from its parse events and reads it whole for the
/// inline-secret check only when its kind or one of its values could give a finding
/// (`check::inline::may_find`): every route to a finding still finds the same, in item order,
/// as the check over every item read whole; a clean item is not read, and a duplicate key in a
/// passed item is refused with the YAML error, as when every item was built.
#[test]
fn passed_items_are_checked_for_inline_secrets_by_every_route() {
    use maverics_krm::krm::ResourceList;
    let items = "items:\n\
- {apiVersion: apps/v1, kind: Deployment, metadata: {name: env}, spec: {template: {spec: {containers: [{name: a, image: 'a:1', env: [{name: DB_PASSWORD, value: hunter2}]}]}}}}\n\
- {apiVersion: v1, kind: Service, metadata: {name: jwt, annotations: {x: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ}}}\n\
- {apiVersion: example.com/v1, kind: Thing, metadata: {name: key}, spec: {clientSecret: s3cr3t-value}}\n\
- {apiVersion: example.com/v1, kind: Thing, metadata: {name: lines}, spec: {file: \"a: 1\\npassword: hunter2\\n\"}}\n\
- {apiVersion: example.com/v1, kind: Thing, metadata: {name: json}, spec: {doc: '{\"token\": \"abc123def\"}'}}\n\
- {apiVersion: example.com/v1, kind: Thing, metadata: {name: alias}, spec: {a: &k {apiKey: k3y-value}, b: *k}}\n\
- {apiVersion: v1, kind: Secret, metadata: {name: secret}, data: {k: aGk=}}\n\
- {apiVersion: v1, kind: ConfigMap, metadata: {name: cm}, data: {DB_PASSWORD: hunter2}}\n\
- {apiVersion: v1, kind: ConfigMap, metadata: {name: config}, data: {maverics.yaml: \"{connectors: [{name: x, oauthClientSecret: abc}]}\"}}\n\
- {apiVersion: v1, kind: Pod, metadata: {name: applied, annotations: {kubectl.kubernetes.io/last-applied-configuration: '{\"apiVersion\": \"v1\", \"kind\": \"Secret\", \"data\": {\"k\": \"\"}}'}}}\n\
- {apiVersion: example.com/v1, kind: Thing, metadata: {name: json-env}, spec: {doc: '[{\"name\": \"DB_PASSWORD\", \"value\": \"hunter2\"}]'}}\n\
- {apiVersion: example.com/v1, kind: Thing, metadata: {name: json-jwt}, spec: {doc: '{\"a\": [\"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ\"]}'}}\n\
- {apiVersion: example.com/v1, kind: Thing, metadata: {name: json-lines}, spec: {doc: '{\"file\": \"a: 1\\npassword: hunter2\\n\"}'}}\n\
- {apiVersion: example.com/v1, kind: Thing, metadata: {name: clean}, spec: {replicas: 3, mode: 'on', name: x, doc: '{\"timeout\": 30, \"region\": \"eu-west-1\"}'}}\n";
    let input = generator_input(GOOD_SPEC).replacen("items:\n", items, 1);
    let out = maverics_krm::function::run(input.as_bytes());
    let names = [
        "env",
        "jwt",
        "key",
        "lines",
        "json",
        "alias",
        "secret",
        "cm",
        "config",
        "applied",
        "json-env",
        "json-jwt",
        "json-lines",
        "clean",
    ];
    let of_items = |ds: &[maverics_krm::diag::Diagnostic]| -> Vec<(String, Option<String>, String)> {
        ds.iter()
            .filter_map(|d| {
                let name = d.resource.as_ref()?.name.clone();
                names
                    .contains(&name.as_str())
                    .then(|| (name, d.field.clone(), d.message.clone()))
            })
            .collect()
    };
    let mut whole = ResourceList::parse(input.as_bytes()).unwrap();
    let trees = whole.take_trees().unwrap();
    let want = of_items(&maverics_krm::check::inline::in_passthrough(&trees));
    let found = of_items(&out.diagnostics);
    assert_eq!(found, want);
    let with_findings: Vec<&str> = want.iter().map(|(n, _, _)| n.as_str()).collect();
    for name in &names[..names.len() - 1] {
        assert!(with_findings.contains(name), "{name} has no finding: {found:?}");
    }
    assert!(!with_findings.contains(&"clean"));

    let dup = generator_input(GOOD_SPEC).replacen(
        "items:\n",
        "items:\n- {apiVersion: v1, kind: Thing, metadata: {name: d}, spec: {a: 1, a: 2}}\n",
        1,
    );
    let out = maverics_krm::function::run(dup.as_bytes());
    assert_eq!(out.list.items.len(), 0);
    let message = &out.diagnostics[0].message;
    assert!(
        message.contains("items[0].spec: duplicate entry with key \"a\""),
        "{message}"
    );
}

/// The check passes every item through and keeps only what its rules across objects read
/// (`check::across`): its findings are those of the check over every item read whole, in the
/// same order, with each rule family on or off, and the items come back byte for byte.
#[test]
fn the_check_streams_its_items_with_the_findings_of_the_whole_stream() {
    use maverics_krm::check::{Settings, check_stream};
    use maverics_krm::krm::ResourceList;
    let base = std::fs::read_to_string(root().join("tests/golden/kustomize/base.yaml")).unwrap();
    let mut items: Vec<Value> = serde_yaml::Deserializer::from_str(&base)
        .map(|d| Value::deserialize(d).unwrap())
        .filter(|v| !v.is_null())
        .collect();
    let extra = "\
- {apiVersion: policy/v1, kind: PodDisruptionBudget, metadata: {name: p, namespace: team}, spec: {minAvailable: 2, selector: {matchLabels: {app: w}}}}
- {apiVersion: apps/v1, kind: Deployment, metadata: {name: w, namespace: team, annotations: {a: b}}, spec: {replicas: 2, selector: {matchLabels: {app: w}}, template: {metadata: {labels: {app: w}}, spec: {containers: [{name: c, image: 'r/w', env: [{name: TOKEN, value: abc}]}]}}}}
- {apiVersion: autoscaling/v2, kind: HorizontalPodAutoscaler, metadata: {name: h, namespace: team}, spec: {minReplicas: 2, maxReplicas: 3, scaleTargetRef: {kind: Deployment, name: w}}}
- {apiVersion: v1, kind: ConfigMap, metadata: {name: plain, namespace: default}, data: {password: hunter2}}
- {apiVersion: v1, kind: Service, metadata: {name: s, namespace: team}, spec: {selector: {app: w}}}
- {apiVersion: v1, kind: Service, metadata: {name: front, namespace: maverics, annotations: {nginx.ingress.kubernetes.io/affinity: cookie, config.kubernetes.io/path: front.yaml}}, spec: {type: ClusterIP, selector: {app.kubernetes.io/name: maverics-orchestrator}, ports: [{name: http, port: 80}]}}
- {apiVersion: networking.k8s.io/v1, kind: Ingress, metadata: {name: side, namespace: maverics}, spec: {rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: front, port: {number: 80}}}}]}}]}}
- {apiVersion: networking.k8s.io/v1, kind: Ingress, metadata: {name: bare, namespace: maverics}, spec: {defaultBackend: {service: {name: maverics, port: {number: 443}}}}}
- {apiVersion: apps/v1, kind: Deployment, metadata: {name: peer, namespace: team}, spec: {selector: {matchLabels: {app: peer}}, template: {metadata: {labels: {app: peer}}, spec: {containers: [{name: c, image: 'r/p:1', env: [{name: MAVERICS_CLUSTERS_PRIMARY_MEMBERSHIP_SRV_RECORD, value: _membership-udp._udp.peers.team.svc.cluster.local}]}]}}}}
- {apiVersion: v1, kind: Service, metadata: {name: peers, namespace: team}, spec: {selector: {app: peer}, ports: [{name: membership-udp, protocol: TCP, port: 7946}]}}
- {apiVersion: apps/v1, kind: DaemonSet, metadata: {name: d, namespace: elsewhere}, spec: {selector: {matchLabels: {app: w}}, template: {metadata: {labels: {app: w}}, spec: {containers: [{name: c, image: 'r/d:1'}]}}}}
- {apiVersion: v1, kind: Service, metadata: {name: s, namespace: elsewhere}, spec: {selector: {app: w}}}
- {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: n, namespace: team}, spec: {podSelector: {}}}
- {apiVersion: v1, kind: Secret, metadata: {name: k, namespace: team}, stringData: {token: abc}}
- {apiVersion: v1, kind: Service, metadata: {name: d, namespace: default}, spec: {selector: {app: w}}}
- {apiVersion: v1, kind: Service, metadata: {name: ex, namespace: team, annotations: {external-dns.alpha.kubernetes.io/hostname: sso.example.com}}, spec: {selector: {app: w}}}
- {apiVersion: v1, kind: ConfigMap, metadata: {name: ex, namespace: team}, data: {url: 'https://sso.example.com/x', role: 'arn:aws:iam::111122223333:role/x', id: 00000000-0000-0000-0000-000000000000}}
- {apiVersion: v1, kind: ConfigMap, metadata: {name: clean, namespace: team, labels: {app: w}}, data: {a: b, n: '1', doc: '{\"timeout\": 30}'}}
- {apiVersion: v1, kind: ConfigMap, metadata: {name: json, namespace: team}, data: {doc: '{\"clientSecret\": \"s3cr3t-value\"}'}}
- {apiVersion: v1, kind: ConfigMap, metadata: {name: config, namespace: team}, data: {maverics.yaml: 'connectors: [{name: x, oauthClientSecret: abc}]'}}
- {apiVersion: v1, kind: ConfigMap, metadata: {name: tagged, namespace: team}, data: {x: !t {password: abc}}}
- {apiVersion: v1, kind: ConfigMap, metadata: {name: allowed, namespace: team, annotations: {krm.maverics.dev/allow-inline-secret: a test fixture}}, data: {password: hunter2}}
- {apiVersion: v1, kind: ServiceAccount, metadata: {name: sa, namespace: team, annotations: {krm.maverics.dev/trust-subject: system:serviceaccount:other:sa}}}
- {apiVersion: example.com/v1, kind: Widget, metadata: {name: w, namespace: default}, spec: {host: api.example.com, replicas: 2}}
";
    items.extend(serde_yaml::from_str::<Vec<Value>>(extra).unwrap());
    let mut list = ResourceList::empty();
    list.items = items.iter().cloned().map(maverics_krm::krm::Item::Tree).collect();
    let all = Settings::default();
    let some = Settings {
        inline_secrets: false,
        example_values: false,
        ..Settings::default()
    };
    for settings in [None, Some(&all), Some(&some)] {
        list.function_config = settings.map(|s| {
            serde_yaml::from_str(&format!(
                "apiVersion: krm.maverics.dev/v1alpha1\nkind: OrchestratorCheck\nmetadata: {{name: c}}\nspec: {}",
                serde_json::to_string(s).unwrap()
            ))
            .unwrap()
        });
        let text = list.to_yaml(&[]);
        let out = maverics_krm::function::run(text.as_bytes());
        let want = check_stream(&items, settings.unwrap_or(&all));
        assert!(want.len() > 5, "{want:?}");
        // The budget's finding reads the Deployment's outline and the HPA across objects;
        // the clustering rule the outline of the Service its record names.
        for finding in [
            "can never allow a disruption",
            "does not select these pods on a `membership-udp` UDP port",
        ] {
            let n = want.iter().filter(|d| d.message.contains(finding)).count();
            assert_eq!(n, 1, "{finding}: {want:#?}");
        }
        // The sticky-session rules read the outline of Service `front`: both Ingresses send
        // to the orchestrator's pods, and stick through its ingress-nginx annotation.
        assert!(
            !want
                .iter()
                .any(|d| d.message.contains("no cookie affinity") || d.message.contains("sends traffic to it")),
            "{want:#?}"
        );
        assert_eq!(out.diagnostics, want);
        assert!(out.list.items.iter().all(|i| i.tree().is_none()));
        assert_eq!(out.list.to_yaml(&[]), text);
    }
}

/// The raw text after `key: ` on the first output line that starts (after indentation)
/// with `key:`.
fn raw_value<'a>(text: &'a str, key: &str) -> &'a str {
    let prefix = format!("{key}:");
    text.lines()
        .map(str::trim_start)
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .map(str::trim)
        .unwrap_or_else(|| panic!("no `{key}:` line in\n{text}"))
}

#[test]
fn yaml_1_1_lookalike_strings_are_written_quoted() {
    // Plain `on` is the string "on" to a YAML 1.2 reader but `true` to go-yaml v2 (kubectl,
    // sigs.k8s.io/yaml): every such string must be quoted in the output text.
    let out = run(fixture("passthrough-scalars.yaml"));
    out.assert_success();
    let data = out.items()[0]["data"].as_mapping().expect("data");
    assert!(data.len() >= 12);
    for (key, value) in data {
        let (key, value) = (key.as_str().expect("key"), value.as_str().expect("value"));
        let raw = raw_value(&out.stdout, key);
        let quoted = [format!("'{value}'"), format!("\"{value}\"")];
        assert!(
            quoted.contains(&raw.to_owned()),
            "{key}: {value:?} is written as {raw}, not quoted"
        );
    }
    // Keys too: `on` and `10` as keys are strings and must stay strings.
    let keys: Vec<&str> = out.stdout.lines().map(str::trim_start).collect();
    for key in ["on", "10"] {
        assert!(
            keys.iter()
                .any(|l| l.starts_with(&format!("'{key}':")) || l.starts_with(&format!("\"{key}\":"))),
            "key {key} is not quoted\n{}",
            out.stdout
        );
    }
}

// ---------------------------------------------------------------------------------------
// 5. Errors
// ---------------------------------------------------------------------------------------

/// A bad input and what the error must say.
struct Bad {
    what: &'static str,
    input: Vec<u8>,
    /// Text the error result's message must contain (the problem or the fix).
    message: &'static [&'static str],
    /// `results[].field.path`, where the error is about a field of the config.
    field: Option<&'static str>,
    /// Text the `error:` line on stderr must contain: the field path, or the subject.
    stderr: &'static str,
}

fn bad(what: &'static str, input: impl Into<Vec<u8>>, message: &'static [&'static str], stderr: &'static str) -> Bad {
    Bad {
        what,
        input: input.into(),
        message,
        field: None,
        stderr,
    }
}

/// A config error: the generator input with `spec`, the result on `field`.
fn bad_spec(what: &'static str, spec: &str, message: &'static [&'static str], field: &'static str) -> Bad {
    Bad {
        what,
        input: generator_input(spec).into_bytes(),
        message,
        field: Some(field),
        stderr: field,
    }
}

fn bad_inputs() -> Vec<Bad> {
    let list = |rest: &str| format!("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n{rest}");
    let valid_items = generator_input(GOOD_SPEC);
    let no_function_config = valid_items.split("functionConfig:").next().expect("split").to_owned();
    let kpt_placeholder = format!(
        "{no_function_config}functionConfig:\n  metadata:\n    name: function-input\n  data: {{}}\n  kind: ConfigMap\n  apiVersion: v1\n"
    );
    let unsupported_kind = valid_items.replace("kind: Orchestrator", "kind: Gateway");
    let non_utf8 = valid_items
        .replacen(
            "repository: strata/orchestrator",
            "repository: strata/orch\u{1}estrator",
            1,
        )
        .into_bytes()
        .into_iter()
        .map(|b| if b == 1 { 0xff } else { b })
        .collect::<Vec<u8>>();
    vec![
        bad(
            "not YAML",
            list("items: [\n  - {apiVersion: v1, kind: ConfigMap\n"),
            &["not a valid YAML document"],
            "YAML",
        ),
        bad("empty stdin", "", &["input is empty", "ResourceList"], "empty"),
        bad(
            "ResourceList without items",
            list("functionConfig: {}\n"),
            &["no `items`"],
            "items",
        ),
        bad(
            "wrong apiVersion of the list",
            "apiVersion: v1\nkind: ResourceList\nitems: []\n",
            &["apiVersion `v1`", "config.kubernetes.io/v1"],
            "apiVersion",
        ),
        bad(
            "wrong kind of the list",
            "apiVersion: config.kubernetes.io/v1\nkind: List\nitems: []\n",
            &["kind `List`", "ResourceList"],
            "kind",
        ),
        bad(
            "item without apiVersion",
            list("items:\n- kind: ConfigMap\n  metadata:\n    name: x\n"),
            &["item 0 has no `apiVersion`"],
            "items[0].apiVersion",
        ),
        bad(
            "kpt placeholder ConfigMap function-input",
            kpt_placeholder,
            &["placeholder ConfigMap `function-input`", "Orchestrator"],
            "function-input",
        ),
        bad(
            "unsupported config kind",
            unsupported_kind,
            &["unsupported function config", "Gateway", "Orchestrator"],
            "Gateway",
        ),
        bad_spec(
            "misspelled field",
            &format!("{GOOD_SPEC}replica: 3\n"),
            &["unknown field `replica`", "`replicas`"],
            "spec.replica",
        ),
        bad_spec(
            "misspelled nested field",
            &format!("{GOOD_SPEC}autoscaling:\n  minReplica: 3\n"),
            &["unknown field `minReplica`", "`minReplicas`"],
            "spec.autoscaling.minReplica",
        ),
        bad_spec(
            "wrong type",
            &format!("{GOOD_SPEC}replicas: three\n"),
            &["three", "whole number"],
            "spec.replicas",
        ),
        bad_spec(
            "negative replicas",
            &format!("{GOOD_SPEC}replicas: -1\n"),
            &["-1", "not negative"],
            "spec.replicas",
        ),
        bad_spec(
            "invalid quantity",
            &format!("{GOOD_SPEC}resources:\n  requests:\n    cpu: 500m\n    memory: 500mb\n"),
            &["`500mb` is not a Kubernetes quantity", "256Mi"],
            "spec.resources.requests.memory",
        ),
        bad_spec(
            "minReplicas above maxReplicas",
            &format!("{GOOD_SPEC}autoscaling:\n  minReplicas: 6\n  maxReplicas: 3\n"),
            &["minReplicas (6) is greater than maxReplicas (3)"],
            "spec.autoscaling.minReplicas",
        ),
        bad_spec(
            "OIDC provider scaled out without a Redis cache",
            &format!("{GOOD_SPEC}config:\n  version: 0.0.1\n  oidcProvider:\n    issuer: https://auth.example.com\n"),
            &["OIDC provider", "Redis", "spec.config.caches"],
            "spec.config.oidcProvider.cache",
        ),
        bad(
            "duplicate keys",
            generator_input(&format!("{GOOD_SPEC}replicas: 2\nreplicas: 3\n")),
            &["duplicate entry", "replicas"],
            "duplicate",
        ),
        bad("non-UTF-8 bytes", non_utf8, &["not UTF-8", "offset"], "UTF-8"),
    ]
}

/// The items of `input` when it is a valid ResourceList of KRM objects, else `None`.
fn valid_input_items(input: &[u8]) -> Option<Vec<Value>> {
    let list = parse_resource_list(std::str::from_utf8(input).ok()?).ok()?;
    let objects = items(&list).iter().all(|i| {
        ["apiVersion", "kind"]
            .iter()
            .all(|k| i.get(k).is_some_and(Value::is_string))
    });
    objects.then(|| items(&list).to_vec())
}

#[test]
fn bad_inputs_fail_with_a_resource_list_naming_the_problem() {
    let cases = bad_inputs();
    assert!(cases.len() >= 15);
    for case in cases {
        let what = case.what;
        let out = run(&case.input);
        assert_eq!(out.code, 1, "{what}: exit code\n{}", out.dump());

        // The error result names the problem and the fix.
        let errors = out.results_of("error");
        assert!(!errors.is_empty(), "{what}: no error result\n{}", out.dump());
        let messages: Vec<&str> = errors.iter().filter_map(|r| r["message"].as_str()).collect();
        for want in case.message {
            assert!(
                messages.iter().any(|m| m.contains(want)),
                "{what}: no error message contains {want:?}: {messages:#?}"
            );
        }
        assert!(
            messages.iter().all(|m| m.contains("Fix: ")),
            "{what}: every error says how to fix it: {messages:#?}"
        );
        if let Some(field) = case.field {
            let paths: Vec<&str> = errors.iter().filter_map(|r| r["field"]["path"].as_str()).collect();
            assert_eq!(paths, [field], "{what}: results[].field.path\n{}", out.dump());
            for r in &errors {
                assert_eq!(r["resourceRef"]["kind"].as_str(), Some("Orchestrator"), "{what}");
                assert_eq!(r["resourceRef"]["name"].as_str(), Some("maverics"), "{what}");
            }
        }

        // Nothing generated, nothing lost: a valid list comes back exactly as it came.
        match valid_input_items(&case.input) {
            Some(want) => {
                assert_eq!(out.items().len(), want.len(), "{what}: items\n{}", out.dump());
                for (i, (o, w)) in out.items().iter().zip(&want).enumerate() {
                    assert_same_value(o, w, &format!("{what}: item {i}"));
                }
            }
            None => assert!(
                out.items().is_empty(),
                "{what}: items from an unreadable input\n{}",
                out.dump()
            ),
        }

        // kustomize shows only stderr: a readable `error:` line naming the field or subject.
        let line = out
            .stderr
            .lines()
            .find(|l| l.starts_with("error: "))
            .unwrap_or_else(|| panic!("{what}: no `error:` line on stderr\n{}", out.stderr));
        assert!(
            out.stderr
                .lines()
                .filter(|l| l.starts_with("error: "))
                .any(|l| l.contains(case.stderr)),
            "{what}: the `error:` lines do not mention {:?}; first: {line}\n{}",
            case.stderr,
            out.stderr
        );
    }
}

#[test]
fn config_errors_in_a_kpt_package_name_the_config_file() {
    let input = fixture("kpt-fn-eval.yaml").replace("    replicas: 2\n", "    replica: 2\n");
    assert_eq!(
        input.matches("replica: 2").count(),
        2,
        "the item and functionConfig both change"
    );
    let out = run(&input);
    assert_eq!(out.code, 1, "{}", out.dump());
    let errors = out.results_of("error");
    assert_eq!(errors.len(), 1, "{}", out.dump());
    assert_eq!(errors[0]["field"]["path"].as_str(), Some("spec.replica"));
    assert_eq!(errors[0]["file"]["path"].as_str(), Some("sub/orchestrator.yaml"));
    assert!(
        out.stderr
            .starts_with("error: sub/orchestrator.yaml: spec.replica: unknown field `replica`"),
        "{}",
        out.stderr
    );
    let inp = parse(&input);
    assert_eq!(out.items().len(), items(&inp).len(), "nothing generated");
    for (o, w) in out.items().iter().zip(items(&inp)) {
        assert_same_value(o, w, "items come back unchanged");
    }
}

// ---------------------------------------------------------------------------------------
// 6. Warnings
// ---------------------------------------------------------------------------------------

#[test]
fn risky_but_valid_settings_warn_and_still_generate_everything() {
    let spec = "namespace: default\nimage:\n  repository: strata/orchestrator\n  tag: latest\n";
    let out = run(generator_input(spec));
    out.assert_success();
    let warnings = out.results_of("warning");
    let mut paths: Vec<&str> = warnings.iter().filter_map(|r| r["field"]["path"].as_str()).collect();
    paths.sort_unstable();
    assert_eq!(paths, ["spec.image.tag", "spec.namespace"], "{}", out.dump());
    for w in &warnings {
        let m = w["message"].as_str().unwrap_or_default();
        assert!(m.contains("Fix: "), "a warning says how to fix it: {m}");
        assert_eq!(w["resourceRef"]["name"].as_str(), Some("maverics"));
    }
    for field in ["spec.namespace", "spec.image.tag"] {
        assert!(
            out.stderr
                .lines()
                .any(|l| l.starts_with("warning: ") && l.contains(field)),
            "no warning line for {field} on stderr\n{}",
            out.stderr
        );
    }
    // The full output: the whole base, in the `default` namespace.
    let kinds: Vec<&str> = out.items().iter().map(kind).collect();
    let expected: Vec<&str> = base_objects("maverics", false).iter().map(|e| e.kind).collect();
    assert_eq!(kinds, expected, "{}", out.dump());
    for g in out.items() {
        assert_eq!(str_at(g, &["metadata", "namespace"]), Some("default"));
    }
}

// ---------------------------------------------------------------------------------------
// 7. No panic
// ---------------------------------------------------------------------------------------

#[test]
fn truncated_input_never_panics_and_always_answers_with_a_resource_list() {
    // passthrough-scalars.yaml has multi-byte characters: some cuts split one (not UTF-8).
    for name in [
        "kpt-fn-eval.yaml",
        "kustomize-4.5.4-generator.yaml",
        "passthrough-scalars.yaml",
    ] {
        let input = fixture(name).into_bytes();
        let mut cuts: Vec<usize> = (0..input.len()).step_by(37).collect();
        cuts.push(input.len());
        for cut in cuts {
            let out = run(&input[..cut]);
            let what = format!("{name} cut at byte {cut}");
            match out.code {
                0 => assert!(
                    out.results_of("error").is_empty(),
                    "{what}: exit 0 with an error\n{}",
                    out.dump()
                ),
                1 => assert!(
                    !out.results_of("error").is_empty(),
                    "{what}: exit 1 without an error\n{}",
                    out.dump()
                ),
                code => panic!("{what}: exit code {code}\n{}", out.dump()),
            }
        }
    }
}

#[test]
fn a_pathless_config_piped_in_with_other_documents_passes_through() {
    // kpt's stdin mode (`cat *.yaml | kpt fn eval - ...`): items have no path, and the
    // config is one document among several. Only kustomize's generator shape (the config
    // alone) is not echoed.
    let input = generator_input(GOOD_SPEC).replacen(
        "items:\n",
        "items:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: other\n  data:\n    a: b\n",
        1,
    );
    let out = run(&input);
    out.assert_success();
    let kinds: Vec<&str> = out.items().iter().map(kind).collect();
    assert_eq!(&kinds[..2], ["ConfigMap", "Orchestrator"], "{kinds:?}");
}

// ---------------------------------------------------------------------------------------
// 8. Ownership: only objects marked as this config's own are replaced or pruned
// ---------------------------------------------------------------------------------------

const OWNER: &str = "krm.maverics.dev/owner";

/// An `Orchestrator` item of a kpt package: config `name` for namespace `ns`, in file `path`.
fn config_item(path: &str, name: &str, ns: &str) -> String {
    format!(
        "- apiVersion: krm.maverics.dev/v1alpha1
  kind: Orchestrator
  metadata:
    name: {name}
    annotations:
      config.kubernetes.io/local-config: 'true'
      internal.config.kubernetes.io/path: '{path}'
      config.kubernetes.io/path: '{path}'
  spec:
    namespace: {ns}
    image:
      repository: strata/orchestrator
      tag: v2026.01.2
"
    )
}

/// A kpt-shaped list: `items` (list entries at column 0) and, as functionConfig, config
/// `name` for namespace `ns` without its path, as kpt sends it.
fn package_list(items: &str, name: &str, ns: &str) -> String {
    format!(
        "apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
{items}functionConfig:
  apiVersion: krm.maverics.dev/v1alpha1
  kind: Orchestrator
  metadata:
    name: {name}
    annotations:
      config.kubernetes.io/local-config: 'true'
  spec:
    namespace: {ns}
    image:
      repository: strata/orchestrator
      tag: v2026.01.2
"
    )
}

/// The package of config `maverics` for `team-a` in `orchestrator.yaml` and `extra`, run
/// for that config.
fn with_config(extra: &[String]) -> String {
    let items = [config_item("orchestrator.yaml", "maverics", "team-a")]
        .iter()
        .chain(extra)
        .cloned()
        .collect::<String>();
    package_list(&items, "maverics", "team-a")
}

/// A package item in file `path`, with the two labels of generated objects when
/// `labelled`, and the owner mark `owner` when given.
fn package_item(
    api_version_kind: (&str, &str),
    namespace: Option<&str>,
    name: &str,
    path: &str,
    labelled: bool,
    owner: Option<&str>,
) -> String {
    let (api_version, kind) = api_version_kind;
    let mut s = format!("- apiVersion: {api_version}\n  kind: {kind}\n  metadata:\n    name: {name}\n");
    if let Some(ns) = namespace {
        s.push_str(&format!("    namespace: {ns}\n"));
    }
    if labelled {
        s.push_str(
            "    labels:\n      app.kubernetes.io/instance: maverics\n      app.kubernetes.io/managed-by: maverics-krm\n",
        );
    }
    s.push_str("    annotations:\n");
    if let Some(o) = owner {
        s.push_str(&format!("      {OWNER}: {o}\n"));
    }
    s.push_str(&format!(
        "      internal.config.kubernetes.io/path: '{path}'\n      config.kubernetes.io/path: '{path}'\n"
    ));
    if kind == "ConfigMap" {
        s.push_str("  data:\n    kept: 'yes'\n");
    }
    s
}

fn find<'a>(items: &'a [Value], kind_: &str, namespace: Option<&str>, name_: &str) -> Vec<&'a Value> {
    items
        .iter()
        .filter(|i| kind(i) == kind_ && name(i) == name_ && str_at(i, &["metadata", "namespace"]) == namespace)
        .collect()
}

/// The input's items come back unchanged, in order, and nothing else.
fn assert_items_unchanged(out: &Run, input: &str, what: &str) {
    let inp = parse(input);
    assert_eq!(out.items().len(), items(&inp).len(), "{what}: items\n{}", out.dump());
    for (i, (o, w)) in out.items().iter().zip(items(&inp)).enumerate() {
        assert_same_value(o, w, &format!("{what}: item {i}"));
    }
}

/// Runs `input`, which must be refused with its items unchanged; returns the run and its
/// error messages joined by newlines.
fn refused(input: &str, what: &str) -> (Run, String) {
    let out = run(input);
    assert_eq!(out.code, 1, "{what}\n{}", out.dump());
    assert_items_unchanged(&out, input, what);
    let errors = messages(&out.results_of("error")).join("\n");
    (out, errors)
}

fn messages<'a>(results: &[&'a Value]) -> Vec<&'a str> {
    results.iter().filter_map(|r| r["message"].as_str()).collect()
}

#[test]
fn every_generated_object_carries_the_owner_mark_of_its_config() {
    let out = run(package_list(
        &config_item("orchestrator.yaml", "maverics", "team-a"),
        "maverics",
        "team-a",
    ));
    out.assert_success();
    let generated: Vec<&Value> = out.items().iter().filter(|i| kind(i) != "Orchestrator").collect();
    assert_eq!(generated.len(), 9, "{}", out.dump());
    for g in generated {
        assert_eq!(annotation(g, OWNER), Some("team-a/maverics"), "{} {}", kind(g), name(g));
    }
    // Without any namespace the mark is the bare name.
    let out = run(generator_input(
        "image:\n  repository: strata/orchestrator\n  tag: v2026.01.2\n",
    ));
    out.assert_success();
    for g in out.items() {
        assert_eq!(annotation(g, OWNER), Some("maverics"), "{} {}", kind(g), name(g));
    }
}

#[test]
fn a_user_file_carrying_the_two_labels_is_kept_exactly() {
    let user = package_item(
        ("v1", "ConfigMap"),
        Some("team-a"),
        "team-settings",
        "user/cm.yaml",
        true,
        None,
    );
    let input = package_list(
        &format!("{}{user}", config_item("orchestrator.yaml", "maverics", "team-a")),
        "maverics",
        "team-a",
    );
    let out = run(&input);
    out.assert_success();
    let kept = find(out.items(), "ConfigMap", Some("team-a"), "team-settings");
    assert_eq!(kept.len(), 1, "the labelled user ConfigMap was removed\n{}", out.dump());
    assert_same_value(kept[0], &items(&parse(&input))[1], "the user ConfigMap is untouched");
    assert!(out.results_of("info").is_empty(), "{}", out.dump());
}

#[test]
fn a_labelled_or_marked_object_in_another_namespace_is_not_pruned() {
    let input = with_config(&[
        // Labelled like ours, in another namespace, unmarked.
        package_item(
            ("v1", "ConfigMap"),
            Some("other"),
            "maverics-old",
            "other/cm.yaml",
            true,
            None,
        ),
        // Marked with our id, but copied into another namespace: not ours either.
        package_item(
            ("v1", "Service"),
            Some("other"),
            "maverics-legacy",
            "other/svc.yaml",
            true,
            Some("team-a/maverics"),
        ),
        // A marked Namespace that is not the config's namespace.
        package_item(
            ("v1", "Namespace"),
            None,
            "other",
            "other/ns.yaml",
            true,
            Some("team-a/maverics"),
        ),
    ]);
    let out = run(&input);
    out.assert_success();
    let inp = parse(&input);
    for (i, want) in items(&inp).iter().enumerate() {
        assert_same_value(&out.items()[i], want, &format!("input item {i} stays"));
    }
    assert!(out.results_of("info").is_empty(), "nothing was pruned\n{}", out.dump());
}

#[test]
fn an_own_object_the_config_no_longer_generates_is_pruned_with_an_info_result() {
    let out = run(with_config(&[package_item(
        ("networking.k8s.io/v1", "Ingress"),
        Some("team-a"),
        "maverics",
        "maverics/ingress.yaml",
        true,
        Some("team-a/maverics"),
    )]));
    assert_eq!(out.code, 0, "{}", out.dump());
    assert!(
        find(out.items(), "Ingress", Some("team-a"), "maverics").is_empty(),
        "{}",
        out.dump()
    );
    let infos = out.results_of("info");
    assert_eq!(
        messages(&infos),
        [
            "removed Ingress `team-a/maverics` from `maverics/ingress.yaml`: config `team-a/maverics` no longer generates it"
        ],
        "{}",
        out.dump()
    );
    assert_eq!(infos[0]["file"]["path"].as_str(), Some("maverics/ingress.yaml"));
    assert_eq!(infos[0]["resourceRef"]["kind"].as_str(), Some("Ingress"));
    assert!(
        out.stderr
            .lines()
            .any(|l| l.starts_with("info: maverics/ingress.yaml: removed Ingress")),
        "{}",
        out.stderr
    );
}

#[test]
fn a_marked_object_of_a_kind_the_generator_never_emits_is_not_pruned() {
    let out = run(with_config(&[package_item(
        ("apps/v1", "Deployment"),
        Some("team-a"),
        "maverics",
        "user/deploy.yaml",
        true,
        Some("team-a/maverics"),
    )]));
    out.assert_success();
    assert_eq!(
        find(out.items(), "Deployment", Some("team-a"), "maverics").len(),
        1,
        "{}",
        out.dump()
    );
}

#[test]
fn an_unmarked_user_object_in_the_place_of_a_generated_one_is_an_error_naming_both_files() {
    let items_ = [
        config_item("team-a/orchestrator.yaml", "maverics", "team-a"),
        package_item(
            ("apps/v1", "StatefulSet"),
            Some("team-a"),
            "maverics",
            "apps/sts.yaml",
            true,
            None,
        ),
    ]
    .concat();
    let input = package_list(&items_, "maverics", "team-a");
    let out = run(&input);
    assert_eq!(out.code, 1, "{}", out.dump());
    let errors = out.results_of("error");
    assert_eq!(
        messages(&errors),
        [
            "StatefulSet `team-a/maverics` in `apps/sts.yaml` is not marked as generated (no `krm.maverics.dev/owner: \
          team-a/maverics` annotation), and config `team-a/maverics` in `team-a/orchestrator.yaml` generates an \
          object of the same kind, namespace and name: refusing to overwrite it Fix: rename or remove the object in \
          `apps/sts.yaml`, or give the config in `team-a/orchestrator.yaml` another `metadata.name` or \
          `spec.namespace`; if `apps/sts.yaml` is output of a maverics-krm release without the owner mark, delete \
          it and run again"
        ],
    );
    assert_eq!(errors[0]["file"]["path"].as_str(), Some("apps/sts.yaml"));
    assert_eq!(errors[0]["resourceRef"]["kind"].as_str(), Some("StatefulSet"));
    assert!(
        out.stderr
            .starts_with("error: apps/sts.yaml: StatefulSet `team-a/maverics`"),
        "{}",
        out.stderr
    );
    assert_items_unchanged(&out, &input, "a collision");
}

#[test]
fn a_user_object_of_another_api_version_in_the_place_of_a_generated_one_is_an_error() {
    let input = with_config(&[package_item(
        ("autoscaling/v1", "HorizontalPodAutoscaler"),
        Some("team-a"),
        "maverics",
        "hpa.yaml",
        false,
        None,
    )]);
    let (_, errors) = refused(&input, "an HPA collision");
    assert!(
        errors.starts_with("HorizontalPodAutoscaler `team-a/maverics` in `hpa.yaml` is not marked"),
        "{errors}"
    );
}

#[test]
fn an_own_object_of_an_older_api_version_is_replaced_in_place() {
    let out = run(with_config(&[package_item(
        ("autoscaling/v1", "HorizontalPodAutoscaler"),
        Some("team-a"),
        "maverics",
        "hpa.yaml",
        true,
        Some("team-a/maverics"),
    )]));
    out.assert_success();
    let hpa = &out.items()[1];
    assert_eq!(str_at(hpa, &["apiVersion"]), Some("autoscaling/v2"), "{}", out.dump());
    assert_eq!(annotation(hpa, PATH), Some("hpa.yaml"), "the path stays");
    assert_eq!(
        find(out.items(), "HorizontalPodAutoscaler", Some("team-a"), "maverics").len(),
        1
    );
}

#[test]
fn a_user_namespace_in_the_place_of_the_generated_one_is_an_error_suggesting_create_namespace_false() {
    let input = with_config(&[package_item(
        ("v1", "Namespace"),
        None,
        "team-a",
        "namespaces.yaml",
        false,
        None,
    )]);
    let (_, errors) = refused(&input, "a Namespace collision");
    assert!(
        errors.starts_with("Namespace `team-a` in `namespaces.yaml` is not marked as generated"),
        "{errors}"
    );
    assert!(
        errors.ends_with(
            "Fix: set `spec.createNamespace: false` in `orchestrator.yaml` to leave the Namespace to `namespaces.yaml`, or remove it from `namespaces.yaml`"
        ),
        "{errors}"
    );
}

#[test]
fn another_configs_object_in_the_place_of_a_generated_one_is_an_error_naming_that_config() {
    // Two orchestrators of different names in one namespace: both would emit the Namespace.
    let items_ = [
        config_item("one.yaml", "one", "team-a"),
        config_item("two.yaml", "two", "team-a"),
        package_item(
            ("v1", "Namespace"),
            None,
            "team-a",
            "one/namespace.yaml",
            true,
            Some("team-a/one"),
        ),
    ]
    .concat();
    let input = package_list(&items_, "two", "team-a");
    let out = run(&input);
    assert_eq!(out.code, 1, "{}", out.dump());
    assert_eq!(
        messages(&out.results_of("error")),
        [
            "Namespace `team-a` in `one/namespace.yaml` is generated by config `team-a/one`, and config `team-a/two` in \
          `two.yaml` generates an object of the same kind, namespace and name: refusing to overwrite it Fix: set \
          `spec.createNamespace: false` in one of the two configs (`two.yaml` is `team-a/two`)"
        ],
    );
    assert_items_unchanged(&out, &input, "a collision with another config");
}

#[test]
fn a_second_copy_of_an_own_object_is_removed_and_the_first_replaced_in_place() {
    let out = run(with_config(&[
        package_item(
            ("v1", "ServiceAccount"),
            Some("team-a"),
            "maverics",
            "maverics/serviceaccount.yaml",
            true,
            Some("team-a/maverics"),
        ),
        package_item(
            ("v1", "ServiceAccount"),
            Some("team-a"),
            "maverics",
            "copy/serviceaccount.yaml",
            true,
            Some("team-a/maverics"),
        ),
    ]));
    assert_eq!(out.code, 0, "{}", out.dump());
    let sas = find(out.items(), "ServiceAccount", Some("team-a"), "maverics");
    assert_eq!(sas.len(), 1, "{}", out.dump());
    assert_eq!(annotation(sas[0], PATH), Some("maverics/serviceaccount.yaml"));
    assert_eq!(kind(&out.items()[1]), "ServiceAccount", "replaced in place");
    assert_eq!(
        messages(&out.results_of("info")),
        [
            "removed ServiceAccount `team-a/maverics` from `copy/serviceaccount.yaml`: config `team-a/maverics` generates \
          it once and an earlier item already holds it"
        ]
    );
}

#[test]
fn two_configs_of_one_name_for_two_namespaces_keep_both_outputs_in_two_directories() {
    let configs = [
        config_item("a.yaml", "maverics", "team-a"),
        config_item("b.yaml", "maverics", "team-b"),
    ]
    .concat();
    let first = run(package_list(&configs, "maverics", "team-a"));
    first.assert_success();
    // The second config's run sees the first's output: it must keep it and write beside it.
    let mut second_input = parse(&first.stdout);
    second_input["functionConfig"]["spec"]["namespace"] = Value::from("team-b");
    second_input.as_mapping_mut().expect("a mapping").remove("results");
    let second = run(serde_yaml::to_string(&second_input).expect("serialise"));
    second.assert_success();
    for (ns, dir) in [("team-a", "maverics/"), ("team-b", "maverics-team-b/")] {
        let sts = find(second.items(), "StatefulSet", Some(ns), "maverics");
        assert_eq!(sts.len(), 1, "{ns}\n{}", second.dump());
        assert_eq!(annotation(sts[0], OWNER), Some(format!("{ns}/maverics").as_str()));
        assert_eq!(
            annotation(sts[0], PATH),
            Some(format!("{dir}statefulset.yaml").as_str())
        );
        assert_eq!(find(second.items(), "Namespace", None, ns).len(), 1, "{ns}");
    }
    assert!(second.results_of("info").is_empty(), "{}", second.dump());
    // No two items share a path and index: kpt refuses that.
    let mut places: Vec<(String, String)> = second
        .items()
        .iter()
        .map(|i| {
            (
                annotation(i, PATH).unwrap_or_default().to_owned(),
                annotation(i, INDEX).unwrap_or("0").to_owned(),
            )
        })
        .collect();
    let n = places.len();
    places.sort();
    places.dedup();
    assert_eq!(places.len(), n, "{}", second.dump());
}

#[test]
fn two_configs_with_one_owner_id_are_an_error_naming_the_other_file() {
    let configs = [
        config_item("a.yaml", "maverics", "team-a"),
        config_item("b.yaml", "maverics", "team-a"),
    ]
    .concat();
    let input = package_list(&configs, "maverics", "team-a");
    let out = run(&input);
    assert_eq!(out.code, 1, "{}", out.dump());
    let errors = out.results_of("error");
    assert_eq!(
        messages(&errors),
        [
            "config `b.yaml` is also `team-a/maverics`: both generate the same objects, and each run would replace the \
          other's Fix: give one of the two configs another `metadata.name` or `spec.namespace`, or remove one"
        ]
    );
    assert_eq!(errors[0]["file"]["path"].as_str(), Some("a.yaml"));
    assert_eq!(errors[0]["field"]["path"].as_str(), Some("metadata.name"));
    assert_items_unchanged(&out, &input, "two configs with one owner");
}

#[test]
fn results_already_in_the_input_are_kept_and_ours_follow_them() {
    let input = generator_input("namespace: default\nimage:\n  repository: strata/orchestrator\n  tag: v2026.01.2\n")
        .replacen(
            "functionConfig:",
            "results:\n- message: from an earlier function\n  severity: info\n- message: second\n  severity: warning\nfunctionConfig:",
            1,
        );
    let out = run(&input);
    assert_eq!(out.code, 0, "{}", out.dump());
    let all = messages(&out.results());
    assert_eq!(all.len(), 3, "{}", out.dump());
    assert_eq!(&all[..2], ["from an earlier function", "second"]);
    assert!(
        all[2].starts_with("the orchestrator is deployed into the `default` namespace"),
        "{all:?}"
    );
    // Fed back, nothing changes: our result is already there and is not written twice.
    let again = run(&out.stdout);
    assert_eq!(messages(&again.results()), all, "{}", again.dump());
    assert_eq!(again.stdout, out.stdout);
}

#[test]
fn unknown_top_level_keys_of_the_input_are_kept_in_their_order() {
    let input =
        generator_input(GOOD_SPEC).replacen("items:\n", "x-pipeline:\n  step: 2\nitems:\n", 1) + "zz-last: [1, 2]\n";
    let out = run(&input);
    out.assert_success();
    let keys: Vec<&str> = out
        .list
        .as_mapping()
        .expect("a mapping")
        .keys()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        keys,
        ["apiVersion", "kind", "items", "functionConfig", "x-pipeline", "zz-last"]
    );
    assert_eq!(out.list["x-pipeline"]["step"].as_u64(), Some(2));
    assert_eq!(out.list["zz-last"], parse("[1, 2]"));
    // And on an error too.
    let bad = input.replace("repository: strata", "repositori: strata");
    let out = run(&bad);
    assert_eq!(out.code, 1, "{}", out.dump());
    assert_eq!(out.list["x-pipeline"]["step"].as_u64(), Some(2), "{}", out.dump());
}

/// kpt sends a check's config as an item too, with the file it came from, and as
/// `functionConfig` without it: an error in the config names that file, as it does for the
/// other kinds, although the check passes every other item through as text.
#[test]
fn a_check_config_error_names_the_file_kpt_read_it_from() {
    let config = |annotations: &str| {
        format!(
            "apiVersion: krm.maverics.dev/v1alpha1\n  kind: OrchestratorCheck\n  metadata:\n    name: guard\n{annotations}  spec:\n    podSecurity: true\n    stickySesions: false\n"
        )
    };
    let path = "      annotations:\n        config.kubernetes.io/local-config: 'true'\n        internal.config.kubernetes.io/path: 'guards/check.yaml'\n        config.kubernetes.io/path: 'guards/check.yaml'\n";
    let input = format!(
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {{name: c}}\n  data: {{a: b}}\n- {}functionConfig:\n  {}",
        config(&path.replace("      ", "    ")),
        config("")
    );
    let r = run(&input);
    assert_ne!(r.code, 0, "an unknown field of the config is an error\n{}", r.stderr);
    assert!(r.stderr.contains("stickySesions"), "{}", r.stderr);
    assert!(
        r.stderr.contains("guards/check.yaml"),
        "the error names the config's file:\n{}",
        r.stderr
    );
    // Every item comes back as it was sent.
    assert_eq!(items(&r.list).len(), 2, "{}", r.stdout);
}

/// What an outside review of the streaming found, each against the behaviour of the whole-item
/// reading it replaced: a secret in a `last-applied-configuration` nested in another one, a
/// Pod's replicas read by the PDB rule, an error inside a passed item's `metadata` with its
/// full path, and an item with a tagged key written back.
#[test]
fn streamed_items_are_judged_as_whole_items_were() {
    let generator = "functionConfig:\n  apiVersion: krm.maverics.dev/v1alpha1\n  kind: Orchestrator\n  metadata: {name: m}\n  spec: {}\n";
    let head = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n";

    let nested = r#"- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: a
    annotations:
      kubectl.kubernetes.io/last-applied-configuration: '{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"data\":{\"maverics.yaml\":\"{password: hunter2}\"}}"}}}'
"#;
    let r = run(format!("{head}{nested}{generator}"));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("data.maverics.yaml:password"), "{}", r.stderr);

    let pod = "- {apiVersion: v1, kind: Pod, metadata: {name: p, labels: {app: p}}, spec: {replicas: 3, containers: []}}\n- {apiVersion: policy/v1, kind: PodDisruptionBudget, metadata: {name: b}, spec: {minAvailable: 2, selector: {matchLabels: {app: p}}}}\n";
    let r = run(format!("{head}{pod}"));
    assert!(!r.stderr.contains("never allow a disruption"), "{}", r.stderr);

    let labels = "- {apiVersion: v1, kind: ConfigMap, metadata: {name: a, labels: {app: x, app: y}}}\n";
    let r = run(format!("{head}{labels}{generator}"));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("items[0].metadata.labels: duplicate entry"),
        "{}",
        r.stderr
    );

    // Once refused by the emitter (and said as such, not as bad YAML), now written back.
    let tagged_key = "- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}, data: {!x k: v}}\n";
    let data: Value = serde_yaml::from_str("{!x k: v}").unwrap();
    for tail in ["", generator] {
        let r = run(format!("{head}{tagged_key}{tail}"));
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(items(&r.list)[0]["data"], data, "{}", r.stdout);
    }
}

/// An item holding a one-entry mapping under a tagged key is written back as the same value.
/// The YAML crate's serializer refused it (the run then exited 0 with an empty list, which kpt
/// would write back as the package; since then a failure to write fails the run, tested in
/// `src/krm/output.rs`), until the vendored copy's patch 8.
#[test]
fn a_tagged_key_of_a_one_entry_mapping_is_written_back() {
    let input = "apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: krm.maverics.dev/v1alpha1
  kind: Widget
  metadata: {name: w}
  spec: {!t a: b}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: keep-me}
  data: {a: b}
";
    let out = run(input);
    assert_eq!(out.code, 0, "stdout:\n{}\nstderr:\n{}", out.stdout, out.stderr);
    let back: serde_yaml::Value = serde_yaml::from_str(&out.stdout).unwrap();
    let spec: serde_yaml::Value = serde_yaml::from_str("{!t a: b}").unwrap();
    assert_eq!(back["items"][0]["spec"], spec, "{}", out.stdout);
    assert_eq!(back["items"][1]["metadata"]["name"], "keep-me", "{}", out.stdout);
}
