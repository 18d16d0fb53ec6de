//! The vendored libyaml (`vendor/unsafe-libyaml`). Its reader copies a run of printable ASCII
//! without decoding it (patch 1), and its emitter analyses and writes such runs of a plain
//! scalar whole (patch 2); every other byte takes libyaml's own path. These hold what the
//! copies must not change: the characters read, the characters refused and where, the style
//! each string is written in, and the text written, also past the 16 KiB chunks of the
//! reader and the emitter and next to multi-byte characters. They pass on the crates.io copy
//! too.

use serde_yaml::Value;

/// The reader's chunk: the raw input is read and decoded this many bytes at a time.
const CHUNK: usize = 16 * 1024;

fn parse(text: &str) -> Result<Value, serde_yaml::Error> {
    serde_yaml::from_str(text)
}

/// A document of one key whose plain value is `value`, padded first so that the value
/// starts `at` bytes into the input.
fn padded(at: usize, value: &str) -> String {
    let head = "pad: ";
    let filler = at - head.len() - "\nv: ".len();
    format!("{head}{}\nv: {value}\n", "x".repeat(filler))
}

#[test]
fn ascii_and_non_ascii_text_reads_as_written() {
    let text =
        "a: plain ascii\nb: \"tab\\there\"\nc: héllo wörld ✓ 😀\nd: 日本語\ne: 'mixed é and ascii'\r\nf: nbsp\u{a0}x\n";
    let v = parse(text).unwrap();
    assert_eq!(v["a"], "plain ascii");
    assert_eq!(v["b"], "tab\there");
    assert_eq!(v["c"], "héllo wörld ✓ 😀");
    assert_eq!(v["d"], "日本語");
    assert_eq!(v["e"], "mixed é and ascii");
    assert_eq!(v["f"], "nbsp\u{a0}x");
}

#[test]
fn multi_byte_characters_across_the_chunk_boundary_read_whole() {
    // A four-byte character starting at each of the last bytes of the first chunk, so that
    // the chunk ends inside it, after a run of ASCII that the copy takes whole.
    for back in 1..=4 {
        let text = padded(CHUNK - back, "😀é日x");
        let v = parse(&text).unwrap_or_else(|e| panic!("{back}: {e}"));
        assert_eq!(v["v"], "😀é日x", "character at {back} bytes before the chunk's end");
    }
    let long = format!("v: {}\n", "ab😀".repeat(CHUNK));
    assert_eq!(parse(&long).unwrap()["v"].as_str().map(str::len), Some(6 * CHUNK));
}

#[test]
fn control_characters_are_refused_where_they_are() {
    for (at, c) in [
        (10, '\u{1}'),
        (CHUNK - 1, '\u{7f}'),
        (CHUNK + 7, '\u{1b}'),
        (3 * CHUNK, '\u{0}'),
    ] {
        let text = padded(at, &format!("ab{c}cd"));
        let err = parse(&text).expect_err("a control character is not YAML");
        let msg = err.to_string();
        assert!(msg.contains("control characters are not allowed"), "{msg}");
        // libyaml reports the byte offset of the refused character.
        assert!(
            msg.contains(&format!("position {}", at + 2)),
            "offset of {c:?} at {}: {msg}",
            at + 2
        );
    }
}

#[test]
fn carriage_returns_and_tabs_are_line_structure_as_before() {
    let v = parse("a:\r\n  - 1\r\n  - 2\r\nb:\t3\n").unwrap();
    assert_eq!(v["a"].as_sequence().map(Vec::len), Some(2));
    let err = parse("a: 1\n\tb: 2\n").expect_err("a tab indents nothing in YAML");
    assert!(err.location().is_some_and(|l| l.line() == 2), "{err}");
}

/// How the serialiser writes `s` as a mapping value, without the key and the line break.
fn written(s: &str) -> String {
    let text = serde_yaml::to_string(&serde_yaml::Mapping::from_iter([("k".into(), s.into())])).unwrap();
    text.strip_prefix("k: ")
        .and_then(|t| t.strip_suffix('\n'))
        .unwrap_or(&text)
        .to_owned()
}

#[test]
fn each_string_keeps_its_style() {
    let cases = [
        // Indicators past the first character: plain unless followed or preceded by a blank.
        ("a:b", "a:b"),
        ("a: b", "'a: b'"),
        ("a#b", "a#b"),
        ("a #b", "'a #b'"),
        ("x,y", "x,y"),
        ("a[0]", "a[0]"),
        ("a{b}", "a{b}"),
        ("why?", "why?"),
        ("x-y.z/w_v=u+t", "x-y.z/w_v=u+t"),
        ("image:v1.2", "image:v1.2"),
        ("http://h:8080/p?q=1#f", "http://h:8080/p?q=1#f"),
        // Indicators as the first character, and the document markers.
        ("[x]", "'[x]'"),
        ("#x", "'#x'"),
        ("-x", "-x"),
        ("- x", "'- x'"),
        ("---x", "'---x'"),
        ("...x", "'...x'"),
        ("*a", "'*a'"),
        ("&a", "'&a'"),
        ("!a", "'!a'"),
        ("%a", "'%a'"),
        ("@a", "'@a'"),
        ("`a", "'`a'"),
        // Blanks at either end, and non-ASCII text.
        (" a", "' a'"),
        ("a ", "'a '"),
        ("héllo wörld", "héllo wörld"),
        ("a\tb", "\"a\\tb\""),
    ];
    for (s, want) in cases {
        assert_eq!(written(s), want, "{s:?}");
        let back: Value = parse(&format!("k: {want}\n")).unwrap();
        assert_eq!(back["k"], s, "{s:?} read back");
    }
}

#[test]
fn long_plain_scalars_are_written_whole_across_the_emitters_buffer() {
    // Runs longer than the emitter's 16 KiB buffer, with and without spaces and non-ASCII
    // characters between them, each written plain and read back as written.
    for s in [
        "x".repeat(3 * CHUNK),
        format!("{}é{}", "a".repeat(CHUNK - 3), "b".repeat(CHUNK)),
        "word ".repeat(CHUNK / 2).trim_end().to_owned(),
    ] {
        let text = written(&s);
        assert!(!text.starts_with('\''), "plain: {}", &text[..20]);
        let back: Value = parse(&format!("k: {text}\n")).unwrap();
        assert_eq!(back["k"].as_str(), Some(s.as_str()));
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]

    /// Any text, indicators, blanks, breaks and non-ASCII mixed, reads back as written, as a
    /// value and as a key.
    #[test]
    fn any_string_round_trips(s in "[ -~\t\n]{0,64}|\\PC{0,32}|[a-z:#,?\\[\\]{} -]{0,24}") {
        let m = serde_yaml::Mapping::from_iter([(Value::from(s.as_str()), Value::from(s.as_str()))]);
        let text = serde_yaml::to_string(&m).unwrap();
        let back: serde_yaml::Mapping = serde_yaml::from_str(&text).unwrap();
        proptest::prop_assert_eq!(back, m, "{}", text);
    }
}
