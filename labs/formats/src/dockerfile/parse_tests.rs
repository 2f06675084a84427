//! The parser's contract, case by case: what the builder accepts, with the exact
//! lines it reports, and malformed input turned into errors naming the line.

use super::*;

fn parse_ok(source: &str) -> Dockerfile {
    match parse(source) {
        Ok(df) => df,
        Err(e) => panic!("expected {source:?} to parse, got {e}"),
    }
}

fn parse_err(source: &str) -> ParseError {
    match parse(source) {
        Ok(df) => panic!("expected an error for {source:?}, got {df:?}"),
        Err(e) => e,
    }
}

fn summary(df: &Dockerfile) -> Vec<(usize, &'static str, String)> {
    df.instructions
        .iter()
        .map(|i| (i.line, i.keyword.as_str(), i.args.clone()))
        .collect()
}

#[test]
fn instructions_keep_their_first_line() {
    let df = parse_ok("# a comment\n\nFROM alpine:3.20\n\n  run echo hi\nCMD [\"app\"]\n");
    assert_eq!(
        summary(&df),
        vec![
            (3, "FROM", "alpine:3.20".to_string()),
            (5, "RUN", "echo hi".to_string()),
            (6, "CMD", "[\"app\"]".to_string()),
        ]
    );
    assert_eq!(
        df.instructions[2].exec.as_deref(),
        Some(&["app".to_string()][..])
    );
}

#[test]
fn continuation_lines_are_joined_and_skip_comments_and_blank_lines() {
    let df = parse_ok(
        "FROM alpine:3.20\nRUN apk add \\\n    curl \\  \n# a comment inside\n\n    jq\nUSER app\n",
    );
    let run = &df.instructions[1];
    assert_eq!((run.line, run.end_line), (2, 6));
    assert_eq!(run.args, "apk add     curl     jq");
    assert_eq!(df.instructions[2].line, 7);
}

#[test]
fn continuation_at_end_of_file_ends_the_instruction() {
    let df = parse_ok("FROM alpine:3.20\nRUN echo a \\\n");
    assert_eq!(df.instructions[1].args, "echo a");
}

#[test]
fn crlf_line_endings_and_a_byte_order_mark_are_accepted() {
    let df = parse_ok("\u{feff}FROM alpine:3.20\r\nRUN echo a \\\r\n  b\r\nUSER app\r\n");
    assert_eq!(summary(&df)[1], (2, "RUN", "echo a   b".to_string()));
    assert_eq!(df.instructions[2].line, 4);
}

#[test]
fn escape_directive_switches_the_continuation_character() {
    let df = parse_ok(
        "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir c:\\ `\n  && echo done\n",
    );
    assert_eq!(df.escape, '`');
    assert_eq!(df.directives[0].line, 1);
    assert_eq!(df.instructions[1].args, "dir c:\\   && echo done");
    assert_eq!(df.instructions[1].end_line, 4);
}

#[test]
fn directives_only_count_at_the_top() {
    let df = parse_ok("# syntax=docker/dockerfile:1\n#ESCAPE = `\nFROM alpine:3.20\n");
    assert_eq!(df.directives.len(), 2);
    assert_eq!(df.escape, '`');
    // After a plain comment, a directive is just a comment.
    let df = parse_ok("# hello\n# escape=`\nFROM alpine:3.20\nRUN a \\\n b\n");
    assert_eq!(df.escape, '\\');
    assert!(df.directives.is_empty());
    assert_eq!(df.instructions[1].args, "a  b");
    // An unknown directive is a comment and ends the directive block.
    let df = parse_ok("# foo=bar\n# escape=`\nFROM alpine:3.20\n");
    assert!(df.directives.is_empty());
}

#[test]
fn bad_directives_are_errors_with_their_line() {
    assert_eq!(
        parse_err("# escape=`\n# escape=\\\nFROM a:1\n").line,
        Some(2)
    );
    let e = parse_err("# escape=x\nFROM a:1\n");
    assert_eq!(e.line, Some(1));
    assert!(e.message.contains("escape"), "{e}");
}

#[test]
fn exec_and_shell_forms_are_told_apart() {
    let df = parse_ok(
        "FROM a:1\nCMD [\"demo\", \"--port\", \"8080\"]\nENTRYPOINT demo --port 8080\nCMD ['single', 'quotes']\nRUN [\"sh\", \"-c\", \"echo\"]\n",
    );
    let forms: Vec<bool> = df.instructions[1..]
        .iter()
        .map(|i| i.is_exec_form())
        .collect();
    assert_eq!(forms, [true, false, false, true]);
    assert_eq!(df.instructions[1].exec.as_ref().unwrap()[2], "8080");
}

#[test]
fn flags_are_separated_from_arguments() {
    let df = parse_ok(
        "FROM --platform=$BUILDPLATFORM rust:1.85 AS build\nCOPY --from=build --chown=app:app /out /app\nRUN --mount=type=cache,target=/root/.cargo cargo build\nHEALTHCHECK --interval=30s --timeout=3s CMD [\"demo\", \"check\"]\n",
    );
    let from = &df.instructions[0];
    assert_eq!(
        from.flag("platform").unwrap().value.as_deref(),
        Some("$BUILDPLATFORM")
    );
    assert_eq!(from.args, "rust:1.85 AS build");
    let copy = &df.instructions[1];
    assert_eq!(copy.flags.len(), 2);
    assert_eq!(copy.flag("from").unwrap().value.as_deref(), Some("build"));
    assert_eq!(copy.args, "/out /app");
    assert_eq!(
        df.instructions[2].flag("mount").unwrap().value.as_deref(),
        Some("type=cache,target=/root/.cargo")
    );
    assert_eq!(df.instructions[3].args, "CMD [\"demo\", \"check\"]");
}

#[test]
fn heredocs_are_read_with_their_lines() {
    let df = parse_ok(
        "FROM debian:12\nRUN <<EOF\nset -e\napt-get update\nEOF\nCOPY <<-\"CONF\" /etc/app.conf\n\tport=8080\n\tCONF\nUSER app\n",
    );
    let run = &df.instructions[1];
    assert_eq!((run.line, run.end_line), (2, 5));
    assert_eq!(run.heredocs.len(), 1);
    assert_eq!(run.heredocs[0].body, "set -e\napt-get update\n");
    assert_eq!(run.heredocs[0].body_line, 3);
    let copy = &df.instructions[2];
    assert_eq!(copy.line, 6);
    assert_eq!(copy.heredocs[0].delimiter, "CONF");
    assert!(copy.heredocs[0].quoted);
    assert_eq!(copy.heredocs[0].body, "port=8080\n");
    assert_eq!(df.instructions[3].line, 9);
    assert!(run.command_text().contains("apt-get update"));
}

#[test]
fn several_heredocs_on_one_instruction_follow_each_other() {
    let df = parse_ok("FROM a:1\nCOPY <<one <<two /dest/\nfirst\none\nsecond\ntwo\nCMD [\"x\"]\n");
    let copy = &df.instructions[1];
    let bodies: Vec<(&str, usize)> = copy
        .heredocs
        .iter()
        .map(|h| (h.body.as_str(), h.body_line))
        .collect();
    assert_eq!(bodies, [("first\n", 3), ("second\n", 5)]);
    assert_eq!(df.instructions[2].line, 7);
}

#[test]
fn heredoc_lookalikes_are_not_heredocs() {
    let df = parse_ok(
        "FROM a:1\nRUN cat <<<\"here string\"\nRUN echo \"<<EOF\"\nRUN [\"sh\", \"<<EOF\"]\nCMD [\"x\"]\n",
    );
    assert!(df.instructions.iter().all(|i| i.heredocs.is_empty()));
    assert_eq!(df.instructions.len(), 5);
}

#[test]
fn heredoc_with_a_command_after_the_marker() {
    let df = parse_ok("FROM python:3.12\nRUN python3 <<PY > /out.txt\nprint('hi')\nPY\n");
    assert_eq!(df.instructions[1].heredocs[0].body, "print('hi')\n");
}

#[test]
fn an_unterminated_heredoc_names_its_instruction_line() {
    let e = parse_err("FROM a:1\n\nRUN <<EOF\necho never closed\n");
    assert_eq!(e.line, Some(3));
    assert!(e.message.contains("EOF"), "{e}");
}

#[test]
fn malformed_instructions_are_errors_with_lines() {
    let cases: &[(&str, usize, &str)] = &[
        ("FROM a:1\nRUNN echo\n", 2, "unknown instruction"),
        ("FROM a:1\n\nRUN\n", 3, "needs arguments"),
        ("FROM a:1 AS\n", 1, "FROM takes"),
        ("FROM a:1 b c d\n", 1, "FROM takes"),
        ("RUN echo\nFROM a:1\n", 1, "before the first FROM"),
        ("# only a comment\n", 1, "no FROM"),
        ("", 1, "no FROM"),
        ("ARG X=1\n", 1, "no FROM"),
        ("FROM a:1\nSHELL /bin/bash -c\n", 2, "SHELL"),
        ("FROM a:1\nHEALTHCHECK curl localhost\n", 2, "HEALTHCHECK"),
        ("FROM a:1\nHEALTHCHECK CMD\n", 2, "HEALTHCHECK CMD"),
        ("FROM a:1\nENV ONLYNAME\n", 2, "no value"),
        ("FROM a:1\nLABEL a=1 b\n", 2, "KEY=value"),
    ];
    for (source, line, needle) in cases {
        let e = parse_err(source);
        assert_eq!(e.line, Some(*line), "{source:?}: {e}");
        assert!(e.message.contains(needle), "{source:?}: {e}");
    }
}

#[test]
fn garbage_never_panics() {
    let inputs = [
        "\0\0\0",
        "FROM",
        "\\",
        "FROM a\\",
        "FROM a:1\nRUN <<",
        "FROM a:1\nRUN <<-",
        "FROM a:1\nRUN 2<<'E\nE'\n",
        "FROM a:1\nENV \"\n",
        "FROM a:1\nCMD [\"\\u12\"]\n",
        "FROM a:1\nCOPY --=x a b\n",
        "FROM a:1\nRUN --\n",
        "#\n#=\n# =x\nFROM a:1\n",
        "FROM a:1\nUSER ${\n",
        "\u{1F600} FROM\n",
    ];
    for input in inputs {
        let _ = parse(input);
    }
}

#[test]
fn key_values_cover_env_arg_and_label_forms() {
    let df = parse_ok(
        "ARG BASE=alpine:3.20\nARG NODEFAULT\nFROM $BASE\nENV A=1 B=\"two words\" C=a\\ b\nENV LEGACY value with spaces\nLABEL org.opencontainers.image.source=\"https://example.org\"\n",
    );
    let kv = |n: usize| -> Vec<(String, Option<String>)> {
        df.instructions[n]
            .key_values(df.escape)
            .into_iter()
            .map(|kv| (kv.key, kv.value))
            .collect()
    };
    assert_eq!(kv(0), [("BASE".into(), Some("alpine:3.20".into()))]);
    assert_eq!(kv(1), [("NODEFAULT".into(), None)]);
    assert_eq!(
        kv(3),
        [
            ("A".into(), Some("1".into())),
            ("B".into(), Some("two words".into())),
            ("C".into(), Some("a b".into()))
        ]
    );
    assert_eq!(kv(4), [("LEGACY".into(), Some("value with spaces".into()))]);
    assert_eq!(kv(5)[0].1.as_deref(), Some("https://example.org"));
}

#[test]
fn stages_know_their_base_name_and_body() {
    let df = parse_ok(
        "ARG RUST=1.85\nFROM rust:${RUST} AS Build\nRUN cargo build\nFROM debian:12-slim\nCOPY --from=build /x /x\nUSER app\nFROM build AS test\nRUN cargo test\n",
    );
    let stages = df.stages();
    assert_eq!(stages.len(), 3);
    assert_eq!(stages[0].name.as_deref(), Some("build"));
    assert_eq!(df.resolved_base(&stages[0]).as_deref(), Some("rust:1.85"));
    assert_eq!(stages[1].body.len(), 2);
    assert_eq!(stages[1].from.line, 4);
    assert!(!df.is_stage_reference(&stages[1]));
    assert!(df.is_stage_reference(&stages[2]));
    let last = df.final_stage().unwrap();
    assert_eq!(last.index, 2);
    assert_eq!(last.body[0].line, 8);
    assert_eq!(df.global_args().len(), 1);
}

#[test]
fn stage_variables_follow_arg_and_env_order() {
    let df = parse_ok("ARG UID=1000\nFROM a:1\nARG UID\nENV HOME=/home/app\nUSER ${UID}\n");
    let stage = df.final_stage().unwrap();
    let user = stage.body.last().unwrap();
    let vars = df.variables_before(&stage, user);
    assert_eq!(
        vars,
        [
            ("UID".to_string(), "1000".to_string()),
            ("HOME".to_string(), "/home/app".to_string())
        ]
    );
}

#[test]
fn heredoc_bodies_keep_comment_lines_and_backslashes() {
    let df = parse_ok(
        "FROM a:1\nRUN <<EOF\n# not a Dockerfile comment\necho a \\\n  b\n\nEOF\nUSER app\n",
    );
    let run = &df.instructions[1];
    assert_eq!(
        run.heredocs[0].body,
        "# not a Dockerfile comment\necho a \\\n  b\n\n"
    );
    assert_eq!(df.instructions[2].line, 8);
}

#[test]
fn heredoc_marker_on_a_continued_line_starts_after_the_whole_instruction() {
    let df = parse_ok(
        "FROM a:1\nRUN --mount=type=cache,target=/var/cache \\\n    bash <<EOF\nset -e\nEOF\nCMD [\"x\"]\n",
    );
    let run = &df.instructions[1];
    assert_eq!((run.line, run.end_line), (2, 5));
    assert_eq!(run.heredocs[0].body_line, 4);
    assert_eq!(run.heredocs[0].body, "set -e\n");
}

#[test]
fn lower_case_keywords_and_tabs_are_fine() {
    let df = parse_ok("from\talpine:3.20 as base\n\tuser\tapp\ncmd [\"x\"]\n");
    assert_eq!(df.stages()[0].name.as_deref(), Some("base"));
    assert_eq!(df.instructions[1].keyword, Keyword::User);
    assert_eq!(df.instructions[1].args, "app");
}

#[test]
fn onbuild_keeps_its_nested_instruction_as_arguments() {
    let df = parse_ok("FROM a:1\nONBUILD RUN echo hi\n");
    assert_eq!(df.instructions[1].keyword, Keyword::Onbuild);
    assert_eq!(df.instructions[1].args, "RUN echo hi");
}

#[test]
fn legacy_label_is_one_key_and_the_rest_of_the_line() {
    let df = parse_ok("FROM alpine:3.20\nLABEL maintainer \"Jane Doe <jane@example.com>\"\n");
    let kv = df.instructions[1].key_values(df.escape);
    assert_eq!(kv.len(), 1);
    assert_eq!(kv[0].key, "maintainer");
    assert_eq!(kv[0].value.as_deref(), Some("Jane Doe <jane@example.com>"));
}

#[test]
fn an_escaped_escape_at_the_end_of_a_line_is_no_continuation() {
    let df = parse_ok("FROM scratch\nENV WINDIR C:\\\\\nUSER app\n");
    assert_eq!(df.instructions.len(), 3);
    assert_eq!(df.instructions[2].keyword, Keyword::User);
}

#[test]
fn a_continuation_at_the_end_of_the_file_ends_on_its_last_text_line() {
    let df = parse_ok("FROM alpine:3.20\nRUN echo a \\\n  b \\\n\n# done\n");
    assert_eq!(
        (df.instructions[1].line, df.instructions[1].end_line),
        (2, 3)
    );
}

#[test]
fn onbuild_triggers_are_parsed_like_instructions() {
    let df = parse_ok("FROM alpine:3.20\nONBUILD RUN [\"make\", \"install\"]\n");
    let trigger = df.instructions[1].trigger.as_deref().unwrap();
    assert_eq!(trigger.keyword, Keyword::Run);
    assert!(trigger.is_exec_form());
    assert_eq!(trigger.line, 2);
    let e = parse_err("FROM alpine:3.20\nONBUILD ONBUILD RUN x\n");
    assert_eq!(e.to_string(), "line 2: ONBUILD cannot trigger ONBUILD");
}
