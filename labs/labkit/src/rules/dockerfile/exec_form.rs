//! DF006: CMD and ENTRYPOINT in exec form.

use super::*;

pub(super) fn exec_form_entrypoint(ctx: &CheckCtx, p: &FileParams) -> Outcome {
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
pub(super) fn wraps_in_shell(items: &[String]) -> bool {
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
