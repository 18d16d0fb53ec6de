//! What every builder of the base reads: the config, the facts read from its `maverics.yaml`,
//! and the names of the generated objects.

use crate::config::Orchestrator;
use crate::config::maverics::MavericsFacts;
use crate::config::names::Names;

/// Everything the builders share.
pub struct Inputs<'a> {
    /// The config being generated.
    pub config: &'a Orchestrator,
    /// What the tool reads from `spec.config`, read once for every builder.
    pub facts: MavericsFacts,
    /// The names of the generated objects.
    pub names: Names,
}

impl<'a> Inputs<'a> {
    /// Reads the facts and names of `o` once.
    pub fn new(o: &'a Orchestrator) -> Self {
        Inputs {
            config: o,
            facts: MavericsFacts::read(&o.spec.config),
            names: Names::new(o.name()),
        }
    }
}
