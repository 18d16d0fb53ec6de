//! The vendored libyaml reader (`vendor/unsafe-libyaml`, patch 1): a run of printable ASCII is
//! copied without decoding; every other byte takes libyaml's own path. These hold what the
//! copy must not change: the characters read, the characters refused, and where a refused one
//! is reported, also past the reader's 16 KiB chunk and next to multi-byte characters.

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
