//! The `stratos` command: run strategies on files, stream records through them on stdin.

mod cli;
mod cmd;
mod exit;
mod help;
mod output;
mod plot;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::exit::CliError;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            // Help or version to a closed pipe: nothing more to say.
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => e.report(),
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    let registry = stratos_strategies::registry();
    match cli.command {
        Command::Run(args) => cmd::run::run(&args, &registry),
        Command::Stream(args) => cmd::stream::run(&args, &registry),
        Command::Strategies(args) => cmd::strategies::run(&args, &registry),
        Command::Inspect(args) => cmd::inspect::run(&args),
        Command::Stationarity(args) => cmd::stationarity::run(&args),
        Command::ExtractPdf(args) => cmd::pdf_child::child(&args),
        Command::Backtest(args) => cmd::backtest::run(&args, &registry),
        Command::Evaluate(args) => cmd::evaluate::run(&args),
        #[cfg(feature = "sql")]
        Command::Sql(args) => cmd::sql::run(&args),
    }
}
