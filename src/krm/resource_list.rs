//! Reading and writing the `ResourceList` document exchanged with the host.

use crate::diag::Diagnostic;
use crate::krm::item::{Item, Passed, Sieve};
use crate::krm::{annotations, object};
use serde_yaml::{Mapping, Value};

/// The ResourceList `apiVersion` of the KRM functions spec v1.
pub const API_VERSION_V1: &str = "config.kubernetes.io/v1";
/// The older ResourceList `apiVersion`, still accepted and echoed back.
pub const API_VERSION_V1BETA1: &str = "config.kubernetes.io/v1beta1";
pub(super) const KIND: &str = "ResourceList";

/// Largest input accepted on stdin: the limit of every reader.
pub const MAX_INPUT_BYTES: usize = crate::io::read::MAX_BYTES;

/// The KRM function wire format: the items, the function config and results, as a host sends
/// and expects them.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceList {
    /// Echoed on output, so a host that speaks v1beta1 gets v1beta1 back.
    pub api_version: String,
    /// Each item a tree, or, for an item read by [`ResourceList::parse_passing`] and passed
    /// through, its facts and the place of its text in [`ResourceList::passed`].
    pub items: Vec<Item>,
    /// The function config the host passed; `None` when it sent none.
    pub function_config: Option<Value>,
    /// `results` of earlier functions in a pipeline: written back first, ours after them.
    pub results: Vec<Value>,
    /// Top-level keys this function does not know, written back after `functionConfig` in
    /// their input order: a later function or a newer host may need them.
    pub extra: Mapping,
    /// Pass-through items as the YAML crate wrote them, one after the other, each already a
    /// sequence element (`- ` and indented): written as they are where their [`Item::Passed`]
    /// stands in `items`. Passed items keep their input order, so a run of them is one slice.
    pub passed: String,
}

impl ResourceList {
    /// Parses what a host sent, every item as a tree. Every failure names the place and the
    /// fix.
    pub fn parse(input: &[u8]) -> Result<Self, Diagnostic> {
        Self::parse_passing(input, &mut |_: usize, _: &Value| true)
    }

    /// Parses what a host sent, one item at a time: `sieve` sees each item's head as it is
    /// read and says whether the function may read or change it. An item it does not keep is
    /// copied at once from its parse events as text into [`ResourceList::passed`], with no
    /// tree built (unless the sieve asks to read it), and only its facts stay in `items`.
    pub fn parse_passing(input: &[u8], sieve: &mut impl Sieve) -> Result<Self, Diagnostic> {
        let text = crate::io::read::text("input", input)?;
        if text.trim().is_empty() {
            return Err(Diagnostic::error("input is empty: expected a ResourceList on stdin").fix(
                "run this binary from kustomize (`kustomize build --enable-alpha-plugins --enable-exec DIR`) or kpt, \
                 or use `maverics-krm render CONFIG` to render without a host",
            ));
        }
        let Some(mut reader) = serde_yaml::MappingReader::from_str(text).map_err(|e| yaml_error(&e))? else {
            // Not a plain mapping: the whole-document reader says what it is.
            let doc: Value = serde_yaml::from_str(text).map_err(|e| yaml_error(&e))?;
            let Value::Mapping(map) = doc else {
                return Err(
                    Diagnostic::error("input is not a ResourceList: the document is not a mapping").fix(format!(
                        "send a mapping with `apiVersion: {API_VERSION_V1}` and `kind: {KIND}`"
                    )),
                );
            };
            return Self::from_map(map, None, String::new());
        };
        let mut map = Mapping::new();
        let mut streamed = None;
        // About the input's size in the end: reserved once rather than grown by copies.
        let mut passed = String::with_capacity(text.len());
        while let Some(key) = reader.next_key().map_err(|e| yaml_error(&e))? {
            if key.as_str() == Some("items") && reader.enter_sequence().map_err(|e| yaml_error(&e))? {
                let mut items = Vec::new();
                // The first bad item is reported after the list's own fields, as before.
                let mut bad = None;
                while let Some(element) = reader.next_element_events().map_err(|e| yaml_error(&e))? {
                    let i = items.len();
                    if bad.is_some() {
                        // Still built: an error of the YAML in a later item comes first.
                        element.value().map_err(|e| yaml_error(&e))?;
                        continue;
                    }
                    let item = read_item(i, &element, sieve, &mut passed)?;
                    reader.recycle(element);
                    match item {
                        Ok(item) => items.push(item),
                        Err(d) => bad = Some(d),
                    }
                }
                streamed = Some((items, bad));
            } else {
                let value = reader.next_value().map_err(|e| yaml_error(&e))?;
                map.insert(key, value);
            }
        }
        Self::from_map(map, streamed, passed)
    }

    /// The list's own fields from the top-level mapping; `streamed` holds the items when
    /// they were read one at a time (and the first bad one), otherwise they are in `map`.
    fn from_map(
        mut map: Mapping,
        streamed: Option<(Vec<Item>, Option<Diagnostic>)>,
        passed: String,
    ) -> Result<Self, Diagnostic> {
        let api_version = match map.get("apiVersion").and_then(Value::as_str) {
            Some(v @ (API_VERSION_V1 | API_VERSION_V1BETA1)) => v.to_owned(),
            other => {
                return Err(Diagnostic::error(format!(
                    "input has apiVersion {}, not a ResourceList version",
                    quoted(other)
                ))
                .field("apiVersion")
                .fix(format!("use `{API_VERSION_V1}` (or `{API_VERSION_V1BETA1}`)")));
            }
        };
        match map.get("kind").and_then(Value::as_str) {
            Some(KIND) => {}
            other => {
                return Err(
                    Diagnostic::error(format!("input has kind {}, expected `{KIND}`", quoted(other)))
                        .field("kind")
                        .fix(format!("send `kind: {KIND}`")),
                );
            }
        }
        let items = match streamed {
            Some((_, Some(bad))) => return Err(bad),
            Some((items, None)) => items,
            None => match map.shift_remove("items") {
                Some(Value::Sequence(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        check_item(i, item)?;
                    }
                    items.into_iter().map(Item::Tree).collect()
                }
                Some(Value::Null) | None => {
                    return Err(Diagnostic::error("the ResourceList has no `items`")
                        .field("items")
                        .fix("send `items:` as a list (it may be empty: `items: []`)"));
                }
                Some(_) => {
                    return Err(Diagnostic::error("`items` is not a list")
                        .field("items")
                        .fix("send `items:` as a list of Kubernetes objects"));
                }
            },
        };
        let function_config = match map.shift_remove("functionConfig") {
            None | Some(Value::Null) => None,
            Some(v @ Value::Mapping(_)) => Some(v),
            Some(_) => {
                return Err(Diagnostic::error("`functionConfig` is not an object")
                    .field("functionConfig")
                    .fix("send the function config as a Kubernetes-style object"));
            }
        };
        let results = match map.shift_remove("results") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Sequence(r)) => {
                // Passed back to the host as they came: each must be a Result object, or kpt
                // and kustomize fail on our output instead of on the bad input.
                if let Some(i) = r.iter().position(|x| !x.is_mapping()) {
                    return Err(Diagnostic::error(format!("`results[{i}]` is not a Result object"))
                        .field(format!("results[{i}]"))
                        .fix("send each result as a mapping with at least `message` and `severity` (KRM Functions Specification v1)"));
                }
                r
            }
            Some(_) => {
                return Err(Diagnostic::error("`results` is not a list").field("results").fix(
                    "send `results:` as a list of Result objects (KRM Functions Specification v1), or leave it out",
                ));
            }
        };
        map.shift_remove("apiVersion");
        map.shift_remove("kind");
        Ok(ResourceList {
            api_version,
            items,
            function_config,
            results,
            extra: map,
            passed,
        })
    }

    /// Takes every item out as a tree, reading passed texts back (for a mode that reads every
    /// item); put them back with `Item::Tree`.
    pub fn take_trees(&mut self) -> Result<Vec<Value>, Diagnostic> {
        let passed = std::mem::take(&mut self.passed);
        let mut trees = Vec::with_capacity(self.items.len());
        for (i, item) in std::mem::take(&mut self.items).into_iter().enumerate() {
            match item {
                Item::Tree(v) => trees.push(v),
                Item::Passed(p) => {
                    // The text is the emitter's own output of an item it read: it reads back
                    // to one item, or this is a bug, said as one rather than a lost item.
                    trees.push(p.read_back(&passed).ok_or_else(|| {
                        Diagnostic::internal(format!("passed item {i} could not be read back"))
                            .field(format!("items[{i}]"))
                    })?);
                }
            }
        }
        Ok(trees)
    }

    /// The list the function writes when the input could not be read at all: no items
    /// (there are none it could trust) and the error as a result. The caller exits 1, so no
    /// host applies it.
    pub fn empty() -> Self {
        ResourceList {
            api_version: API_VERSION_V1.to_owned(),
            items: Vec::new(),
            function_config: None,
            results: Vec::new(),
            extra: Mapping::new(),
            passed: String::new(),
        }
    }
}

/// One item as an element of a block sequence at column 0, as the emitter writes it nested:
/// a one-element sequence, emitted by the emitter itself. (Indenting the item's own text line
/// by line would miss the line breaks YAML has besides `\n`: U+0085, U+2028 and U+2029.)
pub fn element(item: &Value) -> Result<String, serde_yaml::Error> {
    serde_yaml::to_string(std::slice::from_ref(item))
}

/// One item of the list: a tree when the sieve keeps it (or it is not a plain mapping),
/// otherwise copied from its events into `passed`; `Err(Ok(bad))` when it is no Kubernetes
/// object, an error of its YAML otherwise.
fn read_item(
    i: usize,
    element: &serde_yaml::Element,
    sieve: &mut impl Sieve,
    passed: &mut String,
) -> Result<Result<Item, Diagnostic>, Diagnostic> {
    let yaml = |e: serde_yaml::Error| yaml_error(&e);
    // An item that reads but that the emitter cannot write (a tagged or a mapping key): not a
    // fault of its YAML, said as what it is, naming the item.
    let unwritable = |e: serde_yaml::Error| {
        Diagnostic::internal(format!("item {i} could not be written back: {e}")).field(format!("items[{i}]"))
    };
    if element.is_plain_mapping() && (sieve.keeps_all() || sieve.reads_all()) {
        // The mode reads every item whole whatever its head: built once, and its head read
        // from the tree.
        let item = element.value().map_err(yaml)?;
        if let Err(d) = check_item(i, &item) {
            return Ok(Err(d));
        }
        if sieve.keeps_all() || sieve.keep(i, &item) {
            return Ok(Ok(Item::Tree(item)));
        }
        let start = passed.len();
        passed.push_str(&self::element(&item).map_err(unwritable)?);
        let item_passed = Passed::of(&item, start..passed.len());
        sieve.read(i, item);
        return Ok(Ok(Item::Passed(item_passed)));
    }
    // What every mode asks of an item before deciding: its identity, file and owner.
    let head = if element.is_plain_mapping() {
        // On an error, the whole item's: the same error, path and precedence as when every
        // item was built whole (the head alone would place `metadata` at the root).
        element
            .pick(&HEAD)
            .map_err(|e| yaml(element.value().err().unwrap_or(e)))?
    } else {
        None
    };
    let Some(head) = head else {
        // An alias or a tagged node at the top: built, and judged as a whole.
        let item = element.value().map_err(yaml)?;
        return Ok(check_item(i, &item).map(|()| Item::Tree(item)));
    };
    if let Err(d) = check_item(i, &head) {
        element.value().map_err(yaml)?;
        return Ok(Err(d));
    }
    if sieve.keep(i, &head) {
        return Ok(Ok(Item::Tree(element.value().map_err(yaml)?)));
    }
    let start = passed.len();
    if sieve.reads_whole(&head) {
        // The sieve reads the whole tree anyway: written from it, the same bytes as copied
        // from the events (`tests/it/properties.rs`), for one walk of the item instead of two.
        let item = element.value().map_err(yaml)?;
        passed.push_str(&self::element(&item).map_err(unwritable)?);
        sieve.read(i, item);
        return Ok(Ok(Item::Passed(Passed::of(&head, start..passed.len()))));
    }
    let mut whole = false;
    let text = element
        .to_element_string(&mut |v, place| whole = whole || sieve.may_need(v, place))
        .map_err(|e| match element.value() {
            Err(e) => yaml(e),
            Ok(_) => unwritable(e),
        })?;
    passed.push_str(&text);
    if whole {
        sieve.read(i, element.value().map_err(yaml)?);
    }
    Ok(Ok(Item::Passed(Passed::of(&head, start..passed.len()))))
}

/// The fields every mode reads of an item before it decides what to do with it: its
/// identity, its file and its owner (a sieve's `keep`, `reads_whole`, and `Passed`). Only
/// these are built: the rest of `metadata` (labels, other annotations) is copied with the
/// item, and building it was a tenth of a generator run over foreign items.
const HEAD: [&[&str]; 9] = [
    &["apiVersion"],
    &["kind"],
    &["metadata", "name"],
    &["metadata", "namespace"],
    &["metadata", "annotations", annotations::PATH],
    &["metadata", "annotations", annotations::LEGACY_PATH],
    &["metadata", "annotations", annotations::INDEX],
    &["metadata", "annotations", annotations::LEGACY_INDEX],
    &["metadata", "annotations", annotations::OWNER],
];

fn yaml_error(e: &serde_yaml::Error) -> Diagnostic {
    let msg = e.to_string();
    let fix = if msg.contains("recursion limit") {
        "no Kubernetes object nests that deep: flatten the structure or check for unbalanced brackets"
    } else if msg.contains("repetition limit") {
        "the document expands `*alias` references too often (an alias bomb?): write the values out"
    } else if msg.contains("duplicate entry") {
        "remove one of the two keys: YAML allows a key once per mapping"
    } else if msg.contains("more than one document") {
        "send exactly one ResourceList document (no `---` between documents)"
    } else {
        "fix the YAML syntax at that line and column; send one ResourceList document in YAML or JSON"
    };
    Diagnostic::error(format!("input is not a valid YAML document: {msg}")).fix(fix)
}

fn quoted(v: Option<&str>) -> String {
    v.map_or_else(|| "(missing)".to_owned(), |s| format!("`{s}`"))
}

fn check_item(i: usize, item: &Value) -> Result<(), Diagnostic> {
    let field = format!("items[{i}]");
    if !item.is_mapping() {
        return Err(Diagnostic::error(format!("item {i} is not an object"))
            .field(field)
            .fix("every item must be a Kubernetes object with `apiVersion`, `kind` and `metadata`"));
    }
    for key in ["apiVersion", "kind"] {
        if item.get(key).and_then(Value::as_str).is_none_or(str::is_empty) {
            return Err(Diagnostic::error(format!("item {i} has no `{key}`"))
                .field(format!("{field}.{key}"))
                .file(object::file_ref(item))
                .fix(format!("add `{key}` to that object")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<ResourceList, Diagnostic> {
        ResourceList::parse(s.as_bytes())
    }

    #[test]
    fn accepts_v1_and_v1beta1_and_echoes_the_version() {
        for v in [API_VERSION_V1, API_VERSION_V1BETA1] {
            let rl = parse(&format!("apiVersion: {v}\nkind: ResourceList\nitems: []\n")).unwrap();
            assert_eq!(rl.api_version, v);
            assert!(rl.to_yaml(&[]).starts_with(&format!("apiVersion: {v}\n")));
        }
    }

    #[test]
    fn refuses_what_is_not_a_resource_list() {
        let cases = [
            ("", "input is empty"),
            ("   \n", "input is empty"),
            ("a: [", "not a valid YAML"),
            ("- 1\n", "not a mapping"),
            ("apiVersion: v1\nkind: ResourceList\nitems: []\n", "apiVersion `v1`"),
            (
                "apiVersion: config.kubernetes.io/v1\nkind: List\nitems: []\n",
                "kind `List`",
            ),
            (
                "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n",
                "no `items`",
            ),
            (
                "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: 3\n",
                "not a list",
            ),
            (
                "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: [3]\n",
                "item 0 is not an object",
            ),
            (
                "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: [{kind: A}]\n",
                "no `apiVersion`",
            ),
            ("a: 1\na: 2\n", "duplicate entry"),
        ];
        for (input, want) in cases {
            let err = parse(input).unwrap_err();
            assert!(err.message.contains(want), "{input:?}: {}", err.message);
            assert!(err.fix.is_some(), "{input:?} has no fix");
        }
    }

    #[test]
    fn refuses_deep_nesting_at_once_and_keeps_brackets_in_strings() {
        // The fuzzer's find: a byte scan for brackets refused this valid output of our own.
        let brackets = format!(
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  data:\n    a: '{}'\n    b: x{}\n",
            "[".repeat(500),
            "{".repeat(500)
        );
        let rl = parse(&brackets).unwrap();
        assert_eq!(parse(&rl.to_yaml(&[])).unwrap(), rl);
        // A million levels: refused by the patched loader at level 129, not after parsing all.
        let n = 1_000_000;
        let deep = format!(
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: {}{}\n",
            "[".repeat(n),
            "]".repeat(n)
        );
        let start = std::time::Instant::now();
        let err = parse(&deep).unwrap_err();
        assert!(err.message.contains("recursion limit exceeded"), "{}", err.message);
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn a_passed_item_is_its_own_text_whatever_keys_it_has() {
        // No key is reserved: a key that once marked a skeleton is data like any other, and
        // each passed item comes back as itself, in its place between kept ones.
        let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n- apiVersion: v1\n  kind: ConfigMap\n  \"\\0passed\": 0\n- apiVersion: krm.maverics.dev/v1alpha1\n  kind: Orchestrator\n- apiVersion: v1\n  kind: Secret\n";
        let whole = parse(input).unwrap();
        let passing = ResourceList::parse_passing(input.as_bytes(), &mut |i: usize, _: &Value| i == 2).unwrap();
        assert!(matches!(passing.items[1], Item::Passed(_)));
        assert!(matches!(passing.items[2], Item::Tree(_)));
        assert_eq!(passing.to_yaml(&[]), whole.to_yaml(&[]));
        assert_eq!(
            passing.clone().take_trees().unwrap(),
            whole.clone().take_trees().unwrap()
        );
    }

    #[test]
    fn refuses_non_utf8() {
        let err = ResourceList::parse(b"apiVersion: \xff\n").unwrap_err();
        assert!(err.message.contains("offset 12"), "{}", err.message);
    }

    #[test]
    fn yaml_1_1_lookalike_strings_stay_quoted() {
        let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c\n  data:\n    a: 'on'\n    b: 'yes'\n    c: '0755'\n    d: '1e3'\n    e: 'null'\n    f: 'N'\n    g: '1_000'\n    h: '2001-12-14'\n";
        let out = parse(input).unwrap().to_yaml(&[]);
        for want in [
            "a: 'on'",
            "b: 'yes'",
            "c: '0755'",
            "d: '1e3'",
            "e: 'null'",
            "f: 'N'",
            "g: '1_000'",
            "h: '2001-12-14'",
        ] {
            assert!(out.contains(want), "missing {want} in\n{out}");
        }
        assert_eq!(parse(&out).unwrap().to_yaml(&[]), out);
    }
}
