//! What every builder of the base reads: the config, the facts read from its `maverics.yaml`,
//! and the names of the generated objects.

use crate::config::Orchestrator;
use crate::config::maverics::MavericsFacts;
use crate::config::names::Names;

/// Everything the builders share.
pub struct Inputs<'a> {
    pub config: &'a Orchestrator,
    pub facts: MavericsFacts,
    pub names: Names,
}

impl<'a> Inputs<'a> {
    pub fn new(o: &'a Orchestrator) -> Self {
        Inputs {
            config: o,
            facts: MavericsFacts::read(&o.spec.config),
            names: Names::new(o.name()),
        }
    }
}
