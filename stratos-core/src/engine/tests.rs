use std::sync::mpsc;

use super::*;
use crate::event::ResultEvent;
use crate::frame::Frame;
use crate::result::{ResultType, StrategyResult};
use crate::{ConfigError, StrategyError};

/// A test strategy: a running count and sum per stream, one result event per row, and an alert
/// when the value exceeds 100.
#[derive(Debug)]
struct Counter;

#[derive(Debug, Default)]
struct CounterState {
    n: u64,
    sum: f64,
    last_category: Option<String>,
}

impl Strategy for Counter {
    fn id(&self) -> &str {
        "counter"
    }
    fn config(&self) -> serde_json::Value {
        serde_json::Value::Null
    }
    fn input_fields(&self, schema: &Schema) -> Result<Vec<String>, ConfigError> {
        Ok(schema.value_fields.first().cloned().into_iter().collect())
    }
    fn input_categories(&self, schema: &Schema) -> Result<Vec<String>, ConfigError> {
        Ok(schema
            .category_fields
            .first()
            .cloned()
            .into_iter()
            .collect())
    }
    fn execute(&self, _frame: &Frame) -> Result<StrategyResult, StrategyError> {
        Ok(StrategyResult::new(
            "counter",
            ResultType::Aggregate,
            serde_json::Value::Null,
            1.0,
        ))
    }
    fn online(&self, _schema: &Schema) -> Result<Option<Box<dyn OnlineStrategy>>, ConfigError> {
        Ok(Some(Box::new(CounterState::default())))
    }
}

impl OnlineStrategy for CounterState {
    fn update(&mut self, row: RowRef<'_>, out: &mut Vec<Event>) {
        self.update_with_categories(row, &[], out);
    }
    fn update_with_categories(
        &mut self,
        row: RowRef<'_>,
        categories: &[&str],
        out: &mut Vec<Event>,
    ) {
        let v = row.values.first().copied().unwrap_or(f64::NAN);
        self.n += 1;
        self.sum += v;
        self.last_category = categories.first().map(|s| (*s).to_owned());
        out.push(Event::StrategyResult(ResultEvent {
            stream_id: row.stream_id.to_owned(),
            strategy_id: "counter".to_owned(),
            timestamp: row.timestamp,
            kind: ResultType::Aggregate,
            data: serde_json::json!({"n": self.n, "sum": self.sum, "category": self.last_category}),
            signal: None,
        }));
        if v > 100.0 {
            out.push(Event::Alert(crate::event::Alert {
                stream_id: row.stream_id.to_owned(),
                strategy_id: "counter".to_owned(),
                timestamp: row.timestamp,
                level: crate::event::AlertLevel::Critical,
                message: "over 100".to_owned(),
                context: serde_json::json!({"value": v}),
            }));
        }
    }
    fn reset(&mut self) {
        *self = CounterState::default();
    }
}

fn schema() -> Schema {
    Schema {
        value_fields: vec!["value".into()],
        ..Schema::default()
    }
}

fn engine(config: EngineConfig) -> Engine {
    Engine::new(vec![Box::new(Counter)], schema(), config).unwrap()
}

fn ts(s: i64) -> Timestamp {
    Timestamp::from_epoch_seconds(s).unwrap()
}

fn n_of(e: &Emitted) -> Option<(String, String, u64)> {
    match e {
        Emitted::Event {
            tenant,
            event: Event::StrategyResult(r),
        } => Some((tenant.clone(), r.stream_id.clone(), r.data["n"].as_u64()?)),
        _ => None,
    }
}

#[test]
fn streams_keep_their_own_state() {
    let mut seen = Vec::new();
    let mut e = engine(EngineConfig::default());
    {
        let mut sink = CallbackSink::new(|x| seen.push(x));
        for (i, s) in ["a", "b", "a", "a", "b"].into_iter().enumerate() {
            e.process(
                Input::new(s, &[i as f64]).with_timestamp(ts(i as i64)),
                &mut sink,
            )
            .unwrap();
        }
    }
    let counts: Vec<_> = seen
        .iter()
        .filter_map(n_of)
        .map(|(_, s, n)| (s, n))
        .collect();
    assert_eq!(
        counts,
        [("a", 1), ("b", 1), ("a", 2), ("a", 3), ("b", 2)].map(|(s, n)| (s.to_owned(), n))
    );
    assert_eq!(e.live_streams(), 2);
    assert_eq!(e.stats().processed, 5);
    assert_eq!(e.stats().events, 5);
    let mut streams: Vec<_> = e.streams().map(|s| (s.stream_id, s.records)).collect();
    streams.sort();
    assert_eq!(streams, [("a", 3), ("b", 2)]);
}

#[test]
fn same_stream_id_in_two_tenants_is_two_streams() {
    let mut seen = Vec::new();
    let mut e = engine(EngineConfig::default());
    {
        let mut sink = CallbackSink::new(|x| seen.push(x));
        for tenant in ["acme", "globex", "acme", "acme"] {
            e.process(
                Input::new("motor_01", &[1.0]).with_tenant(tenant),
                &mut sink,
            )
            .unwrap();
        }
    }
    let got: Vec<_> = seen.iter().filter_map(n_of).collect();
    assert_eq!(
        got,
        [("acme", 1), ("globex", 1), ("acme", 2), ("acme", 3)].map(|(t, n)| (
            t.to_owned(),
            "motor_01".to_owned(),
            n
        ))
    );
    let tenants: Vec<_> = e.tenant_stats().map(|(t, s)| (t, s.processed)).collect();
    assert_eq!(tenants, [("acme", 3), ("globex", 1)]);
}

#[test]
fn late_records_are_dropped_and_counted_duplicates_accepted_by_default() {
    let mut e = engine(EngineConfig::default());
    let mut sink = NdjsonSink::new(Vec::new());
    assert_eq!(
        e.process(Input::new("s", &[1.0]).with_timestamp(ts(10)), &mut sink)
            .unwrap(),
        Processed::Fed { events: 1 }
    );
    assert_eq!(
        e.process(Input::new("s", &[1.0]).with_timestamp(ts(9)), &mut sink)
            .unwrap(),
        Processed::Dropped(DropReason::Late)
    );
    assert_eq!(
        e.process(Input::new("s", &[1.0]).with_timestamp(ts(10)), &mut sink)
            .unwrap(),
        Processed::Fed { events: 1 }
    );
    // Another stream's clock is its own.
    assert!(matches!(
        e.process(Input::new("t", &[1.0]).with_timestamp(ts(1)), &mut sink)
            .unwrap(),
        Processed::Fed { .. }
    ));
    assert_eq!(e.stats().late_dropped, 1);
    assert_eq!(e.stats().processed, 3);

    let mut e = engine(EngineConfig {
        late: TimePolicy::Accept,
        duplicates: TimePolicy::Drop,
        ..EngineConfig::default()
    });
    e.process(Input::new("s", &[1.0]).with_timestamp(ts(10)), &mut sink)
        .unwrap();
    assert_eq!(
        e.process(Input::new("s", &[1.0]).with_timestamp(ts(10)), &mut sink)
            .unwrap(),
        Processed::Dropped(DropReason::Duplicate)
    );
    assert!(matches!(
        e.process(Input::new("s", &[1.0]).with_timestamp(ts(5)), &mut sink)
            .unwrap(),
        Processed::Fed { .. }
    ));
    assert_eq!(e.stats().duplicates_dropped, 1);
}

#[test]
fn invalid_records_are_refused_and_counted() {
    let mut e = engine(EngineConfig::default());
    let mut sink = NdjsonSink::new(Vec::new());
    for bad in [f64::NAN, f64::INFINITY] {
        let err = e.process(Input::new("s", &[bad]), &mut sink).unwrap_err();
        assert!(
            matches!(&err, EngineError::Invalid { field, .. } if field == "value"),
            "{err}"
        );
        assert!(!err.is_fatal());
    }
    let err = e
        .process(Input::new("s", &[1.0, 2.0]), &mut sink)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("expected 1 values (value), found 2 values"),
        "{err}"
    );
    let record = Record::new("s").with_field("value", "hot");
    let err = e.process_record("", &record, &mut sink).unwrap_err();
    assert_eq!(
        err.to_string(),
        "stream `s`: field `value`: expected a number, found text"
    );
    let err = e
        .process_record("", &Record::new("s"), &mut sink)
        .unwrap_err();
    assert!(err.to_string().contains("found nothing"), "{err}");
    assert_eq!(e.stats().invalid, 5);
    assert_eq!(e.stats().records, 5);
    assert_eq!(e.live_streams(), 0);

    let mut e = engine(EngineConfig {
        missing: MissingPolicy::Accept,
        ..EngineConfig::default()
    });
    assert!(e.process(Input::new("s", &[f64::NAN]), &mut sink).is_ok());
    let record = Record::new("s").with_field("value", 4.0);
    assert!(e.process_record("", &record, &mut sink).is_ok());
}

#[test]
fn max_streams_evicts_the_least_recent_stream() {
    let mut e = engine(EngineConfig {
        max_streams: 2,
        ..EngineConfig::default()
    });
    let mut sink = NdjsonSink::new(Vec::new());
    for s in ["a", "b", "a", "c"] {
        e.process(Input::new(s, &[1.0]), &mut sink).unwrap();
    }
    let mut live: Vec<_> = e.streams().map(|s| s.stream_id).collect();
    live.sort_unstable();
    assert_eq!(live, ["a", "c"]);
    assert_eq!(e.stats().streams_evicted, 1);
    // `b` comes back with fresh state.
    e.process(Input::new("b", &[1.0]), &mut sink).unwrap();
    assert_eq!(e.streams().find(|s| s.stream_id == "b").unwrap().records, 1);
    assert_eq!(e.live_streams(), 2);

    let mut e = engine(EngineConfig {
        max_streams: 1,
        overflow: Overflow::Reject,
        ..EngineConfig::default()
    });
    e.process(Input::new("a", &[1.0]), &mut sink).unwrap();
    let err = e.process(Input::new("b", &[1.0]), &mut sink).unwrap_err();
    assert!(matches!(
        err,
        EngineError::TooManyStreams { max_streams: 1, .. }
    ));
    assert_eq!(e.stats().stream_rejected, 1);
}

#[test]
fn eviction_follows_recency_of_use() {
    let mut e = engine(EngineConfig {
        max_streams: 3,
        ..EngineConfig::default()
    });
    let mut sink = NdjsonSink::new(Vec::new());
    let live = |e: &Engine| {
        let mut v: Vec<String> = e.streams().map(|s| s.stream_id.to_owned()).collect();
        v.sort_unstable();
        v
    };
    for s in ["a", "b", "c", "b", "a", "d"] {
        e.process(Input::new(s, &[1.0]), &mut sink).unwrap();
    }
    assert_eq!(live(&e), ["a", "b", "d"]);
    for s in ["d", "b", "e"] {
        e.process(Input::new(s, &[1.0]), &mut sink).unwrap();
    }
    assert_eq!(live(&e), ["b", "d", "e"]);
    for s in ["f", "g", "h", "b", "i"] {
        e.process(Input::new(s, &[1.0]), &mut sink).unwrap();
    }
    assert_eq!(live(&e), ["b", "h", "i"]);
    assert_eq!(e.stats().streams_evicted, 7);
}

#[test]
fn a_tenant_flooding_new_streams_evicts_only_its_own() {
    let mut e = engine(EngineConfig {
        max_streams: 10,
        ..EngineConfig::default()
    });
    let mut sink = NdjsonSink::new(Vec::new());
    for s in ["q1", "q2"] {
        e.process(Input::new(s, &[1.0]).with_tenant("quiet"), &mut sink)
            .unwrap();
    }
    for i in 0..1000 {
        let s = format!("flood_{i}");
        e.process(Input::new(&s, &[1.0]).with_tenant("noisy"), &mut sink)
            .unwrap();
    }
    let quiet: Vec<_> = e.streams().filter(|s| s.tenant == "quiet").collect();
    assert_eq!(quiet.len(), 2);
    assert!(e.live_streams() <= 10);
    e.process(Input::new("q1", &[1.0]).with_tenant("quiet"), &mut sink)
        .unwrap();
    assert_eq!(
        e.streams().find(|s| s.stream_id == "q1").unwrap().records,
        2,
        "quiet tenant's state survived the flood"
    );
}

#[test]
fn idle_streams_are_evicted_by_their_tenants_event_time() {
    let mut e = engine(EngineConfig {
        idle_timeout_seconds: Some(60),
        ..EngineConfig::default()
    });
    let mut sink = NdjsonSink::new(Vec::new());
    e.process(Input::new("old", &[1.0]).with_timestamp(ts(0)), &mut sink)
        .unwrap();
    e.process(
        Input::new("other", &[1.0])
            .with_tenant("t2")
            .with_timestamp(ts(0)),
        &mut sink,
    )
    .unwrap();
    e.process(Input::new("new", &[1.0]).with_timestamp(ts(100)), &mut sink)
        .unwrap();
    assert_eq!(e.sweep(), 1);
    let mut live: Vec<_> = e.streams().map(|s| s.stream_id).collect();
    live.sort_unstable();
    assert_eq!(
        live,
        ["new", "other"],
        "t2's clock did not move, so its stream stays"
    );
}

fn policies(json: &str) -> TenantPolicies {
    TenantPolicies::from_json(json.as_bytes()).unwrap()
}

#[test]
fn rate_limit_refuses_one_tenant_only_and_notifies_it_once_a_minute() {
    let mut e = engine(EngineConfig::default()).with_policies(policies(
        r#"[{"tenant_id": "flood", "limits": {"rate_limit_per_minute": 3}}, {"tenant_id": "calm"}]"#,
    ));
    let mut seen = Vec::new();
    let mut errors = Vec::new();
    {
        let mut sink = CallbackSink::new(|x| seen.push(x));
        for i in 0..10 {
            for tenant in ["flood", "calm"] {
                let r = e.process(
                    Input::new("s", &[1.0])
                        .with_tenant(tenant)
                        .with_timestamp(ts(i)),
                    &mut sink,
                );
                if let Err(err) = r {
                    errors.push(err);
                }
            }
        }
        // The next minute lets three more through.
        e.process(
            Input::new("s", &[1.0])
                .with_tenant("flood")
                .with_timestamp(ts(60)),
            &mut sink,
        )
        .unwrap();
    }
    assert_eq!(errors.len(), 7);
    assert!(errors.iter().all(|e| matches!(e,
        EngineError::LimitExceeded { tenant, limit: Limit::RateLimitPerMinute, allowed: 3, .. } if tenant == "flood")));
    let notices: Vec<_> = seen
        .iter()
        .filter_map(|x| match x {
            Emitted::Notice(Notice::LimitExceeded(n)) => Some(n),
            _ => None,
        })
        .collect();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].tenant, "flood");
    assert_eq!(notices[0].limit, Limit::RateLimitPerMinute);
    let stats: Vec<_> = e
        .tenant_stats()
        .map(|(t, s)| (t, s.processed, s.rejected()))
        .collect();
    assert_eq!(stats, [("flood", 4, 7), ("calm", 10, 0)]);
    assert_eq!(e.stats().limit_rejected, 7);
}

#[test]
fn stream_and_strategy_limits_and_allowed_strategies() {
    let mut e = engine(EngineConfig::default()).with_policies(policies(
        r#"{"tenants": [
            {"tenant_id": "small", "limits": {"max_concurrent_streams": 2}},
            {"tenant_id": "hourly", "limits": {"max_strategies_per_hour": 1}},
            {"tenant_id": "none", "allowed_strategies": ["moving_average"]}
        ]}"#,
    ));
    let mut sink = NdjsonSink::new(Vec::new());
    for s in ["a", "b"] {
        e.process(Input::new(s, &[1.0]).with_tenant("small"), &mut sink)
            .unwrap();
    }
    let err = e
        .process(Input::new("c", &[1.0]).with_tenant("small"), &mut sink)
        .unwrap_err();
    assert!(matches!(
        err,
        EngineError::LimitExceeded {
            limit: Limit::MaxConcurrentStreams,
            allowed: 2,
            ..
        }
    ));
    // Existing streams go on.
    e.process(Input::new("a", &[1.0]).with_tenant("small"), &mut sink)
        .unwrap();

    e.process(
        Input::new("a", &[1.0])
            .with_tenant("hourly")
            .with_timestamp(ts(0)),
        &mut sink,
    )
    .unwrap();
    let err = e
        .process(
            Input::new("b", &[1.0])
                .with_tenant("hourly")
                .with_timestamp(ts(10)),
            &mut sink,
        )
        .unwrap_err();
    assert!(matches!(
        err,
        EngineError::LimitExceeded {
            limit: Limit::MaxStrategiesPerHour,
            ..
        }
    ));
    e.process(
        Input::new("b", &[1.0])
            .with_tenant("hourly")
            .with_timestamp(ts(3600)),
        &mut sink,
    )
    .unwrap();

    let err = e
        .process(Input::new("a", &[1.0]).with_tenant("none"), &mut sink)
        .unwrap_err();
    assert!(matches!(
        err,
        EngineError::LimitExceeded {
            limit: Limit::AllowedStrategies,
            ..
        }
    ));

    let err = e
        .process(Input::new("a", &[1.0]).with_tenant("stranger"), &mut sink)
        .unwrap_err();
    assert!(matches!(err, EngineError::UnknownTenant { .. }));
    assert_eq!(e.stats().unknown_tenant, 1);

    let out = String::from_utf8(sink.into_inner()).unwrap();
    let notices: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|v: &serde_json::Value| v["event"] == "limit_exceeded")
        .collect();
    let limits: Vec<_> = notices
        .iter()
        .map(|n| (n["tenant"].as_str().unwrap(), n["limit"].as_str().unwrap()))
        .collect();
    assert_eq!(
        limits,
        [
            ("small", "max_concurrent_streams"),
            ("hourly", "max_strategies_per_hour"),
            ("none", "allowed_strategies")
        ]
    );
}

#[test]
fn ndjson_sink_prefixes_the_tenant_and_channel_sink_sends() {
    let mut e = engine(EngineConfig::default());
    let mut sink = NdjsonSink::new(Vec::new());
    e.process(Input::new("s", &[150.0]).with_tenant("acme"), &mut sink)
        .unwrap();
    e.process(Input::new("s", &[1.0]), &mut sink).unwrap();
    let out = String::from_utf8(sink.into_inner()).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(
        lines[0].starts_with(r#"{"tenant":"acme","event":"strategy_result","stream_id":"s""#),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with(r#"{"tenant":"acme","event":"alert""#),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with(r#"{"event":"strategy_result","stream_id":"s""#),
        "{}",
        lines[2]
    );
    for l in &lines {
        serde_json::from_str::<serde_json::Value>(l).unwrap();
    }

    let (tx, rx) = mpsc::channel();
    let mut sink = ChannelSink::new(tx);
    e.process(Input::new("s", &[2.0]), &mut sink).unwrap();
    let got = rx.try_recv().unwrap();
    assert_eq!(n_of(&got), Some((String::new(), "s".to_owned(), 2)));
    drop(rx);
    let err = e.process(Input::new("s", &[2.0]), &mut sink).unwrap_err();
    assert!(err.is_fatal());
}

#[test]
fn categories_reach_the_strategies() {
    let schema = Schema {
        value_fields: vec!["value".into()],
        category_fields: vec!["company".into()],
        ..Schema::default()
    };
    let mut e = Engine::new(vec![Box::new(Counter)], schema, EngineConfig::default()).unwrap();
    let mut seen = Vec::new();
    {
        let mut sink = CallbackSink::new(|x| seen.push(x));
        e.process(
            Input::new("s", &[1.0]).with_categories(&["acme"]),
            &mut sink,
        )
        .unwrap();
        let record = Record::new("s")
            .with_field("value", 2.0)
            .with_field("company", "globex");
        e.process_record("", &record, &mut sink).unwrap();
    }
    let cats: Vec<_> = seen
        .iter()
        .filter_map(|x| match x {
            Emitted::Event {
                event: Event::StrategyResult(r),
                ..
            } => Some(r.data["category"].clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        cats,
        [serde_json::json!("acme"), serde_json::json!("globex")]
    );
    let err = e
        .process(Input::new("s", &[1.0]), &mut NdjsonSink::new(Vec::new()))
        .unwrap_err();
    assert!(err.to_string().contains("categories"), "{err}");
}

#[test]
fn bind_schema_keeps_only_what_strategies_read() {
    let s: Vec<Box<dyn Strategy>> = vec![Box::new(Counter), Box::new(Counter)];
    let schema = bind_schema(&s, vec!["x".into(), "y".into()], vec!["c".into()]).unwrap();
    assert_eq!(schema.value_fields, ["x"]);
    assert_eq!(schema.category_fields, ["c"]);
}

#[test]
fn engine_types_are_send() {
    fn assert_send<T: Send>() {}
    assert_send::<Engine>();
    assert_send::<EngineError>();
    assert_send::<NdjsonSink<Vec<u8>>>();
}

/// The victim's events (stream and running count) when it feeds `victim` (stream index,
/// value) records, with `attacker` records (tenant, stream) interleaved: after victim
/// record `i`, the attacker records of `bursts[i]`.
fn victim_events(
    config: &EngineConfig,
    policies: Option<&TenantPolicies>,
    victim: &[(usize, f64)],
    bursts: &[Vec<(String, String)>],
) -> Vec<(String, u64)> {
    let mut seen = Vec::new();
    let mut e = engine(config.clone());
    if let Some(p) = policies {
        e = e.with_policies(p.clone());
    }
    {
        let mut sink = CallbackSink::new(|x| seen.push(x));
        for (i, (stream, v)) in victim.iter().enumerate() {
            let name = format!("v{stream}");
            e.process(Input::new(&name, &[*v]).with_tenant("victim"), &mut sink)
                .unwrap();
            for (tenant, stream) in bursts.get(i).into_iter().flatten() {
                // Refusals (unknown tenants past the pool) are part of the attack.
                let _ = e.process(Input::new(stream, &[1.0]).with_tenant(tenant), &mut sink);
            }
        }
    }
    seen.iter()
        .filter_map(n_of)
        .filter(|(t, _, _)| t == "victim")
        .map(|(_, s, n)| (s, n))
        .collect()
}

fn victim_policies() -> TenantPolicies {
    policies(
        r#"{"tenants": [{"tenant_id": "victim", "limits": {"max_concurrent_streams": 16}}],
            "default": {"limits": {"max_concurrent_streams": 4}}}"#,
    )
}

#[test]
fn a_junk_tenant_flood_crowds_out_no_listed_tenant() {
    let config = EngineConfig {
        max_tenants: 100,
        ..EngineConfig::default()
    };
    let p = victim_policies();
    let victim: Vec<(usize, f64)> = (0..64).map(|i| (i % 16, i as f64)).collect();
    let alone = victim_events(&config, Some(&p), &victim, &[]);
    // 10,000 junk tenant names before the victim's first record comes in.
    let mut bursts = vec![Vec::new(); victim.len()];
    let junk: Vec<(String, String)> = (0..10_000)
        .map(|i| (format!("junk{i}"), "s".to_owned()))
        .collect();
    let mut e = engine(config.clone()).with_policies(p.clone());
    let mut sink = NdjsonSink::new(std::io::sink());
    let refused = junk
        .iter()
        .filter(|(t, s)| {
            e.process(Input::new(s, &[1.0]).with_tenant(t), &mut sink)
                .is_err()
        })
        .count();
    assert_eq!(refused, 10_000 - 100);
    e.process(Input::new("v0", &[1.0]).with_tenant("victim"), &mut sink)
        .expect("a listed tenant is admitted after the pool is full");
    bursts[0] = junk;
    assert_eq!(alone.len(), 64);
    assert_eq!(victim_events(&config, Some(&p), &victim, &bursts), alone);
}

#[test]
fn rotating_tenant_names_evict_no_stream_of_a_listed_tenant() {
    let config = EngineConfig {
        max_streams: 32,
        ..EngineConfig::default()
    };
    let p = victim_policies();
    let victim: Vec<(usize, f64)> = (0..160).map(|i| (i % 16, 200.0 + i as f64)).collect();
    let alone = victim_events(&config, Some(&p), &victim, &[]);
    let bursts: Vec<Vec<(String, String)>> = (0..victim.len())
        .map(|i| {
            (0..50)
                .map(|k| (format!("attacker{}", i * 50 + k), "s".to_owned()))
                .collect()
        })
        .collect();
    assert_eq!(victim_events(&config, Some(&p), &victim, &bursts), alone);
    // Without policies the victim is one more name in the pool: rotating names (each used
    // once) are older than the active victim's streams and go first, as long as the victim
    // feeds each stream before `max_streams` minus its streams attacker names have come
    // (here one name per victim record, 16 between two records of a stream, 24 kept).
    let config = EngineConfig {
        max_streams: 40,
        ..EngineConfig::default()
    };
    let bursts: Vec<Vec<(String, String)>> = (0..victim.len())
        .map(|i| vec![(format!("attacker{i}"), "s".to_owned())])
        .collect();
    let alone = victim_events(&config, None, &victim, &[]);
    assert_eq!(victim_events(&config, None, &victim, &bursts), alone);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// However the attacker interleaves rotating names, bursts and a few reused names, the
    /// victim (listed, within its `max_concurrent_streams`) sees exactly the events it sees
    /// alone.
    #[test]
    fn a_rotating_name_attacker_never_changes_a_listed_victims_output(
        victim_streams in 1usize..=16,
        victim_len in 1usize..120,
        max_streams in 17usize..64,
        bursts in proptest::collection::vec(
            proptest::collection::vec((0u32..2_000, 0u32..4), 0..40),
            0..120,
        ),
    ) {
        let config = EngineConfig { max_streams, ..EngineConfig::default() };
        let p = victim_policies();
        let victim: Vec<(usize, f64)> =
            (0..victim_len).map(|i| (i % victim_streams, i as f64)).collect();
        let bursts: Vec<Vec<(String, String)>> = bursts
            .into_iter()
            .map(|b| {
                b.into_iter()
                    .map(|(name, stream)| (format!("a{name}"), format!("s{stream}")))
                    .collect()
            })
            .collect();
        let alone = victim_events(&config, Some(&p), &victim, &[]);
        proptest::prop_assert_eq!(victim_events(&config, Some(&p), &victim, &bursts), alone);
    }
}

/// A sink counting what it is given and its flushes.
#[derive(Debug, Default)]
struct Counting {
    items: usize,
    flushes: usize,
}

impl Sink for Counting {
    fn event(&mut self, _tenant: &str, _event: Event) -> Result<(), SinkError> {
        self.items += 1;
        Ok(())
    }
    fn notice(&mut self, _notice: Notice) -> Result<(), SinkError> {
        self.items += 1;
        Ok(())
    }
    fn flush(&mut self) -> Result<(), SinkError> {
        self.flushes += 1;
        Ok(())
    }
}

#[test]
fn the_sink_is_flushed_per_record_unless_the_caller_flushes() {
    let limited = || policies(r#"[{"tenant_id": "t", "limits": {"rate_limit_per_minute": 2}}]"#);
    for (flush, want) in [(FlushPolicy::EachRecord, 3), (FlushPolicy::Caller, 0)] {
        let config = EngineConfig {
            flush,
            ..EngineConfig::default()
        };
        let mut e = engine(config).with_policies(limited());
        let mut sink = Counting::default();
        // Two records with events (the second with an alert); the third is refused with a
        // notice, the fourth without.
        for (i, v) in [1.0, 150.0, 1.0, 1.0].into_iter().enumerate() {
            let _ = e.process(
                Input::new("s", &[v])
                    .with_tenant("t")
                    .with_timestamp(ts(i as i64)),
                &mut sink,
            );
        }
        assert_eq!(e.stats().processed, 2, "{flush:?}");
        assert_eq!(e.stats().notices, 1, "{flush:?}");
        // Two results, one alert, one notice: the same items either way.
        assert_eq!(sink.items, 4, "{flush:?}");
        assert_eq!(sink.flushes, want, "{flush:?}");
    }
}
