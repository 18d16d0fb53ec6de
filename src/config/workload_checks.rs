//! The rules on the pod, container, config source and clustering settings of `workload.rs`,
//! and the Secrets the Reloader annotation names.

use super::Orchestrator;
use super::workload::*;

/// Files of the ExternalSecret's Secret the generator writes itself.
const RESERVED_FILES: &[&str] = &["secrets.yaml", "license", "tls.crt", "tls.key", "clusters-psk"];

/// A generated `maverics.yaml` that enables clustering should read what the generator sets:
/// the feature flag (without it the orchestrator ignores `clusters`) and every
/// `{{ env.MAVERICS_CLUSTERS_PRIMARY_* }}`. Another config source cannot be read here.
fn unused_cluster_env(o: &Orchestrator, err: &mut impl FnMut(crate::diag::Diagnostic)) {
    use crate::diag::Diagnostic;
    let spec = &o.spec;
    if spec.config_source.config_map.is_some() || spec.config_source.bundle.is_some() {
        return;
    }
    let text = serde_yaml::to_string(&spec.config).unwrap_or_default();
    let missing: Vec<String> = CLUSTER_ENV
        .iter()
        .map(|x| format!("{CLUSTER_ENV_PREFIX}{x}"))
        .filter(|v| !text.contains(&format!("env.{v}")))
        .collect();
    let flag =
        super::maverics::lookup(&spec.config, "features.experimental.clusters").and_then(serde_yaml::Value::as_bool);
    if flag != Some(true) {
        err(Diagnostic::warning("clustering is enabled but spec.config does not turn on `experimental.clusters`: the orchestrator ignores its cluster configuration")
            .field("spec.config.features")
            .fix("add `features: {experimental.clusters: true}` to spec.config"));
    }
    if !missing.is_empty() {
        err(Diagnostic::warning(format!(
            "clustering is enabled but spec.config does not use {}, which the generator sets for it",
            missing.join(", ")
        ))
        .field("spec.config.clusters")
        .fix("wire the cluster as Strata's chart example does: `clusters: [{name: \"{{ env.MAVERICS_CLUSTERS_PRIMARY_NAME }}\", addresses: {membership: \"{{ env.MAVERICS_CLUSTERS_PRIMARY_MEMBERSHIP_ADDR }}\", data: \"{{ env.MAVERICS_CLUSTERS_PRIMARY_DATA_ADDR }}\"}, discovery: {method: srvDNS, srvDNS: {pollInterval: 5s, names: [\"{{ env.MAVERICS_CLUSTERS_PRIMARY_MEMBERSHIP_SRV_RECORD }}\"]}}, encryption: {nodeKey.file: \"{{ env.MAVERICS_CLUSTERS_PRIMARY_NODE_KEY_FILE }}\", psk: \"{{ env.MAVERICS_CLUSTERS_PRIMARY_SECURITY_PSK }}\"}}]`"));
    }
}

fn env_name_ok(n: &str) -> bool {
    !n.is_empty()
        && !n.as_bytes()[0].is_ascii_digit()
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
}

/// The rules on the fields of `workload.rs`; called from `checks::check_orchestrator`.
pub fn check_workload(o: &Orchestrator) -> Vec<crate::diag::Diagnostic> {
    use crate::diag::Diagnostic;
    use base64::Engine as _;
    let spec = &o.spec;
    let mut out = Vec::new();
    let mut err = |d: Diagnostic| out.push(o.locate(d));

    if spec.pod.host_network {
        err(Diagnostic::error(
            "hostNetwork puts the orchestrator on the node's network: it bypasses the NetworkPolicy, listens on every \
             node interface, and two replicas on one node collide on the port",
        )
        .field("spec.pod.hostNetwork")
        .fix("remove it; expose the orchestrator through the Service, an Ingress or the platform layer's Route"));
    }

    // Environment: one owner per name.
    let secret_env: Vec<&str> = spec
        .secrets
        .as_ref()
        .map(|s| s.env.iter().map(|e| e.name.as_str()).collect())
        .unwrap_or_default();
    let mut seen = std::collections::BTreeSet::new();
    let names = spec
        .env
        .keys()
        .map(|n| (n.as_str(), format!("spec.env.{n}")))
        .chain(
            spec.env_value_from
                .keys()
                .map(|n| (n.as_str(), format!("spec.envValueFrom.{n}"))),
        )
        .chain(
            secret_env
                .iter()
                .enumerate()
                .map(|(i, n)| (*n, format!("spec.secrets.env[{i}].name"))),
        );
    for (name, field) in names {
        if !env_name_ok(name) {
            err(
                Diagnostic::error(format!("`{name}` is not a valid environment variable name"))
                    .field(field)
                    .fix("use letters, digits and '_', not starting with a digit"),
            );
        } else if RESERVED_ENV.contains(&name)
            || name.starts_with(CLUSTER_ENV_PREFIX)
            || (spec.clustering.enabled && [POD_NAMESPACE_ENV, POD_SERVICE_ACCOUNT_ENV].contains(&name))
        {
            err(Diagnostic::error(format!("`{name}` is set by the generator"))
                .field(field)
                .fix("remove it: the port sets MAVERICS_HTTP_ADDRESS, spec.configSource the config variables, spec.secrets the secret provider, licence and TLS files, spec.clustering the cluster variables"));
        } else if !seen.insert(name) {
            err(Diagnostic::error(format!("`{name}` is set more than once"))
                .field(field)
                .fix("keep one of spec.env, spec.envValueFrom and spec.secrets.env for each variable"));
        }
    }
    for name in spec.env.keys() {
        if REMOTE_CONFIG_ENV.contains(&name.as_str()) {
            err(Diagnostic::error(format!(
                "`{name}` carries the config source's credentials in plain text"
            ))
            .field(format!("spec.env.{name}"))
            .fix(format!(
                "fetch it through the ExternalSecret: `spec.secrets.env: [{{name: {name}, remoteRef: {{key: ...}}}}]`"
            )));
        }
    }
    for (name, source) in &spec.env_value_from {
        if !secret_free(source) {
            err(Diagnostic::error(format!("`{name}` reads a Kubernetes Secret directly"))
                .field(format!("spec.envValueFrom.{name}.secretKeyRef"))
                .fix(format!("secret values come through the ExternalSecret: move it to `spec.secrets.env: [{{name: {name}, remoteRef: {{key: ...}}}}]`")));
        }
    }

    // Extra mounts
    let mut volumes = std::collections::BTreeSet::new();
    for (i, m) in spec.mounts.iter().enumerate() {
        let field = format!("spec.mounts[{i}]");
        if m.source_count() != 1 {
            err(Diagnostic::error(format!("mount `{}` needs exactly one source", m.name))
                .field(field.clone())
                .fix("set one of `configMap`, `emptyDir` or `persistentVolumeClaim`; secrets go in `spec.secrets.files`"));
        }
        if RESERVED_VOLUMES.contains(&m.name.as_str()) || !volumes.insert(m.name.as_str()) {
            err(Diagnostic::error(format!("volume name `{}` is already used", m.name))
                .field(format!("{field}.name"))
                .fix(format!(
                    "choose another name; the generator uses {}",
                    RESERVED_VOLUMES.join(", ")
                )));
        }
        mount_path_clear(&m.mount_path, &format!("{field}.mountPath"), &mut err);
    }
    if spec.persistence.enabled {
        mount_path_clear(&spec.persistence.mount_path, "spec.persistence.mountPath", &mut err);
    }

    // Config source
    let cs = &spec.config_source;
    let default_config = super::orchestrator::Spec::default().config;
    if cs.config_map.is_some() && cs.bundle.is_some() {
        err(Diagnostic::error("spec.configSource sets both configMap and bundle")
            .field("spec.configSource")
            .fix("the orchestrator reads one config source: keep one of them"));
    }
    if (cs.config_map.is_some() || cs.bundle.is_some()) && spec.config != default_config {
        err(
            Diagnostic::warning("spec.config is not used: spec.configSource names another source")
                .field("spec.config")
                .fix("remove spec.config, or remove spec.configSource to use it"),
        );
    }
    if let Some(c) = &cs.config_map
        && (c.name.is_empty() || c.key.is_empty() || c.key.contains('/'))
    {
        err(
            Diagnostic::error("spec.configSource.configMap needs a name and a file key")
                .field("spec.configSource.configMap")
                .fix("e.g. `configMap: {name: mycustomconfig, key: maverics.yml}`"),
        );
    }
    if let Some(b) = &cs.bundle {
        match (&b.public_key_b64, &b.existing_config_map) {
            (Some(_), Some(_)) | (None, None) => err(Diagnostic::error(
                "the bundle's public key needs exactly one of publicKeyB64 and existingConfigMap",
            )
            .field("spec.configSource.bundle")
            .fix("set `publicKeyB64` (base64 of env_public_key.pem) or name an existing ConfigMap")),
            _ => {}
        }
        if b.bundle_b64.is_some() && b.existing_config_map.is_some() {
            err(Diagnostic::error("bundleB64 is set with existingConfigMap")
                .field("spec.configSource.bundle.bundleB64")
                .fix("put the bundle in the existing ConfigMap (`fromConfigMap: true`), or use publicKeyB64"));
        }
        for (v, f) in [(&b.public_key_b64, "publicKeyB64"), (&b.bundle_b64, "bundleB64")] {
            if let Some(v) = v
                && base64::engine::general_purpose::STANDARD.decode(v.trim()).is_err()
            {
                err(Diagnostic::error(format!("{f} is not valid base64"))
                    .field(format!("spec.configSource.bundle.{f}"))
                    .fix("write the file's base64, e.g. `base64 -w0 maverics.tar.gz`"));
            }
        }
        let remote = REMOTE_CONFIG_ENV
            .iter()
            .any(|n| secret_env.contains(n) || spec.env_value_from.contains_key(*n));
        if !b.local() && !remote {
            err(Diagnostic::error("the bundle has no source: neither a local bundle nor a remote config source")
                .field("spec.configSource.bundle")
                .fix("set `bundleB64`, or fetch a remote source such as `MAVERICS_AWS_CONFIG` through `spec.secrets.env`"));
        }
    }

    // Clustering
    let c = &spec.clustering;
    if c.enabled {
        err(
            Diagnostic::warning("clustering is experimental: Strata does not support it in production")
                .field("spec.clustering.enabled")
                .fix("for production use sticky sessions and a Redis cache instead"),
        );
        if c.psk.is_none() || spec.secrets.is_none() {
            err(Diagnostic::error("clustering needs its pre-shared key from the ExternalSecret")
                .field("spec.clustering.psk")
                .fix("set `spec.clustering.psk: {key: ...}` (a 32-byte hex key, `openssl rand -hex 32`) and `spec.secrets.storeRef`"));
        }
        unused_cluster_env(o, &mut err);
    }

    // Secret files and variables
    if let Some(s) = &spec.secrets {
        let mut files = std::collections::BTreeSet::new();
        for (i, f) in s.files.iter().enumerate() {
            let ok = !f.name.is_empty()
                && f.name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
                && !f.name.starts_with('.');
            let reserved = RESERVED_FILES.contains(&f.name.as_str()) || f.name.starts_with("env-");
            if !ok || reserved || !files.insert(f.name.as_str()) {
                err(Diagnostic::error(format!("secret file name `{}` is invalid or already used", f.name))
                    .field(format!("spec.secrets.files[{i}].name"))
                    .fix(format!("use a unique file name of letters, digits, '-', '_' and '.', not one of {} nor starting with `env-`", RESERVED_FILES.join(", "))));
            }
            if let Some(p) = &f.path {
                mount_path_clear(p, &format!("spec.secrets.files[{i}].path"), &mut err);
            }
        }
    }
    out
}

/// A mount path, normalised as the kernel resolves it (`//etc` and `/./` are no way around
/// the rule), must stay clear of every directory the generator mounts: a mount inside one
/// would shadow generated files (the config file among them), one above it would hide them.
fn mount_path_clear(path: &str, field: &str, err: &mut impl FnMut(crate::diag::Diagnostic)) {
    use crate::diag::Diagnostic;
    use crate::k8s::validate;
    let shown = super::api_rules::shown(path);
    match validate::mount_path(path) {
        Err(why) => err(Diagnostic::error(format!("mount path `{shown}` {why}"))
            .field(field)
            .fix("write an absolute path without `..`, e.g. `/etc/maverics/extensions`")),
        Ok(normal) => {
            if RESERVED_DIRS.iter().any(|d| validate::paths_overlap(&normal, d)) {
                err(
                    Diagnostic::error(format!("mount path `{shown}` (`{normal}`) overlaps a generated mount"))
                        .field(field)
                        .fix(format!(
                            "mount elsewhere; the generator mounts {}",
                            RESERVED_DIRS.join(", ")
                        )),
                );
            }
        }
    }
}

/// The Secrets in the Reloader annotation: the ExternalSecret's (`spec.secrets.reloadOnChange`)
/// and the listener's certificate Secret (`spec.tls.reloadOnChange`).
pub fn reload_secrets(o: &Orchestrator) -> Vec<String> {
    let spec = &o.spec;
    let mut out = Vec::new();
    if spec.secrets.as_ref().is_some_and(|s| s.reload_on_change) {
        out.push(super::names::Names::new(o.name()).secret);
    }
    if let Some(name) = &spec.tls.secret_name
        && spec.tls.reload_on_change
    {
        out.push(name.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::config::Orchestrator;
    use crate::diag::Severity;

    fn errors(spec: &str) -> Vec<(String, String)> {
        let doc =
            format!("apiVersion: krm.maverics.dev/v1alpha1\nkind: Orchestrator\nmetadata: {{name: m}}\nspec:\n{spec}");
        let value: serde_yaml::Value = serde_yaml::from_str(&doc).expect("test YAML");
        let o = Orchestrator::from_value(&value, None).expect("parses");
        super::check_workload(&o)
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| (d.field.unwrap_or_default(), d.message))
            .collect()
    }

    fn fields(spec: &str) -> Vec<String> {
        errors(spec).into_iter().map(|(f, _)| f).collect()
    }

    #[test]
    fn host_network_is_refused() {
        assert_eq!(fields("  pod: {hostNetwork: true}"), ["spec.pod.hostNetwork"]);
        assert!(fields("  pod: {hostNetwork: false}").is_empty());
    }

    #[test]
    fn secret_values_never_come_in_plain_env_or_secret_refs() {
        assert_eq!(
            fields("  env: {MAVERICS_AWS_CONFIG: '{\"secretAccessKey\": \"x\"}'}"),
            ["spec.env.MAVERICS_AWS_CONFIG"]
        );
        assert_eq!(
            fields("  envValueFrom: {DB: {secretKeyRef: {name: db, key: password}}}"),
            ["spec.envValueFrom.DB.secretKeyRef"]
        );
        assert!(fields("  envValueFrom: {ISSUER: {configMapKeyRef: {name: idp, key: issuer}}}").is_empty());
    }

    #[test]
    fn generated_and_duplicate_variables_are_refused() {
        assert_eq!(fields("  env: {MAVERICS_CONFIG: /x}"), ["spec.env.MAVERICS_CONFIG"]);
        assert_eq!(
            fields("  env: {MAVERICS_CLUSTERS_PRIMARY_NAME: x}"),
            ["spec.env.MAVERICS_CLUSTERS_PRIMARY_NAME"]
        );
        assert_eq!(
            fields("  env: {A: x}\n  envValueFrom: {A: {fieldRef: {fieldPath: metadata.name}}}"),
            ["spec.envValueFrom.A"]
        );
    }

    #[test]
    fn mounts_need_one_source_and_stay_out_of_generated_paths() {
        assert_eq!(fields("  mounts: [{name: x, mountPath: /x}]"), ["spec.mounts[0]"]);
        assert_eq!(
            fields("  mounts: [{name: x, mountPath: /etc/maverics/config/sub, emptyDir: {}}]"),
            ["spec.mounts[0].mountPath"]
        );
        assert_eq!(
            fields("  mounts: [{name: tmp, mountPath: /x, emptyDir: {}}]"),
            ["spec.mounts[0].name"]
        );
        assert!(
            fields("  mounts: [{name: ext, mountPath: /etc/maverics/extensions, configMap: {name: e}}]").is_empty()
        );
    }

    #[test]
    fn mount_paths_are_normalised_before_the_overlap_check() {
        for path in [
            "//etc/maverics/config",
            "/etc/./maverics/config/",
            "/etc//maverics///secrets/x",
            "/",
            "/etc/maverics/x/../config",
        ] {
            let spec = format!("  mounts: [{{name: x, mountPath: '{path}', emptyDir: {{}}}}]");
            assert_eq!(fields(&spec), ["spec.mounts[0].mountPath"], "{path}");
        }
        for path in [
            "/etc/maverics/config/maverics.yaml",
            "//etc/maverics/config/maverics.yaml",
            "/tmp/./x",
            "relative",
        ] {
            let spec = format!(
                "  secrets: {{storeRef: {{name: s}}, files: [{{name: f, path: '{path}', remoteRef: {{key: k}}}}]}}"
            );
            assert_eq!(fields(&spec), ["spec.secrets.files[0].path"], "{path}");
        }
        let spec = "  persistence: {enabled: true, mountPath: '/etc/maverics/./config'}";
        assert_eq!(fields(spec), ["spec.persistence.mountPath"]);
    }

    #[test]
    fn a_bundle_needs_a_key_and_a_source() {
        assert_eq!(
            fields("  configSource: {bundle: {}}"),
            ["spec.configSource.bundle", "spec.configSource.bundle"]
        );
        assert_eq!(
            fields("  configSource: {bundle: {publicKeyB64: 'not base64!', bundleB64: QUJD}}"),
            ["spec.configSource.bundle.publicKeyB64"]
        );
        assert!(fields("  configSource: {bundle: {publicKeyB64: QUJD, bundleB64: QUJD}}").is_empty());
        // A remote source fetched through the ExternalSecret is a source.
        assert!(
            fields(
                "  configSource: {bundle: {publicKeyB64: QUJD}}\n  secrets: {storeRef: {name: s}, env: [{name: MAVERICS_AWS_CONFIG, remoteRef: {key: k}}]}"
            )
            .is_empty()
        );
        assert_eq!(
            fields("  configSource: {configMap: {name: a}, bundle: {publicKeyB64: QUJD, bundleB64: QUJD}}"),
            ["spec.configSource"]
        );
    }

    #[test]
    fn clustering_needs_its_key_from_the_external_secret_but_no_namespace() {
        assert_eq!(fields("  clustering: {enabled: true}"), ["spec.clustering.psk"]);
        assert!(fields("  clustering: {enabled: true, psk: {key: k}}\n  secrets: {storeRef: {name: s}}").is_empty());
        assert_eq!(
            fields(
                "  clustering: {enabled: true, psk: {key: k}}\n  secrets: {storeRef: {name: s}}\n  env: {POD_NAMESPACE: x}"
            ),
            ["spec.env.POD_NAMESPACE"]
        );
        assert!(
            fields("  env: {POD_NAMESPACE: x}").is_empty(),
            "free when clustering is off"
        );
    }

    fn warnings(spec: &str) -> Vec<String> {
        let doc =
            format!("apiVersion: krm.maverics.dev/v1alpha1\nkind: Orchestrator\nmetadata: {{name: m}}\nspec:\n{spec}");
        let o = Orchestrator::from_value(&serde_yaml::from_str(&doc).expect("test YAML"), None).expect("parses");
        super::check_workload(&o)
            .into_iter()
            .filter(|d| d.severity == Severity::Warning)
            .map(|d| d.field.unwrap_or_default())
            .collect()
    }

    #[test]
    fn clustering_warns_when_the_config_ignores_the_generated_variables() {
        let on = "  clustering: {enabled: true, psk: {key: k}}\n  secrets: {storeRef: {name: s}}\n";
        assert_eq!(
            warnings(on),
            [
                "spec.clustering.enabled",
                "spec.config.features",
                "spec.config.clusters"
            ]
        );
        let vars = crate::config::workload::CLUSTER_ENV
            .iter()
            .map(|x| format!("'{{{{ env.MAVERICS_CLUSTERS_PRIMARY_{x} }}}}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let wired =
            format!("{on}  config: {{features: {{experimental.clusters: true}}, clusters: [{{all: [{vars}]}}]}}\n");
        assert_eq!(warnings(&wired), ["spec.clustering.enabled"]);
        let bundle = format!("{on}  configSource: {{bundle: {{publicKeyB64: QUJD, bundleB64: QUJD}}}}\n");
        assert_eq!(
            warnings(&bundle),
            ["spec.clustering.enabled"],
            "a bundle cannot be read"
        );
    }

    #[test]
    fn secret_files_cannot_take_generated_names() {
        for name in ["secrets.yaml", "clusters-psk", "env-X", "../x"] {
            let spec =
                format!("  secrets: {{storeRef: {{name: s}}, files: [{{name: '{name}', remoteRef: {{key: k}}}}]}}");
            assert_eq!(fields(&spec), ["spec.secrets.files[0].name"], "{name}");
        }
    }
}
