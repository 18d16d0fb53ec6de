//! Property tests of the ResourceList reader and writer, stated on the data: each item reads
//! back as the same value (tags and non-string keys included), the output is the bytes the
//! emitter writes for the list as one tree however the items were read, a second run of the
//! function is byte-identical, the host's annotations come back exactly, and strings a YAML
//! 1.1 reader would turn into booleans, numbers or null (`on`, `yes`, `0755`, `1e3`, `null`)
//! stay strings.

use maverics_krm::function;
use maverics_krm::krm::{Item, ResourceList};
use proptest::prelude::*;
use serde_yaml::value::{Tag, TaggedValue};
use serde_yaml::{Mapping, Value};

/// Scalars YAML 1.1 (kubectl's go-yaml v2) or YAML 1.2 would read as something else when
/// written plain.
const LOOKALIKES: &[&str] = &[
    "on",
    "off",
    "yes",
    "no",
    "y",
    "n",
    "Y",
    "N",
    "ON",
    "Yes",
    "true",
    "False",
    "null",
    "Null",
    "~",
    "",
    "0755",
    "0o17",
    "0x1F",
    "1e3",
    "1E3",
    "-1.5",
    ".inf",
    "-.Inf",
    ".nan",
    "1_000",
    "2001-12-14",
    "12:30:00",
    "+1",
    "0",
    "- a",
    "a: b",
    "#x",
    "&a",
    "*a",
    "!tag",
    "@x",
    "`x",
    "%x",
    "'q'",
    "\"q\"",
    " lead",
    "trail ",
    "multi\nline",
    "tab\there",
    "{}",
    "[]",
    ">",
    "|",
];

/// The subset of `LOOKALIKES` a YAML 1.1 reader resolves to something other than a string.
const YAML_1_1_NON_STRINGS: &[&str] = &[
    "on",
    "off",
    "yes",
    "no",
    "y",
    "n",
    "Y",
    "N",
    "ON",
    "Yes",
    "true",
    "False",
    "null",
    "Null",
    "~",
    "",
    "0755",
    "0x1F",
    "1e3",
    "1E3",
    "-1.5",
    ".inf",
    "-.Inf",
    ".nan",
    "1_000",
    "2001-12-14",
    "12:30:00",
    "+1",
    "0",
];

fn string() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(LOOKALIKES).prop_map(str::to_owned),
        "[ -~]{0,16}",
        "\\PC{0,8}",
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        string().prop_map(Value::String),
        any::<i64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::Bool),
        (-1.0e9f64..1.0e9).prop_map(Value::from),
        Just(Value::Null),
    ]
}

/// A key as YAML allows it: strings, and numbers, booleans and null.
fn key() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => string().prop_map(Value::String),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => Just(Value::Null),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Sequence),
            prop::collection::vec((key(), inner.clone()), 0..5).prop_map(|m| Value::Mapping(m.into_iter().collect())),
            ("t[a-z]{0,3}", inner).prop_map(|(tag, v)| match v {
                // A tag on a tagged value is not YAML: the inner one stays alone.
                Value::Tagged(_) => v,
                v => Value::Tagged(Box::new(TaggedValue {
                    tag: Tag::new(format!("!{tag}")),
                    value: v,
                })),
            }),
        ]
    })
}

/// A foreign object as a host sends it: the host's annotations, any data.
fn object() -> impl Strategy<Value = Value> {
    (
        "[a-z][a-z0-9-]{0,10}",
        0u32..50,
        prop::collection::vec((key(), value()), 0..6),
    )
        .prop_map(|(name, index, data)| {
            let mut m = Mapping::new();
            m.insert("apiVersion".into(), "example.com/v1".into());
            m.insert("kind".into(), "Thing".into());
            let mut meta = Mapping::new();
            meta.insert("name".into(), name.clone().into());
            let mut ann = Mapping::new();
            for (k, v) in [
                ("config.kubernetes.io/index", index.to_string()),
                ("config.kubernetes.io/path", format!("things/{name}.yaml")),
                ("internal.config.kubernetes.io/index", index.to_string()),
                ("internal.config.kubernetes.io/path", format!("things/{name}.yaml")),
                ("internal.config.kubernetes.io/id", (index + 1).to_string()),
                ("config.k8s.io/id", (index + 1).to_string()),
            ] {
                ann.insert(k.into(), v.into());
            }
            meta.insert("annotations".into(), Value::Mapping(ann));
            m.insert("metadata".into(), Value::Mapping(meta));
            m.insert("data".into(), Value::Mapping(data.into_iter().collect()));
            Value::Mapping(m)
        })
}

fn list() -> impl Strategy<Value = ResourceList> {
    prop::collection::vec(object(), 0..6).prop_map(|items| ResourceList {
        items: items.into_iter().map(Item::Tree).collect(),
        ..ResourceList::empty()
    })
}

/// Every item of `l` as a tree, passed ones read back.
fn trees(l: &ResourceList) -> Vec<Value> {
    l.clone().take_trees().unwrap()
}

/// The list as one tree, as the emitter writes it nested: what the spliced output must equal.
fn nested(l: &ResourceList) -> String {
    let mut m = Mapping::new();
    m.insert("apiVersion".into(), l.api_version.clone().into());
    m.insert("kind".into(), "ResourceList".into());
    m.insert("items".into(), Value::Sequence(trees(l)));
    if let Some(fc) = &l.function_config {
        m.insert("functionConfig".into(), fc.clone());
    }
    serde_yaml::to_string(&Value::Mapping(m)).unwrap()
}

/// The generator's own config, as kpt sends it beside the package's other items.
fn generator_config() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/bases/orchestrator/orchestrator.yaml");
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn each_item_reads_back_as_the_same_value(l in list()) {
        let text = l.to_yaml(&[]);
        let back = ResourceList::parse(text.as_bytes()).map_err(|d| TestCaseError::fail(d.to_string()))?;
        prop_assert_eq!(&back.items, &l.items);
        prop_assert_eq!(back.to_yaml(&[]), text);
    }

    #[test]
    fn items_written_one_by_one_are_the_bytes_of_the_list_written_nested(l in list()) {
        let text = l.to_yaml(&[]);
        prop_assert_eq!(&text, &nested(&l));
        // Read with every item passed through as text: the same bytes again.
        let passed = ResourceList::parse_passing(text.as_bytes(), &mut |_: usize, _: &Value| false)
            .map_err(|d| TestCaseError::fail(d.to_string()))?;
        prop_assert!(passed.items.iter().all(|i| matches!(i, Item::Passed(_))));
        prop_assert_eq!(passed.to_yaml(&[]), text);
    }

    #[test]
    fn the_generator_passes_foreign_items_through_as_the_same_values(l in list()) {
        let mut input = l.clone();
        input.function_config = Some(generator_config());
        let text = input.to_yaml(&[]);
        let out = function::run(text.as_bytes());
        prop_assert_eq!(out.exit(), maverics_krm::exit::Exit::Success);
        let written = out.to_yaml();
        let back = ResourceList::parse(written.as_bytes()).map_err(|d| TestCaseError::fail(d.to_string()))?;
        // The foreign items first, each the same value, host annotations included; then the
        // generated objects.
        prop_assert_eq!(&back.items[..l.items.len()], &l.items[..]);
        prop_assert!(back.items.len() > l.items.len());
        // A second run on the output is byte-identical.
        let again = function::run(written.as_bytes());
        prop_assert_eq!(again.to_yaml(), written);
    }

    #[test]
    fn lookalike_strings_are_quoted_for_yaml_1_1_readers(s in prop::sample::select(LOOKALIKES)) {
        let mut l = ResourceList::empty();
        let mut obj = Mapping::new();
        obj.insert("apiVersion".into(), "v1".into());
        obj.insert("kind".into(), "ConfigMap".into());
        obj.insert("data".into(), Value::Mapping(Mapping::from_iter([(Value::from("k"), Value::from(s))])));
        l.items.push(Item::Tree(Value::Mapping(obj)));
        let text = l.to_yaml(&[]);
        // A plain scalar from this set would be read back by a YAML 1.1 reader as a bool,
        // a number, a date or null: it must be written quoted.
        let line = text.lines().find(|x| x.trim_start().starts_with("k:")).unwrap_or_default();
        let written = line.trim_start().trim_start_matches("k:").trim();
        if YAML_1_1_NON_STRINGS.contains(&s) {
            prop_assert!(written.starts_with(['\'', '"']), "`{}` written plain as `{}`", s, written);
        }
        let back = ResourceList::parse(text.as_bytes()).map_err(|d| TestCaseError::fail(d.to_string()))?;
        let back = trees(&back);
        prop_assert_eq!(back[0]["data"]["k"].as_str(), Some(s));
    }

    #[test]
    fn the_function_passes_items_through_unchanged(l in list()) {
        // No functionConfig: kpt's validator mode, a check with default settings, which
        // finds nothing in these kinds and must hand every item back identical.
        let text = l.to_yaml(&[]);
        let out = function::run(text.as_bytes());
        prop_assert_eq!(out.exit(), maverics_krm::exit::Exit::Success);
        // The check passes every item through as text: what it holds is compared as data,
        // and the bytes it writes of the list (its warnings aside) are those it read.
        let written = out.list.to_yaml(&[]);
        prop_assert_eq!(&written, &text);
        let again = ResourceList::parse(written.as_bytes()).map_err(|d| TestCaseError::fail(d.to_string()))?;
        prop_assert_eq!(again.items, l.items);
    }
}
