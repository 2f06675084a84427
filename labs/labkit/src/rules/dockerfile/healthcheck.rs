//! DF008: a HEALTHCHECK that really probes.

use super::*;

pub(super) fn healthcheck_present(ctx: &CheckCtx, p: &FileParams) -> Outcome {
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
pub(super) fn exec_script(items: &[String]) -> String {
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
