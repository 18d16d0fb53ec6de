//! Ignore rules: fields a team does not want to review (a config checksum, a restart
//! timestamp), from `--ignore` and from `.maverics-krm-diff.yaml`. An ignored field is taken
//! out of both sides of a changed object before they are compared; every difference it hid is
//! counted, and every format shows the counts, so nothing disappears silently.
//!
//! A rule is `[OBJECTS:]PATH`. PATH is a field path, segments joined by `.`: a mapping key
//! (a key that holds dots, such as an annotation, is matched whole:
//! `metadata.annotations.kubectl.kubernetes.io/restartedAt`), a list item by its `name` or
//! index, or `*` for every key or item. OBJECTS is a glob over `Kind/name` (`*` any run of
//! characters, `?` one), e.g. `StatefulSet/*:spec.template.metadata.annotations`. Kubernetes
//! keys never hold `:`, so the first `:` always ends OBJECTS.

use crate::diag::{Diagnostic, FileRef, ResourceRef};
use serde::{Deserialize, Serialize};
use serde_yaml::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file read from the repository root when `--ignore-file` is not given.
pub const FILE_NAME: &str = ".maverics-krm-diff.yaml";

const SYNTAX: &str = "write `[KIND/NAME-GLOB:]FIELD.PATH`, e.g. `metadata.annotations.checksum/config` or `StatefulSet/*:spec.template.metadata.annotations`";

/// One rule, as written and parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The glob over `Kind/name` the rule is limited to; `None`: every object.
    pub objects: Option<String>,
    /// The dotted field path the rule hides, e.g. `metadata.annotations.checksum/config`.
    pub path: String,
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(o) = &self.objects {
            write!(f, "{o}:")?;
        }
        f.write_str(&self.path)
    }
}

impl Rule {
    /// Parses `[OBJECTS:]PATH`; the error says what is wrong, the caller says where.
    pub fn parse(spec: &str) -> Result<Rule, String> {
        let (objects, path) = match spec.split_once(':') {
            Some((o, p)) => (Some(o), p),
            None => (None, spec),
        };
        Rule::new(objects.map(str::to_owned), path.to_owned())
    }

    fn new(objects: Option<String>, path: String) -> Result<Rule, String> {
        if let Some(o) = &objects
            && (o.is_empty() || !o.contains('/'))
        {
            return Err(format!(
                "the object glob `{o}` is not `Kind/name` (use `Kind/*` for every object of a kind)"
            ));
        }
        if path.is_empty() || path.split('.').any(str::is_empty) {
            return Err(format!("the field path `{path}` is empty or has an empty segment"));
        }
        if path.contains(':') {
            return Err(format!(
                "the field path `{path}` holds a `:`: only one `OBJECTS:` prefix is allowed"
            ));
        }
        Ok(Rule { objects, path })
    }

    fn applies_to(&self, kind: &str, name: &str) -> bool {
        self.objects
            .as_deref()
            .is_none_or(|g| glob(g, &format!("{kind}/{name}")))
    }
}

/// What one rule hid: differences (field values that were not the same on both sides) and
/// the objects they were in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ignored {
    /// The rule as written, `[KIND/NAME-GLOB:]FIELD.PATH`.
    pub rule: String,
    /// How many objects had a difference the rule hid.
    pub objects: usize,
    /// How many field values differed under the rule's path, over those objects.
    pub differences: usize,
}

/// `.maverics-krm-diff.yaml`: `ignore: [{path, objects?}]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    ignore: Vec<FileRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRule {
    /// A glob over `Kind/name`; every object when absent.
    #[serde(default)]
    objects: Option<String>,
    /// The field path.
    path: String,
}

/// Where the rules of an ignore file come from.
pub enum Source<'a> {
    /// `--ignore-file FILE` (it must exist).
    File(&'a Path),
    /// `.maverics-krm-diff.yaml` at the root of the repository around the current directory,
    /// if there is one.
    WorkingTree,
    /// The text of `.maverics-krm-diff.yaml` at a git revision (`None`: not there), named
    /// `REV:.maverics-krm-diff.yaml`. Under `--base` the rules come from the base side, so a
    /// pull request cannot add the rule that hides its own change.
    Revision {
        /// The name messages give the file, `REV:.maverics-krm-diff.yaml`.
        shown: String,
        /// The file's text at the revision; `None` when it has none.
        text: Option<String>,
    },
}

/// The rules of `--ignore` (in order), then those of the ignore file `source` names.
pub fn rules(cli: &[String], source: Source) -> Result<Vec<Rule>, Diagnostic> {
    let mut out = Vec::new();
    for spec in cli {
        out.push(
            Rule::parse(spec)
                .map_err(|e| Diagnostic::error(format!("--ignore `{}`: {e}", spec.escape_debug())).fix(SYNTAX))?,
        );
    }
    let file = match source {
        Source::File(f) => Some(f.to_owned()),
        Source::WorkingTree => default_file(),
        Source::Revision { shown, text } => {
            if let Some(text) = text {
                out.extend(parse_file(&shown, &text)?);
            }
            None
        }
    };
    if let Some(f) = file {
        out.extend(read_file(&f)?);
    }
    Ok(out)
}

/// The ignore file at the root of the enclosing repository (the nearest directory with a
/// `.git`), or in the current directory outside a repository.
fn default_file() -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    let root = cwd.ancestors().find(|d| d.join(".git").exists()).unwrap_or(&cwd);
    Some(root.join(FILE_NAME)).filter(|f| f.is_file())
}

fn read_file(path: &Path) -> Result<Vec<Rule>, Diagnostic> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostic::error(format!("cannot read the ignore file: {e}"))
            .file(Some(FileRef {
                path: shown.clone(),
                index: 0,
            }))
            .fix("give an existing file to --ignore-file")
    })?;
    parse_file(&shown, &text)
}

/// The rules of an ignore file's text; errors name the file as `shown`.
fn parse_file(shown: &str, text: &str) -> Result<Vec<Rule>, Diagnostic> {
    let file_ref = FileRef {
        path: shown.to_owned(),
        index: 0,
    };
    let value: Value = serde_yaml::from_str(text).map_err(|e| crate::diag::yaml_syntax(shown, &e))?;
    let value = if value.is_null() {
        Value::Mapping(Default::default())
    } else {
        value
    };
    let resource = ResourceRef {
        api_version: String::new(),
        kind: "diff ignore file".into(),
        name: String::new(),
        namespace: None,
    };
    // The first problem is enough to fix before running again.
    let parsed: File =
        crate::api::parse::typed(&value, Some(&file_ref), &resource).map_err(|mut ds| ds.swap_remove(0))?;
    parsed
        .ignore
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let field = if r.objects.as_deref().is_some_and(|o| !o.contains('/') || o.is_empty()) {
                format!("ignore[{i}].objects")
            } else {
                format!("ignore[{i}].path")
            };
            Rule::new(r.objects, r.path).map_err(|e| {
                Diagnostic::error(e)
                    .file(Some(file_ref.clone()))
                    .field(field)
                    .fix("`objects` is a glob over `Kind/name` such as `StatefulSet/*`; `path` a field path such as `metadata.annotations.checksum/config`")
            })
        })
        .collect()
}

/// Applies every rule that matches `Kind/name` (either name, for a renamed object) to both
/// sides of one changed object, and adds what each hid to `tally` (one entry per rule, in
/// rule order).
pub fn apply(rules: &[Rule], kind: &str, names: [&str; 2], old: &mut Value, new: &mut Value, tally: &mut [Ignored]) {
    for (rule, t) in rules.iter().zip(tally.iter_mut()) {
        if !names.iter().any(|n| rule.applies_to(kind, n)) {
            continue;
        }
        let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
        take(old, &rule.path, String::new(), &mut a);
        take(new, &rule.path, String::new(), &mut b);
        let differences: usize = a
            .keys()
            .chain(b.keys().filter(|k| !a.contains_key(*k)))
            .map(|k| leaves_differing(a.get(k), b.get(k)))
            .sum();
        if differences > 0 {
            t.objects += 1;
            t.differences += differences;
        }
    }
}

/// How many leaves (scalars, empty maps and lists) differ between two values: an ignored
/// map of twelve changed annotations is twelve differences, not one.
fn leaves_differing(a: Option<&Value>, b: Option<&Value>) -> usize {
    match (a, b) {
        (Some(Value::Mapping(x)), Some(Value::Mapping(y))) => x
            .iter()
            .map(|(k, v)| leaves_differing(Some(v), y.get(k)))
            .chain(
                y.iter()
                    .filter(|(k, _)| !x.contains_key(*k))
                    .map(|(_, v)| leaves_differing(None, Some(v))),
            )
            .sum(),
        (Some(Value::Sequence(x)), Some(Value::Sequence(y))) => (0..x.len().max(y.len()))
            .map(|i| leaves_differing(x.get(i), y.get(i)))
            .sum(),
        (Some(v), None) | (None, Some(v)) => match v {
            Value::Mapping(m) if !m.is_empty() => m.values().map(|c| leaves_differing(Some(c), None)).sum(),
            Value::Sequence(s) if !s.is_empty() => s.iter().map(|c| leaves_differing(Some(c), None)).sum(),
            _ => 1,
        },
        (a, b) => usize::from(a != b),
    }
}

/// An empty tally for `rules`.
pub fn tally(rules: &[Rule]) -> Vec<Ignored> {
    rules
        .iter()
        .map(|r| Ignored {
            rule: r.to_string(),
            objects: 0,
            differences: 0,
        })
        .collect()
}

/// Removes what `path` names under `v`, recording each removed value under its concrete path.
/// A mapping left empty by a removal goes too, so `annotations: {}` does not stay behind on
/// one side only.
fn take(v: &mut Value, path: &str, here: String, out: &mut BTreeMap<String, Value>) {
    let join = |k: &str| {
        if here.is_empty() {
            k.to_owned()
        } else {
            format!("{here}.{k}")
        }
    };
    match v {
        Value::Mapping(m) => {
            let keys: Vec<String> = m.keys().filter_map(|k| k.as_str().map(str::to_owned)).collect();
            for k in keys {
                let rest = if path == k || path == "*" {
                    None
                } else if let Some(r) = path.strip_prefix(k.as_str()).and_then(|r| r.strip_prefix('.')) {
                    Some(r)
                } else if let Some(r) = path.strip_prefix("*.") {
                    Some(r)
                } else {
                    continue;
                };
                match rest {
                    None => {
                        if let Some(removed) = m.remove(k.as_str()) {
                            out.insert(join(&k), removed);
                        }
                    }
                    Some(rest) => {
                        let before = out.len();
                        if let Some(child) = m.get_mut(k.as_str()) {
                            take(child, rest, join(&k), out);
                            if out.len() > before && child.as_mapping().is_some_and(|c| c.is_empty()) {
                                m.remove(k.as_str());
                            }
                        }
                    }
                }
            }
        }
        Value::Sequence(items) => {
            let (seg, rest) = match path.split_once('.') {
                Some((s, r)) => (s, Some(r)),
                None => (path, None),
            };
            let hits: Vec<usize> = (0..items.len())
                .filter(|&i| {
                    seg == "*"
                        || seg.parse::<usize>() == Ok(i)
                        || items[i].get("name").and_then(Value::as_str) == Some(seg)
                })
                .collect();
            for &i in hits.iter().rev() {
                let name = items[i]
                    .get("name")
                    .and_then(Value::as_str)
                    .map_or_else(|| i.to_string(), str::to_owned);
                match rest {
                    None => {
                        out.insert(join(&name), items.remove(i));
                    }
                    Some(rest) => take(&mut items[i], rest, join(&name), out),
                }
            }
        }
        _ => {}
    }
}

/// `*` any run of characters (`/` included), `?` one character, anything else itself.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn y(s: &str) -> Value {
        serde_yaml::from_str(s).unwrap()
    }

    #[test]
    fn rules_parse_with_and_without_an_object_glob() {
        assert_eq!(
            Rule::parse("StatefulSet/*:spec.template.metadata.annotations").unwrap(),
            Rule {
                objects: Some("StatefulSet/*".into()),
                path: "spec.template.metadata.annotations".into()
            }
        );
        assert_eq!(
            Rule::parse("metadata.annotations.checksum/config").unwrap().objects,
            None
        );
        for bad in ["", "a..b", "StatefulSet:spec", ":spec", "a/b:c:d", "spec."] {
            assert!(Rule::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn globs() {
        assert!(glob("StatefulSet/*", "StatefulSet/maverics"));
        assert!(glob("*/maverics-?", "Service/maverics-a"));
        assert!(!glob("StatefulSet/*", "Deployment/maverics"));
        assert!(glob("*", ""));
        assert!(!glob("a?", "a"));
    }

    #[test]
    fn a_dotted_key_a_named_item_and_a_wildcard_are_taken_and_counted() {
        let rules = [
            Rule::parse("metadata.annotations.kubectl.kubernetes.io/restartedAt").unwrap(),
            Rule::parse("Deployment/*:spec.containers.*.env.STAMP").unwrap(),
            Rule::parse("Service/*:metadata.labels").unwrap(),
        ];
        let mut t = tally(&rules);
        let doc = |at: &str, stamp: &str| {
            y(&format!(
                "metadata:\n  annotations: {{kubectl.kubernetes.io/restartedAt: '{at}'}}\n  labels: {{a: b}}\nspec:\n  containers:\n  - name: c\n    env: [{{name: STAMP, value: '{stamp}'}}, {{name: KEEP, value: k}}]\n"
            ))
        };
        let (mut o, mut n) = (doc("1", "x"), doc("2", "y"));
        apply(&rules, "Deployment", ["d", "d"], &mut o, &mut n, &mut t);
        assert_eq!(o, n, "only ignored fields differed");
        assert!(
            o.get("metadata").unwrap().get("annotations").is_none(),
            "the emptied map goes: {o:?}"
        );
        assert_eq!(o["spec"]["containers"][0]["env"][0]["name"].as_str(), Some("KEEP"));
        assert_eq!(
            o["metadata"]["labels"]["a"].as_str(),
            Some("b"),
            "a rule for Services only"
        );
        let counts: Vec<(usize, usize)> = t.iter().map(|i| (i.objects, i.differences)).collect();
        assert_eq!(counts, [(1, 1), (1, 1), (0, 0)]);
    }

    #[test]
    fn an_ignored_map_counts_every_leaf_that_differs() {
        let rules = [Rule::parse("metadata.annotations").unwrap()];
        let mut t = tally(&rules);
        let (mut o, mut n) = (
            y("metadata: {annotations: {a: '1', b: '1', same: x, gone: y}}"),
            y("metadata: {annotations: {a: '2', b: '2', same: x, new: {c: z, d: [1, 2]}}}"),
        );
        apply(&rules, "Service", ["s", "s"], &mut o, &mut n, &mut t);
        assert_eq!(o, n);
        // a, b, gone, new.c, new.d[0], new.d[1]; `same` is no difference.
        assert_eq!((t[0].objects, t[0].differences), (1, 6));
    }

    #[test]
    fn rules_of_a_revision_name_it_in_errors() {
        let r = rules(
            &[],
            Source::Revision {
                shown: "main:.maverics-krm-diff.yaml".into(),
                text: Some("ignore: [{path: metadata.labels}]".into()),
            },
        )
        .unwrap();
        assert_eq!(r, [Rule::parse("metadata.labels").unwrap()]);
        let e = rules(
            &[],
            Source::Revision {
                shown: "main:.maverics-krm-diff.yaml".into(),
                text: Some("ignore: [{pth: x}]".into()),
            },
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("main:.maverics-krm-diff.yaml") && e.contains("ignore[0]"),
            "{e}"
        );
        let none = Source::Revision {
            shown: String::new(),
            text: None,
        };
        assert!(rules(&[], none).unwrap().is_empty());
    }

    #[test]
    fn a_field_on_one_side_only_is_a_difference() {
        let rules = [Rule::parse("metadata.annotations.checksum/config").unwrap()];
        let mut t = tally(&rules);
        let (mut o, mut n) = (
            y("metadata: {name: a}"),
            y("metadata: {name: a, annotations: {checksum/config: x}}"),
        );
        apply(&rules, "ConfigMap", ["a", "a"], &mut o, &mut n, &mut t);
        assert_eq!(o, n);
        assert_eq!((t[0].objects, t[0].differences), (1, 1));
    }

    #[test]
    fn the_file_is_typed_and_errors_name_the_file_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join(FILE_NAME);
        std::fs::write(
            &f,
            "ignore:\n- path: metadata.labels\n- {objects: StatefulSet/*, path: spec.replicas}\n",
        )
        .unwrap();
        let r = rules(&["a.b".into()], Source::File(&f)).unwrap();
        assert_eq!(
            r.iter().map(Rule::to_string).collect::<Vec<_>>(),
            ["a.b", "metadata.labels", "StatefulSet/*:spec.replicas"]
        );
        std::fs::write(&f, "ignore:\n- pth: metadata.labels\n").unwrap();
        let e = rules(&[], Source::File(&f)).unwrap_err().to_string();
        assert!(
            e.contains(FILE_NAME) && e.contains("ignore[0]") && e.contains("pth"),
            "{e}"
        );
        std::fs::write(&f, "ignore:\n- path: a\n- {objects: StatefulSet, path: spec}\n").unwrap();
        let e = rules(&[], Source::File(&f)).unwrap_err().to_string();
        assert!(e.contains(FILE_NAME) && e.contains("ignore[1].objects"), "{e}");
        let e = rules(&["x..y".into()], Source::WorkingTree).unwrap_err().to_string();
        assert!(e.contains("--ignore `x..y`"), "{e}");
    }
}
