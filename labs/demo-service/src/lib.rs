//! demo-service: the small notes service the devoops labs deploy.
//!
//! Participants never change this code: the labs are about the artifacts around it (start
//! scripts, `.env` files, Dockerfiles, compose files, manifests, resource agents). Everything
//! it needs comes from the environment; see [`config::USAGE`].
//!
//! It is a library as well as a binary so the lab checkers can carry it inside: a checker
//! started under the name `demo-service` runs [`run`], which makes one copied checker binary
//! enough for a participant's laptop.

mod config;
mod metrics;
mod store;

use std::io::Read;
use std::process::ExitCode;
use std::time::Instant;

use config::Config;
use metrics::Metrics;
use store::{Store, valid_key};
use tiny_http::{Header, Method, Request, Response, Server};

/// Largest note accepted, so one request cannot fill the disk.
const MAX_NOTE_BYTES: u64 = 64 * 1024;

/// Run the service: configuration from the environment, serve until killed.
pub fn run() -> ExitCode {
    if std::env::args().any(|a| a == "--help" || a == "-h") {
        println!("{}", config::USAGE);
        return ExitCode::SUCCESS;
    }
    let config = match Config::from_lookup(|k| std::env::var(k).ok()) {
        Ok(config) => config,
        Err(msg) => {
            eprintln!(
                "demo-service: configuration error: {msg} (demo-service --help lists every variable)"
            );
            return ExitCode::from(2);
        }
    };
    let store = match Store::open(&config.data_dir) {
        Ok(store) => store,
        Err(e) => {
            eprintln!(
                "demo-service: cannot use DATA_DIR={}: {e}",
                config.data_dir.display()
            );
            return ExitCode::from(2);
        }
    };
    if config.stop_delay_ms > 0 {
        slow_shutdown(config.stop_delay_ms);
    }
    std::thread::sleep(std::time::Duration::from_millis(config.start_delay_ms));
    let addr = format!("{}:{}", config.bind, config.port);
    let server = match Server::http(&addr) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("demo-service: cannot listen on {addr}: {e}");
            return ExitCode::from(1);
        }
    };
    eprintln!(
        "demo-service: listening on {addr}, data in {}, metrics {}",
        config.data_dir.display(),
        if config.metrics { "on" } else { "off" }
    );
    let mut metrics = Metrics::default();
    for request in server.incoming_requests() {
        let started = Instant::now();
        let method = request.method().to_string();
        let route = route_of(request.url());
        let status = handle(request, &config, &store, &metrics);
        metrics.observe(&method, route, status, started.elapsed().as_secs_f64());
    }
    ExitCode::SUCCESS
}

/// The route template a URL belongs to: metrics label values stay few whatever the URL.
/// On SIGTERM, go on serving for `ms` milliseconds, then exit: a service that finishes
/// its work before it stops. Without it SIGTERM ends the process at once (the default).
#[cfg(not(unix))]
fn slow_shutdown(_ms: u64) {
    eprintln!("demo-service: STOP_DELAY_MS ignored: this system sends no SIGTERM");
}

#[cfg(unix)]
fn slow_shutdown(ms: u64) {
    match signal_hook::iterator::Signals::new([signal_hook::consts::SIGTERM]) {
        Ok(mut signals) => {
            std::thread::spawn(move || {
                if signals.forever().next().is_some() {
                    eprintln!("demo-service: SIGTERM, stopping in {ms} ms");
                    std::thread::sleep(std::time::Duration::from_millis(ms));
                    std::process::exit(0);
                }
            });
        }
        Err(e) => eprintln!("demo-service: STOP_DELAY_MS ignored, no SIGTERM handler: {e}"),
    }
}

fn route_of(url: &str) -> &'static str {
    let path = url.split('?').next().unwrap_or("");
    match path {
        "/healthz" => "/healthz",
        "/metrics" => "/metrics",
        "/notes" => "/notes",
        p if p.starts_with("/notes/") => "/notes/:key",
        _ => "other",
    }
}

fn text(status: u16, body: impl Into<String>) -> Response<std::io::Cursor<Vec<u8>>> {
    let header = Header::from_bytes("Content-Type", "text/plain; charset=utf-8")
        .expect("static header is valid");
    Response::from_string(body.into())
        .with_status_code(status)
        .with_header(header)
}

/// Answer one request and return the status code sent.
fn handle(mut request: Request, config: &Config, store: &Store, metrics: &Metrics) -> u16 {
    let path = request.url().split('?').next().unwrap_or("").to_string();
    let (status, response) = match (request.method(), path.as_str()) {
        (Method::Get, "/healthz") if store.healthy() => (200, text(200, "ok\n")),
        (Method::Get, "/healthz") => (503, text(503, "data directory is not writable\n")),
        (Method::Get, "/metrics") if config.metrics => {
            let notes = store.keys().map(|k| k.len()).unwrap_or(0);
            let header = Header::from_bytes("Content-Type", "text/plain; version=0.0.4")
                .expect("static header is valid");
            (200, text(200, metrics.render(notes)).with_header(header))
        }
        (Method::Get, "/notes") => match store.keys() {
            Ok(keys) => (200, text(200, keys.join("\n") + "\n")),
            Err(e) => (500, text(500, format!("cannot list notes: {e}\n"))),
        },
        (method, p) if p.starts_with("/notes/") => {
            let key = p["/notes/".len()..].to_string();
            let method = method.clone();
            if !valid_key(&key) {
                (
                    400,
                    text(400, "keys are 1-64 letters, digits, '-' or '_'\n"),
                )
            } else if method != Method::Get && !authorised(&request, config) {
                (
                    401,
                    text(401, "missing or wrong 'Authorization: Bearer' token\n"),
                )
            } else {
                note(&mut request, &method, &key, store)
            }
        }
        _ => (404, text(404, "not found\n")),
    };
    if let Err(e) = request.respond(response) {
        eprintln!("demo-service: could not answer {path}: {e}");
    }
    status
}

fn authorised(request: &Request, config: &Config) -> bool {
    let Some(token) = &config.api_token else {
        return true;
    };
    request
        .headers()
        .iter()
        .any(|h| h.field.equiv("Authorization") && h.value.as_str() == format!("Bearer {token}"))
}

fn note(
    request: &mut Request,
    method: &Method,
    key: &str,
    store: &Store,
) -> (u16, Response<std::io::Cursor<Vec<u8>>>) {
    match method {
        Method::Get => match store.get(key) {
            Ok(Some(body)) => (200, Response::from_data(body)),
            Ok(None) => (404, text(404, "no such note\n")),
            Err(e) => (500, text(500, format!("cannot read note: {e}\n"))),
        },
        Method::Put | Method::Post => {
            let mut body = Vec::new();
            let reader = request.as_reader().take(MAX_NOTE_BYTES + 1);
            if let Err(e) = { reader }.read_to_end(&mut body) {
                return (400, text(400, format!("cannot read body: {e}\n")));
            }
            if body.len() as u64 > MAX_NOTE_BYTES {
                return (413, text(413, "notes are at most 64 KiB\n"));
            }
            match store.put(key, &body) {
                Ok(()) => (201, text(201, "stored\n")),
                Err(e) => (500, text(500, format!("cannot store note: {e}\n"))),
            }
        }
        Method::Delete => match store.delete(key) {
            Ok(true) => (204, text(204, "")),
            Ok(false) => (404, text(404, "no such note\n")),
            Err(e) => (500, text(500, format!("cannot delete note: {e}\n"))),
        },
        _ => (405, text(405, "use GET, PUT or DELETE\n")),
    }
}
