//! The inputs of `diff` and `graph`: a rendered YAML file, a directory of YAML files, stdin, or a
//! kustomization directory that is rendered with the real kustomize. Reading, walking and
//! running kustomize are [`crate::io`]'s; this module turns documents into [`Resource`]s.

use super::{Key, Resource, normalize};
use crate::diag::{Diagnostic, FileRef};
use crate::io::read;
use crate::io::walk::is_kustomization;
use crate::k8s::object::ObjectKey;
use serde_yaml::Value;
use std::path::Path;

/// What rendering a kustomization needs.
pub struct Ctx<'a> {
    /// The kustomize binary to run.
    pub kustomize: &'a Path,
    /// The generator binary the exec plugin runs.
    pub plugin: &'a Path,
}

/// Loads one side; objects carry an empty overlay in their key.
pub fn load(arg: &Path, ctx: &Ctx) -> Result<Vec<Resource>, Diagnostic> {
    if arg.as_os_str() == "-" {
        let input = read::stdin()?;
        return parse_stream(&input.name, &input.text, "");
    }
    if arg.is_dir() && is_kustomization(arg) {
        return render_kustomization(arg, ctx, "");
    }
    if !arg.exists() {
        return Err(
            Diagnostic::error(format!("{}: no such file or directory", arg.display()))
                .fix("give a rendered YAML file, a directory, a kustomization directory or `-`"),
        );
    }
    let mut out = Vec::new();
    for file in crate::io::walk::input_files(arg)? {
        let input = read::path(&file)?;
        out.extend(parse_stream(&input.name, &input.text, "")?);
    }
    Ok(out)
}

/// `kustomize build` of `dir` with `ctx.plugin` as the generator.
pub fn render_kustomization(dir: &Path, ctx: &Ctx, overlay: &str) -> Result<Vec<Resource>, Diagnostic> {
    let built = crate::io::kustomize::build(ctx.kustomize, dir, ctx.plugin)?;
    parse_stream(&format!("kustomize build {}", dir.display()), &built.stdout, overlay)
}

/// Parses a multi-document stream into normalized objects. `List` and `ResourceList`
/// documents are unpacked, so `kubectl get -o yaml` and KRM function output work too.
pub fn parse_stream(origin: &str, text: &str, overlay: &str) -> Result<Vec<Resource>, Diagnostic> {
    let mut out = Vec::new();
    for (index, value) in read::documents(origin, text)? {
        let file = Some(FileRef {
            path: origin.to_owned(),
            index: u32::try_from(index).unwrap_or(u32::MAX),
        });
        let kind = value.get("kind").and_then(Value::as_str).unwrap_or_default();
        if matches!(kind, "List" | "ResourceList")
            && let Some(items) = value.get("items").and_then(Value::as_sequence)
        {
            for item in items {
                out.push(resource(item.clone(), overlay, file.clone())?);
            }
            continue;
        }
        out.push(resource(value, overlay, file)?);
    }
    Ok(out)
}

fn resource(mut value: Value, overlay: &str, file: Option<FileRef>) -> Result<Resource, Diagnostic> {
    let field = |name: &str| -> Result<String, Diagnostic> {
        let v = match name {
            "metadata.name" => value.get("metadata").and_then(|m| m.get("name")),
            other => value.get(other),
        };
        v.and_then(Value::as_str).map(str::to_owned).ok_or_else(|| {
            Diagnostic::error(format!("not a Kubernetes object: `{name}` is missing or not a string"))
                .field(name)
                .file(file.clone())
                .fix("every document must have apiVersion, kind and metadata.name")
        })
    };
    let api_version = field("apiVersion")?;
    let kind = field("kind")?;
    let name = field("metadata.name")?;
    let namespace = value
        .get("metadata")
        .and_then(|m| m.get("namespace"))
        .and_then(Value::as_str)
        .filter(|ns| !ns.is_empty())
        .map(str::to_owned);
    strip_host_annotations(&mut value);
    Ok(Resource {
        key: Key::new(
            overlay,
            ObjectKey {
                api_version,
                kind,
                name,
                namespace,
            },
        ),
        value: normalize::normalize(value),
    })
}

/// Annotations kpt and kyaml add while functions run (path, index, ids): bookkeeping of the
/// host, not something the cluster sees.
fn strip_host_annotations(value: &mut Value) {
    let Some(meta) = value.get_mut("metadata").and_then(Value::as_mapping_mut) else {
        return;
    };
    let Some(ann) = meta.get_mut("annotations").and_then(Value::as_mapping_mut) else {
        return;
    };
    ann.retain(|k, _| {
        let k = k.as_str().unwrap_or_default();
        !(k.starts_with("internal.config.kubernetes.io/")
            || k == "config.kubernetes.io/index"
            || k == "config.kubernetes.io/path"
            || k == "config.k8s.io/id")
    });
    if ann.is_empty() {
        meta.remove("annotations");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_unpacked_and_host_annotations_dropped() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: a\n    namespace: n\n    annotations:\n      config.kubernetes.io/index: '0'\n---\n";
        let rs = parse_stream("x.yaml", text, "").unwrap();
        assert_eq!(rs.len(), 1);
        assert_eq!(rs[0].key.group(), "apps");
        assert_eq!(rs[0].key.namespace(), "n");
        assert!(rs[0].value["metadata"].get("annotations").is_none());
    }

    #[test]
    fn a_document_without_a_name_is_an_error_naming_file_and_field() {
        let err = parse_stream("x.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n", "").unwrap_err();
        let s = err.to_string();
        assert!(s.contains("x.yaml") && s.contains("metadata.name"), "{s}");
    }
}
