//! ENGINE001 builds for real where an engine answers and is skipped, never failed, where
//! none does (CI and this machine: the docker client exists, its daemon does not).

use labkit::rules::container::answering_engine;
use labkit::{CheckCtx, Toolbox, Verdict};

#[test]
fn a_build_is_skipped_without_an_engine_and_passes_with_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM scratch\nCOPY hello.txt /hello.txt\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("hello.txt"), "hi\n").unwrap();
    let rule = labkit::engine::registry::find("ENGINE001").expect("registered");
    let params = toml::Table::new();
    let toolbox = Toolbox::default();
    let outcome = rule.check(&CheckCtx {
        dir: dir.path(),
        params: &params,
        check_name: "image builds",
        toolbox: &toolbox,
    });
    let probe = tempfile::tempdir().unwrap();
    match answering_engine(probe.path()) {
        None => {
            assert_eq!(outcome.verdict, Verdict::Skip, "{outcome:?}");
            assert!(outcome.message.contains("no container engine answers"));
        }
        Some(_) => assert_eq!(outcome.verdict, Verdict::Pass, "{outcome:?}"),
    }
}
