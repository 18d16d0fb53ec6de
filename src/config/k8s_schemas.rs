//! The JSON Schemas of the Kubernetes API types that config fields take as they are
//! (`spec.pod.affinity`, `spec.probes.readiness`, `spec.networkPolicy.egress`, ...), so an
//! editor validates them as deeply as the rest of the config.
//!
//! They are stored data, `k8s_schemas.json`, rather than k8s-openapi's `schemars` feature:
//! that feature compiles a JsonSchema impl for each of the crate's ~600 API types, the
//! largest single share of a cold release build, for the 34 definitions the config schema
//! shows. Provenance: the definitions are k8s-openapi 0.29.0's (feature `v1_33`), generated
//! from the Kubernetes 1.33 OpenAPI spec; both are Apache-2.0, like this project. A unit test
//! below regenerates them with that feature (a dev-dependency, so only test builds pay for
//! it) and fails on any difference, for instance after a k8s-openapi upgrade;
//! `UPDATE_GOLDEN=1 cargo test --lib config::k8s_schemas` rewrites the file.
//!
//! Each config field typed with an API type names its stand-in here:
//! `#[schemars(with = "Option<k8s_schemas::Affinity>")]`.

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::sync::OnceLock;

/// Every stored definition by its OpenAPI name, in the order schemars first inserted them.
fn definitions() -> &'static Map<String, Value> {
    static DEFS: OnceLock<Map<String, Value>> = OnceLock::new();
    DEFS.get_or_init(|| serde_json::from_str(include_str!("k8s_schemas.json")).unwrap_or_default())
}

/// The definition of `name`, after adding the definitions it refers to, transitively, to the
/// generator: each as a placeholder before its own references, then complete, which is the
/// order schemars gives derived types, so the generated schema lists them as before.
fn definition(generator: &mut SchemaGenerator, name: &str) -> Schema {
    let def = definitions().get(name).cloned().unwrap_or(Value::Bool(true));
    add_references(generator, &def);
    Schema::try_from(def).unwrap_or_default()
}

fn add_references(generator: &mut SchemaGenerator, v: &Value) {
    match v {
        Value::Object(map) => {
            for (key, child) in map {
                let referred = (key == "$ref")
                    .then(|| child.as_str().and_then(|r| r.strip_prefix("#/$defs/")))
                    .flatten();
                match referred {
                    Some(name) if !generator.definitions().contains_key(name) => {
                        let Some(def) = definitions().get(name) else { continue };
                        generator.definitions_mut().insert(name.to_owned(), Value::Bool(false));
                        add_references(generator, def);
                        generator.definitions_mut().insert(name.to_owned(), def.clone());
                    }
                    Some(_) => {}
                    None => add_references(generator, child),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| add_references(generator, i)),
        _ => {}
    }
}

/// A stand-in type per API type a config field uses, named after it, whose schema is the
/// stored definition of that OpenAPI name.
macro_rules! stand_ins {
    ($($ty:ident => $name:literal,)*) => {
        $(
            #[doc = concat!("The schema of `", $name, "`.")]
            pub struct $ty;

            impl JsonSchema for $ty {
                fn schema_name() -> Cow<'static, str> {
                    $name.into()
                }

                fn json_schema(generator: &mut SchemaGenerator) -> Schema {
                    definition(generator, $name)
                }
            }
        )*

        /// Every stand-in's OpenAPI name.
        #[cfg(test)]
        const NAMES: &[&str] = &[$($name),*];
    };
}

stand_ins! {
    Affinity => "io.k8s.api.core.v1.Affinity",
    ConfigMapVolumeSource => "io.k8s.api.core.v1.ConfigMapVolumeSource",
    EmptyDirVolumeSource => "io.k8s.api.core.v1.EmptyDirVolumeSource",
    EnvVarSource => "io.k8s.api.core.v1.EnvVarSource",
    PersistentVolumeClaimVolumeSource => "io.k8s.api.core.v1.PersistentVolumeClaimVolumeSource",
    Probe => "io.k8s.api.core.v1.Probe",
    Toleration => "io.k8s.api.core.v1.Toleration",
    NetworkPolicyEgressRule => "io.k8s.api.networking.v1.NetworkPolicyEgressRule",
    NetworkPolicyPeer => "io.k8s.api.networking.v1.NetworkPolicyPeer",
    IntOrString => "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::{core::v1 as core, networking::v1 as networking};
    use k8s_openapi::apimachinery::pkg::util::intstr;

    /// What k8s-openapi's own impls generate for the same types.
    fn from_k8s_openapi() -> Map<String, Value> {
        let mut generator = schemars::generate::SchemaSettings::default().into_generator();
        let _ = generator.subschema_for::<core::Affinity>();
        let _ = generator.subschema_for::<core::ConfigMapVolumeSource>();
        let _ = generator.subschema_for::<core::EmptyDirVolumeSource>();
        let _ = generator.subschema_for::<core::EnvVarSource>();
        let _ = generator.subschema_for::<core::PersistentVolumeClaimVolumeSource>();
        let _ = generator.subschema_for::<core::Probe>();
        let _ = generator.subschema_for::<core::Toleration>();
        let _ = generator.subschema_for::<networking::NetworkPolicyEgressRule>();
        let _ = generator.subschema_for::<networking::NetworkPolicyPeer>();
        let _ = generator.subschema_for::<intstr::IntOrString>();
        generator.take_definitions(true)
    }

    #[test]
    fn stored_definitions_equal_what_k8s_openapi_generates() {
        let generated = from_k8s_openapi();
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/config/k8s_schemas.json");
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            let mut text = serde_json::to_string_pretty(&generated).unwrap_or_default();
            text.push('\n');
            std::fs::write(path, text).unwrap_or_else(|e| panic!("writing {path}: {e}"));
            return;
        }
        let stored = definitions();
        let mut names: Vec<&String> = generated.keys().collect();
        names.sort();
        let mut stored_names: Vec<&String> = stored.keys().collect();
        stored_names.sort();
        assert_eq!(
            stored_names, names,
            "src/config/k8s_schemas.json holds other definitions than the stand-ins reach: \
             run `UPDATE_GOLDEN=1 cargo test --lib config::k8s_schemas`"
        );
        for (name, def) in &generated {
            assert!(
                stored.get(name) == Some(def),
                "src/config/k8s_schemas.json: `{name}` differs from k8s-openapi's: \
                 run `UPDATE_GOLDEN=1 cargo test --lib config::k8s_schemas`"
            );
        }
    }

    #[test]
    fn every_stand_in_has_a_stored_definition() {
        for name in NAMES {
            assert!(
                definitions().contains_key(*name),
                "src/config/k8s_schemas.json lacks `{name}`"
            );
        }
    }
}
