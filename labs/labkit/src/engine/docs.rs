//! The rule reference as Markdown (`labs/labkit/RULES.md`), generated from the rules
//! themselves so the documentation cannot drift from the code; a test keeps the file current.

use std::fmt::Write;

use crate::cleanroom::service::CLEANROOM_PARAMS;
use crate::engine::registry;

/// Every rule: ID, meaning, remediation and parameters, grouped by family prefix.
pub fn rules_markdown() -> String {
    let mut md = String::from(
        "# labkit rules\n\n\
         Every check in a lab's `lab.toml` names one of these rules and gives it parameters. \
         This file is generated from the code (`cargo test -p labkit` fails when it is out of \
         date; `LABKIT_BLESS=1 cargo test -p labkit --test docs` rewrites it). \
         The same text is printed by `lab-NN-check --list-rules`.\n",
    );
    let mut family = String::new();
    for rule in registry::all_rules() {
        let prefix: String = rule
            .id()
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect();
        if prefix != family {
            let _ = write!(md, "\n## {prefix}\n");
            family = prefix;
        }
        let _ = write!(
            md,
            "\n### {}\n\n{}\n\n**Fix:** {}\n",
            rule.id(),
            rule.meaning(),
            rule.remediation()
        );
        if let Some(peers) = crate::rules::peers::of(rule.id()) {
            let _ = write!(md, "\n**Peers:** {}\n", peers.peers);
            if !peers.stricter.is_empty() {
                let _ = write!(md, "\n**Stricter than the peers:** {}\n", peers.stricter);
            }
        }
        if !rule.params_doc().is_empty() {
            md.push_str("\n**Parameters:**\n\n");
            for param in rule.params_doc() {
                let _ = writeln!(md, "- {param}");
            }
        }
    }
    md.push_str("\n## Clean-room parameters\n\nShared by every rule that starts a process (RUN, PROM001, SEQ, OCF):\n\n");
    for param in CLEANROOM_PARAMS {
        let _ = writeln!(md, "- {param}");
    }
    md
}
