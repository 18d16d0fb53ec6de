use super::Inputs;
use k8s_openapi::Resource;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HPAScalingPolicy, HPAScalingRules, HorizontalPodAutoscaler,
    HorizontalPodAutoscalerBehavior, HorizontalPodAutoscalerSpec, MetricSpec, MetricTarget, ResourceMetricSource,
};

fn utilization(resource: &str, percent: u32) -> MetricSpec {
    MetricSpec {
        type_: "Resource".into(),
        resource: Some(ResourceMetricSource {
            name: resource.into(),
            target: MetricTarget {
                type_: "Utilization".into(),
                average_utilization: Some(i32::try_from(percent).unwrap_or(i32::MAX)),
                ..Default::default()
            },
        }),
        ..Default::default()
    }
}

pub fn build(inputs: &Inputs) -> Option<HorizontalPodAutoscaler> {
    let a = &inputs.config.spec.autoscaling;
    if !a.enabled {
        return None;
    }
    let to_i32 = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    let mut metrics = vec![utilization("cpu", a.target_cpu_utilization_percentage)];
    if let Some(m) = a.target_memory_utilization_percentage {
        metrics.push(utilization("memory", m));
    }
    Some(HorizontalPodAutoscaler {
        metadata: inputs.meta(&inputs.names.base),
        spec: Some(HorizontalPodAutoscalerSpec {
            scale_target_ref: CrossVersionObjectReference {
                api_version: Some(StatefulSet::API_VERSION.into()),
                kind: StatefulSet::KIND.into(),
                name: inputs.names.base.clone(),
            },
            min_replicas: Some(to_i32(a.min_replicas)),
            max_replicas: to_i32(a.max_replicas),
            metrics: Some(metrics),
            behavior: Some(HorizontalPodAutoscalerBehavior {
                scale_down: Some(HPAScalingRules {
                    stabilization_window_seconds: Some(to_i32(a.scale_down.stabilization_window_seconds)),
                    select_policy: Some("Min".into()),
                    policies: Some(vec![HPAScalingPolicy {
                        type_: "Pods".into(),
                        value: to_i32(a.scale_down.pods_per_period),
                        period_seconds: to_i32(a.scale_down.period_seconds),
                    }]),
                    ..Default::default()
                }),
                scale_up: None,
            }),
        }),
        ..Default::default()
    })
}
