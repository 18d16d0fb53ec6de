//! maverics-krm: tests of this vendored copy's behavioural and speed patches, beside the crate's own
//! upstream tests (which run unchanged but for the quoted `y` key the first patch causes).

use serde_yaml_ng::Value;

/// Patch 1 (`src/yaml11.rs`): strings a YAML 1.1 reader would resolve to something else are
/// written quoted, and read back as the same strings.
#[test]
fn yaml11_lookalikes_are_quoted_and_round_trip() {
    for s in [
        "y", "n", "yes", "No", "on", "OFF", "~", "<<", "=", "0755", "1_000", "1:20", "0x1F",
        "2001-12-14", "+1", "-.5", "1e3",
    ] {
        let text = serde_yaml_ng::to_string(&Value::String(s.to_owned())).unwrap();
        assert!(
            text.starts_with('\'') || text.starts_with('"'),
            "{s:?} was written plain: {text:?}"
        );
        let back: Value = serde_yaml_ng::from_str(&text).unwrap();
        assert_eq!(back, Value::String(s.to_owned()));
    }
}

/// Ordinary strings stay plain: the quoting is not a blanket change.
#[test]
fn ordinary_strings_stay_plain() {
    for s in ["maverics", "yaml", "only", "v2026.01.2", "a-b", "x1"] {
        let text = serde_yaml_ng::to_string(&Value::String(s.to_owned())).unwrap();
        assert_eq!(text, format!("{s}\n"));
    }
}

/// Patch 4 (`src/ser.rs`): a string that starts with a letter is styled by the word list
/// alone, with the answers the full inference gave: null and boolean words quoted, the words
/// Rust's float parser knows (`nan`, `inf`) plain, as before, since they are not finite.
#[test]
fn strings_starting_with_a_letter_keep_their_style() {
    for (s, written) in [
        ("null", "'null'"),
        ("NULL", "'NULL'"),
        ("True", "'True'"),
        ("false", "'false'"),
        ("Off", "'Off'"),
        ("nan", "nan"),
        ("inf", "inf"),
        ("Infinity", "Infinity"),
        ("e5", "e5"),
        ("x0", "x0"),
    ] {
        let text = serde_yaml_ng::to_string(&Value::String(s.to_owned())).unwrap();
        assert_eq!(text, format!("{written}\n"), "{s:?}");
    }
}

/// Patch 2 (`src/loader.rs`): nesting deeper than 128 is refused while parsing, for flow and
/// block collections, and 128 levels still parse.
#[test]
fn nesting_deeper_than_128_is_refused() {
    let flow = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    assert!(serde_yaml_ng::from_str::<Value>(&flow(128)).is_ok());
    let err = serde_yaml_ng::from_str::<Value>(&flow(129)).unwrap_err();
    assert!(err.to_string().contains("recursion limit exceeded"), "{err}");

    // 100,000 unclosed `[` used to take minutes in libyaml's scanner before the refusal.
    let err = serde_yaml_ng::from_str::<Value>(&"[".repeat(100_000)).unwrap_err();
    assert!(err.to_string().contains("recursion limit exceeded"), "{err}");

    let block: String = (0..200).map(|i| format!("{}k:\n", "  ".repeat(i))).collect();
    let err = serde_yaml_ng::from_str::<Value>(&block).unwrap_err();
    assert!(err.to_string().contains("recursion limit exceeded"), "{err}");
}

/// Patch 7 (`src/mapping.rs`): a mapping of up to twelve keys is searched in order, a larger
/// one through its hash table; both find the same entry, and only a string key matches a
/// `&str` index (not a tagged string, not the number a string spells).
#[test]
fn small_and_large_mappings_find_the_same_keys() {
    for n in [0_usize, 1, 5, 12, 13, 40] {
        let mut text = String::from("!t tagged: 1\n7: seven\n");
        for i in 0..n {
            text.push_str(&format!("k{i}: {i}\n"));
        }
        let mut v: Value = serde_yaml_ng::from_str(&text).unwrap();
        let m = v.as_mapping_mut().unwrap();
        for i in 0..n {
            let key = format!("k{i}");
            assert_eq!(m.get(key.as_str()), Some(&Value::from(i as u64)), "{n} keys: {key}");
            assert!(m.contains_key(key.as_str()));
            *m.get_mut(key.as_str()).unwrap() = Value::from("changed");
            assert_eq!(m.get(&key), Some(&Value::from("changed")));
        }
        assert_eq!(m.get("absent"), None, "{n} keys");
        assert!(!m.contains_key("absent"));
        assert!(m.get_mut("absent").is_none());
        assert_eq!(m.get("tagged"), None, "a tagged key is not the string");
        assert_eq!(m.get("7"), None, "the number 7 is not the string");
        assert_eq!(m.get(Value::from(7)), Some(&Value::from("seven")));
    }
}

/// Patch 8 (`src/ser.rs`, `serialize_map`): a tagged key, alone in its mapping or not, at the
/// root or nested, with a scalar, sequence or mapping under the tag, is written and reads back
/// as the same value. Upstream refused every one-entry mapping with a tagged key.
#[test]
fn tagged_keys_are_written_and_read_back() {
    for text in [
        "{!t a: b}",
        "{!t a: {c: d}}",
        "{!t [a]: b}",
        "{!t {a: b}: c}",
        "{!t a: b, c: d}",
        "x: {!t a: b}",
        "- {!t a: b}",
        "!u {!t a: b}",
        "{!t a: !u b}",
        "{!t a: {!u c: d}}",
        "{!!str a: b}",
    ] {
        let value: Value = serde_yaml_ng::from_str(text).unwrap();
        let written = serde_yaml_ng::to_string(&value)
            .unwrap_or_else(|e| panic!("{text:?} could not be written: {e}"));
        let back: Value = serde_yaml_ng::from_str(&written)
            .unwrap_or_else(|e| panic!("{text:?} was written as {written:?}, which does not parse: {e}"));
        assert_eq!(back, value, "{text:?} was written as {written:?}");
    }
}

/// A one-entry mapping whose key is a plain string starting with `!` is still a tagged value
/// when serialised from a `TaggedValue`, and only then: the patch does not change the
/// encoding of tags.
#[test]
fn tags_are_still_written_as_tags() {
    let value: Value = serde_yaml_ng::from_str("!t {a: b}").unwrap();
    assert_eq!(serde_yaml_ng::to_string(&value).unwrap(), "!t\na: b\n");
    let value: Value = serde_yaml_ng::from_str("'!t': b").unwrap();
    assert_eq!(serde_yaml_ng::from_str::<Value>(&serde_yaml_ng::to_string(&value).unwrap()).unwrap(), value);
}
