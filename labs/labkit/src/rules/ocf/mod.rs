//! Resource-agent facts beyond exit codes: the `meta-data` a cluster manager reads.

use std::time::Duration;

use crate::cleanroom::process::{GroupChild, Waited};
use crate::cleanroom::service::{self, cleanroom_params};
use crate::engine::params::StrList;
use crate::engine::rule::{CheckCtx, Outcome, Rule, RuleDef};
use crate::tri;
use crate::xmlish;

pub fn rules() -> Vec<Box<dyn Rule>> {
    vec![Box::new(RuleDef {
        id: "OCF001",
        meaning: "`<agent> meta-data` exits 0 and prints well-formed XML: a <resource-agent> with its parameters and the start, stop, monitor, meta-data and validate-all actions",
        remediation: "Print the XML from a heredoc in the meta-data action; declare each OCF_RESKEY_<name> as <parameter name=\"<name>\"> and every action with a timeout",
        params: &[
            "command: the agent, relative to the checked directory",
            "parameters: parameter names the agent must declare",
            "(clean room) env_file, env, tools: as for RUN001",
        ],
        check: meta_data,
    })]
}

/// Actions every OCF agent must advertise.
const REQUIRED_ACTIONS: &[&str] = &["start", "stop", "monitor", "meta-data", "validate-all"];

cleanroom_params! {
    struct MetaDataParams {
        /// The agent, relative to the checked directory.
        command: String,
        #[serde(default)]
        parameters: StrList,
    }
}

/// OCF001: `meta-data` prints a valid description of the agent.
fn meta_data(ctx: &CheckCtx, p: &MetaDataParams) -> Outcome {
    let program = p.command.as_str();
    let rel = program.trim_start_matches("./");
    let parameters = p.parameters.to_strs();
    let sandbox = tri!(service::prepare(ctx, &p.room()));
    let mut cmd = tri!(sandbox.command(program, &["meta-data"]));
    let mut child = match GroupChild::spawn(&mut cmd, &sandbox.log_prefix("meta-data")) {
        Ok(child) => child,
        Err(e) => return Outcome::fail(format!("cannot run `{rel}`: {e}")),
    };
    let limit = Duration::from_secs(5).min(ctx.toolbox.process_timeout);
    match child.wait_for(limit) {
        Waited::TimedOut => {
            return Outcome::fail(format!(
                "`{rel} meta-data` did not finish within {}s",
                limit.as_secs()
            ))
            .at(rel, None);
        }
        Waited::Exited(status) if !status.success() => {
            return Outcome::fail(format!(
                "`{rel} meta-data` exited {status}; it must print the XML and exit 0 (OCF_SUCCESS); it said: {}",
                sandbox.tidy(&child.output_tail(2))
            ))
            .at(rel, None);
        }
        Waited::Exited(_) => {}
    }
    let xml = child.stdout();
    let root = match xmlish::parse(&xml) {
        Ok(root) => root,
        Err(e) => {
            return Outcome::fail(format!(
                "`{rel} meta-data` printed broken XML: line {} of its output: {}",
                e.line, e.message
            ))
            .at(rel, None);
        }
    };
    if root.name != "resource-agent" {
        return Outcome::fail(format!(
            "the root element is <{}>, expected <resource-agent>",
            root.name
        ))
        .at(rel, None);
    }
    if root.attr("name").is_none_or(str::is_empty) {
        return Outcome::fail("<resource-agent> has no name attribute").at(rel, None);
    }
    let declared: Vec<&str> = root
        .child("parameters")
        .map(|p| {
            p.children_named("parameter")
                .filter_map(|e| e.attr("name"))
                .collect()
        })
        .unwrap_or_default();
    let missing: Vec<&str> = parameters
        .iter()
        .copied()
        .filter(|p| !declared.contains(p))
        .collect();
    if !missing.is_empty() {
        return Outcome::fail(format!(
            "meta-data does not declare parameter(s) {}",
            missing.join(", ")
        ))
        .at(rel, None);
    }
    let actions: Vec<&str> = root
        .child("actions")
        .map(|a| {
            a.children_named("action")
                .filter_map(|e| e.attr("name"))
                .collect()
        })
        .unwrap_or_default();
    let missing: Vec<&str> = REQUIRED_ACTIONS
        .iter()
        .copied()
        .filter(|a| !actions.contains(a))
        .collect();
    if !missing.is_empty() {
        return Outcome::fail(format!(
            "meta-data does not list action(s) {}",
            missing.join(", ")
        ))
        .at(rel, None);
    }
    Outcome::pass(format!(
        "meta-data describes {} with {} parameter(s)",
        root.attr("name").unwrap_or_default(),
        declared.len()
    ))
    .at(rel, None)
}
