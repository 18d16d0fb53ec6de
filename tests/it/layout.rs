//! The binary's code layout: the functions a run executes sit together before the rest of the
//! code (`link/hot-text.ld`, written by `scripts/order-text`, given to the link by `build.rs`).

use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The name and size of each section of an ELF64 little-endian file.
fn sections(elf: &[u8]) -> Option<Vec<(String, u64)>> {
    let u16_at = |at: usize| Some(u16::from_le_bytes(elf.get(at..at + 2)?.try_into().ok()?));
    let u32_at = |at: usize| Some(u32::from_le_bytes(elf.get(at..at + 4)?.try_into().ok()?));
    let u64_at = |at: usize| Some(u64::from_le_bytes(elf.get(at..at + 8)?.try_into().ok()?));
    if elf.get(..6)? != b"\x7fELF\x02\x01" {
        return None;
    }
    let (shoff, shentsize) = (u64_at(0x28)? as usize, u16_at(0x3a)? as usize);
    let (shnum, shstrndx) = (u16_at(0x3c)? as usize, u16_at(0x3e)? as usize);
    let header = |i: usize| shoff + i * shentsize;
    let names = u64_at(header(shstrndx) + 0x18)? as usize;
    (0..shnum)
        .map(|i| {
            let start = names + u32_at(header(i))? as usize;
            let len = elf.get(start..)?.iter().position(|&b| b == 0)?;
            let name = String::from_utf8_lossy(&elf[start..start + len]).into_owned();
            Some((name, u64_at(header(i) + 0x20)?))
        })
        .collect()
}

/// `cargo test --release` checks the ordering itself; a debug build must not get the script
/// (its functions are not the ones the script names, and its link would pay for the patterns).
#[cfg(target_os = "linux")]
#[test]
fn the_release_binary_holds_its_hot_functions_in_a_section_of_their_own() {
    let bin = env!("CARGO_BIN_EXE_maverics-krm");
    let elf = std::fs::read(bin).unwrap_or_else(|e| panic!("{bin}: {e}"));
    let sections = sections(&elf).unwrap_or_else(|| panic!("{bin}: not an ELF64 little-endian file"));
    let size = |name: &str| sections.iter().find(|(n, _)| n == name).map(|(_, s)| *s);
    assert!(
        size(".text").is_some_and(|t| t > 0),
        "the rest of the code stays in .text"
    );
    if cfg!(debug_assertions) {
        assert_eq!(
            size(".text.hot"),
            None,
            "{bin}: a debug build was linked with link/hot-text.ld"
        );
        return;
    }
    let hot = size(".text.hot").unwrap_or_else(|| {
        panic!(
            "{bin} has no .text.hot section: build.rs did not pass link/hot-text.ld to the link \
             (was MAVERICS_KRM_HOT_TEXT=0 set?)"
        )
    });
    // A script whose patterns no longer match the program's functions would leave it nearly
    // empty: the 3,000 functions of the runs fill about 2 MiB of an optimised build.
    assert!(
        hot >= 1024 * 1024,
        ".text.hot holds {hot} bytes: link/hot-text.ld matches few functions; rerun scripts/order-text"
    );
}

#[test]
fn the_linker_script_only_adds_a_section_of_patterns() {
    let path = root().join("link/hot-text.ld");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let body = text
        .split_once("*/\n")
        .map(|(_, b)| b)
        .unwrap_or_else(|| panic!("{}: no header comment", path.display()));
    let inner = body
        .strip_prefix("SECTIONS\n{\n  .text.hot : {\n")
        .and_then(|b| b.strip_suffix("  }\n}\nINSERT BEFORE .text;\n"))
        .unwrap_or_else(|| panic!("{}: not one .text.hot section inserted before .text", path.display()));
    let mut count = 0;
    for line in inner.lines() {
        let pattern = line
            .strip_prefix("    *(.text.")
            .and_then(|l| l.strip_suffix(')'))
            .unwrap_or_else(|| panic!("{}: not a section pattern: {line}", path.display()));
        // Unquoted, as a linker-script pattern must be, it may hold no delimiter of the language.
        assert!(
            !pattern.is_empty() && pattern.chars().all(|c| c.is_ascii_alphanumeric() || "_.$*".contains(c)),
            "{}: a pattern the linker cannot read unquoted: {line}",
            path.display()
        );
        count += 1;
    }
    assert!(count >= 2000, "{}: only {count} patterns", path.display());
}
