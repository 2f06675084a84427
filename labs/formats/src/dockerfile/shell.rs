//! The shell inside `RUN` and `HEALTHCHECK`, read as a command tree by brush-parser (a
//! maintained POSIX/bash parser) and flattened into the simple commands it runs, in
//! order, each knowing what feeds its standard input (`curl … | sh`) and which command
//! it runs inside (`sh -c "…"`, `$(…)`, `<(…)`, a heredoc fed to a shell). Commands
//! behind `if`/`then`/`do`/`case` and inside `{ … }` or `( … )` are as visible as the
//! first one. Rules ask questions like "is there an `apt-get install` without
//! `--no-install-recommends`?".
//!
//! When brush cannot parse a script (it is not POSIX shell: a Windows `cmd` line, a typo,
//! a construct brush does not know) the script is split word by word at unquoted
//! `&&`, `||`, `;`, `|`, `&` and newlines instead, and [`Script::unparsed`] says why,
//! so the rule can warn that commands nested in compound commands may be missed.

use std::io::BufReader;
use std::ops::Range;

use brush_parser::ast;
use brush_parser::word::{WordPiece, WordPieceWithSource};

use super::words::split_words;

/// Shell reserved words that may stand in front of a simple command (only the word by
/// word reading sees them; the parser knows what they are).
const RESERVED_WORDS: [&str; 10] = [
    "if", "then", "else", "elif", "do", "while", "until", "!", "{", "time",
];

/// How deep `( … )`, `{ … }`, `if`, `for`, `while`, `until` and `case` may nest before
/// the script is read word by word: brush-parser descends the stack once per level, and
/// a few hundred levels overflow a thread's stack. Real RUN lines nest a handful.
const MAX_NESTING: usize = 40;

/// How many scripts deep `sh -c "$(…)"` is followed into.
const MAX_SCRIPT_DEPTH: usize = 6;

/// Programs that run a shell script given with `-c` or on their standard input.
const SHELLS: [&str; 7] = ["sh", "bash", "ash", "dash", "zsh", "ksh", "mksh"];

/// One simple command: its words, quotes removed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Command {
    pub words: Vec<String>,
    /// The command whose standard output this one reads through a pipe.
    pub piped_from: Option<usize>,
    /// The command this one runs inside: the `sh -c` whose script it is, the command in
    /// whose words its `$(…)` or `<(…)` stands, the shell a heredoc feeds.
    pub inside: Option<usize>,
    /// Files its standard output or error is written to (`> file`, `>> file`).
    pub writes: Vec<String>,
}

impl Command {
    /// The program's name without its directory (`/usr/bin/apt-get` → `apt-get`),
    /// skipping `sudo`, `env` and `VAR=value` prefixes.
    pub fn program(&self) -> Option<&str> {
        self.program_index().map(|i| basename(&self.words[i]))
    }

    /// The words after the program.
    pub fn args(&self) -> &[String] {
        match self.program_index() {
            Some(i) => &self.words[i + 1..],
            None => &[],
        }
    }

    fn program_index(&self) -> Option<usize> {
        let mut after_sudo_or_env = false;
        for (i, w) in self.words.iter().enumerate() {
            let name = basename(w);
            // Reserved words open a compound command: `if apt-get …`, `then curl …`,
            // `do wget …` (the word by word reading keeps them). The command they lead
            // into is the program. Options of `sudo`/`env` (`sudo -E`, `env -i`) too.
            let skip = RESERVED_WORDS.contains(&w.as_str())
                || matches!(name, "sudo" | "env" | "exec" | "command" | "nohup")
                || (w.contains('=') && !w.starts_with('-'))
                || (after_sudo_or_env && w.starts_with('-'));
            if !skip {
                return Some(i);
            }
            after_sudo_or_env |= matches!(name, "sudo" | "env");
        }
        None
    }

    pub fn has_arg(&self, arg: &str) -> bool {
        self.args().iter().any(|a| a == arg)
    }

    /// The first argument that is not an option (`apt-get -y install x` → `install`).
    pub fn subcommand(&self) -> Option<&str> {
        self.args()
            .iter()
            .find(|a| !a.starts_with('-'))
            .map(String::as_str)
    }

    /// True when the option is given: `long` exactly or as `long=…`, or the letter
    /// `short` inside a cluster of short options (`-fsSL` has `f`), up to the first
    /// letter of `with_values` (the options that take a value: `-o-f` is `-o` with the
    /// value `-f`, not `-f`).
    pub fn has_option(&self, short: Option<char>, long: &[&str], with_values: &str) -> bool {
        self.args().iter().any(|a| {
            long.iter()
                .any(|l| a == l || a.strip_prefix(l).is_some_and(|r| r.starts_with('=')))
                || short.is_some_and(|s| {
                    short_cluster(a).is_some_and(|cluster| {
                        cluster
                            .chars()
                            .take_while(|c| *c == s || !with_values.contains(*c))
                            .any(|c| c == s)
                            || cluster
                                .chars()
                                .find(|c| with_values.contains(*c))
                                .is_some_and(|c| c == s)
                    })
                })
        })
    }

    /// The value of an option that takes one: `-o f`, `-of`, `-fsSLo f` (the letter
    /// last in a cluster takes the next word), `--output f`, `--output=f`. `with_values`
    /// lists the short options of this program that take a value, so that `-H x -o f`
    /// is read right.
    pub fn option_value(
        &self,
        short: Option<char>,
        long: &[&str],
        with_values: &str,
    ) -> Option<&str> {
        let args = self.args();
        let mut i = 0;
        while i < args.len() {
            let a = &args[i];
            if a == "--" {
                return None;
            }
            if let Some(l) = long.iter().find(|l| a.starts_with(**l)) {
                let rest = &a[l.len()..];
                if rest.is_empty() {
                    return args.get(i + 1).map(String::as_str);
                }
                if let Some(value) = rest.strip_prefix('=') {
                    return Some(value);
                }
            }
            if let Some(cluster) = short_cluster(a) {
                // The first letter that takes a value ends the cluster: the rest of the
                // word, or else the next word, is its value.
                if let Some((at, c)) = cluster
                    .char_indices()
                    .find(|(_, c)| with_values.contains(*c))
                {
                    let rest = &cluster[at + c.len_utf8()..];
                    let value = if rest.is_empty() {
                        i += 1;
                        args.get(i).map(String::as_str)
                    } else {
                        Some(rest)
                    };
                    if Some(c) == short {
                        return value;
                    }
                }
            }
            i += 1;
        }
        None
    }
}

/// The letters of a cluster of short options (`-fsSL` → `fsSL`), none for `--long`,
/// `-` alone or a negative number.
fn short_cluster(arg: &str) -> Option<&str> {
    let cluster = arg.strip_prefix('-')?;
    (!cluster.is_empty()
        && !cluster.starts_with('-')
        && !cluster.starts_with(|c: char| c.is_ascii_digit()))
    .then_some(cluster)
}

fn basename(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// How a top-level pipeline is joined to the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joint {
    /// The first pipeline, or after `;`, `&` or a newline: it runs whatever came before.
    Then,
    /// After `&&`: only when the previous one succeeded.
    And,
    /// After `||`: only when the previous one failed.
    Or,
}

/// A top-level pipeline: how it follows the previous one, and its commands (indices
/// into [`Script::commands`], nested ones included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub joint: Joint,
    pub commands: Range<usize>,
}

/// A script read into its commands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Script {
    /// Every simple command, in the order written, nested ones after the command they
    /// stand in.
    pub commands: Vec<Command>,
    /// The top-level pipelines, whose last one gives the script's exit status.
    pub steps: Vec<Step>,
    /// Why the script was read word by word instead of parsed, if it was.
    pub unparsed: Option<String>,
}

impl Script {
    /// Reads `text`, a script for `/bin/sh -c`. `escape` is the Dockerfile's escape
    /// character, used only by the word by word reading.
    pub fn parse(text: &str, escape: char) -> Script {
        let mut script = Script::default();
        match script.read(text, None, escape, 0) {
            Ok(()) => {}
            Err(why) => {
                script = Script {
                    unparsed: Some(why),
                    ..Script::default()
                };
                script.read_words(text, None, escape);
            }
        }
        script
    }

    /// A command given as its words (an exec-form `RUN ["sh", "-c", "…"]`).
    pub fn from_words(words: Vec<String>, escape: char) -> Script {
        let mut script = Script::default();
        let start = script.commands.len();
        script.push(
            Command {
                words,
                ..Command::default()
            },
            escape,
            0,
        );
        script.steps.push(Step {
            joint: Joint::Then,
            commands: start..script.commands.len(),
        });
        script
    }

    /// The commands that are a download to standard output (`curl URL`, `wget -O- URL`)
    /// piped into `reader`.
    pub fn feeds(&self, reader: usize) -> Option<&Command> {
        self.commands[reader].piped_from.map(|i| &self.commands[i])
    }

    /// True when a pipeline anywhere in the script has two or more commands.
    pub fn has_pipe(&self) -> bool {
        self.commands.iter().any(|c| c.piped_from.is_some())
    }

    /// Parses `text` with brush and appends its commands; at the top (`inside` is
    /// `None`) also its steps. An error says why brush could not read it.
    fn read(
        &mut self,
        text: &str,
        inside: Option<usize>,
        escape: char,
        depth: usize,
    ) -> Result<(), String> {
        if nesting(text) > MAX_NESTING {
            return Err(format!("it nests more than {MAX_NESTING} levels deep"));
        }
        let options = brush_parser::ParserOptions::default();
        let mut reader = BufReader::new(text.as_bytes());
        let program = std::panic::catch_unwind(move || {
            brush_parser::Parser::new(&mut reader, &options).parse_program()
        })
        .map_err(|_| "the shell parser gave up on it".to_string())?
        .map_err(|e| e.to_string())?;
        let mut walker = Walker {
            script: self,
            escape,
            depth,
        };
        for list in &program.complete_commands {
            walker.list(list, inside, inside.is_none());
        }
        Ok(())
    }

    /// The fallback: splits at unquoted `&&`, `||`, `;`, `|`, `&`, parentheses and
    /// newlines, then into words.
    fn read_words(&mut self, text: &str, inside: Option<usize>, escape: char) {
        let mut previous_pipe: Option<usize> = None;
        let mut step_start = self.commands.len();
        let mut joint = Joint::Then;
        for (segment, op) in split_segments(text, escape) {
            let words: Vec<String> = split_words(&segment, escape)
                .into_iter()
                .map(|w| w.text)
                .collect();
            if !words.is_empty() {
                self.commands.push(Command {
                    words,
                    piped_from: previous_pipe,
                    inside,
                    writes: Vec::new(),
                });
            }
            let last = self.commands.len().checked_sub(1);
            match op {
                Some(Op::Pipe) => previous_pipe = last,
                other => {
                    previous_pipe = None;
                    if inside.is_none() && self.commands.len() > step_start {
                        self.steps.push(Step {
                            joint,
                            commands: step_start..self.commands.len(),
                        });
                        step_start = self.commands.len();
                    }
                    joint = match other {
                        Some(Op::And) => Joint::And,
                        Some(Op::Or) => Joint::Or,
                        _ => Joint::Then,
                    };
                }
            }
        }
    }

    /// Appends `command`, then what it runs: the script of `sh -c SCRIPT`.
    fn push(&mut self, command: Command, escape: char, depth: usize) -> usize {
        let index = self.commands.len();
        // A `-c` script that is only a substitution (`sh -c "$(curl …)"`) has its
        // commands read already, as the substitution's.
        let script = shell_script_argument(&command)
            .filter(|s| s.trim() != SUBSTITUTED)
            .map(|s| s.replace(SUBSTITUTED, "true"));
        self.commands.push(command);
        if let Some(script) = script {
            self.nested(&script, index, escape, depth);
        }
        index
    }

    /// Reads a script that runs inside command `inside`, word by word if it cannot be
    /// parsed (a nested script that fails does not hide the outer one).
    fn nested(&mut self, text: &str, inside: usize, escape: char, depth: usize) {
        if depth >= MAX_SCRIPT_DEPTH {
            return;
        }
        let start = self.commands.len();
        if self.read(text, Some(inside), escape, depth + 1).is_err() {
            self.commands.truncate(start);
            self.read_words(text, Some(inside), escape);
        }
    }
}

/// The script a shell command runs: the word after `-c` (or after a cluster ending in
/// `c`, `sh -ec "…"`).
fn shell_script_argument(command: &Command) -> Option<&str> {
    if !SHELLS.contains(&command.program()?) {
        return None;
    }
    let args = command.args();
    let at = args
        .iter()
        .position(|a| short_cluster(a).is_some_and(|c| c.contains('c')))?;
    args.get(at + 1).map(String::as_str)
}

/// Walks brush's tree, appending simple commands to the script.
struct Walker<'s> {
    script: &'s mut Script,
    escape: char,
    depth: usize,
}

impl Walker<'_> {
    fn list(&mut self, list: &ast::CompoundList, inside: Option<usize>, top: bool) {
        for ast::CompoundListItem(and_or, _) in &list.0 {
            self.and_or(and_or, inside, top);
        }
    }

    fn and_or(&mut self, list: &ast::AndOrList, inside: Option<usize>, top: bool) {
        self.pipeline(&list.first, inside, top.then_some(Joint::Then));
        for next in &list.additional {
            let (joint, pipeline) = match next {
                ast::AndOr::And(p) => (Joint::And, p),
                ast::AndOr::Or(p) => (Joint::Or, p),
            };
            self.pipeline(pipeline, inside, top.then_some(joint));
        }
    }

    fn pipeline(&mut self, pipeline: &ast::Pipeline, inside: Option<usize>, step: Option<Joint>) {
        let start = self.script.commands.len();
        let mut previous_last: Option<usize> = None;
        for command in &pipeline.seq {
            let first = self.script.commands.len();
            self.command(command, inside);
            if let (Some(from), true) = (previous_last, self.script.commands.len() > first) {
                self.script.commands[first].piped_from = Some(from);
            }
            // What the next stage reads is the output of this stage's outermost
            // command: the last one at this stage's own level.
            previous_last = (first..self.script.commands.len())
                .rev()
                .find(|&i| self.script.commands[i].inside == inside)
                .or(previous_last);
        }
        if let Some(joint) = step {
            self.script.steps.push(Step {
                joint,
                commands: start..self.script.commands.len(),
            });
        }
    }

    fn command(&mut self, command: &ast::Command, inside: Option<usize>) {
        match command {
            ast::Command::Simple(simple) => self.simple(simple, inside),
            ast::Command::Compound(compound, redirects) => {
                self.compound(compound, inside);
                if let Some(list) = redirects {
                    for r in &list.0 {
                        self.redirect_substitutions(r, inside);
                    }
                }
            }
            ast::Command::Function(f) => self.compound(&f.body.0, inside),
            ast::Command::ExtendedTest(..) => {}
        }
    }

    fn compound(&mut self, compound: &ast::CompoundCommand, inside: Option<usize>) {
        use ast::CompoundCommand as C;
        match compound {
            C::BraceGroup(g) => self.list(&g.list, inside, false),
            C::Subshell(s) => self.list(&s.list, inside, false),
            C::ForClause(f) => self.list(&f.body.list, inside, false),
            C::ArithmeticForClause(f) => self.list(&f.body.list, inside, false),
            C::CaseClause(c) => {
                for item in &c.cases {
                    if let Some(list) = &item.cmd {
                        self.list(list, inside, false);
                    }
                }
            }
            C::IfClause(i) => {
                self.list(&i.condition, inside, false);
                self.list(&i.then, inside, false);
                for clause in i.elses.iter().flatten() {
                    if let Some(condition) = &clause.condition {
                        self.list(condition, inside, false);
                    }
                    self.list(&clause.body, inside, false);
                }
            }
            C::WhileClause(w) | C::UntilClause(w) => {
                self.list(&w.0, inside, false);
                self.list(&w.1.list, inside, false);
            }
            C::Coprocess(c) => self.command(&c.body, inside),
            C::Arithmetic(_) => {}
        }
    }

    fn simple(&mut self, simple: &ast::SimpleCommand, inside: Option<usize>) {
        let mut parts = Parts::default();
        for item in simple.prefix.iter().flat_map(|p| p.0.iter()) {
            parts.item(item);
        }
        if let Some(name) = &simple.word_or_name {
            parts.word(&name.value);
        }
        for item in simple.suffix.iter().flat_map(|s| s.0.iter()) {
            parts.item(item);
        }
        let Parts {
            words,
            writes,
            substitutions,
            stdin_doc,
        } = parts;
        let command = Command {
            words,
            piped_from: None,
            inside,
            writes,
        };
        // A script fed to a shell on its standard input (`sh <<EOF`, a bare `RUN
        // <<EOF` whose body the builder runs) is the shell's script. A shell given a
        // script file or `-c` reads that instead.
        let feeds_a_shell = simple.word_or_name.is_none()
            || (command.program().is_some_and(|p| SHELLS.contains(&p))
                && command
                    .args()
                    .iter()
                    .all(|a| short_cluster(a).is_some_and(|c| !c.contains('c'))));
        let index = self.script.push(command, self.escape, self.depth);
        if let Some(doc) = stdin_doc.filter(|_| feeds_a_shell) {
            self.script.nested(&doc, index, self.escape, self.depth);
        }
        for sub in substitutions {
            match sub {
                Substitution::Text(text) => {
                    self.script.nested(&text, index, self.escape, self.depth)
                }
                Substitution::Tree(list) => self.list(&list, Some(index), false),
            }
        }
    }

    fn redirect_substitutions(&mut self, redirect: &ast::IoRedirect, inside: Option<usize>) {
        if let ast::IoRedirect::File(_, _, ast::IoFileRedirectTarget::ProcessSubstitution(_, sub)) =
            redirect
        {
            self.list(&sub.list, inside, false);
        }
    }
}

/// A command nested in a word: `$(…)` and backquotes as text, `<(…)` already parsed.
enum Substitution {
    Text(String),
    Tree(ast::CompoundList),
}

/// What a simple command's words and redirections say, in the order written.
#[derive(Default)]
struct Parts {
    words: Vec<String>,
    writes: Vec<String>,
    substitutions: Vec<Substitution>,
    stdin_doc: Option<String>,
}

impl Parts {
    fn word(&mut self, raw: &str) {
        let word = unquote(raw, &mut self.substitutions);
        self.words.push(word);
    }

    fn item(&mut self, item: &ast::CommandPrefixOrSuffixItem) {
        use ast::CommandPrefixOrSuffixItem as I;
        match item {
            I::Word(w) | I::AssignmentWord(_, w) => self.word(&w.value),
            I::ProcessSubstitution(_, sub) => {
                self.words.push("<(…)".into());
                self.substitutions
                    .push(Substitution::Tree(sub.list.clone()));
            }
            I::IoRedirect(r) => self.redirect(r),
        }
    }

    fn redirect(&mut self, redirect: &ast::IoRedirect) {
        match redirect {
            ast::IoRedirect::File(fd, kind, target) => {
                let output = matches!(
                    kind,
                    ast::IoFileRedirectKind::Write
                        | ast::IoFileRedirectKind::Append
                        | ast::IoFileRedirectKind::Clobber
                ) && fd.is_none_or(|fd| fd == 1 || fd == 2);
                match target {
                    ast::IoFileRedirectTarget::Filename(w) if output => {
                        let file = unquote(&w.value, &mut self.substitutions);
                        self.writes.push(file);
                    }
                    ast::IoFileRedirectTarget::ProcessSubstitution(_, sub) => self
                        .substitutions
                        .push(Substitution::Tree(sub.list.clone())),
                    _ => {}
                }
            }
            ast::IoRedirect::OutputAndError(w, _) => {
                let file = unquote(&w.value, &mut self.substitutions);
                self.writes.push(file);
            }
            ast::IoRedirect::HereDocument(_, doc) => self.stdin_doc = Some(doc.doc.value.clone()),
            ast::IoRedirect::HereString(_, w) => {
                let text = unquote(&w.value, &mut self.substitutions);
                self.stdin_doc = Some(text);
            }
        }
    }
}

/// What a `$(…)` or backquoted substitution stands as in a word: its commands are read
/// on their own (collected into the substitutions), not again as part of the word.
pub const SUBSTITUTED: &str = "$(…)";

/// A word with its quotes removed and escapes resolved; command substitutions become
/// [`SUBSTITUTED`] and are collected into `subs`. Parameters stay as written.
fn unquote(raw: &str, subs: &mut Vec<Substitution>) -> String {
    match brush_parser::word::parse(raw, &brush_parser::ParserOptions::default()) {
        Ok(pieces) => {
            let mut out = String::new();
            flatten(raw, &pieces, &mut out, subs);
            out
        }
        Err(_) => split_words(raw, '\\')
            .into_iter()
            .map(|w| w.text)
            .collect::<Vec<_>>()
            .join(" "),
    }
}

fn flatten(
    raw: &str,
    pieces: &[WordPieceWithSource],
    out: &mut String,
    subs: &mut Vec<Substitution>,
) {
    for p in pieces {
        match &p.piece {
            WordPiece::Text(t) | WordPiece::SingleQuotedText(t) | WordPiece::AnsiCQuotedText(t) => {
                out.push_str(t)
            }
            WordPiece::EscapeSequence(s) => out.push_str(s.strip_prefix('\\').unwrap_or(s)),
            WordPiece::DoubleQuotedSequence(inner)
            | WordPiece::GettextDoubleQuotedSequence(inner) => flatten(raw, inner, out, subs),
            WordPiece::CommandSubstitution(s) | WordPiece::BackquotedCommandSubstitution(s) => {
                subs.push(Substitution::Text(s.clone()));
                out.push_str(SUBSTITUTED);
            }
            _ => out.push_str(raw.get(p.start_index..p.end_index).unwrap_or("")),
        }
    }
}

/// How deep compound commands and parentheses nest, outside quotes: an upper bound
/// of how deep brush will recurse.
fn nesting(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let mut quote: Option<char> = None;
    let mut word = String::new();
    let mut chars = text.chars();
    let close_word = |word: &mut String, depth: &mut usize, max: &mut usize| {
        match word.as_str() {
            "if" | "for" | "while" | "until" | "case" | "select" => *depth += 1,
            "fi" | "done" | "esac" => *depth = depth.saturating_sub(1),
            _ => {}
        }
        *max = (*max).max(*depth);
        word.clear();
    };
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => {
                chars.next();
            }
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '\\') => {
                chars.next();
            }
            (None, '(' | '{') => {
                close_word(&mut word, &mut depth, &mut max);
                depth += 1;
                max = max.max(depth);
            }
            (None, ')' | '}') => {
                close_word(&mut word, &mut depth, &mut max);
                depth = depth.saturating_sub(1);
            }
            (None, c) if c.is_whitespace() || c == ';' || c == '&' || c == '|' => {
                close_word(&mut word, &mut depth, &mut max)
            }
            (None, c) => word.push(c),
        }
    }
    close_word(&mut word, &mut depth, &mut max);
    max
}

/// What separates two segments of the word by word reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    And,
    Or,
    Pipe,
    Then,
}

/// Splits at unquoted operators; each segment with the operator after it.
fn split_segments(script: &str, escape: char) -> Vec<(String, Option<Op>)> {
    let mut segments = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut chars = script.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                current.push(c);
                if c == q {
                    quote = None;
                } else if c == escape
                    && q == '"'
                    && let Some(next) = chars.next()
                {
                    current.push(next);
                }
            }
            None => match c {
                '\'' | '"' => {
                    quote = Some(c);
                    current.push(c);
                }
                c if c == escape => {
                    current.push(c);
                    if let Some(next) = chars.next() {
                        current.push(next);
                    }
                }
                '|' | '&' => {
                    let doubled = chars.next_if_eq(&c).is_some();
                    let op = match (c, doubled) {
                        ('|', true) => Op::Or,
                        ('|', false) => Op::Pipe,
                        ('&', true) => Op::And,
                        _ => Op::Then,
                    };
                    segments.push((std::mem::take(&mut current), Some(op)));
                }
                ';' | '\n' | '(' | ')' => {
                    segments.push((std::mem::take(&mut current), Some(Op::Then)))
                }
                _ => current.push(c),
            },
        }
    }
    segments.push((current, None));
    segments
}

/// What an exec-form command runs (a Kubernetes `exec` probe, `HEALTHCHECK ["CMD", …]`):
/// the `-c` script of a shell (`["sh", "-c", "exit 0"]`), else the words as one command.
pub fn exec_form(words: &[String]) -> Script {
    let command = Command {
        words: words.to_vec(),
        ..Command::default()
    };
    match shell_script_argument(&command) {
        Some(script) => Script::parse(script, '\\'),
        None => Script::from_words(words.to_vec(), '\\'),
    }
}

/// The simple commands of a shell script, in order (see [`Script::parse`]).
pub fn commands(script: &str, escape: char) -> Vec<Command> {
    Script::parse(script, escape).commands
}

/// Programs whose result says nothing about the service.
fn does_nothing(c: &Command) -> bool {
    matches!(
        c.program(),
        Some("true" | ":" | "echo" | "printf" | "sleep")
    ) || (c.program() == Some("exit") && c.args().first().is_none_or(|a| a == "0"))
}

/// Why a health-check command can never fail, if it cannot: it ignores its probe's
/// result (`… || true`, `probe; exit 0`), runs nothing that looks at the service
/// (`exit 0`), or probes in a way that cannot see a failing service (`curl` without
/// `-f`, `pidof`).
pub fn never_fails(script: &str, escape: char) -> Option<&'static str> {
    let parsed = Script::parse(script, escape);
    never_fails_script(&parsed)
}

/// [`never_fails`] on a script already read.
pub fn never_fails_script(script: &Script) -> Option<&'static str> {
    let cmds = &script.commands;
    if cmds.is_empty() {
        return None;
    }
    let step_does_nothing = |step: &Step| {
        script.commands[step.commands.clone()]
            .iter()
            .all(does_nothing)
    };
    if let [.., before, last] = script.steps.as_slice()
        && step_does_nothing(last)
        && !step_does_nothing(before)
    {
        let silent = |c: &Command| matches!(c.program(), Some("true" | ":" | "exit"));
        match last.joint {
            Joint::Or if !script.commands[last.commands.clone()].iter().all(silent) => {
                return Some("its `||` fallback succeeds whatever the probe found");
            }
            Joint::Or | Joint::Then => return Some("its last step ignores the probe's result"),
            // `probe && echo ok`: a failing probe is still the script's status.
            Joint::And => {}
        }
    }
    if cmds.iter().all(does_nothing) {
        return Some("it runs nothing that looks at the service");
    }
    let probes: Vec<&Command> = cmds.iter().filter(|c| !does_nothing(c)).collect();
    if probes.iter().all(|c| {
        c.program() == Some("curl")
            && !c.has_option(Some('f'), &["--fail", "--fail-with-body"], CURL_WITH_VALUES)
    }) {
        return Some("curl without -f exits 0 on an HTTP 500");
    }
    if probes
        .iter()
        .all(|c| matches!(c.program(), Some("pidof" | "pgrep")))
    {
        return Some("a running process is not a serving one");
    }
    None
}

/// curl's short options that take a value (from `curl --help all`).
pub const CURL_WITH_VALUES: &str = "AbcCdDeEFhHKmoPQrtTuUwxXyYz";

/// wget's short options that take a value (from `wget --help`).
pub const WGET_WITH_VALUES: &str = "aABeiIlOoPQtTUwXD";

#[cfg(test)]
mod tests {
    use super::*;

    fn programs(script: &Script) -> Vec<&str> {
        script.commands.iter().filter_map(|c| c.program()).collect()
    }

    #[test]
    fn splits_at_operators_outside_quotes() {
        let cmds = commands(
            "apt-get update && sudo apt-get -y install curl; echo 'a && b' | tee x\nrm -rf /tmp/*",
            '\\',
        );
        let programs: Vec<&str> = cmds.iter().filter_map(|c| c.program()).collect();
        assert_eq!(programs, ["apt-get", "apt-get", "echo", "tee", "rm"]);
        assert_eq!(cmds[1].subcommand(), Some("install"));
        assert_eq!(cmds[2].args(), ["a && b"]);
        assert_eq!(cmds[3].piped_from, Some(2));
    }

    #[test]
    fn skips_env_prefixes() {
        let cmds = commands(
            "DEBIAN_FRONTEND=noninteractive /usr/bin/apt-get install -y x",
            '\\',
        );
        assert_eq!(cmds[0].program(), Some("apt-get"));
        assert!(cmds[0].has_arg("-y"));
    }

    #[test]
    fn commands_inside_compound_commands_are_seen() {
        let script = Script::parse(
            "if [ -n \"$X\" ]; then apt-get install -y curl; else for f in a b; do wget -q \"$f\"; done; fi; \
             case \"$A\" in x) yum install z ;; esac; { pip install y; }",
            '\\',
        );
        assert_eq!(script.unparsed, None);
        assert_eq!(programs(&script), ["[", "apt-get", "wget", "yum", "pip"]);
    }

    #[test]
    fn nested_scripts_are_read_and_know_where_they_run() {
        let script = Script::parse(
            r#"sh -ec "$(curl -fsSL https://x/i.sh)" && bash -c 'apk add x | tee log'"#,
            '\\',
        );
        assert_eq!(programs(&script), ["sh", "curl", "bash", "apk", "tee"]);
        assert_eq!(script.commands[1].inside, Some(0));
        assert_eq!(script.commands[3].inside, Some(2));
        assert_eq!(script.commands[4].piped_from, Some(3));
        assert_eq!(script.steps.len(), 2);
        let script = Script::parse("bash <(curl -s https://x/i.sh)", '\\');
        assert_eq!(programs(&script), ["bash", "curl"]);
        assert_eq!(script.commands[1].inside, Some(0));
    }

    #[test]
    fn a_heredoc_fed_to_a_shell_is_its_script() {
        let script = Script::parse("<<EOF\napt-get update\ncurl -o /x https://x\nEOF\n", '\\');
        assert_eq!(programs(&script), ["apt-get", "curl"]);
        let script = Script::parse("python3 <<EOF\nimport os\nEOF\n", '\\');
        assert_eq!(programs(&script), ["python3"]);
    }

    #[test]
    fn combined_short_options_are_read() {
        let cmd = &commands("curl -fsSLo /tmp/f https://x/f", '\\')[0];
        assert_eq!(
            cmd.option_value(Some('o'), &["--output"], CURL_WITH_VALUES),
            Some("/tmp/f")
        );
        assert!(cmd.has_option(Some('f'), &["--fail"], CURL_WITH_VALUES));
        let cmd = &commands("curl -H x-f -o/tmp/g --output=/tmp/h https://x", '\\')[0];
        assert_eq!(
            cmd.option_value(Some('o'), &["--output"], CURL_WITH_VALUES),
            Some("/tmp/g")
        );
        assert!(!cmd.has_option(Some('f'), &["--fail"], CURL_WITH_VALUES));
    }

    #[test]
    fn unparsable_shell_falls_back_to_words_and_says_why() {
        let script = Script::parse("if then fi fi (", '\\');
        assert!(script.unparsed.is_some());
        let deep = format!("{}true{}", "{ ".repeat(500), "; }".repeat(500));
        let script = Script::parse(&deep, '\\');
        assert!(
            script
                .unparsed
                .as_deref()
                .is_some_and(|w| w.contains("nests")),
            "{:?}",
            script.unparsed
        );
        assert!(programs(&script).contains(&"true"));
    }

    #[test]
    fn output_redirections_are_recorded() {
        let cmds = commands("echo \"$TOKEN\" > /root/.npmrc 2>/dev/null", '\\');
        assert_eq!(cmds[0].writes, ["/root/.npmrc", "/dev/null"]);
    }

    #[test]
    fn healthchecks_that_cannot_fail_are_recognised() {
        for script in [
            "true",
            "exit 0",
            "echo ok",
            "curl -f http://localhost/ || true",
            "curl x || exit 0",
            "curl -f http://localhost/; exit 0",
            "wget -q localhost || echo down",
            "pidof demo-service",
            "curl -sS http://localhost/healthz",
        ] {
            assert!(never_fails(script, '\\').is_some(), "{script}");
        }
        for script in [
            "curl -fsS http://localhost:8080/healthz || exit 1",
            "wget -qO- localhost:8080/healthz",
            "if curl -fsS localhost/healthz; then exit 0; else exit 1; fi",
        ] {
            assert!(never_fails(script, '\\').is_none(), "{script}");
        }
    }
}
