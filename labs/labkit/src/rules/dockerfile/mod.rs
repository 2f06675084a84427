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
use formats::dockerfile::shell::{Command, commands, never_fails};
use formats::dockerfile::{
    Dockerfile, Instruction, Keyword, ParseError, Stage, expand_vars, parse,
    parse_json_string_array, split_words,
};
use formats::image_ref::{ImageRef, Pinning};

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
            ],
            check: base_images_pinned,
        }),
        Box::new(RuleDef {
            id: "DF002",
            meaning: "No script is downloaded and executed unverified (`curl … | sh`, `sh -c \"$(wget …)\"`, download then run)",
            remediation: "Install from the distribution's packages, or download a fixed version, check it with sha256sum -c, then run it",
            params: &[FILE_PARAM],
            check: no_download_and_execute,
        }),
        Box::new(RuleDef {
            id: "DF003",
            meaning: "ADD does not fetch URLs (unless verified with --checksum)",
            remediation: "Use COPY for local files; for a download use ADD --checksum=sha256:<hash> <url>, or curl + sha256sum -c in a RUN",
            params: &[FILE_PARAM],
            check: no_add_from_url,
        }),
        Box::new(RuleDef {
            id: "DF004",
            meaning: "No secrets in ENV, ARG, LABEL or RUN: they end up in the image and its history",
            remediation: "Pass secrets at run time (environment, mounted files: DB_PASSWORD_FILE=/run/secrets/db) or at build time with RUN --mount=type=secret",
            params: &[FILE_PARAM],
            check: no_secrets,
        }),
        Box::new(RuleDef {
            id: "DF005",
            meaning: "The final stage runs as a non-root USER",
            remediation: "Create a user (useradd --system app) and end the final stage with USER app (or a numeric UID), with no USER root after it",
            params: &[FILE_PARAM],
            check: non_root_user,
        }),
        Box::new(RuleDef {
            id: "DF006",
            meaning: "CMD and ENTRYPOINT use the exec form, so the service is PID 1 and receives SIGTERM",
            remediation: "Write CMD [\"/usr/local/bin/app\", \"--flag\"] (a JSON array), not CMD app --flag or [\"sh\", \"-c\", …]",
            params: &[FILE_PARAM],
            check: exec_form_entrypoint,
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
            check: dockerignore_excludes_secrets,
        }),
        Box::new(RuleDef {
            id: "DF008",
            meaning: "The final stage declares a HEALTHCHECK that really probes the service",
            remediation: "Add HEALTHCHECK CMD curl -fsS http://localhost:8080/healthz || exit 1 (a command that fails when the service is unhealthy)",
            params: &[FILE_PARAM],
            check: healthcheck_present,
        }),
        Box::new(RuleDef {
            id: "DF009",
            meaning: "No distribution upgrade inside the build (apt-get upgrade, apk upgrade, yum update)",
            remediation: "Drop the upgrade and pick a newer base image tag instead: the build then stays reproducible",
            params: &[FILE_PARAM],
            check: no_upgrade,
        }),
        Box::new(RuleDef {
            id: "DF010",
            meaning: "apt-get install never prompts and skips recommended packages",
            remediation: "Write apt-get install -y --no-install-recommends <packages>",
            params: &[FILE_PARAM],
            check: lean_package_installs,
        }),
        Box::new(RuleDef {
            id: "DF011",
            meaning: "Package indexes and caches are fetched and removed in the same RUN as the install",
            remediation: "RUN apt-get update && apt-get install -y --no-install-recommends … && rm -rf /var/lib/apt/lists/*; apk add --no-cache; pip install --no-cache-dir",
            params: &[FILE_PARAM],
            check: package_caches_cleaned,
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

fn all_runs(df: &Dockerfile) -> impl Iterator<Item = &Instruction> {
    df.instructions.iter().filter(|i| i.keyword == Keyword::Run)
}

// ---------------------------------------------------------------- DF001

fn base_images_pinned(ctx: &CheckCtx, p: &PinParams) -> Outcome {
    let (rel, df) = tri!(load(ctx, p.file.as_deref()));
    let require_digest = p.require_digest;
    let mut findings = Vec::new();
    let mut notes = Vec::new();
    for stage in df.stages() {
        if df.is_stage_reference(&stage) || stage.base.eq_ignore_ascii_case("scratch") {
            continue;
        }
        let line = Some(stage.from.line);
        let Some(base) = df.resolved_base(&stage) else {
            findings.push(Finding::new(
                &rel,
                line,
                format!("FROM {} uses a build argument without a default: the base is whatever the build passes", stage.base),
            ));
            continue;
        };
        let pinning = Pinning::of(&ImageRef::parse(&base));
        let acceptable = match pinning {
            Pinning::Digest => true,
            Pinning::VersionTag(_) => !require_digest,
            _ => false,
        };
        if acceptable {
            notes.push(pinning.describe(&base));
        } else if matches!(pinning, Pinning::VersionTag(_)) {
            findings.push(Finding::new(
                &rel,
                line,
                format!("`{base}` is pinned by tag only; this lab asks for a digest"),
            ));
        } else {
            findings.push(Finding::new(&rel, line, pinning.describe(&base)));
        }
    }
    outcome(
        &rel,
        findings,
        format!("base images pinned: {}", notes.join("; ")),
    )
}

// ---------------------------------------------------------------- DF002

const INTERPRETERS: &str = r"(?:sh|bash|zsh|ksh|dash|ash|python[0-9.]*|perl|ruby|node)";

static PIPE_TO_SHELL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"\b(?:curl|wget|fetch)\b[^|;&\n]*\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:env\s+(?:\S+=\S*\s+)*)?(?:\S*/)?{INTERPRETERS}\b"
    ))
    .expect("valid regex")
});

static SUBSTITUTED_DOWNLOAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r#"(?:\b(?:{INTERPRETERS}|eval|source)|(?:^|[\s;&|])\.)\s+(?:-\S+\s+)*["']?(?:\$\(|<\(|`)\s*(?:curl|wget)\b"#
    ))
    .expect("valid regex")
});

static INTERPRETER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("^{INTERPRETERS}$")).expect("valid regex"));

const VERIFIERS: [&str; 7] = [
    "sha256sum",
    "sha512sum",
    "shasum",
    "gpg",
    "gpgv",
    "cosign",
    "minisign",
];

fn no_download_and_execute(ctx: &CheckCtx, p: &FileParams) -> Outcome {
    let (rel, df) = tri!(load(ctx, p.file.as_deref()));
    let mut findings = Vec::new();
    for run in all_runs(&df) {
        let text = run.command_text();
        let line = Some(run.line);
        if let Some(m) = PIPE_TO_SHELL.find(&text) {
            findings.push(Finding::new(
                &rel,
                line,
                format!(
                    "`{}` runs whatever the server sends today, unverified",
                    m.as_str().trim()
                ),
            ));
        } else if let Some(m) = SUBSTITUTED_DOWNLOAD.find(&text) {
            findings.push(Finding::new(
                &rel,
                line,
                format!(
                    "`{}…` executes a download without checking it",
                    m.as_str().trim()
                ),
            ));
        } else if let Some(file) = executed_unverified_download(&commands(&text, df.escape)) {
            findings.push(Finding::new(
                &rel,
                line,
                format!(
                    "`{file}` is downloaded and executed without a checksum or signature check: same as curl | sh"
                ),
            ));
        }
    }
    outcome(&rel, findings, "no RUN executes an unverified download")
}

/// A file fetched by curl/wget and then run (or made executable) in the same RUN,
/// with no checksum or signature verification anywhere in it.
fn executed_unverified_download(cmds: &[Command]) -> Option<String> {
    if cmds
        .iter()
        .any(|c| c.program().is_some_and(|p| VERIFIERS.contains(&p)))
    {
        return None;
    }
    let downloads: Vec<String> = cmds.iter().filter_map(download_target).collect();
    downloads.into_iter().find(|file| {
        let name = file.rsplit('/').next().unwrap_or(file);
        let same = |word: &str| !name.is_empty() && word.rsplit('/').next() == Some(name);
        cmds.iter().any(|c| {
            let program = c.program().unwrap_or("");
            let interpreted =
                INTERPRETER.is_match(program) || program == "source" || program == ".";
            same(program)
                || (interpreted
                    && c.args()
                        .iter()
                        .find(|a| !a.starts_with('-'))
                        .is_some_and(|a| same(a)))
                || (program == "chmod" && c.args().iter().any(|a| same(a)))
        })
    })
}

/// Where a curl or wget command saves what it fetches.
fn download_target(cmd: &Command) -> Option<String> {
    let program = cmd.program()?;
    let args = cmd.args();
    let url_name = || {
        args.iter()
            .find(|a| a.contains("://"))
            .and_then(|u| u.trim_end_matches('/').rsplit('/').next())
            .map(str::to_string)
    };
    let option_value = |names: &[&str]| {
        args.iter().enumerate().find_map(|(i, a)| {
            names.iter().find_map(|n| {
                if a == n {
                    args.get(i + 1).cloned()
                } else {
                    a.strip_prefix(&format!("{n}=")).map(str::to_string)
                }
            })
        })
    };
    match program {
        "curl" => option_value(&["-o", "--output"]).or_else(|| {
            args.iter()
                .any(|a| a == "-O" || a == "--remote-name")
                .then(url_name)
                .flatten()
        }),
        "wget" => match option_value(&["-O", "--output-document"]) {
            Some(target) if target == "-" => None,
            Some(target) => Some(target),
            None => url_name(),
        },
        _ => None,
    }
}

// ---------------------------------------------------------------- DF003

fn no_add_from_url(ctx: &CheckCtx, p: &FileParams) -> Outcome {
    let (rel, df) = tri!(load(ctx, p.file.as_deref()));
    let mut findings = Vec::new();
    for add in df.instructions.iter().filter(|i| i.keyword == Keyword::Add) {
        let words: Vec<String> = match &add.exec {
            Some(items) => items.clone(),
            None => split_words(&add.args, df.escape)
                .into_iter()
                .map(|w| w.text)
                .collect(),
        };
        let sources = &words[..words.len().saturating_sub(1)];
        let verified = add
            .flag("checksum")
            .and_then(|f| f.value.as_deref())
            .is_some_and(|v| v.starts_with("sha256:"));
        for source in sources.iter().filter(|s| is_remote(s)) {
            if !verified {
                findings.push(Finding::new(
                    &rel,
                    Some(add.line),
                    format!("ADD {source} downloads at build time with no check of what arrives"),
                ));
            }
        }
    }
    outcome(&rel, findings, "no ADD fetches an unverified URL")
}

fn is_remote(source: &str) -> bool {
    ["http://", "https://", "git@", "git://", "ssh://"]
        .iter()
        .any(|p| source.starts_with(p))
}

// ---------------------------------------------------------------- DF004

fn no_secrets(ctx: &CheckCtx, p: &FileParams) -> Outcome {
    let (rel, df) = tri!(load(ctx, p.file.as_deref()));
    let mut findings = Vec::new();
    for instr in &df.instructions {
        let line = Some(instr.line);
        match instr.keyword {
            Keyword::Env | Keyword::Arg | Keyword::Label => {
                for kv in instr.key_values(df.escape) {
                    let value = kv.value.as_deref().unwrap_or("");
                    let keyword = instr.keyword.as_str();
                    if let Some(kind) = secret_value_kind(value) {
                        findings.push(Finding::new(
                            &rel,
                            line,
                            format!("{keyword} {} holds {kind}", kv.key),
                        ));
                    } else if is_secret_name(&kv.key) && instr.keyword == Keyword::Arg {
                        findings.push(Finding::new(
                            &rel,
                            line,
                            format!("ARG {} passes a secret as a build argument: build arguments are kept in the image history", kv.key),
                        ));
                    } else if is_secret_name(&kv.key)
                        && !value.is_empty()
                        && instr.keyword == Keyword::Env
                    {
                        findings.push(Finding::new(
                            &rel,
                            line,
                            format!("ENV {} bakes a secret into the image: `docker inspect` shows it to anyone who can pull", kv.key),
                        ));
                    }
                }
            }
            Keyword::Run => {
                if let Some(kind) = secret_value_kind(&instr.command_text()) {
                    findings.push(Finding::new(
                        &rel,
                        line,
                        format!("RUN contains {kind}: it stays in the layer history"),
                    ));
                }
            }
            _ => {}
        }
    }
    outcome(&rel, findings, "no secrets in ENV, ARG, LABEL or RUN")
}

// ---------------------------------------------------------------- DF005

fn non_root_user(ctx: &CheckCtx, p: &FileParams) -> Outcome {
    let (rel, df) = tri!(load(ctx, p.file.as_deref()));
    let Some((stage, user)) = effective(&df, Keyword::User) else {
        return Outcome::fail("the final stage never sets USER, so the container runs as root")
            .at(rel, final_from_line(&df));
    };
    let vars = df.variables_before(&stage, user);
    let lookup = |name: &str| {
        vars.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let Some(value) = expand_vars(user.args.trim(), &lookup) else {
        return Outcome::fail(format!(
            "USER {} uses a variable with no value here: write the user literally",
            user.args.trim()
        ))
        .at(rel, Some(user.line));
    };
    let name = value.split(':').next().unwrap_or("").trim();
    if name == "root" || name == "0" {
        let earlier = stage
            .body
            .iter()
            .filter(|i| i.keyword == Keyword::User && i.line < user.line)
            .any(|i| !matches!(i.args.split(':').next().map(str::trim), Some("root" | "0")));
        let why = if earlier {
            " (it switches back to root after a non-root USER)"
        } else {
            ""
        };
        return Outcome::fail(format!("the final image runs as `{value}`{why}"))
            .at(rel, Some(user.line));
    }
    Outcome::pass(format!("the final image runs as `{value}`")).at(rel, Some(user.line))
}

// ---------------------------------------------------------------- DF006

const SHELLS: [&str; 6] = ["sh", "bash", "ash", "dash", "zsh", "ksh"];

fn exec_form_entrypoint(ctx: &CheckCtx, p: &FileParams) -> Outcome {
    let (rel, df) = tri!(load(ctx, p.file.as_deref()));
    let found: Vec<&Instruction> = [Keyword::Entrypoint, Keyword::Cmd]
        .into_iter()
        .filter_map(|k| effective(&df, k).map(|(_, i)| i))
        .collect();
    if found.is_empty() {
        return Outcome::fail("the final stage has neither CMD nor ENTRYPOINT: what runs is whatever the base image says")
            .at(rel, final_from_line(&df));
    }
    let mut findings = Vec::new();
    for instr in found {
        let keyword = instr.keyword.as_str();
        match &instr.exec {
            None => findings.push(Finding::new(
                &rel,
                Some(instr.line),
                format!(
                    "{keyword} {} is shell form: /bin/sh becomes PID 1 and the service never sees SIGTERM",
                    instr.args
                ),
            )),
            Some(items) if wraps_in_shell(items) => findings.push(Finding::new(
                &rel,
                Some(instr.line),
                format!("{keyword} starts a shell ({}): same as shell form unless the script ends in `exec`", items.join(" ")),
            )),
            Some(_) => {}
        }
    }
    outcome(&rel, findings, "CMD/ENTRYPOINT use the exec form")
}

/// `["sh", "-c", "app"]`: a shell as PID 1, unless the script hands over with `exec`.
fn wraps_in_shell(items: &[String]) -> bool {
    let Some(program) = items.first() else {
        return false;
    };
    let program = program.rsplit('/').next().unwrap_or(program);
    if !SHELLS.contains(&program) {
        return false;
    }
    match items
        .iter()
        .position(|a| a.starts_with('-') && a.contains('c'))
    {
        Some(i) => !items
            .get(i + 1)
            .is_some_and(|script| script.trim_start().starts_with("exec ")),
        None => true,
    }
}

// ---------------------------------------------------------------- DF007

/// Files that must never reach a build context, wherever they are in it.
fn looks_secret(file_name: &str) -> bool {
    let lower = file_name.to_ascii_lowercase();
    let is_example = [".example", ".sample", ".template", ".dist"]
        .iter()
        .any(|s| lower.ends_with(s));
    let env_file =
        (lower == ".env" || lower.starts_with(".env.") || lower.ends_with(".env")) && !is_example;
    let key_file = [".pem", ".key", ".p12", ".pfx", ".jks"]
        .iter()
        .any(|s| lower.ends_with(s));
    let named = [
        "id_rsa",
        "id_ed25519",
        "id_ecdsa",
        ".npmrc",
        ".netrc",
        ".pypirc",
        "credentials",
        ".htpasswd",
    ]
    .iter()
    .any(|n| lower.starts_with(n));
    env_file || key_file || named || (lower.contains("secret") && !is_example)
}

fn dockerignore_excludes_secrets(ctx: &CheckCtx, p: &IgnoreParams) -> Outcome {
    let (rel, _df) = tri!(load(ctx, p.file.as_deref()));
    let default_context = Path::new(&rel)
        .parent()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let context = p.context.clone().unwrap_or(default_context);
    let join = |name: &str| {
        if context.is_empty() {
            name.to_string()
        } else {
            format!("{context}/{name}")
        }
    };
    let candidates = [join(".dockerignore"), format!("{rel}.dockerignore")];
    let Some(ignore_rel) = candidates.iter().find(|c| ctx.path(c).is_file()) else {
        return Outcome::fail(format!(
            "there is no `{}`: `COPY . …` sends everything, .git and .env included, into the build",
            candidates[0]
        ))
        .at(candidates[0].clone(), None);
    };
    let ignore = DockerIgnore::parse(&tri!(ctx.read_text(ignore_rel)));
    let mut required: Vec<String> = vec![".git".into(), ".env".into()];
    required.extend(p.must_exclude.0.iter().cloned());
    let mut found = Vec::new();
    collect_secret_files(&ctx.path(&context), "", 0, &mut found);
    for f in found {
        if !required.contains(&f) {
            required.push(f);
        }
    }
    let findings: Vec<Finding> = required
        .iter()
        .filter_map(|path| match ignore.decision(path) {
            (true, _) => None,
            (false, None) => Some(Finding::new(
                ignore_rel,
                None,
                format!("`{path}` is not excluded: it would be sent into the build context"),
            )),
            (false, Some(line)) => Some(Finding::new(
                ignore_rel,
                Some(line),
                format!("`{path}` is re-included here: it would be sent into the build context"),
            )),
        })
        .collect();
    outcome(
        ignore_rel,
        findings,
        format!("{ignore_rel} excludes {}", required.join(", ")),
    )
}

/// Secret-looking files under `dir`, as context-relative paths (bounded depth; .git skipped).
fn collect_secret_files(dir: &Path, prefix: &str, depth: usize, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if name == ".git" {
            continue;
        }
        if looks_secret(&name) {
            out.push(rel);
        } else if is_dir && depth < 4 {
            collect_secret_files(&entry.path(), &rel, depth + 1, out);
        }
    }
}

// ---------------------------------------------------------------- DF008

fn healthcheck_present(ctx: &CheckCtx, p: &FileParams) -> Outcome {
    let (rel, df) = tri!(load(ctx, p.file.as_deref()));
    let Some((_, check)) = effective(&df, Keyword::Healthcheck) else {
        return Outcome::fail(
            "the final stage has no HEALTHCHECK: nothing notices when the service hangs",
        )
        .at(rel, final_from_line(&df));
    };
    let line = Some(check.line);
    let args = check.args.trim();
    let (first, rest) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
    if first.eq_ignore_ascii_case("NONE") {
        return Outcome::fail("HEALTHCHECK NONE switches the health check off").at(rel, line);
    }
    let rest = rest.trim();
    let script = match parse_json_string_array(rest) {
        Some(items) => exec_script(&items),
        None => rest.to_string(),
    };
    match never_fails(&script, df.escape) {
        Some(why) => Outcome::fail(format!(
            "HEALTHCHECK `{script}` always succeeds ({why}): it cannot report a sick service"
        ))
        .at(rel, line),
        None => Outcome::pass(format!("HEALTHCHECK runs `{script}`")).at(rel, line),
    }
}

/// The script an exec-form array runs: the `-c` script of a shell, else the words.
fn exec_script(items: &[String]) -> String {
    let program = items
        .first()
        .map(|p| p.rsplit('/').next().unwrap_or(p))
        .unwrap_or("");
    if SHELLS.contains(&program)
        && let Some(i) = items.iter().position(|a| a == "-c")
        && let Some(script) = items.get(i + 1)
    {
        return script.clone();
    }
    items.join(" ")
}

// ---------------------------------------------------------------- DF009–DF011

fn package_commands(df: &Dockerfile) -> Vec<(&Instruction, Vec<Command>)> {
    all_runs(df)
        .map(|run| (run, commands(&run.command_text(), df.escape)))
        .collect()
}

fn is_apt(c: &Command) -> bool {
    matches!(c.program(), Some("apt-get" | "apt"))
}

fn no_upgrade(ctx: &CheckCtx, p: &FileParams) -> Outcome {
    let (rel, df) = tri!(load(ctx, p.file.as_deref()));
    let mut findings = Vec::new();
    for (run, cmds) in package_commands(&df) {
        for c in &cmds {
            let sub = c.subcommand().unwrap_or("");
            let packages_after_sub = c.args().iter().filter(|a| !a.starts_with('-')).count() > 1;
            let upgrade = match c.program() {
                Some("apt-get" | "apt") => {
                    matches!(sub, "upgrade" | "dist-upgrade" | "full-upgrade")
                }
                Some("apk") => sub == "upgrade",
                Some("yum" | "dnf" | "microdnf") => {
                    matches!(sub, "update" | "upgrade") && !packages_after_sub
                }
                _ => false,
            };
            if upgrade {
                findings.push(Finding::new(
                    &rel,
                    Some(run.line),
                    format!("`{}` upgrades whatever is new on build day: two builds of one commit differ", c.words.join(" ")),
                ));
            }
        }
    }
    outcome(&rel, findings, "no distribution upgrade during the build")
}

fn lean_package_installs(ctx: &CheckCtx, p: &FileParams) -> Outcome {
    let (rel, df) = tri!(load(ctx, p.file.as_deref()));
    let mut findings = Vec::new();
    for (run, cmds) in package_commands(&df) {
        for c in cmds
            .iter()
            .filter(|c| is_apt(c) && c.subcommand() == Some("install"))
        {
            let no_recommends = c.has_arg("--no-install-recommends")
                || c.args().iter().any(|a| {
                    a.contains("Install-Recommends=false") || a.contains("Install-Recommends=0")
                });
            let assume_yes = c.args().iter().any(|a| {
                a == "--yes"
                    || a == "--assume-yes"
                    || (a.starts_with('-') && !a.starts_with("--") && a.contains('y'))
            });
            if !no_recommends {
                findings.push(Finding::new(
                    &rel,
                    Some(run.line),
                    "apt-get install without --no-install-recommends pulls in packages nobody asked for",
                ));
            }
            if !assume_yes {
                findings.push(Finding::new(
                    &rel,
                    Some(run.line),
                    "apt-get install without -y waits for an answer and fails the build",
                ));
            }
        }
    }
    outcome(
        &rel,
        findings,
        "package installs are non-interactive and minimal",
    )
}

static APT_LISTS_REMOVED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\brm\s+(?:-\S+\s+)*[^;&|\n]*/var/lib/apt/lists").expect("valid regex")
});

fn package_caches_cleaned(ctx: &CheckCtx, p: &FileParams) -> Outcome {
    let (rel, df) = tri!(load(ctx, p.file.as_deref()));
    let pip_env = df
        .instructions
        .iter()
        .filter(|i| i.keyword == Keyword::Env)
        .any(|i| {
            i.key_values(df.escape)
                .iter()
                .any(|kv| kv.key == "PIP_NO_CACHE_DIR")
        });
    let mut findings = Vec::new();
    for (run, cmds) in package_commands(&df) {
        let line = Some(run.line);
        let text = run.command_text();
        let cache_mount = |target: &str| {
            run.flags.iter().any(|f| {
                f.name == "mount"
                    && f.value
                        .as_deref()
                        .is_some_and(|v| v.contains("type=cache") && v.contains(target))
            })
        };
        let updates = cmds
            .iter()
            .any(|c| is_apt(c) && c.subcommand() == Some("update"));
        let installs = cmds
            .iter()
            .any(|c| is_apt(c) && c.subcommand() == Some("install"));
        if installs && !updates {
            findings.push(Finding::new(
                &rel,
                line,
                "apt-get install without apt-get update in the same RUN uses a stale, cached package index",
            ));
        }
        if updates && !installs {
            findings.push(Finding::new(
                &rel,
                line,
                "apt-get update alone in a RUN is cached as its own layer and goes stale",
            ));
        }
        if installs && !APT_LISTS_REMOVED.is_match(&text) && !cache_mount("/var/lib/apt") {
            findings.push(Finding::new(
                &rel,
                line,
                "the apt package lists stay in the layer: end the RUN with rm -rf /var/lib/apt/lists/*",
            ));
        }
        for c in &cmds {
            let apk_add = c.program() == Some("apk") && c.subcommand() == Some("add");
            if apk_add
                && !c.has_arg("--no-cache")
                && !text.contains("/var/cache/apk")
                && !cache_mount("/var/cache/apk")
            {
                findings.push(Finding::new(
                    &rel,
                    line,
                    "apk add without --no-cache keeps the package index in the layer",
                ));
            }
            let pip = c.program().is_some_and(|p| p.starts_with("pip"))
                && c.subcommand() == Some("install");
            if pip && !c.has_arg("--no-cache-dir") && !pip_env && !cache_mount("/root/.cache") {
                findings.push(Finding::new(
                    &rel,
                    line,
                    "pip install without --no-cache-dir keeps the download cache in the layer",
                ));
            }
        }
    }
    outcome(
        &rel,
        findings,
        "package indexes and caches do not stay in the image",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

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
