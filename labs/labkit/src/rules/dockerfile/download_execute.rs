//! DF002: no script is downloaded and run unverified.

use super::*;

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

pub(super) fn no_download_and_execute(ctx: &CheckCtx, p: &FileParams) -> Outcome {
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
pub(super) fn executed_unverified_download(cmds: &[Command]) -> Option<String> {
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
pub(super) fn download_target(cmd: &Command) -> Option<String> {
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
