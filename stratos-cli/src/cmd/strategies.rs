//! `stratos strategies`: the built-ins with their config keys, defaults and ranges.

use std::io::Write;

use stratos_core::Registry;

use crate::cli::{ListFormat, StrategiesArgs};
use crate::exit::{CliError, write_err};
use crate::output::{self, table::Table};

pub(crate) fn run(args: &StrategiesArgs, registry: &Registry) -> Result<(), CliError> {
    let infos = registry.infos();
    let mut out = output::stdout();
    match args.format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &infos).map_err(write_err)?;
            writeln!(out).map_err(write_err)?;
        }
        ListFormat::Table => {
            for (n, info) in infos.iter().enumerate() {
                if n > 0 {
                    writeln!(out).map_err(write_err)?;
                }
                let mode = if info.online {
                    "batch + online"
                } else {
                    "batch"
                };
                writeln!(
                    out,
                    "{}  ({}, {mode}, v{})",
                    info.id, info.result_type, info.version
                )
                .map_err(write_err)?;
                writeln!(out, "  {}", info.description).map_err(write_err)?;
                let mut t = Table::new(["  key", "default", "allowed", "meaning"]);
                for k in &info.keys {
                    let default = if k.default.is_null() {
                        "-".to_owned()
                    } else {
                        k.default.to_string()
                    };
                    t.row(vec![
                        format!("  {}", k.name),
                        default,
                        k.allowed.clone(),
                        k.description.clone(),
                    ]);
                }
                t.write(&mut out).map_err(write_err)?;
            }
        }
    }
    out.flush().map_err(write_err)
}
