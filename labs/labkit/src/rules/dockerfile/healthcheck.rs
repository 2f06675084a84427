//! DF008: a HEALTHCHECK that really probes: it can fail, and it asks the port the image's
//! service listens on.

use super::*;
use crate::rules::healthprobe::ProbeUrl;
use formats::dockerfile::shell::commands;

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
    if let Some(why) = never_fails(&script, df.escape) {
        return Outcome::fail(format!(
            "HEALTHCHECK `{script}` always succeeds ({why}): it cannot report a sick service"
        ))
        .at(rel, line);
    }
    let ports = listening_ports(&df);
    if let Some((url, port)) = local_urls(&script, df.escape)
        .into_iter()
        .find(|(_, port)| !ports.is_empty() && !ports.contains(port))
    {
        let listed: Vec<String> = ports.iter().map(u16::to_string).collect();
        return Outcome::fail(format!(
            "HEALTHCHECK asks port {port} ({url}), but the image's service listens on {} (its EXPOSE and ENV PORT): the probe can never succeed, so the container is unhealthy from the start; ask that port (or ${{PORT}})",
            listed.join(", ")
        ))
        .at(rel, line);
    }
    Outcome::pass(format!("HEALTHCHECK runs `{script}`")).at(rel, line)
}

/// The ports the final image declares for its service: every `EXPOSE` and an `ENV PORT`
/// of the final stage and the stages it is built from. Empty when none is declared, or
/// when one is a variable this rule cannot resolve: then any port may be right.
fn listening_ports(df: &Dockerfile) -> Vec<u16> {
    let mut ports = Vec::new();
    for stage in final_lineage(df) {
        for instruction in stage.body {
            let values: Vec<String> = match instruction.keyword {
                Keyword::Expose => instruction
                    .words(df.escape)
                    .into_iter()
                    .map(|w| w.text)
                    .collect(),
                Keyword::Env => instruction
                    .key_values(df.escape)
                    .into_iter()
                    .filter(|kv| kv.key == "PORT")
                    .filter_map(|kv| kv.value)
                    .collect(),
                _ => continue,
            };
            for value in values {
                // `EXPOSE 8080/tcp`; `EXPOSE 8000-8010` declares a range: not judged.
                let number = value.split('/').next().unwrap_or("");
                match number.parse::<u16>() {
                    Ok(port) => ports.push(port),
                    Err(_) => return Vec::new(),
                }
            }
        }
    }
    ports.sort_unstable();
    ports.dedup();
    ports
}

/// Every `http(s)://` URL among the words of `script` that names this container itself,
/// with its port. URLs whose port is a variable are left out: `${PORT}` follows the image.
fn local_urls(script: &str, escape: char) -> Vec<(String, u16)> {
    commands(script, escape)
        .iter()
        .flat_map(|command| command.args())
        .filter_map(|word| {
            let url = ProbeUrl::parse(word)?;
            url.is_local().then(|| (word.clone(), url.port))
        })
        .collect()
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
