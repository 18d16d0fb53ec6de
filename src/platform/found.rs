//! Finding the orchestrator in a stream by its labels, not its names: `namePrefix`,
//! `namespace` and other overlays rename objects, but they keep the labels the generator set.

use crate::config::maverics::MavericsFacts;
use crate::diag::Diagnostic;
use crate::k8s::kinds::{EXTERNAL_SECRET, Kind, builtin};
use crate::k8s::labels::{APP_NAME, LABEL_INSTANCE, LABEL_MANAGED_BY, LABEL_NAME, MANAGED_BY};
use crate::krm::{Item, object};
use crate::platform::config::OrchestratorPlatform;
use crate::resources::{configmap, statefulset};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use serde_json::Value as Json;
use serde_yaml::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Indices into the stream of the orchestrator's objects, what was read from them, and JSON
/// working copies of the ones the platform layers read and edit (the rest of the stream is
/// read in place, never copied).
#[derive(Debug)]
pub struct OrchestratorObjects {
    /// JSON copies of the orchestrator's own objects, by index in the stream.
    objects: BTreeMap<usize, Json>,
    /// The orchestrator's `app.kubernetes.io/instance`, which selects its objects in the stream.
    pub instance: String,
    /// The orchestrator's StatefulSet.
    pub statefulset: usize,
    /// Index of the orchestrator container in the pod template.
    pub container: usize,
    /// The orchestrator's client Service.
    pub service: usize,
    /// The orchestrator's ServiceAccount, when the stream has it.
    pub service_account: Option<usize>,
    /// The ConfigMap that holds `maverics.yaml`, when the stream has it.
    pub config_map: Option<usize>,
    /// The ExternalSecret of `spec.secrets`, when the stream has it.
    pub external_secret: Option<usize>,
    /// The orchestrator's NetworkPolicy, when the stream has it.
    pub network_policy: Option<usize>,
    /// The orchestrator's Ingress, when the stream has it.
    pub ingress: Option<usize>,
    /// A Namespace object for the orchestrator's namespace, when the overlay manages it.
    pub namespace_object: Option<usize>,
    /// What the tool reads from the ConfigMap's `maverics.yaml` (defaults without the ConfigMap).
    pub facts: MavericsFacts,
    /// The pod serves HTTPS (`tls.termination: pod` in the base).
    pub serves_tls: bool,
}

pub fn name(o: &Json) -> &str {
    o.pointer("/metadata/name").and_then(Json::as_str).unwrap_or_default()
}

pub fn namespace(o: &Json) -> Option<&str> {
    o.pointer("/metadata/namespace").and_then(Json::as_str)
}

static NULL: Json = Json::Null;

/// An object the generator labelled as the orchestrator's (of any instance): what the scan
/// selects from, by the labels alone.
pub(super) fn ours(o: &Value) -> bool {
    object::label(o, LABEL_MANAGED_BY) == Some(MANAGED_BY) && object::label(o, LABEL_NAME) == Some(APP_NAME)
}

/// The items read as trees, with their places in the stream: the plan reads no other.
pub(super) fn trees(items: &[Item]) -> impl Iterator<Item = (usize, &Value)> {
    items.iter().enumerate().filter_map(|(i, o)| o.tree().map(|t| (i, t)))
}

/// A JSON copy of item `index`. A passed item was never read, so no plan may read or rewrite
/// it: the function keeps every item the plan could select as a tree (`super::kept`), and one
/// it did not is a bug, said as one.
pub(super) fn json_of(items: &[Item], index: usize) -> Result<Json, Diagnostic> {
    match items.get(index) {
        Some(Item::Tree(v)) => super::json::item_json(v),
        other => Err(unread(
            &other.map_or_else(|| format!("item {index}"), |o| o.key().to_string()),
        )),
    }
}

/// The plan reads or changes `what`, an item passed through unread: a bug of the sieve
/// (`super::kept`) or of the plan.
pub(super) fn unread(what: &str) -> Diagnostic {
    Diagnostic::internal(format!(
        "the platform layer reads or changes {what}, an item it passed through unread"
    ))
}

/// Two objects of the orchestrator `instance` of kind `kind` where it generates one.
fn twice(kind: Kind, instance: &str, a: &Value, b: &Value) -> Diagnostic {
    let at = |o: &Value| {
        let key = crate::krm::ObjectKey::of(o);
        match crate::krm::annotations::path(o) {
            Some(path) => format!("`{key}` ({path})"),
            None => format!("`{key}`"),
        }
    };
    let found = format!(
        "two {} objects of the orchestrator `{instance}`: {} and {}",
        kind.kind,
        at(a),
        at(b)
    );
    if object::namespace(a) != object::namespace(b) {
        // Two configs of one name in two namespaces: their objects carry the same instance
        // label, which is all `spec.instance` selects by.
        return Diagnostic::error(format!(
            "{found}: two orchestrators named `{instance}` in different namespaces, which a platform layer cannot tell apart"
        ))
        .fix("give each Orchestrator config its own metadata.name (spec.instance selects by it), or apply the platform layer in the overlay of each one");
    }
    Diagnostic::error(format!(
        "{found}, where the generator makes one: a platform layer would change only the first"
    ))
    .fix("remove the copy: list the base once under `resources:`, and patch a generated object instead of copying it into an overlay")
}

impl OrchestratorObjects {
    /// Finds the orchestrator that `cfg` is for (by `spec.instance` when the stream holds several)
    /// and its objects, by their labels. An error when there is none, several and no
    /// `spec.instance`, or its StatefulSet (with the orchestrator container) or client Service is missing.
    pub fn scan(cfg: &OrchestratorPlatform, items: &[Item]) -> Result<OrchestratorObjects, Vec<Diagnostic>> {
        // The stream is read in place: only the orchestrator's own objects are copied to JSON.
        let label = object::label;
        let instances: BTreeSet<&str> = trees(items)
            .map(|(_, o)| o)
            .filter(|o| ours(o) && builtin::<StatefulSet>().is(o))
            .filter_map(|o| label(o, LABEL_INSTANCE))
            .collect();
        let instance = match (&cfg.spec.instance, instances.len()) {
            (Some(i), _) if instances.contains(i.as_str()) => i.clone(),
            (Some(i), _) => {
                return Err(vec![
                    Diagnostic::error(format!("no orchestrator instance `{i}` in the resources"))
                        .field("spec.instance")
                        .fix(format!(
                            "use one of: {}",
                            if instances.is_empty() {
                                "(none found)".to_owned()
                            } else {
                                instances
                                    .iter()
                                    .map(|i| format!("`{i}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            }
                        )),
                ]);
            }
            (None, 1) => instances.iter().next().map(|s| (*s).to_owned()).unwrap_or_default(),
            (None, 0) => {
                return Err(vec![
                    Diagnostic::error("no Maverics orchestrator in the resources this transformer received")
                        .fix("list the base (e.g. `../../bases/orchestrator`) under `resources:` of the kustomization whose `transformers:` holds this config; it finds the StatefulSet labelled app.kubernetes.io/managed-by: maverics-krm"),
                ]);
            }
            (None, _) => {
                return Err(vec![
                    Diagnostic::error(format!(
                        "several orchestrator instances in the resources: {}",
                        instances
                            .iter()
                            .map(|i| format!("`{i}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                    .field("spec.instance")
                    .fix("set `spec.instance` to the one this platform config is for"),
                ]);
            }
        };
        let mine = |o: &Value| ours(o) && label(o, LABEL_INSTANCE) == Some(instance.as_str());
        // Each of these the layers edit, replace or delete as the one object it is: a second
        // copy (the base listed twice, a generated object copied into an overlay) would be
        // left as it came, and a second run would then change it, so it is refused.
        let find = |k: Kind, extra: &dyn Fn(&Value) -> bool| -> Result<Option<usize>, Vec<Diagnostic>> {
            let mut found = trees(items).filter(|(_, o)| mine(o) && k.is(o) && extra(o));
            let first = found.next();
            match (first, found.next()) {
                (Some((_, a)), Some((_, b))) => Err(vec![twice(k, &instance, a, b)]),
                (first, _) => Ok(first.map(|(i, _)| i)),
            }
        };
        let any = |_: &Value| true;
        let Some(statefulset) = find(builtin::<StatefulSet>(), &any)? else {
            return Err(vec![Diagnostic::error("the orchestrator StatefulSet is missing")]);
        };
        let sts = json_of(items, statefulset).map_err(|d| vec![d])?;
        let containers: &[Json] = sts
            .pointer("/spec/template/spec/containers")
            .and_then(Json::as_array)
            .map_or(&[], Vec::as_slice);
        let Some(container) = containers
            .iter()
            .position(|c| c.get("name").and_then(Json::as_str) == Some(statefulset::CONTAINER))
        else {
            return Err(vec![
                Diagnostic::error(format!(
                    "the StatefulSet `{}` has no container named `{}`",
                    name(&sts),
                    statefulset::CONTAINER
                ))
                .fix("keep the generated container's name when patching the StatefulSet"),
            ]);
        };
        let headless =
            |o: &Value| o.get("spec").and_then(|s| s.get("clusterIP")).and_then(Value::as_str) == Some("None");
        let Some(service) = find(builtin::<Service>(), &|o| !headless(o))? else {
            return Err(vec![
                Diagnostic::error("the orchestrator's client Service is missing")
                    .fix("keep the generated Service; the platform's Ingress or Route points at it"),
            ]);
        };
        fn config_text(o: &Value) -> Option<&Value> {
            o.get("data")?.get(configmap::KEY)
        }
        let config_map = find(builtin::<ConfigMap>(), &|o| config_text(o).is_some())?;
        let facts = config_map
            .and_then(|i| items[i].tree())
            .and_then(config_text)
            .and_then(Value::as_str)
            .and_then(|text| serde_yaml::from_str::<Value>(text).ok())
            .map(|v| MavericsFacts::read(&v))
            .unwrap_or_else(|| MavericsFacts::read(&Value::Null));
        let probe_https = containers[container]
            .pointer("/readinessProbe/httpGet/scheme")
            .and_then(Json::as_str)
            == Some("HTTPS");
        let svc = json_of(items, service).map_err(|d| vec![d])?;
        let port_https = svc.pointer("/spec/ports/0/appProtocol").and_then(Json::as_str) == Some("https");
        let ns = namespace(&sts).map(str::to_owned);
        // The orchestrator's own account is the one its pods run as; the platform adds others
        // (the secrets reader) with the same labels.
        let pod_sa = sts
            .pointer("/spec/template/spec/serviceAccountName")
            .and_then(Json::as_str)
            .map(str::to_owned);
        let namespace_object = trees(items)
            .find(|(_, o)| builtin::<Namespace>().is(o) && ns.as_deref() == Some(object::name(o)))
            .map(|(i, _)| i);
        let service_account = find(builtin::<ServiceAccount>(), &|o| {
            Some(object::name(o)) == pod_sa.as_deref()
        })?;
        let external_secret = find(EXTERNAL_SECRET, &any)?;
        let network_policy = find(builtin::<NetworkPolicy>(), &any)?;
        // The generator names its Ingress as its client Service, and so do the layers that
        // write their own (EKS, AKS): another Ingress with the orchestrator's labels is not
        // the one they replace, and counting it would refuse their own output on a second run.
        let service_name = name(&svc).to_owned();
        let ingress = find(builtin::<Ingress>(), &|o| object::name(o) == service_name)?;
        // The orchestrator's own objects the layers read or edit, each copied to JSON once.
        // The Namespace is not the generator's (it is found by name): it is copied only when
        // a layer edits it, so one JSON cannot hold fails only the layer that needs it.
        let mut objects = BTreeMap::from([(statefulset, sts), (service, svc)]);
        for i in [service_account, external_secret, network_policy, ingress]
            .into_iter()
            .flatten()
        {
            objects.insert(i, json_of(items, i).map_err(|d| vec![d])?);
        }
        Ok(OrchestratorObjects {
            objects,
            instance: instance.clone(),
            statefulset,
            container,
            service,
            service_account,
            config_map,
            external_secret,
            network_policy,
            ingress,
            namespace_object,
            facts,
            serves_tls: probe_https || port_https,
        })
    }

    /// The JSON copy of the orchestrator object at `index` (one the scan found); Null for
    /// any other index.
    pub fn object(&self, index: usize) -> &Json {
        self.objects.get(&index).unwrap_or(&NULL)
    }

    /// A JSON copy of the item at `index`: the scan's, when it made one.
    pub fn copy_of(&self, index: usize, items: &[Item]) -> Result<Json, Diagnostic> {
        match self.objects.get(&index) {
            Some(o) => Ok(o.clone()),
            None => json_of(items, index),
        }
    }

    /// The orchestrator's StatefulSet, as JSON.
    pub fn sts(&self) -> &Json {
        self.object(self.statefulset)
    }

    /// The orchestrator's client Service, as JSON.
    pub fn svc(&self) -> &Json {
        self.object(self.service)
    }

    /// The name objects the platform adds are derived from: the client Service's, which
    /// carries any `namePrefix`/`nameSuffix` applied before this transformer.
    pub fn base_name(&self) -> String {
        name(self.svc()).to_owned()
    }

    /// The StatefulSet's namespace; `None` when it is left to where the objects are applied.
    pub fn namespace(&self) -> Option<String> {
        namespace(self.sts()).map(str::to_owned)
    }

    /// The labels of the orchestrator's objects, for the objects the platform adds (so they
    /// are found again on the next run, and pruned with the rest).
    pub fn labels(&self) -> Json {
        self.svc()
            .pointer("/metadata/labels")
            .cloned()
            .unwrap_or_else(|| Json::Object(Default::default()))
    }

    /// Selector labels (name + instance) of the pods.
    pub fn selector(&self) -> Json {
        serde_json::json!({ LABEL_NAME: APP_NAME, LABEL_INSTANCE: self.instance })
    }

    /// The name of the orchestrator's ServiceAccount (from the pod spec when the object
    /// itself is not in the stream).
    pub fn service_account_name(&self) -> String {
        self.service_account
            .map(|i| name(self.object(i)).to_owned())
            .or_else(|| {
                self.sts()
                    .pointer("/spec/template/spec/serviceAccountName")
                    .and_then(Json::as_str)
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| self.base_name())
    }
}
