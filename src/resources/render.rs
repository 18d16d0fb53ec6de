//! The generator's entry from a config: parse it, check it, then generate. `render`, function
//! mode and `import-helm-values` all go through [`checked`] (and `render` and the import
//! through [`orchestrator`]), so what one accepts the others accept.

use super::Generated;
use crate::api;
use crate::config::Orchestrator;
use crate::diag::{Diagnostic, FileRef};
use serde_yaml::Value;

/// A config document that must be an `Orchestrator`: the other function kinds generate
/// nothing, and the error says where they belong.
pub fn orchestrator(value: &Value, file: Option<FileRef>) -> Result<Orchestrator, Vec<Diagnostic>> {
    match api::kind_of(value, file.as_ref())? {
        api::ORCHESTRATOR => Orchestrator::from_value(value, file),
        api::PLATFORM => Err(vec![
            Diagnostic::error("`render` takes an Orchestrator config; an OrchestratorPlatform is a transformer")
                .file(file)
                .fix("build the overlay that lists it under `transformers:` (`maverics-krm build overlays/eks`), or eject it (`maverics-krm eject eks --config FILE --out DIR`)"),
        ]),
        _ => Err(vec![
            Diagnostic::error("an OrchestratorCheck config generates nothing")
                .file(file)
                .fix("render an `Orchestrator` config; run checks with `maverics-krm check FILE`"),
        ]),
    }
}

/// The config's checks, after them the caller's own findings (`more`: function mode's on the
/// package around the config), then the objects when no finding is an error. `Err` holds
/// every finding, warnings included.
pub fn checked(o: &Orchestrator, more: Vec<Diagnostic>) -> Result<(Vec<Generated>, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut diags = crate::config::checks::check_orchestrator(o);
    diags.extend(more);
    if crate::diag::has_errors(&diags) {
        return Err(diags);
    }
    Ok((super::generate(o), diags))
}

/// The manifests for one config file's text: `---`-separated documents, no host annotations.
pub fn render_text(name: &str, text: &str) -> Result<(String, Vec<Diagnostic>), Vec<Diagnostic>> {
    let file = Some(FileRef {
        path: name.to_owned(),
        index: 0,
    });
    let value = crate::io::read::document(name, text).map_err(|d| vec![d])?;
    let (generated, diags) = checked(&orchestrator(&value, file)?, Vec::new())?;
    let docs: Vec<String> = generated
        .iter()
        .map(|g| serde_yaml::to_string(&g.object).unwrap_or_default())
        .collect();
    Ok((docs.join("---\n"), diags))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = include_str!("../../bases/orchestrator/orchestrator.yaml");

    fn base() -> Orchestrator {
        let value: Value = serde_yaml::from_str(BASE).expect("the base config is YAML");
        orchestrator(&value, None).expect("the base config is an Orchestrator")
    }

    #[test]
    fn a_finding_of_the_caller_stops_generation_like_an_error_of_the_config() {
        let (objects, _) = checked(&base(), Vec::new()).expect("the base config generates");
        assert!(!objects.is_empty());
        let refused = checked(&base(), vec![Diagnostic::error("a rival config")]).expect_err("an error stops it");
        assert!(refused.iter().any(|d| d.message == "a rival config"), "{refused:?}");
    }

    #[test]
    fn only_an_orchestrator_config_generates() {
        let check: Value = serde_yaml::from_str(
            "{apiVersion: krm.maverics.dev/v1alpha1, kind: OrchestratorCheck, metadata: {name: c}}",
        )
        .expect("YAML");
        let refused = orchestrator(&check, None).expect_err("a check config generates nothing");
        assert!(refused[0].message.contains("generates nothing"), "{refused:?}");
    }
}
