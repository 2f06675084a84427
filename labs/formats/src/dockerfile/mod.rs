//! Dockerfiles read as data: a hand-written parser ([`parse`]), the model it builds
//! ([`Dockerfile`], [`Instruction`], [`Stage`]), shell-command reading for `RUN`, and the
//! `.dockerignore` matcher.

pub mod dockerignore;
mod model;
mod parse;
pub mod shell;
mod words;

pub use model::{Directive, Dockerfile, Flag, Heredoc, Instruction, KeyValue, Keyword, Stage};
pub use parse::{ParseError, parse};
pub use words::{Word, expand_vars, parse_json_string_array, split_words};

#[cfg(test)]
mod parse_tests;
