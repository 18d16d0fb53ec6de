//! Secrets on the lines of a multi-line string: a config file in a ConfigMap
//! (`dbPassword: hunter2`, `api.token=abc`, `"password": "x",`). Only the value's bytes are
//! secret: the key and whatever follows a quoted value stay readable.

use super::{Why, is_reference, is_secret_key, shape};
use std::ops::Range;

/// One secret line: its number (from 1), the byte range of the secret in the whole text,
/// and why.
#[derive(Debug, Clone, PartialEq)]
pub struct LineSecret {
    /// The line's number, from 1.
    pub line: usize,
    /// The byte range of the secret in the whole text, not in the line.
    pub range: Range<usize>,
    /// Why the line holds a secret.
    pub why: Why,
}

/// The secret lines of `text`.
pub fn secret_lines(text: &str) -> Vec<LineSecret> {
    let mut out = Vec::new();
    let mut offset = 0;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let content = line.trim_end_matches(['\n', '\r']);
        if let Some((range, why)) = secret_in_line(content) {
            out.push(LineSecret {
                line: n + 1,
                range: offset + range.start..offset + range.end,
                why,
            });
        }
        offset += line.len();
    }
    out
}

/// The secret part of one line and why.
fn secret_in_line(line: &str) -> Option<(Range<usize>, Why)> {
    let assignment = assignment(line);
    if let Some((key, value)) = &assignment {
        let text = &line[value.clone()];
        if is_secret_key(key) && !is_reference(text) && !matches!(text, "|" | ">" | "|-" | ">-") {
            return Some((value.clone(), Why::Key(key.clone())));
        }
    }
    let found = shape(line)?;
    // A shape on a `key: value` line hides the value; on any other line, all but the indent.
    let range = match assignment {
        Some((_, value)) if shape(&line[value.clone()]).is_some() => value,
        _ => line.len() - line.trim_start().len()..line.trim_end().len(),
    };
    Some((range, Why::Shape(found)))
}

/// `key: value`, `key=value` or `"key": "value",`: the key and the byte range of the value
/// (inside its quotes when quoted, so the closing quote and a trailing comma stay).
fn assignment(line: &str) -> Option<(String, Range<usize>)> {
    let body = line.trim_start();
    let body = body.strip_prefix("- ").unwrap_or(body);
    let start = line.len() - body.len();
    let (key, after_key) = match body.as_bytes().first()? {
        q @ (b'"' | b'\'') => {
            let end = body[1..].find(*q as char)? + 1;
            (&body[1..end], end + 1)
        }
        _ => {
            let end = body.find([':', '='])?;
            (body[..end].trim_end(), end)
        }
    };
    let rest = &body[after_key..];
    let sep_len = rest.len() - rest.trim_start().len();
    let rest = rest.trim_start();
    let sep = rest.chars().next()?;
    let after_sep = &rest[1..];
    // `http://x`: a colon not followed by a space is part of a value, not a separator.
    if !(sep == '=' || (sep == ':' && (after_sep.is_empty() || after_sep.starts_with([' ', '\t'])))) {
        return None;
    }
    if key.is_empty() || key.contains(char::is_whitespace) {
        return None;
    }
    let value_at = start + after_key + sep_len + 1 + (after_sep.len() - after_sep.trim_start().len());
    let value = line[value_at..].trim_end();
    if value.is_empty() {
        return None;
    }
    let range = match value.as_bytes()[0] {
        q @ (b'"' | b'\'') => {
            let close = value[1..].find(q as char).map_or(value.len(), |i| i + 1);
            value_at + 1..value_at + close
        }
        _ => value_at..value_at + value.len(),
    };
    (!range.is_empty()).then(|| (key.to_owned(), range))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redacted(text: &str) -> String {
        let mut out = text.to_owned();
        for s in secret_lines(text).into_iter().rev() {
            out.replace_range(s.range, "***");
        }
        out
    }

    #[test]
    fn only_the_value_of_a_secret_line_is_hidden() {
        assert_eq!(redacted("a: 1\ndbPassword: hunter2\n"), "a: 1\ndbPassword: ***\n");
        assert_eq!(redacted("api.token=abc123\nmode=x"), "api.token=***\nmode=x");
        assert_eq!(
            redacted("{\n  \"password\": \"hunter2\", \"user\": \"bob\"\n}"),
            "{\n  \"password\": \"***\", \"user\": \"bob\"\n}"
        );
        assert_eq!(redacted("- token: 'abc' # old\n"), "- token: '***' # old\n");
        assert_eq!(redacted("url: postgres://u:pw@db/x\nname: x\n"), "url: ***\nname: x\n");
        assert_eq!(redacted("curl -H 'Authorization: Bearer abcdef12'\n"), "***\n");
    }

    #[test]
    fn references_block_scalars_and_urls_are_not_secret_lines() {
        for text in [
            "oauthClientSecret: <idp.client_secret>\n",
            "password: {{ env.DB_PASSWORD }}\n",
            "password: |\n",
            "tokenEndpoint: https://idp/token\n",
            "secret_name: x\n",
            "http://password:8080/x\n",
            "password:\n",
        ] {
            assert!(secret_lines(text).is_empty(), "{text}");
        }
        assert_eq!(secret_lines("password: {{ env.X }}abc\n")[0].line, 1);
    }
}
