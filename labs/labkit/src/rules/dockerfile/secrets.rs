//! DF004: no secrets in the image or its history.

use super::*;

pub(super) fn no_secrets(ctx: &CheckCtx, p: &FileParams) -> Outcome {
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
