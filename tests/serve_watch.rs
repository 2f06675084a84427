//! Live reload keeps working when the source folder itself is replaced: moved away and back
//! (a `git stash`, a backup tool), or deleted and restored.

mod serve_support;

use std::time::Duration;

use serve_support::*;

const WAIT: Duration = Duration::from_secs(20);

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Edits the introduction and waits until the served page shows it.
fn edit_shows_up(book: &SampleBook, server: &Server, events: &Events, text: &str) {
    book.write("content/intro.md", &format!("# Introduction\n\n{text}\n"));
    assert!(
        events.wait_for("reload", "", WAIT).is_some(),
        "no reload after `{text}`: {:?}",
        server.output()
    );
    let agent = agent();
    assert!(
        wait_until(WAIT, || get(&agent, &server.url("/intro.html"))
            .body
            .contains(text)),
        "`{text}` never served: {:?}",
        server.output()
    );
}

#[test]
fn replacing_the_content_folder_keeps_live_reload_working() {
    let book = SampleBook::new(0);
    let server = Server::start(&book.root, &[]);
    let events = Events::connect(&server.addr());
    edit_shows_up(&book, &server, &events, "First edit.");

    let content = book.path("content");
    let away = book.dir.path().join("content-away");
    std::fs::rename(&content, &away).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    std::fs::rename(&away, &content).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let _ = events.collect(Duration::from_millis(500));
    edit_shows_up(&book, &server, &events, "After moving it away and back.");

    let backup = book.dir.path().join("content-backup");
    copy_tree(&content, &backup);
    std::fs::remove_dir_all(&content).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    copy_tree(&backup, &content);
    std::thread::sleep(Duration::from_millis(300));
    let _ = events.collect(Duration::from_millis(500));
    edit_shows_up(&book, &server, &events, "After deleting and restoring it.");
}
