//! Value shapes that are secrets whatever key they sit under: PEM private keys, JWTs, cloud
//! access key IDs, URLs with a password in their userinfo, and `Authorization` headers.

use super::reference::is_reference;

/// What a secret-looking value is; the diagnostics name it, never the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A PEM private key block (`-----BEGIN ... PRIVATE KEY-----`).
    PrivateKey,
    /// A JSON Web Token: base64url parts joined by dots, header and payload JSON (`eyJ...`).
    Jwt,
    /// An AWS access key ID, `AKIA` or `ASIA` and 16 upper-case letters or digits.
    AccessKeyId,
    /// A URL with a password in its user info (`scheme://user:password@host`).
    UrlPassword,
    /// An `Authorization` header with its credentials (`Basic ...`, `Bearer ...`).
    AuthorizationHeader,
}

impl Shape {
    /// What the shape is, as a diagnostic names it: "a PEM private key".
    pub fn describe(self) -> &'static str {
        match self {
            Shape::PrivateKey => "a PEM private key",
            Shape::Jwt => "a JSON Web Token",
            Shape::AccessKeyId => "a cloud access key ID",
            Shape::UrlPassword => "a URL with a password in it",
            Shape::AuthorizationHeader => "an Authorization header with its credentials",
        }
    }
}

/// Below this length only a URL with a password fits: a private key's header, a JWT, an
/// access key ID and `basic `/`bearer ` with credentials of six characters all take more.
/// Most values of a manifest are that short (names, ports, quantities), and this runs for
/// every string of every item a stream check reads.
const SHORTEST_BUT_URL: usize = 12;

/// The first secret shape found in `s`, if any.
pub fn shape(s: &str) -> Option<Shape> {
    if s.len() < SHORTEST_BUT_URL {
        return url_password(s).then_some(Shape::UrlPassword);
    }
    any_shape(s)
}

/// [`shape`] without the length gate: every test in turn.
fn any_shape(s: &str) -> Option<Shape> {
    if private_key(s) {
        Some(Shape::PrivateKey)
    } else if jwt(s) {
        Some(Shape::Jwt)
    } else if access_key_id(s) {
        Some(Shape::AccessKeyId)
    } else if url_password(s) {
        Some(Shape::UrlPassword)
    } else if authorization(s) {
        Some(Shape::AuthorizationHeader)
    } else {
        None
    }
}

/// `-----BEGIN RSA PRIVATE KEY-----`, `-----BEGIN ENCRYPTED PRIVATE KEY-----`, OpenSSH and
/// PGP private blocks. Certificates and public keys are not secrets.
fn private_key(s: &str) -> bool {
    const BEGIN: &str = "-----BEGIN ";
    at(s, BEGIN).any(|i| {
        let rest = &s[i + BEGIN.len()..];
        rest.find("-----")
            .is_some_and(|end| rest[..end].contains("PRIVATE KEY"))
    })
}

/// The byte offsets where `needle` starts in `s`, left to right, overlapping. `str::match_indices`
/// sets up a substring searcher for each call, which costs more than the search on the short
/// values that make up most of a manifest; every string value of every item is looked at here.
fn at<'a>(s: &'a str, needle: &'a str) -> impl Iterator<Item = usize> + 'a {
    let (hay, first) = (s.as_bytes(), needle.as_bytes()[0]);
    hay.iter()
        .enumerate()
        .filter(move |(i, c)| **c == first && hay[*i..].starts_with(needle.as_bytes()))
        .map(|(i, _)| i)
}

/// Whether `s` holds `word` in any mix of ASCII case, without a lower-case copy of `s`: a
/// quick answer for the many values that hold no word a check looks for.
pub fn holds_ignoring_case(s: &str, word: &str) -> bool {
    let (hay, word) = (s.as_bytes(), word.as_bytes());
    let Some(first) = word.first() else { return true };
    hay.windows(word.len())
        .any(|w| w[0].eq_ignore_ascii_case(first) && w.eq_ignore_ascii_case(word))
}

fn b64url(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_'
}

/// Three base64url segments, the first two JSON objects (`eyJ` is base64 of `{"`).
fn jwt(s: &str) -> bool {
    let b = s.as_bytes();
    at(s, "eyJ").any(|i| {
        if i > 0 && b64url(b[i - 1]) {
            return false;
        }
        let seg = |from: usize| from + b[from..].iter().take_while(|c| b64url(**c)).count();
        let end1 = seg(i);
        if end1 - i < 10 || b.get(end1) != Some(&b'.') || !s[end1 + 1..].starts_with("eyJ") {
            return false;
        }
        let end2 = seg(end1 + 1);
        end2 - end1 > 10 && b.get(end2) == Some(&b'.')
    })
}

/// AWS access key IDs: `AKIA` (long-term) or `ASIA` (temporary) and 16 upper-case letters
/// or digits, as a word of its own.
fn access_key_id(s: &str) -> bool {
    let b = s.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric();
    (0..b.len().saturating_sub(19)).any(|i| {
        (b[i..].starts_with(b"AKIA") || b[i..].starts_with(b"ASIA"))
            && (i == 0 || !word(b[i - 1]))
            && b[i + 4..i + 20]
                .iter()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            && b.get(i + 20).is_none_or(|c| !word(*c))
    })
}

/// `scheme://user:password@host`: a password that is there and is not a reference.
fn url_password(s: &str) -> bool {
    at(s, "://").any(|i| {
        let scheme_ok = s[..i].chars().next_back().is_some_and(|c| c.is_ascii_alphanumeric());
        let rest = &s[i + 3..];
        let authority = rest
            .split(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace())
            .next()
            .unwrap_or_default();
        let Some((userinfo, _host)) = authority.rsplit_once('@') else {
            return false;
        };
        scheme_ok
            && userinfo
                .split_once(':')
                .is_some_and(|(_, pw)| !pw.is_empty() && !is_reference(pw))
    })
}

/// `Authorization: Bearer …` / `Basic …` in a header line (`:`, `=`, quotes or spaces
/// between, as curl, nginx and HTTP write it), or a whole value `Bearer …`; the credentials
/// are token68 text, long enough to be real, and not a reference.
fn authorization(s: &str) -> bool {
    // Both forms need one of these words; most values hold none and cost no lower-case copy.
    if !["authorization", "basic", "bearer"]
        .iter()
        .any(|w| holds_ignoring_case(s, w))
    {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    let credentials = |rest: &str| {
        let rest = rest.trim_start();
        ["basic", "bearer"].iter().any(|scheme| {
            rest.strip_prefix(scheme)
                .filter(|r| r.starts_with([' ', '\t']))
                .and_then(|r| r.split_whitespace().next())
                .map(|cred| cred.trim_end_matches(['"', '\'', ';', ',']))
                .is_some_and(|cred| {
                    cred.len() >= 6
                        && !is_reference(cred)
                        && cred
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/=".contains(&b))
                })
        })
    };
    let in_header = lower.match_indices("authorization").any(|(i, m)| {
        let rest = &lower[i + m.len()..];
        let value = rest.trim_start_matches([' ', '\t', '"', '\'', ':', '=']);
        value.len() < rest.len() && credentials(value)
    });
    in_header || (!lower.contains('\n') && credentials(&lower))
}

#[cfg(test)]
mod tests {
    use super::*;

    const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";

    #[test]
    fn secret_shapes_are_found_anywhere_in_a_value() {
        let cases = [
            (
                "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----",
                Shape::PrivateKey,
            ),
            ("x: |\n  -----BEGIN ENCRYPTED PRIVATE KEY-----", Shape::PrivateKey),
            ("-----BEGIN OPENSSH PRIVATE KEY-----", Shape::PrivateKey),
            (JWT, Shape::Jwt),
            (
                "token is eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0. (unsigned)",
                Shape::Jwt,
            ),
            ("AKIAIOSFODNN7EXAMPLE", Shape::AccessKeyId),
            ("id=ASIAY34FZKBOKMUTVV7A;", Shape::AccessKeyId),
            ("postgres://app:hunter2@db:5432/app", Shape::UrlPassword),
            ("redis://:s3cret@redis:6379", Shape::UrlPassword),
            ("Authorization: Bearer abc.def", Shape::AuthorizationHeader),
            ("authorization=Basic dXNlcjpwYXNz", Shape::AuthorizationHeader),
            ("Bearer 0123456789abcdef", Shape::AuthorizationHeader),
            (
                "proxy_set_header Authorization \"Basic dXNlcjpwYXNz\";",
                Shape::AuthorizationHeader,
            ),
            ("curl -H 'authorization: bearer abc.def'", Shape::AuthorizationHeader),
        ];
        for (value, want) in cases {
            assert_eq!(shape(value), Some(want), "{value}");
        }
    }

    #[test]
    fn look_alikes_are_not_secrets() {
        for value in [
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
            "-----BEGIN PUBLIC KEY-----",
            "eyJhbGciOiJIUzI1NiJ9",
            "AKIAIOSFODNN7EXAMPLEX",
            "XAKIAIOSFODNN7EXAMPLE",
            "https://user@example.com/path",
            "https://example.com/a:b@c",
            "redis://:<vault.redis_password>@redis:6379",
            "redis://:{{ env.REDIS_PASSWORD }}@redis:6379",
            "Authorization: Bearer <idp.token>",
            "Bearer realm",
            "the Authorization header",
            "Authorization basic flow",
            "authorization: Bearer {{ env.TOKEN }}",
            "http://otelcol.example.com:4318/v1/metrics",
            "hashivault://vault.example.com:8200/secret/data/maverics?token=<t>",
            "",
        ] {
            assert_eq!(shape(value), None, "{value}");
        }
    }

    /// The length gate answers as the five tests would: for every prefix and suffix of the
    /// shapes above (and the shortest forms of each), the gated answer is the ungated one.
    #[test]
    fn short_values_get_the_answer_of_every_test() {
        assert_eq!(shape("basic abcdef"), Some(Shape::AuthorizationHeader));
        assert_eq!(shape("a://:b@c"), Some(Shape::UrlPassword));
        for text in [
            "-----BEGIN RSA PRIVATE KEY-----",
            JWT,
            "AKIAIOSFODNN7EXAMPLE",
            "redis://:s3cret@redis:6379",
            "a://:b@c",
            "Bearer 0123456789abcdef",
            "basic abcdef",
            "authorization: basic abcdef",
        ] {
            for cut in 0..=text.len() {
                for part in [&text[..cut], &text[cut..]] {
                    assert_eq!(shape(part), any_shape(part), "{part:?}");
                }
            }
        }
    }
}
