//! A health check judged by what it would do: its command is played against a service
//! that answers 200, one that answers 503 (running but unwell) and one that is stopped
//! (nothing listens), and must succeed only in the first case.
//!
//! The container's own tools are not on this machine (and a checker must not need an
//! engine), so the common probe programs are modelled by their documented exit codes:
//! curl exits 0 on any HTTP answer unless `-f`/`--fail`, and 7 when it cannot connect;
//! wget exits 8 on an error status and 4 on a network failure; `nc -z` only sees whether
//! the port is open. Programs the model does not know are given the benefit of the
//! doubt, except for invocations that only print a version or a help text. Shell
//! operators (`||`, `&&`, `;`, `!`) are followed the way `sh` would. A probe runs inside
//! the container it judges: one that asks another host (`http://app:8080/…` from the
//! proxy) gets that host's answer, so it succeeds while this service is stopped or sick.

/// The states a health check is played against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// `/healthz` answers 200.
    Healthy,
    /// The service runs but answers 503.
    Erroring,
    /// Nothing listens on the port.
    Stopped,
}

impl State {
    fn describe(self) -> &'static str {
        match self {
            State::Healthy => "a healthy service",
            State::Erroring => "a service answering 503",
            State::Stopped => "a stopped service",
        }
    }
}

/// What a command would do in a state: exit status known, or not modelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exit {
    Success,
    Failure,
    Unknown,
}

/// Why a health check cannot do its job, if it cannot: a sentence naming the state in
/// which it reports the wrong thing.
pub fn problem(argv: &HealthTest) -> Option<String> {
    for state in [State::Stopped, State::Erroring] {
        if run(argv, state) == Exit::Success {
            return Some(format!(
                "played against {} it still succeeds{}",
                state.describe(),
                advice(argv, state)
            ));
        }
    }
    if run(argv, State::Healthy) == Exit::Failure {
        return Some("it fails even against a healthy service".to_string());
    }
    None
}

/// A health check's test: an exec-form argument list, or a shell script.
pub enum HealthTest {
    Exec(Vec<String>),
    Shell(String),
}

fn run(test: &HealthTest, state: State) -> Exit {
    match test {
        HealthTest::Exec(words) => simple(words, state),
        HealthTest::Shell(script) => shell(script, state),
    }
}

/// The fix to suggest when a check succeeds in `state`.
fn advice(test: &HealthTest, state: State) -> String {
    let words = match test {
        HealthTest::Exec(words) => words.clone(),
        HealthTest::Shell(script) => shlex::split(script).unwrap_or_default(),
    };
    if let Some(host) = words.iter().find_map(|w| remote_host(w)) {
        return format!(
            ": it asks {host}, another host, whose answer says nothing about this container; ask the service itself on localhost"
        );
    }
    let uses_curl = words.iter().any(|w| program_name(w) == "curl");
    match state {
        State::Erroring if uses_curl => {
            ": curl exits 0 on any HTTP answer, add -f (--fail) so an error status fails the check"
        }
        State::Erroring => ": it does not look at the HTTP status",
        _ if words
            .split_first()
            .is_some_and(|(_, args)| prints_only_version(args)) =>
        {
            ": it only prints a version, it never contacts the service"
        }
        _ => ": it never contacts the service, or ignores the answer",
    }
    .to_string()
}

/// An `http(s)://` URL of a health probe, read by the `http` crate's URI parser (the one
/// ureq uses, so nothing new is linked into the checkers).
pub(crate) struct ProbeUrl {
    pub host: String,
    /// The port written, or the scheme's (80 for http, 443 for https).
    pub port: u16,
}

impl ProbeUrl {
    /// `None` for a word that is not an http(s) URL, or whose port is not a number (such
    /// as `${PORT}`, which follows the image's setting).
    pub(crate) fn parse(word: &str) -> Option<ProbeUrl> {
        let uri: ureq::http::Uri = word.parse().ok()?;
        let default = match uri.scheme_str()?.to_ascii_lowercase().as_str() {
            "http" => 80,
            "https" => 443,
            _ => return None,
        };
        let host = uri
            .host()?
            .trim_matches(|c| c == '[' || c == ']')
            .to_string();
        let port = match uri.port() {
            Some(port) => port.as_u16(),
            None if uri.authority()?.as_str().ends_with(':') => return None,
            None => default,
        };
        Some(ProbeUrl { host, port })
    }

    /// Whether the URL names this container itself: localhost, a loopback or the
    /// unspecified address.
    pub(crate) fn is_local(&self) -> bool {
        let host = self.host.as_str();
        host.eq_ignore_ascii_case("localhost")
            || host.starts_with("127.")
            || matches!(host, "::1" | "0.0.0.0" | "::" | "ip6-localhost")
    }
}

/// The host a probe's URL names when it is not this container itself (`app` in
/// `http://app:8080/healthz`); `None` for a local URL and for a word that is not a URL.
fn remote_host(word: &str) -> Option<String> {
    ProbeUrl::parse(word)
        .filter(|url| !url.is_local())
        .map(|url| url.host)
}

/// `sh -c` semantics for a list of simple commands joined by `;`, `&&`, `||`, `|`, `!`.
fn shell(script: &str, state: State) -> Exit {
    let mut last = Exit::Success;
    for (op, segment) in split_operators(script) {
        let run_it = match op {
            Op::Start | Op::Then => true,
            Op::And => last == Exit::Success,
            Op::Or => last != Exit::Success,
            // A pipeline's status is its last command's; the earlier ones only feed it.
            Op::Pipe => true,
        };
        if !run_it {
            continue;
        }
        let Some(words) = shlex::split(&segment) else {
            return Exit::Unknown;
        };
        let (negate, words) = match words.split_first() {
            Some((bang, rest)) if bang == "!" => (true, rest.to_vec()),
            _ => (false, words),
        };
        let exit = simple(&words, state);
        let exit = match (op, exit) {
            // Filtering the output of a probe: without the input, its status is unknown.
            (Op::Pipe, _) => Exit::Unknown,
            (_, e) => e,
        };
        last = match (negate, exit) {
            (true, Exit::Success) => Exit::Failure,
            (true, Exit::Failure) => Exit::Success,
            (_, e) => e,
        };
    }
    last
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Start,
    Then,
    And,
    Or,
    Pipe,
}

/// Splits at unquoted `;`, `&&`, `||`, `|` and newlines, keeping the operator before each
/// segment.
fn split_operators(script: &str) -> Vec<(Op, String)> {
    let mut out = Vec::new();
    let mut op = Op::Start;
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut chars = script.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            current.push(c);
            if c == q {
                quote = None;
            } else if c == '\\' && q == '"' {
                current.extend(chars.next());
            }
            continue;
        }
        let next_op = match c {
            '\'' | '"' => {
                quote = Some(c);
                current.push(c);
                None
            }
            '\\' => {
                current.push(c);
                current.extend(chars.next());
                None
            }
            ';' | '\n' => Some(Op::Then),
            '&' if chars.peek() == Some(&'&') => {
                chars.next();
                Some(Op::And)
            }
            '|' if chars.peek() == Some(&'|') => {
                chars.next();
                Some(Op::Or)
            }
            '|' => Some(Op::Pipe),
            _ => {
                current.push(c);
                None
            }
        };
        if let Some(next) = next_op {
            if !current.trim().is_empty() {
                out.push((op, std::mem::take(&mut current)));
            }
            current.clear();
            op = next;
        }
    }
    if !current.trim().is_empty() {
        out.push((op, current));
    }
    out
}

fn program_name(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// Arguments that make a program print its version or help and exit 0: `--version`
/// and `--help` anywhere; `-V`, `-h`, `version` or `help` only alone, because many
/// probes take `-h` for the host (`mysqladmin ping -h 127.0.0.1`, `pg_isready -h db`,
/// `redis-cli -h cache ping`).
fn prints_only_version(args: &[String]) -> bool {
    args.iter().any(|a| a == "--version" || a == "--help")
        || matches!(args, [only] if matches!(only.as_str(), "-V" | "version" | "-h" | "help"))
}

/// One simple command, modelled.
fn simple(words: &[String], state: State) -> Exit {
    // `VAR=value cmd`, `exec cmd`, `sh -c 'script'`.
    let start = words
        .iter()
        .position(|w| !(w == "exec" || (w.contains('=') && !w.starts_with('-'))));
    let Some(start) = start else {
        return Exit::Success;
    };
    let words = &words[start..];
    let program = program_name(&words[0]);
    let args = &words[1..];
    if matches!(program, "sh" | "bash" | "dash" | "ash")
        && let Some(i) = args.iter().position(|a| a == "-c")
        && let Some(script) = args.get(i + 1)
    {
        return shell(script, state);
    }
    match program {
        "true" | ":" | "echo" | "printf" | "sleep" => Exit::Success,
        "false" => Exit::Failure,
        "exit" => match args.first().map(String::as_str) {
            None | Some("0") => Exit::Success,
            Some(_) => Exit::Failure,
        },
        _ if prints_only_version(args) => Exit::Success,
        // Another host answers for itself, whatever state this service is in.
        "curl" | "wget" if args.iter().any(|a| remote_host(a).is_some()) => Exit::Success,
        "curl" => curl(args, state),
        "wget" => match state {
            State::Healthy => Exit::Success,
            State::Erroring | State::Stopped => Exit::Failure,
        },
        "nc" | "ncat" | "netcat" => match state {
            State::Stopped => Exit::Failure,
            _ => Exit::Success,
        },
        _ => Exit::Unknown,
    }
}

fn curl(args: &[String], state: State) -> Exit {
    let fails_on_error = args.iter().any(|a| {
        a == "--fail"
            || a == "--fail-with-body"
            || (a.starts_with('-') && !a.starts_with("--") && a[1..].contains('f'))
    });
    match state {
        State::Healthy => Exit::Success,
        State::Stopped => Exit::Failure,
        State::Erroring if fails_on_error => Exit::Failure,
        State::Erroring => Exit::Success,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exec(words: &[&str]) -> HealthTest {
        HealthTest::Exec(words.iter().map(|w| w.to_string()).collect())
    }

    #[test]
    fn checks_that_fail_when_they_should_pass() {
        for test in [
            exec(&["curl", "-fsS", "http://localhost:8080/healthz"]),
            exec(&[
                "curl",
                "--fail",
                "--silent",
                "http://localhost:8080/healthz",
            ]),
            exec(&["wget", "-qO-", "http://localhost:80/healthz"]),
            HealthTest::Shell("curl -f http://localhost:8080/healthz || exit 1".into()),
            HealthTest::Shell("wget --spider -q http://127.0.0.1/healthz || exit 1".into()),
            HealthTest::Shell("sh -c 'curl -sf localhost:8080/healthz'".into()),
            exec(&["/app/healthcheck"]),
            // -h is the host here, not help: mysqladmin ping exits 1 when it cannot
            // reach the server (and 0 when it answers, even "Access denied").
            HealthTest::Shell(
                "mysqladmin ping -h 127.0.0.1 --password=\"$(cat /run/secrets/db-password)\" --silent"
                    .into(),
            ),
            exec(&["pg_isready", "-h", "localhost", "-U", "postgres"]),
        ] {
            assert_eq!(problem(&test), None);
        }
    }

    #[test]
    fn a_probe_of_another_host_cannot_judge_this_one() {
        let other = problem(&exec(&["wget", "-qO-", "http://app:8080/healthz"])).unwrap();
        assert!(other.contains("stopped service"), "{other}");
        assert!(other.contains("it asks app, another host"), "{other}");
        for local in [
            "http://localhost:80/healthz",
            "http://127.0.0.1:8080/healthz",
            "http://[::1]:8080/healthz",
        ] {
            assert_eq!(problem(&exec(&["curl", "-f", local])), None, "{local}");
        }
    }

    #[test]
    fn checks_that_cannot_fail_are_named_with_the_state() {
        let no_f = problem(&exec(&["curl", "-s", "http://localhost:8080/healthz"])).unwrap();
        assert!(
            no_f.contains("answering 503") && no_f.contains("-f"),
            "{no_f}"
        );
        let version = problem(&exec(&["caddy", "version"])).unwrap();
        assert!(
            version.contains("stopped") && version.contains("version"),
            "{version}"
        );
        for script in [
            "curl -f http://localhost:8080/healthz || true",
            "curl -f http://localhost:8080/healthz; exit 0",
            "echo ok",
            "nc -z localhost 8080",
            "! false",
        ] {
            assert!(
                problem(&HealthTest::Shell(script.into())).is_some(),
                "{script}"
            );
        }
    }
}
