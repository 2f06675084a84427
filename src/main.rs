//! The `devoops` command line: parse arguments, call the library, map errors to exit codes.
//!
//! Exit codes, as ripgrep has them: 0 success, 1 a build or check that ran and failed, 2 a
//! usage or configuration error (clap's own usage errors are 2 too). Output to a pipe that
//! closes early (`devoops check-links | head`) ends the program quietly.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use devoops::error::{Error, ErrorKind};

/// `println!` that ends the program quietly (exit code 0, as ripgrep does) when stdout is a
/// pipe whose reader has gone, instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {
        say(format_args!($($arg)*))
    };
}

fn say(text: std::fmt::Arguments) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(text).and_then(|()| out.write_all(b"\n"))
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

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
        /// Fail on broken links and anchors (the previous site stays in place).
        #[arg(long)]
        strict: bool,
        /// Offer the checker binaries in DIR on the lab pages (one folder per target triple,
        /// as `cargo dist-build` leaves them in target/).
        #[arg(long, value_name = "DIR")]
        checkers: Option<PathBuf>,
    },
    /// Pack the workshop kit: site, labs and checkers in one offline zip for participants.
    Kit {
        /// The book's folder (holding book.toml).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The zip to write (outside the book).
        #[arg(short, long, value_name = "FILE.zip")]
        output: PathBuf,
        /// The checker binaries, one folder per target triple (default: the book's target/,
        /// where `cargo dist-build` puts them).
        #[arg(long, value_name = "DIR")]
        checkers: Option<PathBuf>,
        /// The address of the instructor's `devoops room`, recorded in the kit.
        #[arg(long, value_name = "URL")]
        room: Option<String>,
    },
    /// Check every internal link and #anchor of the chapters, lab pages and SUMMARY.md;
    /// list external links without fetching them.
    CheckLinks {
        /// The book's folder (holding book.toml).
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Serve the book with live reload: edits show up in the open browser tab by themselves.
    Serve {
        /// The book's folder (holding book.toml).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Port to listen on (0 picks a free one).
        #[arg(short, long, default_value_t = 3000)]
        port: u16,
        /// Address to listen on. The default serves this machine only; 0.0.0.0 serves the
        /// network (e.g. a classroom).
        #[arg(short, long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Open the book in the default browser.
        #[arg(long)]
        open: bool,
        /// Poll for changes instead of using native file events (Docker, WSL, network drives).
        #[arg(long)]
        poll: bool,
    },
    /// Run the instructor's room: participants' checkers report to it, a live board shows
    /// who is stuck and which check the room is failing.
    Room {
        /// Address to listen on. The default serves this machine only; 0.0.0.0 serves the
        /// network (the room's laptops).
        #[arg(short, long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Port to listen on (0 picks a free one).
        #[arg(short, long, default_value_t = 3400)]
        port: u16,
        /// Folder for the room's database; restarting with the same folder keeps the board
        /// and the addresses.
        #[arg(long, default_value = "devoops-room")]
        data: PathBuf,
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
        // One rule for the whole tool, the labs' checkers included.
        Style {
            color: labkit::reporters::color_wanted(
                std::env::var_os("NO_COLOR"),
                std::io::stderr().is_terminal(),
            ),
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
        Command::Build {
            dir,
            dest_dir,
            strict,
            checkers,
        } => {
            let options = devoops::build::BuildOptions {
                strict: *strict,
                checkers: checkers.clone(),
            };
            run_build(&cli, &style, dir, dest_dir.as_deref(), options)
        }
        Command::Kit {
            dir,
            output,
            checkers,
            room,
        } => {
            let options = devoops::kit::KitOptions {
                root: dir.clone(),
                output: output.clone(),
                checkers: checkers.clone(),
                room: room.clone(),
            };
            run_kit(&cli, &style, &options)
        }
        Command::CheckLinks { dir } => run_check_links(&cli, &style, dir),
        Command::Room { bind, port, data } => run_room(&style, *bind, *port, data),
        Command::Check(args) => return labkit::run_check(args.clone()),
        Command::Labs {
            command: LabsCommand::Verify { labs_dir },
        } => return labkit::verify::verify_main(labs_dir.as_deref()),
        Command::Serve {
            dir,
            port,
            bind,
            open,
            poll,
        } => {
            let options = devoops::serve::ServeOptions {
                root: dir.clone(),
                bind: *bind,
                port: *port,
                open: *open,
                poll: *poll,
            };
            let reporter = ServeReporter {
                style: &style,
                quiet: cli.quiet,
            };
            devoops::serve::serve(&options, &reporter)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            style.error(&err);
            match err.kind {
                ErrorKind::Failed => ExitCode::FAILURE,
                ErrorKind::Usage => ExitCode::from(2),
            }
        }
    }
}

/// How `devoops serve` talks to the terminal.
struct ServeReporter<'a> {
    style: &'a Style,
    quiet: bool,
}

impl devoops::serve::Reporter for ServeReporter<'_> {
    fn serving(&self, url: &str) {
        say!("Serving the book at {url} (Ctrl-C to stop)");
    }

    fn info(&self, text: &str) {
        if !self.quiet {
            say!("{text}");
        }
    }

    fn warning(&self, text: &str) {
        self.style.warning(text);
    }

    fn error(&self, error: &Error) {
        self.style.error(error);
    }
}

fn run_build(
    cli: &Cli,
    style: &Style,
    dir: &std::path::Path,
    dest: Option<&std::path::Path>,
    options: devoops::build::BuildOptions,
) -> Result<(), Error> {
    let started = std::time::Instant::now();
    let bar = progress_bar(cli, "pages");
    let progress = advance(&bar);
    devoops::site::interrupt::stop_builds_on_signal()?;
    let report = devoops::build::build_with(dir, dest, &progress, options)?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    if !cli.quiet {
        for warning in &report.warnings {
            style.warning(warning);
        }
        if cli.verbose {
            for (step, took) in &report.timings {
                say!("  {step:<18} {took:.2?}");
            }
        }
        say!(
            "Built {} pages into {} in {:.2?}",
            report.pages.len(),
            report.dest.display(),
            started.elapsed()
        );
    }
    Ok(())
}

/// Starts the room, prints its addresses and keeps it running until the process is stopped.
fn run_room(
    style: &Style,
    bind: std::net::IpAddr,
    port: u16,
    data: &std::path::Path,
) -> Result<(), Error> {
    let options = devoops::room::RoomOptions {
        bind,
        port,
        data: data.to_path_buf(),
    };
    let room = devoops::room::start(&options)?;
    if !bind.is_loopback() {
        style.warning(&format!(
            "serving on {bind}: anyone who can reach this machine on the network can report to the room and see the projector view; leave out --bind to serve to this machine only"
        ));
    }
    println!(
        "room: {} reports so far in {}",
        room.reports,
        room.database.display()
    );
    println!("join: {}", room.join_url);
    println!("board: {}", room.board_url);
    println!("projector: {}", room.projector_url);
    println!("(Ctrl-C to stop; start again with the same --data to carry on)");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    loop {
        std::thread::park();
    }
}

/// A progress bar on a terminal (unless `--quiet`), counting `unit`.
fn progress_bar(cli: &Cli, unit: &str) -> Option<indicatif::ProgressBar> {
    (!cli.quiet && std::io::stdout().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(&format!("{{bar:30}} {{pos}}/{{len}} {unit}"))
                .expect("static progress template"),
        );
        bar
    })
}

/// The progress callback the library calls with (done, total).
fn advance(bar: &Option<indicatif::ProgressBar>) -> impl Fn(usize, usize) + Sync + '_ {
    move |done, total| {
        if let Some(bar) = bar {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    }
}

fn run_kit(cli: &Cli, style: &Style, options: &devoops::kit::KitOptions) -> Result<(), Error> {
    let bar = progress_bar(cli, "files");
    let progress = advance(&bar);
    devoops::site::interrupt::stop_builds_on_signal()?;
    let report = devoops::kit::build_kit(options, &progress)?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    if !cli.quiet {
        for warning in &report.warnings {
            style.warning(warning);
        }
        let platforms: Vec<&str> = report.platforms.iter().map(|p| p.triple).collect();
        println!(
            "Wrote {} ({} files, {:.1} MiB) with checkers for {}\nSHA-256 {}",
            report.output.display(),
            report.files,
            report.bytes as f64 / (1024.0 * 1024.0),
            platforms.join(", "),
            report.sha256
        );
    }
    Ok(())
}

fn run_check_links(cli: &Cli, style: &Style, dir: &std::path::Path) -> Result<(), Error> {
    let report = devoops::build::check_links(dir)?;
    for broken in &report.broken {
        style.error(broken);
    }
    if !cli.quiet {
        if !report.external.is_empty() {
            say!("External links (listed, not fetched):");
            for link in &report.external {
                let line = link.line.map(|l| format!(":{l}")).unwrap_or_default();
                say!("  {}{line}: {}", link.file.display(), link.url);
            }
        }
        say!(
            "Checked {} internal links: {} broken; {} external links listed.",
            report.checked,
            report.broken.len(),
            report.external.len()
        );
    }
    if report.broken.is_empty() {
        Ok(())
    } else {
        Err(
            Error::new(format!("{} broken link(s)", report.broken.len()))
                .help("fix each link reported above (paths are relative to the chapter's file)"),
        )
    }
}
