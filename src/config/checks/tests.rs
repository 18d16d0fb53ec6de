use super::*;

/// (is_error, field) of each finding for a config whose spec is `spec`.
fn findings(spec: &str) -> Vec<(bool, String)> {
    let text =
        format!("apiVersion: krm.maverics.dev/v1alpha1\nkind: Orchestrator\nmetadata: {{name: m}}\nspec:\n{spec}");
    let v: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let o = Orchestrator::from_value(&v, None).unwrap();
    check_orchestrator(&o)
        .into_iter()
        .map(|d| (d.is_error(), d.field.unwrap_or_default()))
        .collect()
}

fn errors(spec: &str) -> Vec<String> {
    findings(spec).into_iter().filter(|f| f.0).map(|f| f.1).collect()
}

fn warnings(spec: &str) -> Vec<String> {
    findings(spec).into_iter().filter(|f| !f.0).map(|f| f.1).collect()
}

#[test]
fn the_defaults_pass() {
    assert!(findings("  namespace: maverics\n").is_empty());
}

#[test]
fn sanity_rules_name_their_fields() {
    assert_eq!(
        errors("  autoscaling: {minReplicas: 6, maxReplicas: 5}\n"),
        ["spec.autoscaling.minReplicas"]
    );
    assert_eq!(
        errors("  podDisruptionBudget: {maxUnavailable: 0}\n"),
        ["spec.podDisruptionBudget"]
    );
    assert_eq!(
        errors("  podDisruptionBudget: {maxUnavailable: null, minAvailable: 2}\n"),
        ["spec.podDisruptionBudget"]
    );
    assert!(errors("  podDisruptionBudget: {maxUnavailable: null, minAvailable: 1}\n").is_empty());
    assert_eq!(
        errors("  resources: {requests: {cpu: '2'}}\n"),
        ["spec.resources.requests.cpu"]
    );
    assert_eq!(
        errors("  resources: {limits: {memory: 500mb}}\n"),
        ["spec.resources.limits.memory"]
    );
    assert_eq!(errors("  image: {tag: null}\n"), ["spec.image"]);
    assert_eq!(warnings("  image: {tag: latest}\n"), ["spec.image.tag"]);
    assert_eq!(warnings("  namespace: default\n"), ["spec.namespace"]);
}

#[test]
fn an_oidc_provider_that_scales_needs_a_shared_cache() {
    assert_eq!(
        errors("  config: {oidcProvider: {}}\n"),
        ["spec.config.oidcProvider.cache"]
    );
    assert!(errors("  autoscaling: {enabled: false}\n  replicas: 1\n  config: {oidcProvider: {}}\n").is_empty());
    let cached = "  config:\n    oidcProvider: {cache: c}\n    caches: [{name: c, type: redis, redis: {addresses: ['10.0.0.5:6380']}}]\n";
    assert!(findings(cached).is_empty(), "{:?}", findings(cached));
}

#[test]
fn literal_secrets_in_the_config_are_errors() {
    assert_eq!(
        errors("  config: {connectors: [{name: a, oauthClientSecret: s3cr3t}]}\n"),
        ["spec.config.connectors[0].oauthClientSecret"]
    );
    assert!(errors("  config: {connectors: [{name: a, oauthClientSecret: <a.b>}]}\n").is_empty());
}

const PROXY: &str = "  config: {apps: [{name: a, type: proxy}]}\n";

#[test]
fn a_scaled_proxy_behind_the_generated_ingress_needs_affinity() {
    let ing = |rest: &str| format!("{PROXY}  ingress: {{enabled: true, {rest}}}\n");
    assert!(errors(&ing("className: alb")).is_empty());
    assert!(errors(&ing("className: nginx")).is_empty());
    assert_eq!(errors(&ing("className: traefik")), ["spec.ingress.className"]);
    assert_eq!(
        errors(&ing("className: alb, stickySessions: {enabled: false}")),
        ["spec.ingress.stickySessions.enabled"]
    );
    assert!(
        errors(&ing(
            "className: traefik, annotations: {krm.maverics.dev/session-affinity: traefik sticky}"
        ))
        .is_empty()
    );
    assert_eq!(
        errors(&ing("className: alb, stickySessions: {durationSeconds: 0}")),
        ["spec.ingress.stickySessions.durationSeconds"]
    );
    // One replica: no affinity needed.
    let one = format!(
        "  autoscaling: {{enabled: false}}\n  replicas: 1\n{}",
        ing("className: traefik")
    );
    assert!(errors(&one).is_empty());
}

#[test]
fn in_cluster_upstreams_without_a_stated_target_port_warn_with_the_fix() {
    let c = "  config: {apps: [{upstream: 'http://web.apps.svc:80'}]}\n";
    let o = {
        let text =
            format!("apiVersion: krm.maverics.dev/v1alpha1\nkind: Orchestrator\nmetadata: {{name: m}}\nspec:\n{c}");
        Orchestrator::from_value(&serde_yaml::from_str(&text).unwrap(), None).unwrap()
    };
    let d = check_orchestrator(&o);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].field.as_deref(), Some("spec.config.apps[0].upstream"));
    assert!(
        d[0].fix
            .as_deref()
            .unwrap()
            .contains("{service: web.apps, port: 80, targetPort:")
    );
    let stated =
        format!("{c}  networkPolicy: {{upstreamPorts: [{{service: web.apps, port: 80, targetPort: 8080}}]}}\n");
    assert!(findings(&stated).is_empty(), "{:?}", findings(&stated));
    let unused =
        format!("{c}  networkPolicy: {{upstreamPorts: [{{service: web.other, port: 80, targetPort: 8080}}]}}\n");
    assert_eq!(
        warnings(&unused),
        ["spec.config.apps[0].upstream", "spec.networkPolicy.upstreamPorts[0]"]
    );
}

#[test]
fn endpoints_outside_the_allowed_ports_warn() {
    let c = "  config: {apps: [{upstream: 'http://legacy.example.com:8081'}, {upstream: 'https://ok.example.com'}, {upstream: 'http://web.apps.svc:8080'}]}\n";
    assert_eq!(
        warnings(c),
        ["spec.config.apps[0].upstream", "spec.config.apps[2].upstream"]
    );
    let open = format!(
        "{c}  networkPolicy: {{egress: [{{ports: [{{port: 443, protocol: TCP}}, {{port: 8000, endPort: 8100, protocol: TCP}}]}}], \
         upstreamPorts: [{{service: web.apps, port: 8080, targetPort: 8080}}]}}\n"
    );
    assert!(findings(&open).is_empty(), "{:?}", findings(&open));
}

#[test]
fn cache_egress_by_host_name_warns_and_names_what_to_add() {
    let c = "  config: {caches: [{name: r, type: redis, redis: {addresses: ['redis:6379']}}]}\n";
    assert_eq!(warnings(c), ["spec.networkPolicy.caches"]);
    let narrowed = format!("{c}  networkPolicy: {{caches: [{{name: r, to: [{{podSelector: {{}}}}]}}]}}\n");
    assert!(findings(&narrowed).is_empty());
    let typo = format!("{c}  networkPolicy: {{caches: [{{name: x, to: []}}]}}\n");
    assert_eq!(errors(&typo), ["spec.networkPolicy.caches[0].name"]);
}
