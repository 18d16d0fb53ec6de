//! What a diff finds: the changed objects ([`Change`]), the two sides ([`Sides`]) and the
//! whole [`Report`] that [`render`](super::render) prints.

use super::{flags, ignore, matching};
use crate::rendered::Key;
use serde::Serialize;

/// What happened to an object between the two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// Only on the new side.
    Added,
    /// Only on the old side.
    Removed,
    /// On both sides, with different contents (or a different name, when renamed).
    Changed,
}

/// One added, removed or changed object, with its redacted unified diff.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// Added, removed or changed.
    pub change: ChangeKind,
    /// The object's identity on the new side (the old side's, when removed).
    #[serde(flatten)]
    pub key: Key,
    /// The old name, when the object was renamed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_name: Option<String>,
    /// Why an object of another name was taken for this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed: Option<matching::Renamed>,
    /// The changes a reviewer must not miss, in rule order.
    pub flags: Vec<flags::Flag>,
    /// The redacted unified diff of the object's YAML, old to new.
    pub diff: String,
}

/// One side of the comparison, as the header names it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Side {
    /// The path or git revision as given (`-` is stdin), or `working tree`.
    pub source: String,
    /// The full 40-hex commit rendered (under `--base`), in the JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The same commit abbreviated as git abbreviates it, for the text and Markdown headers.
    #[serde(skip)]
    pub short_commit: Option<String>,
    /// How the commit was chosen, or what kind of input the path is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub how: Option<String>,
}

/// What was compared: both sides and, under `--base`, the overlays.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Sides {
    /// The side compared from (`OLD`, or the base revision).
    pub old: Side,
    /// The side compared to (`NEW`, or the working tree).
    pub new: Side,
    /// The overlays rendered on both sides under `--base`, e.g. `overlays/dev`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overlays: Vec<String>,
    /// Overlays whose old side failed to build under `--base` (shown whole as added).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<Failed>,
}

/// An overlay that did not build on the base side: a pull request that fixes a broken
/// overlay still gets its report, with the other side shown whole.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Failed {
    /// Which side failed: `old`.
    pub side: String,
    /// The overlay, e.g. `overlays/dev`.
    pub overlay: String,
    /// The build's error, as it would be printed.
    pub error: String,
}

/// The whole comparison; ordered by key, so every format is deterministic.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// What was compared.
    pub sides: Sides,
    /// Every added, removed or changed object, ordered by key.
    pub changes: Vec<Change>,
    /// How many objects are the same on both sides (after ignore rules).
    pub unchanged: usize,
    /// What each ignore rule hid, in rule order.
    pub ignored: Vec<ignore::Ignored>,
    /// Reach of the old and the new side, for the Markdown picture.
    pub reach: Option<(crate::graph::Reach, crate::graph::Reach)>,
}

impl Report {
    /// How many objects had this change.
    pub fn count(&self, kind: ChangeKind) -> usize {
        self.changes.iter().filter(|c| c.change == kind).count()
    }

    /// Whether any object is shown as added, removed or changed (see [`Report::differs`] for the exit code).
    pub fn has_changes(&self) -> bool {
        !self.changes.is_empty()
    }

    /// The two sides differ: a change is shown, an ignore rule hid one, or one side of an
    /// overlay failed to build. Decides the exit code, so an ignored difference or a base
    /// that did not build is never reported as "no changes" to a script.
    pub fn differs(&self) -> bool {
        self.has_changes() || self.ignored_count() > 0 || !self.sides.failed.is_empty()
    }

    /// How many flags were raised, over all changes.
    pub fn flag_count(&self) -> usize {
        self.changes.iter().map(|c| c.flags.len()).sum()
    }

    /// Differences hidden by ignore rules, over all rules.
    pub fn ignored_count(&self) -> usize {
        self.ignored.iter().map(|i| i.differences).sum()
    }
}
