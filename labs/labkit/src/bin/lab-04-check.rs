//! The checker for lab 04-monitoring: its lab.toml is built in, so this one binary (next to
//! `demo-service`) is all a participant needs.
fn main() -> std::process::ExitCode {
    labkit::cli::checker_main("04-monitoring")
}
