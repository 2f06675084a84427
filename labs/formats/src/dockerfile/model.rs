//! The parsed Dockerfile as plain data: instructions with exact line numbers, and
//! views over them (build stages, key/value pairs) that the rules ask for.

use super::shell::Script;
use super::words::{Word, expand_vars, split_words};

/// Every instruction the builder knows. Anything else is a parse error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Keyword {
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    Stopsignal,
    User,
    Volume,
    Workdir,
}

impl Keyword {
    pub const ALL: [Keyword; 18] = [
        Keyword::Add,
        Keyword::Arg,
        Keyword::Cmd,
        Keyword::Copy,
        Keyword::Entrypoint,
        Keyword::Env,
        Keyword::Expose,
        Keyword::From,
        Keyword::Healthcheck,
        Keyword::Label,
        Keyword::Maintainer,
        Keyword::Onbuild,
        Keyword::Run,
        Keyword::Shell,
        Keyword::Stopsignal,
        Keyword::User,
        Keyword::Volume,
        Keyword::Workdir,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Keyword::Add => "ADD",
            Keyword::Arg => "ARG",
            Keyword::Cmd => "CMD",
            Keyword::Copy => "COPY",
            Keyword::Entrypoint => "ENTRYPOINT",
            Keyword::Env => "ENV",
            Keyword::Expose => "EXPOSE",
            Keyword::From => "FROM",
            Keyword::Healthcheck => "HEALTHCHECK",
            Keyword::Label => "LABEL",
            Keyword::Maintainer => "MAINTAINER",
            Keyword::Onbuild => "ONBUILD",
            Keyword::Run => "RUN",
            Keyword::Shell => "SHELL",
            Keyword::Stopsignal => "STOPSIGNAL",
            Keyword::User => "USER",
            Keyword::Volume => "VOLUME",
            Keyword::Workdir => "WORKDIR",
        }
    }

    /// Case-insensitive lookup, as the builder does it.
    pub fn parse(word: &str) -> Option<Keyword> {
        Keyword::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(word))
    }

    /// Instructions whose arguments may be a JSON array (exec form).
    pub fn accepts_json(self) -> bool {
        matches!(
            self,
            Keyword::Run
                | Keyword::Cmd
                | Keyword::Entrypoint
                | Keyword::Shell
                | Keyword::Copy
                | Keyword::Add
                | Keyword::Volume
        )
    }

    /// Instructions that may carry heredocs (`RUN <<EOF`).
    pub fn accepts_heredocs(self) -> bool {
        matches!(self, Keyword::Run | Keyword::Copy | Keyword::Add)
    }
}

/// A parser directive from the top of the file (`# syntax=…`, `# escape=…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub name: String,
    pub value: String,
    pub line: usize,
}

/// A `--name=value` option in front of an instruction's arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub name: String,
    pub value: Option<String>,
}

/// A here-document attached to an instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter word, without quotes (`EOF`).
    pub delimiter: String,
    /// The body, one `\n` after every line; leading tabs removed for `<<-`.
    pub body: String,
    /// Line of the first body line (1-based).
    pub body_line: usize,
    /// `<<"EOF"` or `<<'EOF'`: the body is taken literally, no variable expansion.
    pub quoted: bool,
}

/// One instruction, its continuation lines joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    pub keyword: Keyword,
    /// First physical line (1-based), where the keyword is.
    pub line: usize,
    /// Last physical line, including continuation lines and heredoc terminators.
    pub end_line: usize,
    pub flags: Vec<Flag>,
    /// The arguments after the flags, continuation lines joined, as written.
    pub args: String,
    /// `Some` when the arguments are a JSON array of strings (exec form).
    pub exec: Option<Vec<String>>,
    pub heredocs: Vec<Heredoc>,
    /// For `ONBUILD`: the instruction it registers, parsed like any other, with the
    /// ONBUILD's lines.
    pub trigger: Option<Box<Instruction>>,
}

impl Instruction {
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    pub fn is_exec_form(&self) -> bool {
        self.exec.is_some()
    }

    /// The arguments split into words (quotes removed).
    pub fn words(&self, escape: char) -> Vec<Word> {
        split_words(&self.args, escape)
    }

    /// Everything this instruction would hand to a shell or program: the shell-form
    /// arguments or the exec array joined by spaces, followed by the heredoc bodies.
    /// Rules that look for commands (`curl | sh`, `apt-get upgrade`) read this.
    pub fn command_text(&self) -> String {
        let mut text = match &self.exec {
            Some(items) => items.join(" "),
            None => self.args.clone(),
        };
        for doc in &self.heredocs {
            text.push('\n');
            text.push_str(&doc.body);
        }
        text
    }

    /// The shell this instruction runs, read into its commands (see [`Script`]): the
    /// shell form with its heredocs as the builder hands them to `/bin/sh -c`, or the
    /// exec form's array as one command (`["sh", "-c", "…"]` reads the script too).
    pub fn script(&self, escape: char) -> Script {
        match &self.exec {
            Some(items) => Script::from_words(items.clone(), escape),
            None => {
                let mut text = self.args.clone();
                for doc in &self.heredocs {
                    text.push('\n');
                    text.push_str(&doc.body);
                    text.push_str(&doc.delimiter);
                }
                Script::parse(&text, escape)
            }
        }
    }

    /// `KEY=value` pairs of ENV, ARG and LABEL. The legacy form `ENV KEY value with
    /// spaces` (or `LABEL key "value"`) gives one pair; an ARG without default gives `(name, None)`.
    pub fn key_values(&self, escape: char) -> Vec<KeyValue> {
        let words = self.words(escape);
        if matches!(self.keyword, Keyword::Env | Keyword::Label)
            && words.len() > 1
            && let Some(first) = words.first()
            && !first.raw.contains('=')
        {
            let rest = self.args.trim_start()[first.raw.len()..].trim();
            let value = split_words(rest, escape)
                .into_iter()
                .map(|w| w.text)
                .collect::<Vec<_>>()
                .join(" ");
            return vec![KeyValue {
                key: first.text.clone(),
                value: Some(value),
            }];
        }
        words
            .into_iter()
            .map(|w| match w.text.split_once('=') {
                Some((k, v)) => KeyValue {
                    key: k.to_string(),
                    value: Some(v.to_string()),
                },
                None => KeyValue {
                    key: w.text,
                    value: None,
                },
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    pub key: String,
    pub value: Option<String>,
}

/// A parsed Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    /// The escape character (`\` unless `# escape=` says otherwise).
    pub escape: char,
    pub directives: Vec<Directive>,
    pub instructions: Vec<Instruction>,
}

/// A build stage: a `FROM` and the instructions up to the next `FROM`.
#[derive(Debug, Clone)]
pub struct Stage<'a> {
    /// 0-based position among the stages.
    pub index: usize,
    pub from: &'a Instruction,
    /// The base as written (`python:3.12-slim`, `$BASE`, or an earlier stage's name).
    pub base: &'a str,
    /// `AS name`, lower-cased as the builder does.
    pub name: Option<String>,
    /// The instructions after the `FROM`, up to the next `FROM`.
    pub body: &'a [Instruction],
}

impl Dockerfile {
    /// `ARG`s before the first `FROM`: the only variables a `FROM` line may use.
    pub fn global_args(&self) -> &[Instruction] {
        let first_from = self
            .instructions
            .iter()
            .position(|i| i.keyword == Keyword::From)
            .unwrap_or(self.instructions.len());
        &self.instructions[..first_from]
    }

    pub fn stages(&self) -> Vec<Stage<'_>> {
        let starts: Vec<usize> = self
            .instructions
            .iter()
            .enumerate()
            .filter(|(_, i)| i.keyword == Keyword::From)
            .map(|(n, _)| n)
            .collect();
        starts
            .iter()
            .enumerate()
            .map(|(index, &start)| {
                let end = starts
                    .get(index + 1)
                    .copied()
                    .unwrap_or(self.instructions.len());
                let from = &self.instructions[start];
                let (base, name) = split_from_args(&from.args);
                Stage {
                    index,
                    from,
                    base,
                    name,
                    body: &self.instructions[start + 1..end],
                }
            })
            .collect()
    }

    /// The stage that becomes the image (`docker build` without `--target`).
    pub fn final_stage(&self) -> Option<Stage<'_>> {
        self.stages().pop()
    }

    /// Resolves a stage's base through the global `ARG` defaults (`FROM $BASE`).
    /// `None` when a variable has no default.
    pub fn resolved_base(&self, stage: &Stage) -> Option<String> {
        let args = self.global_arg_defaults();
        expand_vars(stage.base, &|name| {
            args.iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    /// True when `base` names an earlier stage (`FROM builder`) rather than an image.
    pub fn is_stage_reference(&self, stage: &Stage) -> bool {
        self.stages()[..stage.index]
            .iter()
            .any(|s| s.name.as_deref() == Some(&stage.base.to_ascii_lowercase()))
    }

    fn global_arg_defaults(&self) -> Vec<(String, String)> {
        self.global_args()
            .iter()
            .filter(|i| i.keyword == Keyword::Arg)
            .flat_map(|i| i.key_values(self.escape))
            .filter_map(|kv| kv.value.map(|v| (kv.key, v)))
            .collect()
    }

    /// Variables visible inside a stage at a given instruction: global ARG defaults
    /// re-declared in the stage, the stage's own ARG defaults and ENV values, in order.
    pub fn variables_before(&self, stage: &Stage, upto: &Instruction) -> Vec<(String, String)> {
        let globals = self.global_arg_defaults();
        let mut vars: Vec<(String, String)> = Vec::new();
        for instr in stage.body.iter().take_while(|i| !std::ptr::eq(*i, upto)) {
            if !matches!(instr.keyword, Keyword::Arg | Keyword::Env) {
                continue;
            }
            for kv in instr.key_values(self.escape) {
                let value = kv.value.or_else(|| {
                    globals
                        .iter()
                        .rev()
                        .find(|(k, _)| *k == kv.key)
                        .map(|(_, v)| v.clone())
                });
                if let Some(value) = value {
                    vars.push((kv.key, value));
                }
            }
        }
        vars
    }
}

/// `image [AS name]` → (image, lower-cased name). Validated by the parser.
pub(super) fn split_from_args(args: &str) -> (&str, Option<String>) {
    let mut parts = args.split_whitespace();
    let base = parts.next().unwrap_or("");
    let name = match (parts.next(), parts.next()) {
        (Some(kw), Some(name)) if kw.eq_ignore_ascii_case("as") => Some(name.to_ascii_lowercase()),
        _ => None,
    };
    (base, name)
}
