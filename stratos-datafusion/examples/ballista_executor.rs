//! A Ballista executor that knows Stratos' functions (feature `ballista`).
//!
//! ```sh
//! cargo run --release -p stratos-datafusion --features ballista --example ballista_executor -- \
//!     --scheduler-host 10.0.0.1 --scheduler-port 50050 \
//!     --bind-host 0.0.0.0 --external-host 10.0.0.2 --bind-port 50051 --bind-grpc-port 50052 \
//!     --concurrent-tasks 8 --work-dir /var/tmp/ballista
//! ```
//!
//! Flags (named as the stock `ballista-executor`'s): `--scheduler-host` (default localhost),
//! `--scheduler-port` (50050), `--bind-host` (0.0.0.0), `--external-host` (the address the
//! scheduler, other executors and clients reach this machine at), `--bind-port` (Arrow Flight,
//! 50051), `--bind-grpc-port` (50052), `--concurrent-tasks` (default: the cores),
//! `--work-dir` (shuffle files; default a temporary directory).

use std::process::ExitCode;

use stratos_datafusion::ballista::{ExecutorProcessConfig, run_executor};

fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    value.parse().map_err(|e| format!("{flag} `{value}`: {e}"))
}

fn parse(mut config: ExecutorProcessConfig) -> Result<ExecutorProcessConfig, String> {
    config.bind_host = "0.0.0.0".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            return Err(String::new());
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--scheduler-host" => config.scheduler_host = value,
            "--scheduler-port" => config.scheduler_port = number(&flag, &value)?,
            "--bind-host" => config.bind_host = value,
            "--external-host" => config.external_host = Some(value),
            "--bind-port" => config.port = number(&flag, &value)?,
            "--bind-grpc-port" => config.grpc_port = number(&flag, &value)?,
            "--concurrent-tasks" => config.vcores = number(&flag, &value)?,
            "--work-dir" => config.work_dir = Some(value),
            other => return Err(format!("unknown flag `{other}`")),
        }
    }
    Ok(config)
}

#[tokio::main]
async fn main() -> ExitCode {
    let config = match parse(ExecutorProcessConfig::default()) {
        Ok(config) => config,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("ballista_executor: {message}");
            }
            eprintln!(
                "usage: ballista_executor [--scheduler-host HOST] [--scheduler-port PORT] \
                 [--bind-host HOST] [--external-host HOST] [--bind-port PORT] \
                 [--bind-grpc-port PORT] [--concurrent-tasks N] [--work-dir DIR]"
            );
            return ExitCode::from(2);
        }
    };
    eprintln!(
        "Stratos Ballista executor on {}:{} (scheduler {}:{})",
        config.bind_host, config.port, config.scheduler_host, config.scheduler_port
    );
    match run_executor(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ballista_executor: {e}");
            ExitCode::FAILURE
        }
    }
}
