//! Flags that read other objects of the same side: the identity behind a secret store (the
//! cloud role of the ServiceAccount it authenticates as), and replicas against the
//! PodDisruptionBudget that covers them.

use super::rule::{Flag, Rule, at, flag, show};
use crate::k8s::identity::{AZURE_CLIENT_ID, GKE_SERVICE_ACCOUNT, IRSA_ROLE_ARN};
use crate::k8s::kinds::name;
use crate::krm::annotations;
use crate::rendered::{Key, Resource};
use serde_yaml::Value;
use std::collections::BTreeMap;

/// The ServiceAccount annotations that bind it to a cloud identity.
const IDENTITY_ANNOTATIONS: [&str; 3] = [IRSA_ROLE_ARN, AZURE_CLIENT_ID, GKE_SERVICE_ACCOUNT];
/// Provider fields (External Secrets Operator) that say whom a store authenticates as, and
/// where it reads: a store switched to another vault, project, region or Vault server hands
/// out other secrets under the same names.
const IDENTITY_FIELDS: &[&str] = &[
    "role",
    "roleArn",
    "identityId",
    "clientId",
    "tenantId",
    "authType",
    "vaultUrl",
    "projectID",
    "clusterProjectID",
    "region",
    "server",
];

const STORES: [&str; 2] = [name::SECRET_STORE, "ClusterSecretStore"];
const WORKLOADS: [&str; 3] = ["Deployment", name::STATEFUL_SET, "ReplicaSet"];
const KINDS: &[&str] = &[
    name::SERVICE_ACCOUNT,
    name::SECRET_STORE,
    "ClusterSecretStore",
    name::POD_DISRUPTION_BUDGET,
    name::HORIZONTAL_POD_AUTOSCALER,
    "Deployment",
    name::STATEFUL_SET,
    "ReplicaSet",
];

/// The objects of one side these flags look up, by (overlay, kind, namespace, name).
#[derive(Debug, Default)]
pub struct World {
    objects: BTreeMap<(String, String, String, String), Value>,
}

impl World {
    /// The objects of `side` whose kinds the flags look up: stores, ServiceAccounts, workloads and their budgets and autoscalers.
    pub fn of(side: &[Resource]) -> World {
        let objects = side
            .iter()
            .filter(|r| KINDS.contains(&r.key.kind()))
            .map(|r| {
                let k = &r.key;
                (
                    (
                        k.overlay.clone(),
                        k.kind().to_owned(),
                        k.namespace().to_owned(),
                        k.name().to_owned(),
                    ),
                    r.value.clone(),
                )
            })
            .collect();
        World { objects }
    }

    fn get(&self, overlay: &str, kind: &str, namespace: &str, name: &str) -> Option<&Value> {
        self.objects.get(&(
            overlay.to_owned(),
            kind.to_owned(),
            namespace.to_owned(),
            name.to_owned(),
        ))
    }

    /// Objects of `kind` in `namespace` of `overlay`, with their names.
    fn all<'a>(
        &'a self,
        overlay: &'a str,
        kind: &'a str,
        namespace: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a Value)> {
        self.objects
            .iter()
            .filter(move |((o, k, ns, _), _)| o == overlay && k == kind && ns == namespace)
            .map(|((.., name), v)| (name.as_str(), v))
    }
}

/// Flags for the object at `key` that need the rest of its side; `None` on a side means
/// added or removed.
pub fn check(key: &Key, old: Option<&Value>, new: Option<&Value>, worlds: [&World; 2]) -> Vec<Flag> {
    let mut out = Vec::new();
    if let (Some(o), Some(n)) = (old, new) {
        store(key, o, n, worlds, &mut out);
    }
    if let Some(n) = new {
        disruption(key, old, n, worlds, &mut out);
    }
    out
}

// ---- secret stores --------------------------------------------------------------------------

fn store(key: &Key, o: &Value, n: &Value, [ow, nw]: [&World; 2], out: &mut Vec<Flag>) {
    let kind = key.kind();
    if kind == name::EXTERNAL_SECRET {
        let (a, b) = (at(o, &["spec", "secretStoreRef"]), at(n, &["spec", "secretStoreRef"]));
        if a != b {
            let describe = |r: Option<&Value>, w: &World| {
                let store_kind = r
                    .and_then(|r| r.get("kind"))
                    .and_then(Value::as_str)
                    .unwrap_or(name::SECRET_STORE);
                let name = r
                    .and_then(|r| r.get("name"))
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let ns = if store_kind == "ClusterSecretStore" {
                    ""
                } else {
                    key.namespace()
                };
                let who = w
                    .get(&key.overlay, store_kind, ns, name)
                    .map_or("not in this render".to_owned(), |s| identity(s, w, key));
                format!("{store_kind} {name} ({who})")
            };
            out.push(flag(
                Rule::SecretStore,
                format!("spec.secretStoreRef: {} -> {}", describe(a, ow), describe(b, nw)),
            ));
        }
    } else if STORES.contains(&kind) {
        let (a, b) = (identity(o, ow, key), identity(n, nw, key));
        if a != b {
            out.push(flag(
                Rule::SecretStore,
                format!("the store authenticates as {a} -> {b}"),
            ));
        }
    } else if kind == name::SERVICE_ACCOUNT {
        for ann in IDENTITY_ANNOTATIONS {
            let (a, b) = (annotations::get(o, ann), annotations::get(n, ann));
            if a == b {
                continue;
            }
            for store in stores_using(nw, key) {
                out.push(flag(
                    Rule::SecretStore,
                    format!(
                        "metadata.annotations.{ann}: {} -> {}: the identity of {store}",
                        a.unwrap_or("absent"),
                        b.unwrap_or("absent")
                    ),
                ));
            }
        }
    }
}

/// Whom a store authenticates as: its provider, the identity fields of the provider, static
/// credentials from a Secret, and each ServiceAccount it uses with that account's cloud
/// identity, e.g. `aws auth.jwt.serviceAccountRef=maverics/eso (eks.amazonaws.com/role-arn:
/// arn:aws:iam::1:role/reader)`.
fn identity(store: &Value, w: &World, at_key: &Key) -> String {
    let mut parts = Vec::new();
    for (provider, p) in at(store, &["spec", "provider"])
        .and_then(Value::as_mapping)
        .into_iter()
        .flatten()
    {
        parts.push(show(Some(provider)));
        let ns = at(store, &["metadata", "namespace"])
            .and_then(Value::as_str)
            .unwrap_or(at_key.namespace());
        collect(p, "", ns, w, &at_key.overlay, &mut parts);
    }
    if parts.is_empty() {
        "no provider".to_owned()
    } else {
        parts.join(" ")
    }
}

fn collect(v: &Value, path: &str, ns: &str, w: &World, overlay: &str, out: &mut Vec<String>) {
    let Some(m) = v.as_mapping() else { return };
    for (k, child) in m {
        let Some(k) = k.as_str() else { continue };
        let here = if path.is_empty() {
            k.to_owned()
        } else {
            format!("{path}.{k}")
        };
        if IDENTITY_FIELDS.contains(&k) && !child.is_mapping() {
            out.push(format!("{here}={}", show(Some(child))));
        } else if k == "serviceAccountRef" {
            let name = child.get("name").and_then(Value::as_str).unwrap_or_default();
            let sa_ns = child.get("namespace").and_then(Value::as_str).unwrap_or(ns);
            let cloud: Vec<String> = w
                .get(overlay, name::SERVICE_ACCOUNT, sa_ns, name)
                .into_iter()
                .flat_map(|sa| {
                    IDENTITY_ANNOTATIONS
                        .iter()
                        .filter_map(|a| Some(format!("{a}: {}", annotations::get(sa, a)?)))
                })
                .collect();
            let cloud = if cloud.is_empty() {
                "no cloud identity".to_owned()
            } else {
                cloud.join(", ")
            };
            out.push(format!("{here}={sa_ns}/{name} ({cloud})"));
        } else if k == "secretRef" || k == "secretAccessKeySecretRef" {
            out.push(format!("{here}=static credentials from a Secret"));
        } else {
            collect(child, &here, ns, w, overlay, out);
        }
    }
}

/// The stores of `w` that authenticate as the ServiceAccount at `sa`.
fn stores_using(w: &World, sa: &Key) -> Vec<String> {
    fn refs(v: &Value, found: &mut Vec<(String, Option<String>)>) {
        match v {
            Value::Mapping(m) => {
                for (k, child) in m {
                    if k.as_str() == Some("serviceAccountRef")
                        && let Some(name) = child.get("name").and_then(Value::as_str)
                    {
                        found.push((
                            name.to_owned(),
                            child.get("namespace").and_then(Value::as_str).map(str::to_owned),
                        ));
                    } else {
                        refs(child, found);
                    }
                }
            }
            Value::Sequence(items) => items.iter().for_each(|i| refs(i, found)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for kind in STORES {
        let ns = if kind == "ClusterSecretStore" {
            ""
        } else {
            sa.namespace()
        };
        for (name, store) in w.all(&sa.overlay, kind, ns) {
            let mut found = Vec::new();
            refs(at(store, &["spec", "provider"]).unwrap_or(&Value::Null), &mut found);
            if found
                .iter()
                .any(|(n, n_ns)| *n == sa.name() && n_ns.as_deref().unwrap_or(sa.namespace()) == sa.namespace())
            {
                out.push(format!("{kind} {name}"));
            }
        }
    }
    out
}

// ---- disruption budgets ---------------------------------------------------------------------

/// A workload's lowest replica count and the budget that covers it, on one side.
#[derive(Debug, PartialEq)]
struct Budget {
    replicas: i64,
    source: String,
    pdb: String,
    field: &'static str,
    value: String,
    problem: Option<&'static str>,
}

impl Budget {
    /// `2 -> 1 replicas (spec.replicas), PodDisruptionBudget m minAvailable 1`: each part once,
    /// with its old value only where it changed.
    fn since(&self, before: Option<&Budget>) -> String {
        let part = |get: &dyn Fn(&Budget) -> String| match before.map(get) {
            Some(old) if old != get(self) => format!("{old} -> {}", get(self)),
            _ => get(self),
        };
        let prefix = if before.is_none() { "no budget -> " } else { "" };
        format!(
            "{prefix}{} replicas ({}), PodDisruptionBudget {} {}",
            part(&|b| b.replicas.to_string()),
            part(&|b| b.source.clone()),
            part(&|b| b.pdb.clone()),
            part(&|b| format!("{} {}", b.field, b.value)),
        )
    }
}

/// Flags the object whose change made a budget block or protect nothing: a workload whose
/// replicas changed, an HPA whose floor or target changed, a budget; the others that change at
/// the same time stay quiet, so one problem is said once per cause.
fn disruption(key: &Key, o: Option<&Value>, n: &Value, [ow, nw]: [&World; 2], out: &mut Vec<Flag>) {
    let (overlay, ns) = (key.overlay.as_str(), key.namespace());
    let changed = |path: &[&str]| o.is_none_or(|o| at(o, path) != at(n, path));
    let workloads: Vec<(String, String)> = match key.kind() {
        k if WORKLOADS.contains(&k) && changed(&["spec", "replicas"]) => vec![(k.to_owned(), key.name().to_owned())],
        name::HORIZONTAL_POD_AUTOSCALER
            if changed(&["spec", "minReplicas"]) || changed(&["spec", "scaleTargetRef"]) =>
        {
            nw.get(overlay, name::HORIZONTAL_POD_AUTOSCALER, ns, key.name())
                .and_then(|h| {
                    let t = at(h, &["spec", "scaleTargetRef"])?;
                    Some((t.get("kind")?.as_str()?.to_owned(), t.get("name")?.as_str()?.to_owned()))
                })
                .into_iter()
                .collect()
        }
        name::POD_DISRUPTION_BUDGET => WORKLOADS
            .iter()
            .flat_map(|k| {
                nw.all(overlay, k, ns)
                    .map(move |(name, _)| ((*k).to_owned(), name.to_owned()))
            })
            .collect(),
        _ => return,
    };
    for (kind, name) in workloads {
        let Some(after) = budget(nw, overlay, ns, &kind, &name) else {
            continue;
        };
        let Some(problem) = after.problem else { continue };
        let before = budget(ow, overlay, ns, &kind, &name);
        if before.as_ref().is_some_and(|b| b.problem == Some(problem)) {
            continue;
        }
        out.push(flag(
            Rule::DisruptionBudget,
            format!("{kind} {name}: {}: {problem}", after.since(before.as_ref())),
        ));
    }
}

fn budget(w: &World, overlay: &str, ns: &str, kind: &str, name: &str) -> Option<Budget> {
    let workload = w.get(overlay, kind, ns, name)?;
    let labels = at(workload, &["spec", "template", "metadata", "labels"]).and_then(Value::as_mapping)?;
    let (pdb_name, pdb) = w.all(overlay, name::POD_DISRUPTION_BUDGET, ns).find(|(_, p)| {
        at(p, &["spec", "selector", "matchLabels"])
            .and_then(Value::as_mapping)
            .is_some_and(|m| !m.is_empty() && m.iter().all(|(k, v)| labels.get(k) == Some(v)))
    })?;
    let hpa = w.all(overlay, name::HORIZONTAL_POD_AUTOSCALER, ns).find(|(_, h)| {
        at(h, &["spec", "scaleTargetRef", "kind"]).and_then(Value::as_str) == Some(kind)
            && at(h, &["spec", "scaleTargetRef", "name"]).and_then(Value::as_str) == Some(name)
    });
    let (replicas, source) = match hpa {
        Some((h, v)) => (
            at(v, &["spec", "minReplicas"]).and_then(Value::as_i64).unwrap_or(1),
            format!("HorizontalPodAutoscaler {h} minReplicas"),
        ),
        None => (
            at(workload, &["spec", "replicas"]).and_then(Value::as_i64).unwrap_or(1),
            "spec.replicas".to_owned(),
        ),
    };
    // A percentage is of the replicas, rounded up, as the disruption controller counts it.
    let count = |v: &Value| match v {
        Value::String(s) => s
            .strip_suffix('%')
            .and_then(|p| p.parse::<i64>().ok())
            .map(|p| (replicas * p + 99) / 100),
        other => other.as_i64(),
    };
    let (field, value, problem) = if let Some(min) = at(pdb, &["spec", "minAvailable"]) {
        let blocks = count(min).is_some_and(|m| m >= replicas);
        (
            "minAvailable",
            min,
            blocks.then_some("no pod may ever be evicted: node drains and upgrades hang"),
        )
    } else {
        let max = at(pdb, &["spec", "maxUnavailable"])?;
        let problem = match count(max) {
            Some(0) => Some("no pod may ever be evicted: node drains and upgrades hang"),
            Some(u) if u >= replicas => Some("every pod may be evicted at once: the budget protects nothing"),
            _ => None,
        };
        ("maxUnavailable", max, problem)
    };
    Some(Budget {
        replicas,
        source,
        pdb: pdb_name.to_owned(),
        field,
        value: show(Some(value)),
        problem,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(docs: &[(&str, &str, &str)]) -> Vec<Resource> {
        docs.iter()
            .map(|(kind, name, yaml)| Resource::test(kind, name, serde_yaml::from_str(yaml).unwrap()))
            .collect()
    }

    fn flags_of(kind: &str, name: &str, old: &[Resource], new: &[Resource]) -> Vec<String> {
        let (ow, nw) = (World::of(old), World::of(new));
        let find = |s: &[Resource]| {
            s.iter()
                .find(|r| r.key.kind() == kind && r.key.name() == name)
                .map(|r| r.value.clone())
        };
        let key = Resource::test(kind, name, Value::Null).key;
        check(&key, find(old).as_ref(), find(new).as_ref(), [&ow, &nw])
            .into_iter()
            .map(|f| f.message)
            .collect()
    }

    const STORE: &str = "spec: {provider: {aws: {service: SecretsManager, region: eu-west-1, auth: {jwt: {serviceAccountRef: {name: eso}}}}}}";

    fn sa(role: &str) -> String {
        format!("metadata: {{annotations: {{eks.amazonaws.com/role-arn: '{role}'}}}}")
    }

    #[test]
    fn a_store_names_the_role_of_its_service_account() {
        let old = side(&[
            ("SecretStore", "aws", STORE),
            ("ServiceAccount", "eso", &sa("arn:aws:iam::1:role/reader")),
        ]);
        let new = side(&[
            ("SecretStore", "aws", STORE),
            ("ServiceAccount", "eso", &sa("arn:aws:iam::1:role/admin")),
        ]);
        assert_eq!(
            flags_of("ServiceAccount", "eso", &old, &new),
            [
                "metadata.annotations.eks.amazonaws.com/role-arn: arn:aws:iam::1:role/reader -> arn:aws:iam::1:role/admin: the identity of SecretStore aws"
            ]
        );
        let es = |store: &str| format!("spec: {{secretStoreRef: {{kind: SecretStore, name: {store}}}}}");
        let static_store = "spec: {provider: {aws: {auth: {secretRef: {accessKeyIDSecretRef: {name: k}}}}}}";
        let old = side(&[
            ("SecretStore", "aws", STORE),
            ("ServiceAccount", "eso", &sa("arn:r")),
            ("ExternalSecret", "x", &es("aws")),
        ]);
        let new = side(&[
            ("SecretStore", "keys", static_store),
            ("ExternalSecret", "x", &es("keys")),
        ]);
        assert_eq!(
            flags_of("ExternalSecret", "x", &old, &new),
            [
                "spec.secretStoreRef: SecretStore aws (aws region=eu-west-1 auth.jwt.serviceAccountRef=ns/eso (eks.amazonaws.com/role-arn: arn:r)) -> SecretStore keys (aws auth.secretRef=static credentials from a Secret)"
            ]
        );
        let store_at = |kind: &str, a: &str, b: &str| {
            flags_of(
                "SecretStore",
                "s",
                &side(&[("SecretStore", "s", a)]),
                &side(&[("SecretStore", "s", b)]),
            )
            .into_iter()
            .map(|m| (kind.to_owned(), m))
            .collect::<Vec<_>>()
        };
        let kv = |url: &str| format!("spec: {{provider: {{azurekv: {{vaultUrl: '{url}'}}}}}}");
        let gcp = |p: &str| format!("spec: {{provider: {{gcpsm: {{projectID: {p}}}}}}}");
        let vault = |s: &str| format!("spec: {{provider: {{vault: {{server: '{s}'}}}}}}");
        let region = |r: &str| format!("spec: {{provider: {{aws: {{region: {r}}}}}}}");
        let gke = |p: &str| {
            format!("spec: {{provider: {{gcpsm: {{auth: {{workloadIdentity: {{clusterProjectID: {p}}}}}}}}}}}")
        };
        for (kind, a, b, message) in [
            (
                "vaultUrl",
                kv("https://a.vault.azure.net"),
                kv("https://b.vault.azure.net"),
                "azurekv vaultUrl=https://a.vault.azure.net -> azurekv vaultUrl=https://b.vault.azure.net",
            ),
            (
                "projectID",
                gcp("p1"),
                gcp("p2"),
                "gcpsm projectID=p1 -> gcpsm projectID=p2",
            ),
            (
                "server",
                vault("https://v1:8200"),
                vault("https://v2:8200"),
                "vault server=https://v1:8200 -> vault server=https://v2:8200",
            ),
            (
                "region",
                region("eu-west-1"),
                region("us-east-1"),
                "aws region=eu-west-1 -> aws region=us-east-1",
            ),
            (
                "clusterProjectID",
                gke("p1"),
                gke("p2"),
                "gcpsm auth.workloadIdentity.clusterProjectID=p1 -> gcpsm auth.workloadIdentity.clusterProjectID=p2",
            ),
        ] {
            assert_eq!(
                store_at(kind, &a, &b),
                [(kind.to_owned(), format!("the store authenticates as {message}"))]
            );
        }
        let azure =
            |id: &str| format!("spec: {{provider: {{azurekv: {{authType: WorkloadIdentity, identityId: {id}}}}}}}");
        assert_eq!(
            flags_of(
                "SecretStore",
                "az",
                &side(&[("SecretStore", "az", &azure("a"))]),
                &side(&[("SecretStore", "az", &azure("b"))])
            ),
            [
                "the store authenticates as azurekv authType=WorkloadIdentity identityId=a -> azurekv authType=WorkloadIdentity identityId=b"
            ]
        );
    }

    const STS: &str = "spec: {replicas: 2, template: {metadata: {labels: {app: m}}}}";

    #[test]
    fn replicas_lowered_to_the_budget_block_evictions() {
        let pdb = "spec: {minAvailable: 1, selector: {matchLabels: {app: m}}}";
        let old = side(&[("StatefulSet", "m", STS), ("PodDisruptionBudget", "m", pdb)]);
        let new = side(&[
            ("StatefulSet", "m", &STS.replace("replicas: 2", "replicas: 1")),
            ("PodDisruptionBudget", "m", pdb),
        ]);
        assert_eq!(
            flags_of("StatefulSet", "m", &old, &new),
            [
                "StatefulSet m: 2 -> 1 replicas (spec.replicas), PodDisruptionBudget m minAvailable 1: no pod may ever be evicted: node drains and upgrades hang"
            ]
        );
        assert!(
            flags_of("StatefulSet", "m", &new, &old).is_empty(),
            "raising replicas is not flagged"
        );
        // An HPA's minReplicas is the floor that counts.
        let hpa = |min: u8| format!("spec: {{minReplicas: {min}, scaleTargetRef: {{kind: StatefulSet, name: m}}}}");
        let max = "spec: {maxUnavailable: 1, selector: {matchLabels: {app: m}}}";
        let old = side(&[
            ("StatefulSet", "m", STS),
            ("PodDisruptionBudget", "m", max),
            ("HorizontalPodAutoscaler", "m", &hpa(2)),
        ]);
        let new = side(&[
            ("StatefulSet", "m", STS),
            ("PodDisruptionBudget", "m", max),
            ("HorizontalPodAutoscaler", "m", &hpa(1)),
        ]);
        let f = flags_of("HorizontalPodAutoscaler", "m", &old, &new);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].ends_with("every pod may be evicted at once: the budget protects nothing"),
            "{}",
            f[0]
        );
    }
}
