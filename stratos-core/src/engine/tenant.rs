//! Tenant policies in the seed's shape (StratosMesh's `limits` and `allowed_strategies`), and the
//! per-tenant counters the engine enforces them with.
//!
//! Limits, all optional (absent: unlimited):
//! - `allowed_strategies`: the strategy ids a tenant's streams run. Streams of a tenant run only
//!   the engine's strategies in this list; a record of a tenant allowed none of them is refused.
//! - `max_concurrent_streams`: live streams of the tenant at once; a record opening one more is
//!   refused (idle eviction frees slots).
//! - `rate_limit_per_minute`: records per event-time minute (`floor(epoch_seconds / 60)`); a
//!   record without a timestamp counts in the tenant's latest minute.
//! - `max_strategies_per_hour`: strategy instances started per event-time hour (opening a stream
//!   starts one per strategy it runs).
//!
//! A refused record yields [`super::EngineError::LimitExceeded`] for the caller, and a
//! `limit_exceeded` event for that tenant, at most once per limit and minute. Counters are per
//! tenant: one tenant's flood never touches another's.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::ConfigError;

/// A tenant limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Limit {
    /// `allowed_strategies`.
    AllowedStrategies,
    /// `max_concurrent_streams`.
    MaxConcurrentStreams,
    /// `rate_limit_per_minute`.
    RateLimitPerMinute,
    /// `max_strategies_per_hour`.
    MaxStrategiesPerHour,
}

impl Limit {
    /// The seed's key.
    pub fn as_str(self) -> &'static str {
        match self {
            Limit::AllowedStrategies => "allowed_strategies",
            Limit::MaxConcurrentStreams => "max_concurrent_streams",
            Limit::RateLimitPerMinute => "rate_limit_per_minute",
            Limit::MaxStrategiesPerHour => "max_strategies_per_hour",
        }
    }

    pub(crate) fn slot(self) -> usize {
        match self {
            Limit::AllowedStrategies => 0,
            Limit::MaxConcurrentStreams => 1,
            Limit::RateLimitPerMinute => 2,
            Limit::MaxStrategiesPerHour => 3,
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The seed's `limits` object. Unknown keys are ignored (the seed also has `max_storage_mb`,
/// which a library without storage has no use for).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TenantLimits {
    /// Live streams at once. Defaults to unlimited.
    pub max_concurrent_streams: Option<u64>,
    /// Strategy instances started per event-time hour. Defaults to unlimited.
    pub max_strategies_per_hour: Option<u64>,
    /// Records per event-time minute. Defaults to unlimited.
    pub rate_limit_per_minute: Option<u64>,
}

/// One tenant's policy, in the seed's shape:
///
/// ```json
/// {"tenant_id": "acme", "limits": {"max_concurrent_streams": 50, "max_strategies_per_hour": 500,
///  "rate_limit_per_minute": 120}, "allowed_strategies": ["moving_average", "anomaly_detection"]}
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TenantPolicy {
    /// The tenant's id (the value of the records' tenant field). Empty in a default policy.
    pub tenant_id: String,
    /// The limits.
    pub limits: TenantLimits,
    /// Strategy ids the tenant may run. Defaults to all.
    pub allowed_strategies: Option<Vec<String>>,
}

impl TenantPolicy {
    /// True when the policy lets the tenant run `strategy_id`.
    pub fn allows(&self, strategy_id: &str) -> bool {
        self.allowed_strategies
            .as_ref()
            .is_none_or(|ids| ids.iter().any(|s| s == strategy_id))
    }
}

/// The policies of every tenant: a `tenants.json` file.
///
/// Either an array of [`TenantPolicy`], or `{"tenants": [...], "default": {...}}` where the
/// optional `default` applies to tenants not listed. Without a default, records of an unlisted
/// tenant are refused ([`super::EngineError::UnknownTenant`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TenantPolicies {
    /// Policies by tenant id.
    pub tenants: BTreeMap<String, TenantPolicy>,
    /// The policy of unlisted tenants; `None` refuses them.
    pub default: Option<TenantPolicy>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum PoliciesFile {
    List(Vec<TenantPolicy>),
    Object {
        #[serde(default)]
        tenants: Vec<TenantPolicy>,
        #[serde(default)]
        default: Option<TenantPolicy>,
    },
}

impl TenantPolicies {
    /// No policies, and every tenant allowed without limits.
    pub fn unlimited() -> Self {
        TenantPolicies {
            tenants: BTreeMap::new(),
            default: Some(TenantPolicy::default()),
        }
    }

    /// Reads a `tenants.json` document.
    ///
    /// # Errors
    /// [`ConfigError::Parse`] when the JSON is malformed, a policy has no `tenant_id`, or an id
    /// repeats.
    ///
    /// # Examples
    /// ```
    /// use stratos_core::engine::TenantPolicies;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let p = TenantPolicies::from_json(br#"[{"tenant_id": "acme",
    ///     "limits": {"rate_limit_per_minute": 120}, "allowed_strategies": ["anomaly_detection"]}]"#)?;
    /// assert_eq!(p.tenants["acme"].limits.rate_limit_per_minute, Some(120));
    /// assert!(p.default.is_none());
    /// # Ok(()) }
    /// ```
    pub fn from_json(bytes: &[u8]) -> Result<Self, ConfigError> {
        let parse = |message: String| ConfigError::Parse {
            strategy: "tenants".to_owned(),
            message,
        };
        let file: PoliciesFile = serde_json::from_slice(bytes).map_err(|e| {
            parse(format!(
                "{e}: expected an array of tenant policies or {{\"tenants\": [...], \"default\": {{...}}}}"
            ))
        })?;
        let (list, default) = match file {
            PoliciesFile::List(list) => (list, None),
            PoliciesFile::Object { tenants, default } => (tenants, default),
        };
        let mut tenants = BTreeMap::new();
        for (i, p) in list.into_iter().enumerate() {
            if p.tenant_id.is_empty() {
                return Err(parse(format!("tenant policy {i} has no `tenant_id`")));
            }
            if tenants.contains_key(&p.tenant_id) {
                return Err(parse(format!("tenant `{}` is listed twice", p.tenant_id)));
            }
            tenants.insert(p.tenant_id.clone(), p);
        }
        Ok(TenantPolicies { tenants, default })
    }

    /// The policy of `tenant`: its own, else the default.
    pub fn get(&self, tenant: &str) -> Option<&TenantPolicy> {
        self.tenants.get(tenant).or(self.default.as_ref())
    }
}

/// What a tenant has done, for summaries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TenantStats {
    /// Records that reached the tenant.
    pub records: u64,
    /// Records its strategies processed.
    pub processed: u64,
    /// Events its strategies emitted.
    pub events: u64,
    /// Live streams now.
    pub live_streams: u64,
    /// Records refused by `allowed_strategies`.
    pub rejected_not_allowed: u64,
    /// Records refused by `max_concurrent_streams`.
    pub rejected_streams: u64,
    /// Records refused by `rate_limit_per_minute`.
    pub rejected_rate: u64,
    /// Records refused by `max_strategies_per_hour`.
    pub rejected_strategies: u64,
}

impl TenantStats {
    /// All records refused by a limit.
    pub fn rejected(&self) -> u64 {
        self.rejected_not_allowed
            + self.rejected_streams
            + self.rejected_rate
            + self.rejected_strategies
    }

    pub(crate) fn count_rejection(&mut self, limit: Limit) {
        match limit {
            Limit::AllowedStrategies => self.rejected_not_allowed += 1,
            Limit::MaxConcurrentStreams => self.rejected_streams += 1,
            Limit::RateLimitPerMinute => self.rejected_rate += 1,
            Limit::MaxStrategiesPerHour => self.rejected_strategies += 1,
        }
    }
}

/// A tenant's runtime state inside the engine.
#[derive(Debug)]
pub(crate) struct TenantState {
    pub(crate) name: String,
    /// Listed in the policies (not one of the unlisted pool).
    pub(crate) listed: bool,
    pub(crate) policy: TenantPolicy,
    /// Engine strategy indexes this tenant may run.
    pub(crate) allowed: Vec<usize>,
    pub(crate) stats: TenantStats,
    /// The tenant's event-time watermark: the latest timestamp seen (epoch seconds).
    pub(crate) watermark: Option<i64>,
    minute: i64,
    minute_count: u64,
    hour: i64,
    hour_strategies: u64,
    /// The minute of the last `limit_exceeded` event per limit.
    last_notice: [Option<i64>; 4],
    /// Whether event time must be followed (a limit is set, or idle eviction needs the
    /// watermark).
    tracks_time: bool,
}

impl TenantState {
    pub(crate) fn new(
        name: String,
        policy: TenantPolicy,
        strategy_ids: &[&str],
        idle_eviction: bool,
    ) -> Self {
        let l = &policy.limits;
        let tracks_time = idle_eviction
            || l.max_concurrent_streams.is_some()
            || l.rate_limit_per_minute.is_some()
            || l.max_strategies_per_hour.is_some()
            || policy.allowed_strategies.is_some();
        let allowed = strategy_ids
            .iter()
            .enumerate()
            .filter(|(_, id)| policy.allows(id))
            .map(|(i, _)| i)
            .collect();
        TenantState {
            name,
            listed: false,
            policy,
            allowed,
            stats: TenantStats::default(),
            watermark: None,
            minute: i64::MIN,
            minute_count: 0,
            hour: i64::MIN,
            hour_strategies: 0,
            last_notice: [None; 4],
            tracks_time,
        }
    }

    /// The current event-time minute for a record at `seconds` (or the latest one).
    fn advance(&mut self, seconds: Option<i64>) {
        if let Some(s) = seconds {
            let minute = s.div_euclid(60);
            if minute > self.minute {
                self.minute = minute;
                self.minute_count = 0;
            }
            let hour = s.div_euclid(3600);
            if hour > self.hour {
                self.hour = hour;
                self.hour_strategies = 0;
            }
            self.watermark = Some(self.watermark.map_or(s, |w| w.max(s)));
        }
    }

    /// Counts one record against the rate limit; `Err` with the limit when it is exceeded.
    #[inline]
    pub(crate) fn admit_record(&mut self, seconds: Option<i64>) -> Result<(), (Limit, u64)> {
        if !self.tracks_time {
            return Ok(());
        }
        self.advance(seconds);
        if let Some(max) = self.policy.limits.rate_limit_per_minute {
            if self.minute_count >= max {
                return Err((Limit::RateLimitPerMinute, max));
            }
            self.minute_count += 1;
        }
        Ok(())
    }

    /// Checks that one more stream running `strategies` strategies may open; `Err` with the
    /// limit when not. Counts the strategies when it may.
    pub(crate) fn admit_stream(&mut self, strategies: u64) -> Result<(), (Limit, u64)> {
        if let Some(max) = self.policy.limits.max_concurrent_streams
            && self.stats.live_streams >= max
        {
            return Err((Limit::MaxConcurrentStreams, max));
        }
        if let Some(max) = self.policy.limits.max_strategies_per_hour {
            if self.hour_strategies + strategies > max {
                return Err((Limit::MaxStrategiesPerHour, max));
            }
            self.hour_strategies += strategies;
        }
        Ok(())
    }

    /// True when a `limit_exceeded` event for `limit` is due (at most one per limit and minute).
    pub(crate) fn notice_due(&mut self, limit: Limit) -> bool {
        let slot = &mut self.last_notice[limit.slot()];
        if *slot == Some(self.minute) {
            false
        } else {
            *slot = Some(self.minute);
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_read_the_seed_shape_and_the_object_form() {
        let seed = br#"[{"tenant_id": "demo", "name": "Demo Analytics Corp",
            "limits": {"max_concurrent_streams": 50, "max_strategies_per_hour": 500,
                       "max_storage_mb": 5000, "rate_limit_per_minute": 120},
            "allowed_strategies": ["moving_average", "anomaly_detection", "arima_prediction", "hybrid_arima_ma"]}]"#;
        let p = TenantPolicies::from_json(seed).unwrap();
        let demo = &p.tenants["demo"];
        assert_eq!(demo.limits.max_concurrent_streams, Some(50));
        assert_eq!(demo.limits.max_strategies_per_hour, Some(500));
        assert_eq!(demo.limits.rate_limit_per_minute, Some(120));
        assert!(demo.allows("anomaly_detection"));
        assert!(!demo.allows("trend_analysis"));
        assert!(p.get("other").is_none());

        let obj = br#"{"tenants": [{"tenant_id": "a"}], "default": {"limits": {"rate_limit_per_minute": 5}}}"#;
        let p = TenantPolicies::from_json(obj).unwrap();
        assert_eq!(p.get("zzz").unwrap().limits.rate_limit_per_minute, Some(5));
        assert!(p.get("a").unwrap().allows("anything"));
    }

    #[test]
    fn policies_reject_missing_and_repeated_ids() {
        let e = TenantPolicies::from_json(br#"[{"limits": {}}]"#).unwrap_err();
        assert!(e.to_string().contains("no `tenant_id`"), "{e}");
        let e =
            TenantPolicies::from_json(br#"[{"tenant_id": "a"}, {"tenant_id": "a"}]"#).unwrap_err();
        assert!(e.to_string().contains("listed twice"), "{e}");
        assert!(TenantPolicies::from_json(b"{").is_err());
    }

    #[test]
    fn rate_limit_resets_each_minute() {
        let policy = TenantPolicy {
            limits: TenantLimits {
                rate_limit_per_minute: Some(2),
                ..TenantLimits::default()
            },
            ..TenantPolicy::default()
        };
        let mut t = TenantState::new("a".into(), policy, &["x"], false);
        assert!(t.admit_record(Some(0)).is_ok());
        assert!(t.admit_record(Some(30)).is_ok());
        assert_eq!(
            t.admit_record(Some(59)),
            Err((Limit::RateLimitPerMinute, 2))
        );
        assert!(t.notice_due(Limit::RateLimitPerMinute));
        assert!(!t.notice_due(Limit::RateLimitPerMinute));
        assert!(t.admit_record(Some(60)).is_ok());
        assert!(t.notice_due(Limit::RateLimitPerMinute));
    }
}
