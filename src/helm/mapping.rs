//! Chart values to an `Orchestrator` config, value by value (reference §2.3): the sections of
//! the chart in order, each in its own module around the shared `Ctx`. The config is built
//! as a YAML value and read back through the one parse-check-generate path of `render` and
//! the function, so what is written is what `render` accepts.

use super::config::{clustering, config, platform, secrets};
use super::ctx::{Ctx, function_annotation};
use super::env::{env, mounts};
use super::exposure::{ingress, service, service_account};
use super::report::Report;
use super::values::Values;
use super::workload::{image, name, pod, probes, scale, security};
use serde_yaml::{Mapping, Value};

/// What the import needs besides the values: the names Helm would have had.
pub struct Options {
    /// The Helm release name; with the chart's naming rules it gives `metadata.name`.
    pub release: String,
    /// The release's namespace, written as `spec.namespace` when given.
    pub namespace: Option<String>,
}

/// The result of an import: the config, the platform skeleton, and what became of each value.
pub struct Import {
    /// The `Orchestrator` config document.
    pub config: Value,
    /// What became of each value the file set.
    pub report: Report,
    /// An `OrchestratorPlatform` skeleton when the values point at a platform.
    pub platform: Option<Value>,
}

/// Maps a values file of Strata's chart to an `Orchestrator` config. Never fails: a value it
/// cannot carry over is reported as refused or not mapped instead.
pub fn import(values: Value, opts: &Options) -> Import {
    let v = Values::new(values);
    let mut c = Ctx {
        v: &v,
        doc: Mapping::new(),
        r: Report::default(),
        name: String::new(),
        tmpdir: None,
        secret_env: Vec::new(),
        secret_files: Vec::new(),
        secret_values: Vec::new(),
        mounts: Vec::new(),
        reload: false,
    };
    c.set("apiVersion", crate::api::API_VERSION);
    c.set("kind", crate::api::ORCHESTRATOR);
    name(&mut c, &opts.release);
    c.set("metadata.annotations", function_annotation(true));
    if let Some(ns) = &opts.namespace {
        c.set("spec.namespace", ns.as_str());
    }
    image(&mut c);
    scale(&mut c);
    service(&mut c);
    ingress(&mut c);
    service_account(&mut c);
    security(&mut c);
    pod(&mut c);
    env(&mut c);
    mounts(&mut c);
    config(&mut c);
    probes(&mut c);
    clustering(&mut c);
    secrets(&mut c);
    for key in v.unconsumed() {
        c.r.not_mapped(&key, "not a value of Strata's chart 1.0.5");
    }
    let platform = platform(&mut c);
    let config = Value::Mapping(c.doc);
    validate(&config, &mut c.r);
    Import {
        config,
        report: c.r,
        platform,
    }
}

/// Reads the result back as `render` and the function would; whatever they refuse is
/// reported.
fn validate(config: &Value, r: &mut Report) {
    let o = match crate::resources::render::orchestrator(config, None) {
        Ok(o) => o,
        Err(ds) => {
            for d in ds {
                r.not_mapped(
                    d.field.as_deref().unwrap_or("(config)"),
                    format!("the imported config is invalid: {}", d.message),
                );
            }
            return;
        }
    };
    let Err(ds) = crate::resources::render::checked(&o, Vec::new()) else {
        return;
    };
    for d in ds.iter().filter(|d| d.is_error()) {
        r.not_mapped(
            d.field.as_deref().unwrap_or("(config)"),
            format!("the imported config is refused: {}", d.message),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name_of(values: &str, release: &str) -> (String, Report) {
        let import = import(
            serde_yaml::from_str(values).expect("yaml"),
            &Options {
                release: release.into(),
                namespace: None,
            },
        );
        let name = import.config["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        (name, import.report)
    }

    #[test]
    fn the_name_follows_the_charts_fullname_rule() {
        assert_eq!(name_of("{}", "sso").0, "sso-orchestrator");
        assert_eq!(name_of("{}", "my-orchestrator").0, "my-orchestrator");
        assert_eq!(name_of("nameOverride: idp", "sso").0, "sso-idp");
        assert_eq!(name_of("fullnameOverride: maverics", "sso").0, "maverics");
        let (name, report) = name_of(&format!("fullnameOverride: {}", "a".repeat(60)), "sso");
        assert_eq!(name.len(), 52);
        assert!(
            report
                .entries
                .iter()
                .any(|e| e.key == "fullnameOverride" && e.outcome == crate::helm::Outcome::Changed)
        );
    }

    #[test]
    fn the_eks_skeleton_names_the_irsa_identity_and_asks_for_the_alb_subnets() {
        let import = import(
            serde_yaml::from_str(
                "serviceAccount: {annotations: {eks.amazonaws.com/role-arn: 'arn:aws:iam::111122223333:role/o'}}",
            )
            .expect("yaml"),
            &Options {
                release: "r".into(),
                namespace: None,
            },
        );
        let eks = &import.platform.expect("an EKS skeleton")["spec"]["eks"];
        assert_eq!(eks["identity"], "irsa");
        assert_eq!(eks["networkPolicy"]["albSubnetCidrs"], Value::Sequence(Vec::new()));
        assert!(eks["networkPolicy"].get("vpcCidrs").is_none());
    }

    #[test]
    fn chart_defaults_decide_runtime_behaviour() {
        let import = import(
            serde_yaml::from_str("{}").expect("yaml"),
            &Options {
                release: "r".into(),
                namespace: None,
            },
        );
        let spec = &import.config["spec"];
        assert_eq!(spec["replicas"], 1);
        assert_eq!(spec["autoscaling"]["enabled"], false);
        assert_eq!(spec["image"]["repository"], "maverics");
        assert_eq!(spec["image"]["pullPolicy"], "IfNotPresent");
        assert_eq!(spec["port"], 8080);
        assert!(import.report.complete(), "{}", import.report);
    }
}
