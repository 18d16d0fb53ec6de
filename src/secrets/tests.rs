use super::*;

fn y(s: &str) -> Value {
    serde_yaml::from_str(s).unwrap()
}

fn paths(yaml: &str) -> Vec<String> {
    scan(&y(yaml), "spec").into_iter().map(|f| f.path).collect()
}

#[test]
fn secret_keys_shapes_and_env_pairs_are_found_with_their_paths() {
    assert_eq!(
        paths(
            "env: {DB_PASSWORD: hunter2, LOG_LEVEL: debug}\n\
             containers: [{env: [{name: API_TOKEN, value: abc}, {name: MODE, value: x}]}]\n\
             annotations: {note: 'AKIAIOSFODNN7EXAMPLE'}\n\
             smtp: {password: 1234, passwordEnabled: true}\n"
        ),
        [
            "spec.env.DB_PASSWORD",
            "spec.containers[0].env[0].value",
            "spec.annotations.note",
            "spec.smtp.password",
        ]
    );
}

#[test]
fn a_custom_tag_hides_nothing() {
    assert_eq!(
        paths("a: {password: !vault hunter2}\nb: !!str {clientSecret: !x s3}\n"),
        ["spec.a.password", "spec.b.clientSecret"]
    );
}

#[test]
fn a_reference_with_literal_text_beside_it_is_literal() {
    assert_eq!(
        paths("a: {password: '{{ env.X }}abc', token: 'pre<a.b>', secret: '<a.b>', apiKey: '{{ env.K }}'}\n"),
        ["spec.a.password", "spec.a.token"]
    );
}

#[test]
fn a_secret_key_over_a_structure_holds_references() {
    assert!(paths("clientSecret: {secretKeyRef: {name: s, key: password}}\n").is_empty());
    assert!(paths("token: {}\npassword: null\ntoken2: ''\n").is_empty());
}

#[test]
fn json_inside_a_string_is_looked_into() {
    let found = scan(
        &y(
            r#"metadata: {annotations: {kubectl.kubernetes.io/last-applied-configuration: '{"kind":"Secret","stringData":{"password":"hunter2"}}'}}"#,
        ),
        "",
    );
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].path,
        "metadata.annotations.kubectl.kubernetes.io/last-applied-configuration:stringData.password"
    );
    assert!(!format!("{found:?}").contains("hunter2"));
}

#[test]
fn lines_of_a_config_file_are_reported_by_number() {
    let found = scan(&y("data: {app.properties: \"mode=x\\ndb.password=hunter2\\n\"}"), "");
    assert_eq!(found[0].path, "data.app.properties");
    assert_eq!(
        found[0].message,
        "line 2: `db.password` holds a literal secret, not a reference"
    );
}

#[test]
fn everything_under_a_container_is_secret() {
    let l = leaves(&y("{a: x, b: 2, c: ''}"), true);
    assert_eq!(l.len(), 2);
}

#[test]
fn serde_echoes_are_redacted_when_secret_or_secret_looking() {
    let m = r#"invalid type: string "hunter2", expected struct RemoteRef"#;
    assert_eq!(
        redact_message(m, true),
        "invalid type: string (redacted, 7 characters), expected struct RemoteRef"
    );
    assert_eq!(redact_message(m, false), m);
    let pem = r#"invalid type: string "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----", expected struct TlsPair"#;
    let out = redact_message(pem, false);
    assert!(
        !out.contains("MIIE") && out.contains("expected struct TlsPair"),
        "{out}"
    );
    assert_eq!(
        redact_message("unknown variant `s3cr3t`, expected `a` or `b`", true),
        "unknown variant (redacted, 6 characters), expected `a` or `b`"
    );
    assert_eq!(
        redact_message("unknown field `pasword`, expected `password`", true),
        "unknown field `pasword`, expected `password`"
    );
    let escaped = r#"invalid type: string "a\"b", expected u32"#;
    assert_eq!(
        redact_message(escaped, true),
        "invalid type: string (redacted, 3 characters), expected u32"
    );
}
