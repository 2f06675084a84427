//! Just enough shell to find the simple commands in a `RUN`: split at unquoted
//! `&&`, `||`, `;`, `|`, `&` and newlines, then into words. Rules ask questions like
//! "is there an `apt-get install` without `--no-install-recommends`?".

use super::words::split_words;

/// Shell reserved words that may stand in front of a simple command.
const RESERVED_WORDS: [&str; 10] = [
    "if", "then", "else", "elif", "do", "while", "until", "!", "{", "time",
];

/// One simple command: its words, quotes removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub words: Vec<String>,
}

impl Command {
    /// The program's name without its directory (`/usr/bin/apt-get` → `apt-get`),
    /// skipping `sudo`, `env` and `VAR=value` prefixes.
    pub fn program(&self) -> Option<&str> {
        self.program_index().map(|i| basename(&self.words[i]))
    }

    /// The words after the program.
    pub fn args(&self) -> &[String] {
        match self.program_index() {
            Some(i) => &self.words[i + 1..],
            None => &[],
        }
    }

    fn program_index(&self) -> Option<usize> {
        self.words.iter().position(|w| {
            let name = basename(w);
            // Reserved words open a compound command: `if apt-get …`, `then curl …`,
            // `do wget …`. The command they lead into is the program.
            !(RESERVED_WORDS.contains(&w.as_str())
                || name == "sudo"
                || name == "env"
                || name == "exec"
                || (w.contains('=') && !w.starts_with('-')))
        })
    }

    pub fn has_arg(&self, arg: &str) -> bool {
        self.args().iter().any(|a| a == arg)
    }

    /// The first argument that is not an option (`apt-get -y install x` → `install`).
    pub fn subcommand(&self) -> Option<&str> {
        self.args()
            .iter()
            .find(|a| !a.starts_with('-'))
            .map(String::as_str)
    }
}

fn basename(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// The simple commands of a shell script, in order.
pub fn commands(script: &str, escape: char) -> Vec<Command> {
    let mut segments = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut chars = script.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                current.push(c);
                if c == q {
                    quote = None;
                } else if c == escape
                    && q == '"'
                    && let Some(next) = chars.next()
                {
                    current.push(next);
                }
            }
            None => match c {
                '\'' | '"' => {
                    quote = Some(c);
                    current.push(c);
                }
                c if c == escape => {
                    current.push(c);
                    if let Some(next) = chars.next() {
                        current.push(next);
                    }
                }
                ';' | '|' | '&' | '\n' | '(' | ')' => segments.push(std::mem::take(&mut current)),
                _ => current.push(c),
            },
        }
    }
    segments.push(current);
    segments
        .into_iter()
        .map(|s| Command {
            words: split_words(&s, escape)
                .into_iter()
                .map(|w| w.text)
                .collect(),
        })
        .filter(|c| !c.words.is_empty())
        .collect()
}

/// Why a health-check command can never fail, if it cannot: it ignores its probe's
/// result (`… || true`) or runs nothing that looks at the service (`exit 0`).
pub fn never_fails(script: &str, escape: char) -> Option<&'static str> {
    let compact = script.split_whitespace().collect::<Vec<_>>().join(" ");
    for tail in ["|| true", "|| exit 0", "|| :", "; exit 0", "; true"] {
        if compact.ends_with(tail) {
            return Some("its last step ignores the probe's result");
        }
    }
    let cmds = commands(script, escape);
    let does_nothing = |c: &Command| {
        matches!(
            c.program(),
            Some("true" | ":" | "echo" | "printf" | "sleep")
        ) || (c.program() == Some("exit") && c.args().first().is_none_or(|a| a == "0"))
    };
    if !cmds.is_empty() && cmds.iter().all(does_nothing) {
        return Some("it runs nothing that looks at the service");
    }
    // `probe || echo unhealthy`: the fallback's status is the check's status.
    if let Some((_, fallback)) = compact.rsplit_once("||") {
        let fallback = commands(fallback, escape);
        if !fallback.is_empty() && fallback.iter().all(does_nothing) {
            return Some("its `||` fallback succeeds whatever the probe found");
        }
    }
    let probes: Vec<&Command> = cmds.iter().filter(|c| !does_nothing(c)).collect();
    if !probes.is_empty()
        && probes
            .iter()
            .all(|c| c.program() == Some("curl") && !curl_fails_on_http_errors(c))
    {
        return Some("curl without -f exits 0 on an HTTP 500");
    }
    if !probes.is_empty()
        && probes
            .iter()
            .all(|c| matches!(c.program(), Some("pidof" | "pgrep")))
    {
        return Some("a running process is not a serving one");
    }
    None
}

/// `-f`, `--fail`, `--fail-with-body`, or `f` inside a cluster of short flags (`-fsS`).
fn curl_fails_on_http_errors(curl: &Command) -> bool {
    curl.args().iter().any(|a| {
        a == "--fail"
            || a == "--fail-with-body"
            || (a.starts_with('-') && !a.starts_with("--") && a[1..].contains('f'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_operators_outside_quotes() {
        let cmds = commands(
            "apt-get update && sudo apt-get -y install curl; echo 'a && b' | tee x\nrm -rf /tmp/*",
            '\\',
        );
        let programs: Vec<&str> = cmds.iter().filter_map(|c| c.program()).collect();
        assert_eq!(programs, ["apt-get", "apt-get", "echo", "tee", "rm"]);
        assert_eq!(cmds[1].subcommand(), Some("install"));
        assert_eq!(cmds[2].args(), ["a && b"]);
    }

    #[test]
    fn skips_env_prefixes() {
        let cmds = commands(
            "DEBIAN_FRONTEND=noninteractive /usr/bin/apt-get install -y x",
            '\\',
        );
        assert_eq!(cmds[0].program(), Some("apt-get"));
        assert!(cmds[0].has_arg("-y"));
    }

    #[test]
    fn healthchecks_that_cannot_fail_are_recognised() {
        for script in [
            "true",
            "exit 0",
            "echo ok",
            "curl -f http://localhost/ || true",
            "curl x || exit 0",
        ] {
            assert!(never_fails(script, '\\').is_some(), "{script}");
        }
        for script in [
            "curl -fsS http://localhost:8080/healthz || exit 1",
            "wget -qO- localhost:8080/healthz",
        ] {
            assert!(never_fails(script, '\\').is_none(), "{script}");
        }
    }
}
