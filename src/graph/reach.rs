//! The reach model: nodes (sources, entry points, workloads, destinations) and labelled
//! edges, read from the objects of a render.
//!
//! What is drawn is what the objects say, not a guess about the cluster: an Ingress of the
//! ALB controller is internet-facing only with `alb.ingress.kubernetes.io/scheme:
//! internet-facing` (the controller's default is internal), a GKE Ingress of class `gce` is
//! internet-facing and `gce-internal` is not (AKS's `azure-alb-external` and
//! `azure-alb-internal` alike); a workload that no policy selects
//! is drawn open to any source and any destination, because that is what the cluster allows.

use crate::k8s::kinds::{POLICY_TYPES, name};
use crate::rendered::{Key, Resource};
use serde_yaml::Value;
use std::collections::{BTreeMap, BTreeSet};

/// A policy's `Ingress` type (`policyTypes`, Calico's `types`).
const INGRESS_TYPE: &str = POLICY_TYPES[0];
/// See [`INGRESS_TYPE`].
const EGRESS_TYPE: &str = POLICY_TYPES[1];

/// How a node is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Shape {
    /// The internet, the VPC, clients, allowed sources.
    Source,
    /// A load balancer, router or gateway.
    Entry,
    /// The orchestrator's pods.
    Workload,
    /// What the orchestrator may call.
    Destination,
}

/// A node of the picture: what the Mermaid node shows and how it is drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The text shown in the node, e.g. a Service's or host's name.
    pub label: String,
    /// Source, entry point, workload or destination.
    pub shape: Shape,
}

/// An edge between two node keys; the label says the ports or hosts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    /// The key of the node the edge starts at (in [`Reach::nodes`]).
    pub from: String,
    /// The key of the node the edge ends at (in [`Reach::nodes`]).
    pub to: String,
    /// What the edge carries: ports, hosts or the Service it goes through; may be empty.
    pub label: String,
}

/// Nodes by a key that is the same for the same thing in two renders, so two models can be
/// compared edge by edge.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    /// Every node, by its key.
    pub nodes: BTreeMap<String, Node>,
    /// Every edge, ordered so the output is deterministic.
    pub edges: BTreeSet<Edge>,
}

const INTERNET: &str = "src:internet";
const VPC: &str = "src:vpc";
const CLIENTS: &str = "src:clients";

/// One orchestrator workload: where it is and the labels of its pods.
struct Workload {
    key: String,
    overlay: String,
    namespace: String,
    labels: BTreeMap<String, String>,
}

impl Reach {
    /// The reach of every workload (StatefulSet, Deployment) in `objects`.
    pub fn of(objects: &[Resource]) -> Reach {
        let mut reach = Reach::default();
        let workloads: Vec<Workload> = objects
            .iter()
            .filter(|r| matches!(r.key.kind(), name::STATEFUL_SET | "Deployment"))
            .map(|r| {
                let key = format!("wl:{}", r.key);
                reach.node(&key, &r.key.to_string(), Shape::Workload);
                Workload {
                    key,
                    overlay: r.key.overlay.clone(),
                    namespace: r.key.namespace().to_owned(),
                    labels: string_map(at(&r.value, &["spec", "template", "metadata", "labels"])),
                }
            })
            .collect();
        let services: Vec<&Resource> = objects.iter().filter(|r| r.key.kind() == name::SERVICE).collect();
        // The workloads behind a Service of the same overlay and namespace, by its selector.
        let behind = |k: &Key, service: &str| -> Vec<&Workload> {
            let Some(s) = services
                .iter()
                .find(|s| s.key.overlay == k.overlay && s.key.namespace() == k.namespace() && s.key.name() == service)
            else {
                return Vec::new();
            };
            let selector = string_map(at(&s.value, &["spec", "selector"]));
            if selector.is_empty() {
                return Vec::new();
            }
            workloads
                .iter()
                .filter(|w| w.overlay == k.overlay && w.namespace == k.namespace() && subset(&selector, &w.labels))
                .collect()
        };

        for r in objects {
            let v = &r.value;
            match (r.key.kind(), r.key.group()) {
                (name::SERVICE, "") => {
                    let ty = str_at(v, &["spec", "type"]).unwrap_or("ClusterIP");
                    let source = match ty {
                        "LoadBalancer" if internal_load_balancer(v) => VPC,
                        "LoadBalancer" => INTERNET,
                        "NodePort" => VPC,
                        _ => continue,
                    };
                    let entry = format!("entry:{}", r.key);
                    reach.node(&entry, &format!("{ty} {}", r.key), Shape::Entry);
                    reach.edge(source, &entry, &port_list(at(v, &["spec", "ports"])));
                    for w in behind(&r.key, r.key.name()) {
                        reach.edge(&entry, &w.key, "");
                    }
                }
                (name::INGRESS, "networking.k8s.io") => {
                    let class = str_at(v, &["spec", "ingressClassName"])
                        .or_else(|| str_at(v, &["metadata", "annotations", crate::k8s::labels::INGRESS_CLASS]))
                        .unwrap_or("default class");
                    let hosts = seq(at(v, &["spec", "rules"]))
                        .filter_map(|rule| str_at(rule, &["host"]))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let (source, what) = if class == "alb" {
                        let public = str_at(v, &["metadata", "annotations", "alb.ingress.kubernetes.io/scheme"])
                            == Some("internet-facing");
                        (if public { INTERNET } else { VPC }, "ALB".to_owned())
                    } else if class == "gce" || class == "gce-regional-external" {
                        (INTERNET, "GKE external Application Load Balancer".to_owned())
                    } else if class == "gce-internal" {
                        (VPC, "GKE internal Application Load Balancer".to_owned())
                    } else if class == "azure-alb-external" {
                        (INTERNET, "Application Gateway for Containers".to_owned())
                    } else if class == "azure-alb-internal" {
                        (VPC, "internal Application Gateway for Containers".to_owned())
                    } else {
                        (CLIENTS, format!("ingress controller {class}"))
                    };
                    let entry = format!("entry:{}", r.key);
                    reach.node(&entry, &format!("{what} ({})", r.key), Shape::Entry);
                    reach.edge(source, &entry, &hosts);
                    let mut backends: Vec<&str> = seq(at(v, &["spec", "rules"]))
                        .flat_map(|rule| seq(at(rule, &["http", "paths"])))
                        .filter_map(|p| str_at(p, &["backend", "service", "name"]))
                        .collect();
                    backends.extend(str_at(v, &["spec", "defaultBackend", "service", "name"]));
                    for b in backends {
                        for w in behind(&r.key, b) {
                            reach.edge(&entry, &w.key, &format!("Service {b}"));
                        }
                    }
                }
                (name::ROUTE, "route.openshift.io") => {
                    let entry = format!("entry:{}", r.key);
                    reach.node(&entry, &format!("OpenShift router ({})", r.key), Shape::Entry);
                    let tls =
                        str_at(v, &["spec", "tls", "termination"]).map_or("no TLS".to_owned(), |t| format!("TLS {t}"));
                    let host = str_at(v, &["spec", "host"]).unwrap_or("generated host");
                    reach.edge(INTERNET, &entry, &format!("{host}, {tls}"));
                    let mut backends: Vec<&str> = str_at(v, &["spec", "to", "name"]).into_iter().collect();
                    backends.extend(seq(at(v, &["spec", "alternateBackends"])).filter_map(|b| str_at(b, &["name"])));
                    for b in backends {
                        for w in behind(&r.key, b) {
                            reach.edge(&entry, &w.key, &format!("Service {b}"));
                        }
                    }
                }
                (name::HTTP_ROUTE | name::GRPC_ROUTE, "gateway.networking.k8s.io") => {
                    let hosts = seq(at(v, &["spec", "hostnames"]))
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(", ");
                    let backends: Vec<&str> = seq(at(v, &["spec", "rules"]))
                        .flat_map(|rule| seq(at(rule, &["backendRefs"])))
                        .filter_map(|b| str_at(b, &["name"]))
                        .collect();
                    for parent in seq(at(v, &["spec", "parentRefs"])) {
                        let name = str_at(parent, &["name"]).unwrap_or_default();
                        let ns = str_at(parent, &["namespace"]).unwrap_or(r.key.namespace());
                        let section = str_at(parent, &["sectionName"])
                            .map(|s| format!(" listener {s}"))
                            .unwrap_or_default();
                        let entry = format!("entry:gateway:{}|{ns}/{name}{section}", r.key.overlay);
                        reach.node(&entry, &format!("Gateway {ns}/{name}{section}"), Shape::Entry);
                        reach.edge(CLIENTS, &entry, &hosts);
                        for b in &backends {
                            for w in behind(&r.key, b) {
                                reach.edge(&entry, &w.key, &format!("{} {}", r.key.kind(), r.key.name()));
                            }
                        }
                    }
                }
                _ => {}
            }
        }

        let (mut ingress_ruled, mut egress_ruled) = (BTreeSet::new(), BTreeSet::new());
        for r in objects {
            let policy = match (r.key.kind(), r.key.group()) {
                (name::NETWORK_POLICY, "networking.k8s.io") => kubernetes_policy(&r.value),
                (name::NETWORK_POLICY | "GlobalNetworkPolicy", "projectcalico.org" | "crd.projectcalico.org") => {
                    calico_policy(&r.value)
                }
                _ => continue,
            };
            let global = r.key.kind() == "GlobalNetworkPolicy";
            let selected = workloads.iter().filter(|w| {
                w.overlay == r.key.overlay
                    && (global || w.namespace == r.key.namespace())
                    && policy.selector.as_ref().is_none_or(|s| subset(s, &w.labels))
            });
            for w in selected {
                if policy.ingress.is_some() {
                    ingress_ruled.insert(w.key.clone());
                }
                if policy.egress.is_some() {
                    egress_ruled.insert(w.key.clone());
                }
                for rule in policy.ingress.iter().flatten() {
                    let key = format!("src:{}", rule.peers);
                    reach.node(&key, &format!("from {}", rule.peers), Shape::Source);
                    reach.edge(&key, &w.key, &rule.ports);
                }
                for rule in policy.egress.iter().flatten() {
                    let key = format!("dst:{}: {}", rule.what, rule.peers);
                    reach.node(&key, &format!("{}: {}", rule.what, rule.peers), Shape::Destination);
                    reach.edge(&w.key, &key, &rule.ports);
                }
            }
        }
        for w in &workloads {
            if !ingress_ruled.contains(&w.key) {
                reach.node("src:any", "any source (no ingress policy)", Shape::Source);
                reach.edge("src:any", &w.key, "all ports");
            }
            if !egress_ruled.contains(&w.key) {
                reach.node("dst:any", "any address (no egress policy)", Shape::Destination);
                reach.edge(&w.key, "dst:any", "all ports");
            }
        }
        reach
    }

    fn node(&mut self, key: &str, label: &str, shape: Shape) {
        self.nodes.entry(key.to_owned()).or_insert_with(|| Node {
            label: label.to_owned(),
            shape,
        });
    }

    /// An edge; a source node (internet, VPC, clients) is created on first use.
    fn edge(&mut self, from: &str, to: &str, label: &str) {
        let source = match from {
            INTERNET => Some("Internet"),
            VPC => Some("VPC / cluster network"),
            CLIENTS => Some("Clients (reach set by the controller or gateway)"),
            _ => None,
        };
        if let Some(label) = source {
            self.node(from, label, Shape::Source);
        }
        self.edges.insert(Edge {
            from: from.to_owned(),
            to: to.to_owned(),
            label: label.to_owned(),
        });
    }
}

/// A policy reduced to what is drawn: `None` for a direction it does not restrict.
struct Policy {
    /// `None`: every pod of the namespace (or, for a global policy, of the cluster).
    selector: Option<BTreeMap<String, String>>,
    ingress: Option<Vec<Rule>>,
    egress: Option<Vec<Rule>>,
}

struct Rule {
    /// What the rule is for (DNS, Redis, ...), from the generator's `why` annotation or the ports.
    what: String,
    peers: String,
    ports: String,
}

impl Rule {
    /// No peers means any address, as in both APIs.
    fn new(note: Option<&str>, peers: &[String], ports: String) -> Rule {
        Rule {
            what: purpose(note, &ports),
            peers: if peers.is_empty() {
                "any address".to_owned()
            } else {
                peers.join(", ")
            },
            ports,
        }
    }
}

fn kubernetes_policy(v: &Value) -> Policy {
    let types: Vec<&str> = seq(at(v, &["spec", "policyTypes"])).filter_map(Value::as_str).collect();
    let has = |t: &str, field: &str| types.contains(&t) || (types.is_empty() && at(v, &["spec", field]).is_some());
    let rules = |field: &str, peers_field: &str, why: &str| -> Vec<Rule> {
        seq(at(v, &["spec", field]))
            .enumerate()
            .map(|(i, rule)| {
                let peers: Vec<String> = seq(at(rule, &[peers_field])).map(kubernetes_peer).collect();
                let ports = port_list(at(rule, &["ports"]));
                let note = str_at(
                    v,
                    &["metadata", "annotations", &format!("krm.maverics.dev/why-{why}-{i}")],
                );
                Rule::new(note, &peers, ports)
            })
            .collect()
    };
    let selector = string_map(at(v, &["spec", "podSelector", "matchLabels"]));
    Policy {
        selector: Some(selector),
        ingress: has(INGRESS_TYPE, "ingress").then(|| rules("ingress", "from", "ingress")),
        egress: has(EGRESS_TYPE, "egress").then(|| rules("egress", "to", "egress")),
    }
}

fn kubernetes_peer(p: &Value) -> String {
    if let Some(cidr) = str_at(p, &["ipBlock", "cidr"]) {
        let except: Vec<&str> = seq(at(p, &["ipBlock", "except"])).filter_map(Value::as_str).collect();
        return if except.is_empty() {
            cidr.to_owned()
        } else {
            format!("{cidr} except {}", except.join(" "))
        };
    }
    let labels = |field: &str| {
        at(p, &[field]).map(|s| {
            let m = string_map(at(s, &["matchLabels"]));
            m.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")
        })
    };
    let namespaces = match labels("namespaceSelector") {
        None => "this namespace".to_owned(),
        Some(l) if l.is_empty() => "all namespaces".to_owned(),
        Some(l) => match l.strip_prefix("kubernetes.io/metadata.name=") {
            Some(name) if !name.contains(' ') => format!("namespace {name}"),
            _ => format!("namespaces {l}"),
        },
    };
    match labels("podSelector") {
        Some(l) if !l.is_empty() => format!("pods {l} in {namespaces}"),
        _ => namespaces,
    }
}

/// Calico `NetworkPolicy`/`GlobalNetworkPolicy` (v3 API or its CRD): `Allow` rules only
/// (`Deny` and `Pass` narrow or defer, they add no reach). A selector other than
/// `all()` or `key == 'value' && ...` is taken as selecting every workload, so reach is
/// never drawn narrower than it may be.
fn calico_policy(v: &Value) -> Policy {
    let selector = str_at(v, &["spec", "selector"]).and_then(calico_selector);
    let types: Vec<&str> = seq(at(v, &["spec", "types"])).filter_map(Value::as_str).collect();
    let has = |t: &str, field: &str| types.contains(&t) || (types.is_empty() && at(v, &["spec", field]).is_some());
    let rules = |field: &str, side: &str| -> Vec<Rule> {
        seq(at(v, &["spec", field]))
            .filter(|r| str_at(r, &["action"]) == Some("Allow"))
            .map(|r| {
                let protocol = scalar(r.get("protocol"));
                let protocol = if protocol.is_empty() {
                    "any".to_owned()
                } else {
                    protocol
                };
                let ports = ports(seq(at(r, &[side, "ports"])).map(|p| (scalar(Some(p)), protocol.clone())));
                let end = at(r, &[side]);
                let mut peers: Vec<String> = seq(end.and_then(|e| at(e, &["nets"])))
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect();
                for field in ["selector", "namespaceSelector", "serviceAccounts", "services"] {
                    if let Some(x) = end.and_then(|e| e.get(field)) {
                        let text = serde_yaml::to_string(x).unwrap_or_default();
                        peers.push(format!("{field} {}", text.trim()));
                    }
                }
                Rule::new(None, &peers, ports)
            })
            .collect()
    };
    Policy {
        selector,
        ingress: has(INGRESS_TYPE, "ingress").then(|| rules("ingress", "source")),
        egress: has(EGRESS_TYPE, "egress").then(|| rules("egress", "destination")),
    }
}

/// `all()` or `a == 'x' && b == "y"` as labels; anything else is `None` (selects all).
fn calico_selector(s: &str) -> Option<BTreeMap<String, String>> {
    if s.trim() == "all()" {
        return None;
    }
    s.split("&&")
        .map(|term| {
            let (k, v) = term.split_once("==")?;
            let v = v.trim();
            let v = v
                .strip_prefix('\'')
                .and_then(|v| v.strip_suffix('\''))
                .or_else(|| v.strip_prefix('"').and_then(|v| v.strip_suffix('"')))?;
            Some((k.trim().to_owned(), v.to_owned()))
        })
        .collect()
}

/// What an egress or ingress rule is for: the generator says so in its `why` annotations;
/// otherwise port 53 is DNS.
fn purpose(note: Option<&str>, ports: &str) -> String {
    let note = note.unwrap_or_default();
    let known = [
        ("DNS", "DNS"),
        ("Redis", "Redis"),
        ("clustering", "cluster members"),
        ("identity providers", "IdPs, upstreams, OTLP"),
        ("in-cluster services", "in-cluster upstreams"),
        ("ALB", "ALB"),
        ("router", "OpenShift router"),
        ("clients", "clients"),
    ];
    if let Some((_, what)) = known.iter().find(|(needle, _)| note.contains(needle)) {
        return (*what).to_owned();
    }
    if ports.split(", ").any(|p| p.starts_with("53/")) {
        return "DNS".to_owned();
    }
    "allowed".to_owned()
}

/// `443/TCP, 53/UDP`, or `all ports` for a rule without ports.
fn ports(items: impl Iterator<Item = (String, String)>) -> String {
    let list: Vec<String> = items
        .map(|(port, proto)| {
            if port.is_empty() {
                format!("all/{proto}")
            } else {
                format!("{port}/{proto}")
            }
        })
        .collect();
    if list.is_empty() {
        "all ports".to_owned()
    } else {
        list.join(", ")
    }
}

/// The `ports` of a Service or NetworkPolicy rule: `port` and `protocol` (TCP by default).
fn port_list(v: Option<&Value>) -> String {
    ports(seq(v).map(|p| {
        (
            scalar(p.get("port")),
            str_at(p, &["protocol"]).unwrap_or("TCP").to_owned(),
        )
    }))
}

/// The annotations of the AWS, Azure and GKE load balancer controllers that keep a
/// `LoadBalancer` Service off the internet.
pub fn internal_load_balancer(v: &Value) -> bool {
    let a = |k: &str| str_at(v, &["metadata", "annotations", k]);
    a("service.beta.kubernetes.io/aws-load-balancer-scheme") == Some("internal")
        || a("service.beta.kubernetes.io/aws-load-balancer-internal") == Some("true")
        || a("service.beta.kubernetes.io/azure-load-balancer-internal") == Some("true")
        || a("networking.gke.io/load-balancer-type") == Some("Internal")
        // The annotation GKE read before networking.gke.io (still honoured).
        || a("cloud.google.com/load-balancer-type") == Some("Internal")
}

fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.get(*k))
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    at(v, path).and_then(Value::as_str)
}

fn seq(v: Option<&Value>) -> impl Iterator<Item = &Value> {
    v.and_then(Value::as_sequence).into_iter().flatten()
}

/// A string or number as text (ports are either); anything else is empty.
fn scalar(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_mapping)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), scalar(Some(v)))))
        .collect()
}

fn subset(selector: &BTreeMap<String, String>, labels: &BTreeMap<String, String>) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn objects(yaml: &str) -> Vec<Resource> {
        crate::rendered::load::parse_stream("t.yaml", yaml, "").unwrap()
    }

    const WORKLOAD: &str = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: m, namespace: ns}\nspec: {template: {metadata: {labels: {app: m}}}}\n";

    #[test]
    fn an_internal_alb_is_reached_from_the_vpc_and_egress_has_ports() {
        let yaml = format!(
            "{WORKLOAD}---\napiVersion: v1\nkind: Service\nmetadata: {{name: m, namespace: ns}}\nspec: {{selector: {{app: m}}, ports: [{{port: 8080}}]}}\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: m, namespace: ns}}\nspec: {{ingressClassName: alb, rules: [{{host: a.example.com, http: {{paths: [{{backend: {{service: {{name: m}}}}}}]}}}}]}}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: m, namespace: ns}}\nspec:\n  podSelector: {{matchLabels: {{app: m}}}}\n  policyTypes: [Egress]\n  egress: [{{ports: [{{port: 53, protocol: UDP}}]}}]\n"
        );
        let r = Reach::of(&objects(&yaml));
        let has = |from: &str, to: &str, label: &str| {
            r.edges.contains(&Edge {
                from: from.into(),
                to: to.into(),
                label: label.into(),
            })
        };
        assert!(has(VPC, "entry:Ingress ns/m", "a.example.com"), "{r:#?}");
        assert!(has("entry:Ingress ns/m", "wl:StatefulSet ns/m", "Service m"), "{r:#?}");
        assert!(has("wl:StatefulSet ns/m", "dst:DNS: any address", "53/UDP"), "{r:#?}");
        // No ingress policy: open to any source, and said so.
        assert!(has("src:any", "wl:StatefulSet ns/m", "all ports"), "{r:#?}");
        assert!(!r.nodes.contains_key(INTERNET));
    }

    #[test]
    fn calico_allow_rules_add_destinations() {
        let yaml = format!(
            "{WORKLOAD}---\napiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {{name: c, namespace: ns}}\nspec:\n  selector: app == 'm'\n  types: [Egress]\n  egress:\n  - {{action: Allow, protocol: TCP, destination: {{nets: [10.1.0.0/16], ports: [6379]}}}}\n  - {{action: Deny}}\n"
        );
        let r = Reach::of(&objects(&yaml));
        assert!(
            r.edges
                .iter()
                .any(|e| e.to == "dst:allowed: 10.1.0.0/16" && e.label == "6379/TCP"),
            "{r:#?}"
        );
        assert!(!r.nodes.contains_key("dst:any"), "the Calico policy restricts egress");
    }
}
