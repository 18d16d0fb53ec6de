//! References: values that name where a secret lives instead of holding it. A reference is
//! only a reference when it is the whole value: `{{ env.X }}abc` and `pre<a.b>` are literal
//! text (the orchestrator substitutes whole values only), so the literal part is inspected.

/// `<group.key>` (the orchestrator's secret providers), `{{ ... }}` (the orchestrator's
/// `{{ env.X }}`, or an External Secrets template), `${VAR}` / `$(VAR)` (shell and Kubernetes
/// variable expansion), or nothing at all.
pub fn is_reference(s: &str) -> bool {
    let t = s.trim();
    t.is_empty()
        || whole(t, "<", ">", &['<', '>'])
        || whole(t, "{{", "}}", &[])
        || whole(t, "${", "}", &['{', '}', '$'])
        || whole(t, "$(", ")", &['(', ')', '$'])
}

/// `t` is `open` + one non-empty word without whitespace or `banned` + `close` (templates
/// may hold spaces: `{{ env.X }}`).
fn whole(t: &str, open: &str, close: &str, banned: &[char]) -> bool {
    let Some(inner) = t.strip_prefix(open).and_then(|r| r.strip_suffix(close)) else {
        return false;
    };
    if open == "{{" {
        !inner.trim().is_empty() && !inner.contains("{{") && !inner.contains("}}")
    } else {
        !inner.is_empty() && !inner.contains(banned) && !inner.contains(char::is_whitespace)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_whole_value_is_a_reference() {
        for r in [
            "<idp.client_secret>",
            " <vault.redis_password> ",
            "<…>",
            "{{ env.DB_PASSWORD }}",
            "{{env.X}}",
            "{{ .password }}",
            "${DB_PASSWORD}",
            "$(DB_PASSWORD)",
            "",
        ] {
            assert!(is_reference(r), "`{r}` is a reference");
        }
        for l in [
            "{{ env.X }}abc",
            "abc{{ env.X }}",
            "pre<a.b>",
            "<a.b>post",
            "<a.b> <c.d>",
            "{{ env.X }}{{ env.Y }}",
            "hunter2",
            "<>",
            "${A}${B}",
        ] {
            assert!(!is_reference(l), "`{l}` is literal text");
        }
    }
}
