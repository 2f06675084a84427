//! The `devoops` command line: parse arguments, call the library, map errors to exit codes.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use devoops::error::Error;

#[derive(Parser)]
#[command(
    name = "devoops",
    version,
    about = "Build, serve and check the 'Works on my machine' DevOps workshop"
)]
struct Cli {
    /// Print only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Print more detail (how long each step took).
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the handbook, slide decks and lab pages into a static site.
    Build {
        /// The book's folder (holding book.toml).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Output folder (default: `[build] build-dir` from book.toml, else `book/`).
        #[arg(short = 'd', long)]
        dest_dir: Option<PathBuf>,
    },
    /// Check a lab: run its checks on your directory (default: the current one).
    Check(labkit::CheckArgs),
    /// Work on the labs themselves.
    Labs {
        #[command(subcommand)]
        command: LabsCommand,
    },
}

#[derive(Subcommand)]
enum LabsCommand {
    /// Prove every lab: checks fail on scenario/, pass on solution/, fixtures as expected.
    Verify {
        /// The labs/ folder (default: the one in the repository around the current directory).
        labs_dir: Option<PathBuf>,
    },
}

/// Terminal styling for messages, off when NO_COLOR is set or stderr is not a terminal.
struct Style {
    color: bool,
}

impl Style {
    fn detect() -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            color: !no_color && std::io::stderr().is_terminal(),
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn error(&self, err: &Error) {
        eprintln!("{} {err}", self.paint("1;31", "error:"));
    }

    fn warning(&self, text: &str) {
        eprintln!("{} {text}", self.paint("1;33", "warning:"));
    }
}

fn main() -> ExitCode {
    // Started as `demo-service` (a lab's clean room links it so), devoops is the demo service.
    if let Some(code) = labkit::multicall::dispatch() {
        return code;
    }
    let cli = Cli::parse();
    let style = Style::detect();
    let result = match &cli.command {
        Command::Build { dir, dest_dir } => run_build(&cli, &style, dir, dest_dir.as_deref()),
        Command::Check(args) => return labkit::run_check(args.clone()),
        Command::Labs {
            command: LabsCommand::Verify { labs_dir },
        } => return labkit::verify::verify_main(labs_dir.as_deref()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            style.error(&err);
            ExitCode::FAILURE
        }
    }
}

fn run_build(
    cli: &Cli,
    style: &Style,
    dir: &std::path::Path,
    dest: Option<&std::path::Path>,
) -> Result<(), Error> {
    let started = std::time::Instant::now();
    let bar = (!cli.quiet && std::io::stdout().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} pages")
                .expect("static progress template"),
        );
        bar
    });
    let progress = |done: usize, total: usize| {
        if let Some(bar) = &bar {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    };
    let report = devoops::build::build(dir, dest, &progress)?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if !cli.quiet {
        for warning in &report.warnings {
            style.warning(warning);
        }
        if cli.verbose {
            for (step, took) in &report.timings {
                println!("  {step:<18} {took:.2?}");
            }
        }
        println!(
            "Built {} pages into {} in {:.2?}",
            report.pages.len(),
            report.dest.display(),
            started.elapsed()
        );
    }
    Ok(())
}
