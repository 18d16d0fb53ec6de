//! `maverics-krm diff`: a semantic diff of rendered manifests, for reviewing what a change to
//! `bases/` or `overlays/` (or to the generator) does in the cluster.
//!
//! - [`load`]: the inputs (rendered YAML, directories, stdin, kustomizations), from
//!   [`crate::rendered`] with [`Key`], [`Resource`] and [`normalize`].
//! - [`base`]: `--base REV`: the same overlays rendered at a git revision.
//! - [`normalize`]: key order, keyed lists, redaction of secret-like values.
//! - [`matching`]: pairing old and new objects, across kustomize hash suffixes and renames.
//! - [`ignore`]: fields a team chose not to review, counted.
//! - [`flags`]: the changes a reviewer must not miss.
//! - [`report`]: what a diff finds: changes, sides, the report.
//! - [`render`]: text, Markdown and JSON output.

pub mod base;
pub mod flags;
pub mod ignore;
pub mod matching;
pub mod render;
pub mod report;

pub use crate::rendered::{Key, Resource, load, normalize};
pub use report::{Change, ChangeKind, Report, Side, Sides};

use crate::diag::Diagnostic;
use serde_yaml::Value;
use std::io::IsTerminal;
use std::path::PathBuf;

/// Compares two sides: pairs objects, flags risky changes, takes out ignored fields, redacts,
/// and diffs the YAML. Flags are found on the whole objects, before any rule applies, so an
/// ignore rule never hides a flag: the flagged object is listed even when its diff, once
/// the rules apply, is empty.
pub fn compare(old: Vec<Resource>, new: Vec<Resource>, ignore: &[ignore::Rule]) -> Result<Report, Diagnostic> {
    let worlds = (flags::related::World::of(&old), flags::related::World::of(&new));
    let worlds = [&worlds.0, &worlds.1];
    let pairing = matching::pair(old, new)?;
    let mut report = Report {
        ignored: ignore::tally(ignore),
        ..Report::default()
    };
    let mut changes = Vec::new();
    for (mut o, mut n, renamed) in pairing.pairs {
        let mut flags = Vec::new();
        if o.value != n.value {
            flags = flags::check(n.key.kind(), Some(&o.value), Some(&n.value));
            flags.extend(flags::related::check(&n.key, Some(&o.value), Some(&n.value), worlds));
        }
        ignore::apply(
            ignore,
            n.key.kind(),
            [o.key.name(), n.key.name()],
            &mut o.value,
            &mut n.value,
            &mut report.ignored,
        );
        // A flagged object stays in the report even when every field that differs is ignored.
        if o.value == n.value && flags.is_empty() {
            report.unchanged += 1;
            continue;
        }
        let previous_name = (o.key.name() != n.key.name()).then(|| o.key.name().to_owned());
        let (ov, nv) = normalize::redact_pair(n.key.kind(), Some(o.value), Some(n.value));
        changes.push(Change {
            change: ChangeKind::Changed,
            previous_name,
            renamed,
            flags,
            diff: unified(
                &label(&o.key),
                &label(&n.key),
                &to_yaml(ov.as_ref()),
                &to_yaml(nv.as_ref()),
            ),
            key: n.key,
        });
    }
    for r in pairing.removed {
        let flags = flags::check(r.key.kind(), Some(&r.value), None);
        let (ov, _) = normalize::redact_pair(r.key.kind(), Some(r.value), None);
        changes.push(Change {
            change: ChangeKind::Removed,
            previous_name: None,
            renamed: None,
            flags,
            diff: unified(&label(&r.key), "/dev/null", &to_yaml(ov.as_ref()), ""),
            key: r.key,
        });
    }
    for a in pairing.added {
        let mut flags = flags::check(a.key.kind(), None, Some(&a.value));
        flags.extend(flags::related::check(&a.key, None, Some(&a.value), worlds));
        let (_, nv) = normalize::redact_pair(a.key.kind(), None, Some(a.value));
        changes.push(Change {
            change: ChangeKind::Added,
            previous_name: None,
            renamed: None,
            flags,
            diff: unified("/dev/null", &label(&a.key), "", &to_yaml(nv.as_ref())),
            key: a.key,
        });
    }
    changes.sort_by(|a, b| a.key.cmp(&b.key).then(a.previous_name.cmp(&b.previous_name)));
    report.changes = changes;
    Ok(report)
}

fn label(k: &Key) -> String {
    let mut s = String::new();
    if !k.overlay.is_empty() {
        s.push_str(&k.overlay);
        s.push(':');
    }
    s.push_str(k.kind());
    s.push('/');
    if !k.namespace().is_empty() {
        s.push_str(k.namespace());
        s.push('/');
    }
    s.push_str(k.name());
    // A header is one line: a newline in a name would forge diff lines under it.
    s.chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

fn to_yaml(v: Option<&Value>) -> String {
    // Serializing a serde_yaml Value cannot fail (string keys or not, it is plain data).
    v.map(|v| serde_yaml::to_string(v).unwrap_or_default())
        .unwrap_or_default()
}

/// A unified diff with three lines of context, as reviewers know from `git diff`.
fn unified(old_label: &str, new_label: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(old_label, new_label)
        .to_string()
}

/// `--format`: how the report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Unified diff per object, colored on a terminal.
    Text,
    /// A pull-request comment: summary table, one collapsible section per object.
    Markdown,
    /// For tools: summary, flags and per-object diffs.
    Json,
}

/// `--color`: when the text format colors its diff. (The variants carry no doc comments, hence
/// the `allow`: clap would add them to `--help`.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[allow(missing_docs)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

/// The arguments of `maverics-krm diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// OLD and NEW: each a rendered YAML file, a directory of YAML, `-` for stdin, or a
    /// kustomization directory (rendered with kustomize). With --base: the overlays to compare
    /// (default: every directory under overlays/).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Compare the working tree with git revision REV (e.g. origin/main), each side rendered
    /// with the generator of its own revision.
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// With --base: compare with the tip of REV instead of its merge base with HEAD. Changes
    /// made on REV since this branch was cut then show up reversed.
    #[arg(long, requires = "base")]
    pub tip: bool,
    /// The output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also write the JSON report to FILE, from the same comparison: one run gives a pull
    /// request both its comment (`--format markdown` on stdout) and the JSON for tools.
    #[arg(long, value_name = "FILE")]
    pub json_out: Option<PathBuf>,
    /// Color the text format: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
    /// The kustomize binary. Default: $KUSTOMIZE, then `kustomize` on PATH.
    #[arg(long)]
    pub kustomize: Option<PathBuf>,
    /// Leave a field out of the comparison: `[KIND/NAME-GLOB:]FIELD.PATH`, e.g.
    /// `metadata.annotations.checksum/config` or
    /// `StatefulSet/*:spec.template.metadata.annotations`. Repeatable. What it hides is counted
    /// in the summary.
    #[arg(long, value_name = "RULE")]
    pub ignore: Vec<String>,
    /// Read more ignore rules from FILE (`ignore: [{path, objects?}]`) instead of
    /// `.maverics-krm-diff.yaml` at the repository root.
    #[arg(long, value_name = "FILE")]
    pub ignore_file: Option<PathBuf>,
}

/// The report in the format and colour `args` ask for.
pub fn text(report: &Report, args: &DiffArgs) -> String {
    let color = match args.color {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    match args.format {
        Format::Text => render::text(report, color),
        Format::Markdown => render::markdown(report),
        Format::Json => render::json(report),
    }
}

/// The two sides `args` name, loaded and compared.
pub fn run(args: &DiffArgs) -> Result<Report, Diagnostic> {
    let source = match (&args.ignore_file, &args.base) {
        (Some(f), _) => ignore::Source::File(f),
        (None, None) => ignore::Source::WorkingTree,
        // The base side's file is read once its commit is known, below.
        (None, Some(_)) => ignore::Source::Revision {
            shown: String::new(),
            text: None,
        },
    };
    // Bad rules fail before any render.
    let mut rules = ignore::rules(&args.ignore, source)?;
    let kustomize = crate::io::kustomize::find(args.kustomize.as_deref());
    let (old, new, sides) = match &args.base {
        Some(rev) => {
            let b = base::load_both(rev, args.tip, &args.paths, &kustomize)?;
            if args.ignore_file.is_none() {
                let (shown, text) = b.ignore_file;
                rules = ignore::rules(&args.ignore, ignore::Source::Revision { shown, text })?;
            }
            (b.old, b.new, b.sides)
        }
        None => {
            let [old, new] = args.paths.as_slice() else {
                return Err(
                    Diagnostic::error(format!("diff takes two inputs, OLD and NEW; got {}", args.paths.len()))
                        .fix("run `maverics-krm diff OLD NEW`, or `maverics-krm diff --base REV [OVERLAY...]`"),
                );
            };
            if old.as_os_str() == "-" && new.as_os_str() == "-" {
                return Err(Diagnostic::error("OLD and NEW cannot both be `-` (stdin)")
                    .fix("give one side as a file or directory"));
            }
            let me = current_exe()?;
            let ctx = load::Ctx {
                kustomize: &kustomize,
                plugin: &me,
            };
            let sides = Sides {
                old: path_side(old),
                new: path_side(new),
                ..Sides::default()
            };
            (load::load(old, &ctx)?, load::load(new, &ctx)?, sides)
        }
    };
    let reach = (crate::graph::Reach::of(&old), crate::graph::Reach::of(&new));
    let mut report = compare(old, new, &rules)?;
    report.sides = sides;
    report.reach = Some(reach);
    Ok(report)
}

/// How the header names a path given as a side: as given, and what kind of input it is.
fn path_side(arg: &std::path::Path) -> Side {
    let how = if arg.as_os_str() == "-" {
        "stdin"
    } else if crate::io::walk::is_kustomization(arg) {
        "kustomization, built with kustomize"
    } else if arg.is_dir() {
        "directory of YAML"
    } else {
        "rendered YAML"
    };
    Side {
        source: arg.display().to_string(),
        commit: None,
        short_commit: None,
        how: Some(how.to_owned()),
    }
}

fn current_exe() -> Result<PathBuf, Diagnostic> {
    std::env::current_exe().map_err(|e| Diagnostic::error(format!("cannot locate this binary: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::object::ObjectKey;

    fn res(kind: &str, name: &str, yaml: &str) -> Resource {
        Resource::test(kind, name, normalize::normalize(serde_yaml::from_str(yaml).unwrap()))
    }

    fn key(overlay: &str, api_version: &str, kind: &str, ns: Option<&str>, name: &str) -> Key {
        Key::new(
            overlay,
            ObjectKey {
                api_version: api_version.into(),
                kind: kind.into(),
                name: name.into(),
                namespace: ns.map(str::to_owned),
            },
        )
    }

    #[test]
    fn a_key_ignores_the_version_and_an_empty_namespace_and_sorts_overlay_group_kind_namespace_name() {
        let sts = key("", "apps/v1", "StatefulSet", Some("a"), "m");
        assert_eq!(sts, key("", "apps/v1beta2", "StatefulSet", Some("a"), "m"));
        assert_eq!(
            key("", "v1", "ConfigMap", None, "c"),
            key("", "v1", "ConfigMap", Some(""), "c")
        );
        let mut keys = [
            key("b", "v1", "ConfigMap", None, "a"),
            key("", "v1", "Service", Some("a"), "z"),
            key("", "apps/v1", "Deployment", None, "z"),
            key("", "v1", "Service", None, "z"),
            key("", "v1", "ConfigMap", Some("b"), "a"),
            key("", "v1", "ConfigMap", Some("a"), "b"),
        ];
        keys.sort();
        let shown: Vec<String> = keys.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "ConfigMap a/b",
                "ConfigMap b/a",
                "Service z",
                "Service a/z",
                "Deployment z",
                "[b] ConfigMap a"
            ]
        );
        assert_eq!(
            serde_json::to_string(&sts).unwrap(),
            r#"{"group":"apps","kind":"StatefulSet","namespace":"a","name":"m"}"#
        );
        assert_eq!(
            serde_json::to_string(&key("overlays/dev", "v1", "ConfigMap", None, "c")).unwrap(),
            r#"{"overlay":"overlays/dev","group":"","kind":"ConfigMap","namespace":"","name":"c"}"#
        );
    }

    #[test]
    fn a_hash_suffix_change_is_reported_as_a_content_change_of_one_object() {
        let r = compare(
            vec![res(
                "ConfigMap",
                "cfg-7f9c2b5m8k",
                "metadata: {name: cfg-7f9c2b5m8k}\ndata: {level: info}",
            )],
            vec![res(
                "ConfigMap",
                "cfg-h2k4m6t8b9",
                "metadata: {name: cfg-h2k4m6t8b9}\ndata: {level: debug}",
            )],
            &[],
        )
        .unwrap();
        assert_eq!(r.changes.len(), 1);
        let c = &r.changes[0];
        assert_eq!(c.change, ChangeKind::Changed);
        assert_eq!(c.previous_name.as_deref(), Some("cfg-7f9c2b5m8k"));
        assert!(c.diff.contains("-  level: info\n+  level: debug\n"), "{}", c.diff);
    }

    #[test]
    fn an_ignore_rule_never_silences_a_flag_and_an_ignored_difference_is_a_difference() {
        let svc = |scheme: &str, stamp: &str| {
            res(
                "Service",
                "s",
                &format!(
                    "metadata: {{annotations: {{service.beta.kubernetes.io/aws-load-balancer-scheme: {scheme}, stamp: '{stamp}'}}}}\nspec: {{type: LoadBalancer}}"
                ),
            )
        };
        let rules = [ignore::Rule::parse("Service/*:metadata.annotations").unwrap()];
        let r = compare(vec![svc("internal", "1")], vec![svc("internet-facing", "1")], &rules).unwrap();
        assert_eq!(r.changes.len(), 1, "the flagged object is shown");
        assert!(
            r.changes[0].flags.iter().any(|f| f.rule == flags::Rule::Exposure),
            "{:?}",
            r.changes[0].flags
        );
        assert_eq!(r.ignored_count(), 1, "and the rule still hides the field from the diff");
        // An unflagged difference the rule hides: no change shown, but the sides differ.
        let r = compare(vec![svc("internal", "1")], vec![svc("internal", "2")], &rules).unwrap();
        assert!(!r.has_changes());
        assert_eq!(r.ignored_count(), 1);
        assert!(r.differs());
        let r = compare(vec![svc("internal", "1")], vec![svc("internal", "1")], &rules).unwrap();
        assert!(!r.differs());
    }

    #[test]
    fn reordered_keys_and_named_lists_are_no_change() {
        let r = compare(
            vec![res("Pod", "p", "spec: {volumes: [{name: a, emptyDir: {}}, {name: b}]}")],
            vec![res(
                "Pod",
                "p",
                "spec:\n  volumes:\n  - {name: b}\n  - {emptyDir: {}, name: a}\n",
            )],
            &[],
        )
        .unwrap();
        assert!(!r.has_changes());
        assert_eq!(r.unchanged, 1);
    }

    #[test]
    fn an_env_reorder_is_a_change() {
        let env =
            |a: &str, b: &str| format!("spec: {{containers: [{{name: c, env: [{{name: {a}}}, {{name: {b}}}]}}]}}");
        let r = compare(
            vec![res("Pod", "p", &env("A", "B"))],
            vec![res("Pod", "p", &env("B", "A"))],
            &[],
        )
        .unwrap();
        assert_eq!(r.count(ChangeKind::Changed), 1);
        assert!(
            r.changes[0]
                .diff
                .contains("+    - name: B\n     - name: A\n-    - name: B"),
            "{}",
            r.changes[0].diff
        );
    }
}
