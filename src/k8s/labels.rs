//! Label and annotation keys: the recommended `app.kubernetes.io` labels with the values the
//! generator writes on the orchestrator's objects (and the checks and platform layers
//! recognise it by), and the ingress controllers' annotation keys. The ALB ones are in
//! [`super::alb`], with their attribute strings.

/// The recommended label naming the application; [`APP_NAME`] on the orchestrator's objects.
pub const LABEL_NAME: &str = "app.kubernetes.io/name";
/// The recommended label naming the instance: the config's `metadata.name`.
pub const LABEL_INSTANCE: &str = "app.kubernetes.io/instance";
/// The recommended label naming the tool that manages the object; [`MANAGED_BY`] on generated objects.
pub const LABEL_MANAGED_BY: &str = "app.kubernetes.io/managed-by";
/// The value of [`LABEL_NAME`] on the orchestrator's objects.
pub const APP_NAME: &str = "maverics-orchestrator";
/// The value of [`LABEL_MANAGED_BY`] on every generated object.
pub const MANAGED_BY: &str = "maverics-krm";

/// An exposure whose controller this tool does not know declares its affinity with this
/// annotation (any value says how; it is read by people, not by the tool).
pub const AFFINITY_ANNOTATION: &str = "krm.maverics.dev/session-affinity";
/// On a ServiceAccount a platform layer reported cloud-side trust for: the Kubernetes subject
/// (`system:serviceaccount:NS:NAME`) it reported. A later rename (a parent overlay's
/// `namespace:` or `namePrefix`) makes the ServiceAccount's real subject differ, which the
/// stream checks report.
pub const TRUST_SUBJECT: &str = "krm.maverics.dev/trust-subject";
/// ingress-nginx cookie affinity (`cookie` turns it on).
pub const NGINX_AFFINITY: &str = "nginx.ingress.kubernetes.io/affinity";
/// Application Gateway for Containers keeps an Ingress's cookie affinity in the
/// `IngressExtension` this annotation names.
pub const AGC_EXTENSION: &str = "alb.networking.azure.io/alb-ingress-extension";
/// The API of Application Gateway for Containers' own kinds (IngressExtension,
/// HealthCheckPolicy, RoutePolicy).
pub const AGC_API: &str = "alb.networking.azure.io/v1";
/// GKE Ingress: the Service names its BackendConfig, which holds the session affinity.
pub const GKE_BACKEND_CONFIG: &str = "cloud.google.com/backend-config";
/// The legacy Ingress class annotation, which GKE reads instead of `spec.ingressClassName`
/// (and AGIC reads too).
pub const INGRESS_CLASS: &str = "kubernetes.io/ingress.class";
