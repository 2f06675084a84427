//! Rules that look for several problems report [`Finding`]s; [`outcome`] turns them into
//! the rule's one [`Outcome`].

use crate::engine::rule::Outcome;

/// One problem a rule found, at a file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl Finding {
    pub fn new(file: &str, line: Option<usize>, message: impl Into<String>) -> Self {
        Finding {
            file: file.to_string(),
            line,
            message: message.into(),
        }
    }
}

/// Turns a rule's findings into its outcome: a pass (with `pass_message`, pointing at
/// `file`) when there are none, else a failure at the first finding that also says
/// where the others are, so a participant fixes them all in one go.
pub fn outcome(file: &str, findings: Vec<Finding>, pass_message: impl Into<String>) -> Outcome {
    let Some(first) = findings.first() else {
        return Outcome::pass(pass_message).at(file, None);
    };
    let mut message = first.message.clone();
    let others: Vec<String> = findings[1..]
        .iter()
        .map(|f| match f.line {
            Some(line) if f.file == first.file => format!("line {line}: {}", f.message),
            Some(line) => format!("{}:{line}: {}", f.file, f.message),
            None => format!("{}: {}", f.file, f.message),
        })
        .collect();
    if !others.is_empty() {
        message.push_str(&format!(" (also {})", others.join("; ")));
    }
    Outcome::fail(message).at(first.file.clone(), first.line)
}
