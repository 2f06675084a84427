//! Monitoring facts: metrics in valid Prometheus text format, and a scrape config that
//! actually points at them.

use serde::Deserialize;

use crate::cleanroom::service::{self, cleanroom_params};
use crate::engine::params::StrList;
use crate::engine::rule::{CheckCtx, Outcome, Rule, RuleDef};
use crate::tri;
use formats::LineError;
use formats::dotenv;
use formats::promtext::{self, Exposition};

pub fn rules() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(RuleDef {
            id: "PROM001",
            meaning: "Started in a clean room, the service answers GET /metrics with 200 and valid Prometheus text containing the expected metric families",
            remediation: "Switch metrics on through the service's declared configuration (for the demo service: METRICS=1) and keep the endpoint on the port Prometheus scrapes",
            params: &[
                service::CLEANROOM_PARAMS_LINE,
                "path: the metrics path (default \"/metrics\")",
                "families: metric families that must have samples",
            ],
            check: serves_metrics,
        }),
        Box::new(RuleDef {
            id: "PROM002",
            meaning: "A metrics file in Prometheus text format is valid: HELP/TYPE, grouped families, escaped label values, histogram +Inf bucket equal to _count",
            remediation: "Fix the line named in the message; one bad line makes Prometheus drop the whole file",
            params: &[
                "file: the .prom file",
                "families: metric families that must have samples",
            ],
            check: valid_text_file,
        }),
        Box::new(RuleDef {
            id: "PROM003",
            meaning: "prometheus.yml has a scrape job whose scheme, metrics_path and target port match where and how the service serves metrics",
            remediation: "Add a scrape_configs job with `metrics_path: /metrics` (or leave it out: that is the default), the scheme the service speaks (`http`, the default) and a target host:port on the service's declared PORT",
            params: &[
                "file: the Prometheus configuration (e.g. \"prometheus.yml\")",
                "metrics_path: where the service serves metrics (default \"/metrics\")",
                "scheme: what the service speaks, http or https (default \"http\")",
                "port: the service's port",
                "env_file: without `port`, the participant's env file to read PORT from",
            ],
            check: scrape_config,
        }),
    ]
}

/// Turn a validated exposition into an outcome: the first problem, or missing families.
/// How many further problems a failure lists after the first.
const MAX_LISTED: usize = 9;

/// What node_exporter's textfile collector refuses on top of the text format: it parses
/// with the strict exposition parser (a `\r` before the newline becomes part of the value)
/// and it skips a whole file whose samples carry their own timestamps.
fn textfile_problems(text: &str) -> Vec<LineError> {
    let mut problems = Vec::new();
    let crlf: Vec<usize> = text
        .split_inclusive('\n')
        .enumerate()
        .filter(|(_, l)| l.ends_with("\r\n") || l.ends_with('\r'))
        .map(|(i, _)| i + 1)
        .collect();
    if let Some(first) = crlf.first() {
        problems.push(LineError {
            line: Some(*first),
            message: format!(
                "{} line(s) end with Windows line endings (CRLF): node_exporter reads the \\r as part of the value and drops the whole file; save it with LF endings (`sed -i 's/\\r$//' FILE`)",
                crlf.len()
            ),
        });
    }
    for (index, line) in text.lines().enumerate() {
        let line_text = line.trim();
        if line_text.is_empty() || line_text.starts_with('#') {
            continue;
        }
        // After the labels (which may hold spaces inside quotes): value, then timestamp.
        let after_labels = match line_text.rfind('}') {
            Some(end) => &line_text[end + 1..],
            None => line_text
                .split_once([' ', '\t'])
                .map_or("", |(_, rest)| rest),
        };
        if after_labels.split_whitespace().count() >= 2 {
            problems.push(LineError {
                line: Some(index + 1),
                message: "the sample carries a timestamp: node_exporter's textfile collector refuses client-side timestamps and skips the whole file; drop it (the scrape time is used)".into(),
            });
        }
    }
    problems
}

fn judge(exposition: &Exposition, families: &[&str], file: Option<&str>) -> Outcome {
    let at = |o: Outcome, line: Option<usize>| match file {
        Some(f) => o.at(f, line),
        None => o,
    };
    if let Some(first) = exposition.problems.first() {
        // Every problem at once, so a fix is not followed by the next line's complaint.
        let shown: Vec<String> = exposition.problems[1..]
            .iter()
            .take(MAX_LISTED)
            .map(|p| match p.line {
                Some(line) => format!("line {line}: {}", p.message),
                None => p.message.clone(),
            })
            .collect();
        let hidden = exposition.problems.len().saturating_sub(1 + MAX_LISTED);
        let suffix = match (shown.is_empty(), hidden) {
            (true, _) => String::new(),
            (false, 0) => format!(" (also {})", shown.join("; ")),
            (false, n) => format!(" (also {}; and {n} more)", shown.join("; ")),
        };
        let line_note = match (file, first.line) {
            (None, Some(line)) => format!("line {line}: "),
            _ => String::new(),
        };
        return at(
            Outcome::fail(format!(
                "invalid Prometheus text: {line_note}{}{suffix}",
                first.message
            )),
            first.line,
        );
    }
    let missing: Vec<&str> = families
        .iter()
        .copied()
        .filter(|f| {
            !exposition
                .families
                .iter()
                .any(|fam| fam.name == *f && fam.samples > 0)
        })
        .collect();
    if !missing.is_empty() {
        return at(
            Outcome::fail(format!("no samples for {}", missing.join(", "))),
            None,
        );
    }
    at(
        Outcome::pass(format!(
            "valid Prometheus text, {} metric families",
            exposition.families.len()
        )),
        None,
    )
}

cleanroom_params! {
    service struct ServeParams {
        #[serde(default)]
        path: Option<String>,
        #[serde(default)]
        families: StrList,
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TextFileParams {
    file: String,
    #[serde(default)]
    families: StrList,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScrapeParams {
    file: String,
    #[serde(default)]
    metrics_path: Option<String>,
    #[serde(default)]
    scheme: Option<String>,
    #[serde(default)]
    port: Option<u16>,
    #[serde(default)]
    env_file: Option<String>,
}

/// PROM001: the running service serves valid metrics.
fn serves_metrics(ctx: &CheckCtx, p: &ServeParams) -> Outcome {
    let path = p.path.as_deref().unwrap_or("/metrics");
    let families = p.families.to_strs();
    let mut room = tri!(service::start(
        ctx,
        &p.room(),
        &p.command,
        p.startup_seconds
    ));
    // One request first, so request counters and histograms have something to show.
    let _ = room.get("/healthz");
    let answer = tri!(room.get(path));
    room.stop();
    if answer.status != 200 {
        return Outcome::fail(format!(
            "GET {path} answered {}: metrics are not switched on",
            answer.status
        ));
    }
    judge(&promtext::validate(&answer.body), &families, None)
}

/// PROM002: a metrics file (e.g. for node_exporter's textfile collector) is valid.
fn valid_text_file(ctx: &CheckCtx, p: &TextFileParams) -> Outcome {
    let file = p.file.as_str();
    let families = p.families.to_strs();
    let text = tri!(ctx.read_text(file));
    let mut exposition = promtext::validate(&text);
    let collector = textfile_problems(&text);
    if !collector.is_empty() {
        // The collector's own refusals come first: the parser's complaints about the
        // same lines (a value of "6\r") follow from them.
        let lines: Vec<Option<usize>> = collector.iter().map(|p| p.line).collect();
        exposition
            .problems
            .retain(|p| !lines.contains(&p.line) && !text.contains('\r'));
        exposition.problems.splice(0..0, collector);
    }
    judge(&exposition, &families, Some(file))
}

#[derive(Deserialize, Default)]
struct PromConfig {
    #[serde(default)]
    scrape_configs: Vec<Scrape>,
}

#[derive(Deserialize)]
struct Scrape {
    job_name: String,
    metrics_path: Option<String>,
    /// `http` when left out, as in Prometheus.
    scheme: Option<String>,
    #[serde(default)]
    static_configs: Vec<StaticConfig>,
}

#[derive(Deserialize)]
struct StaticConfig {
    #[serde(default)]
    targets: Vec<String>,
}

/// The line of `job_name: <name>` (quoted or not).
fn job_line(text: &str, name: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim_start().trim_start_matches("- ").trim();
            l.strip_prefix("job_name:")
                .map(|v| v.trim().trim_matches(|c| c == '\'' || c == '"'))
                == Some(name)
        })
        .map(|i| i + 1)
}

/// The port the service listens on, from the lab (`port`) or the participant's env file.
fn expected_port(ctx: &CheckCtx, p: &ScrapeParams) -> Result<String, Outcome> {
    if let Some(port) = p.port {
        return Ok(port.to_string());
    }
    let Some(env_file) = p.env_file.as_deref() else {
        return Err(Outcome::fail(format!(
            "lab.toml: check \"{}\" needs parameter `port` or `env_file`",
            ctx.check_name
        ))
        .at("lab.toml", None));
    };
    let text = ctx.read_text(env_file)?;
    let vars = dotenv::parse(&text).map_err(|e| Outcome::fail(e.message).at(env_file, e.line))?;
    vars.into_iter()
        .find(|v| v.key == "PORT")
        .map(|v| v.value)
        .ok_or_else(|| Outcome::fail("PORT is not declared").at(env_file, None))
}

/// PROM003: Prometheus is told to scrape the service where it serves metrics.
fn scrape_config(ctx: &CheckCtx, p: &ScrapeParams) -> Outcome {
    let file = p.file.as_str();
    let want_path = p.metrics_path.as_deref().unwrap_or("/metrics");
    let want_scheme = p.scheme.as_deref().unwrap_or("http");
    let text = tri!(ctx.read_text(file));
    let config: PromConfig = match serde_saphyr::from_str(&text) {
        Ok(config) => config,
        Err(e) => {
            let line = e.location().map(|l| l.line() as usize);
            return Outcome::fail(format!("not a valid Prometheus configuration: {e}"))
                .at(file, line);
        }
    };
    let port = tri!(expected_port(ctx, p));
    if config.scrape_configs.is_empty() {
        return Outcome::fail("no scrape_configs: Prometheus scrapes nothing").at(file, None);
    }
    let mut problems: Vec<(String, Option<usize>)> = Vec::new();
    for job in &config.scrape_configs {
        let path = job.metrics_path.as_deref().unwrap_or("/metrics");
        let scheme = job.scheme.as_deref().unwrap_or("http");
        let line = job_line(&text, &job.job_name);
        let targets: Vec<&String> = job.static_configs.iter().flat_map(|s| &s.targets).collect();
        let port_ok = targets
            .iter()
            .any(|t| t.rsplit_once(':').is_some_and(|(_, p)| p == port));
        // A job on the right port and path that speaks TLS to a plain-HTTP service (or
        // the other way round) fails every scrape just the same.
        let scheme_ok = scheme.eq_ignore_ascii_case(want_scheme);
        if path == want_path && port_ok && scheme_ok {
            return Outcome::pass(format!(
                "job {} scrapes {want_path} on port {port}",
                job.job_name
            ))
            .at(file, line);
        }
        let problem = if !scheme_ok {
            format!(
                "job {} scrapes with scheme {scheme}, but the service speaks {want_scheme}",
                job.job_name
            )
        } else if path != want_path {
            format!(
                "job {} scrapes {path}, but the service serves metrics on {want_path}",
                job.job_name
            )
        } else {
            format!(
                "job {} targets {}, but the service listens on port {port}",
                job.job_name,
                targets
                    .iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        problems.push((problem, line));
    }
    // No job scrapes the service. Every job is named: one of them may rightly scrape
    // something else (node_exporter on 9100), and must not be "fixed" into the service.
    let first_line = problems.first().and_then(|(_, line)| *line);
    let listed: Vec<String> = problems
        .iter()
        .map(|(problem, line)| match line {
            Some(line) => format!("line {line}: {problem}"),
            None => problem.clone(),
        })
        .collect();
    Outcome::fail(format!(
        "no scrape job reaches the service's {want_path} on port {port} ({}); fix or add the job for the service, and keep a job that rightly scrapes something else",
        listed.join("; ")
    ))
    .at(file, first_line)
}
