//! DF001: base images are pinned.

use super::*;

pub(super) fn base_images_pinned(ctx: &CheckCtx, p: &PinParams) -> Outcome {
    let (rel, df) = tri!(load(ctx, p.file.as_deref()));
    let require_digest = p.require_digest;
    let mut findings = Vec::new();
    let mut notes = Vec::new();
    for stage in df.stages() {
        if df.is_stage_reference(&stage) || stage.base.eq_ignore_ascii_case("scratch") {
            continue;
        }
        let line = Some(stage.from.line);
        let Some(base) = df.resolved_base(&stage) else {
            findings.push(Finding::new(
                &rel,
                line,
                format!("FROM {} uses a build argument without a default: the base is whatever the build passes", stage.base),
            ));
            continue;
        };
        let pinning = Pinning::of(&ImageRef::parse(&base));
        let acceptable = match &pinning {
            Pinning::Digest => true,
            Pinning::VersionTag(tag) => {
                let moving = p.require_minor && is_major_only(tag);
                !(require_digest || moving)
            }
            _ => false,
        };
        if acceptable {
            notes.push(pinning.describe(&base));
        } else if let Pinning::VersionTag(tag) = &pinning
            && !require_digest
        {
            findings.push(Finding::new(
                &rel,
                line,
                format!("`{base}`: the tag `{tag}` names only a major version, so it moves to every point release and next month's build gets other bytes; name the release (e.g. debian:12.8-slim), best with its digest"),
            ));
        } else if matches!(pinning, Pinning::VersionTag(_)) {
            findings.push(Finding::new(
                &rel,
                line,
                format!("`{base}` is pinned by tag only; this lab asks for a digest"),
            ));
        } else {
            findings.push(Finding::new(&rel, line, pinning.describe(&base)));
        }
    }
    outcome(
        &rel,
        findings,
        format!("base images pinned: {}", notes.join("; ")),
    )
}
