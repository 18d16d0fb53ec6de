//! Unit tests of `diff::flags`.

use super::*;

fn y(s: &str) -> Value {
    super::super::normalize::normalize(serde_yaml::from_str(s).unwrap())
}

fn rules(kind: &str, o: Option<&str>, n: Option<&str>) -> Vec<Rule> {
    let (o, n) = (o.map(y), n.map(y));
    check(kind, o.as_ref(), n.as_ref())
        .into_iter()
        .map(|f| f.rule)
        .collect()
}

const NP: &str = "spec:\n  podSelector: {matchLabels: {app: a}}\n  policyTypes: [Ingress, Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 10.1.0.0/16}}]\n    ports: [{port: 443, protocol: TCP}]\n";

#[test]
fn network_policy_removed_or_widened_is_flagged_but_narrowed_is_not() {
    assert_eq!(rules("NetworkPolicy", Some(NP), None), [Rule::NetworkPolicy]);
    let wider_cidr = NP.replace("10.1.0.0/16", "0.0.0.0/0");
    assert_eq!(
        rules("NetworkPolicy", Some(NP), Some(&wider_cidr)),
        [Rule::NetworkPolicy]
    );
    let any_port = NP.replace("    ports: [{port: 443, protocol: TCP}]\n", "");
    assert_eq!(rules("NetworkPolicy", Some(NP), Some(&any_port)), [Rule::NetworkPolicy]);
    let no_egress_type = NP.replace("[Ingress, Egress]", "[Ingress]");
    assert_eq!(
        rules("NetworkPolicy", Some(NP), Some(&no_egress_type)),
        [Rule::NetworkPolicy]
    );
    // Narrowing: fewer ports, or no egress rule at all (deny), is not flagged.
    assert!(rules("NetworkPolicy", Some(&any_port), Some(NP)).is_empty());
    let deny = NP.split("  egress:").next().unwrap().to_owned();
    assert!(rules("NetworkPolicy", Some(NP), Some(&deny)).is_empty());
}

const STS: &str = "spec:\n  serviceName: h\n  selector: {matchLabels: {app: a}}\n  replicas: 2\n  template:\n    spec:\n      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n      containers:\n      - name: c\n        image: r/i:1\n        securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}\n";

#[test]
fn security_context_weakened() {
    for (from, to) in [
        ("allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true"),
        ("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false"),
        ("runAsNonRoot: true", "runAsNonRoot: false"),
        ("type: RuntimeDefault", "type: Unconfined"),
        ("drop: [ALL]", "drop: [NET_RAW]"),
        ("drop: [ALL]", "drop: [ALL], add: [NET_ADMIN]"),
    ] {
        let weaker = STS.replace(from, to);
        assert_eq!(
            rules("StatefulSet", Some(STS), Some(&weaker)),
            [Rule::SecurityContext],
            "{from} -> {to}"
        );
        // The other way round it is a hardening, not flagged.
        assert!(
            rules("StatefulSet", Some(&weaker), Some(STS)).is_empty(),
            "{to} -> {from}"
        );
    }
    let sa = |v: &str| format!("automountServiceAccountToken: {v}\n");
    assert_eq!(
        rules("ServiceAccount", Some(&sa("false")), Some(&sa("true"))),
        [Rule::SecurityContext]
    );
}

#[test]
fn replicas_and_autoscaling_bounds() {
    assert_eq!(
        rules(
            "StatefulSet",
            Some(STS),
            Some(&STS.replace("replicas: 2", "replicas: 3"))
        ),
        [Rule::Scaling]
    );
    let hpa = "spec: {minReplicas: 2, maxReplicas: 3}";
    let f = check(
        "HorizontalPodAutoscaler",
        Some(&y(hpa)),
        Some(&y(&hpa.replace('3', "5"))),
    );
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].message, "spec.maxReplicas: 3 -> 5");
    assert_eq!(rules("HorizontalPodAutoscaler", Some(hpa), None), [Rule::Scaling]);
}

#[test]
fn image_changed() {
    let f = check("StatefulSet", Some(&y(STS)), Some(&y(&STS.replace("r/i:1", "r/i:2"))));
    assert_eq!(f, [flag(Rule::Image, "container c: r/i:1 -> r/i:2")]);
}

#[test]
fn service_to_load_balancer_and_cluster_ip_change() {
    let svc = "spec: {type: ClusterIP, clusterIP: None}";
    assert_eq!(
        rules(
            "Service",
            Some(svc),
            Some("spec: {type: LoadBalancer, clusterIP: None}")
        ),
        [Rule::LoadBalancer]
    );
    assert_eq!(
        rules("Service", None, Some("spec: {type: LoadBalancer}")),
        [Rule::LoadBalancer]
    );
    assert_eq!(
        rules("Service", Some(svc), Some("spec: {type: ClusterIP}")),
        [Rule::ImmutableField]
    );
}

#[test]
fn statefulset_immutable_fields() {
    for (from, to) in [
        ("serviceName: h", "serviceName: other"),
        ("{matchLabels: {app: a}}", "{matchLabels: {app: b}}"),
        (
            "  replicas: 2\n",
            "  replicas: 2\n  volumeClaimTemplates: [{metadata: {name: d}}]\n",
        ),
    ] {
        assert_eq!(
            rules("StatefulSet", Some(STS), Some(&STS.replace(from, to))),
            [Rule::ImmutableField],
            "{to}"
        );
    }
}
