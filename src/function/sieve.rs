//! What each mode reads of the items it passes through, as they are read
//! ([`crate::krm::item::Sieve`]): the generator checks foreign items for inline secrets; the
//! check, and the platform transformer for its guard rails, run the per-object rules on every
//! item and keep only what the rules across objects read ([`check::across::reads`]), the
//! platform transformer also every item its plan reads ([`platform::kept`]) as a tree.

use crate::api;
use crate::check::across::{Reads, Wanted};
use crate::check::{self, Settings};
use crate::diag::Diagnostic;
use crate::krm::item::Sieve;
use crate::krm::{Item, annotations};
use crate::{platform, resources};
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

/// The sieve of the check and of the platform transformer's guard rails: every item it does
/// not keep is passed through and checked as it goes by (the rules of each object, each
/// family apart until the config says which are on); only what the rules across objects
/// read of it stays.
#[derive(Default)]
pub(super) struct Check {
    /// Whether the items a platform plan reads stay trees too ([`platform::kept`]); then only
    /// the guard rails' rule families run on the passed items
    /// ([`check::TRANSFORMER_GUARD`]).
    platform: bool,
    /// How many passed items were read: the next one's ordinal among them.
    read: usize,
    /// The findings of the passed items that have some, by family, by ordinal.
    found: Vec<(usize, [Vec<Diagnostic>; check::FAMILIES])>,
    /// What the rules across objects read of each passed item: the whole item, or its
    /// outline later (none is kept now), by ordinal.
    across: Vec<(usize, Option<Value>)>,
}

/// What the rules across objects read of an item of the stream, in stream order.
enum Across<'a> {
    Whole(Value),
    /// The item's outline, where a rule reads it.
    Outline(&'a Item),
}

impl Check {
    /// The platform transformer's: it keeps what its plan reads as trees.
    pub(super) fn platform() -> Self {
        Check {
            platform: true,
            ..Check::default()
        }
    }

    /// Whether the items a platform plan reads were kept as trees.
    pub(super) fn keeps_platform(&self) -> bool {
        self.platform
    }

    /// The findings of [`check::check_stream`] with `settings` over `items` (the stream as it
    /// leaves, which may differ from the one read by trees only), in its order: each object's,
    /// then those across objects. The passed items in `items` are those this sieve read, in
    /// their order (nothing adds, removes or reorders them); the trees are checked here.
    pub(super) fn finish(self, items: &[Item], passed: &str, settings: &Settings) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let mut across = Vec::new();
        let mut found = self.found.into_iter().peekable();
        let mut kept = self.across.into_iter().peekable();
        let mut ordinal = 0;
        for item in items {
            match item {
                Item::Tree(tree) => {
                    check::check_item(tree, settings, &mut out);
                    match check::across::reads(tree.clone()) {
                        Reads::Nothing => {}
                        Reads::Whole(v) => across.push(Across::Whole(v)),
                        Reads::Outline => across.push(Across::Outline(item)),
                    }
                }
                Item::Passed(_) => {
                    if let Some((_, families)) = found.next_if(|(n, _)| *n == ordinal) {
                        for (found, on) in families.into_iter().zip(settings.families()) {
                            if on {
                                out.extend(found);
                            }
                        }
                    }
                    if let Some((_, whole)) = kept.next_if(|(n, _)| *n == ordinal) {
                        across.push(whole.map_or(Across::Outline(item), Across::Whole));
                    }
                    ordinal += 1;
                }
            }
        }
        if ordinal != self.read {
            out.push(Diagnostic::internal(format!(
                "{ordinal} passed items to check, where {} were read",
                self.read
            )));
        }
        let wanted = Wanted::of(across.iter().filter_map(|a| match a {
            Across::Whole(v) => Some(v),
            Across::Outline(_) => None,
        }));
        let mut read = Vec::new();
        for a in across {
            match a {
                Across::Whole(v) => read.push(v),
                Across::Outline(item) if wanted.wants(item.kind(), item.namespace()) => match item {
                    Item::Tree(tree) => read.push(check::across::outline(tree)),
                    Item::Passed(p) => match p.read_back(passed) {
                        Some(v) => read.push(check::across::outline(&v)),
                        None => out.push(Diagnostic::internal(format!("{} could not be read back", p.key))),
                    },
                },
                Across::Outline(_) => {}
            }
        }
        check::check_across(&read, settings, &mut out);
        out
    }
}

impl Sieve for Check {
    /// The function's own configs stay trees: kpt sends the config as an item too, with the
    /// file it came from, which its errors name (`config_file`). So do the items a platform
    /// plan reads or changes.
    fn keep(&mut self, _: usize, head: &Value) -> bool {
        api::in_group(head) || (self.platform && platform::kept::keeps(head))
    }

    fn reads_whole(&self, _: &Value) -> bool {
        true
    }

    fn reads_all(&self) -> bool {
        true
    }

    fn read(&mut self, _: usize, item: Value) {
        let ordinal = self.read;
        self.read += 1;
        // Every family the config may turn on: it comes after the items.
        let on = if self.platform {
            check::TRANSFORMER_GUARD.families()
        } else {
            [true; check::FAMILIES]
        };
        let findings = check::check_item_by_family(&item, on);
        if findings.iter().any(|f| !f.is_empty()) {
            self.found.push((ordinal, findings));
        }
        match check::across::reads(item) {
            Reads::Nothing => {}
            Reads::Whole(v) => self.across.push((ordinal, Some(v))),
            Reads::Outline => self.across.push((ordinal, None)),
        }
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
