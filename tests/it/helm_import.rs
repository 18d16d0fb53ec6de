//! `maverics-krm import-helm-values`: each kind of example values the chart ships (fixtures
//! written from the reference's description, tests/fixtures/helm-values) imports without
//! loss, and the render of the imported config keeps the runtime behaviour the chart gives
//! those values: env vars, mounts and paths, ports, probes, replicas and autoscaling.

use crate::common;

use common::{bin, root, run_with_stdin, stderr, stdout};
use serde::Deserialize;
use serde_yaml::Value;
use std::collections::BTreeMap;
use std::process::Command;

const RELEASE: &str = "mo";
const NS: &str = "maverics";
/// The chart's fullname for release `mo`: `<release>-orchestrator`.
const NAME: &str = "mo-orchestrator";

struct Imported {
    config: String,
    report: String,
    ok: bool,
}

fn import_file(path: &std::path::Path, extra: &[&str]) -> Imported {
    let out = Command::new(bin())
        .arg("import-helm-values")
        .arg(path)
        .args(["--release", RELEASE, "--namespace", NS])
        .args(extra)
        .output()
        .expect("run import-helm-values");
    assert_ne!(out.status.code(), Some(2), "usage error:\n{}", stderr(&out));
    Imported {
        config: stdout(&out),
        report: stderr(&out),
        ok: out.status.success(),
    }
}

fn fixture(name: &str) -> std::path::PathBuf {
    root().join("tests/fixtures/helm-values").join(name)
}

/// Imports a fixture, requires it to import completely, and renders the result.
fn render_fixture(name: &str) -> (Imported, Vec<Value>) {
    let imported = import_file(&fixture(name), &[]);
    assert!(imported.ok, "{name} did not import completely:\n{}", imported.report);
    assert!(imported.report.contains("refused (0)") && imported.report.contains("not mapped (0)"));
    let out = run_with_stdin(Command::new(bin()).args(["render", "-"]), imported.config.as_bytes());
    assert!(
        out.status.success(),
        "the import of {name} does not render:\n{}\n{}",
        stderr(&out),
        imported.config
    );
    let docs = serde_yaml::Deserializer::from_str(&stdout(&out))
        .map(|d| Value::deserialize(d).expect("rendered YAML"))
        .collect();
    (imported, docs)
}

fn find<'a>(docs: &'a [Value], kind: &str, name: &str) -> Option<&'a Value> {
    docs.iter()
        .find(|d| d["kind"].as_str() == Some(kind) && d["metadata"]["name"].as_str() == Some(name))
}

fn sts(docs: &[Value]) -> &Value {
    find(docs, "StatefulSet", NAME).expect("the StatefulSet")
}

fn container(docs: &[Value]) -> &Value {
    &sts(docs)["spec"]["template"]["spec"]["containers"][0]
}

/// Plain env values by name; `valueFrom` entries as their YAML.
fn env(docs: &[Value]) -> BTreeMap<String, String> {
    container(docs)["env"]
        .as_sequence()
        .expect("env")
        .iter()
        .map(|e| {
            let v = e["value"].as_str().map_or_else(
                || serde_yaml::to_string(&e["valueFrom"]).expect("valueFrom"),
                str::to_owned,
            );
            (e["name"].as_str().expect("name").to_owned(), v)
        })
        .collect()
}

/// Mounts by path: (volume name, readOnly, subPath).
fn mounts(docs: &[Value]) -> BTreeMap<String, (String, bool, Option<String>)> {
    container(docs)["volumeMounts"]
        .as_sequence()
        .expect("mounts")
        .iter()
        .map(|m| {
            (
                m["mountPath"].as_str().expect("path").trim_end_matches('/').to_owned(),
                (
                    m["name"].as_str().expect("name").to_owned(),
                    m["readOnly"].as_bool().unwrap_or(false),
                    m["subPath"].as_str().map(str::to_owned),
                ),
            )
        })
        .collect()
}

fn volume<'a>(docs: &'a [Value], name: &str) -> &'a Value {
    sts(docs)["spec"]["template"]["spec"]["volumes"]
        .as_sequence()
        .expect("volumes")
        .iter()
        .find(|v| v["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("volume {name}"))
}

/// What the chart does with any values: one `http` port 8080 behind MAVERICS_HTTP_ADDRESS,
/// both probes GET /status on it, a fixed replica count without an HPA, and (unlike the
/// chart on Kubernetes 1.25+) a StatefulSet governed by an existing headless Service.
fn assert_chart_basics(docs: &[Value], replicas: u64) {
    let c = container(docs);
    assert_eq!(env(docs)["MAVERICS_HTTP_ADDRESS"], "0.0.0.0:8080");
    assert_eq!(c["ports"][0]["name"], "http");
    assert_eq!(c["ports"][0]["containerPort"], 8080);
    for probe in ["readinessProbe", "livenessProbe"] {
        assert_eq!(c[probe]["httpGet"]["path"], "/status", "{probe}");
        assert_eq!(c[probe]["httpGet"]["port"], "http", "{probe}");
        assert_eq!(c[probe]["httpGet"]["scheme"], "HTTP", "{probe}");
    }
    assert_eq!(sts(docs)["spec"]["replicas"].as_u64(), Some(replicas));
    assert!(
        !docs.iter().any(|d| d["kind"] == "HorizontalPodAutoscaler"),
        "the chart's autoscaling is off by default"
    );
    let service = find(docs, "Service", NAME).expect("the client Service");
    assert_eq!(service["spec"]["ports"][0]["port"], 8080);
    assert_eq!(service["spec"]["ports"][0]["targetPort"], "http");
    // Chart bug 1: no serviceName on Kubernetes 1.25+, which strict schemas reject.
    let governing = sts(docs)["spec"]["serviceName"]
        .as_str()
        .expect("serviceName is always set");
    let headless = find(docs, "Service", governing).expect("the governing Service exists");
    assert_eq!(headless["spec"]["clusterIP"], "None");
    assert_eq!(c["securityContext"]["readOnlyRootFilesystem"], true);
}

fn config_map_data<'a>(docs: &'a [Value], name: &str) -> &'a Value {
    &find(docs, "ConfigMap", name).expect("ConfigMap")["data"]
}

#[test]
fn standalone_keeps_the_listener_config_and_one_replica() {
    let (_, docs) = render_fixture("standalone.yaml");
    assert_chart_basics(&docs, 1);
    assert_eq!(env(&docs)["MAVERICS_CONFIG"], "/etc/maverics/config/maverics.yaml");
    assert_eq!(mounts(&docs)["/etc/maverics/config"], ("config".to_owned(), true, None));
    let config: Value = serde_yaml::from_str(
        config_map_data(&docs, &format!("{NAME}-config"))["maverics.yaml"]
            .as_str()
            .expect("maverics.yaml"),
    )
    .expect("config YAML");
    // The printf escape is resolved to the orchestrator's own placeholder, as Helm would.
    assert_eq!(config["http"]["address"], "{{ env.MAVERICS_HTTP_ADDRESS }}");
    assert_eq!(config["version"], "0.0.1");
}

#[test]
fn custom_configmap_is_mounted_and_none_is_generated() {
    let (_, docs) = render_fixture("custom-configmap.yaml");
    assert_chart_basics(&docs, 1);
    assert!(
        !docs.iter().any(|d| d["kind"] == "ConfigMap"),
        "no ConfigMap of our own"
    );
    assert_eq!(volume(&docs, "config")["configMap"]["name"], "mycustomconfig");
    // The chart's key and path, exactly.
    assert_eq!(env(&docs)["MAVERICS_CONFIG"], "/etc/maverics/config/maverics.yml");
}

#[test]
fn openshift_keeps_the_red_hat_image_and_points_at_rosa() {
    let (imported, docs) = render_fixture("openshift.yaml");
    assert_chart_basics(&docs, 1);
    assert_eq!(
        container(&docs)["image"],
        "registry.connect.redhat.com/strata-identity/orchestrator:v2026.01.2"
    );
    assert!(
        imported.report.contains("platform: the values point at rosa"),
        "{}",
        imported.report
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let with_out = import_file(
        &fixture("openshift.yaml"),
        &["--out", &dir.path().display().to_string()],
    );
    assert!(with_out.ok, "{}", with_out.report);
    let platform = std::fs::read_to_string(dir.path().join("overlays/rosa/platform.yaml")).expect("platform.yaml");
    let value: Value = serde_yaml::from_str(&platform).expect("platform YAML");
    match maverics_krm::function::FunctionConfig::from_value(&value, None) {
        Ok(maverics_krm::function::FunctionConfig::Platform(p)) => {
            assert_eq!(p.spec.rosa.expect("rosa").route.host, "sso.apps.example.com")
        }
        other => panic!("not an OrchestratorPlatform: {:?}", other.err()),
    }
    let kustomization: Value = serde_yaml::from_str(
        &std::fs::read_to_string(dir.path().join("overlays/rosa/kustomization.yaml")).expect("kustomization"),
    )
    .expect("YAML");
    assert_eq!(kustomization["resources"][0], "../../bases/orchestrator");
    assert_eq!(kustomization["transformers"][0], "platform.yaml");
    assert!(dir.path().join("bases/orchestrator/orchestrator.yaml").is_file());
}

fn fixture_value(name: &str, path: &[&str]) -> String {
    let v: Value = serde_yaml::from_str(&std::fs::read_to_string(fixture(name)).expect("fixture")).expect("YAML");
    path.iter().fold(&v, |v, k| &v[*k]).as_str().expect("string").to_owned()
}

#[test]
fn cloud_bundle_from_local_config_is_verified_with_its_key() {
    let (_, docs) = render_fixture("cloud-local-config.yaml");
    assert_chart_basics(&docs, 1);
    let e = env(&docs);
    assert_eq!(
        e["MAVERICS_BUNDLE_PUBLIC_KEY_FILE"],
        "/etc/maverics/cloud-config/bundle_public_key.pem"
    );
    assert_eq!(e["MAVERICS_CONFIG"], "/etc/maverics/cloud-config/maverics.tar.gz");
    assert_eq!(mounts(&docs)["/etc/maverics/cloud-config"].0, "bundle");
    // Chart bug 2 (its bundle ConfigMap name key is ignored): the volume names the ConfigMap
    // that is generated, whose binaryData are the bytes given.
    let cm_name = volume(&docs, "bundle")["configMap"]["name"].as_str().expect("name");
    let cm = find(&docs, "ConfigMap", cm_name).expect("the bundle ConfigMap is generated");
    assert_eq!(
        cm["binaryData"]["bundle_public_key.pem"].as_str(),
        Some(fixture_value("cloud-local-config.yaml", &["cloud", "config", "bundlePublicKeyB64"]).as_str())
    );
    assert_eq!(
        cm["binaryData"]["maverics.tar.gz"].as_str(),
        Some(fixture_value("cloud-local-config.yaml", &["cloud", "config", "bundleB64"]).as_str())
    );
    assert!(find(&docs, "ConfigMap", &format!("{NAME}-config")).is_none());
}

#[test]
fn cloud_bundle_from_s3_moves_the_credentials_to_the_external_secret() {
    let (imported, docs) = render_fixture("cloud-s3.yaml");
    assert_chart_basics(&docs, 1);
    let e = env(&docs);
    assert!(!e.contains_key("MAVERICS_CONFIG"), "the bundle comes from S3");
    assert_eq!(
        e["MAVERICS_BUNDLE_PUBLIC_KEY_FILE"],
        "/etc/maverics/cloud-config/bundle_public_key.pem"
    );
    let aws = &e["MAVERICS_AWS_CONFIG"];
    assert!(
        aws.contains(&format!("name: {NAME}-secrets")) && aws.contains("secretKeyRef"),
        "{aws}"
    );
    let es = find(&docs, "ExternalSecret", &format!("{NAME}-secrets")).expect("ExternalSecret");
    assert!(
        serde_yaml::to_string(es)
            .expect("yaml")
            .contains("mo-orchestrator-maverics-aws-config")
    );
    // The inline secret never reaches the config or the manifests.
    let rendered: String = docs.iter().map(|d| serde_yaml::to_string(d).expect("yaml")).collect();
    for leaked in [imported.config.as_str(), rendered.as_str()] {
        assert!(!leaked.contains("wJalrXUtnFEMI"), "the secret key leaked");
        assert!(!leaked.contains("AKIAEXAMPLE"), "the access key leaked");
    }
    assert!(imported.report.contains("env.MAVERICS_AWS_CONFIG -> spec.secrets.env"));
}

#[test]
fn clusters_get_their_service_variables_and_psk_from_the_external_secret() {
    let (imported, docs) = render_fixture("clusters.yaml");
    assert_chart_basics(&docs, 3);
    let svc = find(&docs, "Service", &format!("{NAME}-clusters")).expect("the clusters Service");
    assert_eq!(svc["spec"]["clusterIP"], "None");
    let ports: Vec<(String, u64, String)> = svc["spec"]["ports"]
        .as_sequence()
        .expect("ports")
        .iter()
        .map(|p| {
            (
                p["name"].as_str().expect("name").to_owned(),
                p["port"].as_u64().expect("port"),
                p["protocol"].as_str().expect("protocol").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        ports,
        [
            ("membership-tcp".to_owned(), 9450, "TCP".to_owned()),
            ("membership-udp".to_owned(), 9450, "UDP".to_owned()),
            ("data".to_owned(), 9451, "TCP".to_owned()),
        ]
    );
    let e = env(&docs);
    assert_eq!(
        e["MAVERICS_CLUSTERS_PRIMARY_NAME"],
        "mo-orchestrator-$(POD_NAMESPACE)-cluster-local"
    );
    assert_eq!(e["MAVERICS_CLUSTERS_PRIMARY_MEMBERSHIP_ADDR"], "/ip4/0.0.0.0/tcp/9450");
    assert_eq!(
        e["MAVERICS_CLUSTERS_PRIMARY_MEMBERSHIP_SRV_RECORD"],
        "_membership-udp._udp.$(POD_SERVICE_ACCOUNT)-clusters.$(POD_NAMESPACE).svc.cluster.local."
    );
    assert_eq!(e["MAVERICS_CLUSTERS_PRIMARY_DATA_ADDR"], "/ip4/0.0.0.0/tcp/9451");
    assert_eq!(
        e["MAVERICS_CLUSTERS_PRIMARY_NODE_KEY_FILE"],
        "/etc/maverics/clusters/tls/primary-key"
    );
    assert!(e["MAVERICS_CLUSTERS_PRIMARY_SECURITY_PSK"].contains("key: clusters-psk"));
    let (vol, ro, _) = &mounts(&docs)["/etc/maverics/clusters/tls"];
    assert_eq!((vol.as_str(), *ro), ("clusters-tls", false));
    // The PSK never appears inline.
    assert!(!imported.config.contains("0123456789abcdef"));
    let np = find(&docs, "NetworkPolicy", NAME).expect("NetworkPolicy");
    let np_text = serde_yaml::to_string(np).expect("yaml");
    assert!(
        np_text.contains("9450") && np_text.contains("9451"),
        "members may reach each other"
    );
    // The orchestrator's cluster config is kept, placeholders resolved.
    let config: Value = serde_yaml::from_str(
        config_map_data(&docs, &format!("{NAME}-config"))["maverics.yaml"]
            .as_str()
            .expect("config"),
    )
    .expect("YAML");
    assert_eq!(config["features"]["experimental.clusters"], true);
    assert_eq!(
        config["clusters"][0]["encryption"]["psk"],
        "{{ env.MAVERICS_CLUSTERS_PRIMARY_SECURITY_PSK }}"
    );
}

#[test]
fn service_extensions_are_mounted_where_the_config_reads_them() {
    let (_, docs) = render_fixture("service-extensions.yaml");
    assert_chart_basics(&docs, 1);
    let (vol, ro, _) = mounts(&docs)["/etc/maverics/extensions"].clone();
    assert!(ro);
    assert_eq!(volume(&docs, &vol)["configMap"]["name"], "my-extensions");
    let config: Value = serde_yaml::from_str(
        config_map_data(&docs, &format!("{NAME}-config"))["maverics.yaml"]
            .as_str()
            .expect("config"),
    )
    .expect("YAML");
    assert_eq!(
        config["serviceExtensions"][0]["file"],
        "/etc/maverics/extensions/example.go"
    );
}

#[test]
fn supervisor_reload_gets_a_writable_tmpdir_and_a_stable_machine_id() {
    let (_, docs) = render_fixture("supervisor-config-reload.yaml");
    assert_chart_basics(&docs, 1);
    let e = env(&docs);
    assert_eq!(e["MAVERICS_RELOAD_CONFIG"], "true");
    let m = mounts(&docs);
    let (_, ro, _) = &m[e["TMPDIR"].as_str()];
    assert!(!ro, "TMPDIR must be writable for the hand-off socket");
    let (vol, ro, sub) = &m["/etc/machine-id"];
    assert!(*ro);
    assert_eq!(sub.as_deref(), Some("machine-id"));
    let source = serde_yaml::to_string(volume(&docs, vol)).expect("yaml");
    assert!(source.contains("fieldPath: metadata.name"), "{source}");
}

#[test]
fn unsafe_and_unknown_values_are_reported_and_fail_the_import() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("values.yaml");
    std::fs::write(
        &path,
        "hostNetwork: true\n\
         extraVolumeMounts: [{name: host, mountPath: /host, hostPath: /}]\n\
         envFromSecrets: [{name: creds}]\n\
         envValueFrom: {DB_PASSWORD: {secretKeyRef: {name: db, key: password}}}\n\
         service: {type: LoadBalancer}\n\
         securityContext: {runAsUser: 0}\n\
         replicaCout: 3\n",
    )
    .expect("write");
    let imported = import_file(&path, &[]);
    assert!(!imported.ok, "refused and unmapped values must fail the import");
    let r = &imported.report;
    for line in [
        "refused (3):",
        "  hostNetwork:",
        "  extraVolumeMounts[0]:",
        "  securityContext:",
        "  envFromSecrets:",
        "  service.type:",
        "  replicaCout: not a value of Strata's chart 1.0.5",
        "  envValueFrom.DB_PASSWORD -> spec.secrets.env",
    ] {
        assert!(r.contains(line), "missing `{line}` in:\n{r}");
    }
    // Refused settings are not carried over.
    assert!(!imported.config.contains("hostNetwork: true"));
    assert!(!imported.config.contains("hostPath"));
}

#[test]
fn the_json_report_counts_every_outcome() {
    let out = Command::new(bin())
        .args(["import-helm-values", "--json"])
        .arg(fixture("clusters.yaml"))
        .args(["--namespace", NS])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stderr(&out)).expect("JSON report");
    let entries = report["entries"].as_array().expect("entries");
    assert!(
        entries
            .iter()
            .any(|e| e["outcome"] == "mapped" && e["key"] == "orchestrator.clusters.create")
    );
    assert!(entries.iter().any(|e| e["outcome"] == "changed"));
}

#[test]
fn literal_secrets_in_the_custom_config_move_to_the_external_secret() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("values.yaml");
    std::fs::write(
        &path,
        "orchestrator:\n  customConfig:\n    connectors:\n      - name: azure\n        type: azure\n        oauthClientID: abc\n        oauthClientSecret: super-secret-value\n",
    )
    .expect("write");
    let imported = import_file(&path, &[]);
    assert!(imported.ok, "{}", imported.report);
    assert!(!imported.config.contains("super-secret-value"));
    let out = run_with_stdin(Command::new(bin()).args(["render", "-"]), imported.config.as_bytes());
    assert!(out.status.success(), "{}", stderr(&out));
    let rendered = stdout(&out);
    assert!(!rendered.contains("super-secret-value"));
    assert!(
        rendered.contains("oauthClientSecret: <imported.connectors_0__oauthClientSecret>"),
        "{rendered}"
    );
    assert!(rendered.contains("secretfile:///etc/maverics/secrets/secrets.yaml"));
    assert!(rendered.contains("property: connectors_0__oauthClientSecret"));
}

#[cfg(feature = "e2e")]
#[test]
fn the_written_rosa_overlay_builds_with_kustomize_and_lets_openshift_pick_the_uid() {
    let dir = tempfile::tempdir().expect("tempdir");
    let imported = import_file(
        &fixture("openshift.yaml"),
        &["--out", &dir.path().display().to_string()],
    );
    assert!(imported.ok, "{}", imported.report);
    // The function configs run DIR/plugins/maverics-krm, as the report says.
    std::fs::create_dir_all(dir.path().join("plugins")).expect("plugins dir");
    std::fs::copy(
        root().join("plugins/maverics-krm"),
        dir.path().join("plugins/maverics-krm"),
    )
    .expect("shim");
    let built = common::kustomize_build(&common::tool("kustomize-5.8.1"), &dir.path().join("overlays/rosa"));
    let docs: Vec<Value> = serde_yaml::Deserializer::from_str(&built)
        .map(|d| Value::deserialize(d).expect("YAML"))
        .collect();
    assert!(docs.iter().any(|d| d["kind"] == "Route"), "the ROSA layer ran");
    let c = container(&docs);
    assert_eq!(
        c["image"],
        "registry.connect.redhat.com/strata-identity/orchestrator:v2026.01.2"
    );
    // The chart's `runAsUser: null`, kept by the platform layer rather than the base.
    assert!(
        c["securityContext"].get("runAsUser").is_none(),
        "{}",
        serde_yaml::to_string(c).unwrap_or_default()
    );
    assert!(
        sts(&docs)["spec"]["template"]["spec"]["securityContext"]
            .get("runAsUser")
            .is_none()
    );
}

/// import-helm-values asks the one detector: secret names the old rules missed (`API_KEY`),
/// secret values under plain names (a URL with a password), a reference with literal text
/// beside it, and a secret-named key of the orchestrator config all move to the secret store.
#[test]
fn the_secret_detector_decides_what_moves_to_the_secret_store() {
    let tmp = tempfile::tempdir().expect("tmp");
    let values = tmp.path().join("values.yaml");
    std::fs::write(
        &values,
        r#"replicaCount: 1
env:
  API_KEY: key-0001
  DB_URL: "postgres://app:pw-0002@db:5432/app"
  TOKEN_FILE: /run/secrets/token
  LOG_FORMAT: json
orchestrator:
  baseConfig: null
  customConfig:
    version: 0.0.1
    connectors:
      - name: idp
        apiToken: '{{ printf "{{ env.X }}" }}tok-0003'
        clientSecret: '{{ printf "<idp.client_secret>" }}'
        tokenLifetime: 1h
"#,
    )
    .expect("write values");
    let imported = import_file(&values, &[]);
    for leaked in ["key-0001", "pw-0002", "tok-0003"] {
        assert!(
            !imported.config.contains(leaked),
            "`{leaked}` stayed in the config:\n{}",
            imported.config
        );
    }
    for moved in ["env.API_KEY -> spec.secrets.env", "env.DB_URL -> spec.secrets.env"] {
        assert!(
            imported.report.contains(moved),
            "missing `{moved}`:\n{}",
            imported.report
        );
    }
    let config: Value = serde_yaml::from_str(&imported.config).expect("config YAML");
    let spec = &config["spec"];
    assert_eq!(spec["env"]["TOKEN_FILE"].as_str(), Some("/run/secrets/token"));
    assert_eq!(spec["env"]["LOG_FORMAT"].as_str(), Some("json"));
    let connector = &spec["config"]["connectors"][0];
    assert_eq!(connector["clientSecret"].as_str(), Some("<idp.client_secret>"));
    assert_eq!(connector["tokenLifetime"].as_str(), Some("1h"));
    assert!(
        connector["apiToken"]
            .as_str()
            .is_some_and(|s| s.starts_with("<imported.")),
        "{connector:?}"
    );
}
