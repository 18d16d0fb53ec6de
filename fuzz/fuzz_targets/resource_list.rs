//! Arbitrary bytes on the function's stdin. Whatever comes in, the function must not panic
//! and must write a ResourceList: with no items when the input is unreadable, with results
//! whenever it exits 1.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maverics_krm::function;
use maverics_krm::krm::ResourceList;

fuzz_target!(|data: &[u8]| {
    let out = function::run(data);
    let text = out.to_yaml();
    let back = match ResourceList::parse(text.as_bytes()) {
        Ok(l) => l,
        Err(d) => panic!("the output is not a ResourceList: {d}\n{text}"),
    };
    if out.exit().code() != 0 {
        let v: serde_yaml::Value = serde_yaml::from_str(&text).unwrap_or_default();
        assert!(v.get("results").is_some(), "exit 1 without results:\n{text}");
    }
    if ResourceList::parse(data).is_err() {
        assert!(back.items.is_empty(), "unreadable input gave items:\n{text}");
    }
});
