//! What each mode reads of the items it passes through, as they are read
//! ([`crate::krm::item::Sieve`]): the generator checks foreign items for inline secrets, the
//! check runs its per-object rules on every item and keeps only what its rules across objects
//! read ([`check::across::reads`]).

use crate::api;
use crate::check::{self, Settings};
use crate::diag::Diagnostic;
use crate::krm::item::Sieve;
use crate::krm::{Item, annotations};
use crate::resources;
use serde_yaml::Value;

/// The generator's sieve: it keeps its own items as trees and passes the others through,
/// checking them for inline secrets on the way. The check reads the whole item only when its
/// kind or a value met while copying it could give a finding (`check::inline::may_find`).
/// With `pass` off (another mode) it keeps every item.
pub(super) struct Generator {
    pass: bool,
    /// The inline secrets of passed items, by item index.
    pub(super) found: Vec<(usize, Diagnostic)>,
}

impl Generator {
    pub(super) fn new(pass: bool) -> Self {
        Generator {
            pass,
            found: Vec::new(),
        }
    }
}

impl Sieve for Generator {
    fn keep(&mut self, _: usize, head: &Value) -> bool {
        !self.pass || is_ours(head)
    }

    fn keeps_all(&self) -> bool {
        !self.pass
    }

    fn reads_whole(&self, head: &Value) -> bool {
        check::inline::reads_whole(head)
    }

    fn may_need(&self, value: &Value, place: serde_yaml::Place) -> bool {
        check::inline::may_find(value, place)
    }

    fn read(&mut self, i: usize, item: Value) {
        self.found.extend(inline_findings(i, &item));
    }
}

/// The rule families of [`check::check_item`], in the order it reports them: the settings
/// come with the config, after the items, so each family's findings are kept apart until
/// then.
const FAMILIES: usize = 4;

fn family(f: usize) -> Settings {
    Settings {
        pod_security: f == 0,
        inline_secrets: f == 1,
        sticky_sessions: false,
        sanity: f == 2,
        example_values: f == 3,
    }
}

fn enabled(settings: &Settings, f: usize) -> bool {
    [
        settings.pod_security,
        settings.inline_secrets,
        settings.sanity,
        settings.example_values,
    ][f]
}

/// The check's sieve: every item is passed through and checked as it goes by; only what the
/// rules across objects read of it stays.
#[derive(Default)]
pub(super) struct Check {
    /// Each passed item's findings by family, by item index.
    found: Vec<(usize, [Vec<Diagnostic>; FAMILIES])>,
    /// What the rules across objects read of each passed item, by item index.
    across: Vec<(usize, Value)>,
}

impl Check {
    fn add(&mut self, i: usize, item: Value) {
        let findings = std::array::from_fn(|f| {
            let mut out = Vec::new();
            check::check_item(&item, &family(f), &mut out);
            out
        });
        self.found.push((i, findings));
        if let Some(kept) = check::across::reads(item) {
            self.across.push((i, kept));
        }
    }

    /// The findings of [`check::check_stream`] over `items` with `settings`, in its order:
    /// each object's, then those across objects. Items kept as trees (an alias or a tagged
    /// node at the top) are checked here.
    pub(super) fn finish(mut self, items: &[Item], settings: &Settings) -> Vec<Diagnostic> {
        for (i, item) in items.iter().enumerate() {
            if let Item::Tree(tree) = item {
                self.add(i, tree.clone());
            }
        }
        self.found.sort_by_key(|(i, _)| *i);
        self.across.sort_by_key(|(i, _)| *i);
        let mut out = Vec::new();
        for (_, families) in self.found {
            for (f, found) in families.into_iter().enumerate() {
                if enabled(settings, f) {
                    out.extend(found);
                }
            }
        }
        let across: Vec<Value> = self.across.into_iter().map(|(_, v)| v).collect();
        check::check_across(&across, settings, &mut out);
        out
    }
}

impl Sieve for Check {
    /// The function's own configs stay trees: kpt sends the config as an item too, with the
    /// file it came from, which its errors name (`config_file`).
    fn keep(&mut self, _: usize, head: &Value) -> bool {
        api::in_group(head)
    }

    fn reads_whole(&self, _: &Value) -> bool {
        true
    }

    fn reads_all(&self) -> bool {
        true
    }

    fn read(&mut self, i: usize, item: Value) {
        self.add(i, item);
    }
}

/// The inline secrets in item `i`, tagged with its index: the findings of passed items (made
/// while reading) and of items kept as trees (made by the generator) merge in item order.
pub(super) fn inline_findings(i: usize, item: &Value) -> impl Iterator<Item = (usize, Diagnostic)> {
    check::inline::in_passthrough(std::slice::from_ref(item))
        .into_iter()
        .map(move |d| (i, d))
}

/// A config of this function's API group, or an object a generator marked as its own: what
/// the generator reads or replaces.
fn is_ours(item: &Value) -> bool {
    api::in_group(item) || annotations::get(item, resources::OWNER_ANNOTATION).is_some()
}
