//! In-process micro-benchmarks of the three stages of a run, to guide optimisation:
//! parsing a ResourceList, generating the base, serialising the output.
//! Run: `cargo bench --bench micro`.

use criterion::{Criterion, criterion_group, criterion_main};
use maverics_krm::config::Orchestrator;
use maverics_krm::function::FunctionConfig;
use maverics_krm::krm::ResourceList;
use std::hint::black_box;

fn base_config() -> Orchestrator {
    let value: serde_yaml::Value =
        serde_yaml::from_str(maverics_krm::cli::DEFAULT_CONFIG).expect("the embedded base config is YAML");
    match FunctionConfig::from_value(&value, None).expect("the base config is valid") {
        FunctionConfig::Orchestrator(o) => *o,
        _ => unreachable!("the embedded base config is an Orchestrator"),
    }
}

/// A ResourceList of `n` pass-through ConfigMaps plus the base config, as kpt would send it.
fn resource_list(n: usize) -> String {
    let mut s = String::from("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n");
    for i in 0..n {
        s.push_str(&format!(
            "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cm-{i}\n    annotations:\n      \
             config.kubernetes.io/path: cm/{i}.yaml\n      internal.config.kubernetes.io/path: cm/{i}.yaml\n  \
             data:\n    key: value-{i}\n    flag: 'on'\n"
        ));
    }
    let config: String = maverics_krm::cli::DEFAULT_CONFIG
        .lines()
        .map(|l| format!("  {l}\n"))
        .collect();
    s.push_str("functionConfig:\n");
    s.push_str(&config);
    s
}

fn stages(c: &mut Criterion) {
    let o = base_config();
    let input = resource_list(100);
    let parsed = ResourceList::parse(input.as_bytes()).expect("valid list");
    let generated = maverics_krm::function::process(parsed.clone());

    c.bench_function("parse 100 items", |b| {
        b.iter(|| ResourceList::parse(black_box(input.as_bytes())))
    });
    c.bench_function("generate base", |b| {
        b.iter(|| maverics_krm::resources::generate(black_box(&o)))
    });
    c.bench_function("process 100 items", |b| {
        b.iter(|| maverics_krm::function::process(black_box(parsed.clone())))
    });
    c.bench_function("serialise output", |b| b.iter(|| black_box(&generated).to_yaml()));
}

criterion_group!(benches, stages);
criterion_main!(benches);
