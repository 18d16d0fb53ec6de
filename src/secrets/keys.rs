//! Key names that hold a secret value. One rule for every caller: split the key into
//! lower-case words (camelCase, `_`, `-`, `.`, `/` and spaces all separate words); the key is
//! secret when its last words are a secret term, optionally followed only by words that
//! still name the value itself (`passwordValue`, `client_secret_data`). Anything else after
//! the term makes the key a *setting about* the secret, not the secret: `tokenLifetime`,
//! `tokenEndpoint`, `secretName`, `passwordFile`, `PRIVATE_KEY_PATH`, `secretKeyRef`.

/// Secret terms, each a sequence of words. A term also matches written as one word
/// (`apikey`, `privatekey`) and at the end of the key run together (`dbpassword`, `LdapPassWord`,
/// `oauthclientsecret`), so keys without separators are caught too.
const TERMS: &[&[&str]] = &[
    &["password"],
    &["passwd"],
    &["passphrase"],
    &["secret"],
    &["token"],
    &["credential"],
    &["credentials"],
    &["authorization"],
    &["psk"],
    &["api", "key"],
    &["private", "key"],
    &["signing", "key"],
    &["encryption", "key"],
    &["secret", "access", "key"],
    &["connection", "string"],
];

/// Words after a term that still name the value (`passwordValue`, `tokenData`).
const TRAILERS: &[&str] = &[
    "value",
    "data",
    "text",
    "plain",
    "plaintext",
    "literal",
    "raw",
    "b64",
    "base64",
];

/// File names of key material (a `tls.key` entry of a ConfigMap holds the key itself).
const KEY_FILE_ENDINGS: &[&str] = &[".key", ".p12", ".pfx", ".jks"];

/// True when the value under `key` is a secret itself (see the module doc for the rule).
pub fn is_secret_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    // Four bytes and the length: cheap, and over the keys of a stream of Kubernetes objects
    // as good as hashing every byte (three bytes made `containerPort` and
    // `config.kubernetes.io/path` take each other's slot on every item).
    let slot = match (
        bytes.first(),
        bytes.get(bytes.len() / 2),
        bytes.len().checked_sub(2).map(|i| bytes[i]),
        bytes.last(),
    ) {
        (Some(&first), Some(&middle), before_last, Some(&last)) => {
            let before_last = usize::from(before_last.unwrap_or(first));
            (((usize::from(first) * 31 + usize::from(middle)) * 31 + before_last) * 31
                + usize::from(last)
                + bytes.len() * 7919)
                % REMEMBERED
        }
        _ => 0,
    };
    NOT_SECRET.with_borrow_mut(|slots| {
        if slots[slot].as_deref() == Some(key) {
            return false;
        }
        let secret = judged(key);
        if !secret {
            slots[slot] = Some(key.into());
        }
        secret
    })
}

/// Slots of [`is_secret_key`]'s memory of names that are not secret.
const REMEMBERED: usize = 1024;

thread_local! {
    /// Names [`judged`] said no to, one per slot (a later name of the same slot takes it).
    /// The keys of a stream's objects repeat (every Deployment's `containers`, `image`,
    /// `name`), and judging each again was a twentieth of a generator run and a thirtieth of
    /// a check over 1,000 objects; the slots bound the memory whatever the input (16 KiB
    /// and the names).
    static NOT_SECRET: std::cell::RefCell<[Option<Box<str>>; REMEMBERED]> =
        const { std::cell::RefCell::new([const { None }; REMEMBERED]) };
}

/// [`is_secret_key`]'s rule, judged afresh.
fn judged(key: &str) -> bool {
    let bytes = key.as_bytes();
    if KEY_FILE_ENDINGS
        .iter()
        .any(|e| bytes.len() > e.len() && bytes[bytes.len() - e.len()..].eq_ignore_ascii_case(e.as_bytes()))
    {
        return true;
    }
    // Every match below ends in a term run together inside the key's letters and digits;
    // most keys hold none, and are answered without splitting them into words. This runs
    // for every key of every item a stream check reads, so the common answer allocates
    // nothing: keys fit the buffer, and a longer one is squashed into a String.
    let mut buf = [0u8; 64];
    let mut len = 0;
    let mut long = Vec::new();
    for c in bytes.iter().filter(|c| c.is_ascii_alphanumeric()) {
        let c = c.to_ascii_lowercase();
        if len < buf.len() {
            buf[len] = c;
            len += 1;
        } else {
            if long.is_empty() {
                long.extend_from_slice(&buf);
            }
            long.push(c);
        }
    }
    let squashed = if long.is_empty() { &buf[..len] } else { &long[..] };
    if !holds_a_term(squashed) {
        return false;
    }
    let words = words(key);
    let mut end = words.len();
    loop {
        if ends_with_term(&words[..end]) {
            return true;
        }
        match end.checked_sub(1) {
            Some(prev) if TRAILERS.contains(&words[prev].as_str()) => end = prev,
            _ => return false,
        }
    }
}

/// For each byte, the terms (bits, by their index in [`TERMS`]) that start with it.
const STARTING_WITH: [u16; 256] = {
    assert!(TERMS.len() <= 16, "one bit per term");
    // `holds_a_term` compares a term's second letter first: each term's first word has one.
    let mut t = 0;
    while t < TERMS.len() {
        assert!(TERMS[t][0].len() >= 2, "a term's first word has two letters or more");
        t += 1;
    }
    let mut table = [0u16; 256];
    let mut i = 0;
    while i < TERMS.len() {
        table[TERMS[i][0].as_bytes()[0] as usize] |= 1 << i;
        i += 1;
    }
    table
};

/// Whether the squashed key holds any term run together. One pass over the key: only a
/// position whose byte starts some term is compared with those terms.
fn holds_a_term(squashed: &[u8]) -> bool {
    (0..squashed.len()).any(|at| {
        let mut terms = STARTING_WITH[usize::from(squashed[at])];
        while terms != 0 {
            let term = TERMS[terms.trailing_zeros() as usize];
            terms &= terms - 1;
            // The second letter rules out most candidates before a whole comparison.
            if squashed.get(at + 1) != term[0].as_bytes().get(1) {
                continue;
            }
            let joined = term
                .iter()
                .try_fold(&squashed[at..], |after, part| after.strip_prefix(part.as_bytes()));
            if joined.is_some() {
                return true;
            }
        }
        false
    })
}

fn ends_with_term(words: &[String]) -> bool {
    if words.is_empty() {
        return false;
    }
    // All the words run together: `LdapPassWord` splits into ldap, pass, word, and its
    // squashed form still ends in `password`.
    let squashed_key = words.concat();
    TERMS.iter().any(|term| {
        let as_words = words.len() >= term.len()
            && words[words.len() - term.len()..]
                .iter()
                .zip(term.iter())
                .all(|(w, t)| w == t);
        as_words || ends_with_parts(&squashed_key, term)
    })
}

/// Whether `s` ends with `parts` run together, without building the joined string: this
/// runs for every key of every item the function passes through.
fn ends_with_parts(s: &str, parts: &[&str]) -> bool {
    parts
        .iter()
        .rev()
        .try_fold(s, |rest, part| rest.strip_suffix(part))
        .is_some()
}

/// Lower-case words of a key: `oauthClientSecret` → oauth, client, secret; `APIKey` → api,
/// key; `MAVERICS_TLS_SERVER_KEY_FILE` → maverics, tls, server, key, file.
pub fn words(key: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = key.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        let boundary = c.is_ascii_uppercase()
            && prev.is_some_and(|p| {
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
            });
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembered_names_get_the_answer_judged_afresh() {
        // More names than slots, asked three times over, secret and not, so slots are shared
        // and taken over: each answer is still the rule's own.
        let names: Vec<String> = (0..2 * REMEMBERED)
            .flat_map(|i| [format!("name{i}"), format!("db{i}Password"), format!("token{i}")])
            .chain(["", "a", "password", "tokenLifetime", "image", "containers"].map(String::from))
            .collect();
        for _ in 0..3 {
            for name in &names {
                assert_eq!(is_secret_key(name), judged(name), "{name:?}");
            }
        }
    }

    #[test]
    fn words_split_on_case_and_separators() {
        assert_eq!(words("oauthClientSecret"), ["oauth", "client", "secret"]);
        assert_eq!(words("APIKey"), ["api", "key"]);
        assert_eq!(words("X-API-Key"), ["x", "api", "key"]);
        assert_eq!(words("db.password_value"), ["db", "password", "value"]);
        assert_eq!(words("TLS_KEY_FILE"), ["tls", "key", "file"]);
    }

    /// The table of the rule: each secret term in every spelling, and the settings, pointers
    /// and references that only sound like one.
    #[test]
    fn secret_key_names_and_their_look_alikes() {
        let secret = [
            "password",
            "Password",
            "db_password",
            "DB_PASSWORD",
            "dbpassword",
            "dbPassword",
            "LdapPassWord",
            "adminPassWd",
            "passwd",
            "passphrase",
            "secret",
            "client_secret",
            "clientSecret",
            "oauthClientSecret",
            "CLIENT-SECRET",
            "client.secret",
            "token",
            "accessToken",
            "refresh_token",
            "GITHUB_TOKEN",
            "bearerToken",
            "credential",
            "credentials",
            "awsCredentials",
            "apiKey",
            "api_key",
            "api-key",
            "apikey",
            "APIKEY",
            "X-API-Key",
            "privateKey",
            "private_key",
            "PRIVATE_KEY",
            "privatekey",
            "authorization",
            "Authorization",
            "connectionString",
            "connection_string",
            "DB_CONNECTION_STRING",
            "psk",
            "signingKey",
            "encryptionKey",
            "aws_secret_access_key",
            "passwordValue",
            "client_secret_data",
            "tls.key",
            "keystore.jks",
        ];
        for k in secret {
            assert!(is_secret_key(k), "`{k}` must be a secret key");
        }
        let not_secret = [
            "tokenLifetime",
            "token_lifetime",
            "idleTimeout",
            "tokenEndpoint",
            "token_endpoint",
            "tokenURL",
            "authorizationEndpoint",
            "authorization_code",
            "secretName",
            "secretKeyRef",
            "secretKey",
            "secretRef",
            "passwordFile",
            "PASSWORD_FILE",
            "PRIVATE_KEY_PATH",
            "MAVERICS_TLS_SERVER_KEY_FILE",
            "MAVERICS_SECRET_PROVIDER",
            "privateKeyFile",
            "clientSecretName",
            "imagePullSecrets",
            "key",
            "name",
            "publicKey",
            "keys",
            "secrets.yaml",
            "tokenType",
            "credentialsProvider",
            ".key",
        ];
        for k in not_secret {
            assert!(!is_secret_key(k), "`{k}` must not be a secret key");
        }
    }
}
