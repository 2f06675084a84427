//! DF009–DF011: package installs that stay reproducible and lean.

use super::*;

/// Every RUN's commands, and the warnings for those read word by word.
pub(super) fn package_commands<'a>(
    rel: &str,
    df: &'a Dockerfile,
) -> (Vec<(&'a Instruction, Vec<Command>)>, Vec<String>) {
    let (scripts, warnings) = run_scripts(rel, df);
    let runs = scripts
        .into_iter()
        .map(|(run, script)| (run, script.commands))
        .collect();
    (runs, warnings)
}

pub(super) fn is_apt(c: &Command) -> bool {
    matches!(c.program(), Some("apt-get" | "apt"))
}

pub(super) fn no_upgrade(ctx: &CheckCtx, p: &FileParams) -> Outcome {
    let (rel, df) = tri!(load(ctx, p.file.as_deref()));
    let mut findings = Vec::new();
    let (runs, warnings) = package_commands(&rel, &df);
    for (run, cmds) in runs {
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
    outcome(&rel, findings, "no distribution upgrade during the build").with_warnings(warnings)
}

pub(super) fn lean_package_installs(ctx: &CheckCtx, p: &FileParams) -> Outcome {
    let (rel, df) = tri!(load(ctx, p.file.as_deref()));
    let mut findings = Vec::new();
    let (runs, warnings) = package_commands(&rel, &df);
    for (run, cmds) in runs {
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
    .with_warnings(warnings)
}

pub(super) fn package_caches_cleaned(ctx: &CheckCtx, p: &FileParams) -> Outcome {
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
    let (runs, warnings) = package_commands(&rel, &df);
    for (run, cmds) in runs {
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
        let lists_removed = cmds.iter().any(|c| {
            c.program() == Some("rm") && c.args().iter().any(|a| a.contains("/var/lib/apt/lists"))
        });
        if installs && !lists_removed && !cache_mount("/var/lib/apt") {
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
    .with_warnings(warnings)
}
