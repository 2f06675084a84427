//! K8S001: container images are pinned.

use super::*;

pub(super) fn images_pinned(ctx: &CheckCtx, p: &FilesParams) -> Outcome {
    let manifests = tri!(load(ctx, &p.files));
    let findings = per_container(&manifests, |t, c, out| {
        let Some(image) = c.node.get("image") else {
            out.push(Finding::new(
                &t.owner.file,
                Some(c.node.line),
                format!("{} has no image", who(t, c)),
            ));
            return;
        };
        let text = image.scalar_text().unwrap_or_default();
        let pinning = Pinning::of(&ImageRef::parse(&text));
        if !pinning.is_pinned() {
            out.push(Finding::new(
                &t.owner.file,
                Some(image.line),
                format!("{}: {}", who(t, c), pinning.describe(&text)),
            ));
        }
    });
    finish(
        &manifests,
        findings,
        "every container image is pinned".into(),
    )
}
