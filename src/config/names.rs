//! The names of the generated objects, derived from the config's name: one rule for the
//! generator, the config checks and the Reloader annotation.

pub struct Names {
    pub base: String,
    pub headless: String,
    pub config: String,
    pub secret: String,
}

impl Names {
    pub fn new(base: &str) -> Self {
        Names {
            base: base.to_owned(),
            headless: format!("{base}-headless"),
            config: format!("{base}-config"),
            secret: format!("{base}-secrets"),
        }
    }
}

impl Names {
    /// Experimental clustering's headless Service, named as in Strata's chart.
    pub fn clusters(&self) -> String {
        format!("{}{CLUSTERS_SUFFIX}", self.base)
    }
}

/// The `-clusters` Service is the base name with this suffix.
pub const CLUSTERS_SUFFIX: &str = "-clusters";
