//! DF007: the .dockerignore keeps secrets out of the build context.

use super::*;

/// Files that must never reach a build context, wherever they are in it.
pub(super) fn looks_secret(file_name: &str) -> bool {
    let lower = file_name.to_ascii_lowercase();
    let is_example = [".example", ".sample", ".template", ".dist"]
        .iter()
        .any(|s| lower.ends_with(s));
    let env_file =
        (lower == ".env" || lower.starts_with(".env.") || lower.ends_with(".env")) && !is_example;
    let key_file = [".pem", ".key", ".p12", ".pfx", ".jks"]
        .iter()
        .any(|s| lower.ends_with(s));
    let named = [
        "id_rsa",
        "id_ed25519",
        "id_ecdsa",
        ".npmrc",
        ".netrc",
        ".pypirc",
        "credentials",
        ".htpasswd",
    ]
    .iter()
    .any(|n| lower.starts_with(n));
    env_file || key_file || named || (lower.contains("secret") && !is_example)
}

pub(super) fn dockerignore_excludes_secrets(ctx: &CheckCtx, p: &IgnoreParams) -> Outcome {
    let (rel, _df) = tri!(load(ctx, p.file.as_deref()));
    let default_context = Path::new(&rel)
        .parent()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let context = p.context.clone().unwrap_or(default_context);
    let join = |name: &str| {
        if context.is_empty() {
            name.to_string()
        } else {
            format!("{context}/{name}")
        }
    };
    let candidates = [join(".dockerignore"), format!("{rel}.dockerignore")];
    let Some(ignore_rel) = candidates.iter().find(|c| ctx.path(c).is_file()) else {
        return Outcome::fail(format!(
            "there is no `{}`: `COPY . …` sends everything, .git and .env included, into the build",
            candidates[0]
        ))
        .at(candidates[0].clone(), None);
    };
    let ignore = DockerIgnore::parse(&tri!(ctx.read_text(ignore_rel)));
    let mut required: Vec<String> = vec![".git".into(), ".env".into()];
    required.extend(p.must_exclude.0.iter().cloned());
    let mut found = Vec::new();
    collect_secret_files(&ctx.path(&context), "", 0, &mut found);
    for f in found {
        if !required.contains(&f) {
            required.push(f);
        }
    }
    let findings: Vec<Finding> = required
        .iter()
        .filter_map(|path| match ignore.decision(path) {
            (true, _) => None,
            (false, None) => Some(Finding::new(
                ignore_rel,
                None,
                format!("`{path}` is not excluded: it would be sent into the build context"),
            )),
            (false, Some(line)) => Some(Finding::new(
                ignore_rel,
                Some(line),
                format!("`{path}` is re-included here: it would be sent into the build context"),
            )),
        })
        .collect();
    outcome(
        ignore_rel,
        findings,
        format!("{ignore_rel} excludes {}", required.join(", ")),
    )
}

/// Secret-looking files under `dir`, as context-relative paths (bounded depth; .git skipped).
pub(super) fn collect_secret_files(dir: &Path, prefix: &str, depth: usize, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if name == ".git" {
            continue;
        }
        if looks_secret(&name) {
            out.push(rel);
        } else if is_dir && depth < 4 {
            collect_secret_files(&entry.path(), &rel, depth + 1, out);
        }
    }
}
