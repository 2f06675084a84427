//! DF002: no script is downloaded and run unverified. Judged on the command tree of
//! each RUN (see `formats::dockerfile::shell`): pipes, `$(…)`, `<(…)` and `sh -c`
//! scripts, also behind `if`/`then`/`do`.

use super::*;
use formats::dockerfile::shell::{CURL_WITH_VALUES, SUBSTITUTED, Script, WGET_WITH_VALUES};

static INTERPRETER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:sh|bash|zsh|ksh|mksh|dash|ash|python[0-9.]*|perl|ruby|node)$")
        .expect("valid regex")
});

/// Programs that print a file's digest; with `-c` they check files against a list.
const DIGESTS: [&str; 9] = [
    "sha256sum",
    "sha512sum",
    "sha384sum",
    "sha224sum",
    "sha1sum",
    "md5sum",
    "b2sum",
    "shasum",
    "cksum",
];

pub(super) fn no_download_and_execute(ctx: &CheckCtx, p: &FileParams) -> Outcome {
    let (rel, df) = tri!(load(ctx, p.file.as_deref()));
    let (scripts, warnings) = run_scripts(&rel, &df);
    let findings = scripts
        .iter()
        .filter_map(|(run, script)| {
            executed_download(script).map(|why| Finding::new(&rel, Some(run.line), why))
        })
        .collect();
    outcome(&rel, findings, "no RUN executes an unverified download").with_warnings(warnings)
}

/// What in `script` runs a download unchecked, said for the participant.
pub(super) fn executed_download(script: &Script) -> Option<String> {
    let cmds = &script.commands;
    for (i, c) in cmds.iter().enumerate() {
        if runs_its_input(c)
            && let Some(download) = feeding_download(script, i)
        {
            return Some(format!(
                "`{} | {}` runs whatever the server sends today, unverified",
                download.words.join(" "),
                c.words.join(" ")
            ));
        }
        if runs_its_substitution(c)
            && cmds
                .iter()
                .any(|n| n.inside == Some(i) && downloads_to_stdout(n))
        {
            return Some(format!(
                "`{}` executes a download without checking it",
                c.words.join(" ")
            ));
        }
    }
    executed_unverified(cmds).map(|(file, how)| {
        format!("`{file}` is downloaded and {how} without a checksum or signature check: same as curl | sh")
    })
}

/// A download to standard output that reaches command `reader` through its pipe,
/// directly or through filters (`curl … | tee log | sh`, `curl … | gunzip | sh`).
fn feeding_download(script: &Script, reader: usize) -> Option<&Command> {
    let mut at = reader;
    for _ in 0..8 {
        let from = script.commands[at].piped_from?;
        let command = &script.commands[from];
        if downloads_to_stdout(command) {
            return Some(command);
        }
        at = from;
    }
    None
}

/// An interpreter that runs the script on its standard input: no script file, no
/// `-c`/`-e` code, or `-s` (`sh -s -- --yes`).
fn runs_its_input(c: &Command) -> bool {
    let Some(program) = c.program() else {
        return false;
    };
    if !INTERPRETER.is_match(program) {
        return false;
    }
    let clusters: Vec<&str> = c
        .args()
        .iter()
        .filter_map(|a| a.strip_prefix('-').filter(|r| !r.starts_with('-')))
        .collect();
    if clusters.iter().any(|c| c.contains('s')) {
        return true;
    }
    if clusters.iter().any(|c| c.contains('c') || c.contains('e')) {
        return false;
    }
    c.args()
        .iter()
        .find(|a| !a.starts_with('-'))
        .is_none_or(|a| a == "-")
}

/// `sh -c "$(curl …)"`, `bash <(curl …)`, `eval "$(wget -O- …)"`, `. <(curl …)`: a
/// program that runs code whose only code is what a substitution produces.
fn runs_its_substitution(c: &Command) -> bool {
    let Some(program) = c.program() else {
        return false;
    };
    let runs_code = INTERPRETER.is_match(program) || matches!(program, "eval" | "source" | ".");
    let operands: Vec<&String> = c.args().iter().filter(|a| !a.starts_with('-')).collect();
    runs_code
        && !operands.is_empty()
        && operands
            .iter()
            .all(|a| a.contains(SUBSTITUTED) || a.as_str() == "<(…)")
}

/// curl or wget writing what they fetch to standard output.
fn downloads_to_stdout(c: &Command) -> bool {
    match c.program() {
        Some("curl") => download_target(c).is_none(),
        Some("wget") => {
            c.option_value(Some('O'), &["--output-document"], WGET_WITH_VALUES) == Some("-")
        }
        Some("fetch") => c.option_value(Some('o'), &["--output"], "o") == Some("-"),
        _ => false,
    }
}

/// A file fetched by curl/wget and then run, made executable or installed as a package
/// in the same RUN, with no checksum or signature check anywhere in it.
#[cfg(test)]
pub(super) fn executed_unverified_download(cmds: &[Command]) -> Option<String> {
    executed_unverified(cmds).map(|(file, _)| file)
}

/// [`executed_unverified_download`] with what was done with the file.
fn executed_unverified(cmds: &[Command]) -> Option<(String, &'static str)> {
    if verifies(cmds) {
        return None;
    }
    cmds.iter().filter_map(download_target).find_map(|file| {
        let name = file.rsplit('/').next().unwrap_or(&file).to_string();
        let same = |word: &str| !name.is_empty() && word.rsplit('/').next() == Some(name.as_str());
        cmds.iter().find_map(|c| {
            let program = c.program().unwrap_or("");
            let operands = || c.args().iter().filter(|a| !a.starts_with('-'));
            let interpreted =
                INTERPRETER.is_match(program) || program == "source" || program == ".";
            let how =
                if same(program) || (interpreted && operands().next().is_some_and(|a| same(a))) {
                    "executed"
                } else if program == "chmod" && c.args().iter().any(|a| same(a)) {
                    "made executable"
                } else if installs_package_file(c) && operands().any(|a| same(a)) {
                    "installed as a package (its install scripts run as root)"
                } else {
                    return None;
                };
            Some((file.clone(), how))
        })
    })
}

/// `dpkg -i f.deb`, `apt-get install ./f.deb`, `rpm -i f.rpm`, `dnf install f.rpm`:
/// a local package file is installed with no repository signature behind it.
fn installs_package_file(c: &Command) -> bool {
    let local_package = || {
        c.args()
            .iter()
            .any(|a| a.ends_with(".deb") || a.ends_with(".rpm"))
    };
    match c.program() {
        Some("dpkg") => c.has_option(Some('i'), &["--install"], ""),
        Some("rpm") => {
            c.has_option(Some('i'), &["--install"], "")
                || c.has_option(Some('U'), &["--upgrade"], "")
        }
        Some("apt-get" | "apt" | "yum" | "dnf" | "microdnf" | "zypper" | "gdebi") => {
            local_package()
        }
        _ => false,
    }
}

/// A check that fails the build when a download is not what it should be: a digest
/// checked against a list (`sha256sum -c`), a digest compared (`[ "$(sha256sum f …)" =
/// "$SUM" ]`, `openssl dgst -sha256 f | grep -q "$SUM"`), or a signature verified (gpg
/// --verify, gpgv, cosign verify, minisign -V, openssl dgst -verify). A digest only
/// printed (`sha256sum f`) proves nothing.
pub(super) fn verifies(cmds: &[Command]) -> bool {
    let compares = |i: usize| {
        cmds.iter().enumerate().any(|(j, c)| {
            (c.piped_from == Some(i) && matches!(c.program(), Some("grep" | "cmp" | "diff")))
                || (Some(j) == cmds[i].inside && matches!(c.program(), Some("[" | "test")))
        })
    };
    cmds.iter().enumerate().any(|(i, c)| {
        let program = c.program().unwrap_or("");
        let digest = DIGESTS.contains(&program)
            || (program == "openssl"
                && matches!(c.subcommand(), Some("dgst" | "sha256" | "sha512")));
        let checks = match program {
            p if DIGESTS.contains(&p) => c.has_option(Some('c'), &["--check"], "a"),
            "openssl" => c.has_option(None, &["-verify", "-prverify", "-signature"], ""),
            "gpg" | "gpg2" => c.has_option(None, &["--verify", "--verify-files"], ""),
            "gpgv" | "gpgv2" => true,
            "cosign" => c.subcommand().is_some_and(|s| s.starts_with("verify")),
            "minisign" | "signify" => c.has_option(Some('V'), &[], "pxmsP"),
            _ => false,
        };
        checks || (digest && compares(i))
    })
}

/// Where a curl or wget command saves what it fetches: `-o f`, `-fsSLo f`, `-O`
/// (the URL's last part), `wget URL`, `wget -O f`.
pub(super) fn download_target(cmd: &Command) -> Option<String> {
    let url_name = || {
        cmd.args()
            .iter()
            .find(|a| a.contains("://"))
            .and_then(|u| u.trim_end_matches('/').rsplit('/').next())
            .map(str::to_string)
    };
    match cmd.program()? {
        "curl" => cmd
            .option_value(Some('o'), &["--output"], CURL_WITH_VALUES)
            .map(str::to_string)
            .or_else(|| {
                cmd.has_option(Some('O'), &["--remote-name"], CURL_WITH_VALUES)
                    .then(url_name)
                    .flatten()
            }),
        "wget" => match cmd.option_value(Some('O'), &["--output-document"], WGET_WITH_VALUES) {
            Some("-") => None,
            Some(target) => Some(target.to_string()),
            None => url_name(),
        },
        _ => None,
    }
}
