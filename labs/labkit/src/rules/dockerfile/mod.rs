//! The DFxxx rules: what hadolint and dockle check, as named rules over the parsed
//! Dockerfile. Rules about what the container runs (USER, CMD, HEALTHCHECK) look at
//! the final stage, following `FROM <earlier stage>` to what it inherits.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

use crate::engine::findings::{Finding, outcome};
use crate::engine::params::StrList;
use crate::engine::rule::{CheckCtx, Outcome, Rule, RuleDef};
use crate::rules::secrets::{is_secret_name, secret_value_kind};
use crate::tri;
use formats::dockerfile::dockerignore::DockerIgnore;
use formats::dockerfile::shell::{Command, Script, never_fails};
use formats::dockerfile::{
    Dockerfile, Instruction, Keyword, ParseError, Stage, expand_vars, parse,
    parse_json_string_array, split_words,
};
use formats::image_ref::{ImageRef, Pinning, is_major_only};

mod add_url;
mod dockerignore;
mod download_execute;
mod exec_form;
mod healthcheck;
mod packages;
mod pinned_bases;
mod pipefail;
mod secrets;
mod user;
mod verification;

const FILE_PARAM: &str = "file: the Dockerfile, relative to the checked directory (default `Dockerfile`, else `Containerfile`)";

pub fn rules() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(RuleDef {
            id: "DF001",
            meaning: "Every base image is pinned: a version tag or a digest, never `latest`, no tag, or a moving tag like `stable`",
            remediation: "Write FROM image:<version> (e.g. debian:12.8-slim), best with a digest: FROM image:<version>@sha256:<digest>",
            params: &[
                FILE_PARAM,
                "require_digest: true to accept only @sha256: digests (default false)",
                "require_minor: true to refuse a tag naming only a major version (`12-slim`, `node:20`), which moves with every point release (default false, as the peers judge)",
            ],
            check: pinned_bases::base_images_pinned,
        }),
        Box::new(RuleDef {
            id: "DF002",
            meaning: "No script is downloaded and executed unverified (`curl … | sh`, `sh -c \"$(wget …)\"`, download then run)",
            remediation: "Install from the distribution's packages, or download a fixed version, check it with sha256sum -c, then run it",
            params: &[FILE_PARAM],
            check: download_execute::no_download_and_execute,
        }),
        Box::new(RuleDef {
            id: "DF003",
            meaning: "ADD does not fetch URLs (unless verified with --checksum)",
            remediation: "Use COPY for local files; for a download use ADD --checksum=sha256:<hash> <url>, or curl + sha256sum -c in a RUN",
            params: &[FILE_PARAM],
            check: add_url::no_add_from_url,
        }),
        Box::new(RuleDef {
            id: "DF004",
            meaning: "No secrets in ENV, ARG, LABEL or RUN: they end up in the image and its history",
            remediation: "Pass secrets at run time (environment, mounted files: DB_PASSWORD_FILE=/run/secrets/db) or at build time with RUN --mount=type=secret",
            params: &[FILE_PARAM],
            check: secrets::no_secrets,
        }),
        Box::new(RuleDef {
            id: "DF005",
            meaning: "The final stage runs as a non-root USER",
            remediation: "Create a user (useradd --system app) and end the final stage with USER app (or a numeric UID), with no USER root after it",
            params: &[FILE_PARAM],
            check: user::non_root_user,
        }),
        Box::new(RuleDef {
            id: "DF006",
            meaning: "CMD and ENTRYPOINT use the exec form, so the service is PID 1 and receives SIGTERM",
            remediation: "Write CMD [\"/usr/local/bin/app\", \"--flag\"] (a JSON array), not CMD app --flag or [\"sh\", \"-c\", …]",
            params: &[FILE_PARAM],
            check: exec_form::exec_form_entrypoint,
        }),
        Box::new(RuleDef {
            id: "DF007",
            meaning: "A .dockerignore keeps .git, .env and secret files out of the build context",
            remediation: "Add a .dockerignore next to the Dockerfile listing .git, .env (and .env.*), keys and secrets",
            params: &[
                FILE_PARAM,
                "context: the build context directory (default: the Dockerfile's directory)",
                "must_exclude: more paths the context must leave out",
            ],
            check: dockerignore::dockerignore_excludes_secrets,
        }),
        Box::new(RuleDef {
            id: "DF008",
            meaning: "The final stage declares a HEALTHCHECK that really probes the service: it can fail, and a URL of the container itself asks a port the image EXPOSEs or sets as PORT",
            remediation: "Add HEALTHCHECK CMD curl -fsS http://localhost:8080/healthz || exit 1 (a command that fails when the service is unhealthy)",
            params: &[FILE_PARAM],
            check: healthcheck::healthcheck_present,
        }),
        Box::new(RuleDef {
            id: "DF009",
            meaning: "No distribution upgrade inside the build (apt-get upgrade, apk upgrade, yum update)",
            remediation: "Drop the upgrade and pick a newer base image tag instead: the build then stays reproducible",
            params: &[FILE_PARAM],
            check: packages::no_upgrade,
        }),
        Box::new(RuleDef {
            id: "DF010",
            meaning: "apt-get install never prompts and skips recommended packages",
            remediation: "Write apt-get install -y --no-install-recommends <packages>",
            params: &[FILE_PARAM],
            check: packages::lean_package_installs,
        }),
        Box::new(RuleDef {
            id: "DF011",
            meaning: "Package indexes and caches are fetched and removed in the same RUN as the install",
            remediation: "RUN apt-get update && apt-get install -y --no-install-recommends … && rm -rf /var/lib/apt/lists/*; apk add --no-cache; pip install --no-cache-dir",
            params: &[FILE_PARAM],
            check: packages::package_caches_cleaned,
        }),
        Box::new(RuleDef {
            id: "DF012",
            meaning: "No install or download switches its checks off (apk --allow-untrusted, apt-get --allow-unauthenticated, curl -k, wget --no-check-certificate)",
            remediation: "Drop the switch and fix the cause: import the repository's signing key, or install ca-certificates",
            params: &[FILE_PARAM],
            check: verification::no_disabled_verification,
        }),
        Box::new(RuleDef {
            id: "DF013",
            meaning: "Each stage has at most one CMD and one ENTRYPOINT: the earlier ones are silently ignored",
            remediation: "Keep only the last CMD and ENTRYPOINT of the stage",
            params: &[FILE_PARAM],
            check: verification::single_cmd_and_entrypoint,
        }),
        Box::new(RuleDef {
            id: "DF014",
            meaning: "A RUN with a pipe fails when any command of the pipe fails, not only the last (`curl … | tar x` with a failed download)",
            remediation: "Put SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"] before the RUN (Debian's /bin/sh has no pipefail), or begin the RUN with set -o pipefail && (Alpine's sh has it)",
            params: &[FILE_PARAM],
            check: pipefail::piped_runs_fail,
        }),
        Box::new(RuleDef {
            id: "DF015",
            meaning: "ADD is used only for what COPY cannot do: unpacking a local archive, or a download pinned with --checksum",
            remediation: "Write COPY <src> <dest> for local files and directories",
            params: &[FILE_PARAM],
            check: add_url::copy_for_local_files,
        }),
    ]
}

/// The parameter every DF rule takes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileParams {
    #[serde(default)]
    file: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PinParams {
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    require_digest: bool,
    #[serde(default)]
    require_minor: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IgnoreParams {
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    context: Option<String>,
    #[serde(default)]
    must_exclude: StrList,
}

/// The Dockerfile named by the `file` parameter, parsed, or the failed outcome that
/// says why not (with the line of a syntax error).
fn load(ctx: &CheckCtx, file: Option<&str>) -> Result<(String, Dockerfile), Outcome> {
    // Podman and Buildah call it Containerfile; take that when there is no Dockerfile.
    let rel = match file {
        Some(file) => file.to_string(),
        None if !ctx.path("Dockerfile").exists() && ctx.path("Containerfile").is_file() => {
            "Containerfile".into()
        }
        None => "Dockerfile".into(),
    };
    let text = ctx.read_text(&rel)?;
    match parse(&text) {
        Ok(df) => Ok((rel, df)),
        Err(ParseError { line, message }) => {
            Err(Outcome::fail(format!("`{rel}` cannot be parsed: {message}")).at(rel, line))
        }
    }
}

/// The final stage and the stages it is built `FROM`, nearest first.
fn final_lineage(df: &Dockerfile) -> Vec<Stage<'_>> {
    let stages = df.stages();
    let mut lineage: Vec<Stage> = Vec::new();
    let mut current = stages.last().cloned();
    while let Some(stage) = current {
        let parent = stages[..stage.index]
            .iter()
            .rev()
            .find(|s| s.name.as_deref() == Some(stage.base.to_ascii_lowercase().as_str()))
            .cloned();
        lineage.push(stage);
        current = parent;
    }
    lineage
}

/// The last `keyword` instruction the final image gets, and the stage it is in.
fn effective<'a>(df: &'a Dockerfile, keyword: Keyword) -> Option<(Stage<'a>, &'a Instruction)> {
    final_lineage(df).into_iter().find_map(|stage| {
        stage
            .body
            .iter()
            .rev()
            .find(|i| i.keyword == keyword)
            .map(|i| (stage.clone(), i))
    })
}

fn final_from_line(df: &Dockerfile) -> Option<usize> {
    df.final_stage().map(|s| s.from.line)
}

/// Every instruction of `keyword`, including those an `ONBUILD` registers: they run
/// in every image built `FROM` this one, so every rule about them applies.
fn all_of(df: &Dockerfile, keyword: Keyword) -> impl Iterator<Item = &Instruction> {
    df.instructions
        .iter()
        .filter_map(move |i| match &i.trigger {
            Some(trigger) if trigger.keyword == keyword => Some(trigger.as_ref()),
            _ => (i.keyword == keyword).then_some(i),
        })
}

fn all_runs(df: &Dockerfile) -> impl Iterator<Item = &Instruction> {
    all_of(df, Keyword::Run)
}

/// Every RUN (those an ONBUILD registers too) with its shell read into commands, and a
/// warning for each RUN whose shell could not be parsed and was read word by word.
fn run_scripts<'a>(rel: &str, df: &'a Dockerfile) -> (Vec<(&'a Instruction, Script)>, Vec<String>) {
    let mut warnings = Vec::new();
    let scripts = all_runs(df)
        .map(|run| {
            let script = run.script(df.escape);
            if let Some(why) = &script.unparsed {
                warnings.push(format!(
                    "{rel}:{}: the shell of this RUN cannot be parsed ({why}), so it was read word by word: commands inside if/for/$(…) may be missed",
                    run.line
                ));
            }
            (run, script)
        })
        .collect();
    (scripts, warnings)
}

const SHELLS: [&str; 6] = ["sh", "bash", "ash", "dash", "zsh", "ksh"];

#[cfg(test)]
mod tests {
    use super::dockerignore::looks_secret;
    use super::download_execute::executed_unverified_download;
    use super::exec_form::wraps_in_shell;
    use formats::dockerfile::shell::commands;

    #[test]
    fn shell_wrappers_are_recognised() {
        let v = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(wraps_in_shell(&v(&["/bin/sh", "-c", "demo-service"])));
        assert!(!wraps_in_shell(&v(&["sh", "-c", "exec demo-service"])));
        assert!(!wraps_in_shell(&v(&[
            "/usr/bin/tini",
            "--",
            "demo-service"
        ])));
    }

    #[test]
    fn downloads_then_runs_are_caught_unless_verified() {
        let cmds = |s: &str| commands(s, '\\');
        assert_eq!(
            executed_unverified_download(&cmds(
                "curl -fsSL -o /tmp/install.sh https://x/install.sh && sh /tmp/install.sh"
            )),
            Some("/tmp/install.sh".into())
        );
        assert!(
            executed_unverified_download(&cmds(
                "wget https://x/agent && chmod +x agent && ./agent"
            ))
            .is_some()
        );
        assert!(
            executed_unverified_download(&cmds(
                "curl -o /tmp/i.sh https://x/i.sh && echo 'abc  /tmp/i.sh' | sha256sum -c - && sh /tmp/i.sh"
            ))
            .is_none()
        );
        assert!(
            executed_unverified_download(&cmds("curl -o /tmp/data.json https://x/data.json"))
                .is_none()
        );
    }

    #[test]
    fn secret_file_names() {
        for name in [
            ".env",
            ".env.local",
            "prod.env",
            "server.key",
            "id_rsa",
            "db-secret.txt",
            ".npmrc",
        ] {
            assert!(looks_secret(name), "{name}");
        }
        for name in [".env.example", "Dockerfile", "README.md", "secrets.example"] {
            assert!(!looks_secret(name), "{name}");
        }
    }
}
