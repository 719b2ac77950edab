//! Typed ingest configuration (a section of `fathomd`'s TOML): unknown keys are rejected, every field has a
//! default, and [`IngestConfig::validate`] checks values. `ingest/ingest.sample.toml` is a commented example.

use serde::{Deserialize, Serialize};

use crate::engine::EngineConfig;
use crate::error::{IngestError, Result};
use crate::path::PathSpec;

/// The whole ingest section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IngestConfig {
    /// gNMI endpoints; several switches may share one endpoint as targets.
    pub endpoints: Vec<EndpointConfig>,
    /// Sample interval requested for counters, ms.
    pub sample_interval_ms: u64,
    /// A source silent for this many sample intervals is stale.
    pub stale_after_intervals: u32,
    /// Events queued for the consumer before ingest starts coalescing.
    pub channel_capacity: usize,
    /// Coalesced updates held per stream while the consumer is behind; at this bound the stream stops reading
    /// (the target then drops samples for it).
    pub max_pending_updates: usize,
    /// Fastest believable counter rate, units/s; faster deltas are read as resets.
    pub max_counter_rate: f64,
    pub backoff: BackoffConfig,
    /// What to subscribe to (the defaults cover every leaf the rate engine uses).
    pub subscriptions: Vec<SubscriptionSpec>,
}

/// One gNMI endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointConfig {
    /// `host:port` (insecure gRPC).
    pub address: String,
    /// Switches served there. Empty: discover them with one `*` subscription (each notification names its target).
    #[serde(default)]
    pub targets: Vec<String>,
}

/// Reconnect delays: exponential from `initial_ms`, capped at `max_ms`, each spread by +-`jitter` (a fraction).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BackoffConfig {
    pub initial_ms: u64,
    pub max_ms: u64,
    pub multiplier: f64,
    pub jitter: f64,
    /// Seed of the jitter generator (fixed in tests for determinism); unset: derived from the stream's identity.
    pub seed: Option<u64>,
}

impl Default for BackoffConfig {
    fn default() -> Self {
        BackoffConfig { initial_ms: 100, max_ms: 10_000, multiplier: 2.0, jitter: 0.2, seed: None }
    }
}

/// How a path is subscribed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionMode {
    Sample,
    OnChange,
}

/// One subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionSpec {
    /// `origin:/path`, e.g. `/interfaces/interface/state/counters` or `fathom:/wcmp/groups`.
    pub path: String,
    pub mode: SubscriptionMode,
}

impl SubscriptionSpec {
    fn new(path: &str, mode: SubscriptionMode) -> Self {
        SubscriptionSpec { path: path.to_string(), mode }
    }
}

/// The default subscriptions: counters sampled, state on change.
pub fn default_subscriptions() -> Vec<SubscriptionSpec> {
    use SubscriptionMode::{OnChange, Sample};
    vec![
        SubscriptionSpec::new("/interfaces/interface/state/counters", Sample),
        SubscriptionSpec::new("/interfaces/interface/ethernet/state/counters", Sample),
        SubscriptionSpec::new("/interfaces/interface/state/oper-status", OnChange),
        SubscriptionSpec::new("/interfaces/interface/ethernet/state/port-speed", OnChange),
        SubscriptionSpec::new("/qos/interfaces/interface/output/queues/queue/state", Sample),
        SubscriptionSpec::new("/lldp/interfaces/interface/neighbors", OnChange),
        SubscriptionSpec::new(
            "/network-instances/network-instance[name=default]/afts/ipv4-unicast/ipv4-entry/state/counters/octets-forwarded",
            Sample,
        ),
        SubscriptionSpec::new("fathom:/interfaces/interface/pfc", Sample),
        SubscriptionSpec::new("fathom:/wcmp/groups/group/slots/slot/state/octets", Sample),
        SubscriptionSpec::new("fathom:/wcmp/groups/group/slots/slot/state/next-hop", OnChange),
    ]
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            endpoints: Vec::new(),
            sample_interval_ms: 1000,
            stale_after_intervals: 3,
            channel_capacity: 64,
            max_pending_updates: 1_000_000,
            max_counter_rate: 1e13,
            backoff: BackoffConfig::default(),
            subscriptions: default_subscriptions(),
        }
    }
}

impl IngestConfig {
    /// Checks every value; the error names the field.
    pub fn validate(&self) -> Result<()> {
        let bad = |f: String, r: String| IngestError::config(f, r);
        if self.endpoints.is_empty() {
            return Err(bad("endpoints".into(), "at least one gNMI endpoint is needed".into()));
        }
        for (i, e) in self.endpoints.iter().enumerate() {
            if e.address.is_empty() || e.address.contains('/') {
                return Err(bad(format!("endpoints[{i}].address"), "expected host:port, e.g. 10.0.0.1:9339".into()));
            }
            if e.targets.iter().any(|t| t.is_empty() || t == "*") {
                return Err(bad(format!("endpoints[{i}].targets"), "names must be non-empty switch names".into()));
            }
        }
        if self.sample_interval_ms == 0 {
            return Err(bad("sample_interval_ms".into(), "must be at least 1".into()));
        }
        if self.stale_after_intervals == 0 || self.channel_capacity == 0 || self.max_pending_updates == 0 {
            return Err(bad(
                "stale_after_intervals/channel_capacity/max_pending_updates".into(),
                "must be at least 1".into(),
            ));
        }
        if !(self.max_counter_rate > 0.0) {
            return Err(bad("max_counter_rate".into(), "must be a positive number".into()));
        }
        self.backoff.validate()?;
        if self.subscriptions.is_empty() {
            return Err(bad("subscriptions".into(), "subscribe to at least one path".into()));
        }
        for (i, s) in self.subscriptions.iter().enumerate() {
            PathSpec::parse(&s.path).map_err(|e| bad(format!("subscriptions[{i}].path"), e.to_string()))?;
        }
        Ok(())
    }

    /// The rate engine's settings implied by this configuration.
    pub fn engine(&self) -> EngineConfig {
        EngineConfig {
            sample_interval_ns: i64::try_from(self.sample_interval_ms.saturating_mul(1_000_000)).unwrap_or(i64::MAX),
            stale_after_intervals: self.stale_after_intervals,
            max_counter_rate: self.max_counter_rate,
        }
    }
}

impl BackoffConfig {
    fn validate(&self) -> Result<()> {
        let bad = |f: String, r: String| IngestError::config(f, r);
        if self.initial_ms == 0 || self.max_ms < self.initial_ms {
            return Err(bad("backoff".into(), "need 0 < initial_ms <= max_ms".into()));
        }
        if !(self.multiplier >= 1.0) || !(0.0..=1.0).contains(&self.jitter) {
            return Err(bad("backoff".into(), "need multiplier >= 1 and 0 <= jitter <= 1".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_file_parses_validates_and_equals_the_defaults() {
        let text = include_str!("../ingest.sample.toml");
        let cfg: IngestConfig = toml::from_str(text).unwrap();
        cfg.validate().unwrap();
        let want = IngestConfig {
            endpoints: vec![EndpointConfig { address: "127.0.0.1:9339".into(), targets: vec![] }],
            ..IngestConfig::default()
        };
        assert_eq!(cfg, want);
        assert_eq!(cfg.engine().stale_after_ns(), 3_000_000_000);
    }

    #[test]
    fn bad_values_and_unknown_keys_are_refused_naming_the_field() {
        let base = "[[endpoints]]\naddress = \"h:1\"\n";
        assert!(toml::from_str::<IngestConfig>(&format!("sample_interval = 5\n{base}")).is_err());
        let cases = [
            ("sample_interval_ms = 0\n", "sample_interval_ms"),
            ("[backoff]\ninitial_ms = 10\nmax_ms = 5\n", "backoff"),
            ("[[subscriptions]]\npath = \"/a[b\"\nmode = \"sample\"\n", "subscriptions[0].path"),
        ];
        for (extra, field) in cases {
            let cfg: IngestConfig = toml::from_str(&format!("{extra}{base}")).unwrap();
            let err = cfg.validate().unwrap_err().to_string();
            assert!(err.contains(field), "{err} should name {field}");
        }
        assert!(IngestConfig::default().validate().unwrap_err().to_string().contains("endpoints"));
    }
}
