//! The demo service as participants' artifacts meet it: configuration only through the
//! environment, a notes API under DATA_DIR, metrics only when switched on. Started the way
//! clean rooms start it: a checker binary invoked under the name `demo-service`.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use labkit::cleanroom::service::request;

struct Service {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `demo-service` link to a checker binary, in a fresh directory.
fn link(dir: &Path) -> std::path::PathBuf {
    let link = dir.join("demo-service");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_lab-01-check"), &link).unwrap();
    link
}

fn start(env: &[(&str, &str)]) -> Service {
    let dir = tempfile::tempdir().unwrap();
    let port = labkit::cleanroom::sandbox::free_port().unwrap();
    let mut cmd = Command::new(link(dir.path()));
    cmd.env_clear()
        .env("PORT", port.to_string())
        .env("DATA_DIR", dir.path().join("data"))
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let child = cmd.spawn().unwrap();
    let service = Service { child, port, dir };
    let deadline = Instant::now() + Duration::from_secs(5);
    while request("GET", port, "/healthz", None, None).is_err() {
        assert!(Instant::now() < deadline, "demo-service did not come up");
        std::thread::sleep(Duration::from_millis(20));
    }
    service
}

#[test]
fn notes_round_trip_under_data_dir() {
    let s = start(&[]);
    let put = request("PUT", s.port, "/notes/shopping", Some("milk"), None).unwrap();
    assert_eq!(put.status, 201);
    assert_eq!(
        request("GET", s.port, "/notes/shopping", None, None)
            .unwrap()
            .body,
        "milk"
    );
    assert_eq!(
        request("GET", s.port, "/notes", None, None).unwrap().body,
        "shopping\n"
    );
    assert!(s.dir.path().join("data/notes/shopping").is_file());
    assert_eq!(
        request("GET", s.port, "/notes/../etc", None, None)
            .unwrap()
            .status,
        400
    );
    let big = "x".repeat(65 * 1024);
    assert_eq!(
        request("PUT", s.port, "/notes/big", Some(&big), None)
            .unwrap()
            .status,
        413
    );
    assert_eq!(
        request("GET", s.port, "/nope", None, None).unwrap().status,
        404
    );
}

#[test]
fn writes_need_the_token_when_one_is_set() {
    let s = start(&[("API_TOKEN", "s3cret")]);
    assert_eq!(
        request("PUT", s.port, "/notes/a", Some("x"), None)
            .unwrap()
            .status,
        401
    );
    assert_eq!(
        request("PUT", s.port, "/notes/a", Some("x"), Some("wrong"))
            .unwrap()
            .status,
        401
    );
    assert_eq!(
        request("PUT", s.port, "/notes/a", Some("x"), Some("s3cret"))
            .unwrap()
            .status,
        201
    );
    assert_eq!(
        request("GET", s.port, "/notes/a", None, None)
            .unwrap()
            .status,
        200,
        "reads stay open"
    );
}

#[test]
fn metrics_only_when_switched_on_and_then_valid() {
    let off = start(&[]);
    assert_eq!(
        request("GET", off.port, "/metrics", None, None)
            .unwrap()
            .status,
        404
    );

    let on = start(&[("METRICS", "1")]);
    request("PUT", on.port, "/notes/a", Some("x"), None).unwrap();
    let metrics = request("GET", on.port, "/metrics", None, None).unwrap();
    assert_eq!(metrics.status, 200);
    let exposition = formats::promtext::validate(&metrics.body);
    assert_eq!(exposition.problems, vec![], "{}", metrics.body);
    let names: Vec<&str> = exposition
        .families
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "demo_build_info",
            "demo_http_requests_total",
            "demo_http_request_duration_seconds",
            "demo_notes_stored"
        ]
    );
    assert!(metrics.body.contains("demo_notes_stored 1\n"));
}

#[test]
fn a_missing_setting_is_named_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(link(dir.path()))
        .env_clear()
        .env("PORT", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("DATA_DIR is not set"), "{stderr}");
}
