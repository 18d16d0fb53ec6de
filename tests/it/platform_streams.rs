//! The platform transformer streams: it keeps as trees only the items its plan reads or may
//! change (`platform::kept`) and passes the others through as text, checked for its guard
//! rails as they go by. Over random mixes of the base, foreign objects of every kind its
//! plan, misfit rules and guard rails read, and objects it passes, its output and results
//! are those of the same transformer with every item read as a tree.

use crate::platform::{base_items, platform_config, yaml};
use crate::platform_misfits::gke_gateway_config;
use maverics_krm::function;
use maverics_krm::krm::{Item, ResourceList};
use proptest::prelude::*;
use serde_yaml::{Mapping, Value};
use std::sync::LazyLock;

static BASE: LazyLock<Vec<Value>> = LazyLock::new(base_items);

/// The shipped overlays' configs, and GKE in gateway mode (its misfit rules read HTTPRoutes,
/// Gateways and policies).
static CONFIGS: LazyLock<Vec<Value>> = LazyLock::new(|| {
    let mut gateway = gke_gateway_config();
    // The overlay's `ingress:` block is for `mode: ingress` (refused with a gateway).
    gateway["spec"]["gke"].as_mapping_mut().expect("gke").remove("ingress");
    let mut out: Vec<Value> = ["eks", "rosa", "aks", "gke"].into_iter().map(platform_config).collect();
    out.push(gateway);
    out
});

/// Foreign objects: some the plan reads (a Namespace, an Ingress, an IngressClass, an HPA,
/// Gateway API and affinity policy objects, a ServiceAccount with the name the EKS and ROSA
/// layers give their secrets reader), some it passes (Secrets and ConfigMaps with inline
/// values, a workload failing Pod Security, Services, one in `default`, a budget, a `List`,
/// ConfigMaps with JSON), in the orchestrator's namespace and another.
const FOREIGN: &str = "\
- {apiVersion: v1, kind: Secret, metadata: {name: creds, namespace: team, annotations: {config.kubernetes.io/path: team/secret.yaml, config.kubernetes.io/index: '1'}}, data: {password: aHVudGVyMg==}}
- {apiVersion: v1, kind: ConfigMap, metadata: {name: plain, namespace: maverics}, data: {password: hunter2, mode: 'on'}}
- {apiVersion: apps/v1, kind: Deployment, metadata: {name: w, namespace: team}, spec: {replicas: 2, selector: {matchLabels: {app: w}}, template: {metadata: {labels: {app: w}}, spec: {containers: [{name: c, image: 'r/w:1', env: [{name: TOKEN, value: abc}]}]}}}}
- {apiVersion: policy/v1, kind: PodDisruptionBudget, metadata: {name: p, namespace: team}, spec: {minAvailable: 2, selector: {matchLabels: {app: w}}}}
- {apiVersion: v1, kind: Service, metadata: {name: front, namespace: maverics, annotations: {nginx.ingress.kubernetes.io/affinity: cookie}}, spec: {selector: {app.kubernetes.io/name: maverics-orchestrator}, ports: [{name: http, port: 80}]}}
- {apiVersion: v1, kind: Service, metadata: {name: other, namespace: team}, spec: {selector: {app: w}, ports: [{name: http, port: 80}]}}
- {apiVersion: v1, kind: List, items: [{apiVersion: v1, kind: Secret, metadata: {name: listed}, stringData: {token: abc}}]}
- {apiVersion: v1, kind: Namespace, metadata: {name: team}}
- {apiVersion: v1, kind: Namespace, metadata: {name: maverics, labels: {owner: platform}}}
- {apiVersion: networking.k8s.io/v1, kind: Ingress, metadata: {name: side, namespace: maverics}, spec: {ingressClassName: gce-custom, rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: maverics, port: {number: 443}}}}]}}]}}
- {apiVersion: networking.k8s.io/v1, kind: IngressClass, metadata: {name: gce-custom}, spec: {controller: k8s.io/ingress-gce}}
- {apiVersion: autoscaling/v2, kind: HorizontalPodAutoscaler, metadata: {name: first, namespace: maverics}, spec: {minReplicas: 1, maxReplicas: 1, scaleTargetRef: {kind: StatefulSet, name: maverics}}}
- {apiVersion: gateway.networking.k8s.io/v1, kind: HTTPRoute, metadata: {name: r, namespace: maverics}, spec: {parentRefs: [{name: gw}], rules: [{sessionPersistence: {sessionName: s, type: Cookie}, backendRefs: [{name: maverics, port: 443}]}]}}
- {apiVersion: gateway.networking.k8s.io/v1, kind: Gateway, metadata: {name: gw, namespace: maverics}, spec: {gatewayClassName: gke-l7-global-external-managed}}
- {apiVersion: networking.gke.io/v1, kind: GCPBackendPolicy, metadata: {name: p, namespace: maverics}, spec: {targetRef: {kind: Service, name: maverics}, default: {sessionAffinity: {type: GENERATED_COOKIE}}}}
- {apiVersion: alb.networking.azure.io/v1, kind: RoutePolicy, metadata: {name: rp, namespace: maverics}, spec: {targetRef: {group: gateway.networking.k8s.io, kind: HTTPRoute, name: r}, default: {sessionAffinity: {affinityType: managed-cookie}}}}
- {apiVersion: v1, kind: ServiceAccount, metadata: {name: maverics-secrets-reader, namespace: maverics, annotations: {owner: someone}}}
- {apiVersion: v1, kind: Service, metadata: {name: stray, namespace: default}, spec: {selector: {app: w}, ports: [{name: http, port: 80}]}}
- {apiVersion: v1, kind: ConfigMap, metadata: {name: json, namespace: team}, data: {doc: '{\"clientSecret\": \"s3cr3t-value\"}', host: sso.example.com}}
- {apiVersion: v1, kind: ConfigMap, metadata: {name: clean, namespace: team}, data: {doc: '{\"timeout\": 30}'}}
";

fn foreign() -> Vec<Value> {
    serde_yaml::from_str(FOREIGN).expect("foreign objects")
}

fn input(items: Vec<Value>, fc: &Value) -> String {
    let mut list = Mapping::new();
    list.insert("apiVersion".into(), "config.kubernetes.io/v1".into());
    list.insert("kind".into(), "ResourceList".into());
    list.insert("items".into(), Value::Sequence(items));
    list.insert("functionConfig".into(), fc.clone());
    serde_yaml::to_string(&list).expect("ResourceList")
}

/// The transformer streamed (`function::run`) and on every item as a tree
/// (`function::process` of a list read whole): the same output and results. Returns the
/// streamed response.
fn both(text: &str) -> function::Response {
    let streamed = function::run(text.as_bytes());
    let whole = function::process(ResourceList::parse(text.as_bytes()).expect("input"));
    assert!(whole.list.items.iter().all(|i| i.tree().is_some()));
    assert_eq!(streamed.diagnostics, whole.diagnostics);
    assert_eq!(streamed.to_yaml(), whole.to_yaml());
    streamed
}

#[test]
fn the_platform_layer_streams_with_the_output_and_results_of_every_item_a_tree() {
    // Every foreign object after the base.
    for fc in CONFIGS.iter() {
        let mut items = BASE.clone();
        items.extend(foreign());
        let out = both(&input(items, fc));
        let passed = out.list.items.iter().filter(|i| i.tree().is_none()).count();
        assert!(passed >= 7, "{passed} items passed");
    }
    // Where the plan applies (EKS), the guard rails see the passed items: the inline Secret,
    // the budget that never allows a disruption, the Deployment's Pod Security.
    let mut items = BASE.clone();
    items.extend(foreign());
    let out = both(&input(items, &CONFIGS[0]));
    let said = |what: &str| out.diagnostics.iter().any(|d| d.message.contains(what));
    assert!(said("a Secret with its values inline"), "{:#?}", out.diagnostics);
    assert!(said("can never allow a disruption"), "{:#?}", out.diagnostics);
    assert!(said("runAsNonRoot is set neither"), "{:#?}", out.diagnostics);
    // A clean stream: the plan applies, its changes land on trees between passed items.
    let mut items = BASE.clone();
    items.insert(
        1,
        yaml("{apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: team}, data: {a: b}}"),
    );
    let out = both(&input(items, &CONFIGS[0]));
    assert!(
        !maverics_krm::diag::has_errors(&out.diagnostics),
        "{:#?}",
        out.diagnostics
    );
    assert!(matches!(out.list.items[1], Item::Passed(_)));
    assert!(out.list.items.len() > BASE.len() + 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn random_mixes_stream_with_the_output_and_results_of_every_item_a_tree(
        config in 0..5usize,
        chosen in prop::sample::subsequence(foreign(), 0..=foreign().len()),
        order in any::<u64>(),
    ) {
        let mut items = BASE.clone();
        items.extend(chosen);
        // The base's objects and the foreign ones in any order.
        let mut keyed: Vec<(u64, Value)> = items
            .into_iter()
            .enumerate()
            .map(|(i, v)| ((i as u64 + 1).wrapping_mul(order | 1).rotate_left(17), v))
            .collect();
        keyed.sort_by_key(|(k, _)| *k);
        let items = keyed.into_iter().map(|(_, v)| v).collect();
        both(&input(items, &CONFIGS[config]));
    }
}
