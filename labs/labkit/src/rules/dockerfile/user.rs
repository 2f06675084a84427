//! DF005: the final stage runs as a non-root user.

use super::*;

pub(super) fn non_root_user(ctx: &CheckCtx, p: &FileParams) -> Outcome {
    let (rel, df) = tri!(load(ctx, p.file.as_deref()));
    let Some((stage, user)) = effective(&df, Keyword::User) else {
        return Outcome::fail("the final stage never sets USER, so the container runs as root")
            .at(rel, final_from_line(&df));
    };
    let vars = df.variables_before(&stage, user);
    let lookup = |name: &str| {
        vars.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let Some(value) = expand_vars(user.args.trim(), &lookup) else {
        return Outcome::fail(format!(
            "USER {} uses a variable with no value here: write the user literally",
            user.args.trim()
        ))
        .at(rel, Some(user.line));
    };
    let name = value.split(':').next().unwrap_or("").trim();
    if name == "root" || name == "0" {
        let earlier = stage
            .body
            .iter()
            .filter(|i| i.keyword == Keyword::User && i.line < user.line)
            .any(|i| !matches!(i.args.split(':').next().map(str::trim), Some("root" | "0")));
        let why = if earlier {
            " (it switches back to root after a non-root USER)"
        } else {
            ""
        };
        return Outcome::fail(format!("the final image runs as `{value}`{why}"))
            .at(rel, Some(user.line));
    }
    if let Some(line) = created_with_uid_zero(&df, name) {
        return Outcome::fail(format!(
            "USER {name} is root in disguise: line {line} creates `{name}` with UID 0 (`-o -u 0`)"
        ))
        .at(rel, Some(user.line));
    }
    Outcome::pass(format!("the final image runs as `{value}`")).at(rel, Some(user.line))
}

/// The line of a `useradd`/`adduser`/`usermod` that gives `name` the UID 0: a
/// second root under another name (`useradd -o -u 0 app`).
fn created_with_uid_zero(df: &Dockerfile, name: &str) -> Option<usize> {
    all_runs(df).find_map(|run| {
        run.script(df.escape)
            .commands
            .iter()
            .any(|cmd| {
                matches!(cmd.program(), Some("useradd" | "adduser" | "usermod"))
                    && cmd.args().last().is_some_and(|a| a == name)
                    && uid_is_zero(cmd.args())
            })
            .then_some(run.line)
    })
}

fn uid_is_zero(args: &[String]) -> bool {
    args.iter().enumerate().any(|(i, a)| match a.as_str() {
        "-u" | "--uid" => args.get(i + 1).is_some_and(|v| v == "0"),
        _ => {
            matches!(a.as_str(), "-u0" | "--uid=0")
                || (a.starts_with('-')
                    && !a.starts_with("--")
                    && a.ends_with('u')
                    && args.get(i + 1).is_some_and(|v| v == "0"))
        }
    })
}
