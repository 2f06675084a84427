//! DF003: ADD does not fetch URLs unverified.

use super::*;

pub(super) fn no_add_from_url(ctx: &CheckCtx, p: &FileParams) -> Outcome {
    let (rel, df) = tri!(load(ctx, p.file.as_deref()));
    let mut findings = Vec::new();
    for add in all_of(&df, Keyword::Add) {
        let lookup = arg_lookup(&df, add);
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
        // `ADD ${URL} /app/` with `ARG URL=https://…`: the source is what the
        // variable holds.
        let sources = sources
            .iter()
            .map(|s| expand_vars(s, &lookup).unwrap_or_else(|| s.clone()));
        for source in sources.filter(|s| is_remote(s)) {
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

pub(super) fn is_remote(source: &str) -> bool {
    ["http://", "https://", "git@", "git://", "ssh://"]
        .iter()
        .any(|p| source.starts_with(p))
}

/// The ARG and ENV values visible at `instruction`, for `expand_vars`.
fn arg_lookup<'a>(
    df: &'a Dockerfile,
    instruction: &Instruction,
) -> impl Fn(&str) -> Option<String> + 'a {
    let vars = df
        .stages()
        .into_iter()
        .find(|s| s.body.iter().any(|i| i.line == instruction.line))
        .map(|stage| {
            let upto = stage
                .body
                .iter()
                .find(|i| i.line == instruction.line)
                .expect("found above");
            df.variables_before(&stage, upto)
        })
        .unwrap_or_default();
    move |name: &str| {
        vars.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}
