//! The configuration sections of the chart: the orchestrator config or Console bundle (literal
//! secrets lifted out), clustering, the secret store, and the platform skeleton the values
//! point at.

use super::ctx::{Ctx, function_annotation, secret_env, untemplate_tree};
use super::values::{merge, set};
use crate::secrets;
use serde_yaml::{Mapping, Value};

/// The secret store the imported config names until the user fills in theirs.
pub const STORE_PLACEHOLDER: &str = "change-me";

pub(super) fn config(c: &mut Ctx) {
    let cloud = c.v.bool_or("cloud.enabled", false);
    if let Some(cm) = c.v.nonempty("orchestrator.customConfigMapName").map(str::to_owned) {
        c.set("spec.configSource.configMap.name", cm);
        c.set("spec.configSource.configMap.key", "maverics.yml");
        c.r.mapped("orchestrator.customConfigMapName", "spec.configSource.configMap");
        let _ = c.v.get("orchestrator.baseConfig");
        let _ = c.v.get("orchestrator.customConfig");
    } else if cloud {
        let _ = c.v.get("orchestrator.baseConfig");
        if c.v.nonempty_value("orchestrator.customConfig").is_some() {
            c.r.changed(
                "orchestrator.customConfig",
                "(dropped)",
                "with cloud.enabled the orchestrator reads the Console bundle; the chart still renders this config, but nothing reads it",
            );
        }
    } else {
        let mut base = if c.v.has("orchestrator.baseConfig") {
            c.v.get("orchestrator.baseConfig").cloned().unwrap_or(Value::Null)
        } else {
            serde_yaml::from_str("{version: 0.0.1, http: {address: '{{ env.MAVERICS_HTTP_ADDRESS}}'}}")
                .unwrap_or_default()
        };
        if base.is_null() {
            base = Value::Mapping(Mapping::new());
        }
        if let Some(custom) = c.v.get("orchestrator.customConfig") {
            merge(&mut base, custom);
        }
        let mut errors = Vec::new();
        untemplate_tree(&mut base, "orchestrator.customConfig", &mut errors);
        for (path, e) in errors {
            c.r.not_mapped(&path, format!("{e}: write the value it renders to"));
        }
        let mut lifted = Vec::new();
        lift_secrets(&mut base, "", &mut lifted);
        for (path, name) in lifted {
            let remote = format!("{}-config-secrets", c.name);
            let property = name.trim_start_matches(LIFTED_GROUP).trim_start_matches('.').to_owned();
            // `{name, remoteRef}`: the shape of a `spec.secrets.values` entry too.
            c.secret_values.push(secret_env(&name, remote.clone(), Some(&property)));
            c.r.changed(
                &format!("orchestrator.customConfig{path}"),
                "spec.secrets.values",
                format!("a literal secret in the config (it would sit in a ConfigMap): now `<{name}>`, fetched by the ExternalSecret from `{remote}` property `{property}`; put the value there"),
            );
        }
        c.set("spec.config", base);
        c.r.mapped("orchestrator.baseConfig + orchestrator.customConfig", "spec.config");
        c.r.changed(
            "(config file name)",
            "spec.config",
            "the ConfigMap key and MAVERICS_CONFIG end in maverics.yaml (the documented default), not the chart's maverics.yml; same directory /etc/maverics/config",
        );
    }
    if !cloud {
        let _ = c.v.get("cloud");
        return;
    }
    c.r.mapped("cloud.enabled", "spec.configSource.bundle");
    let create = c.v.bool_or("cloud.config.createConfig", true);
    let key = c.v.nonempty("cloud.config.bundlePublicKeyB64").map(str::to_owned);
    let bundle = c.v.nonempty("cloud.config.bundleB64").map(str::to_owned);
    let name = c.v.nonempty("cloud.config.configName").map(str::to_owned);
    if create {
        match key {
            Some(k) => {
                c.set("spec.configSource.bundle.publicKeyB64", k);
                c.r.mapped(
                    "cloud.config.bundlePublicKeyB64",
                    "spec.configSource.bundle.publicKeyB64",
                );
            }
            None => {
                c.r.not_mapped("cloud.config.bundlePublicKeyB64", "the bundle needs its public key")
            }
        }
        if let Some(b) = &bundle {
            c.set("spec.configSource.bundle.bundleB64", b.as_str());
            c.r.mapped("cloud.config.bundleB64", "spec.configSource.bundle.bundleB64");
        }
        if name.is_some() {
            c.r.changed(
                "cloud.config.configName",
                "(generated: <name>-bundle)",
                "the generated ConfigMap is named after metadata.name (the chart ignores configName: bug §2.9-2)",
            );
        }
    } else {
        match name {
            Some(n) => {
                c.set("spec.configSource.bundle.existingConfigMap", n);
                c.set("spec.configSource.bundle.fromConfigMap", bundle.is_some());
                c.r.changed(
                    "cloud.config.configName",
                    "spec.configSource.bundle.existingConfigMap",
                    "honoured: the chart reads an undocumented `name` key instead (bug §2.9-2)",
                );
            }
            None => c.r.not_mapped(
                "cloud.config.createConfig",
                "with createConfig false the chart's ConfigMap name comes from an undocumented key: set configName",
            ),
        }
    }
    c.r.mapped("cloud.config.createConfig", "spec.configSource.bundle");
}

/// The `group` of secret values lifted out of the config: `<imported.key>`.
const LIFTED_GROUP: &str = "imported";

/// Replaces literal secrets in the orchestrator config (keys named like a secret, whose value
/// is neither a `<group.key>` reference nor an `{{ env.X }}` placeholder) with references to
/// `spec.secrets.values`; returns (path, value name) of each.
fn lift_secrets(v: &mut Value, path: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Mapping(m) => {
            for (k, child) in m.iter_mut() {
                let key = k.as_str().unwrap_or_default().to_owned();
                let p = format!("{path}.{key}");
                // The one detector decides: a secret-named key or a secret-shaped value, unless
                // the whole value is a reference (`<group.key>`, `{{ env.X }}`).
                let literal_secret = child.as_str().is_some_and(|s| {
                    !secrets::is_reference(s) && (secrets::is_secret_key(&key) || secrets::shape(s).is_some())
                });
                if literal_secret {
                    let mut name: String = p
                        .trim_start_matches('.')
                        .chars()
                        .map(|ch| {
                            if ch.is_ascii_alphanumeric() || ch == '-' {
                                ch
                            } else {
                                '_'
                            }
                        })
                        .collect();
                    let base = name.clone();
                    let mut n = 2;
                    while out.iter().any(|(_, used)| *used == format!("{LIFTED_GROUP}.{name}")) {
                        name = format!("{base}_{n}");
                        n += 1;
                    }
                    let name = format!("{LIFTED_GROUP}.{name}");
                    *child = Value::from(format!("<{name}>"));
                    out.push((p, name));
                } else {
                    lift_secrets(child, &p, out);
                }
            }
        }
        Value::Sequence(s) => {
            for (i, child) in s.iter_mut().enumerate() {
                lift_secrets(child, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

pub(super) fn clustering(c: &mut Ctx) {
    if let Some(d) = c.v.nonempty("clusterDomain").map(str::to_owned) {
        c.set("spec.clustering.clusterDomain", d);
        c.r.mapped("clusterDomain", "spec.clustering.clusterDomain");
    }
    if !c.v.bool_or("orchestrator.clusters.create", false) {
        let _ = c.v.get("orchestrator.clusters");
        return;
    }
    c.set("spec.clustering.enabled", true);
    c.r.mapped("orchestrator.clusters.create", "spec.clustering.enabled (experimental)");
    if let Some(n) = c.v.nonempty("orchestrator.clusters.primary.name").map(str::to_owned) {
        c.set("spec.clustering.name", n);
        c.r.mapped("orchestrator.clusters.primary.name", "spec.clustering.name");
    }
    let secret =
        c.v.nonempty("orchestrator.clusters.primary.psk.secretName")
            .map_or_else(|| format!("{}-primary-cluster-psk", c.name), str::to_owned);
    let prop =
        c.v.nonempty("orchestrator.clusters.primary.psk.secretKey")
            .unwrap_or("psk")
            .to_owned();
    c.set("spec.clustering.psk.key", secret.clone());
    c.set("spec.clustering.psk.property", prop.clone());
    c.r.mapped(
        "orchestrator.clusters.primary.psk.secretName",
        "spec.clustering.psk.key",
    );
    c.r.mapped(
        "orchestrator.clusters.primary.psk.secretKey",
        "spec.clustering.psk.property",
    );
    let create = c.v.bool_or("orchestrator.clusters.primary.psk.createSecret", false);
    let inline = c.v.nonempty("orchestrator.clusters.primary.psk.value").is_some();
    if create || inline {
        c.r.changed(
            "orchestrator.clusters.primary.psk.value",
            "spec.clustering.psk",
            format!("never inline: store the key (`openssl rand -hex 32`) in your secret store as `{secret}` property `{prop}`; the ExternalSecret fetches it"),
        );
    }
    let _ = c.v.get("orchestrator.clusters.primary.psk.createSecret");
}

pub(super) fn secrets(c: &mut Ctx) {
    if c.reload {
        c.set("spec.configSource.reload.enabled", true);
    }
    let clustering = c.v.bool_or("orchestrator.clusters.create", false);
    if c.secret_env.is_empty() && c.secret_files.is_empty() && c.secret_values.is_empty() && !clustering {
        return;
    }
    c.set("spec.secrets.storeRef.name", STORE_PLACEHOLDER);
    c.r.changed(
        "(secret store)",
        "spec.secrets.storeRef.name",
        format!("secrets come from an External Secrets store: replace `{STORE_PLACEHOLDER}` with your SecretStore or ClusterSecretStore"),
    );
    let values = std::mem::take(&mut c.secret_values);
    if !values.is_empty() {
        c.set("spec.secrets.values", values);
    }
    let env = std::mem::take(&mut c.secret_env);
    if !env.is_empty() {
        c.set("spec.secrets.env", env);
    }
    let files = std::mem::take(&mut c.secret_files);
    if !files.is_empty() {
        c.set("spec.secrets.files", files);
    }
}

/// An `OrchestratorPlatform` skeleton when the values name a platform: the Red Hat image or
/// OpenShift's UID rule (ROSA), ECR or IRSA (EKS). Placeholders are the overlays' examples.
pub(super) fn platform(c: &mut Ctx) -> Option<Value> {
    let repo = c
        .doc
        .get("spec")
        .and_then(|s| s.get("image"))
        .and_then(|i| i.get("repository"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let irsa = c
        .doc
        .get("spec")
        .and_then(|s| s.get("serviceAccount"))
        .and_then(|s| s.get("annotations"))
        .and_then(|a| a.get(crate::k8s::identity::IRSA_ROLE_ARN))
        .is_some();
    if repo.starts_with("registry.connect.redhat.com/") {
        c.r.platform = Some("rosa".into());
    } else if c.r.platform.is_none() && (irsa || repo.contains(".dkr.ecr.")) {
        c.r.platform = Some("eks".into());
    }
    let p = c.r.platform.clone()?;
    let hosts: Vec<Value> = c
        .doc
        .get("spec")
        .and_then(|s| s.get("ingress"))
        .and_then(|i| i.get("hosts"))
        .and_then(Value::as_sequence)
        .cloned()
        .unwrap_or_default();
    let mut m = Mapping::new();
    set(&mut m, "apiVersion", crate::api::API_VERSION.into());
    set(&mut m, "kind", crate::api::PLATFORM.into());
    set(&mut m, "metadata.name", p.as_str().into());
    set(&mut m, "metadata.annotations", function_annotation(false));
    set(&mut m, "spec.platform", p.as_str().into());
    if p == "rosa" {
        let host = hosts.first().cloned().unwrap_or_else(|| "sso.apps.example.com".into());
        set(&mut m, "spec.rosa.route.host", host);
    } else {
        let hosts = if hosts.is_empty() {
            vec!["sso.example.com".into()]
        } else {
            hosts
        };
        set(&mut m, "spec.eks.ingress.hosts", Value::Sequence(hosts));
        // The chart's IRSA annotation stays on the base's ServiceAccount; the layer is told so.
        if irsa {
            set(&mut m, "spec.eks.identity", "irsa".into());
        }
        // Left empty on purpose: only the user knows the ALB's subnets, and the layer refuses
        // to build until they are listed (not the VPC CIDR, which holds every pod).
        set(
            &mut m,
            "spec.eks.networkPolicy.albSubnetCidrs",
            Value::Sequence(Vec::new()),
        );
    }
    Some(Value::Mapping(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_secrets_in_the_config_become_references() {
        let mut config: Value = serde_yaml::from_str(
            "connectors: [{name: idp, oauthClientSecret: s3cret, clientID: abc}]\n\
             caches: [{redis: {password: '<vault.redis>'}}]\n\
             clusters: [{encryption: {psk: '{{ env.PSK }}'}}]\n",
        )
        .expect("yaml");
        let mut lifted = Vec::new();
        lift_secrets(&mut config, "", &mut lifted);
        assert_eq!(
            lifted,
            [(
                ".connectors[0].oauthClientSecret".to_owned(),
                "imported.connectors_0__oauthClientSecret".to_owned()
            )]
        );
        assert_eq!(
            config["connectors"][0]["oauthClientSecret"],
            "<imported.connectors_0__oauthClientSecret>"
        );
        assert_eq!(config["connectors"][0]["clientID"], "abc");
        assert_eq!(config["caches"][0]["redis"]["password"], "<vault.redis>");
    }
}
