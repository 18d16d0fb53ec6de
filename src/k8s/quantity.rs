//! Kubernetes resource quantities (`500m`, `256Mi`, `1.5`, `2e3`).

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A quantity as the user wrote it; YAML numbers (`cpu: 1`) are accepted and kept as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Quantity(pub String);

impl Quantity {
    /// The quantity `s` as written, e.g. `500m` or `1Gi`, unchecked: [`Quantity::value`] checks it.
    pub fn new(s: &str) -> Self {
        Quantity(s.to_owned())
    }

    /// The value in base units (cores, bytes), or why it is not a quantity.
    pub fn value(&self) -> Result<f64, String> {
        parse(&self.0)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Quantity;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a quantity such as `500m`, `1` or `256Mi`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Quantity, E> {
                Ok(Quantity(v.to_owned()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Quantity, E> {
                Ok(Quantity(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Quantity, E> {
                Ok(Quantity(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Quantity, E> {
                Ok(Quantity(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// The schema Kubernetes gives its own quantities: a string, or a number YAML wrote bare.
impl schemars::JsonSchema for Quantity {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Quantity".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A Kubernetes quantity: a number with an optional suffix (`500m`, `1`, `256Mi`, `1Gi`).",
            "anyOf": [{"type": "string"}, {"type": "number"}]
        })
    }
}

const SUFFIXES: &[(&str, f64)] = &[
    ("Ki", 1024.0),
    ("Mi", 1048576.0),
    ("Gi", 1073741824.0),
    ("Ti", 1099511627776.0),
    ("Pi", 1125899906842624.0),
    ("Ei", 1152921504606846976.0),
    ("n", 1e-9),
    ("u", 1e-6),
    ("m", 1e-3),
    ("k", 1e3),
    ("M", 1e6),
    ("G", 1e9),
    ("T", 1e12),
    ("P", 1e15),
    ("E", 1e18),
];

/// Parses the Kubernetes quantity grammar: sign, decimal number, then one binary suffix,
/// decimal suffix or exponent. Negative values are refused: no resource can be negative.
pub fn parse(s: &str) -> Result<f64, String> {
    let bad = || {
        format!(
            "`{s}` is not a Kubernetes quantity: write a number with an optional suffix \
             (`500m` or `0.5` CPU, `256Mi` or `1Gi` memory; suffixes Ki Mi Gi Ti Pi Ei, n u m k M G T P E)"
        )
    };
    let body = s.strip_prefix('+').unwrap_or(s);
    if body.starts_with('-') {
        return Err(format!("`{s}` is negative: a resource quantity must be zero or more"));
    }
    let split = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(body.len());
    let (number, suffix) = body.split_at(split);
    if number.is_empty() || number == "." || number.matches('.').count() > 1 {
        return Err(bad());
    }
    let base: f64 = number.parse().map_err(|_| bad())?;
    // Suffixes first: `Ei` and `E` are suffixes, not exponents.
    let multiplier = if suffix.is_empty() {
        1.0
    } else if let Some((_, m)) = SUFFIXES.iter().find(|(name, _)| *name == suffix) {
        *m
    } else {
        let exp = suffix.strip_prefix(['e', 'E']).ok_or_else(bad)?;
        let exp: i32 = exp.parse().map_err(|_| bad())?;
        10f64.powi(exp)
    };
    let value = base * multiplier;
    // `1e309` overflows to infinity: the API server refuses it, so it is no quantity.
    if !value.is_finite() {
        return Err(format!("`{s}` is too large to be a Kubernetes quantity"));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kubernetes_forms() {
        assert_eq!(parse("500m").unwrap(), 0.5);
        assert_eq!(parse("1").unwrap(), 1.0);
        assert_eq!(parse("1.5").unwrap(), 1.5);
        assert_eq!(parse("256Mi").unwrap(), 268435456.0);
        assert_eq!(parse("1G").unwrap(), 1e9);
        assert_eq!(parse("2e3").unwrap(), 2000.0);
        assert_eq!(parse("+1Ki").unwrap(), 1024.0);
    }

    #[test]
    fn refuses_what_kubernetes_refuses() {
        for s in ["500mb", "1 Gi", "", "Mi", "1.2.3", "-1", "1e", "1ki", "0x10", "1GB"] {
            assert!(parse(s).is_err(), "{s} accepted");
        }
        assert!(parse("-1").unwrap_err().contains("negative"));
        assert!(parse("1e309").unwrap_err().contains("too large"));
        assert!(parse("1Ei").is_ok());
    }
}
