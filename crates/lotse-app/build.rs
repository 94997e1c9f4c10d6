//! Embeds the built-in knowledge base (`content/`) into the binary: generates a list of
//! `include_str!` entries so that a new answer file needs no code change. No network access.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    // Read at run time of the build script, not baked in when it is compiled: a build script
    // binary reused from another checkout (a shared or copied target directory) must still
    // read this checkout's content.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest_dir).join("../../content");
    let answers = root.join("answers");
    println!("cargo:rerun-if-changed={}", root.display());
    println!("cargo:rerun-if-changed={}", answers.display());
    let mut files: Vec<_> = std::fs::read_dir(&answers)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "md"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut code = String::from(
        "/// Built-in answer files: (file name, content).\npub static ANSWER_FILES: &[(&str, &str)] = &[\n",
    );
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let _ = writeln!(
            code,
            "    ({name:?}, include_str!({:?})),",
            f.display().to_string()
        );
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("builtin_answers.rs");
    std::fs::write(out, code).expect("write builtin_answers.rs");
}
