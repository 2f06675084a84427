//! DF012: nothing switches off the checks that prove a download is what it claims.
//! DF013: one CMD and one ENTRYPOINT per stage.

use super::*;
use formats::dockerfile::shell::{CURL_WITH_VALUES, WGET_WITH_VALUES};

/// The switches that turn signature or certificate checks off, per program.
const UNVERIFIED: [(&str, &str, &str); 8] = [
    (
        "apk",
        "--allow-untrusted",
        "installs packages whose signature is not checked",
    ),
    (
        "apt-get",
        "--allow-unauthenticated",
        "installs packages whose signature is not checked",
    ),
    (
        "apt",
        "--allow-unauthenticated",
        "installs packages whose signature is not checked",
    ),
    (
        "curl",
        "--insecure",
        "accepts any TLS certificate, so anyone in the path can answer",
    ),
    (
        "curl",
        "-k",
        "accepts any TLS certificate, so anyone in the path can answer",
    ),
    (
        "wget",
        "--no-check-certificate",
        "accepts any TLS certificate, so anyone in the path can answer",
    ),
    (
        "pip",
        "--trusted-host",
        "lets pip fetch from a host without TLS checks",
    ),
    (
        "rpm",
        "--nosignature",
        "installs packages whose signature is not checked",
    ),
];

pub(super) fn no_disabled_verification(ctx: &CheckCtx, p: &FileParams) -> Outcome {
    let (rel, df) = tri!(load(ctx, p.file.as_deref()));
    let (scripts, warnings) = run_scripts(&rel, &df);
    let mut findings = Vec::new();
    for (run, script) in &scripts {
        for cmd in &script.commands {
            let Some(program) = cmd.program() else {
                continue;
            };
            for (tool, switch, why) in UNVERIFIED {
                if program == tool && switches_on(cmd, switch) {
                    findings.push(Finding::new(
                        &rel,
                        Some(run.line),
                        format!("`{program} {switch}` {why}"),
                    ));
                }
            }
        }
    }
    outcome(
        &rel,
        findings,
        "no download or package install skips its checks",
    )
    .with_warnings(warnings)
}

/// The switch given to `cmd`: a short one also inside a cluster (`-fsSLk`), a long one
/// exactly or with `=`.
fn switches_on(cmd: &Command, switch: &str) -> bool {
    let with_values = match cmd.program() {
        Some("curl") => CURL_WITH_VALUES,
        Some("wget") => WGET_WITH_VALUES,
        _ => "",
    };
    match switch
        .strip_prefix('-')
        .and_then(|s| s.chars().next())
        .filter(|_| switch.len() == 2)
    {
        Some(short) => cmd.has_option(Some(short), &[], with_values),
        None => cmd.has_option(None, &[switch], with_values),
    }
}

pub(super) fn single_cmd_and_entrypoint(ctx: &CheckCtx, p: &FileParams) -> Outcome {
    let (rel, df) = tri!(load(ctx, p.file.as_deref()));
    let mut findings = Vec::new();
    for stage in df.stages() {
        for keyword in [Keyword::Cmd, Keyword::Entrypoint] {
            let all: Vec<&Instruction> =
                stage.body.iter().filter(|i| i.keyword == keyword).collect();
            if let [first, .., last] = all.as_slice() {
                findings.push(Finding::new(
                    &rel,
                    Some(first.line),
                    format!(
                        "{} on line {} is overridden by the one on line {}: only the last counts",
                        keyword.as_str(),
                        first.line,
                        last.line
                    ),
                ));
            }
        }
    }
    outcome(
        &rel,
        findings,
        "each stage has at most one CMD and one ENTRYPOINT",
    )
}
