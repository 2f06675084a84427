//! The checker for lab 03-state: its lab.toml is built in, so this one binary (next to
//! `demo-service`) is all a participant needs.
fn main() -> std::process::ExitCode {
    labkit::cli::checker_main("03-state")
}
