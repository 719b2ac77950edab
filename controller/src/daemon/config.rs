//! `fathomd`'s typed configuration (TOML). Unknown keys are rejected, every field has a documented default
//! (see `controller/fathomd.sample.toml`), and [`Config::validate`] checks what types cannot.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// What the controller may do with its plans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Compute plans and record them; never apply.
    Observe,
    /// Plans wait for an operator's approval.
    #[default]
    Advise,
    /// Plans within the safety budget are applied.
    Auto,
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Mode::Observe => "observe",
            Mode::Advise => "advise",
            Mode::Auto => "auto",
        })
    }
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub replica: Replica,
    pub control: Control,
    pub telemetry: Telemetry,
    pub topology: TopologySource,
    pub southbound: Southbound,
    pub api: Listen,
    pub metrics: MetricsListen,
    pub audit: Audit,
    pub log: Log,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Replica {
    /// Name in logs, status and decisions.
    pub name: String,
}

impl Default for Replica {
    fn default() -> Self {
        Replica { name: "fathomd".into() }
    }
}

/// The control loop and its safety gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Control {
    pub mode: Mode,
    /// Period of the control loop, ms.
    pub interval_ms: u64,
    /// How far ahead hotspots are forecast, ms.
    pub horizon_ms: u64,
    /// Peak window, ms: a series' planning load is at least its peak over this window, so a periodic burst
    /// (a training job's collective between compute phases) is planned for while it is quiet. 0: the horizon.
    pub envelope_ms: u64,
    /// Utilization at which a link is a hotspot.
    pub hotspot_threshold: f64,
    /// Per-link utilization cap the optimizer plans for.
    pub utilization_cap: f64,
    /// Budget: at most this share of the traffic of the fabric moved per round, 0..1.
    pub max_traffic_moved: f64,
    /// Hysteresis: a plan must lower the predicted max utilization by at least this much (absolute), unless it
    /// relieves a forecast hotspot.
    pub min_improvement: f64,
    /// Rounds after a change at which its outcome is judged.
    pub judge_after_rounds: u32,
    /// Roll a change back when the observed max utilization is worse than before it by more than this.
    pub rollback_tolerance: f64,
    /// Forecast model: `ensemble`, `holt-winters`, `ewma`, `ar`, or `last` (a reactive controller).
    pub forecaster: String,
}

impl Default for Control {
    fn default() -> Self {
        Control {
            mode: Mode::Advise,
            interval_ms: 500,
            horizon_ms: 2000,
            envelope_ms: 10_000,
            hotspot_threshold: 0.9,
            utilization_cap: 0.85,
            max_traffic_moved: 0.25,
            min_improvement: 0.05,
            judge_after_rounds: 2,
            rollback_tolerance: 0.05,
            forecaster: "ensemble".into(),
        }
    }
}

/// gNMI ingest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Telemetry {
    /// SAMPLE interval requested from every endpoint, ms.
    pub sample_interval_ms: u64,
    /// A source silent for this many intervals is stale: its links are excluded from decisions.
    pub stale_after_intervals: u32,
    #[serde(rename = "endpoint")]
    pub endpoints: Vec<Endpoint>,
}

impl Default for Telemetry {
    fn default() -> Self {
        Telemetry { sample_interval_ms: 200, stale_after_intervals: 5, endpoints: Vec::new() }
    }
}

/// One gNMI endpoint; several switches may share it as targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    /// `host:port`.
    pub address: String,
    /// Targets (switch names) behind it; empty: every target it serves.
    #[serde(default)]
    pub targets: Vec<String>,
}

/// Where the fabric graph comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TopologySource {
    /// `lldp` (built from neighbor telemetry, the file as fallback) or `file`.
    pub source: String,
    /// A topology JSON file (fathom-topology format).
    pub file: Option<PathBuf>,
}

impl Default for TopologySource {
    fn default() -> Self {
        TopologySource { source: "lldp".into(), file: None }
    }
}

/// Where plans are written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Southbound {
    /// `simulator` or `dry-run`.
    pub kind: String,
    /// For `simulator`: the control API URL.
    pub endpoint: String,
}

impl Default for Southbound {
    fn default() -> Self {
        Southbound { kind: "dry-run".into(), endpoint: "http://127.0.0.1:9340".into() }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Listen {
    /// Operator gRPC API (`fathom.v1.Operator`, health, reflection).
    pub listen: SocketAddr,
}

impl Default for Listen {
    fn default() -> Self {
        Listen { listen: SocketAddr::from(([127, 0, 0, 1], 9450)) }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsListen {
    /// Prometheus exposition at `/metrics`.
    pub listen: SocketAddr,
}

impl Default for MetricsListen {
    fn default() -> Self {
        MetricsListen { listen: SocketAddr::from(([127, 0, 0, 1], 9451)) }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Audit {
    /// Decisions are appended here as JSON lines; none when unset.
    pub path: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Log {
    /// `plain` or `json`.
    pub format: String,
    /// A tracing filter, e.g. `info` or `fathom_controller=debug`.
    pub level: String,
}

impl Default for Log {
    fn default() -> Self {
        Log { format: "plain".into(), level: "info".into() }
    }
}

/// A configuration problem, naming the key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{key}: {reason}")]
pub struct ConfigError {
    pub key: String,
    pub reason: String,
}

fn bad(key: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError { key: key.into(), reason: reason.into() }
}

impl Config {
    /// Parses and validates; syntax and schema errors name the line.
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        let c: Config = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            ConfigError { key: line.map_or("config".into(), |l| format!("line {l}")), reason: e.message().to_string() }
        })?;
        c.validate()?;
        Ok(c)
    }

    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| bad(&path.display().to_string(), e.to_string()))?;
        Self::from_toml(&text)
            .map_err(|e| ConfigError { key: format!("{} {}", path.display(), e.key), reason: e.reason })
    }

    /// Reads the static topology file, if one is configured (`topology.file`): fathom-topology JSON.
    pub fn load_topology(&self) -> Result<Option<fathom_topology::Fabric>, ConfigError> {
        let Some(path) = &self.topology.file else { return Ok(None) };
        let text = std::fs::read_to_string(path)
            .map_err(|e| bad("topology.file", format!("cannot read {}: {e}", path.display())))?;
        fathom_topology::file::from_json(&text)
            .map(Some)
            .map_err(|e| bad("topology.file", format!("{} is not a valid topology file: {e}", path.display())))
    }

    /// Checks ranges and cross-field rules.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let c = &self.control;
        if !(50..=600_000).contains(&c.interval_ms) {
            return Err(bad("control.interval_ms", "must be 50..=600000"));
        }
        if c.envelope_ms > 3_600_000 {
            return Err(bad("control.envelope_ms", "must be at most 3600000 (one hour)"));
        }
        if c.horizon_ms < c.interval_ms {
            return Err(bad("control.horizon_ms", "must be at least control.interval_ms"));
        }
        for (k, v) in [
            ("control.hotspot_threshold", c.hotspot_threshold),
            ("control.utilization_cap", c.utilization_cap),
            ("control.max_traffic_moved", c.max_traffic_moved),
        ] {
            if !(v > 0.0 && v <= 1.0) {
                return Err(bad(k, format!("must be within (0, 1], got {v}")));
            }
        }
        if !(c.min_improvement >= 0.0 && c.rollback_tolerance >= 0.0) {
            return Err(bad("control.min_improvement", "min_improvement and rollback_tolerance must be >= 0"));
        }
        if !["ensemble", "holt-winters", "ewma", "ar", "last"].contains(&c.forecaster.as_str()) {
            return Err(bad(
                "control.forecaster",
                format!("unknown '{}' (ensemble, holt-winters, ewma, ar, last)", c.forecaster),
            ));
        }
        let t = &self.telemetry;
        if !(10..=60_000).contains(&t.sample_interval_ms) {
            return Err(bad("telemetry.sample_interval_ms", "must be 10..=60000"));
        }
        if t.stale_after_intervals < 2 {
            return Err(bad("telemetry.stale_after_intervals", "must be at least 2"));
        }
        for (i, e) in t.endpoints.iter().enumerate() {
            if e.address.parse::<SocketAddr>().is_err() && !e.address.contains(':') {
                return Err(bad(&format!("telemetry.endpoint[{i}].address"), "expected host:port"));
            }
        }
        match self.topology.source.as_str() {
            "lldp" => {}
            "file" if self.topology.file.is_some() => {}
            "file" => return Err(bad("topology.file", "required when topology.source = \"file\"")),
            other => return Err(bad("topology.source", format!("unknown '{other}' (lldp or file)"))),
        }
        match self.southbound.kind.as_str() {
            "dry-run" => {}
            "simulator" if self.southbound.endpoint.starts_with("http://") => {}
            "simulator" => return Err(bad("southbound.endpoint", "must be an http:// URL")),
            other => return Err(bad("southbound.kind", format!("unknown '{other}' (simulator or dry-run)"))),
        }
        if !["plain", "json"].contains(&self.log.format.as_str()) {
            return Err(bad("log.format", "plain or json"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_file_is_valid_and_shows_the_defaults() {
        let text = include_str!("../../fathomd.sample.toml");
        let c = Config::from_toml(text).unwrap();
        let d = Config::default();
        assert_eq!(c.control, d.control);
        assert_eq!(c.telemetry.sample_interval_ms, d.telemetry.sample_interval_ms);
        assert_eq!(c.api, d.api);
        assert_eq!(c.telemetry.endpoints.len(), 1);
    }

    #[test]
    fn bad_configs_name_the_key() {
        for (text, key) in [
            ("[control]\nmode = \"yolo\"\n", "line 2"),
            ("[control]\nbogus = 1\n", "line 2"),
            ("[control]\ninterval_ms = 1\n", "control.interval_ms"),
            ("[control]\nmax_traffic_moved = 1.5\n", "control.max_traffic_moved"),
            ("[control]\nforecaster = \"crystal-ball\"\n", "control.forecaster"),
            ("[topology]\nsource = \"file\"\n", "topology.file"),
            ("[southbound]\nkind = \"gobgp\"\n", "southbound.kind"),
            ("[telemetry]\nstale_after_intervals = 1\n", "telemetry.stale_after_intervals"),
            ("[api]\nlisten = \"nowhere\"\n", "line 2"),
        ] {
            let e = Config::from_toml(text).unwrap_err();
            assert!(e.to_string().contains(key), "'{e}' should name '{key}'");
        }
    }

    #[test]
    fn a_bad_topology_file_names_the_key_and_the_file() {
        let dir = std::env::temp_dir().join(format!("fathomd-topo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bad_file = dir.join("bad.json");
        std::fs::write(&bad_file, "{\"version\": 1, \"switches\": [").unwrap();
        let mut c = Config::default();
        c.topology.file = Some(bad_file.clone());
        let e = c.load_topology().unwrap_err();
        assert_eq!(e.key, "topology.file");
        assert!(e.reason.contains("bad.json"), "{}", e.reason);
        c.topology.file = Some(dir.join("missing.json"));
        assert!(c.load_topology().unwrap_err().reason.contains("cannot read"));
        let good = dir.join("good.json");
        let f = fathom_topology::builders::from_spec("leaf-spine:2x2").unwrap();
        std::fs::write(&good, fathom_topology::file::to_json(&f)).unwrap();
        c.topology.file = Some(good);
        assert_eq!(c.load_topology().unwrap().unwrap().link_count(), f.link_count());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
