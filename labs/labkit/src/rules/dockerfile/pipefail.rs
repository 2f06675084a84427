//! DF014: a piped RUN fails when any command of the pipe fails (hadolint DL4006).

use super::*;

pub(super) fn piped_runs_fail(ctx: &CheckCtx, p: &FileParams) -> Outcome {
    let (rel, df) = tri!(load(ctx, p.file.as_deref()));
    let (scripts, warnings) = run_scripts(&rel, &df);
    let mut findings = Vec::new();
    for (run, script) in &scripts {
        let Some(reader) = script.commands.iter().position(|c| c.piped_from.is_some()) else {
            continue;
        };
        let shell = shell_of(&df, run);
        // A non-POSIX SHELL (PowerShell, cmd) has no pipefail to ask for. The exec
        // form's own `sh -c` does not get the SHELL's options.
        if !run.is_exec_form()
            && (shell.is_some_and(|s| !is_posix_shell(s)) || shell.is_some_and(sets_pipefail))
        {
            continue;
        }
        let set_first = script.commands[..reader].iter().any(|c| {
            c.program() == Some("set") && c.option_value(Some('o'), &[], "o") == Some("pipefail")
        });
        if set_first {
            continue;
        }
        let writer = &script.commands[script.commands[reader].piped_from.unwrap_or(reader)];
        findings.push(Finding::new(
            &rel,
            Some(run.line),
            format!(
                "`{} | {}` succeeds when `{}` fails: a pipe returns the status of its last command only",
                writer.words.join(" "),
                script.commands[reader].words.join(" "),
                writer.program().unwrap_or("the first command"),
            ),
        ));
    }
    outcome(
        &rel,
        findings,
        "every piped RUN fails when a command of its pipe fails",
    )
    .with_warnings(warnings)
}

/// The SHELL in force for `run`: the last SHELL before it in its stage, else in the
/// stages it is built FROM. `None`: the default `/bin/sh -c`.
fn shell_of<'a>(df: &'a Dockerfile, run: &Instruction) -> Option<&'a [String]> {
    let stages = df.stages();
    let mut current = stages
        .iter()
        .rev()
        .find(|s| s.from.line <= run.line)
        .cloned();
    let mut upto = run.line;
    for _ in 0..stages.len() {
        let stage = current?;
        if let Some(shell) = stage
            .body
            .iter()
            .rev()
            .filter(|i| i.keyword == Keyword::Shell && i.line < upto)
            .find_map(|i| i.exec.as_deref())
        {
            return Some(shell);
        }
        upto = usize::MAX;
        current = stages[..stage.index]
            .iter()
            .rev()
            .find(|s| s.name.as_deref() == Some(stage.base.to_ascii_lowercase().as_str()))
            .cloned();
    }
    None
}

fn is_posix_shell(shell: &[String]) -> bool {
    shell
        .first()
        .map(|p| p.rsplit('/').next().unwrap_or(p))
        .is_some_and(|p| SHELLS.contains(&p) || p == "mksh")
}

/// `SHELL ["/bin/bash", "-o", "pipefail", "-c"]`, also `-euo pipefail`, `-opipefail`.
fn sets_pipefail(shell: &[String]) -> bool {
    shell.windows(2).any(|w| {
        w[0].starts_with('-')
            && !w[0].starts_with("--")
            && w[0].ends_with('o')
            && w[1] == "pipefail"
    }) || shell.iter().any(|a| a == "-opipefail")
}
