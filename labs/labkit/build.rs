//! Embed every lab's lab.toml (labs/*/lab.toml) into the crate, so a checker binary copied
//! to a laptop works without the repository.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let labs_dir = Path::new(&manifest).join("..");
    println!("cargo:rerun-if-changed={}", labs_dir.display());
    let mut labs: Vec<(String, String)> = std::fs::read_dir(&labs_dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.path().join("lab.toml").is_file())
                .map(|e| {
                    let id = e.file_name().to_string_lossy().into_owned();
                    let path = e.path().join("lab.toml");
                    let abs = path.canonicalize().unwrap_or(path);
                    (id, abs.display().to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    labs.sort();
    let mut code = String::from(
        "/// (lab id, lab.toml text) for every lab in the repository at build time.\npub static EMBEDDED_LABS: &[(&str, &str)] = &[\n",
    );
    for (id, path) in &labs {
        let _ = writeln!(code, "    ({id:?}, include_str!({path:?})),");
    }
    code.push_str("];\n");
    // What each lab's scenario holds at its top, so a checker run in a folder with none of
    // it can say the participant is in the wrong place.
    code.push_str(
        "/// (lab id, the names at the top of its scenario/) for every lab, sorted.\npub static EMBEDDED_SCENARIO_NAMES: &[(&str, &[&str])] = &[\n",
    );
    for (id, _) in &labs {
        let mut names: Vec<String> = std::fs::read_dir(labs_dir.join(id).join("scenario"))
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        let _ = writeln!(code, "    ({id:?}, &{names:?}),");
    }
    code.push_str("];\n");
    let out =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded_labs.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
