//! Embeds the built-in rule pack (`rules/**/*.toml`) and the demo org (`fixtures/orgs/demo/*.json`)
//! into the binary, so `tokenwarden demo` and the built-in rules work from any directory.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn collect(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

fn table(name: &str, root: &Path, ext: &str) -> String {
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(root, ext, &mut files);
    files.sort();
    let mut s = format!("pub static {name}: &[(&str, &str)] = &[\n");
    for f in files {
        if let Some(parent) = f.parent() {
            println!("cargo:rerun-if-changed={}", parent.display());
        }
        println!("cargo:rerun-if-changed={}", f.display());
        let rel = f
            .strip_prefix(root)
            .unwrap_or(&f)
            .to_string_lossy()
            .replace('\\', "/");
        let _ = writeln!(
            s,
            "    ({rel:?}, include_str!({:?})),",
            f.display().to_string()
        );
    }
    s.push_str("];\n");
    s
}

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into()));
    let mut code = String::new();
    code.push_str(&table("RULE_FILES", &root.join("rules"), "toml"));
    code.push_str(&table(
        "DEMO_ORG_FILES",
        &root.join("fixtures/orgs/demo"),
        "json",
    ));
    let out = PathBuf::from(env::var("OUT_DIR").unwrap_or_else(|_| ".".into())).join("embedded.rs");
    fs::write(out, code).unwrap_or_else(|e| panic!("writing embedded.rs: {e}"));
}
