//! Reporters: separate views over one [`Report`]. None of them runs checks or decides exit
//! codes; they only render.

mod human;
mod json;
mod junit;
mod tap;

pub use human::{HumanOptions, color_wanted, human};
pub use json::json;
pub use junit::junit;
pub use tap::tap;

use crate::engine::report::Report;

/// The output formats a checker offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// ✔/✘ per check with file:line, message and hint, then a summary.
    #[default]
    Human,
    /// One JSON document, for collecting results.
    Json,
    /// JUnit XML, for CI systems.
    Junit,
    /// Test Anything Protocol version 13.
    Tap,
}

/// Render `report` in `format`.
pub fn render(report: &Report, format: Format, human_options: HumanOptions) -> String {
    match format {
        Format::Human => human(report, human_options),
        Format::Json => json(report),
        Format::Junit => junit(report),
        Format::Tap => tap(report),
    }
}
