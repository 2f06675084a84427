//! The command-line face of the engine, shared by the per-lab checker binaries
//! (`lab-01-check` …) and by `devoops check` / `devoops labs verify`.
//!
//! Exit codes: 0 when every check passes (skips allowed), 1 when a check fails, 2 when the
//! run itself cannot happen (unknown lab, bad lab.toml, missing directory).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::cleanroom::toolbox;
use crate::engine::catalog;
use crate::engine::lab::Lab;
use crate::engine::registry;
use crate::engine::runner;
use crate::reporters::{self, Format, HumanOptions};
use crate::watch;

/// Options every way of running checks shares.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct RunOptions {
    /// The directory to check (default: the current directory; a lab's own directory means
    /// its scenario/).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Show each failed rule's ID, meaning and how to fix it.
    #[arg(long)]
    pub hints: bool,
    /// Re-run the checks whenever a file in the directory changes.
    #[arg(long)]
    pub watch: bool,
    /// List every rule the engine knows (ID, meaning, remediation, parameters) and exit.
    #[arg(long)]
    pub list_rules: bool,
    #[command(flatten)]
    pub room: crate::room::RoomArgs,
}

/// `devoops check [LAB] [--dir DIR] [--format …] [--hints] [--watch]`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct CheckArgs {
    /// The lab, by id or number (e.g. `03-state` or `3`). Default: the lab the checked
    /// directory belongs to.
    pub lab: Option<String>,
    #[command(flatten)]
    pub run: RunOptions,
}

/// The arguments of a per-lab checker binary: the lab is built in.
#[derive(clap::Parser, Debug, Clone)]
#[command(
    version,
    about = "Checks your work on a devoops lab. Run it inside the lab's scenario directory.",
    after_help = "The checker carries the labs' demo service: `lab-NN-check demo-service --help` \
                  runs it (or make a `demo-service` command with --install-tools DIR)."
)]
pub struct CheckerCli {
    #[command(flatten)]
    pub run: RunOptions,
    /// Put a `demo-service` command into DIR (it runs the service this checker carries, as
    /// `lab-NN-check demo-service` does), so your own shell can run your start script.
    #[arg(long, value_name = "DIR")]
    pub install_tools: Option<PathBuf>,
}

/// A failure to start a run, with what to do about it.
fn usage_error(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

/// Which directory to check: `--dir`, else the current directory; a lab directory (one
/// with lab.toml) means its `scenario/`.
fn target_dir(options: &RunOptions) -> Result<PathBuf, String> {
    let dir = match &options.dir {
        Some(dir) => dir.clone(),
        None => std::env::current_dir()
            .map_err(|e| format!("cannot read the current directory: {e}"))?,
    };
    if !dir.is_dir() {
        return Err(format!("{} is not a directory", dir.display()));
    }
    if dir.join("lab.toml").is_file() && dir.join("scenario").is_dir() {
        return Ok(dir.join("scenario"));
    }
    Ok(dir)
}

/// `devoops check`: find the lab (by name, or from the directory), run it, report.
pub fn run_check(args: CheckArgs) -> ExitCode {
    if args.run.list_rules {
        return list_rules();
    }
    let dir = match target_dir(&args.run) {
        Ok(dir) => dir,
        Err(e) => return usage_error(e),
    };
    let lab = match &args.lab {
        Some(name) => match catalog::embedded(name) {
            Some(Ok(lab)) => lab,
            Some(Err(e)) => return usage_error(e),
            None => {
                return usage_error(format!(
                    "no lab named {name:?}; labs: {}",
                    catalog::embedded_ids().join(", ")
                ));
            }
        },
        None => match catalog::lab_dir_above(&dir) {
            Some(lab_dir) => match Lab::load(&lab_dir) {
                Ok(lab) => lab,
                Err(e) => return usage_error(e),
            },
            None => {
                return usage_error(format!(
                    "{} is not inside a lab; name one (labs: {}) or use --dir",
                    dir.display(),
                    catalog::embedded_ids().join(", ")
                ));
            }
        },
    };
    run_lab_on(&lab, &dir, &args.run)
}

/// The `main` of a per-lab checker binary such as `lab-01-check`.
pub fn checker_main(lab_id: &str) -> ExitCode {
    if let Some(code) = crate::multicall::dispatch() {
        return code;
    }
    use clap::{CommandFactory, FromArgMatches};
    let lab = catalog::embedded(lab_id);
    let about = match &lab {
        Some(Ok(lab)) => format!(
            "Checks your work on lab {}: {}. Run it inside the lab's scenario directory.",
            lab.id, lab.title
        ),
        _ => "Checks your work on a devoops lab.".to_string(),
    };
    let matches = CheckerCli::command().about(about).get_matches();
    let cli = match CheckerCli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    if cli.run.list_rules {
        return list_rules();
    }
    if let Some(dir) = &cli.install_tools {
        return crate::multicall::install_tools(dir);
    }
    let lab = match lab {
        Some(Ok(lab)) => lab,
        Some(Err(e)) => return usage_error(e),
        None => return usage_error(format!("lab {lab_id} was not built into this checker")),
    };
    let dir = match target_dir(&cli.run) {
        Ok(dir) => dir,
        Err(e) => return usage_error(e),
    };
    run_lab_on(&lab, &dir, &cli.run)
}

fn run_lab_on(lab: &Lab, dir: &Path, options: &RunOptions) -> ExitCode {
    crate::cleanroom::guard_processes();
    let toolbox = toolbox::discover();
    let human = HumanOptions::for_terminal(options.hints);
    let reporting = crate::room::Reporting::resolve(&options.room, dir);
    if let Some(note) = crate::guidance::wrong_folder(lab, dir) {
        eprintln!("{note}");
    }
    let once = || {
        let report = runner::run_lab(lab, dir, &toolbox);
        let text = reporters::render(&report, options.format, human);
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(text.as_bytes());
        let _ = stdout.flush();
        drop(stdout);
        if let Some(note) = cleanroom_note(&report) {
            eprintln!("{note}");
        }
        if report.all_pass() {
            eprintln!("{}", crate::guidance::after_full_pass(lab));
        }
        // After the output is shown, so a slow room never delays it.
        if let Some(reporting) = &reporting {
            eprintln!("{}", reporting.report(&report));
        }
        report.all_pass()
    };
    if options.watch {
        return match watch::watch(dir, human.color, once) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => usage_error(format!("cannot watch {}: {e}", dir.display())),
        };
    }
    if once() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The one note a run without a clean room ends with, when it skipped checks for that.
fn cleanroom_note(report: &crate::engine::report::Report) -> Option<String> {
    let why = crate::platform::cleanroom_unavailable()?;
    let skipped = report
        .results
        .iter()
        .filter(|r| r.outcome.message == why.reason())
        .count();
    (skipped > 0).then(|| why.note(skipped))
}

/// Print every rule: the documentation of the engine, generated from the rules themselves.
pub fn list_rules() -> ExitCode {
    print!("{}", rules_listing());
    ExitCode::SUCCESS
}

/// The rule listing as text (also used to write docs).
pub fn rules_listing() -> String {
    let mut out = String::new();
    for rule in registry::all_rules() {
        out.push_str(&format!("{}  {}\n", rule.id(), rule.meaning()));
        out.push_str(&format!("        fix: {}\n", rule.remediation()));
        for param in rule.params_doc() {
            out.push_str(&format!("        param {param}\n"));
        }
        out.push('\n');
    }
    out.push_str("Clean-room parameters (RUN, PROM001, SEQ, OCF rules):\n");
    for param in crate::cleanroom::service::CLEANROOM_PARAMS {
        out.push_str(&format!("    {param}\n"));
    }
    out
}
