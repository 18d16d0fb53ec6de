//! Unit tests of config parsing, defaults and checks.

use super::orchestrator::{PullPolicy, Termination};
use super::*;
use crate::api::{API_VERSION, KINDS};
use crate::diag::{self, Diagnostic, FileRef, Severity};
use crate::function::FunctionConfig;
use crate::k8s::quantity;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_yaml::Value;

const HEAD: &str = "apiVersion: krm.maverics.dev/v1alpha1\nkind: Orchestrator\nmetadata:\n  name: maverics\n";

fn yaml(s: &str) -> Value {
    serde_yaml::from_str(s).unwrap_or_else(|e| panic!("test YAML does not parse: {e}\n{s}"))
}

/// Reads a whole document through the kind dispatch, as the function does.
fn read(doc: &str) -> Result<Orchestrator, Vec<Diagnostic>> {
    match FunctionConfig::from_value(&yaml(doc), None)? {
        FunctionConfig::Orchestrator(o) => Ok(*o),
        other => panic!("not an Orchestrator: {other:?}"),
    }
}

/// An `Orchestrator` named `maverics` with `rest` (usually `spec: ...`) after its metadata.
fn orch(rest: &str) -> Orchestrator {
    let doc = format!("{HEAD}{rest}");
    read(&doc).unwrap_or_else(|ds| panic!("config does not parse: {}\n{doc}", render(&ds)))
}

/// The errors of a document that must not parse.
fn parse_errors(doc: &str) -> Vec<Diagnostic> {
    match read(doc) {
        Ok(_) => panic!("config parsed but should not:\n{doc}"),
        Err(ds) => ds,
    }
}

/// The one error of a spec that must not parse.
fn parse_error(rest: &str) -> Diagnostic {
    let ds = parse_errors(&format!("{HEAD}{rest}"));
    assert_eq!(
        ds.len(),
        1,
        "expected exactly one error for {rest:?}, got:\n{}",
        render(&ds)
    );
    let d = ds.into_iter().next().unwrap();
    assert_eq!(d.severity, Severity::Error);
    assert!(d.fix.as_deref().is_some_and(|f| !f.is_empty()), "no fix in {d}");
    d
}

/// The checks' findings for a config named `maverics` with `rest` after its metadata.
fn check(rest: &str) -> Vec<Diagnostic> {
    checks::check_orchestrator(&orch(rest))
}

fn render(ds: &[Diagnostic]) -> String {
    ds.iter().map(|d| format!("  {d}\n")).collect()
}

/// Asserts exactly one finding at `field`, with the severity and a fix; returns it.
fn finding(ds: &[Diagnostic], severity: Severity, field: &str) -> Diagnostic {
    let at: Vec<&Diagnostic> = ds.iter().filter(|d| d.field.as_deref() == Some(field)).collect();
    assert_eq!(at.len(), 1, "expected one finding at {field}, got:\n{}", render(ds));
    let d = at[0].clone();
    assert_eq!(d.severity, severity, "{d}");
    assert!(d.fix.as_deref().is_some_and(|f| !f.is_empty()), "no fix in {d}");
    d
}

/// Asserts the spec yields exactly one finding at `field` and nothing else.
fn only_finding(rest: &str, severity: Severity, field: &str) -> Diagnostic {
    let ds = check(rest);
    assert_eq!(
        ds.len(),
        1,
        "expected only a finding at {field} for {rest:?}, got:\n{}",
        render(&ds)
    );
    finding(&ds, severity, field)
}

fn no_finding_at(rest: &str, field: &str) {
    let ds = check(rest);
    assert!(
        ds.iter().all(|d| d.field.as_deref() != Some(field)),
        "unexpected finding at {field} for {rest:?}:\n{}",
        render(&ds)
    );
}

fn no_errors(rest: &str) {
    let ds = check(rest);
    assert!(
        !diag::has_errors(&ds),
        "unexpected errors for {rest:?}:\n{}",
        render(&ds)
    );
}

fn q(s: Option<&quantity::Quantity>) -> Option<&str> {
    s.map(|q| q.0.as_str())
}

// ---------------------------------------------------------------------------------------
// Defaults

#[test]
fn a_config_with_only_a_name_takes_every_default() {
    let o = orch("");
    let s = &o.spec;
    assert_eq!(o.name(), "maverics");
    assert_eq!(s.namespace, None);
    assert_eq!(s.replicas, 2);

    let a = &s.autoscaling;
    assert!(a.enabled);
    assert_eq!((a.min_replicas, a.max_replicas), (2, 5));
    assert_eq!(a.target_cpu_utilization_percentage, 70);
    assert_eq!(a.target_memory_utilization_percentage, None);
    assert_eq!(a.scale_down.stabilization_window_seconds, 600);
    assert_eq!(a.scale_down.pods_per_period, 1);
    assert_eq!(a.scale_down.period_seconds, 300);

    let r = &s.resources;
    assert_eq!(q(r.requests.cpu.as_ref()), Some("500m"));
    assert_eq!(q(r.requests.memory.as_ref()), Some("256Mi"));
    assert_eq!(q(r.limits.cpu.as_ref()), Some("1"));
    assert_eq!(q(r.limits.memory.as_ref()), Some("512Mi"));

    assert_eq!(s.port, 8080);
    assert_eq!(s.tls.termination, Termination::Edge);
    assert_eq!(s.tls.secret_name, None);

    assert_eq!(s.image.repository, "strata/orchestrator");
    assert_eq!(s.image.tag.as_deref(), Some("v2026.01.2"));
    assert_eq!(s.image.tag.as_deref(), Some(orchestrator::DEFAULT_TAG));
    assert_eq!(s.image.digest, None);
    assert_eq!(s.image.pull_policy, PullPolicy::Always);
    assert_eq!(s.image.reference(), "strata/orchestrator:v2026.01.2");

    let np = &s.network_policy;
    assert!(np.enabled);
    assert!(np.ingress_from.is_empty());
    assert_eq!(np.egress.len(), 1);
    let rule = &np.egress[0];
    assert!(rule.to.is_none(), "the default egress rule goes to any destination");
    let ports = rule.ports.as_ref().expect("default egress rule has ports");
    assert_eq!(ports.len(), 1);
    assert_eq!(ports[0].port, Some(IntOrString::Int(443)));
    assert_eq!(ports[0].protocol.as_deref(), Some("TCP"));

    assert!(s.secrets.is_none());
    assert!(!s.ingress.enabled);
    assert!(s.pod_disruption_budget.enabled.is_none());
    assert!(s.config.is_mapping());
}

#[test]
fn the_default_config_passes_every_check_silently() {
    let ds = check("");
    assert!(ds.is_empty(), "defaults must not trigger findings:\n{}", render(&ds));
}

#[test]
fn the_base_config_matches_the_defaults_and_passes_the_checks() {
    let o = read(include_str!("../../bases/orchestrator/orchestrator.yaml")).expect("base parses");
    let d = orch("");
    assert_eq!(o.spec.replicas, d.spec.replicas);
    assert_eq!(o.spec.port, d.spec.port);
    assert_eq!(o.spec.image.reference(), d.spec.image.reference());
    assert_eq!(o.spec.autoscaling.min_replicas, d.spec.autoscaling.min_replicas);
    assert_eq!(o.spec.autoscaling.max_replicas, d.spec.autoscaling.max_replicas);
    let ds = checks::check_orchestrator(&o);
    assert!(ds.is_empty(), "the base config must be clean:\n{}", render(&ds));
}

#[test]
fn golden_configs_pass_the_checks_without_errors() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/configs");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("golden configs dir") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("read config");
        let o = read(&text).unwrap_or_else(|ds| panic!("{} does not parse:\n{}", path.display(), render(&ds)));
        let ds = checks::check_orchestrator(&o);
        assert!(!diag::has_errors(&ds), "{}:\n{}", path.display(), render(&ds));
        n += 1;
    }
    assert!(n >= 4, "expected the golden configs, found {n}");
}

#[test]
fn partial_autoscaling_keeps_the_other_autoscaling_defaults() {
    let o = orch("spec: {autoscaling: {maxReplicas: 8}}");
    let a = &o.spec.autoscaling;
    assert_eq!(a.max_replicas, 8);
    assert_eq!(a.min_replicas, 2);
    assert!(a.enabled);
    assert_eq!(a.target_cpu_utilization_percentage, 70);
    assert_eq!(a.scale_down.stabilization_window_seconds, 600);
}

#[test]
fn partial_scale_down_keeps_the_other_scale_down_defaults() {
    let o = orch("spec: {autoscaling: {scaleDown: {periodSeconds: 60}}}");
    let sd = &o.spec.autoscaling.scale_down;
    assert_eq!(sd.period_seconds, 60);
    assert_eq!(sd.stabilization_window_seconds, 600);
    assert_eq!(sd.pods_per_period, 1);
    assert_eq!(o.spec.autoscaling.max_replicas, 5);
}

#[test]
fn partial_image_keeps_the_default_tag_and_pull_policy() {
    let o = orch("spec: {image: {repository: registry.example/maverics}}");
    assert_eq!(o.spec.image.reference(), "registry.example/maverics:v2026.01.2");
    assert_eq!(o.spec.image.pull_policy, PullPolicy::Always);
}

#[test]
fn partial_resources_keep_the_default_limits() {
    let o = orch("spec: {resources: {requests: {cpu: 1}}}");
    let r = &o.spec.resources;
    assert_eq!(q(r.requests.cpu.as_ref()), Some("1"));
    assert_eq!(q(r.limits.cpu.as_ref()), Some("1"));
    assert_eq!(q(r.limits.memory.as_ref()), Some("512Mi"));
}

#[test]
fn partial_resource_requests_keep_the_other_default_request() {
    let o = orch("spec: {resources: {requests: {cpu: 1}}}");
    assert_eq!(q(o.spec.resources.requests.memory.as_ref()), Some("256Mi"));
    let o = orch("spec: {resources: {requests: {memory: 1Gi}, limits: {memory: 2Gi}}}");
    assert_eq!(q(o.spec.resources.requests.cpu.as_ref()), Some("500m"));
    assert_eq!(q(o.spec.resources.limits.cpu.as_ref()), Some("1"));
    no_errors("spec: {resources: {requests: {memory: 1Gi}, limits: {memory: 2Gi}}}");
}

#[test]
fn a_yaml_number_is_accepted_as_a_quantity() {
    let o = orch("spec: {resources: {requests: {cpu: 1, memory: 268435456}, limits: {cpu: 1.5, memory: 1Gi}}}");
    let r = &o.spec.resources;
    assert_eq!(q(r.requests.cpu.as_ref()), Some("1"));
    assert_eq!(q(r.requests.memory.as_ref()), Some("268435456"));
    assert_eq!(q(r.limits.cpu.as_ref()), Some("1.5"));
    assert_eq!(r.requests.cpu.as_ref().unwrap().value(), Ok(1.0));
    assert_eq!(r.limits.cpu.as_ref().unwrap().value(), Ok(1.5));
    no_errors("spec: {resources: {requests: {cpu: 1, memory: 268435456}, limits: {cpu: 1.5, memory: 1Gi}}}");
}

#[test]
fn orchestrator_from_value_reads_without_the_dispatch() {
    let o = Orchestrator::from_value(&yaml(&format!("{HEAD}spec: {{replicas: 4}}")), None).expect("parses");
    assert_eq!(o.spec.replicas, 4);
    assert_eq!(o.kind, "Orchestrator");
    assert_eq!(o.api_version, API_VERSION);
}

// ---------------------------------------------------------------------------------------
// Unknown fields, types and variants

#[test]
fn unknown_fields_name_their_path_and_the_nearest_valid_field() {
    let cases = [
        (
            "spec: {replica: 3}",
            "spec.replica",
            "replica",
            "did you mean `replicas`? Write `spec.replicas`",
        ),
        (
            "spec: {autoscaling: {minReplica: 3}}",
            "spec.autoscaling.minReplica",
            "minReplica",
            "did you mean `minReplicas`? Write `spec.autoscaling.minReplicas`",
        ),
        (
            "spec: {image: {tags: v1}}",
            "spec.image.tags",
            "tags",
            "did you mean `tag`? Write `spec.image.tag`",
        ),
        (
            "spec: {autoscaling: {scaleDown: {periodSecond: 60}}}",
            "spec.autoscaling.scaleDown.periodSecond",
            "periodSecond",
            "did you mean `periodSeconds`? Write `spec.autoscaling.scaleDown.periodSeconds`",
        ),
    ];
    for (rest, field, leaf, fix) in cases {
        let d = parse_error(rest);
        assert_eq!(d.field.as_deref(), Some(field), "{rest}");
        assert_eq!(d.message, format!("unknown field `{leaf}`"), "{rest}");
        assert_eq!(d.fix.as_deref(), Some(fix), "{rest}");
    }
}

#[test]
fn a_misspelled_metadata_field_is_an_error_suggesting_name() {
    let ds = parse_errors("apiVersion: krm.maverics.dev/v1alpha1\nkind: Orchestrator\nmetadata:\n  nmae: maverics\n");
    assert_eq!(ds.len(), 1, "{}", render(&ds));
    assert_eq!(ds[0].field.as_deref(), Some("metadata.nmae"));
    assert_eq!(ds[0].fix.as_deref(), Some("did you mean `name`? Write `metadata.name`"));
}

#[test]
fn an_unknown_field_far_from_any_valid_one_lists_the_valid_fields() {
    let d = parse_error("spec: {tolerations: []}");
    assert_eq!(d.field.as_deref(), Some("spec.tolerations"));
    let fix = d.fix.unwrap();
    assert!(fix.starts_with("remove it; valid fields here:"), "{fix}");
    assert!(fix.contains("`replicas`") && fix.contains("`networkPolicy`"), "{fix}");
}

#[test]
fn an_unknown_field_inside_an_embedded_kubernetes_type_is_an_error() {
    let d = parse_error("spec: {networkPolicy: {ingressFrom: [{podSelektor: {}}]}}");
    let field = d.field.clone().unwrap();
    assert!(field.starts_with("spec.networkPolicy.ingressFrom"), "{field}");
    assert!(field.ends_with(".podSelektor"), "{field}");
    assert_eq!(d.message, "unknown field `podSelektor`");
}

#[test]
fn each_unknown_field_inside_embedded_kubernetes_types_is_its_own_error() {
    let ds = parse_errors(&format!(
        "{HEAD}spec: {{networkPolicy: {{ingressFrom: [{{podSelektor: {{}}}}], egress: [{{portz: []}}]}}}}"
    ));
    assert_eq!(ds.len(), 2, "{}", render(&ds));
    assert!(ds.iter().all(|d| d.is_error() && d.fix.is_some()));
    assert!(
        ds[0].field.as_deref().unwrap().ends_with("podSelektor"),
        "{}",
        render(&ds)
    );
    assert!(
        ds[1].field.as_deref().unwrap().starts_with("spec.networkPolicy.egress"),
        "{}",
        render(&ds)
    );
    assert!(ds[1].field.as_deref().unwrap().ends_with("portz"), "{}", render(&ds));
}

#[test]
fn embedded_unknown_field_paths_use_the_same_form_as_other_paths() {
    let d = parse_error("spec: {networkPolicy: {ingressFrom: [{podSelektor: {}}]}}");
    assert_eq!(
        d.field.as_deref(),
        Some("spec.networkPolicy.ingressFrom[0].podSelektor")
    );
    let d = parse_error("spec: {networkPolicy: {ingressFrom: [{podSelector: {matchLabelz: {a: b}}}]}}");
    assert_eq!(
        d.field.as_deref(),
        Some("spec.networkPolicy.ingressFrom[0].podSelector.matchLabelz")
    );
}

#[test]
fn a_word_for_a_number_is_a_type_error_at_its_path() {
    let d = parse_error("spec: {replicas: three}");
    assert_eq!(d.field.as_deref(), Some("spec.replicas"));
    assert!(d.message.contains("three"), "{d}");
    assert_eq!(
        d.fix.as_deref(),
        Some("write a whole number that is not negative, without quotes")
    );
}

#[test]
fn a_negative_count_is_an_error_at_its_path() {
    let d = parse_error("spec: {replicas: -1}");
    assert_eq!(d.field.as_deref(), Some("spec.replicas"));
    assert!(d.message.contains("-1"), "{d}");
    assert_eq!(
        d.fix.as_deref(),
        Some("write a whole number that is not negative, without quotes")
    );
}

#[test]
fn a_string_for_a_boolean_is_a_type_error_at_its_path() {
    let d = parse_error("spec: {autoscaling: {enabled: \"yes please\"}}");
    assert_eq!(d.field.as_deref(), Some("spec.autoscaling.enabled"));
    assert_eq!(d.fix.as_deref(), Some("write `true` or `false` without quotes"));
}

#[test]
fn an_unknown_tls_termination_lists_the_variants() {
    let d = parse_error("spec: {tls: {termination: passthrough}}");
    assert_eq!(d.field.as_deref(), Some("spec.tls.termination"));
    assert!(d.message.contains("passthrough"), "{d}");
    assert_eq!(d.fix.as_deref(), Some("use one of `edge`, `pod`"));
}

#[test]
fn an_unknown_pull_policy_lists_the_variants() {
    let d = parse_error("spec: {image: {pullPolicy: Sometimes}}");
    assert_eq!(d.field.as_deref(), Some("spec.image.pullPolicy"));
    assert!(d.message.contains("Sometimes"), "{d}");
    assert_eq!(d.fix.as_deref(), Some("use one of `Always`, `IfNotPresent`, `Never`"));
}

#[test]
fn a_missing_required_field_names_its_full_path() {
    let d = parse_error("spec: {secrets: {values: []}}");
    assert_eq!(d.field.as_deref(), Some("spec.secrets.storeRef"));
    assert_eq!(d.fix.as_deref(), Some("add `spec.secrets.storeRef`"));
    let d = parse_error("spec: {secrets: {storeRef: {name: vault}, values: [{name: a.b}]}}");
    assert_eq!(d.field.as_deref(), Some("spec.secrets.values[0].remoteRef"));
}

#[test]
fn parse_errors_name_the_file_and_the_config() {
    let file = FileRef {
        path: "bases/orchestrator/orchestrator.yaml".into(),
        index: 0,
    };
    let ds = FunctionConfig::from_value(&yaml(&format!("{HEAD}spec: {{replica: 3}}")), Some(file.clone()))
        .expect_err("must not parse");
    assert_eq!(ds[0].file.as_ref(), Some(&file));
    let r = ds[0].resource.as_deref().expect("resource ref");
    assert_eq!((r.kind.as_str(), r.name.as_str()), ("Orchestrator", "maverics"));
}

// ---------------------------------------------------------------------------------------
// Kind dispatch

fn unsupported(doc: &str) -> Diagnostic {
    let ds = parse_errors(doc);
    assert_eq!(ds.len(), 1, "{}", render(&ds));
    let d = ds[0].clone();
    assert!(d.is_error());
    let fix = d.fix.clone().unwrap_or_default();
    assert!(fix.starts_with("use one of the supported kinds: "), "{fix}");
    for kind in KINDS {
        assert!(
            fix.contains(&format!("`krm.maverics.dev/v1alpha1` `{kind}`")),
            "{fix} lacks {kind}"
        );
    }
    d
}

#[test]
fn an_unsupported_api_version_is_refused_with_the_supported_kinds() {
    let d = unsupported("apiVersion: krm.maverics.dev/v1\nkind: Orchestrator\nmetadata: {name: m}\n");
    assert_eq!(
        d.message,
        "unsupported function config `krm.maverics.dev/v1` `Orchestrator`"
    );
}

#[test]
fn an_unsupported_kind_is_refused_with_the_supported_kinds() {
    let d = unsupported("apiVersion: krm.maverics.dev/v1alpha1\nkind: Gateway\nmetadata: {name: m}\n");
    assert_eq!(
        d.message,
        "unsupported function config `krm.maverics.dev/v1alpha1` `Gateway`"
    );
    let d = unsupported("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n");
    assert_eq!(d.message, "unsupported function config `v1` `ConfigMap`");
}

#[test]
fn kpts_placeholder_config_map_is_explained() {
    let d = unsupported("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: function-input}\ndata: {}\n");
    assert!(d.message.contains("no function config was given"), "{d}");
    assert!(d.message.contains("function-input"), "{d}");
    let r = d.resource.as_deref().expect("resource ref");
    assert_eq!((r.kind.as_str(), r.name.as_str()), ("ConfigMap", "function-input"));
}

// ---------------------------------------------------------------------------------------
// Checks: names and image

#[test]
fn check_findings_point_at_the_config() {
    let ds = check("spec: {port: 80}");
    let r = ds[0].resource.as_deref().expect("resource ref");
    assert_eq!(r.api_version, API_VERSION);
    assert_eq!((r.kind.as_str(), r.name.as_str()), ("Orchestrator", "maverics"));
}

#[test]
fn an_invalid_name_is_an_error() {
    for name in ["Maverics", "mav_erics", "-maverics", "maverics-", "mav.erics"] {
        let ds = checks::check_orchestrator(
            &read(&format!(
                "apiVersion: krm.maverics.dev/v1alpha1\nkind: Orchestrator\nmetadata: {{name: \"{name}\"}}\n"
            ))
            .unwrap(),
        );
        let d = finding(&ds, Severity::Error, "metadata.name");
        assert!(d.message.contains(name), "{d}");
    }
}

#[test]
fn a_name_longer_than_52_characters_is_an_error() {
    let named = |n: usize| {
        let doc = format!(
            "apiVersion: krm.maverics.dev/v1alpha1\nkind: Orchestrator\nmetadata: {{name: {}}}\n",
            "a".repeat(n)
        );
        checks::check_orchestrator(&read(&doc).unwrap())
    };
    assert_eq!(checks::MAX_NAME_LEN, 52);
    assert!(named(52).is_empty(), "{}", render(&named(52)));
    let d = finding(&named(53), Severity::Error, "metadata.name");
    assert!(d.message.contains("53"), "{d}");
}

#[test]
fn the_default_namespace_is_a_warning() {
    only_finding("spec: {namespace: default}", Severity::Warning, "spec.namespace");
    no_finding_at("spec: {namespace: maverics}", "spec.namespace");
}

#[test]
fn an_invalid_namespace_is_an_error() {
    only_finding("spec: {namespace: My_Namespace}", Severity::Error, "spec.namespace");
}

#[test]
fn an_empty_image_repository_is_an_error() {
    only_finding(
        "spec: {image: {repository: \"\"}}",
        Severity::Error,
        "spec.image.repository",
    );
    only_finding(
        "spec: {image: {repository: \"  \"}}",
        Severity::Error,
        "spec.image.repository",
    );
}

#[test]
fn an_image_without_tag_or_digest_is_an_error() {
    only_finding("spec: {image: {tag: null}}", Severity::Error, "spec.image");
    let digest = format!("sha256:{}", "a".repeat(64));
    no_errors(&format!("spec: {{image: {{tag: null, digest: \"{digest}\"}}}}"));
}

#[test]
fn the_latest_tag_is_a_warning_unless_a_digest_pins_it() {
    only_finding("spec: {image: {tag: latest}}", Severity::Warning, "spec.image.tag");
    let digest = format!("sha256:{}", "0".repeat(64));
    let ds = check(&format!("spec: {{image: {{tag: latest, digest: \"{digest}\"}}}}"));
    assert!(ds.is_empty(), "{}", render(&ds));
}

#[test]
fn a_malformed_digest_is_an_error() {
    for digest in [
        "sha256:abc".to_owned(),
        format!("md5:{}", "a".repeat(64)),
        format!("sha256:{}", "g".repeat(64)),
        format!("sha256:{}", "a".repeat(65)),
        "a".repeat(64),
    ] {
        let d = only_finding(
            &format!("spec: {{image: {{digest: \"{digest}\"}}}}"),
            Severity::Error,
            "spec.image.digest",
        );
        assert!(d.message.contains(&digest), "{d}");
    }
}

#[test]
fn an_upper_case_digest_is_an_error() {
    let digest = format!("sha256:{}", "A".repeat(64));
    only_finding(
        &format!("spec: {{image: {{digest: \"{digest}\"}}}}"),
        Severity::Error,
        "spec.image.digest",
    );
}

// ---------------------------------------------------------------------------------------
// Checks: replicas, autoscaling, resources

#[test]
fn zero_min_replicas_is_an_error() {
    only_finding(
        "spec: {autoscaling: {minReplicas: 0}}",
        Severity::Error,
        "spec.autoscaling.minReplicas",
    );
}

#[test]
fn min_replicas_above_max_replicas_is_an_error() {
    let d = only_finding(
        "spec: {autoscaling: {minReplicas: 6, maxReplicas: 3}}",
        Severity::Error,
        "spec.autoscaling.minReplicas",
    );
    assert!(d.message.contains("(6)") && d.message.contains("(3)"), "{d}");
    no_errors("spec: {autoscaling: {minReplicas: 3, maxReplicas: 3}}");
}

#[test]
fn a_cpu_target_outside_1_to_100_is_an_error() {
    for pct in [0, 101] {
        let d = only_finding(
            &format!("spec: {{autoscaling: {{targetCPUUtilizationPercentage: {pct}}}}}"),
            Severity::Error,
            "spec.autoscaling.targetCPUUtilizationPercentage",
        );
        assert!(d.message.contains(&pct.to_string()), "{d}");
    }
    for pct in [1, 100] {
        no_errors(&format!(
            "spec: {{autoscaling: {{targetCPUUtilizationPercentage: {pct}}}}}"
        ));
    }
}

#[test]
fn autoscaling_rules_do_not_apply_when_autoscaling_is_off() {
    no_errors(
        "spec: {autoscaling: {enabled: false, minReplicas: 0, maxReplicas: 0, targetCPUUtilizationPercentage: 0}}",
    );
}

#[test]
fn autoscaling_without_a_cpu_request_is_an_error() {
    only_finding(
        "spec: {resources: {requests: {cpu: null, memory: 256Mi}}}",
        Severity::Error,
        "spec.resources.requests.cpu",
    );
    no_finding_at(
        "spec: {autoscaling: {enabled: false}, resources: {requests: {cpu: null, memory: 256Mi}}}",
        "spec.resources.requests.cpu",
    );
}

#[test]
fn zero_fixed_replicas_is_a_warning() {
    only_finding(
        "spec: {replicas: 0, autoscaling: {enabled: false}}",
        Severity::Warning,
        "spec.replicas",
    );
}

#[test]
fn a_cpu_request_above_its_limit_is_an_error() {
    let d = only_finding(
        "spec: {resources: {requests: {cpu: 2, memory: 256Mi}}}",
        Severity::Error,
        "spec.resources.requests.cpu",
    );
    assert!(d.message.contains("(2)") && d.message.contains("(1)"), "{d}");
    // Mixed units compare by value.
    only_finding(
        "spec: {resources: {requests: {cpu: 1500m, memory: 256Mi}, limits: {cpu: 1, memory: 512Mi}}}",
        Severity::Error,
        "spec.resources.requests.cpu",
    );
    no_errors("spec: {resources: {requests: {cpu: \"1\", memory: 256Mi}, limits: {cpu: 1000m, memory: 512Mi}}}");
}

#[test]
fn a_memory_request_above_its_limit_is_an_error_across_units() {
    let d = only_finding(
        "spec: {resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {cpu: 1, memory: 512Mi}}}",
        Severity::Error,
        "spec.resources.requests.memory",
    );
    assert!(d.message.contains("1Gi") && d.message.contains("512Mi"), "{d}");
    // 1G (decimal) is below 1Gi (binary); 600M is above 512Mi.
    no_errors("spec: {resources: {requests: {cpu: 500m, memory: 512Mi}, limits: {cpu: 1, memory: 1Gi}}}");
    no_errors("spec: {resources: {requests: {cpu: 500m, memory: 1G}, limits: {cpu: 1, memory: 1Gi}}}");
    only_finding(
        "spec: {resources: {requests: {cpu: 500m, memory: 600M}, limits: {cpu: 1, memory: 512Mi}}}",
        Severity::Error,
        "spec.resources.requests.memory",
    );
}

#[test]
fn a_malformed_quantity_is_an_error_at_its_field() {
    let d = only_finding(
        "spec: {resources: {requests: {cpu: 500m, memory: 500mb}}}",
        Severity::Error,
        "spec.resources.requests.memory",
    );
    assert!(d.message.contains("500mb"), "{d}");
    only_finding(
        "spec: {resources: {limits: {cpu: 2 cores, memory: 512Mi}}}",
        Severity::Error,
        "spec.resources.limits.cpu",
    );
}

// ---------------------------------------------------------------------------------------
// Checks: PodDisruptionBudget

#[test]
fn a_pdb_with_both_max_unavailable_and_min_available_is_an_error() {
    let d = only_finding(
        "spec: {podDisruptionBudget: {maxUnavailable: 1, minAvailable: 1}}",
        Severity::Error,
        "spec.podDisruptionBudget",
    );
    assert!(d.message.contains("both"), "{d}");
}

#[test]
fn a_pdb_that_never_allows_a_disruption_is_an_error() {
    for pdb in [
        "{maxUnavailable: 0}",
        "{maxUnavailable: \"0%\"}",
        "{minAvailable: 2}",
        "{minAvailable: 5}",
        "{minAvailable: \"100%\"}",
    ] {
        let d = only_finding(
            &format!("spec: {{podDisruptionBudget: {pdb}}}"),
            Severity::Error,
            "spec.podDisruptionBudget",
        );
        assert!(d.message.contains("never allow a disruption"), "{pdb}: {d}");
    }
}

#[test]
fn min_available_is_compared_with_the_minimum_replica_count() {
    // Autoscaling 3..6: minAvailable 2 leaves room, 3 does not.
    no_errors("spec: {autoscaling: {minReplicas: 3, maxReplicas: 6}, podDisruptionBudget: {minAvailable: 2}}");
    only_finding(
        "spec: {autoscaling: {minReplicas: 3, maxReplicas: 6}, podDisruptionBudget: {minAvailable: 3}}",
        Severity::Error,
        "spec.podDisruptionBudget",
    );
    // Fixed replicas: the count itself.
    no_errors("spec: {replicas: 3, autoscaling: {enabled: false}, podDisruptionBudget: {minAvailable: 2}}");
    only_finding(
        "spec: {replicas: 3, autoscaling: {enabled: false}, podDisruptionBudget: {minAvailable: 3}}",
        Severity::Error,
        "spec.podDisruptionBudget",
    );
}

#[test]
fn a_pdb_that_allows_disruptions_passes() {
    for pdb in [
        "{maxUnavailable: 1}",
        "{maxUnavailable: \"25%\"}",
        "{minAvailable: 1}",
        "{minAvailable: \"50%\"}",
    ] {
        no_errors(&format!("spec: {{podDisruptionBudget: {pdb}}}"));
    }
}

#[test]
fn a_disabled_pdb_is_not_checked_for_disruptions() {
    no_errors("spec: {podDisruptionBudget: {enabled: false, maxUnavailable: 0}}");
}

// ---------------------------------------------------------------------------------------
// Checks: listener and TLS

#[test]
fn a_privileged_port_is_an_error() {
    let d = only_finding("spec: {port: 443}", Severity::Error, "spec.port");
    assert!(d.message.contains("443"), "{d}");
    only_finding("spec: {port: 1023}", Severity::Error, "spec.port");
    no_errors("spec: {port: 1024}");
}

#[test]
fn tls_in_the_pod_without_a_certificate_is_an_error() {
    only_finding("spec: {tls: {termination: pod}}", Severity::Error, "spec.tls");
    no_errors("spec: {tls: {termination: pod, secretName: serving-cert}}");
    no_errors(
        "spec: {tls: {termination: pod}, secrets: {storeRef: {name: vault}, tls: {certificate: {key: c}, privateKey: {key: k}}}}",
    );
    // Secrets without a TLS pair do not supply a certificate.
    let ds = check("spec: {tls: {termination: pod}, secrets: {storeRef: {name: vault}, license: {key: l}}}");
    finding(&ds, Severity::Error, "spec.tls");
}

// ---------------------------------------------------------------------------------------
// Checks: secrets

fn secrets_with_names(names: &[&str]) -> String {
    let values: Vec<String> = names
        .iter()
        .map(|n| format!("{{name: \"{n}\", remoteRef: {{key: k}}}}"))
        .collect();
    format!(
        "spec: {{secrets: {{storeRef: {{name: vault}}, values: [{}]}}}}",
        values.join(", ")
    )
}

#[test]
fn secret_value_names_must_be_group_dot_key() {
    for bad in ["nodot", "a.b.c", ".x", "x.", "a b.c", "a.b$"] {
        let d = only_finding(
            &secrets_with_names(&["ok.name", bad]),
            Severity::Error,
            "spec.secrets.values[1].name",
        );
        assert!(d.message.contains(bad), "{d}");
    }
    let ds = check(&secrets_with_names(&["idp.client_secret", "redis.pass-word", "G1.k_2"]));
    assert!(ds.is_empty(), "{}", render(&ds));
}

#[test]
fn a_duplicate_secret_value_name_is_an_error_on_the_repeat() {
    let d = only_finding(
        &secrets_with_names(&["idp.secret", "idp.other", "idp.secret"]),
        Severity::Error,
        "spec.secrets.values[2].name",
    );
    assert!(d.message.contains("twice"), "{d}");
}

#[test]
fn an_invalid_store_name_is_an_error() {
    only_finding(
        "spec: {secrets: {storeRef: {name: Vault_Store}, license: {key: l}}}",
        Severity::Error,
        "spec.secrets.storeRef.name",
    );
}

#[test]
fn secrets_that_fetch_nothing_are_a_warning() {
    only_finding(
        "spec: {secrets: {storeRef: {name: vault}}}",
        Severity::Warning,
        "spec.secrets",
    );
}

// ---------------------------------------------------------------------------------------
// Checks: the orchestrator's own config

#[test]
fn a_config_that_is_not_a_mapping_is_an_error() {
    only_finding("spec: {config: [version]}", Severity::Error, "spec.config");
    only_finding("spec: {config: \"version: 0.0.1\"}", Severity::Error, "spec.config");
}

const OIDC: &str = "oidcProvider: {discovery: {issuer: https://sso.example.com}}";
const OIDC_REDIS: &str = "caches: [{name: oidc-cache, type: redis, redis: {addresses: [redis:6379]}}], \
                          oidcProvider: {cache: oidc-cache}";

#[test]
fn a_scaled_out_oidc_provider_without_redis_is_an_error() {
    let d = only_finding(
        &format!("spec: {{config: {{version: 0.0.1, {OIDC}}}}}"),
        Severity::Error,
        "spec.config.oidcProvider.cache",
    );
    assert!(d.message.contains("5 replicas"), "{d}");
    let d = only_finding(
        &format!("spec: {{replicas: 2, autoscaling: {{enabled: false}}, config: {{{OIDC}}}}}"),
        Severity::Error,
        "spec.config.oidcProvider.cache",
    );
    assert!(d.message.contains("2 replicas"), "{d}");
}

#[test]
fn an_oidc_provider_with_its_redis_cache_passes() {
    // The cache's NetworkPolicy peer is given, so no host-name warning either.
    let ds = check(&format!(
        "spec: {{config: {{version: 0.0.1, {OIDC_REDIS}}}, networkPolicy: {{caches: [{{name: oidc-cache, to: [{{podSelector: {{matchLabels: {{app: redis}}}}}}]}}]}}}}"
    ));
    assert!(ds.is_empty(), "{}", render(&ds));
}

#[test]
fn an_oidc_provider_whose_cache_is_not_redis_is_an_error() {
    let ds = check("spec: {config: {caches: [{name: c, type: memory}], oidcProvider: {cache: c}}}");
    finding(&ds, Severity::Error, "spec.config.oidcProvider.cache");
    let ds = check("spec: {config: {caches: [{name: c, type: redis}], oidcProvider: {cache: other}}}");
    finding(&ds, Severity::Error, "spec.config.oidcProvider.cache");
}

#[test]
fn a_single_replica_oidc_provider_needs_no_redis() {
    let ds = check(&format!(
        "spec: {{replicas: 1, autoscaling: {{enabled: false}}, config: {{{OIDC}}}}}"
    ));
    assert!(ds.is_empty(), "{}", render(&ds));
    let ds = check(&format!(
        "spec: {{autoscaling: {{minReplicas: 1, maxReplicas: 1}}, config: {{{OIDC}}}}}"
    ));
    assert!(ds.is_empty(), "{}", render(&ds));
}

#[test]
fn a_pdb_that_is_never_generated_is_not_checked() {
    // One fixed replica: no PodDisruptionBudget is emitted, so its settings cannot block.
    let ds = check("spec: {replicas: 1, autoscaling: {enabled: false}, podDisruptionBudget: {minAvailable: 1}}");
    assert!(ds.is_empty(), "{}", render(&ds));
    let o = orch("spec: {replicas: 1, autoscaling: {enabled: false}, podDisruptionBudget: {minAvailable: 1}}");
    assert!(
        crate::resources::generate(&o)
            .iter()
            .all(|g| g.file != "poddisruptionbudget.yaml")
    );
}
