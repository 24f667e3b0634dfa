//! A Ballista scheduler that knows Stratos' functions (feature `ballista`).
//!
//! ```sh
//! cargo run --release -p stratos-datafusion --features ballista --example ballista_scheduler -- \
//!     --bind-host 0.0.0.0 --external-host 10.0.0.1 --bind-port 50050
//! ```
//!
//! Flags (named as the stock `ballista-scheduler`'s): `--bind-host` (default 0.0.0.0),
//! `--bind-port` (50050), `--external-host` (the address executors and clients reach this
//! machine at; default localhost), `--enable-embedded-flight-proxy` (clients fetch results
//! through the scheduler's port instead of from each executor).

use std::process::ExitCode;

use stratos_datafusion::ballista::{SchedulerConfig, run_scheduler};

fn parse(mut config: SchedulerConfig) -> Result<SchedulerConfig, String> {
    config.bind_host = "0.0.0.0".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            return Err(String::new());
        }
        if flag == "--enable-embedded-flight-proxy" {
            config.enable_embedded_flight_proxy = true;
            continue;
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--bind-host" => config.bind_host = value,
            "--external-host" => config.external_host = value,
            "--bind-port" => {
                config.bind_port = value
                    .parse()
                    .map_err(|e| format!("--bind-port `{value}`: {e}"))?;
            }
            other => return Err(format!("unknown flag `{other}`")),
        }
    }
    Ok(config)
}

#[tokio::main]
async fn main() -> ExitCode {
    let config = match parse(SchedulerConfig::default()) {
        Ok(config) => config,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("ballista_scheduler: {message}");
            }
            eprintln!(
                "usage: ballista_scheduler [--bind-host HOST] [--bind-port PORT] \
                 [--external-host HOST] [--enable-embedded-flight-proxy]"
            );
            return ExitCode::from(2);
        }
    };
    eprintln!(
        "Stratos Ballista scheduler on {}:{} (external host {})",
        config.bind_host, config.bind_port, config.external_host
    );
    match run_scheduler(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ballista_scheduler: {e}");
            ExitCode::FAILURE
        }
    }
}
