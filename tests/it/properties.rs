//! Property tests of the ResourceList reader and writer: any valid ResourceList passes
//! through unchanged, and strings a YAML 1.1 reader would turn into booleans, numbers or
//! null (`on`, `yes`, `0755`, `1e3`, `null`) stay strings.

use maverics_krm::function;
use maverics_krm::krm::ResourceList;
use proptest::prelude::*;
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

fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Sequence),
            prop::collection::btree_map(string(), inner, 0..5)
                .prop_map(|m| Value::Mapping(m.into_iter().map(|(k, v)| (Value::String(k), v)).collect())),
        ]
    })
}

fn object() -> impl Strategy<Value = Value> {
    (
        "[a-z][a-z0-9-]{0,10}",
        prop::collection::btree_map(string(), value(), 0..6),
    )
        .prop_map(|(name, data)| {
            let mut m = Mapping::new();
            m.insert("apiVersion".into(), "example.com/v1".into());
            m.insert("kind".into(), "Thing".into());
            let mut meta = Mapping::new();
            meta.insert("name".into(), name.into());
            m.insert("metadata".into(), Value::Mapping(meta));
            m.insert(
                "data".into(),
                Value::Mapping(data.into_iter().map(|(k, v)| (Value::String(k), v)).collect()),
            );
            Value::Mapping(m)
        })
}

fn list() -> impl Strategy<Value = ResourceList> {
    prop::collection::vec(object(), 0..6).prop_map(|items| ResourceList {
        items,
        ..ResourceList::empty()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn write_then_read_is_identity(l in list()) {
        let text = l.to_yaml(&[]);
        let back = ResourceList::parse(text.as_bytes()).map_err(|d| TestCaseError::fail(d.to_string()))?;
        prop_assert_eq!(&back, &l);
        prop_assert_eq!(back.to_yaml(&[]), text);
    }

    #[test]
    fn lookalike_strings_are_quoted_for_yaml_1_1_readers(s in prop::sample::select(LOOKALIKES)) {
        let mut l = ResourceList::empty();
        let mut obj = Mapping::new();
        obj.insert("apiVersion".into(), "v1".into());
        obj.insert("kind".into(), "ConfigMap".into());
        obj.insert("data".into(), Value::Mapping(Mapping::from_iter([(Value::from("k"), Value::from(s))])));
        l.items.push(Value::Mapping(obj));
        let text = l.to_yaml(&[]);
        // A plain scalar from this set would be read back by a YAML 1.1 reader as a bool,
        // a number, a date or null: it must be written quoted.
        let line = text.lines().find(|x| x.trim_start().starts_with("k:")).unwrap_or_default();
        let written = line.trim_start().trim_start_matches("k:").trim();
        if YAML_1_1_NON_STRINGS.contains(&s) {
            prop_assert!(written.starts_with(['\'', '"']), "`{}` written plain as `{}`", s, written);
        }
        let back = ResourceList::parse(text.as_bytes()).map_err(|d| TestCaseError::fail(d.to_string()))?;
        prop_assert_eq!(back.items[0]["data"]["k"].as_str(), Some(s));
    }

    #[test]
    fn the_function_passes_items_through_unchanged(l in list()) {
        // No functionConfig: kpt's validator mode, a check with default settings, which
        // finds nothing in these kinds and must hand every item back identical.
        let text = l.to_yaml(&[]);
        let out = function::run(text.as_bytes());
        prop_assert_eq!(out.exit(), maverics_krm::exit::Exit::Success);
        prop_assert_eq!(&out.list.items, &l.items);
        let again = ResourceList::parse(out.to_yaml().as_bytes()).map_err(|d| TestCaseError::fail(d.to_string()))?;
        prop_assert_eq!(again.items, l.items);
    }
}
