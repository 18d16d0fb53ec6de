//! The floor for the scale benchmark: read a ResourceList from stdin and write it back with the
//! same YAML crate, doing nothing else. The function cannot be faster than this.

use std::io::{Read, Write};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    let list: serde_yaml::Value = serde_yaml::from_str(&input)?;
    let mut out = std::io::stdout().lock();
    out.write_all(serde_yaml::to_string(&list)?.as_bytes())?;
    Ok(())
}
