//! Real container builds, when a container engine answers. Participants' laptops may have
//! none and CI has none, so the check is skipped (with a notice), never failed, without one.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::cleanroom::process::{GroupChild, Waited};
use serde::Deserialize;

use crate::cleanroom::sandbox::which;
use crate::engine::rule::{CheckCtx, Outcome, Rule, RuleDef};

pub fn rules() -> Vec<Box<dyn Rule>> {
    vec![Box::new(RuleDef {
        id: "ENGINE001",
        meaning: "The image builds with the local container engine (docker or podman); skipped when no engine answers",
        remediation: "Run the same build yourself (`docker build .`) and fix the first failing instruction; the message shows the engine's last lines",
        params: &[
            "file: the Dockerfile (default \"Dockerfile\")",
            "build_seconds: deadline for the build (default 300)",
        ],
        check: builds,
    })]
}

/// How long `<engine> info` may take to say whether a daemon is there.
const PROBE: Duration = Duration::from_secs(5);

/// The first engine (docker, then podman) whose `info` succeeds.
pub fn answering_engine(log_dir: &Path) -> Option<std::path::PathBuf> {
    ["docker", "podman"].into_iter().find_map(|name| {
        let program = which(name)?;
        let mut cmd = Command::new(&program);
        cmd.arg("info");
        let mut child = GroupChild::spawn(&mut cmd, &log_dir.join(format!("{name}-info"))).ok()?;
        match child.wait_for(PROBE) {
            Waited::Exited(status) if status.success() => Some(program),
            _ => None,
        }
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BuildParams {
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    build_seconds: Option<u64>,
}

/// ENGINE001: the image builds.
fn builds(ctx: &CheckCtx, p: &BuildParams) -> Outcome {
    let file = p.file.as_deref().unwrap_or("Dockerfile");
    let limit = Duration::from_secs(p.build_seconds.unwrap_or(300).max(1));
    let Ok(scratch) = tempfile::Builder::new().prefix("devoops-engine-").tempdir() else {
        return Outcome::fail("cannot create a temporary directory");
    };
    let Some(engine) = answering_engine(scratch.path()) else {
        return Outcome::skip(
            "no container engine answers (docker or podman): the real build was not tried; the static checks still apply",
        );
    };
    if !ctx.path(file).is_file() {
        return Outcome::fail(format!("`{file}` is missing")).at(file, None);
    }
    // Build from a copy: the engine may write into the context (e.g. .dockerignore rules).
    let context = scratch.path().join("context");
    if let Err(e) = crate::cleanroom::sandbox::copy_tree(ctx.dir, &context) {
        return Outcome::fail(format!("cannot copy the build context: {e}"));
    }
    let tag = format!("devoops-check-{}", std::process::id());
    let mut cmd = Command::new(&engine);
    cmd.args(["build", "--file"])
        .arg(context.join(file))
        .args(["--tag", &tag])
        .arg(&context);
    let mut build = match GroupChild::spawn(&mut cmd, &scratch.path().join("build")) {
        Ok(child) => child,
        Err(e) => return Outcome::fail(format!("cannot run {}: {e}", engine.display())),
    };
    let outcome = match build.wait_for(limit) {
        Waited::Exited(status) if status.success() => {
            Outcome::pass(format!("built with {}", engine.display()))
        }
        Waited::Exited(status) => Outcome::fail(format!(
            "the build failed ({status}): {}",
            build.output_tail(3)
        ))
        .at(file, None),
        Waited::TimedOut => {
            build.kill_group();
            Outcome::fail(format!("the build took longer than {}s", limit.as_secs())).at(file, None)
        }
    };
    // Leave no image behind.
    let mut rmi = Command::new(&engine);
    rmi.args(["rmi", "--force", &tag]);
    if let Ok(mut child) = GroupChild::spawn(&mut rmi, &scratch.path().join("rmi")) {
        child.wait_for(PROBE);
    }
    outcome
}
