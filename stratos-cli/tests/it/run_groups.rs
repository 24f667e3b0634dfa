//! Batch `stratos run` on a file holding several streams runs the strategy once per stream and
//! gives, stream by stream, the answers `stratos stream` gives on the same records (issue 6),
//! for NDJSON (the envelope's `stream_id`) and CSV (`ts,stream,value`) input.
#![allow(clippy::float_cmp, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use super::common::run;

/// The stdout of a run that must succeed.
fn ok(args: &[&str], stdin: &str) -> String {
    let o = run(args, stdin);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// Writes `contents` to a fresh file under the test's temp dir.
fn file(name: &str, contents: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("run_groups");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, contents).unwrap();
    p
}

const T0: i64 = 1_705_312_800;

/// The streams in order of first appearance in the files.
const STREAMS: [&str; 3] = ["pump_02", "motor_01", "fan_03"];

/// Readings of three sensors, interleaved, one step a minute for four hours: `pump_02` every
/// step, with its level tripled from step 150 to 199 (a trend that starts and ends);
/// `motor_01` every step, with a spike at step 100; `fan_03` from step 5 on, two steps in
/// three, with a dip at step 200. Each stream's own clock is offset by a few seconds, so its
/// windows hold other records than its neighbours'. Values have three decimals, written alike
/// in both formats.
fn readings() -> Vec<(&'static str, i64, String)> {
    let mut seed: u64 = 0x5eed;
    let mut noise = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((seed >> 33) % 1000) as f64 / 1000.0
    };
    let mut out = Vec::new();
    for i in 0..240i64 {
        let t = T0 + 60 * i;
        let pump = if (150..200).contains(&i) { 60.0 } else { 20.0 } + noise();
        out.push(("pump_02", t, format!("{pump:.3}")));
        let motor = 70.0 + 2.0 * noise() + if i == 100 { 40.0 } else { 0.0 };
        out.push(("motor_01", t + 7, format!("{motor:.3}")));
        if i >= 5 && i % 3 != 0 {
            let fan = 35.0 + noise() - if i == 200 { 30.0 } else { 0.0 };
            out.push(("fan_03", t + 13, format!("{fan:.3}")));
        }
    }
    out
}

/// The same records as NDJSON in the seed's envelope and as CSV `ts,stream,value`.
fn inputs() -> [(&'static str, String); 2] {
    let mut nd = String::new();
    let mut csv = String::from("ts,stream,value\n");
    for (s, t, v) in readings() {
        nd.push_str(&format!(
            "{{\"stream_id\":\"{s}\",\"payload\":{{\"value\":{v}}},\"timestamp\":{t}}}\n"
        ));
        csv.push_str(&format!("{t},{s},{v}\n"));
    }
    [("ndjson", nd), ("csv", csv)]
}

/// Records per stream.
fn counts() -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for (s, _, _) in readings() {
        *m.entry(s.to_owned()).or_default() += 1;
    }
    m
}

/// `stratos run --format json` on a multi-stream file: (stream, result) in output order, after
/// checking the order (first appearance) and the row counts.
fn batch(strategy: &str, config: &str, format: &str, text: &str) -> Vec<(String, Value)> {
    let p = file(&format!("{strategy}.{format}"), text);
    let out = ok(
        &[
            "run",
            strategy,
            p.to_str().unwrap(),
            "--config",
            config,
            "--format",
            "json",
        ],
        "",
    );
    let all: Vec<Value> = serde_json::from_str(&out).unwrap();
    let streams: Vec<&str> = all
        .iter()
        .map(|r| r["stream_id"].as_str().unwrap())
        .collect();
    assert_eq!(streams, STREAMS, "{strategy} {format}");
    let counts = counts();
    for r in &all {
        let s = r["stream_id"].as_str().unwrap();
        assert_eq!(r["rows"], counts[s], "{strategy} {format} {s}");
        assert_eq!(r["result"]["strategy_id"], strategy);
    }
    all.into_iter()
        .map(|mut r| {
            (
                r["stream_id"].as_str().unwrap().to_owned(),
                r["result"].take(),
            )
        })
        .collect()
}

/// `stratos stream`'s events on the same records, each stream's in its order.
fn stream(strategy: &str, config: &str, format: &str, text: &str) -> Vec<Value> {
    let out = ok(
        &[
            "stream",
            "--strategy",
            strategy,
            "--config",
            config,
            "--input-format",
            format,
        ],
        text,
    );
    out.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .inspect(|e| assert_eq!(e["strategy_id"], strategy))
        .collect()
}

/// Items grouped by stream, each stream's in order.
fn by_stream<T>(items: impl IntoIterator<Item = (String, T)>) -> BTreeMap<String, Vec<T>> {
    let mut m: BTreeMap<String, Vec<T>> = BTreeMap::new();
    for (s, x) in items {
        m.entry(s).or_default().push(x);
    }
    m
}

fn text(v: &Value) -> String {
    v.as_str().unwrap().to_owned()
}

#[test]
fn anomaly_z_score_alerts_per_stream_equal_the_stream_commands() {
    let config = r#"{"method":"z_score","window_size":40,"threshold":3.5}"#;
    for (format, input) in inputs() {
        // Batch: every anomaly (stream, time) with its z-score and anomaly score.
        let results = batch("anomaly_detection", config, format, &input);
        let want = by_stream(results.iter().flat_map(|(s, r)| {
            r["data"]["anomalies"].as_array().unwrap().iter().map(|a| {
                (
                    s.clone(),
                    (
                        text(&a["timestamp"]),
                        a["zscore"].as_f64().unwrap(),
                        a["anomaly_score"].as_f64().unwrap(),
                    ),
                )
            })
        }));
        // The flags agree with the list of anomalies.
        for (s, r) in &results {
            let flags = r["outputs"]["columns"]["is_anomaly"].as_array().unwrap();
            let flagged = flags.iter().filter(|f| **f == Value::Bool(true)).count();
            assert_eq!(flagged, want.get(s).map_or(0, Vec::len), "{format} {s}");
        }
        // Stream: every alert with the same numbers.
        let events = stream("anomaly_detection", config, format, &input);
        let got = by_stream(events.iter().map(|e| {
            assert_eq!(e["event"], "alert", "{e}");
            (
                text(&e["stream_id"]),
                (
                    text(&e["timestamp"]),
                    e["context"]["zscore"].as_f64().unwrap(),
                    e["context"]["anomaly_score"].as_f64().unwrap(),
                ),
            )
        }));
        assert_eq!(got, want, "{format}");
        // The spike, the dip and the pump's level shift are found, each in its own stream.
        for s in STREAMS {
            assert!(got.get(s).is_some_and(|a| !a.is_empty()), "{format} {s}");
        }
        assert_eq!(got["motor_01"][0].0, "2024-01-15T11:40:07Z");
        assert_eq!(got["fan_03"][0].0, "2024-01-15T13:20:13Z");
    }
}

/// (time, SMA, action) per row with an average, from `run --format ndjson` rows or `stream`
/// events.
type MaRow = (String, f64, String);

#[test]
fn moving_average_rows_per_stream_equal_the_stream_commands() {
    let config = r#"{"period":8,"signal_threshold":0.01}"#;
    for (format, input) in inputs() {
        // The time column keeps its input name: the envelope's `timestamp`, the CSV's `ts`.
        let time = if format == "csv" { "ts" } else { "timestamp" };
        let p = file(&format!("ma.{format}"), &input);
        let rows = ok(
            &[
                "run",
                "moving_average",
                p.to_str().unwrap(),
                "--config",
                config,
                "--format",
                "ndjson",
            ],
            "",
        );
        let rows: Vec<Value> = rows
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(rows.len(), readings().len());
        // Rows come stream by stream, in order of first appearance.
        let mut order: Vec<String> = rows.iter().map(|r| text(&r["stream_id"])).collect();
        order.dedup();
        assert_eq!(order, STREAMS);
        let want: BTreeMap<String, Vec<MaRow>> =
            by_stream(rows.iter().filter(|r| !r["sma"].is_null()).map(|r| {
                (
                    text(&r["stream_id"]),
                    (
                        text(&r[time]),
                        r["sma"].as_f64().unwrap(),
                        text(&r["signal"]),
                    ),
                )
            }));
        let events = stream("moving_average", config, format, &input);
        let got: BTreeMap<String, Vec<MaRow>> = by_stream(events.iter().map(|e| {
            assert_eq!(e["event"], "strategy_result", "{e}");
            (
                text(&e["stream_id"]),
                (
                    text(&e["timestamp"]),
                    e["data"]["movingAverage"].as_f64().unwrap(),
                    text(&e["signal"]["action"]),
                ),
            )
        }));
        // One average per record after each stream's first 7.
        for s in STREAMS {
            assert_eq!(got[s].len(), counts()[s] - 7, "{format} {s}");
        }
        assert_eq!(got, want, "{format}");

        // The CSV rows are the NDJSON rows: one header, the stream first.
        let csv = ok(
            &[
                "run",
                "moving_average",
                p.to_str().unwrap(),
                "--config",
                config,
                "--format",
                "csv",
            ],
            "",
        );
        let mut lines = csv.lines();
        let header = format!("stream_id,{time},value,sma,signal");
        assert_eq!(lines.next(), Some(header.as_str()));
        let csv_rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        assert_eq!(csv_rows.len(), rows.len());
        for (c, r) in csv_rows.iter().zip(&rows) {
            assert_eq!(c[0], r["stream_id"]);
            assert_eq!(c[1], r[time]);
            assert_eq!(c[3].parse::<f64>().ok(), r["sma"].as_f64());
        }
    }
}

#[test]
fn trend_analysis_per_stream_equals_the_stream_commands() {
    let config = r#"{"time_window":1800,"min_baseline":1}"#;
    for (format, input) in inputs() {
        let results = batch("trend_analysis", config, format, &input);
        let mut want = Vec::new();
        for (s, r) in &results {
            for t in r["data"]["trends"].as_array().unwrap() {
                want.push((
                    s.clone(),
                    (
                        "trend_started".to_owned(),
                        text(&t["start_timestamp"]),
                        t["start_growth"].as_f64(),
                    ),
                ));
                if !t["end_timestamp"].is_null() {
                    want.push((
                        s.clone(),
                        ("trend_ended".to_owned(), text(&t["end_timestamp"]), None),
                    ));
                }
            }
        }
        let want = by_stream(want);
        let events = stream("trend_analysis", config, format, &input);
        let got = by_stream(
            events
                .iter()
                .filter(|e| e["event"] == "strategy_result")
                .map(|e| {
                    let status = text(&e["data"]["status"]);
                    let growth = (status == "trend_started").then(|| e["data"]["growth"].as_f64());
                    (
                        text(&e["stream_id"]),
                        (status, text(&e["timestamp"]), growth.flatten()),
                    )
                }),
        );
        // Only the pump trends: it starts and ends once.
        assert_eq!(got.keys().collect::<Vec<_>>(), ["pump_02"], "{format}");
        assert_eq!(got["pump_02"].len(), 2, "{format}");
        assert_eq!(got, want, "{format}");
        // One alert per started trend, in the trending stream.
        let alerts: Vec<String> = events
            .iter()
            .filter(|e| e["event"] == "alert")
            .map(|e| text(&e["stream_id"]))
            .collect();
        assert_eq!(alerts, ["pump_02"], "{format}");
    }
}

#[test]
fn window_aggregate_per_stream_equals_the_stream_commands() {
    let config =
        r#"{"window":"10m","aggregations":["count","mean(value)","max(value)","p95(value)"]}"#;
    for (format, input) in inputs() {
        let results = batch("window_aggregate", config, format, &input);
        // Closed windows: the stream command emits a window when a later record closes it,
        // so a batch window marked complete is one the stream emits.
        let want = by_stream(results.iter().flat_map(|(s, r)| {
            r["data"]["windows"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|w| w["complete"] == true)
                .map(|w| {
                    let mut w = w.clone();
                    w.as_object_mut().unwrap().remove("complete");
                    (s.clone(), w)
                })
        }));
        let events = stream("window_aggregate", config, format, &input);
        let got = by_stream(
            events
                .iter()
                .map(|e| (text(&e["stream_id"]), e["data"].clone())),
        );
        // Four hours of ten-minute windows per stream; the last one of each is still open.
        for s in STREAMS {
            assert!(got[s].len() >= 23, "{format} {s}: {}", got[s].len());
        }
        assert_eq!(got, want, "{format}");
        // Each stream's windows hold only its own records: the fan's ten minutes never count
        // more than its seven readings (two in three minutes), though three streams share them.
        let fan_max = got["fan_03"]
            .iter()
            .map(|w| w["count"].as_u64().unwrap())
            .max();
        assert_eq!(fan_max, Some(7));
    }
}

#[test]
fn table_output_has_one_summary_per_stream() {
    let [(_, nd), _] = inputs();
    let p = file("table.ndjson", &nd);
    let out = ok(
        &["run", "moving_average", p.to_str().unwrap(), "--rows", "1"],
        "",
    );
    let streams: Vec<&str> = out
        .lines()
        .filter_map(|l| l.strip_prefix("stream      "))
        .collect();
    assert_eq!(streams, STREAMS);
    assert!(
        out.contains(&format!(
            "input       {}: {} rows, field `value`\n",
            p.display(),
            counts()["fan_03"]
        )),
        "{out}"
    );
}

#[test]
fn one_stream_is_untagged_unless_asked_and_no_streams_opts_out() {
    let one = "ts,stream,value\n1,a,1\n2,a,2\n3,a,4\n";
    let p = file("one.csv", one);
    let path = p.to_str().unwrap();
    let config = r#"{"period":2}"#;
    let plain = ok(
        &["run", "moving_average", path, "-c", config, "-f", "csv"],
        "",
    );
    assert_eq!(
        plain,
        "ts,value,sma,signal\n\
         1970-01-01T00:00:01Z,1,,\n\
         1970-01-01T00:00:02Z,2,1.5,BUY\n\
         1970-01-01T00:00:03Z,4,3,BUY\n"
    );
    let opted_out = ok(
        &[
            "run",
            "moving_average",
            path,
            "-c",
            config,
            "-f",
            "csv",
            "--no-streams",
        ],
        "",
    );
    assert_eq!(opted_out, plain);
    let tagged = ok(
        &[
            "run",
            "moving_average",
            path,
            "-c",
            config,
            "-f",
            "csv",
            "--stream-field",
            "stream",
        ],
        "",
    );
    let want: String = plain
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("stream_id,{l}\n")
            } else {
                format!("a,{l}\n")
            }
        })
        .collect();
    assert_eq!(tagged, want);

    // --no-streams on several streams: one series, as before grouping existed.
    let [_, (_, csv)] = inputs();
    let p = file("all_as_one.csv", &csv);
    let out = ok(
        &[
            "run",
            "moving_average",
            p.to_str().unwrap(),
            "-f",
            "json",
            "--no-streams",
        ],
        "",
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["data"]["points"], readings().len());
}

#[test]
fn group_by_any_category_column_and_errors_name_the_stream() {
    // `--group-by` names another column: here a site column, two streams.
    let csv = "ts,site,value\n1,north,1\n2,south,5\n3,north,2\n4,south,6\n5,north,3\n";
    let p = file("sites.csv", csv);
    let out = ok(
        &[
            "run",
            "moving_average",
            p.to_str().unwrap(),
            "-c",
            r#"{"period":2}"#,
            "-f",
            "ndjson",
            "--group-by",
            "site",
        ],
        "",
    );
    let rows: Vec<(String, f64)> = out
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (text(&v["stream_id"]), v["value"].as_f64().unwrap())
        })
        .collect();
    let want: Vec<(String, f64)> = [
        ("north", 1.0),
        ("north", 2.0),
        ("north", 3.0),
        ("south", 5.0),
        ("south", 6.0),
    ]
    .iter()
    .map(|(s, v)| ((*s).to_owned(), *v))
    .collect();
    assert_eq!(rows, want);

    // An unknown column is a usage error naming the columns there are.
    let o = run(
        &[
            "run",
            "moving_average",
            p.to_str().unwrap(),
            "--stream-field",
            "tenant",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(o.stderr).unwrap(),
        "stratos: --stream-field: no category or numeric column `tenant` (columns: site, value)\n"
    );

    // A stream too short for the strategy fails the run, naming the stream (bad data, 65).
    let mut csv = String::from("ts,stream_id,value\n");
    for i in 0..120 {
        csv.push_str(&format!("{i},long,{}\n", 10.0 + f64::from(i % 7)));
    }
    csv.push_str("500,short,1\n501,short,2\n");
    let p = file("short.csv", &csv);
    let o = run(&["run", "arima_prediction", p.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(65));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        err.starts_with("stratos: stream `short`: arima_prediction: needs at least"),
        "{err}"
    );
}

#[test]
fn empty_stream_cells_form_the_stream_named_empty() {
    let p = file("empty.csv", "ts,stream,value\n1,a,1\n2,,2\n3,a,3\n4,,5\n");
    let out = ok(
        &[
            "run",
            "moving_average",
            p.to_str().unwrap(),
            "-c",
            r#"{"period":1}"#,
            "-f",
            "csv",
        ],
        "",
    );
    assert_eq!(
        out,
        "stream_id,ts,value,sma,signal\n\
         a,1970-01-01T00:00:01Z,1,1,HOLD\n\
         a,1970-01-01T00:00:03Z,3,3,HOLD\n\
         ,1970-01-01T00:00:02Z,2,2,HOLD\n\
         ,1970-01-01T00:00:04Z,5,5,HOLD\n"
    );
}
