//! maverics-krm: the event copier (`src/copy.rs`) writes each element exactly as serialising
//! its `Value` does, refuses what building the `Value` refuses with the same error, and reads
//! fields as the `Value` holds them.

use serde_yaml_ng::{MappingReader, Value};
use std::path::Path;

/// For each element of every top-level sequence of `input`: the copy (or its error) and the
/// `Value` serialised (or the error building it).
fn both(input: &str) -> Vec<(Result<String, String>, Result<String, String>)> {
    let mut out = Vec::new();
    // Input the reader refuses while parsing (a syntax error) has no more elements.
    let Ok(Some(mut reader)) = MappingReader::from_str(input) else {
        return out;
    };
    while let Ok(Some(_key)) = reader.next_key() {
        match reader.enter_sequence() {
            Ok(true) => {}
            Ok(false) if reader.next_value().is_ok() => continue,
            _ => return out,
        }
        while let Ok(Some(element)) = reader.next_element_events() {
            let copied = element
                .to_element_string(&mut |_, _| {})
                .map_err(|e| e.to_string());
            let built = element
                .value()
                .and_then(|v| serde_yaml_ng::to_string(&[v]))
                .map_err(|e| e.to_string());
            out.push((copied, built));
        }
    }
    out
}

fn assert_same(input: &str) {
    for (copied, built) in both(input) {
        assert_eq!(copied, built, "{input:?}");
    }
    // Input that does not parse ends the reader early, with no element refused.
    assert_values_as_whole(input, false);
}

/// The elements of `items` as `Element::value` builds them (without a deserializer for
/// plain nodes) against the whole-document reader's: the same values, or, when that reader
/// refuses the document, the same error from the first element refused (when `errors`).
fn assert_values_as_whole(input: &str, errors: bool) {
    let mut values = Vec::new();
    if let Ok(Some(mut reader)) = MappingReader::from_str(input) {
        while let Ok(Some(key)) = reader.next_key() {
            match reader.enter_sequence() {
                Ok(true) if key == "items" => {
                    while let Ok(Some(element)) = reader.next_element_events() {
                        values.push(element.value().map_err(|e| e.to_string()));
                    }
                }
                Ok(true) => while let Ok(Some(_)) = reader.next_element_events() {},
                Ok(false) if reader.next_value().is_ok() => {}
                _ => break,
            }
        }
    }
    match serde_yaml_ng::from_str::<Value>(input) {
        Ok(whole) => {
            let want: Vec<Result<Value, String>> = match whole.get("items") {
                Some(Value::Sequence(items)) => items.iter().cloned().map(Ok).collect(),
                _ => return,
            };
            assert_eq!(values, want, "{input:?}");
        }
        Err(e) if errors => {
            let first = values.iter().find_map(|v| v.clone().err());
            assert_eq!(first, Some(e.to_string()), "{input:?}");
        }
        Err(_) => {}
    }
}

/// Strings a YAML 1.1 reader takes for something else, written plain, quoted and in block
/// style; numbers, nulls and booleans in their YAML 1.2 spellings.
const LOOKALIKES: &[&str] = &[
    "on", "off", "On", "OFF", "yes", "no", "Yes", "NO", "y", "n", "Y", "N", "true", "false",
    "True", "~", "null", "Null", "NULL", "", "0755", "0o755", "0x1F", "1e3", "1E3", "1.5e-3",
    "1_000", "+1", "-0", ".5", "5.", ".inf", "-.Inf", ".nan", "2001-12-14", "2001-12-14t21:59:43.10-05:00",
    "12:30:00", "1:20", "0b101", "=", "<<", "-", "?", ":", "#", "@x", "`x", "!x", "&x", "*x", "%x",
    "a: b", "a #b", " lead", "trail ", "multi\nline", "tab\there", "\u{85}next", "\u{2028}sep",
    "9223372036854775808", "-9223372036854775809", "18446744073709551616",
    // Words `f64` parsing takes (not finite, so strings here), and null and boolean words
    // in other cases: a word is read without the number parse.
    "inf", "-inf", "nan", "NaN", "Infinity", "e3", "TRUE", "FALSE", "nULL", "tRUE",
];

#[test]
fn lookalikes_come_out_as_serialising_their_value_writes_them() {
    let mut input = String::from("items:\n");
    for s in LOOKALIKES {
        let quoted = serde_yaml_ng::to_string(s).unwrap();
        let quoted = quoted.trim_end();
        let double = format!("{s:?}");
        // Plain where YAML allows it, single- and double-quoted, as a key and as a value.
        let plain = serde_yaml_ng::from_str::<Value>(&format!("[{s}]")).is_ok()
            && serde_yaml_ng::from_str::<Value>(&format!("v: {s}")).is_ok();
        if plain && !s.is_empty() && !s.contains(['\n', '\t', '\u{85}', '\u{2028}']) {
            input.push_str(&format!("- {{k: {s}}}\n- v: {s}\n"));
        }
        input.push_str(&format!("- {{k: {quoted}}}\n- {quoted}: v\n- x: {double}\n- [{double}, {quoted}]\n"));
    }
    assert!(both(&input).len() > LOOKALIKES.len() * 4);
    assert_same(&input);
}

#[test]
fn tags_aliases_keys_and_shapes_come_out_the_same() {
    let cases = [
        "items:\n- {a: !!str 3, b: !!int '4', c: !!binary aGVsbG8=, d: !custom x, e: !t {f: 1}, g: !s [1]}\n",
        "items:\n- !Tag {c: !!str 3}\n- !!map {a: 1}\n- ! {a: 1}\n- !<tag:example.com,2000:x> y\n",
        "items:\n- {1: a, [2]: b, {3: c}: d, null: e, true: f, 1.5: g, ~: h}\n",
        "items:\n- {'!tag': v}\n- {'!tag': {x: 1}}\n- {'!a': 1, '!b': 2}\n- {x: {'!y': [1]}}\n",
        "items:\n- {}\n- []\n- {a: {}, b: [], c: [{}], d: [[]]}\n- [[], {}]\n",
        "items:\n- &a {x: 1}\n- *a\n- y: *a\n- &b [1, &c 2]\n- [*b, *c]\n- {*c : k}\n",
        "items:\n- &outer {inner: &in [1, 2], again: *in}\n- *in\n- *outer\n- {a: &x 1, b: *x}\n",
        "items:\n- {<<: {a: 1}, b: 2}\n- {<<: [{a: 1}], c: 3}\n",
        "items:\n- s: |\n    line\n\n     indented\n  t: >\n    folded\n    text\n  u: |-\n    keep\n  v: \"a\\x00b\"\n",
        "items:\n- {long: \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbbb\"}\n",
        "items:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c, annotations: {config.kubernetes.io/index: '0', config.kubernetes.io/path: 'a b.yaml'}}\n  data: {a: 'on', b: '0755', c: '1e3', d: '~', e: 'yes'}\n",
        "items:\n- 7\n- 'on'\n- null\n- [1, [2, [3]]]\n",
    ];
    for input in cases {
        assert!(!both(input).is_empty(), "{input:?}");
        assert_same(input);
    }
}

#[test]
fn what_building_refuses_the_copy_refuses_with_the_same_error() {
    let bomb = {
        let mut s = String::from("items:\n- a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            s.push_str(&format!(
                "  a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        s
    };
    // An alias to a deep anchor, nested deeper than the deserializer allows.
    let deep = format!(
        "items:\n- &d {}1{}\n- {}*d{}\n",
        "[".repeat(120),
        "]".repeat(120),
        "[".repeat(10),
        "]".repeat(10)
    );
    let cases = [
        "items:\n- {a: 1, a: 2}\n".to_owned(),
        "items:\n- {k: {x: 1, y: 2, x: 3}}\n".to_owned(),
        format!(
            "items:\n- {{{}, k0: dup}}\n",
            (0..40).map(|i| format!("k{i}: {i}")).collect::<Vec<_>>().join(", ")
        ),
        "items:\n- {1: a, 1: b}\n- {[1]: a, [1]: b}\n- {~: a, null: b}\n".to_owned(),
        "items:\n- {a: !!int x}\n- !!float z\n- {b: !!bool maybe}\n".to_owned(),
        bomb,
        deep,
    ];
    for input in &cases {
        let results = both(input);
        assert!(results.iter().any(|(_, built)| built.is_err()), "{input:?} is not refused");
        for (copied, built) in results {
            assert_eq!(copied, built, "{input:?}");
        }
        assert_values_as_whole(input, true);
    }
}

#[test]
fn fields_read_from_the_events_are_those_of_the_value() {
    let input = "items:\n- {apiVersion: v1, kind: A, metadata: {name: n, namespace: 3, annotations: {p: 'x'}}}\n- {metadata: &m2 {name: q}, kind: !!str C}\n- &m {kind: B, metadata: *m2}\n- {kind: D, metadata: !t {name: r}}\n- [1]\n- {kind: [1], 3: x}\n";
    let mut reader = MappingReader::from_str(input).unwrap().unwrap();
    reader.next_key().unwrap();
    assert!(reader.enter_sequence().unwrap());
    let paths: &[&[&str]] = &[
        &["kind"],
        &["apiVersion"],
        &["metadata"],
        &["metadata", "name"],
        &["metadata", "namespace"],
        &["metadata", "annotations", "p"],
        &["missing", "x"],
        &[],
    ];
    while let Some(element) = reader.next_element_events().unwrap() {
        let Ok(value) = element.value() else { continue };
        if element.is_plain_mapping() {
            assert!(value.is_mapping());
        }
        let picked = element.pick(&[&["kind"], &["metadata"], &["missing"]]).unwrap();
        match (&value, element.is_plain_mapping()) {
            (Value::Mapping(m), true) => {
                let want: serde_yaml_ng::Mapping = m
                    .iter()
                    .filter(|(k, _)| k.as_str().is_some_and(|k| ["kind", "metadata", "missing"].contains(&k)))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                assert_eq!(picked, Some(Value::Mapping(want)));
            }
            _ => assert_eq!(picked, None),
        }
        // Paths into the node: what the value holds along them, and nothing else.
        let nested: &[&[&str]] = &[&["kind"], &["metadata", "name"], &["metadata", "annotations", "p"], &["missing", "x"]];
        let picked = element.pick(nested).unwrap();
        match (&value, element.is_plain_mapping()) {
            (Value::Mapping(_), true) => assert_eq!(picked, Some(along(&value, nested, 0)), "{value:?}"),
            _ => assert_eq!(picked, None),
        }
        for path in paths {
            let want = path.iter().try_fold(&value, |v, k| v.get(*k)).cloned();
            assert_eq!(element.get(path).unwrap(), want, "{path:?} of {value:?}");
        }
    }
}

#[test]
fn every_value_the_copy_builds_is_shown_in_document_order() {
    let input = "items:\n- {a: [x, 'on'], b: !t {c: 1}, d: *z}\nz: &z q\n";
    let input = format!("z0: &z q\n{input}");
    let mut reader = MappingReader::from_str(&input).unwrap().unwrap();
    reader.next_key().unwrap();
    reader.next_value().unwrap();
    reader.next_key().unwrap();
    assert!(reader.enter_sequence().unwrap());
    let element = reader.next_element_events().unwrap().unwrap();
    let mut seen = Vec::new();
    element
        .to_element_string(&mut |v, _| seen.push(v.clone()))
        .unwrap();
    let tagged: Value = serde_yaml_ng::from_str("!t {c: 1}").unwrap();
    let want: Vec<Value> = vec!["a".into(), "x".into(), "on".into(), "b".into(), tagged, "d".into(), "q".into()];
    assert_eq!(seen, want);
}

/// Every ResourceList of the repository's tests (the corpus of malformed and hostile inputs,
/// the goldens' inputs), when this crate sits in the repository.
#[test]
fn the_repository_corpus_copies_as_it_serialises() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests");
    let mut files = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                files.push(path);
            }
        }
    }
    let mut elements = 0;
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        for (copied, built) in both(&text) {
            elements += 1;
            assert_eq!(copied, built, "{}", path.display());
        }
        assert_values_as_whole(&text, false);
    }
    // Outside the repository (the crate alone) there is no corpus; inside, hundreds of items.
    if Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus").is_dir() {
        assert!(elements > 100, "{elements} elements compared");
    }
}

/// What `Element::pick` of `paths` (at step `step`) should give of `value`, a mapping: its
/// entries on the paths, in its order, whole where a path ends or the value is no mapping.
fn along(value: &Value, paths: &[&[&str]], step: usize) -> Value {
    let Value::Mapping(m) = value else { return value.clone() };
    let mut out = serde_yaml_ng::Mapping::new();
    for (k, v) in m {
        let Some(key) = k.as_str() else { continue };
        let on: Vec<&[&str]> = paths.iter().copied().filter(|p| p.get(step) == Some(&key)).collect();
        if on.is_empty() {
            continue;
        }
        let whole = !v.is_mapping() || on.iter().any(|p| p.len() == step + 1);
        out.insert(k.clone(), if whole { v.clone() } else { along(v, &on, step + 1) });
    }
    Value::Mapping(out)
}

/// Duplicate keys are refused by the copy whatever the keys' forms: plain and quoted strings,
/// an alias standing for a string, numbers, in small and large mappings.
#[test]
fn duplicate_keys_in_every_form_are_refused() {
    let many: String = (0..20).map(|i| format!("k{i}: {i}, ")).collect();
    for body in [
        "{a: 1, 'a': 2}".to_owned(),
        "{&k a: 1, *k: 2}".to_owned(),
        "{1: a, 1: b}".to_owned(),
        format!("{{{many}a: 1, \"a\": 2}}"),
        format!("{{{many}&k a: 1, *k: 2}}"),
        format!("{{{many}1: a, 1: b}}"),
    ] {
        let input = format!("items:\n- {body}\n");
        let mut reader = MappingReader::from_str(&input).unwrap().unwrap();
        reader.next_key().unwrap();
        assert!(reader.enter_sequence().unwrap());
        let element = reader.next_element_events().unwrap().unwrap();
        assert!(element.value().is_err(), "{body}");
        assert!(element.to_element_string(&mut |_, _| {}).is_err(), "{body}");
    }
    // And keys that only look alike are not duplicates.
    let input = "items:\n- {'1': a, 1: b, 'null': c, ~: d, a: e, &x b: f, *x : g}\n";
    let input = input.replace(", *x : g", "");
    let mut reader = MappingReader::from_str(&input).unwrap().unwrap();
    reader.next_key().unwrap();
    assert!(reader.enter_sequence().unwrap());
    let element = reader.next_element_events().unwrap().unwrap();
    let value = element.value().unwrap();
    let copied = element.to_element_string(&mut |_, _| {}).unwrap();
    assert_eq!(copied, serde_yaml_ng::to_string(&[value]).unwrap());
}
