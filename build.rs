//! Cargo build script: the default theme is compiled into the binary with `include_dir!`, which
//! does not tell Cargo about new or removed files, so ask Cargo to watch the whole folder.
fn main() {
    println!("cargo:rerun-if-changed=themes/default");
}
