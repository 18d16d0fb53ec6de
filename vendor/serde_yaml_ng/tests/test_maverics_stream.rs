//! maverics-krm: the streaming reader (`src/stream.rs`) reads what `from_str` reads, element by
//! element, with the same limits and errors.

use serde_yaml_ng::{MappingReader, Value};

/// Every top-level entry, sequences read element by element, as one mapping.
fn streamed(input: &str) -> Result<Value, serde_yaml_ng::Error> {
    let mut reader = MappingReader::from_str(input)?.expect("a mapping document");
    let mut map = serde_yaml_ng::Mapping::new();
    while let Some(key) = reader.next_key()? {
        let value = if reader.enter_sequence()? {
            let mut items = Vec::new();
            while let Some(item) = reader.next_element()? {
                items.push(item);
            }
            Value::Sequence(items)
        } else {
            reader.next_value()?
        };
        map.insert(key, value);
    }
    Ok(Value::Mapping(map))
}

#[test]
fn reads_what_from_str_reads() {
    let cases = [
        "a: 1\n",
        "{}\n",
        "items: []\nk: v\n",
        "kind: List\nitems:\n- a: 1\n  b: [x, 'on', 0755, 1e3, ~, true]\n- !Tag {c: !!str 3}\n- 7\n- [1, [2]]\ntail: {x: y}\n",
        "items:\n- {1: a, [2]: b, {3: c}: d, null: e, true: f, 1.5: g}\n- s: |\n    line\n\n     indented\n",
        "items:\n- &a {x: 1}\n- *a\n- y: *a\n- &b [1, &c 2]\n- [*b, *c]\nz: *b\n",
        "items:\n- &a 1\n- &a 2\n- *a\n",
        "items:\n- &outer {inner: &in [1, 2], again: *in}\n- *in\n- *outer\n",
        "items:\n- {<<: {a: 1}, b: 2}\n",
        "---\nitems: [a, b]\n...\n",
        "items: !custom [a]\n",
        "items: &s [a]\nagain: *s\n",
        "{\"items\": [{\"a\": 1}, {\"b\": [true, null]}], \"functionConfig\": {\"x\": \"1\"}}",
    ];
    for input in cases {
        let whole: Value = serde_yaml_ng::from_str(input).unwrap();
        assert_eq!(streamed(input).unwrap(), whole, "{input:?}");
    }
}

#[test]
fn a_root_that_is_not_a_plain_mapping_is_left_to_from_str() {
    for input in ["", "- 1\n", "3\n", "&a {b: 1}\n", "!t {b: 1}\n"] {
        assert!(
            MappingReader::from_str(input).unwrap().is_none(),
            "{input:?}"
        );
    }
}

#[test]
fn syntax_errors_keep_their_line_and_column() {
    let input = "items:\n- a: 1\n- b: [\n- c: 3\nafter: 1\n";
    let whole = serde_yaml_ng::from_str::<Value>(input).unwrap_err();
    let err = streamed(input).unwrap_err();
    assert_eq!(err.to_string(), whole.to_string());
    assert!(err.location().is_some(), "{err}");
}

#[test]
fn an_unknown_alias_is_an_error_with_its_place() {
    let err = streamed("items:\n- a: 1\n- *nope\n").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("unknown anchor at line 3 column 3"),
        "{err}"
    );
}

#[test]
fn a_duplicate_top_level_key_is_refused() {
    let err = streamed("a: 1\nb: 2\na: 3\n").unwrap_err();
    assert!(
        err.to_string().contains("duplicate entry with key \"a\""),
        "{err}"
    );
    assert_eq!(err.location().map(|l| l.line()), Some(3));
}

#[test]
fn a_second_document_is_refused() {
    let err = streamed("a: 1\n---\nb: 2\n").unwrap_err();
    assert!(err.to_string().contains("more than one document"), "{err}");
}

#[test]
fn nesting_deeper_than_128_is_refused_inside_an_element() {
    // The root mapping and `items` are two levels: 126 more still parse.
    let nested = |n: usize| format!("items:\n- {}{}\n", "[".repeat(n), "]".repeat(n));
    assert!(streamed(&nested(126)).is_ok());
    assert!(serde_yaml_ng::from_str::<Value>(&nested(126)).is_ok());
    let err = streamed(&nested(127)).unwrap_err();
    assert!(
        err.to_string().contains("recursion limit exceeded"),
        "{err}"
    );
    let err = streamed(&format!("items:\n- {}\n", "[".repeat(100_000))).unwrap_err();
    assert!(
        err.to_string().contains("recursion limit exceeded"),
        "{err}"
    );
}

#[test]
fn an_alias_bomb_across_elements_is_refused() {
    // One anchor of 10,000 events, then elements that each expand it: the copies count.
    let big: String = (0..5000).map(|i| format!("k{i}: v\n  ")).collect();
    let mut input = format!("items:\n- &a\n  {big}\n");
    input.push_str(&"- *a\n".repeat(2000));
    let err = streamed(&input).unwrap_err();
    assert!(
        err.to_string().contains("repetition limit exceeded"),
        "{err}"
    );

    // Within one element, the whole-document limit holds as before.
    let mut bomb = String::from("items:\n- a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (prev, next) in ["a", "b", "c", "d", "e", "f", "g", "h"]
        .iter()
        .zip(["b", "c", "d", "e", "f", "g", "h", "i"])
    {
        bomb.push_str(&format!("  {next}: &{next} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
    }
    let err = streamed(&bomb).unwrap_err();
    assert!(
        err.to_string().contains("repetition limit exceeded"),
        "{err}"
    );
}

#[test]
fn elements_read_one_at_a_time_are_complete_values() {
    let mut reader = MappingReader::from_str("items:\n- a: 1\n- b: {c: [d]}\nz: 0\n")
        .unwrap()
        .unwrap();
    assert_eq!(reader.next_key().unwrap(), Some(Value::from("items")));
    assert!(reader.enter_sequence().unwrap());
    let first = reader.next_element().unwrap().unwrap();
    assert_eq!(first, serde_yaml_ng::from_str::<Value>("a: 1").unwrap());
    let second = reader.next_element().unwrap().unwrap();
    assert_eq!(
        second,
        serde_yaml_ng::from_str::<Value>("b: {c: [d]}").unwrap()
    );
    assert_eq!(reader.next_element().unwrap(), None);
    assert_eq!(reader.next_key().unwrap(), Some(Value::from("z")));
    assert!(!reader.enter_sequence().unwrap());
    assert_eq!(reader.next_value().unwrap(), Value::from(0));
    assert_eq!(reader.next_key().unwrap(), None);
}

#[test]
fn errors_inside_a_value_name_its_path_from_the_root() {
    for input in [
        "items:\n- a: 1\n- spec: {r: 1, r: 2}\n",
        "items: []\nfunctionConfig:\n  spec:\n    r: 1\n    r: 2\n",
    ] {
        let whole = serde_yaml_ng::from_str::<Value>(input).unwrap_err();
        assert_eq!(streamed(input).unwrap_err().to_string(), whole.to_string());
    }
}

#[test]
fn a_recycled_element_buffer_holds_only_the_next_element() {
    // Elements of falling and rising size, anchors and aliases across them, each handed back
    // before the next is read: the same values as the whole-document reader's.
    let input = "items:\n- {a: &x [1, 2, 3], b: {c: d, e: [f, g]}}\n- [*x]\n- {}\n- {h: {i: {j: [k, l, *x]}}}\n- z\nafter: 1\n";
    let whole: Value = serde_yaml_ng::from_str(input).unwrap();
    let mut reader = MappingReader::from_str(input).unwrap().unwrap();
    reader.next_key().unwrap();
    assert!(reader.enter_sequence().unwrap());
    let mut items = Vec::new();
    while let Some(element) = reader.next_element_events().unwrap() {
        items.push(element.value().unwrap());
        reader.recycle(element);
    }
    assert_eq!(Some(&Value::Sequence(items)), whole.get("items"));
    assert_eq!(reader.next_key().unwrap(), Some(Value::from("after")));
    assert_eq!(reader.next_value().unwrap(), Value::from(1));
}
