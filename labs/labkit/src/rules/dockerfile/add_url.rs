//! DF003: ADD does not fetch URLs unverified.
//! DF015: ADD only for what COPY cannot do (hadolint DL3020).

use super::*;

pub(super) fn no_add_from_url(ctx: &CheckCtx, p: &FileParams) -> Outcome {
    let (rel, df) = tri!(load(ctx, p.file.as_deref()));
    let mut findings = Vec::new();
    for add in all_of(&df, Keyword::Add) {
        let verified = add
            .flag("checksum")
            .and_then(|f| f.value.as_deref())
            .is_some_and(|v| v.starts_with("sha256:"));
        for source in add_sources(&df, add).into_iter().filter(|s| is_remote(s)) {
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

/// What an ADD copies: its words but the last, each variable replaced by what an ARG
/// or ENV gives it (`ADD ${URL} /app/` with `ARG URL=https://…` fetches the URL). A
/// variable with no value stays as written.
fn add_sources(df: &Dockerfile, add: &Instruction) -> Vec<String> {
    let lookup = arg_lookup(df, add);
    let words: Vec<String> = match &add.exec {
        Some(items) => items.clone(),
        None => split_words(&add.args, df.escape)
            .into_iter()
            .map(|w| w.text)
            .collect(),
    };
    words[..words.len().saturating_sub(1)]
        .iter()
        .map(|s| expand_vars(s, &lookup).unwrap_or_else(|| s.clone()))
        .collect()
}

/// The endings of the local archives ADD unpacks (what BuildKit detects, as hadolint
/// lists them): for them ADD does what COPY cannot.
const ARCHIVES: [&str; 16] = [
    ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tbz2", ".tb2", ".tar.xz", ".txz", ".tar.zst",
    ".tzst", ".gz", ".bz2", ".xz", ".lzma", ".zst",
];

pub(super) fn copy_for_local_files(ctx: &CheckCtx, p: &FileParams) -> Outcome {
    let (rel, df) = tri!(load(ctx, p.file.as_deref()));
    let mut findings = Vec::new();
    for add in all_of(&df, Keyword::Add) {
        for source in add_sources(&df, add) {
            let lower = source.to_ascii_lowercase();
            // A variable without a value here could be a URL or an archive: no verdict.
            let unknown = source.contains('$');
            if is_remote(&source) || unknown || ARCHIVES.iter().any(|a| lower.ends_with(a)) {
                continue;
            }
            findings.push(Finding::new(
                &rel,
                Some(add.line),
                format!("ADD {source} copies a local file or directory: COPY does the same without ADD's surprises (unpacking archives, fetching URLs)"),
            ));
        }
    }
    outcome(
        &rel,
        findings,
        "ADD is used only for archives and verified URLs",
    )
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
