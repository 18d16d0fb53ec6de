//! The `OrchestratorPlatform` transformer config: which platform the orchestrator runs on and
//! that platform's settings. Field names are part of the public contract (README, overlays).

mod aks;
mod aws;
mod eks;
mod gke;
mod rosa;
mod spread;

pub use aks::*;
pub use aws::{SecretStore, check_arn};
pub use eks::*;
pub use gke::*;
pub use rosa::*;
pub use spread::TopologySpread;

use crate::api::{Metadata, parse};
use crate::diag::{Diagnostic, FileRef, ResourceRef};
use crate::krm::object;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use serde_yaml::Value;

/// `kind: OrchestratorPlatform`: the transformer that adapts the orchestrator base to a
/// platform (EKS, ROSA, AKS, GKE). Field reference: `maverics-krm explain orchestratorplatform.spec`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrchestratorPlatform {
    /// Always `krm.maverics.dev/v1alpha1`.
    pub api_version: String,
    /// Always `OrchestratorPlatform`.
    pub kind: String,
    /// The config's name and host annotations.
    pub metadata: Metadata,
    /// The platform and its settings.
    pub spec: Spec,
    /// Set after parsing: the file the config was read from, for diagnostics.
    #[serde(skip)]
    pub file: Option<FileRef>,
}

/// The platform the orchestrator runs on; its settings block of the same name is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// Amazon EKS (`spec.eks`).
    Eks,
    /// Red Hat OpenShift Service on AWS (`spec.rosa`).
    Rosa,
    /// Azure Kubernetes Service (`spec.aks`).
    Aks,
    /// Google Kubernetes Engine (`spec.gke`).
    Gke,
}

impl Platform {
    /// The value as written in `spec.platform`, lower case.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Eks => "eks",
            Platform::Rosa => "rosa",
            Platform::Aks => "aks",
            Platform::Gke => "gke",
        }
    }
}

/// The platform and its settings.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Spec {
    /// `eks`, `rosa`, `aks` or `gke`; the settings block of that name is required, the others refused.
    pub platform: Platform,
    /// The orchestrator instance (`app.kubernetes.io/instance`) to patch; needed only when the
    /// stream holds several.
    #[serde(default)]
    pub instance: Option<String>,
    /// Amazon EKS settings; required with `platform: eks`.
    #[serde(default)]
    pub eks: Option<Eks>,
    /// Red Hat OpenShift Service on AWS settings; required with `platform: rosa`.
    #[serde(default)]
    pub rosa: Option<Rosa>,
    /// Azure Kubernetes Service settings; required with `platform: aks`.
    #[serde(default)]
    pub aks: Option<Aks>,
    /// Google Kubernetes Engine settings; required with `platform: gke`.
    #[serde(default)]
    pub gke: Option<Gke>,
}

impl OrchestratorPlatform {
    /// Reads the config and checks what types cannot express (the settings block matches the
    /// platform, ARNs and names have their shape); every error found comes back, located at the config.
    pub fn from_value(value: &Value, file: Option<FileRef>) -> Result<Self, Vec<Diagnostic>> {
        let resource = object::resource_ref(value);
        if let Some(d) = aks::refused_controller(value) {
            return Err(vec![d.file(file).resource(Some(resource))]);
        }
        let mut p: OrchestratorPlatform = parse::typed(value, file.as_ref(), &resource)?;
        p.file = file;
        let diags = p.check_platform();
        if crate::diag::has_errors(&diags) {
            return Err(diags);
        }
        Ok(p)
    }

    /// Diagnostics about this config point at it.
    pub fn locate(&self, d: Diagnostic) -> Diagnostic {
        d.file(self.file.clone()).resource(Some(ResourceRef {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            name: self.metadata.name.clone(),
            namespace: self.metadata.namespace.clone(),
        }))
    }

    /// Rules types cannot express: the settings block matches the platform, ARNs have their
    /// shape, names fit their limits.
    fn check_platform(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let mut err = |d: Diagnostic| out.push(self.locate(d));
        let s = &self.spec;
        match (s.platform, &s.eks, &s.rosa) {
            (Platform::Eks, None, _) => err(Diagnostic::error("`spec.platform: eks` needs the EKS settings")
                .field("spec.eks")
                .fix("add `spec.eks` with at least `ingress.hosts` and `ingress.certificateArns` (see overlays/eks/platform.yaml)")),
            (Platform::Rosa, _, None) => err(Diagnostic::error("`spec.platform: rosa` needs the ROSA settings")
                .field("spec.rosa")
                .fix("add `spec.rosa` with at least `route.host` (see overlays/rosa/platform.yaml)")),
            _ => {}
        }
        if s.platform != Platform::Eks && s.eks.is_some() {
            err(Diagnostic::error("`spec.eks` is set but the platform is not eks")
                .field("spec.eks")
                .fix("remove `spec.eks`, or set `spec.platform: eks`"));
        }
        if s.platform != Platform::Rosa && s.rosa.is_some() {
            err(Diagnostic::error("`spec.rosa` is set but the platform is not rosa")
                .field("spec.rosa")
                .fix("remove `spec.rosa`, or set `spec.platform: rosa`"));
        }
        match (s.platform, &s.aks) {
            (Platform::Aks, None) => err(Diagnostic::error("`spec.platform: aks` needs the AKS settings")
                .field("spec.aks")
                .fix("add `spec.aks` with at least `ingress.hosts`, `ingress.tlsSecretName` and the load balancer (see overlays/aks/platform.yaml)")),
            (p, Some(_)) if p != Platform::Aks => err(Diagnostic::error("`spec.aks` is set but the platform is not aks")
                .field("spec.aks")
                .fix("remove `spec.aks`, or set `spec.platform: aks`")),
            _ => {}
        }
        if let Some(aks) = &s.aks {
            aks::check(aks, &mut err);
        }
        if s.platform == Platform::Gke && s.gke.is_none() {
            err(Diagnostic::error("`spec.platform: gke` needs the GKE settings")
                .field("spec.gke")
                .fix("add `spec.gke` with at least `projectId` and `hosts` (see overlays/gke/platform.yaml)"));
        }
        if s.platform != Platform::Gke && s.gke.is_some() {
            err(Diagnostic::error("`spec.gke` is set but the platform is not gke")
                .field("spec.gke")
                .fix("remove `spec.gke`, or set `spec.platform: gke`"));
        }
        if let Some(gke) = &s.gke {
            gke::check(gke, &mut err);
        }
        if let Some(eks) = &s.eks {
            eks::check(eks, &mut err);
        }
        if let Some(rosa) = &s.rosa {
            rosa::check(rosa, &mut err);
        }
        out
    }
}

/// Reads a settings block whose key may be written with nothing after it (`secretStore:`,
/// YAML null) as `{}`: deleting the block's last line must not silently turn the setting
/// off. Where `{}` is incomplete the usual "required field" errors name what to add.
pub(crate) fn null_is_empty<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct NullIsEmpty<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for NullIsEmpty<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a mapping")
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            let empty = serde::de::value::MapDeserializer::<_, E>::new(std::iter::empty::<(&str, &str)>());
            T::deserialize(empty).map(Some)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            self.visit_none()
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            T::deserialize(d).map(Some)
        }
    }
    d.deserialize_option(NullIsEmpty(std::marker::PhantomData))
}
