use crate::config::{Orchestrator, checks};

/// The fields of the errors `checks::check_orchestrator` finds in a config whose spec is `spec`.
fn errors(spec: &str) -> Vec<String> {
    let text =
        format!("apiVersion: krm.maverics.dev/v1alpha1\nkind: Orchestrator\nmetadata: {{name: m}}\nspec:\n{spec}");
    let o = Orchestrator::from_value(&serde_yaml::from_str(&text).unwrap(), None).unwrap();
    checks::check_orchestrator(&o)
        .into_iter()
        .filter(|d| d.is_error())
        .map(|d| d.field.unwrap_or_default())
        .collect()
}

#[test]
fn each_field_the_api_server_checks_is_checked_here() {
    let cases: &[(&str, &str)] = &[
        ("  image: {repository: 'strata/orch;rm -rf'}", "spec.image.repository"),
        ("  image: {repository: 'strata/orch estrator'}", "spec.image.repository"),
        (
            "  image: {repository: \"strata/orch\\nestrator\"}",
            "spec.image.repository",
        ),
        ("  image: {repository: Strata/Orchestrator}", "spec.image.repository"),
        ("  image: {tag: 'v1:v2'}", "spec.image.tag"),
        ("  image: {tag: 'v1@sha256'}", "spec.image.tag"),
        (
            "  autoscaling: {enabled: false}\n  replicas: 3000000000",
            "spec.replicas",
        ),
        (
            "  autoscaling: {maxReplicas: 3000000000}",
            "spec.autoscaling.maxReplicas",
        ),
        (
            "  autoscaling: {scaleDown: {periodSeconds: 0}}",
            "spec.autoscaling.scaleDown",
        ),
        (
            "  autoscaling: {scaleDown: {stabilizationWindowSeconds: 7200}}",
            "spec.autoscaling.scaleDown.stabilizationWindowSeconds",
        ),
        (
            "  autoscaling: {targetMemoryUtilizationPercentage: 0}",
            "spec.autoscaling.targetMemoryUtilizationPercentage",
        ),
        ("  resources: {limits: {cpu: 1e309}}", "spec.resources.limits.cpu"),
        (
            "  resources: {limits: {memory: '1e309'}}",
            "spec.resources.limits.memory",
        ),
        (
            "  pod: {terminationGracePeriodSeconds: -1}",
            "spec.pod.terminationGracePeriodSeconds",
        ),
        ("  pod: {labels: {team: 'a b'}}", "spec.pod.labels.team"),
        (
            "  pod: {labels: {team: 'x' }}\n  serviceAccount: {annotations: {'bad key': x}}",
            "spec.serviceAccount.annotations.bad key",
        ),
        (
            "  pod: {annotations: {'Example.com/x': y}}",
            "spec.pod.annotations.Example.com/x",
        ),
        (
            "  pod: {nodeSelector: {zone: \"x' || all() || '\"}}",
            "spec.pod.nodeSelector.zone",
        ),
        ("  pod: {imagePullSecrets: [Regcred]}", "spec.pod.imagePullSecrets[0]"),
        (
            "  pod: {priorityClassName: 'high priority'}",
            "spec.pod.priorityClassName",
        ),
        (
            "  secrets: {storeRef: {name: s}, refreshInterval: 1d, values: [{name: a.b, remoteRef: {key: k}}]}",
            "spec.secrets.refreshInterval",
        ),
        (
            "  secrets: {storeRef: {name: s}, refreshInterval: '-1h', values: [{name: a.b, remoteRef: {key: k}}]}",
            "spec.secrets.refreshInterval",
        ),
        ("  tls: {secretName: My_Cert}", "spec.tls.secretName"),
        ("  persistence: {enabled: true, size: 1e309}", "spec.persistence.size"),
        (
            "  persistence: {enabled: true, storageClassName: GP3}",
            "spec.persistence.storageClassName",
        ),
        (
            "  ingress: {enabled: true, className: alb, hosts: ['a.*.example.com']}",
            "spec.ingress.hosts[0]",
        ),
        (
            "  ingress: {enabled: true, className: alb, hosts: ['10.0.0.1']}",
            "spec.ingress.hosts[0]",
        ),
        (
            "  ingress: {enabled: true, className: alb, hosts: ['SSO.example.com']}",
            "spec.ingress.hosts[0]",
        ),
        (
            "  ingress: {enabled: true, className: alb, path: 'app'}",
            "spec.ingress.path",
        ),
        (
            "  ingress: {enabled: true, className: alb, path: '/a//b'}",
            "spec.ingress.path",
        ),
        (
            "  ingress: {enabled: true, className: alb, pathType: prefix}",
            "spec.ingress.pathType",
        ),
        (
            "  ingress: {enabled: true, className: alb, tls: [{secretName: t, hosts: ['*']}]}",
            "spec.ingress.tls[0].hosts[0]",
        ),
        (
            "  ingress: {enabled: true, className: alb, annotations: {'a/b/c': x}}",
            "spec.ingress.annotations.a/b/c",
        ),
        (
            "  gateway: {enabled: true, parentRefs: [{name: gw}], hostnames: ['a..b']}",
            "spec.gateway.hostnames[0]",
        ),
        (
            "  gateway: {enabled: true, parentRefs: [{name: gw}], sessionPersistence: {sessionName: 'a;b'}}",
            "spec.gateway.sessionPersistence.sessionName",
        ),
        (
            "  gateway: {enabled: true, parentRefs: [{name: gw}], sessionPersistence: {sessionName: 'a=b, c'}}",
            "spec.gateway.sessionPersistence.sessionName",
        ),
        (
            "  config: {session: {cookie: {name: 'sid,x=y'}}}",
            "spec.config.session.cookie.name",
        ),
        (
            "  networkPolicy: {ingressFrom: [{ipBlock: {cidr: 10.0.0.1/16}}]}",
            "spec.networkPolicy.ingressFrom[0].ipBlock.cidr",
        ),
        (
            "  networkPolicy: {ingressFrom: [{ipBlock: {cidr: '2001:db8::1/32'}}]}",
            "spec.networkPolicy.ingressFrom[0].ipBlock.cidr",
        ),
        (
            "  networkPolicy: {ingressFrom: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/33]}}]}",
            "spec.networkPolicy.ingressFrom[0].ipBlock.except[0]",
        ),
        (
            "  networkPolicy: {ingressFrom: [{podSelector: {matchLabels: {app: \"x' || all() || '\"}}}]}",
            "spec.networkPolicy.ingressFrom[0].podSelector.matchLabels.app",
        ),
        (
            "  networkPolicy: {ingressFrom: [{namespaceSelector: {matchExpressions: [{key: a, operator: in, values: [b]}]}}]}",
            "spec.networkPolicy.ingressFrom[0].namespaceSelector.matchExpressions[0].operator",
        ),
        (
            "  networkPolicy: {egress: [{ports: [{port: 0, protocol: TCP}]}]}",
            "spec.networkPolicy.egress[0].ports[0].port",
        ),
        (
            "  networkPolicy: {egress: [{ports: [{port: 70000, protocol: TCP}]}]}",
            "spec.networkPolicy.egress[0].ports[0].port",
        ),
        (
            "  networkPolicy: {egress: [{ports: [{port: 443, protocol: ICMP}]}]}",
            "spec.networkPolicy.egress[0].ports[0].protocol",
        ),
        (
            "  networkPolicy: {egress: [{ports: [{port: 443, protocol: tcp}]}]}",
            "spec.networkPolicy.egress[0].ports[0].protocol",
        ),
        (
            "  networkPolicy: {egress: [{ports: [{port: 8000, endPort: 7000, protocol: TCP}]}]}",
            "spec.networkPolicy.egress[0].ports[0].endPort",
        ),
        (
            "  networkPolicy: {egress: [{ports: [{port: 'HTTPS', protocol: TCP}]}]}",
            "spec.networkPolicy.egress[0].ports[0].port",
        ),
        (
            "  mounts: [{name: Ext, mountPath: /ext, emptyDir: {}}]",
            "spec.mounts[0].name",
        ),
    ];
    for (spec, field) in cases {
        assert_eq!(errors(spec), [*field], "{spec}");
    }
}

#[test]
fn honest_values_pass() {
    for spec in [
        "  image: {repository: '123456789012.dkr.ecr.us-east-1.amazonaws.com/maverics', tag: v2026.01.2}",
        "  secrets: {storeRef: {name: s}, refreshInterval: 1h30m, values: [{name: a.b, remoteRef: {key: k}}]}",
        "  ingress: {enabled: true, className: alb, hosts: ['*.example.com', sso.example.com], path: /app}",
        "  networkPolicy: {ingressFrom: [{ipBlock: {cidr: '2001:db8::/32'}}], egress: [{ports: [{port: https, protocol: TCP}]}]}",
        "  resources: {limits: {memory: 1Ei}}",
    ] {
        assert_eq!(errors(spec), Vec::<String>::new(), "{spec}");
    }
}

#[test]
fn values_are_shown_escaped_and_short() {
    assert_eq!(super::shown("a\nb\u{1b}[31m 'q'"), "a\\nb\\u{1b}[31m 'q'");
    assert!(super::shown(&"x".repeat(200)).ends_with("..."));
}
