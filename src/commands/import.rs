//! `maverics-krm import-helm-values`: a values file of Strata's Helm chart to an Orchestrator
//! config, printed or written as a base and an overlay, with the report on stderr.

use super::{CliError, read_input};
use crate::exit::Exit;
use crate::io::stage::{NonEmpty, Staged};
use crate::io::{read, stdout};
use serde_yaml::Value;
use std::path::Path;

/// What `import-helm-values` was asked for, beyond the values file.
pub struct Args {
    /// The Helm release name, which with the chart's naming rules gives `metadata.name`.
    pub release: String,
    /// The release's namespace, written as `spec.namespace` when given.
    pub namespace: Option<String>,
    /// Write the base (and overlay) under this directory instead of printing the config.
    pub out: Option<std::path::PathBuf>,
    /// The report as JSON.
    pub json: bool,
    /// With `out`: overwrite files in a non-empty directory.
    pub force: bool,
}

fn to_yaml(v: &Value) -> Result<String, CliError> {
    serde_yaml::to_string(v).map_err(|e| CliError::Usage(format!("serialising the config: {e}")))
}

/// A kustomization as a YAML value: `key` lists `items`.
fn kustomization(entries: &[(&str, &str)]) -> Value {
    let mut m = serde_yaml::Mapping::new();
    m.insert("apiVersion".into(), "kustomize.config.k8s.io/v1beta1".into());
    m.insert("kind".into(), "Kustomization".into());
    for (key, item) in entries {
        m.insert((*key).into(), Value::Sequence(vec![(*item).into()]));
    }
    Value::Mapping(m)
}

/// Exit 0 when every value has a home, 1 when one was refused or not mapped.
pub fn import_helm_values(values: &Path, args: Args) -> Result<Exit, CliError> {
    let input = read_input(values)?;
    let parsed = read::document(&input.name, &input.text).map_err(|d| CliError::Findings(vec![d]))?;
    let parsed = if parsed.is_null() {
        Value::Mapping(serde_yaml::Mapping::new())
    } else {
        parsed
    };
    if !parsed.is_mapping() {
        return Err(CliError::Usage(format!(
            "{}: a values file is a YAML mapping",
            values.display()
        )));
    }
    let import = crate::helm::import(
        parsed,
        &crate::helm::Options {
            release: args.release,
            namespace: args.namespace,
        },
    );
    let config = to_yaml(&import.config)?;
    match args.out.as_deref() {
        None => stdout::write(&config)?,
        Some(dir) => {
            let staged = Staged::new(
                dir,
                if args.force {
                    NonEmpty::Overwrite
                } else {
                    NonEmpty::Refuse("choose a new or empty directory for --out, or pass --force to overwrite")
                },
            )
            .map_err(CliError::Input)?;
            let write = |rel: &str, text: &str| staged.write(rel, text).map(drop).map_err(CliError::Input);
            write("bases/orchestrator/orchestrator.yaml", &config)?;
            write(
                "bases/orchestrator/kustomization.yaml",
                &to_yaml(&kustomization(&[("generators", "orchestrator.yaml")]))?,
            )?;
            if let (Some(p), Some(platform)) = (&import.report.platform, &import.platform) {
                write(&format!("overlays/{p}/platform.yaml"), &to_yaml(platform)?)?;
                write(
                    &format!("overlays/{p}/kustomization.yaml"),
                    &to_yaml(&kustomization(&[
                        ("resources", "../../bases/orchestrator"),
                        ("transformers", "platform.yaml"),
                    ]))?,
                )?;
            }
            staged.commit().map_err(CliError::Input)?;
            eprintln!(
                "wrote {} (the function configs run {}/plugins/maverics-krm: copy or link the binary there)",
                dir.display(),
                dir.display()
            );
        }
    }
    if args.json {
        let text = serde_json::to_string_pretty(&import.report)
            .map_err(|e| CliError::Usage(format!("serialising the report: {e}")))?;
        eprintln!("{text}");
    } else {
        eprint!("{}", import.report);
    }
    Ok(Exit::findings_if(!import.report.complete()))
}
