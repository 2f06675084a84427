//! Resource-agent facts beyond exit codes: the `meta-data` a cluster manager reads.

use std::time::Duration;

use crate::cleanroom::process::{GroupChild, Waited};
use crate::cleanroom::service::{self, cleanroom_params};
use crate::engine::params::StrList;
use crate::engine::rule::{CheckCtx, Outcome, Rule, RuleDef};
use crate::tri;

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
    // A cluster manager reads the XML with a real parser; so does the check. Agents start
    // it with `<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">`, hence DTDs are allowed.
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = match roxmltree::Document::parse_with_options(&xml, options) {
        Ok(doc) => doc,
        Err(e) => {
            return Outcome::fail(format!(
                "`{rel} meta-data` printed broken XML: line {} of its output: {e}",
                e.pos().row
            ))
            .at(rel, None);
        }
    };
    let root = doc.root_element();
    if root.tag_name().name() != "resource-agent" {
        return Outcome::fail(format!(
            "the root element is <{}>, expected <resource-agent>",
            root.tag_name().name()
        ))
        .at(rel, None);
    }
    if root.attribute("name").is_none_or(str::is_empty) {
        return Outcome::fail("<resource-agent> has no name attribute").at(rel, None);
    }
    let names_under = |list: &str, item: &str| -> Vec<&str> {
        root.children()
            .find(|n| n.has_tag_name(list))
            .map(|l| {
                l.children()
                    .filter(|n| n.has_tag_name(item))
                    .filter_map(|n| n.attribute("name"))
                    .collect()
            })
            .unwrap_or_default()
    };
    let declared = names_under("parameters", "parameter");
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
    let actions = names_under("actions", "action");
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
        root.attribute("name").unwrap_or_default(),
        declared.len()
    ))
    .at(rel, None)
}
