//! The names of the generated objects, derived from the config's name: one rule for the
//! generator, the config checks and the Reloader annotation.

/// The names of the objects generated for one config name.
pub struct Names {
    /// The config's name, which most objects take as is: the StatefulSet, the client Service, the
    /// autoscaler, the Ingress or route.
    pub base: String,
    /// `<name>-headless`: the headless Service that gives each pod a DNS name.
    pub headless: String,
    /// `<name>-config`: the ConfigMap holding `maverics.yaml`.
    pub config: String,
    /// `<name>-secrets`: the Secret the ExternalSecret writes.
    pub secret: String,
}

impl Names {
    /// The names derived from the config's name `base`.
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
