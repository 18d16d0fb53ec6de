//! The KRM function: ResourceList in, ResourceList out. Dispatches on the function config
//! and upserts what the generator produces, leaving every other item as it came.

use crate::api;
use crate::check::{self, config::OrchestratorCheck};
use crate::config::Orchestrator;
use crate::diag::{Diagnostic, FileRef};
use crate::exit::Exit;
use crate::krm::{Item, ObjectKey, ResourceList, annotations, object};
use crate::platform::config::OrchestratorPlatform;
use crate::resources;
use serde_yaml::Value;

mod sieve;
mod upsert;

/// A function config of any kind. The kinds live with their work (`config` and `platform`,
/// `check`); the dispatch over them lives here, above all of them.
#[derive(Debug, Clone)]
pub enum FunctionConfig {
    /// `kind: Orchestrator`: generates the base.
    Orchestrator(Box<Orchestrator>),
    /// `kind: OrchestratorPlatform`: adapts the base to a platform.
    Platform(Box<OrchestratorPlatform>),
    /// `kind: OrchestratorCheck`: checks the items and returns them unchanged.
    Check(Box<OrchestratorCheck>),
}

impl FunctionConfig {
    /// Dispatches on apiVersion and kind, then reads the typed config. `file` is where the
    /// config came from, when known, so every error can name it.
    pub fn from_value(value: &Value, file: Option<FileRef>) -> Result<Self, Vec<Diagnostic>> {
        let kind = api::kind_of(value, file.as_ref())?;
        match kind {
            api::ORCHESTRATOR => {
                Orchestrator::from_value(value, file).map(|o| FunctionConfig::Orchestrator(Box::new(o)))
            }
            api::PLATFORM => {
                OrchestratorPlatform::from_value(value, file).map(|p| FunctionConfig::Platform(Box::new(p)))
            }
            api::CHECK => OrchestratorCheck::from_value(value, file).map(|c| FunctionConfig::Check(Box::new(c))),
            _ => unreachable!("api::KINDS lists only kinds handled above"),
        }
    }
}

/// What the function writes and how it exits.
#[derive(Debug)]
pub struct Response {
    /// The items to write back, with the input's other fields.
    pub list: ResourceList,
    /// What the function found; written as the list's `results` and on stderr.
    pub diagnostics: Vec<Diagnostic>,
}

impl Response {
    /// [`Exit::Findings`] on any error: both hosts ignore an error result when the exit code
    /// is 0.
    pub fn exit(&self) -> Exit {
        Exit::of(&self.diagnostics)
    }

    /// The ResourceList to print: the list with the diagnostics as `results` after earlier ones.
    pub fn to_yaml(&self) -> String {
        self.output().into_string()
    }

    /// [`Response::to_yaml`] in the parts it is written in (passed items where they lie).
    pub fn output(&self) -> crate::krm::output::Output<'_> {
        let results: Vec<_> = self.diagnostics.iter().map(Diagnostic::to_result).collect();
        self.list.output(&results)
    }
}

/// Runs the function on raw stdin bytes. Items the function may change (configs and its own
/// objects) are read as trees; every other item is copied through from its parse events as
/// soon as it is read, after what the mode reads of it (`sieve`), and only its facts stay
/// (`ResourceList::parse_passing`).
pub fn run(input: &[u8]) -> Response {
    match hint(input) {
        hint @ (Hint::Check | Hint::Platform) => {
            let mut sieve = match hint {
                Hint::Platform => sieve::Check::platform(),
                _ => sieve::Check::default(),
            };
            match ResourceList::parse_passing(input, &mut sieve) {
                Ok(list) => process_checked(list, sieve),
                Err(d) => failed(d),
            }
        }
        hint => {
            let mut sieve = sieve::Generator::new(hint == Hint::Generator);
            match ResourceList::parse_passing(input, &mut sieve) {
                Ok(list) => process_passing(list, sieve.found),
                Err(d) => failed(d),
            }
        }
    }
}

fn failed(d: Diagnostic) -> Response {
    Response {
        list: ResourceList::empty(),
        diagnostics: vec![d],
    }
}

/// The mode the host's `functionConfig` asks for, read from the text before it is parsed
/// (hosts send it after the items). Only a hint: a wrong one costs time, never correctness,
/// since the mode is decided by the parsed config and [`ResourceList::take_trees`] reads
/// passed items back for a mode that needs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hint {
    /// `kind: Orchestrator`: the generator, which passes foreign items through.
    Generator,
    /// `kind: OrchestratorCheck`, or no `functionConfig` at all (kpt's validator): the check,
    /// which passes every item through.
    Check,
    /// `kind: OrchestratorPlatform`: the platform transformer, which passes through every
    /// item its plan does not read.
    Platform,
    /// Anything else: every item is read as a tree.
    Other,
}

fn hint(input: &[u8]) -> Hint {
    match config_kind(input) {
        None => Hint::Check,
        Some(kind) if kind == api::ORCHESTRATOR => Hint::Generator,
        Some(kind) if kind == api::CHECK => Hint::Check,
        Some(kind) if kind == api::PLATFORM => Hint::Platform,
        Some(_) => Hint::Other,
    }
}

/// The `kind` of the host's `functionConfig` when it is a block mapping at the top level;
/// `Some("")` when it has another shape, `None` when there is none.
fn config_kind(input: &[u8]) -> Option<String> {
    // Valid input is borrowed as it is: the lossy reading of the whole input checked it
    // char by char (a hundredth of a run over 1,000 items).
    let text = match std::str::from_utf8(input) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(input),
    };
    let start = text
        .match_indices("functionConfig:")
        .find(|(at, _)| *at == 0 || text.as_bytes()[at - 1] == b'\n')
        .map(|(at, key)| at + key.len())?;
    let mut block = text[start..]
        .lines()
        .skip(1)
        .take_while(|l| l.is_empty() || l.starts_with([' ', '#']))
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let Some(first) = block.next() else {
        return Some(String::new());
    };
    let indent = first.len() - first.trim_start().len();
    let kind = std::iter::once(first)
        .chain(block)
        .filter(|l| l.len() - l.trim_start().len() == indent)
        .filter_map(|l| l.trim().strip_prefix("kind:"))
        .map(|v| {
            v.split(" #")
                .next()
                .unwrap_or_default()
                .trim()
                .trim_matches(['"', '\''])
        })
        .next();
    Some(kind.unwrap_or_default().to_owned())
}

/// Runs the function on a parsed list. On error the items come back exactly as they came in,
/// so a host that ignored the exit code would still lose nothing.
pub fn process(list: ResourceList) -> Response {
    process_passing(list, Vec::new())
}

/// [`process`] on a list whose passed items were checked as they went by: `found` holds
/// what the inline-secret check found in them, by item index.
fn process_passing(mut list: ResourceList, found: Vec<(usize, Diagnostic)>) -> Response {
    let parsed = list
        .function_config
        .as_ref()
        .map(|fc| FunctionConfig::from_value(fc, config_file(&list.items, fc)));
    match parsed {
        Some(Ok(FunctionConfig::Orchestrator(o))) => {
            let diagnostics = generate_into(&mut list.items, &o, found);
            Response { list, diagnostics }
        }
        Some(Err(diagnostics)) => Response { list, diagnostics },
        Some(Ok(FunctionConfig::Platform(p))) => match list.take_trees() {
            Ok(items) => {
                list.items = items.into_iter().map(Item::Tree).collect();
                transform(list, &p, sieve::Check::default())
            }
            Err(d) => failed(d),
        },
        // kpt runs a `validators:` entry without `configPath` with no functionConfig at all:
        // that is a request to check with default settings, the only thing a validator can do.
        None => with_trees(list, |items| check::check_stream(items, &check::Settings::default())),
        // A check never changes the items: kustomize runs it as the last transformer (its
        // validators do not work with exec functions) and compares nothing, kpt discards
        // a validator's items anyway.
        Some(Ok(FunctionConfig::Check(c))) => with_trees(list, |items| check::check_stream(items, &c.spec)),
    }
}

/// The check or the platform transformer on a list whose items were passed through and
/// checked as they went by (`sieve`), but for those the mode reads; when the config turns
/// out to be another mode's, every item is read back as a tree and that mode runs as it
/// would have.
fn process_checked(mut list: ResourceList, sieve: sieve::Check) -> Response {
    let parsed = list
        .function_config
        .as_ref()
        .map(|fc| FunctionConfig::from_value(fc, config_file(&list.items, fc)));
    let platform = sieve.keeps_platform();
    let settings = match parsed {
        None if !platform => check::Settings::default(),
        Some(Ok(FunctionConfig::Check(c))) if !platform => c.spec,
        Some(Ok(FunctionConfig::Platform(p))) if platform => return transform(list, &p, sieve),
        Some(Err(diagnostics)) => return Response { list, diagnostics },
        // Another mode, or a check after the platform's sieve, which ran the guard rails'
        // rule families only.
        _ => {
            return match list.take_trees() {
                Ok(items) => {
                    list.items = items.into_iter().map(Item::Tree).collect();
                    process_passing(list, Vec::new())
                }
                Err(d) => failed(d),
            };
        }
    };
    let diagnostics = sieve.finish(&list.items, &list.passed, &settings);
    Response { list, diagnostics }
}

/// The platform transformer on `list`, whose passed items `sieve` read: its guard rails run
/// on the stream as the plan leaves it.
fn transform(mut list: ResourceList, p: &OrchestratorPlatform, sieve: sieve::Check) -> Response {
    let diagnostics = crate::platform::transform(&mut list.items, p, |items| {
        sieve.finish(items, &list.passed, &check::TRANSFORMER_GUARD)
    });
    Response { list, diagnostics }
}

/// Runs `work` on every item as a tree, passed ones read back.
fn with_trees(mut list: ResourceList, work: impl FnOnce(&mut Vec<Value>) -> Vec<Diagnostic>) -> Response {
    match list.take_trees() {
        Ok(mut items) => {
            let diagnostics = work(&mut items);
            list.items = items.into_iter().map(Item::Tree).collect();
            Response { list, diagnostics }
        }
        Err(d) => Response {
            list: ResourceList::empty(),
            diagnostics: vec![d],
        },
    }
}

/// kpt sends the config both as `functionConfig` (without its path) and as an item (with
/// it); the item says which file to name in errors and where generated files go. Two
/// configs of one name (for two namespaces) are told apart by their `spec`.
fn config_file(items: &[Item], fc: &Value) -> Option<crate::diag::FileRef> {
    object::file_ref(fc).or_else(|| {
        let key = ObjectKey::of(fc);
        // A passed item is not of this function's API group, so never the config.
        let same: Vec<&Value> = items.iter().filter_map(Item::tree).filter(|i| key.is(i)).collect();
        let item = match same.as_slice() {
            [one] => Some(*one),
            _ => same.iter().find(|i| i.get("spec") == fc.get("spec")).copied(),
        };
        item.and_then(object::file_ref)
    })
}

/// Checks the config, generates the base and upserts it into `items` (`upsert` says what
/// is ours to replace or prune). Returns the diagnostics; on errors `items` is left
/// untouched.
fn generate_into(items: &mut Vec<Item>, o: &Orchestrator, found: Vec<(usize, Diagnostic)>) -> Vec<Diagnostic> {
    let mut package = upsert::rival_configs(items, o);
    // In item order: the passed items' findings and those of the items read as trees.
    let mut inline: Vec<(usize, Diagnostic)> = found;
    for (i, item) in items.iter().enumerate() {
        if let Item::Tree(item) = item {
            inline.extend(sieve::inline_findings(i, item));
        }
    }
    inline.sort_by_key(|(i, _)| *i);
    package.extend(inline.into_iter().map(|(_, d)| d));
    let (generated, mut diagnostics) = match resources::render::checked(o, package) {
        Ok(done) => done,
        Err(diagnostics) => return diagnostics,
    };
    let dir = o
        .file
        .as_ref()
        .and_then(|f| f.path.rsplit_once('/').map(|(d, _)| format!("{d}/")))
        .unwrap_or_default();
    // kustomize hands a generator its own config as the only item, marked local-config and
    // without a path, and drops local-config objects from the build anyway. Echoing it back
    // makes kustomize match it by id and load its OpenAPI schema to sync field order:
    // 120 ms of a 150 ms build (measured with 5.8.1). Only that exact shape is recognised: a
    // config in a package file (kpt: it has a path) or piped in with other documents passes
    // through.
    if let [Item::Tree(item)] = items.as_slice()
        && object::api_version(item) == o.api_version
        && object::kind(item) == o.kind
        && object::name(item) == o.name()
        && annotations::is_local_config(item)
        && annotations::path(item).is_none()
    {
        items.clear();
    }
    // On a collision `upsert` leaves the items as they came.
    diagnostics.extend(upsert::upsert(items, generated, o, &dir));
    diagnostics
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_mode_hint_reads_the_top_level_function_config_only() {
        let list = |fc: &str| {
            format!(
                "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: Orchestrator\nfunctionConfig:\n{fc}"
            )
        };
        use super::{Hint, hint};
        assert_eq!(
            hint(list("  apiVersion: krm.maverics.dev/v1alpha1\n  kind: Orchestrator\n").as_bytes()),
            Hint::Generator
        );
        assert_eq!(
            hint(list("  # config\n  kind: 'Orchestrator' # the generator\n  spec: {}\n").as_bytes()),
            Hint::Generator
        );
        assert_eq!(hint(list("  kind: OrchestratorCheck\n").as_bytes()), Hint::Check);
        assert_eq!(
            hint(list("  kind: OrchestratorPlatform\n  spec:\n    kind: Orchestrator\n").as_bytes()),
            Hint::Platform
        );
        assert_eq!(hint(list("  {kind: Orchestrator}\n").as_bytes()), Hint::Other);
        // No functionConfig (kpt's validator): an item's `kind: Orchestrator` is not one.
        assert_eq!(hint(b"items:\n- kind: Orchestrator\n"), Hint::Check);
    }
}
