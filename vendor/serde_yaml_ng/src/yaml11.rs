//! maverics-krm patch: YAML 1.1 scalars that must not be emitted plain.
//!
//! This crate resolves plain scalars by the YAML 1.2 core schema, so it writes the string
//! `on` without quotes. go-yaml v2 (kubectl, `sigs.k8s.io/yaml`) reads that back as `true`.
//! Quoting a string is always safe, so the check errs on the side of quoting.

/// True when a YAML 1.1 reader could resolve the plain scalar `s` to something other than
/// the string `s`: a boolean or null word, a merge or value key, or anything shaped like a
/// 1.1 number or timestamp (`0755`, `1_000`, `1:20`, `0x1F`, `2001-12-14`).
pub(crate) fn is_ambiguous(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE",
        "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null",
        "NULL", "~", "<<", "=",
    ];
    if WORDS.contains(&s) {
        return true;
    }
    let Some(first) = s.chars().next() else {
        return false;
    };
    (first.is_ascii_digit() || matches!(first, '+' | '-' | '.'))
        && s.bytes().any(|b| b.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() || b"+-._:xXoOtTzZ ".contains(&b))
}
