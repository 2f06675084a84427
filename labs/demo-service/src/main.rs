fn main() -> std::process::ExitCode {
    demo_service::run()
}
