//! DF003: ADD does not fetch URLs unverified.

use super::*;

pub(super) fn no_add_from_url(ctx: &CheckCtx, p: &FileParams) -> Outcome {
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

pub(super) fn is_remote(source: &str) -> bool {
    ["http://", "https://", "git@", "git://", "ssh://"]
        .iter()
        .any(|p| source.starts_with(p))
}
