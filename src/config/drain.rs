//! The preStop drain: how long a terminating pod keeps serving so the exposure's controller
//! stops sending it requests first, and which form of hook the target Kubernetes version
//! runs. The base and every platform layer that emits the hook use this one module.
//!
//! Version facts (Kubernetes feature gate `PodLifecycleSleepAction`, KEP-3960,
//! <https://kubernetes.io/docs/reference/command-line-tools-reference/feature-gates/> and
//! <https://github.com/kubernetes/enhancements/issues/3960>): alpha and off by default in 1.29,
//! beta and on by default from 1.30, GA (locked on) from 1.34.

use crate::diag::Diagnostic;
use k8s_openapi::api::core::v1::{ExecAction, Lifecycle, LifecycleHandler, SleepAction};

/// The StatefulSet annotation that carries `spec.kubernetesVersion` to the platform layers,
/// which run on the rendered stream and cannot read the base's config.
pub const VERSION_ANNOTATION: &str = "krm.maverics.dev/kubernetes-version";
/// `spec.kubernetesVersion` when unset: the oldest release with the `sleep` action on by default.
pub const DEFAULT_KUBERNETES_VERSION: &str = "1.30";
/// The oldest minor version whose default feature gates run the `sleep` action.
pub const SLEEP_ACTION_MINOR: u32 = 30;
/// Endpoint removal reaches kube-proxy, ingress-nginx, Gateway implementations and the
/// OpenShift router (which reloads HAProxy at most every 5 s) within seconds; 15 s covers a
/// busy control plane.
pub const DEFAULT_SECONDS: u32 = 15;
/// Room for the orchestrator's own shutdown after the drain: the grace period must exceed the
/// drain by at least this much.
pub const SHUTDOWN_SECONDS: u32 = 15;

/// The minor version of `1.30`, `v1.30` or `1.30.2`; None for anything else.
pub fn minor(version: &str) -> Option<u32> {
    let v = version.strip_prefix('v').unwrap_or(version);
    let mut parts = v.split('.');
    let (major, minor) = (parts.next()?, parts.next()?);
    if major != "1" || parts.count() > 1 {
        return None;
    }
    minor.parse().ok()
}

/// Whether the version runs `lifecycle.preStop.sleep` with its default feature gates. An
/// unreadable version is taken as one without: the exec form works everywhere `sleep` exists.
pub fn has_sleep_action(version: &str) -> bool {
    minor(version).is_some_and(|m| m >= SLEEP_ACTION_MINOR)
}

/// The preStop hook that waits `seconds`: the kubelet's own `sleep` action where the
/// version has it, else `sleep` run from the image.
pub fn lifecycle(version: &str, seconds: u32) -> Lifecycle {
    let handler = if has_sleep_action(version) {
        LifecycleHandler {
            sleep: Some(SleepAction {
                seconds: i64::from(seconds),
            }),
            ..Default::default()
        }
    } else {
        LifecycleHandler {
            exec: Some(ExecAction {
                command: Some(vec!["sleep".into(), seconds.to_string()]),
            }),
            ..Default::default()
        }
    };
    Lifecycle {
        pre_stop: Some(handler),
        ..Default::default()
    }
}

/// The seconds a rendered container's preStop hook waits, in either form.
pub fn seconds_of(container: &serde_json::Value) -> Option<u32> {
    let hook = container.pointer("/lifecycle/preStop")?;
    let n = match hook.pointer("/sleep/seconds") {
        Some(s) => s.as_u64(),
        None => hook.pointer("/exec/command/1")?.as_str()?.parse().ok(),
    };
    n.and_then(|n| u32::try_from(n).ok())
}

/// The warning for the exec form: whether the image has `sleep` is not known here.
pub fn exec_form_warning(version: &str, field: &str) -> Diagnostic {
    Diagnostic::warning(format!(
        "Kubernetes {version} has no `sleep` lifecycle action on by default (beta from 1.30, GA in 1.34): the preStop \
         hook runs `sleep` from the orchestrator image, and without that binary the pod stops at once and drops \
         requests in flight"
    ))
    .field(field)
    .fix(
        "set `spec.kubernetesVersion` in the base's Orchestrator config to your cluster's version when it is 1.30 or later; \
         otherwise make sure the orchestrator image contains a `sleep` binary",
    )
}
