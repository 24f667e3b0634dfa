//! The issue's must-show: one series given as clean CSV, newest-first CSV, US-date CSV,
//! European CSV (`;` and decimal comma), `.csv.gz`, `.csv.zst`, flat NDJSON, envelope NDJSON,
//! a URL served from 127.0.0.1, and an XLSX with a cover sheet gives byte-identical result
//! JSON, through the library (`read_source` then `registry().build(..).execute(..)`) and
//! through `stratos run`. The fixtures are written by pandas, gzip, zstd and openpyxl
//! (`stratos-ingest/tests/data/cross/gen.py`).

use std::io::{Read, Write};
use std::net::TcpListener;

use stratos_ingest::{ReadOptions, read_source};

use super::common::{run, stderr, stdout};

fn fixture(name: &str) -> String {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../stratos-ingest/tests/data/cross")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

/// Serves `body` as an HTTP 200 response to each of `count` connections.
fn serve(body: Vec<u8>, count: usize) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        for _ in 0..count {
            let Ok((mut stream, _)) = listener.accept() else {
                return;
            };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    (base, handle)
}

/// The result JSON the library gives for `source`, as `run --format json` prints it.
fn library_json(source: &str, strategy: &str, config: &str) -> String {
    let frame =
        read_source(source, &ReadOptions::default()).unwrap_or_else(|e| panic!("{source}: {e}"));
    let config: serde_json::Value = serde_json::from_str(config).unwrap();
    let result = stratos_strategies::registry()
        .build(strategy, config)
        .unwrap()
        .execute(&frame)
        .unwrap_or_else(|e| panic!("{source}: {e}"));
    let mut text = serde_json::to_string_pretty(&result).unwrap();
    text.push('\n');
    text
}

fn cli_json(source: &str, strategy: &str, config: &str) -> String {
    let o = run(
        &[
            "run", strategy, source, "--config", config, "--format", "json",
        ],
        "",
    );
    assert!(o.status.success(), "{source}: {}", stderr(&o));
    stdout(&o)
}

#[test]
fn every_format_gives_the_same_result_json_through_library_and_cli() {
    let strategies = [
        ("moving_average", r#"{"period":5}"#),
        ("anomaly_detection", r#"{"window_size":10,"threshold":2}"#),
    ];
    // The library and the CLI each read the URL once per strategy.
    let clean = std::fs::read(fixture("clean.csv")).unwrap();
    let (base, server) = serve(clean, 2 * strategies.len());
    let url = format!("{base}/exports/prices.csv?day=1");
    let mut sources: Vec<String> = [
        "newest_first.csv",
        "us_dates.csv",
        "european.csv",
        "clean.csv.gz",
        "clean.csv.zst",
        "flat.ndjson",
        "envelope.ndjson",
        "cover.xlsx",
    ]
    .iter()
    .map(|name| fixture(name))
    .collect();
    sources.push(url);
    for (strategy, config) in strategies {
        let want = library_json(&fixture("clean.csv"), strategy, config);
        // The answers are about the right rows: the latest bar, the dip in mid-March.
        let expect = match strategy {
            "moving_average" => r#""timestamp": "2024-04-09T00:00:00Z""#,
            _ => r#""timestamp": "2024-03-16T00:00:00Z""#,
        };
        assert!(want.contains(expect), "{strategy}: {want}");
        assert_eq!(
            cli_json(&fixture("clean.csv"), strategy, config),
            want,
            "{strategy}: CLI on clean.csv"
        );
        for source in &sources {
            let name = source.rsplit('/').next().unwrap_or(source);
            assert_eq!(
                library_json(source, strategy, config),
                want,
                "{strategy}: library on {name}"
            );
            assert_eq!(
                cli_json(source, strategy, config),
                want,
                "{strategy}: CLI on {name}"
            );
        }
    }
    server.join().unwrap();
}
