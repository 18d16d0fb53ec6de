//! `maverics-krm eject`: the platform layer of an overlay written as a plain kustomize
//! overlay (JSON patch files, added resource files, `$patch: delete` files) that needs no
//! exec function for that layer. The files come from the same [`super::Plan`] the
//! transformer applies, computed against the overlay's built resources.

use super::planner::{Change, file_stem};
use crate::check::config::OrchestratorCheck;
use crate::diag::{self, Diagnostic, FileRef};
use crate::io::read;
use crate::io::stage::{NonEmpty, Staged};
use crate::krm::ObjectKey;
use crate::platform::config::OrchestratorPlatform;
use serde::Serialize;
use serde_yaml::Value;
use std::path::{Component, Path, PathBuf};

/// The kustomization keys eject understands. Anything else (namePrefix, patches, ...) would
/// have run before the transformer and changed what it saw; those belong in a parent overlay.
const KNOWN_KEYS: &[&str] = &["apiVersion", "kind", "resources", "transformers", "configurations"];

#[derive(Serialize)]
struct Kustomization {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    resources: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    patches: Vec<PatchEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    configurations: Vec<String>,
    transformers: Vec<String>,
}

/// The ejected overlay's check config.
const CHECK_FILE: &str = "check.yaml";

/// An `OrchestratorCheck` transformer config, when `path` holds one.
fn check_config(path: &Path) -> Option<OrchestratorCheck> {
    let input = read::path(path).ok()?;
    let value = read::document(&input.name, &input.text).ok()?;
    let is_check = crate::api::is_ours(&value) && crate::krm::object::kind(&value) == crate::api::CHECK;
    is_check
        .then(|| OrchestratorCheck::from_value(&value, None).ok())
        .flatten()
}

/// `exec.path` of a function config's `config.kubernetes.io/function` annotation.
fn exec_path(config: &Value) -> Option<String> {
    let spec = crate::krm::annotations::get(config, "config.kubernetes.io/function")?;
    let spec: Value = serde_yaml::from_str(spec).ok()?;
    spec.get("exec")?.get("path")?.as_str().map(str::to_owned)
}

/// The check config of the ejected overlay: the overlay's own (its name and settings) when it
/// had one, else every rule family.
fn guard(carried: Option<OrchestratorCheck>, plugin: &str) -> Value {
    let (name, settings) = carried.map_or_else(
        || ("check".to_owned(), crate::check::Settings::default()),
        |c| (c.metadata.name, c.spec),
    );
    let mut function = serde_yaml::Mapping::new();
    let mut exec = serde_yaml::Mapping::new();
    exec.insert("path".into(), plugin.into());
    function.insert("exec".into(), Value::Mapping(exec));
    let mut annotations = serde_yaml::Mapping::new();
    annotations.insert("config.kubernetes.io/local-config".into(), "true".into());
    annotations.insert(
        "config.kubernetes.io/function".into(),
        yaml(&Value::Mapping(function)).into(),
    );
    let mut metadata = serde_yaml::Mapping::new();
    metadata.insert("name".into(), name.into());
    metadata.insert("annotations".into(), Value::Mapping(annotations));
    let mut obj = serde_yaml::Mapping::new();
    obj.insert("apiVersion".into(), crate::api::API_VERSION.into());
    obj.insert("kind".into(), crate::api::CHECK.into());
    obj.insert("metadata".into(), Value::Mapping(metadata));
    obj.insert("spec".into(), serde_yaml::to_value(&settings).unwrap_or(Value::Null));
    Value::Mapping(obj)
}

#[derive(Serialize)]
struct PatchEntry {
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<PatchTarget>,
}

#[derive(Serialize)]
struct PatchTarget {
    #[serde(skip_serializing_if = "String::is_empty")]
    group: String,
    version: String,
    kind: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<String>,
}

impl PatchTarget {
    fn of(t: &ObjectKey) -> Self {
        PatchTarget {
            group: t.group().to_owned(),
            version: t.version().to_owned(),
            kind: t.kind.clone(),
            name: t.name.clone(),
            namespace: t.namespace.clone(),
        }
    }
}

#[derive(Serialize)]
struct DeletePatch {
    #[serde(rename = "apiVersion")]
    api_version: String,
    kind: String,
    metadata: DeleteMeta,
    #[serde(rename = "$patch")]
    patch: &'static str,
}

#[derive(Serialize)]
struct DeleteMeta {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<String>,
}

fn err(msg: impl Into<String>, fix: impl Into<String>) -> Vec<Diagnostic> {
    vec![Diagnostic::error(msg).fix(fix)]
}

fn yaml<T: Serialize>(t: &T) -> String {
    // Typed values of this module and JSON values always serialise.
    serde_yaml::to_string(t).unwrap_or_else(|e| panic!("bug: eject output failed to serialise: {e}"))
}

/// Ejects the platform layer configured in `config` into `out`. `kustomize` builds the
/// overlay's resources; `me` is this binary, for exec functions in those resources.
pub fn eject(
    platform: &str,
    config: &Path,
    out: &Path,
    kustomize: &Path,
    me: &Path,
) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
    let input = read::path(config).map_err(|d| vec![d.fix("pass the OrchestratorPlatform file with --config")])?;
    let file = Some(FileRef {
        path: input.name.clone(),
        index: 0,
    });
    let value = read::document(&input.name, &input.text).map_err(|d| vec![d])?;
    let cfg = OrchestratorPlatform::from_value(&value, file.clone())?;
    if cfg.spec.platform.as_str() != platform {
        return Err(vec![
            Diagnostic::error(format!(
                "the config is for `{}`, not `{platform}`",
                cfg.spec.platform.as_str()
            ))
            .file(file)
            .field("spec.platform")
            .fix(format!("run `maverics-krm eject {} ...`", cfg.spec.platform.as_str())),
        ]);
    }
    let overlay = config
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let kfile = crate::io::walk::kustomization_file(overlay).ok_or_else(|| {
        err(
            format!("no kustomization next to {}", config.display()),
            "keep the OrchestratorPlatform config in the overlay directory that lists it under `transformers:`",
        )
    })?;
    let k = read::path(&kfile)
        .and_then(|input| read::document(&input.name, &input.text))
        .map_err(|d| vec![d])?;
    let strings = |key: &str| -> Vec<String> {
        k.get(key)
            .and_then(Value::as_sequence)
            .map(|s| s.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default()
    };
    if let Some(map) = k.as_mapping() {
        for key in map.keys().filter_map(Value::as_str) {
            if !KNOWN_KEYS.contains(&key) {
                return Err(err(
                    format!("{}: `{key}` is not supported by eject", kfile.display()),
                    format!(
                        "eject reads overlays with only {}; move `{key}` into a parent overlay (it applies there the same way)",
                        KNOWN_KEYS.join(", ")
                    ),
                ));
            }
        }
    }
    let config_name = config.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let mut carried = None;
    for t in strings("transformers") {
        if Path::new(&t).file_name().and_then(|n| n.to_str()) == Some(config_name) {
            continue;
        }
        match check_config(&overlay.join(&t)) {
            Some(c) => carried = Some(c),
            None => {
                return Err(err(
                    format!(
                        "{}: transformer {t} is neither {config_name} nor an OrchestratorCheck",
                        kfile.display()
                    ),
                    "eject an overlay whose transformers are this platform config and, optionally, an OrchestratorCheck",
                ));
            }
        }
    }
    let plugin = exec_path(&value).ok_or_else(|| {
        err(
            format!("{}: no `config.kubernetes.io/function` annotation with `exec.path`", config.display()),
            "keep the exec annotation of the shipped overlays: the ejected overlay runs the guard rails with the same binary",
        )
    })?;

    // The resources the transformer would receive.
    let mut items = Vec::new();
    let resources = strings("resources");
    for r in &resources {
        let path = overlay.join(r);
        let (name, stream) = if path.is_dir() {
            let built = crate::io::kustomize::build(kustomize, &path, me).map_err(|d| vec![d])?;
            (format!("kustomize build {}", path.display()), built.stdout)
        } else {
            let input = read::path(&path)
                .map_err(|d| vec![d.fix("eject supports local files and directories in `resources:`")])?;
            (input.name, input.text)
        };
        items.extend(
            read::documents(&name, &stream)
                .map_err(|d| vec![d])?
                .into_iter()
                .map(|(_, v)| crate::krm::Item::Tree(v)),
        );
    }

    let plan = super::plan(&cfg, &items);
    if diag::has_errors(&plan.diagnostics) {
        return Err(plan.diagnostics);
    }

    let staged = Staged::new(
        out,
        NonEmpty::Refuse("choose a new directory for --out (eject never overwrites files)"),
    )
    .map_err(|d| vec![d])?;
    let io = |e: std::io::Error| {
        err(
            format!("reading {}: {e}", overlay.display()),
            "check the directory's permissions",
        )
    };
    let out_abs = staged.resolved_target().map_err(io)?;
    let overlay_abs = std::fs::canonicalize(overlay).map_err(io)?;
    let rebase = |entry: &str| relative(&out_abs, &overlay_abs.join(entry));

    let mut kust = Kustomization {
        api_version: "kustomize.config.k8s.io/v1beta1",
        kind: "Kustomization",
        resources: resources.iter().map(|r| rebase(r)).collect(),
        patches: Vec::new(),
        configurations: Vec::new(),
        transformers: Vec::new(),
    };
    let write = |rel: &str, header: &str, body: String| {
        staged
            .write(rel, &format!("{header}{body}"))
            .map(drop)
            .map_err(|d| vec![d])
    };
    // Configuration files are copied: kustomize loads files only from inside the
    // kustomization's root.
    for c in strings("configurations") {
        let src = overlay_abs.join(&c);
        let name = src
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "kustomizeconfig.yaml".into());
        let body = std::fs::read_to_string(&src).map_err(io)?;
        write(&name, "", body)?;
        kust.configurations.push(name);
    }
    for change in &plan.changes {
        match change {
            Change::Patch { target, ops, .. } => {
                let rel = format!("patches/{}.yaml", file_stem(target));
                write(
                    &rel,
                    &format!(
                        "# RFC 6902 patch of {} {}, from {}\n",
                        target.kind,
                        target.name,
                        config.display()
                    ),
                    yaml(ops),
                )?;
                kust.patches.push(PatchEntry {
                    path: rel,
                    target: Some(PatchTarget::of(target)),
                });
            }
            Change::Delete { target, .. } => {
                let rel = format!("patches/delete-{}.yaml", file_stem(target));
                let body = DeletePatch {
                    api_version: target.api_version.clone(),
                    kind: target.kind.clone(),
                    metadata: DeleteMeta {
                        name: target.name.clone(),
                        namespace: target.namespace.clone(),
                    },
                    patch: "delete",
                };
                write(&rel, "# The platform replaces this object.\n", yaml(&body))?;
                kust.patches.push(PatchEntry {
                    path: rel,
                    target: None,
                });
            }
            Change::Add { object } => {
                let rel = format!("resources/{}.yaml", file_stem(&ObjectKey::of_json(object)));
                write(&rel, "", yaml(object))?;
                kust.resources.push(rel);
            }
        }
    }
    // The transformer checked the whole stream; the ejected overlay keeps that guard as its
    // last (only) transformer, so an inline Secret added beside the base still fails the build.
    let mut diagnostics = plan.diagnostics;
    let plugin = if Path::new(&plugin).is_absolute() {
        plugin
    } else {
        let rebased = rebase(&plugin);
        // kustomize 4.5.x runs every exec function from the directory of the last kustomization
        // it loaded (the base), not of the one that lists it (observed with 4.5.4): the path
        // must also resolve from there.
        let wanted = normalise(&overlay_abs.join(&plugin));
        let stray = resources
            .iter()
            .map(|r| overlay_abs.join(r))
            .filter(|r| r.is_dir())
            .any(|base| normalise(&normalise(&base).join(&rebased)) != wanted);
        if stray {
            diagnostics.push(
                Diagnostic::warning(format!(
                    "{CHECK_FILE} runs `{rebased}`, which kustomize 4.5.x resolves from the base's directory, where \
                     it names another file: the ejected overlay builds with kustomize 5.x only"
                ))
                .fix(
                    "eject into a directory at the same depth as the base (e.g. `--out deploy/NAME` next to `bases/`)",
                ),
            );
        }
        rebased
    };
    write(
        CHECK_FILE,
        "# The guard rails the platform transformer ran on the whole stream, kept by `maverics-krm eject`:\n\
         # Pod Security restricted, inline secrets, sticky sessions, sanity. Keep it the last transformer.\n",
        yaml(&guard(carried, &plugin)),
    )?;
    kust.transformers.push(CHECK_FILE.to_owned());
    write(
        "kustomization.yaml",
        &format!(
            "# The {platform} platform layer of {}, ejected by `maverics-krm eject`: plain patches and\n\
             # resources, no exec function for this layer. Re-run eject after changing the base.\n{}",
            config.display(),
            trust_header(&diagnostics)
        ),
        yaml(&kust),
    )?;
    staged.commit().map_err(|d| vec![d])?;
    Ok(diagnostics)
}

/// The cloud-side trust the transformer reports, written down for whoever sets up the
/// cloud: the ejected overlay runs no function that could report it.
fn trust_header(diagnostics: &[Diagnostic]) -> String {
    let lines = super::trust::comment(diagnostics);
    if lines.is_empty() {
        return lines;
    }
    format!("#\n# Cloud-side trust, for the namespace and names in this build:\n{lines}")
}

/// `to` relative to the directory `from` (both absolute), with `/` separators.
fn relative(from: &Path, to: &Path) -> String {
    let to = normalise(to);
    let from: Vec<Component> = from.components().collect();
    let to_c: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to_c).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_owned(); from.len() - common];
    parts.extend(
        to_c[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    }
}

/// Resolves `.` and `..` without touching the file system (the target may be a file).
fn normalise(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative(
                Path::new("/tmp/out"),
                Path::new("/repo/overlays/eks/../../bases/orchestrator")
            ),
            "../../repo/bases/orchestrator"
        );
        assert_eq!(relative(Path::new("/a/b"), Path::new("/a/b/c.yaml")), "c.yaml");
    }
}
