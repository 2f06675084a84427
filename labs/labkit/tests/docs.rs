//! RULES.md is generated from the rules; keep it current.

use std::path::Path;

#[test]
fn rules_md_matches_the_rules_in_the_code() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("RULES.md");
    let expected = labkit::engine::docs::rules_markdown();
    if std::env::var_os("LABKIT_BLESS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "{} is out of date: run `LABKIT_BLESS=1 cargo test -p labkit --test docs`",
        path.display()
    );
}
