//! Monitoring facts: metrics in valid Prometheus text format, and a scrape config that
//! actually points at them.

use serde::Deserialize;

use crate::cleanroom::service::{self, cleanroom_params};
use crate::engine::params::StrList;
use crate::engine::rule::{CheckCtx, Outcome, Rule, RuleDef};
use crate::tri;
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
            meaning: "prometheus.yml has a scrape job whose metrics_path and target port match where the service serves metrics",
            remediation: "Add a scrape_configs job with `metrics_path: /metrics` (or leave it out: that is the default) and a target host:port on the service's declared PORT",
            params: &[
                "file: the Prometheus configuration (e.g. \"prometheus.yml\")",
                "metrics_path: where the service serves metrics (default \"/metrics\")",
                "port: the service's port",
                "env_file: without `port`, the participant's env file to read PORT from",
            ],
            check: scrape_config,
        }),
    ]
}

/// Turn a validated exposition into an outcome: the first problem, or missing families.
fn judge(exposition: &Exposition, families: &[&str], file: Option<&str>) -> Outcome {
    let at = |o: Outcome, line: Option<usize>| match file {
        Some(f) => o.at(f, line),
        None => o,
    };
    if let Some(first) = exposition.problems.first() {
        let more = exposition.problems.len() - 1;
        let suffix = if more > 0 {
            format!(" (and {more} more problem(s))")
        } else {
            String::new()
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
    judge(&promtext::validate(&text), &families, Some(file))
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
    #[serde(default)]
    static_configs: Vec<StaticConfig>,
}

#[derive(Deserialize)]
struct StaticConfig {
    #[serde(default)]
    targets: Vec<String>,
}

fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1)
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
    let mut nearest = None;
    for job in &config.scrape_configs {
        let path = job.metrics_path.as_deref().unwrap_or("/metrics");
        let line = line_of(&text, &job.job_name);
        let targets: Vec<&String> = job.static_configs.iter().flat_map(|s| &s.targets).collect();
        let port_ok = targets
            .iter()
            .any(|t| t.rsplit_once(':').is_some_and(|(_, p)| p == port));
        if path == want_path && port_ok {
            return Outcome::pass(format!(
                "job {} scrapes {want_path} on port {port}",
                job.job_name
            ))
            .at(file, line);
        }
        let problem = if path != want_path {
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
        nearest.get_or_insert((problem, line));
    }
    let (problem, line) = nearest.unwrap_or_default();
    Outcome::fail(problem).at(file, line)
}
