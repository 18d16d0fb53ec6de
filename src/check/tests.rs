use super::*;

fn items(yaml: &str) -> Vec<Value> {
    input::read_text("t.yaml", yaml).unwrap()
}

fn run(yaml: &str) -> Vec<Diagnostic> {
    check_stream(&items(yaml), &Settings::default())
}

fn fields(d: &[Diagnostic]) -> Vec<String> {
    d.iter().map(|d| d.field.clone().unwrap_or_default()).collect()
}

const HARDENED: &str = r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: m, namespace: ns}
spec:
  template:
    metadata: {labels: {app.kubernetes.io/name: maverics-orchestrator, app.kubernetes.io/instance: m}}
    spec:
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: o
        image: r/o:v1
        securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
        resources: {requests: {cpu: 500m}, limits: {cpu: "1"}}
"#;

#[test]
fn a_hardened_pod_passes_pss() {
    assert!(run(HARDENED).is_empty(), "{:?}", run(HARDENED));
}

#[test]
fn pss_violations_are_named_by_field() {
    let bad = HARDENED
        .replace("allowPrivilegeEscalation: false", "privileged: true")
        .replace("drop: [ALL]", "add: [NET_RAW]")
        .replace("runAsNonRoot: true, ", "hostNetwork: true, ")
        .replace(
            "      containers:",
            "      hostPID: true\n      volumes: [{name: h, hostPath: {path: /}}]\n      containers:",
        );
    let f = fields(&run(&bad));
    for want in [
        "spec.template.spec.hostPID",
        "spec.template.spec.volumes[0].hostPath",
        "spec.template.spec.containers[0].securityContext.privileged",
        "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation",
        "spec.template.spec.containers[0].securityContext.runAsNonRoot",
        "spec.template.spec.containers[0].securityContext.capabilities.drop",
        "spec.template.spec.containers[0].securityContext.capabilities.add[0]",
    ] {
        assert!(f.iter().any(|x| x == want), "missing {want} in {f:?}");
    }
}

#[test]
fn baseline_controls_selinux_apparmor_sysctls() {
    let bad = HARDENED
        .replace(
            "    metadata: {labels:",
            "    metadata: {annotations: {container.apparmor.security.beta.kubernetes.io/o: unconfined}, labels:",
        )
        .replace(
            "seccompProfile: {type: RuntimeDefault}}",
            "seccompProfile: {type: RuntimeDefault}, sysctls: [{name: kernel.msgmax, value: '1'}], seLinuxOptions: {type: spc_t}}",
        )
        .replace(
            "capabilities: {drop: [ALL]}}",
            "capabilities: {drop: [ALL]}, appArmorProfile: {type: Unconfined}, seLinuxOptions: {user: root}}",
        );
    let f = fields(&run(&bad));
    assert_eq!(
        f,
        [
            "spec.template.spec.securityContext.seLinuxOptions.type",
            "spec.template.spec.securityContext.sysctls[0].name",
            "spec.template.metadata.annotations.container.apparmor.security.beta.kubernetes.io/o",
            "spec.template.spec.containers[0].securityContext.seLinuxOptions.user",
            "spec.template.spec.containers[0].securityContext.appArmorProfile.type",
        ]
    );
}

#[test]
fn inline_secret_objects_and_literal_config_secrets_are_errors() {
    let d = run("apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: ns}\nstringData: {a: b}\n");
    assert_eq!(fields(&d), ["stringData"]);
    let d = run("apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: ns}\ntype: Opaque\n");
    assert!(d.is_empty());
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ns}\ndata:\n  maverics.yaml: |\n    connectors:\n    - name: idp\n      oauthClientSecret: hunter2\n      clientSecretRef: fine\n    - name: ok\n      oauthClientSecret: <idp.secret>\n      password: '{{ env.PW }}'\n";
    assert_eq!(fields(&run(cm)), ["data.maverics.yaml:connectors[0].oauthClientSecret"]);
}

#[test]
fn config_scan_finds_keys_and_pem_anywhere() {
    let v: Value = serde_yaml::from_str(
        "a: {encryptionKey: abc, signingKeyFile: /x}\nb: ['-----BEGIN RSA PRIVATE KEY-----\nx']\nsmtp: {password: 1234}\n",
    )
    .unwrap();
    let paths: Vec<_> = crate::secrets::scan(&v, "spec.config")
        .into_iter()
        .map(|f| f.path)
        .collect();
    assert_eq!(
        paths,
        [
            "spec.config.a.encryptionKey",
            "spec.config.b[0]",
            "spec.config.smtp.password"
        ]
    );
}

/// `check` on any stream: the detector runs on every object, nested `List`s, the config
/// files of ConfigMaps (`maverics.yml` too) and the object `kubectl apply` last saw.
#[test]
fn literal_secrets_are_found_in_any_object_of_a_stream() {
    let cases: &[(&str, &[&str])] = &[
        (
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: s}\n  stringData: {a: b}\n",
            &["items[0].stringData"],
        ),
        (
            "apiVersion: v1\nkind: ConfigMapList\nitems:\n- apiVersion: v1\n  kind: List\n  items:\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {api_key: k1}}\n",
            &["items[0].items[0].data.api_key"],
        ),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {DB_TOKEN: abc, tokenLifetime: 1h, idleTimeout: 5m}\n",
            &["data.DB_TOKEN"],
        ),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  maverics.yml: \"connectors:\\n- name: idp\\n  oauthClientSecret: s3cr3t\\n\"\n",
            &["data.maverics.yml:connectors[0].oauthClientSecret"],
        ),
        (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        env:\n        - {name: API_TOKEN, value: abc}\n        - {name: TOKEN_FILE, value: /run/t}\n        - {name: DB_PASSWORD, value: '$(FROM_SECRET)'}\n",
            &["spec.template.spec.containers[0].env[0].value"],
        ),
        (
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"data\":{\"tls.crt\":\"eA==\"}}'\n",
            &["metadata.annotations.kubectl.kubernetes.io/last-applied-configuration:data"],
        ),
        (
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  annotations: {backend: 'redis://:hunter2@redis:6379', auth: 'Authorization: Basic dXNlcjpwYXNz'}\n",
            &["metadata.annotations.backend", "metadata.annotations.auth"],
        ),
    ];
    for (yaml, want) in cases {
        // Parsed as one document, so a `List` reaches the check whole (as in function mode).
        let doc: Value = serde_yaml::from_str(yaml).unwrap();
        let only_secrets = Settings {
            pod_security: false,
            sticky_sessions: false,
            sanity: false,
            ..Settings::default()
        };
        let found = check_stream(&[doc], &only_secrets);
        assert_eq!(fields(&found), *want, "{yaml}");
        let text = format!("{found:?}");
        for secret in ["abc", "k1", "s3cr3t", "hunter2", "dXNlcjpwYXNz", "eA=="] {
            assert!(!text.contains(secret), "a finding echoes `{secret}`: {text}");
        }
    }
}

const SCALED: &str = r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: m, namespace: ns}
spec:
  replicas: 3
  template:
    metadata: {labels: {app.kubernetes.io/name: maverics-orchestrator}}
    spec:
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      volumes: [{name: c, configMap: {name: m-config}}]
      containers:
      - {name: o, image: r/o:v1, securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: m-config, namespace: ns}
data:
  maverics.yaml: |
    apps: [{name: a, type: proxy}]
---
apiVersion: v1
kind: Service
metadata: {name: m, namespace: ns}
spec: {selector: {app.kubernetes.io/name: maverics-orchestrator}}
"#;

fn with(exposure: &str) -> Vec<Diagnostic> {
    run(&format!("{SCALED}---\n{exposure}"))
}

const INGRESS: &str = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: i\n  namespace: ns\n  annotations: {ANN}\nspec:\n  ingressClassName: CLASS\n  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: m, port: {name: http}}}}]}}]\n";

fn ingress(class: &str, ann: &str) -> String {
    INGRESS.replace("CLASS", class).replace("ANN", ann)
}

#[test]
fn stickiness_on_ingresses() {
    let d = run(SCALED);
    assert_eq!(fields(&d), ["spec"], "no exposure: a warning, not silence");
    assert!(!d[0].is_error(), "{d:?}");
    assert_eq!(
        d[0].message,
        "the orchestrator runs up to 3 replicas in proxy mode and keeps each session in one pod, but no Ingress, \
         Route or HTTPRoute in this stream sends traffic to it: its cookie affinity is unchecked"
    );
    assert!(d[0].fix.as_deref().unwrap().contains("`maverics_session`"), "{d:?}");
    // An exposure of another Service is no exposure of the orchestrator.
    let other = INGRESS
        .replace("name: m, port", "name: other, port")
        .replace("CLASS", "alb")
        .replace("ANN", "");
    assert_eq!(fields(&with(&other)), ["spec"]);
    // One replica, or not proxy mode: nothing to warn about.
    assert!(run(&SCALED.replace("replicas: 3", "replicas: 1")).is_empty());
    assert!(run(&SCALED.replace("type: proxy", "type: oidc")).is_empty());
    let d = with(&ingress("alb", ""));
    assert_eq!(fields(&d), ["metadata.annotations"]);
    assert!(d[0].fix.as_deref().unwrap().contains("cookie_name=maverics_session"));
    let ok = "alb.ingress.kubernetes.io/target-type: ip, alb.ingress.kubernetes.io/target-group-attributes: 'stickiness.enabled=true,stickiness.type=app_cookie,stickiness.app_cookie.cookie_name=maverics_session'";
    assert!(with(&ingress("alb", ok)).is_empty());
    let wrong_cookie = ok.replace("cookie_name=maverics_session", "cookie_name=other");
    assert_eq!(
        fields(&with(&ingress("alb", &wrong_cookie))),
        ["metadata.annotations.alb.ingress.kubernetes.io/target-group-attributes"]
    );
    let lb = "alb.ingress.kubernetes.io/target-group-attributes: 'stickiness.enabled=true,stickiness.type=lb_cookie'";
    assert_eq!(
        fields(&with(&ingress("alb", lb))),
        ["metadata.annotations.alb.ingress.kubernetes.io/target-type"]
    );
    assert!(with(&ingress("nginx", "nginx.ingress.kubernetes.io/affinity: cookie")).is_empty());
    assert_eq!(with(&ingress("traefik", "")).len(), 1);
    assert!(
        with(&ingress(
            "traefik",
            "krm.maverics.dev/session-affinity: traefik sticky cookie"
        ))
        .is_empty()
    );
    // One replica: no affinity needed.
    assert!(
        run(&format!(
            "{}---\n{}",
            SCALED.replace("replicas: 3", "replicas: 1"),
            ingress("alb", "")
        ))
        .is_empty()
    );
    // Not proxy mode: no affinity needed.
    assert!(
        run(&format!(
            "{}---\n{}",
            SCALED.replace("type: proxy", "type: oidc"),
            ingress("alb", "")
        ))
        .is_empty()
    );
}

/// Application Gateway for Containers: the affinity lives in the IngressExtension the Ingress
/// names, for the orchestrator's Service.
#[test]
fn stickiness_on_agc_ingresses_is_read_from_the_ingress_extension() {
    let ann = "alb.networking.azure.io/alb-ingress-extension: x";
    let ext = |backend: &str| {
        format!(
            "---\napiVersion: alb.networking.azure.io/v1\nkind: IngressExtension\nmetadata: {{name: x, namespace: ns}}\nspec: {{backendSettings: [{backend}]}}\n"
        )
    };
    let field = ["metadata.annotations.alb.networking.azure.io/alb-ingress-extension"];
    let agc = ingress("azure-alb-external", ann);
    let managed = ext("{service: m, sessionAffinity: {affinityType: managed-cookie}}");
    assert!(with(&format!("{agc}{managed}")).is_empty());
    let app = ext(
        "{service: m, sessionAffinity: {affinityType: application-cookie, cookieName: maverics_affinity, cookieDuration: 3600s}}",
    );
    assert!(with(&format!("{agc}{app}")).is_empty());
    // Missing extension, no affinity, affinity for another Service, the session cookie itself.
    let d = with(&agc);
    assert_eq!(fields(&d), field);
    assert!(
        d[0].message.contains("its IngressExtension `x` is not in this stream"),
        "{d:?}"
    );
    let d = with(&format!("{agc}{}", ext("{service: m}")));
    assert!(d[0].message.contains("sets no sessionAffinity"), "{d:?}");
    let d = with(&format!(
        "{agc}{}",
        ext("{service: other, sessionAffinity: {affinityType: managed-cookie}}")
    ));
    assert_eq!(fields(&d), field);
    let d = with(&format!(
        "{agc}{}",
        ext("{service: m, sessionAffinity: {affinityType: application-cookie, cookieName: maverics_session}}")
    ));
    assert!(d[0].message.contains("which AGC would overwrite"), "{d:?}");
    // An AGC Ingress with no extension annotation has no affinity at all.
    let d = with(&ingress("azure-alb-external", ""));
    assert_eq!(fields(&d), ["metadata.annotations"]);
    assert!(d[0].fix.as_deref().unwrap().contains("IngressExtension"), "{d:?}");
}

#[test]
fn stickiness_on_routes_and_http_routes() {
    let route = "apiVersion: route.openshift.io/v1\nkind: Route\nmetadata: {name: r, namespace: ns, annotations: ANN}\nspec: {to: {kind: Service, name: m}, tls: {termination: TERM}}\n";
    assert!(with(&route.replace("ANN", "{}").replace("TERM", "reencrypt")).is_empty());
    assert_eq!(
        fields(&with(&route.replace("ANN", "{}").replace("TERM", "passthrough"))),
        ["spec.tls.termination"]
    );
    assert_eq!(
        fields(&with(
            &route
                .replace("ANN", "{haproxy.router.openshift.io/disable_cookies: 'true'}")
                .replace("TERM", "edge")
        )),
        ["metadata.annotations.haproxy.router.openshift.io/disable_cookies"]
    );
    let hr = "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: h, namespace: ns}\nspec:\n  rules:\n  - backendRefs: [{name: other, port: 80}]\n  - backendRefs: [{name: m, port: 8080}]\n    SP\n";
    assert_eq!(
        fields(&with(&hr.replace("SP", ""))),
        ["spec.rules[1].sessionPersistence"]
    );
    assert!(with(&hr.replace("SP", "sessionPersistence: {sessionName: MAVERICS_GW, type: Cookie}")).is_empty());
    // An HTTPRoute whose rules all go elsewhere exposes nothing of the orchestrator.
    let elsewhere = hr
        .replace("name: m, port: 8080", "name: other2, port: 8080")
        .replace("SP", "");
    let d = with(&elsewhere);
    assert_eq!(fields(&d), ["spec"]);
    assert!(!d[0].is_error());
}

#[test]
fn oidc_provider_without_cache_in_the_stream() {
    let s = SCALED.replace("apps: [{name: a, type: proxy}]", "oidcProvider: {}");
    assert_eq!(fields(&run(&s)), ["spec"]);
}

#[test]
fn sanity_rules() {
    // Exposed with affinity, so the stickiness rules say nothing here.
    let exposed = format!(
        "{SCALED}---\n{}",
        ingress("nginx", "nginx.ingress.kubernetes.io/affinity: cookie")
    );
    let hpa = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h, namespace: default}\nspec: {minReplicas: 5, maxReplicas: 2, scaleTargetRef: {kind: StatefulSet, name: m}}\n";
    let d = run(hpa);
    assert_eq!(fields(&d), ["metadata.namespace", "spec.minReplicas"]);
    assert!(!d[0].is_error() && d[1].is_error());
    let pdb = "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: p, namespace: ns}\nspec: {minAvailable: 3, selector: {matchLabels: {app.kubernetes.io/name: maverics-orchestrator}}}\n";
    assert_eq!(fields(&run(&format!("{exposed}---\n{pdb}"))), ["spec"]);
    assert!(
        run(&format!(
            "{exposed}---\n{}",
            pdb.replace("minAvailable: 3", "minAvailable: 2")
        ))
        .is_empty()
    );
    assert_eq!(
        fields(&run(&pdb.replace("minAvailable: 3", "maxUnavailable: 0%"))),
        ["spec"]
    );
    let res = HARDENED.replace("requests: {cpu: 500m}", "requests: {cpu: '2', memory: 500mb}");
    assert_eq!(
        fields(&run(&res)),
        [
            "spec.template.spec.containers[0].resources.requests.memory",
            "spec.template.spec.containers[0].resources.requests.cpu"
        ]
    );
    let d = run(&HARDENED.replace("r/o:v1", "registry:5000/o"));
    assert_eq!(fields(&d), ["spec.template.spec.containers[0].image"]);
    assert!(d[0].is_error());
    let d = run(&HARDENED.replace("r/o:v1", "r/o:latest"));
    assert!(!d[0].is_error());
    assert!(run(&HARDENED.replace("r/o:v1", "r/o@sha256:abc")).is_empty());
}

#[test]
fn settings_turn_families_off() {
    let s = Settings {
        pod_security: false,
        ..Settings::default()
    };
    let bad = HARDENED.replace("allowPrivilegeEscalation: false", "privileged: true");
    assert!(check_stream(&items(&bad), &s).is_empty());
}

/// A GKE Ingress sticks through the BackendConfig its Service names; without one, or with
/// `NONE`, a scaled proxy is refused.
#[test]
fn stickiness_on_gke_ingresses() {
    let gce = INGRESS
        .replace("  ingressClassName: CLASS\n", "")
        .replace("ANN", "kubernetes.io/ingress.class: gce");
    let svc = "metadata: {name: m, namespace: ns}\nspec: {selector";
    let annotated = |bc: &str| {
        SCALED.replace(
            svc,
            &format!("metadata: {{name: m, namespace: ns, annotations: {{cloud.google.com/backend-config: '{bc}'}}}}\nspec: {{selector"),
        )
    };
    let backend = |affinity: &str| {
        format!(
            "apiVersion: cloud.google.com/v1\nkind: BackendConfig\nmetadata: {{name: bc, namespace: ns}}\n\
             spec: {{sessionAffinity: {{affinityType: {affinity}}}}}\n"
        )
    };
    let errors = |stream: String| -> Vec<String> {
        run(&stream)
            .into_iter()
            .filter(|d| d.is_error())
            .map(|d| d.message)
            .collect()
    };
    let none = errors(format!("{SCALED}---\n{gce}"));
    assert!(
        none.len() == 1 && none[0].contains("names no BackendConfig"),
        "{none:?}"
    );
    let default = annotated(r#"{"default":"bc"}"#);
    let missing = errors(format!("{default}---\n{gce}"));
    assert!(
        missing.len() == 1 && missing[0].contains("`bc` that Service `m` names is not in this stream"),
        "{missing:?}"
    );
    let unstuck = errors(format!("{default}---\n{gce}---\n{}", backend("NONE")));
    assert!(
        unstuck.len() == 1 && unstuck[0].contains("session affinity `NONE`"),
        "{unstuck:?}"
    );
    for sticky in ["GENERATED_COOKIE", "CLIENT_IP"] {
        assert!(
            errors(format!("{default}---\n{gce}---\n{}", backend(sticky))).is_empty(),
            "{sticky}"
        );
    }
    let per_port = annotated(r#"{"ports":{"http":"bc"}}"#);
    assert!(errors(format!("{per_port}---\n{gce}---\n{}", backend("GENERATED_COOKIE"))).is_empty());
}

/// The fields the inline-secret rules check by name are left out of the generic scan only
/// where they are those fields: a tagged key or a tagged mapping is scanned like any other,
/// so a secret behind `!x stringData` is still found (a reader that ignores the tag would
/// apply it). Findings come in document order.
#[test]
fn tagged_fields_are_scanned_and_findings_keep_document_order() {
    let tagged_key =
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n!x stringData:\n  password: hunter2hunter2xx\n";
    assert_eq!(
        fields(&run(tagged_key)),
        ["stringData.password"],
        "{:?}",
        run(tagged_key)
    );

    let tagged_annotations = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations: !x\n    krm.maverics.dev/allow-inline-secret: a reason here\n    db-password: hunter2hunter2xx\n";
    let found = run(tagged_annotations);
    assert!(
        found
            .iter()
            .any(|d| d.message.contains("allow-inline-secret") && d.message.contains("db-password")),
        "the reason under a tagged mapping is scanned as any value: {found:?}"
    );

    let order = "apiVersion: v1\nkind: Secret\ndata: {a: YWJj}\nmetadata: {name: s, annotations: {db-password: hunter2hunter2xx}}\napi-token: abcd1234efgh5678zz\n";
    assert_eq!(
        fields(&run(order)),
        ["data", "metadata.annotations.db-password", "api-token"],
        "{:?}",
        run(order)
    );
}

/// Host-owned annotations are the host's, also under a leading empty key, which adds
/// nothing to a field path.
#[test]
fn host_annotations_hold_no_example_values_under_an_empty_key() {
    let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n\"\": {metadata: {annotations: {config.k8s.io/id: host.example.com}}}\n";
    assert!(run(yaml).is_empty(), "{:?}", run(yaml));
}
