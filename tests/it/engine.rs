//! The streaming engine with the built-in strategies: seed scenarios, tenant isolation under
//! attack, and bounded memory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::mpsc;

use proptest::prelude::*;
use stratos::core::engine::{
    ChannelSink, Emitted, Engine, EngineConfig, Input, NdjsonSink, TenantPolicies, bind_schema,
};
use stratos::core::{AlertLevel, Event, Record, Strategy, Timestamp};

fn strategies(specs: &[(&str, serde_json::Value)]) -> Vec<Box<dyn Strategy>> {
    let registry = stratos::registry();
    specs
        .iter()
        .map(|(id, config)| registry.build(id, config.clone()).unwrap())
        .collect()
}

fn engine(specs: &[(&str, serde_json::Value)], numeric: &[&str], categories: &[&str]) -> Engine {
    let s = strategies(specs);
    let schema = bind_schema(
        &s,
        numeric.iter().map(|f| f.to_string()).collect(),
        categories.iter().map(|f| f.to_string()).collect(),
    )
    .unwrap();
    Engine::new(s, schema, EngineConfig::default()).unwrap()
}

const T0: i64 = 1_705_312_800;

fn ts(s: i64) -> Timestamp {
    Timestamp::from_epoch_seconds(s).unwrap()
}

#[test]
fn iot_motors_raise_a_critical_alert_on_a_spike_through_a_channel() {
    // The seed's IoT monitoring: motors report temperature, vibration and rpm; anomaly
    // detection with alert_level CRITICAL.
    let mut e = engine(
        &[(
            "anomaly_detection",
            serde_json::json!({"threshold": 3.0, "window_size": 60, "alert_level": "CRITICAL",
                "fields": ["temperature", "vibration", "rpm"]}),
        )],
        &["temperature", "vibration", "rpm"],
        &[],
    );
    let (tx, rx) = mpsc::channel();
    let mut sink = ChannelSink::new(tx);
    for i in 0..200i64 {
        for m in 0..3i64 {
            let motor = format!("motor_{m:02}");
            let mut vibration = 0.5 + ((i + m) % 4) as f64 * 0.01;
            if m == 2 && i == 150 {
                vibration = 2.5;
            }
            let record = Record::new(motor)
                .with_timestamp(ts(T0 + i * 10))
                .with_field("temperature", 70.0 + ((i * 3 + m) % 7) as f64 * 0.2)
                .with_field("vibration", vibration)
                .with_field("rpm", 1800.0 + ((i + 2 * m) % 5) as f64);
            e.process_record("", &record, &mut sink).unwrap();
        }
    }
    drop(sink);
    let alerts: Vec<_> = rx
        .iter()
        .filter_map(|x| match x {
            Emitted::Event {
                event: Event::Alert(a),
                ..
            } => Some(a),
            _ => None,
        })
        .collect();
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert_eq!(alerts[0].stream_id, "motor_02");
    assert_eq!(alerts[0].level, AlertLevel::Critical);
    assert_eq!(alerts[0].context["field"], "vibration");
    assert_eq!(alerts[0].timestamp, Some(ts(T0 + 1500)));
    assert_eq!(e.live_streams(), 3);
    assert_eq!(e.stats().processed, 600);
}

#[test]
fn viral_trend_through_the_engine_as_ndjson() {
    let mut e = engine(
        &[(
            "trend_analysis",
            serde_json::json!({"growth_threshold": 2.0, "time_window": 1800, "min_baseline": 100}),
        )],
        &["mentions", "sentiment"],
        &[],
    );
    let mut sink = NdjsonSink::new(Vec::new());
    for m in 0..180i64 {
        let mentions = if m < 120 {
            110.0 + (m % 5) as f64
        } else {
            1250.0
        };
        let record = Record::new("brand_mentions")
            .with_timestamp(ts(T0 + 60 * m))
            .with_field("mentions", mentions)
            .with_field("sentiment", 0.75)
            .with_field("platform", "twitter");
        e.process_record("social", &record, &mut sink).unwrap();
    }
    let out = String::from_utf8(sink.into_inner()).unwrap();
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let alerts: Vec<_> = lines.iter().filter(|l| l["event"] == "alert").collect();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["tenant"], "social");
    assert_eq!(alerts[0]["strategy_id"], "trend_analysis");
    assert!(alerts[0]["context"]["growth"].as_f64().unwrap() >= 2.0);
}

/// Events of `tenant` only, as JSON.
fn tenant_events(out: &[u8], tenant: &str) -> Vec<serde_json::Value> {
    std::str::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["tenant"] == tenant)
        .collect()
}

fn isolation_specs() -> Vec<(&'static str, serde_json::Value)> {
    vec![
        (
            "anomaly_detection",
            serde_json::json!({"window_size": 10, "threshold": 2.0}),
        ),
        (
            "window_aggregate",
            serde_json::json!({"window": 60, "aggregations": ["count", "mean(value)", "p95(value)"]}),
        ),
        (
            "trend_analysis",
            serde_json::json!({"time_window": 60, "buckets": 6, "min_baseline": 1}),
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// A victim tenant's events are the same whatever another tenant sends in between: the
    /// same stream ids, out-of-order times, NaN, floods past its rate limit and its stream limit.
    #[test]
    fn no_tenant_can_affect_another(
        victim in prop::collection::vec((0i64..30, 0.0f64..100.0), 1..120),
        attacker in prop::collection::vec((0usize..40, -1000i64..1000, prop::num::f64::ANY), 0..400),
        interleave in prop::collection::vec(0usize..4, 1..120),
    ) {
        let policies = TenantPolicies::from_json(br#"{"tenants": [
            {"tenant_id": "victim"},
            {"tenant_id": "attacker", "limits": {"rate_limit_per_minute": 50, "max_concurrent_streams": 3, "max_strategies_per_hour": 20}}
        ]}"#).unwrap();
        let run = |with_attacker: bool| {
            let mut e = engine(&isolation_specs(), &["value"], &[]).with_policies(policies.clone());
            let mut sink = NdjsonSink::new(Vec::new());
            let mut t = T0;
            let mut a = attacker.iter();
            for (k, &(dt, v)) in victim.iter().enumerate() {
                if with_attacker {
                    for _ in 0..interleave[k % interleave.len()] {
                        if let Some(&(s, offset, x)) = a.next() {
                            let id = if s < 2 { "motor_01".to_owned() } else { format!("s{s}") };
                            let input = Input::new(&id, std::slice::from_ref(&x))
                                .with_tenant("attacker")
                                .with_timestamp(ts(t + offset));
                            let _ = e.process(input, &mut sink);
                        }
                    }
                }
                t += dt;
                let input = Input::new("motor_01", std::slice::from_ref(&v))
                    .with_tenant("victim")
                    .with_timestamp(ts(t));
                prop_assert!(e.process(input, &mut sink).is_ok());
            }
            Ok(sink.into_inner())
        };
        let alone = run(false)?;
        let attacked = run(true)?;
        prop_assert_eq!(tenant_events(&alone, "victim"), tenant_events(&attacked, "victim"));
    }

    /// However many streams arrive, the engine holds at most `max_streams`, and every record
    /// is accounted for.
    #[test]
    fn streams_are_bounded_and_records_accounted(
        ids in prop::collection::vec((0u32..5000, 0u8..3), 1..2000),
        max_streams in 1usize..64,
    ) {
        let s = strategies(&[("window_aggregate", serde_json::json!({"window": 60, "aggregations": ["count"]}))]);
        let schema = bind_schema(&s, vec!["value".into()], vec![]).unwrap();
        let mut e = Engine::new(s, schema, EngineConfig { max_streams, ..EngineConfig::default() }).unwrap();
        let mut sink = NdjsonSink::new(std::io::sink());
        for (i, &(id, tenant)) in ids.iter().enumerate() {
            let name = format!("s{id}");
            let tenant = ["a", "b", "c"][tenant as usize];
            let input = Input::new(&name, &[1.0]).with_tenant(tenant).with_timestamp(ts(T0 + i as i64));
            let _ = e.process(input, &mut sink);
            prop_assert!(e.live_streams() <= max_streams);
        }
        let st = e.stats();
        prop_assert_eq!(st.records, ids.len() as u64);
        prop_assert_eq!(
            st.records,
            st.processed + st.invalid + st.late_dropped + st.duplicates_dropped
                + st.limit_rejected + st.unknown_tenant + st.stream_rejected
        );
        prop_assert_eq!(e.streams().count(), e.live_streams());
    }
}
