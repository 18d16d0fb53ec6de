//! Goldens kept as a unified diff against the base render, the way the kpt functions catalog
//! keeps `.expected/diff.patch`: an overlay changes a few dozen lines of the base's 430, which
//! a reviewer reads in the diff and would have to hunt for in a whole render. The base itself
//! stays whole, and so do the renders of the golden configs: they name other objects than the
//! base, so their diff would be longer than the render.
//!
//! A diff is a pure function of the base and the output, and the base golden is checked on its
//! own, so comparing the output with the base golden plus the diff still catches any byte.

use std::path::{Path, PathBuf};

/// The goldens stored as a diff, each with the golden it is a diff against.
const VARIANTS: [(&str, &str); 5] = [
    ("kustomize/dev.yaml", "kustomize/base.yaml"),
    ("kustomize/eks.yaml", "kustomize/base.yaml"),
    ("kustomize/rosa.yaml", "kustomize/base.yaml"),
    ("kustomize/aks.yaml", "kustomize/base.yaml"),
    ("kustomize/gke.yaml", "kustomize/base.yaml"),
];

/// The golden `rel` is a diff against, if it is stored as one.
pub fn base_of(rel: &str) -> Option<&'static str> {
    VARIANTS.iter().find(|(v, _)| *v == rel).map(|(_, base)| *base)
}

/// The file a variant is stored in: `kustomize/eks.yaml` in `kustomize/eks.patch`.
pub fn patch_name(rel: &str) -> String {
    let stem = rel.strip_suffix(".yaml").unwrap_or(rel);
    format!("{stem}.patch")
}

/// The unified diff from the base golden to `text`; its header names both goldens, so the
/// patch says what it applies to.
pub fn diff(base_rel: &str, base: &str, rel: &str, text: &str) -> String {
    similar::TextDiff::from_lines(base, text)
        .unified_diff()
        .header(&format!("a/{base_rel}"), &format!("b/{rel}"))
        .to_string()
}

/// The golden the patch at `path` applies to, from its `--- a/REL` header.
pub fn base_path(golden_dir: &Path, patch: &str) -> Result<PathBuf, String> {
    patch
        .lines()
        .find_map(|l| l.strip_prefix("--- a/"))
        .map(|rel| golden_dir.join(rel.trim_end()))
        .ok_or_else(|| "no `--- a/BASE` header".to_owned())
}

/// `base` with the unified diff applied. Every context and removed line must match the base
/// where its hunk says: a base that moved on makes the patch fail, never apply loosely.
pub fn apply(base: &str, patch: &str) -> Result<String, String> {
    let old: Vec<&str> = base.split_inclusive('\n').collect();
    let mut out = String::with_capacity(base.len() + patch.len());
    let mut at = 0; // the next base line not yet copied
    let mut last_sign = ' ';
    for line in patch.split_inclusive('\n') {
        if line.starts_with("--- ") || line.starts_with("+++ ") {
            continue;
        }
        if let Some(header) = line.strip_prefix("@@ -") {
            let start: usize = header
                .split([',', ' '])
                .next()
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| format!("bad hunk header `{}`", line.trim_end()))?;
            // A hunk of an empty range starts after line `start`, any other at line `start`.
            let from = if header.split(' ').next().is_some_and(|r| r.ends_with(",0")) {
                start
            } else {
                start.saturating_sub(1)
            };
            if from < at || from > old.len() {
                return Err(format!("hunk `{}` is outside the base", line.trim_end()));
            }
            old[at..from].iter().for_each(|l| out.push_str(l));
            at = from;
            continue;
        }
        if line.starts_with('\\') {
            // "\ No newline at end of file": the line before it has no newline.
            if last_sign != '-' && out.ends_with('\n') {
                out.pop();
            }
            continue;
        }
        let (sign, text) = line.split_at(line.chars().next().map_or(0, char::len_utf8));
        last_sign = sign.chars().next().unwrap_or(' ');
        match sign {
            " " | "-" => {
                let found = old.get(at).copied().unwrap_or("");
                if found.trim_end_matches('\n') != text.trim_end_matches('\n') {
                    return Err(format!(
                        "line {} of the base is `{}`, the patch expects `{}`",
                        at + 1,
                        found.trim_end(),
                        text.trim_end()
                    ));
                }
                if sign == " " {
                    out.push_str(found);
                }
                at += 1;
            }
            "+" => out.push_str(text),
            _ => return Err(format!("unexpected patch line `{}`", line.trim_end())),
        }
    }
    old[at.min(old.len())..].iter().for_each(|l| out.push_str(l));
    Ok(out)
}
