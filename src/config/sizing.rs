//! The orchestrator container's CPU and memory (`spec.resources`): requests and limits over the
//! vendor's sizing, where an absent amount keeps its default and `null` removes it.

use crate::k8s::quantity::Quantity;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// CPU and memory requests and limits of the orchestrator container; each amount defaults to the
/// vendor's sizing, and `null` removes it.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Resources {
    /// The vendor's conservative sizing; an absent key keeps its default, `null` removes it.
    #[serde(deserialize_with = "requests_over_defaults")]
    #[schemars(with = "WrittenAmounts")]
    pub requests: ResourceAmounts,
    /// Requests above limits are refused; an absent key keeps its default, `null` removes it.
    #[serde(deserialize_with = "limits_over_defaults")]
    #[schemars(with = "WrittenAmounts")]
    pub limits: ResourceAmounts,
}

impl Default for Resources {
    fn default() -> Self {
        Resources {
            requests: ResourceAmounts {
                cpu: Some(Quantity::new("500m")),
                memory: Some(Quantity::new("256Mi")),
            },
            limits: ResourceAmounts {
                cpu: Some(Quantity::new("1")),
                memory: Some(Quantity::new("512Mi")),
            },
        }
    }
}

/// CPU and memory amounts after the defaults are applied; `None` is an amount the user removed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ResourceAmounts {
    /// CPU, such as `500m`; `None`: not set on the container.
    pub cpu: Option<Quantity>,
    /// Memory, such as `256Mi`; `None`: not set on the container.
    pub memory: Option<Quantity>,
}

/// `requests` or `limits` as written: an absent field keeps its default, an explicit `null`
/// removes it (`requests: {cpu: 1}` keeps the memory request).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct WrittenAmounts {
    /// CPU, a quantity such as `500m` or `1`; `null` removes it.
    #[serde(default, deserialize_with = "present")]
    #[schemars(with = "Option<Quantity>")]
    cpu: Option<Option<Quantity>>,
    /// Memory, a quantity such as `256Mi` or `1Gi`; `null` removes it.
    #[serde(default, deserialize_with = "present")]
    #[schemars(with = "Option<Quantity>")]
    memory: Option<Option<Quantity>>,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<Quantity>>, D::Error> {
    Option::<Quantity>::deserialize(d).map(Some)
}

fn over_defaults<'de, D: serde::Deserializer<'de>>(
    d: D,
    default: ResourceAmounts,
) -> Result<ResourceAmounts, D::Error> {
    let w = WrittenAmounts::deserialize(d)?;
    Ok(ResourceAmounts {
        cpu: w.cpu.unwrap_or(default.cpu),
        memory: w.memory.unwrap_or(default.memory),
    })
}

fn requests_over_defaults<'de, D: serde::Deserializer<'de>>(d: D) -> Result<ResourceAmounts, D::Error> {
    over_defaults(d, Resources::default().requests)
}

fn limits_over_defaults<'de, D: serde::Deserializer<'de>>(d: D) -> Result<ResourceAmounts, D::Error> {
    over_defaults(d, Resources::default().limits)
}
