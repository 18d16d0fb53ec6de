//! The one reader of YAML and JSON input, for function mode, `render`, `check`, `diff`,
//! `eject` and `import-helm-values`: the size cap is applied before parsing, a leading UTF-8
//! BOM is accepted (kustomize and PyYAML accept it), and syntax errors say `file:line:col`.

use crate::diag::{self, Diagnostic};
use serde::Deserialize;
use serde_yaml::Value;
use std::io::Read;
use std::path::Path;

/// Largest input accepted anywhere. Ten thousand realistic resources are about 20 MiB; the
/// limit leaves room for far more while refusing input that would only exhaust memory.
pub const MAX_BYTES: usize = 256 * 1024 * 1024;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The name stdin has in messages.
pub const STDIN: &str = "<stdin>";

/// Text read from a file or stdin, with the name messages give it.
pub struct Input {
    /// The file's path as the user gave it, or [`STDIN`].
    pub name: String,
    /// The whole text: UTF-8, at most [`MAX_BYTES`] long.
    pub text: String,
}

/// Reads `path`, or stdin when it is `-`.
pub fn path(path: &Path) -> Result<Input, Diagnostic> {
    if path == Path::new("-") {
        return stdin();
    }
    let name = path.display().to_string();
    let cant = |e: std::io::Error| {
        Diagnostic::error(format!("cannot read {name}: {e}")).fix("check the path and its permissions")
    };
    let file = std::fs::File::open(path).map_err(cant)?;
    // A file known to be too large is refused before a byte of it is read.
    if file.metadata().map_err(cant)?.len() > MAX_BYTES as u64 {
        return Err(too_large(&name));
    }
    let bytes = limited(file, &name)?;
    Ok(Input {
        text: text(&name, &bytes)?.to_owned(),
        name,
    })
}

/// Reads all of stdin, up to the cap.
pub fn stdin() -> Result<Input, Diagnostic> {
    let bytes = limited(std::io::stdin().lock(), STDIN)?;
    Ok(Input {
        text: text(STDIN, &bytes)?.to_owned(),
        name: STDIN.to_owned(),
    })
}

/// Reads at most one byte more than the cap, so the cap is checked without reading the rest.
pub fn limited(r: impl Read, name: &str) -> Result<Vec<u8>, Diagnostic> {
    let mut buf = Vec::new();
    r.take(MAX_BYTES as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| Diagnostic::error(format!("cannot read {name}: {e}")).fix("check the path and its permissions"))?;
    if buf.len() > MAX_BYTES {
        return Err(too_large(name));
    }
    Ok(buf)
}

fn too_large(name: &str) -> Diagnostic {
    Diagnostic::error(format!("{name} is above the limit of {MAX_BYTES} bytes"))
        .fix("split the input; no real orchestrator deployment comes near this size")
}

/// The text of raw input: at most [`MAX_BYTES`], UTF-8, without a leading BOM.
pub fn text<'a>(name: &str, bytes: &'a [u8]) -> Result<&'a str, Diagnostic> {
    if bytes.len() > MAX_BYTES {
        return Err(too_large(name));
    }
    let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
    if body.starts_with(BOM) {
        // The parser would take the second mark for the start of another document.
        return Err(Diagnostic::error(format!("{name} starts with two byte order marks"))
            .fix("save the file as UTF-8 with at most one byte order mark"));
    }
    std::str::from_utf8(body).map_err(|e| {
        // The offset counts in the input as given, BOM included, as a hex editor shows it.
        let offset = e.valid_up_to() + (bytes.len() - body.len());
        Diagnostic::error(format!("{name} is not UTF-8: invalid byte at offset {offset}"))
            .fix("re-encode the file that holds that byte as UTF-8")
    })
}

/// Text that came another way than [`text`] (an embedded file, a child's output) may still
/// start with a BOM, which the YAML parser would take for content.
fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// One YAML (or JSON) document; an empty input is `null`.
pub fn document(name: &str, text: &str) -> Result<Value, Diagnostic> {
    serde_yaml::from_str(without_bom(text)).map_err(|e| diag::yaml_syntax(name, &e))
}

/// Every document of a multi-document stream with its index; empty documents are dropped.
pub fn documents(name: &str, text: &str) -> Result<Vec<(usize, Value)>, Diagnostic> {
    let mut out = Vec::new();
    for (index, doc) in serde_yaml::Deserializer::from_str(without_bom(text)).enumerate() {
        let value = Value::deserialize(doc).map_err(|e| diag::yaml_syntax(name, &e))?;
        if !value.is_null() {
            out.push((index, value));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leading_bom_is_dropped_and_only_a_leading_one() {
        assert_eq!(text("x", b"\xEF\xBB\xBFa: 1\n").unwrap(), "a: 1\n");
        assert_eq!(documents("x", "\u{feff}a: 1\n---\nb: 2\n").unwrap().len(), 2);
    }

    #[test]
    fn a_bad_byte_is_named_by_its_offset_in_the_input() {
        let e = text("x.yaml", b"\xEF\xBB\xBFa: \xff\n").unwrap_err();
        assert_eq!(e.message, "x.yaml is not UTF-8: invalid byte at offset 6");
    }

    #[test]
    fn syntax_errors_say_file_line_and_column() {
        let e = documents("x.yaml", "a: 1\n---\nb: [\n").unwrap_err();
        let s = e.to_string();
        assert!(s.starts_with("error: x.yaml:4:1: YAML syntax error: "), "{s}");
    }
}
