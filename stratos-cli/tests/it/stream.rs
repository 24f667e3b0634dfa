//! `stratos stream` on the library engine: several strategies, tenants and their limits,
//! `--stats-every`, and batch `run` agreeing with `stream` on the same records.

use std::io::{BufRead, BufReader, Write};
use std::sync::mpsc;
use std::time::Duration;

use super::common::{file, run, spawn, stderr, stdout};

fn events(out: &str) -> Vec<serde_json::Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

const T0: i64 = 1_705_312_800;

/// Brand mentions once a minute: ~120 for 40 minutes, then 400.
fn mentions_csv() -> String {
    let mut s = String::from("timestamp,stream_id,mentions\n");
    for i in 0..60 {
        let v = if i < 40 { 120 + i % 3 } else { 400 };
        s.push_str(&format!("{},brand,{v}\n", T0 + 60 * i));
    }
    s
}

#[test]
fn trend_stream_equals_batch_run() {
    let config = r#"{"time_window":600,"min_baseline":100}"#;
    let csv = mentions_csv();
    let p = file("mentions.csv", &csv);
    let o = run(
        &[
            "run",
            "trend_analysis",
            p.to_str().unwrap(),
            "--config",
            config,
            "--format",
            "json",
        ],
        "",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let batch: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let o = run(
        &["stream", "--strategy", "trend_analysis", "--config", config],
        &csv,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let got: Vec<(String, String)> = events(&stdout(&o))
        .iter()
        .filter(|e| e["event"] == "strategy_result")
        .map(|e| {
            (
                e["data"]["status"].as_str().unwrap().to_owned(),
                e["timestamp"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut want = Vec::new();
    for t in batch["data"]["trends"].as_array().unwrap() {
        want.push((
            "trend_started".to_owned(),
            t["start_timestamp"].as_str().unwrap().to_owned(),
        ));
        if let Some(end) = t["end_timestamp"].as_str() {
            want.push(("trend_ended".to_owned(), end.to_owned()));
        }
    }
    assert!(!want.is_empty());
    assert_eq!(got, want);
    let alerts = events(&stdout(&o))
        .into_iter()
        .filter(|e| e["event"] == "alert")
        .count();
    assert_eq!(alerts, 1);
}

/// Audit completions of two companies every 30 s for three hours, as CSV.
fn audit_csv() -> String {
    let mut s = String::from("timestamp,stream_id,company_id,amount,failed\n");
    for i in 0..360 {
        let company = if i % 4 == 0 { "acme" } else { "globex" };
        let amount = 10 + (i * 7) % 50;
        let failed = u8::from(i % 9 == 0);
        s.push_str(&format!(
            "{},audits,{company},{amount},{failed}\n",
            T0 + 30 * i
        ));
    }
    s
}

#[test]
fn window_group_by_from_csv_equals_batch_run() {
    let config = r#"{"window":"1h","group_by":"company_id","aggregations":["count","sum(amount)","p95(amount)","rate(failed)"]}"#;
    let csv = audit_csv();
    let p = file("audits.csv", &csv);
    let o = run(
        &[
            "run",
            "window_aggregate",
            p.to_str().unwrap(),
            "--config",
            config,
            "--format",
            "json",
        ],
        "",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let batch: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let want: Vec<serde_json::Value> = batch["data"]["windows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["complete"] == true)
        .map(|w| {
            let mut w = w.clone();
            w.as_object_mut().unwrap().remove("complete");
            w
        })
        .collect();
    let o = run(
        &[
            "stream",
            "--strategy",
            "window_aggregate",
            "--config",
            config,
        ],
        &csv,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let got: Vec<serde_json::Value> = events(&stdout(&o))
        .into_iter()
        .map(|e| e["data"].clone())
        .collect();
    // Hours 1 and 2 closed for both companies; hour 3 is still open when the input ends.
    assert_eq!(got.len(), 4);
    assert_eq!(got, want);
    assert_eq!(got[0]["group"], "acme");
    assert_eq!(got[0]["count"], 30);
}

#[test]
fn several_strategies_run_on_every_stream() {
    let mut csv = String::from("timestamp,stream_id,value\n");
    for i in 0..200 {
        for s in ["a", "b"] {
            let v = if i == 150 {
                90.0
            } else {
                20.0 + (i % 5) as f64
            };
            csv.push_str(&format!("{},{s},{v}\n", T0 + i * 10));
        }
    }
    let o = run(
        &[
            "stream",
            "--strategy",
            "anomaly_detection",
            "--config",
            r#"{"window_size":50,"threshold":4,"alert_level":"CRITICAL"}"#,
            "--strategy",
            "window_aggregate",
            "--config",
            r#"{"window":600,"aggregations":["max(value)"]}"#,
        ],
        &csv,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let ev = events(&stdout(&o));
    for s in ["a", "b"] {
        let anomalies = ev
            .iter()
            .filter(|e| e["stream_id"] == s && e["strategy_id"] == "anomaly_detection")
            .count();
        assert_eq!(anomalies, 1, "{s}");
        let windows = ev
            .iter()
            .filter(|e| e["stream_id"] == s && e["strategy_id"] == "window_aggregate")
            .count();
        // 2000 s of data: windows ending at 600, 1200, 1800 closed.
        assert_eq!(windows, 3, "{s}");
    }
    assert!(
        stderr(&o).contains("stratos: stream: 400 records"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn iot_motor_spike_raises_a_critical_alert() {
    // The seed's IoT example: motor readings (temperature, vibration, rpm), a spike in
    // temperature at reading 120.
    let mut nd = String::new();
    for i in 0..150 {
        let temperature = if i == 120 {
            98.5
        } else {
            72.0 + (i % 7) as f64 * 0.3
        };
        let vibration = 0.5 + (i % 4) as f64 * 0.01;
        let rpm = 1800 + (i % 5) * 3;
        nd.push_str(&format!(
            r#"{{"stream_id":"motor_01","data_type":"IOT_SENSOR","payload":{{"temperature":{temperature},"vibration":{vibration},"rpm":{rpm}}},"timestamp":{}}}"#,
            T0 + i * 5
        ));
        nd.push('\n');
    }
    let o = run(
        &[
            "stream",
            "--strategy",
            "anomaly_detection",
            "--config",
            r#"{"threshold":3.0,"window_size":50,"alert_level":"CRITICAL","fields":["temperature","vibration","rpm"]}"#,
        ],
        &nd,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let ev = events(&stdout(&o));
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(ev[0]["level"], "CRITICAL");
    assert_eq!(ev[0]["context"]["field"], "temperature");
    assert_eq!(ev[0]["timestamp"], "2024-01-15T10:10:00Z");
}

/// Two tenants with the same stream ids; `flood` sends ten times as fast.
fn tenants_csv() -> String {
    let mut s = String::from("timestamp,tenant,stream_id,value\n");
    for i in 0..600 {
        let t = T0 + i;
        for k in 0..10 {
            s.push_str(&format!("{t},flood,motor_01,{}\n", 20 + (i * 10 + k) % 7));
        }
        let v = if i == 400 { 80 } else { 20 + i % 7 };
        s.push_str(&format!("{t},calm,motor_01,{v}\n"));
    }
    s
}

#[test]
fn tenant_limits_touch_only_their_tenant() {
    let policies = file(
        "tenants.json",
        r#"[{"tenant_id": "flood", "limits": {"rate_limit_per_minute": 120, "max_concurrent_streams": 5}},
            {"tenant_id": "calm", "limits": {"rate_limit_per_minute": 120},
             "allowed_strategies": ["anomaly_detection"]}]"#,
    );
    let config = r#"{"window_size":30,"threshold":4}"#;
    let csv = tenants_csv();
    let o = run(
        &[
            "stream",
            "--strategy",
            "anomaly_detection",
            "--config",
            config,
            "--tenant-field",
            "tenant",
            "--tenants",
            policies.to_str().unwrap(),
        ],
        &csv,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let ev = events(&stdout(&o));
    let limits: Vec<&serde_json::Value> = ev
        .iter()
        .filter(|e| e["event"] == "limit_exceeded")
        .collect();
    // One notice per minute of flooding: 10 minutes.
    assert_eq!(limits.len(), 10);
    assert!(
        limits
            .iter()
            .all(|e| e["tenant"] == "flood" && e["limit"] == "rate_limit_per_minute")
    );
    // The calm tenant's alert is the one it gets when alone.
    let calm: Vec<&serde_json::Value> = ev.iter().filter(|e| e["tenant"] == "calm").collect();
    let alone: String = csv
        .lines()
        .filter(|l| !l.contains(",flood,"))
        .map(|l| format!("{l}\n"))
        .collect();
    let o2 = run(
        &[
            "stream",
            "--strategy",
            "anomaly_detection",
            "--config",
            config,
            "--tenant-field",
            "tenant",
        ],
        &alone,
    );
    let want = events(&stdout(&o2));
    assert_eq!(calm.len(), 1);
    assert_eq!(calm[0], &want[0]);
    let err = stderr(&o);
    assert!(
        err.contains("stratos: tenant `flood`: 6000 records, 1200 processed, 0 events, 4800 refused (rate_limit_per_minute 4800)"),
        "{err}"
    );
    assert!(
        err.contains("stratos: tenant `calm`: 600 records, 600 processed, 1 events, 0 refused"),
        "{err}"
    );
}

#[test]
fn unknown_tenants_and_missing_tenant_field_are_reported() {
    let policies = file("only_acme.json", r#"{"tenants": [{"tenant_id": "acme"}]}"#);
    let nd = concat!(
        r#"{"stream_id":"s","payload":{"value":1},"metadata":{"tenant":"acme"}}"#,
        "\n",
        r#"{"stream_id":"s","payload":{"value":2,"tenant":"evil"}}"#,
        "\n",
        r#"{"stream_id":"s","payload":{"value":3}}"#,
        "\n",
    );
    let o = run(
        &[
            "stream",
            "--strategy",
            "moving_average",
            "--config",
            r#"{"period":1}"#,
            "--tenant-field",
            "tenant",
            "--tenants",
            policies.to_str().unwrap(),
        ],
        nd,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("line 2: refused: tenant `evil`: no policy"),
        "{err}"
    );
    assert!(
        err.contains("line 3: skipped: tenant field `tenant`"),
        "{err}"
    );
    assert!(err.contains("1 of unknown tenants"), "{err}");
    let ev = events(&stdout(&o));
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0]["tenant"], "acme");

    let o = run(
        &[
            "stream",
            "--strategy",
            "moving_average",
            "--tenants",
            policies.to_str().unwrap(),
        ],
        nd,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn missing_values_are_refused_unless_accepted_and_late_records_counted() {
    let csv = format!(
        "timestamp,stream_id,value\n{},s,1\n{},s,\n{},s,3\n{},s,4\n",
        T0,
        T0 + 1,
        T0 + 2,
        T0 + 1
    );
    let o = run(
        &[
            "stream",
            "--strategy",
            "moving_average",
            "--config",
            r#"{"period":1}"#,
        ],
        &csv,
    );
    assert!(o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains(
            "line 3: skipped: stream `s`: field `value`: expected a finite number, found NaN"
        ),
        "{err}"
    );
    assert!(
        err.contains("2 records, 2 events, 1 skipped lines (first at line 3), 1 late dropped"),
        "{err}"
    );
    let o = run(
        &[
            "stream",
            "--strategy",
            "moving_average",
            "--config",
            r#"{"period":1}"#,
            "--missing",
            "accept",
            "--late",
            "accept",
        ],
        &csv,
    );
    // The gap reaches the moving average, which answers it with no event.
    assert!(
        stderr(&o).contains("4 records, 3 events, 0 skipped lines"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn stats_every_reports_throughput_and_streams() {
    let mut csv = String::from("stream_id,value\n");
    for i in 0..30 {
        csv.push_str(&format!("s{},{}\n", i % 3, i));
    }
    let o = run(
        &[
            "stream",
            "--strategy",
            "anomaly_detection",
            "--config",
            r#"{"window_size":5}"#,
            "--stats-every",
            "10",
        ],
        &csv,
    );
    assert!(o.status.success());
    let err = stderr(&o);
    let stats: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("stratos: stats: "))
        .collect();
    assert_eq!(stats.len(), 3, "{err}");
    assert!(stats[2].contains("30 lines, 29 records"), "{}", stats[2]);
    assert!(
        stats[2].contains("3 streams; top: s0 10, s1 10, s2 9"),
        "{}",
        stats[2]
    );
}

/// The summary's line accounting: `N lines: R read as records, S skipped, B blank, H header`.
fn line_counts(err: &str) -> String {
    let at = err.find("; ").and_then(|_| err.rfind(" lines: ")).unwrap();
    let start = err[..at].rfind(|c: char| !c.is_ascii_digit()).unwrap() + 1;
    err[start..].lines().next().unwrap().to_owned()
}

#[test]
fn flat_ndjson_keyed_by_sensor_id_is_many_streams_and_every_line_is_counted() {
    let mut input = String::new();
    for i in 0..40 {
        let v = if i == 35 {
            90.0
        } else {
            20.0 + (i % 3) as f64 * 0.1
        };
        input.push_str(&format!(
            "{{\"sensor_id\":\"s{}\",\"ts\":{},\"value\":{v}}}\n",
            i % 2,
            T0 + 60 * i
        ));
        if i == 10 {
            input.push_str("\n   \n{not json}\n");
        }
    }
    let o = run(
        &[
            "stream",
            "--strategy",
            "anomaly_detection",
            "--config",
            r#"{"window_size":10,"threshold":3}"#,
        ],
        &input,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("stratos: line 14: skipped: key must be a string"),
        "{err}"
    );
    assert!(err.contains("; 2 streams"), "{err}");
    assert_eq!(
        line_counts(&err),
        "43 lines: 40 read as records, 1 skipped, 2 blank, 0 header"
    );
    let ev = events(&stdout(&o));
    assert!(ev.iter().any(|e| e["stream_id"] == "s1"), "{ev:?}");
}

#[test]
fn a_csv_keyed_by_sensor_id_splits_and_an_open_quote_ends_at_its_line() {
    let mut csv = String::from("time,sensor_id,note,temp\n");
    for i in 0..20 {
        let note = if i == 3 { "\"open" } else { "ok" };
        csv.push_str(&format!(
            "{},{},{note},{}\n",
            T0 + 60 * i,
            ["a", "b"][i as usize % 2],
            20 + i
        ));
    }
    let o = run(
        &[
            "stream",
            "--strategy",
            "moving_average",
            "--config",
            r#"{"period":2,"data_field":"temp"}"#,
        ],
        &csv,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("stratos: line 5: skipped: expected 4 fields, found 3"),
        "{err}"
    );
    assert!(err.contains("; 2 streams"), "{err}");
    assert_eq!(
        line_counts(&err),
        "21 lines: 19 read as records, 1 skipped, 0 blank, 1 header"
    );
}

#[test]
fn no_readable_line_exits_65() {
    let o = run(
        &["stream", "--strategy", "moving_average"],
        "{\"stream_id\": }\n[1, 2]\n\n",
    );
    assert_eq!(o.status.code(), Some(65), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("0 records, 0 events, 2 skipped lines (first at line 1)"),
        "{err}"
    );
    assert!(
        err.contains("3 lines: 0 read as records, 2 skipped, 1 blank, 0 header"),
        "{err}"
    );
    assert!(
        err.contains("stratos: line 1: no line could be read as a record (2 skipped lines)"),
        "{err}"
    );
}

#[test]
fn inputs_are_files_containers_and_stdin_in_order() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../stratos-ingest/tests/data/containers");
    let gz = dir.join("prices.csv.gz");
    let zst = dir.join("prices.csv.zst");
    let o = run(
        &[
            "stream",
            "--strategy",
            "moving_average",
            "--config",
            r#"{"period":5,"data_field":"price"}"#,
            "--late",
            "accept",
            gz.to_str().unwrap(),
            zst.to_str().unwrap(),
            "-",
        ],
        "timestamp,price,volume\n2024-04-01T00:00:00Z,1,2\n",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        line_counts(&stderr(&o)) == "124 lines: 121 read as records, 0 skipped, 0 blank, 3 header",
        "{}",
        stderr(&o)
    );
    let o = run(
        &["stream", "--strategy", "moving_average", "no/such.csv"],
        "",
    );
    assert_eq!(o.status.code(), Some(66), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no/such.csv: cannot read input"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn locale_flags_reach_stream() {
    let csv = "Export\ndevice_id;date;temp\nA;14/03/2024 10:00;21,5\nA;15/03/2024 10:00;n/d\nA;16/03/2024 10:00;22,5\n";
    let o = run(
        &[
            "stream",
            "--strategy",
            "moving_average",
            "--config",
            r#"{"period":1}"#,
            "--skip-rows",
            "1",
            "--decimal",
            ",",
            "--na",
            "n/d",
            "--missing",
            "accept",
        ],
        csv,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        line_counts(&stderr(&o)),
        "5 lines: 3 read as records, 0 skipped, 0 blank, 2 header"
    );
    let o = run(
        &[
            "stream",
            "--strategy",
            "moving_average",
            "--date-format",
            "%q",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--date-format `%q`: unknown directive `%q`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_line_over_the_budget_on_stdin_is_a_limit_not_an_abort() {
    // 80 MiB without a line break (over the 64 MiB default), then nothing else.
    let line = "x".repeat(80 << 20);
    let o = run(&["stream", "--strategy", "moving_average"], &line);
    assert_eq!(o.status.code(), Some(65), "{}", stderr(&o));
    // The line is where a CSV header would be, so the read stops there.
    assert!(
        stderr(&o).contains(
            "stratos: line 1: input exceeds the limit of 67108864 bytes in one line (raise it \
             with --max-line-bytes)"
        ),
        "{}",
        stderr(&o)
    );
}

/// A live feed: the alert of the last line sent must reach stdout while stdin is still open
/// and nothing more has come, not when more input (or its end) arrives. Output is flushed
/// whenever the reader would wait, not after each record. NDJSON and CSV alike.
#[test]
fn an_alert_leaves_before_the_next_input_arrives() {
    let values = [1, 2, 1, 2, 1, 100];
    let ndjson: String = values
        .iter()
        .map(|v| format!("{{\"stream_id\":\"a\",\"value\":{v}}}\n"))
        .collect();
    let csv: String = std::iter::once("stream_id,value\n".to_owned())
        .chain(values.iter().map(|v| format!("a,{v}\n")))
        .collect();
    for input in [ndjson, csv] {
        alert_leaves_while_input_is_open(input);
    }
}

fn alert_leaves_while_input_is_open(text: String) {
    let mut child = spawn(&[
        "stream",
        "--strategy",
        "anomaly_detection",
        "--config",
        r#"{"method":"z_score","window_size":5,"threshold":3}"#,
    ]);
    let mut input = child.stdin.take().unwrap();
    let (seen, got) = mpsc::channel::<()>();
    // Sends the lines, the last one anomalous, then keeps stdin open until the alert has been
    // read (or, should it never come, for a minute: a guard against hanging, not a timing
    // check), and says which happened.
    let writer = std::thread::spawn(move || {
        input.write_all(text.as_bytes()).unwrap();
        input.flush().unwrap();
        let while_open = got.recv_timeout(Duration::from_secs(60)).is_ok();
        drop(input);
        while_open
    });
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let _ = seen.send(());
    let while_open = writer.join().unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        first.starts_with(r#"{"event":"alert","stream_id":"a""#),
        "{first}"
    );
    assert!(
        while_open,
        "the alert came only once stdin was closed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success());
}
