//! Prometheus metrics: a fixed set of counters, gauges and histograms with atomics (no lock on the hot path),
//! rendered in the text exposition format and served at `/metrics` by a minimal HTTP/1.1 responder.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// An `f64` gauge in an atomic.
#[derive(Debug, Default)]
pub struct Gauge(AtomicU64);

impl Gauge {
    pub fn set(&self, v: f64) {
        self.0.store(v.to_bits(), Ordering::Relaxed);
    }
    pub fn get(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::Relaxed))
    }
}

/// A monotonically increasing counter.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
    /// Mirrors a cumulative total kept elsewhere (never goes down).
    pub fn set_total(&self, v: u64) {
        self.0.fetch_max(v, Ordering::Relaxed);
    }
}

/// A histogram with fixed upper bounds (seconds).
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [f64],
    buckets: Vec<AtomicU64>,
    sum_micros: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    pub fn new(bounds: &'static [f64]) -> Self {
        Histogram {
            bounds,
            buckets: bounds.iter().map(|_| AtomicU64::new(0)).collect(),
            sum_micros: AtomicU64::new(0),
            count: AtomicU64::new(0),
        }
    }
    pub fn observe(&self, secs: f64) {
        for (b, c) in self.bounds.iter().zip(&self.buckets) {
            if secs <= *b {
                c.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.sum_micros.fetch_add((secs * 1e6).max(0.0) as u64, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }
}

const LATENCY_BOUNDS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

/// Every metric fathomd exports.
#[derive(Debug)]
pub struct Metrics {
    pub ingest_updates: Counter,
    pub ingest_coalesced: Counter,
    pub ingest_out_of_order: Counter,
    pub ingest_counter_resets: Counter,
    pub stale_sources: Gauge,
    pub stale_links: Gauge,
    pub forecast_abs_error: Gauge,
    pub predicted_mlu: Gauge,
    pub observed_mlu: Gauge,
    pub rounds: Counter,
    pub apply_latency: Histogram,
    pub loop_latency: Histogram,
    pub divergences: Counter,
    pub is_leader: Gauge,
    decisions: Mutex<BTreeMap<String, u64>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            ingest_updates: Counter::default(),
            ingest_coalesced: Counter::default(),
            ingest_out_of_order: Counter::default(),
            ingest_counter_resets: Counter::default(),
            stale_sources: Gauge::default(),
            stale_links: Gauge::default(),
            forecast_abs_error: Gauge::default(),
            predicted_mlu: Gauge::default(),
            observed_mlu: Gauge::default(),
            rounds: Counter::default(),
            apply_latency: Histogram::new(LATENCY_BOUNDS),
            loop_latency: Histogram::new(LATENCY_BOUNDS),
            divergences: Counter::default(),
            is_leader: Gauge::default(),
            decisions: Mutex::new(BTreeMap::new()),
        }
    }
}

fn head(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn counter(out: &mut String, name: &str, help: &str, v: u64) {
    head(out, name, "counter", help);
    let _ = writeln!(out, "{name} {v}");
}

fn gauge(out: &mut String, name: &str, help: &str, v: f64) {
    head(out, name, "gauge", help);
    let _ = writeln!(out, "{name} {}", fmt_f64(v));
}

fn fmt_f64(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else {
        format!("{v}")
    }
}

fn histogram(out: &mut String, name: &str, help: &str, h: &Histogram) {
    head(out, name, "histogram", help);
    for (b, c) in h.bounds.iter().zip(&h.buckets) {
        let _ = writeln!(out, "{name}_bucket{{le=\"{b}\"}} {}", c.load(Ordering::Relaxed));
    }
    let count = h.count.load(Ordering::Relaxed);
    let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
    let _ = writeln!(out, "{name}_sum {}", h.sum_micros.load(Ordering::Relaxed) as f64 / 1e6);
    let _ = writeln!(out, "{name}_count {count}");
}

impl Metrics {
    /// Counts a decision by its state (`applied`, `pending`, `observed`, `rolled-back`, ...).
    pub fn decision(&self, state: &str) {
        // Why a lock: the label set is open-ended and tiny; decisions are rare (one per round at most).
        *self.decisions.lock().expect("metrics lock poisoned").entry(state.to_string()).or_insert(0) += 1;
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut o = String::with_capacity(4096);
        counter(
            &mut o,
            "fathom_ingest_updates_total",
            "gNMI updates ingested into the model.",
            self.ingest_updates.get(),
        );
        counter(
            &mut o,
            "fathom_ingest_coalesced_total",
            "Updates coalesced because the model fell behind.",
            self.ingest_coalesced.get(),
        );
        counter(
            &mut o,
            "fathom_ingest_out_of_order_total",
            "Samples dropped as out of order or duplicate.",
            self.ingest_out_of_order.get(),
        );
        counter(
            &mut o,
            "fathom_ingest_resets_total",
            "Counter resets detected (not read as traffic).",
            self.ingest_counter_resets.get(),
        );
        gauge(
            &mut o,
            "fathom_telemetry_stale_sources",
            "Telemetry sources silent past the staleness limit.",
            self.stale_sources.get(),
        );
        gauge(
            &mut o,
            "fathom_telemetry_stale_links",
            "Links excluded from decisions because their data is stale.",
            self.stale_links.get(),
        );
        gauge(
            &mut o,
            "fathom_forecast_abs_error",
            "Mean absolute forecast error of link utilization, last round.",
            self.forecast_abs_error.get(),
        );
        gauge(
            &mut o,
            "fathom_predicted_max_utilization",
            "Max link utilization the last plan predicted.",
            self.predicted_mlu.get(),
        );
        gauge(
            &mut o,
            "fathom_observed_max_utilization",
            "Max link utilization observed in the last round.",
            self.observed_mlu.get(),
        );
        counter(&mut o, "fathom_control_rounds_total", "Control-loop rounds.", self.rounds.get());
        head(&mut o, "fathom_decisions_total", "counter", "Decisions by state.");
        for (state, n) in self.decisions.lock().expect("metrics lock poisoned").iter() {
            let _ = writeln!(o, "fathom_decisions_total{{state=\"{state}\"}} {n}");
        }
        counter(
            &mut o,
            "fathom_southbound_divergences_total",
            "Installed tables found diverging from the plan.",
            self.divergences.get(),
        );
        gauge(&mut o, "fathom_leader", "1 when this replica is the leader.", self.is_leader.get());
        histogram(&mut o, "fathom_apply_latency_seconds", "Southbound apply latency.", &self.apply_latency);
        histogram(
            &mut o,
            "fathom_control_loop_latency_seconds",
            "From the round's last sample to the southbound call.",
            &self.loop_latency,
        );
        o
    }
}

/// Serves `GET /metrics` until the listener fails; other paths get 404.
pub async fn serve(listener: tokio::net::TcpListener, metrics: std::sync::Arc<Metrics>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    loop {
        let Ok((mut sock, _)) = listener.accept().await else { return };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 2048];
            let mut n = 0;
            while n < buf.len() {
                match tokio::time::timeout(std::time::Duration::from_secs(5), sock.read(&mut buf[n..])).await {
                    Ok(Ok(0)) | Err(_) | Ok(Err(_)) => break,
                    Ok(Ok(k)) => n += k,
                }
                if buf[..n].windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
            let req = String::from_utf8_lossy(&buf[..n]);
            let (status, body) = if req.starts_with("GET /metrics") {
                ("200 OK", metrics.render())
            } else {
                ("404 Not Found", "only GET /metrics is served\n".to_string())
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = sock.write_all(head.as_bytes()).await;
            let _ = sock.write_all(body.as_bytes()).await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_has_help_type_and_values() {
        let m = Metrics::default();
        m.ingest_updates.add(5);
        m.predicted_mlu.set(0.75);
        m.apply_latency.observe(0.003);
        m.decision("applied");
        let text = m.render();
        assert!(text.contains("# TYPE fathom_ingest_updates_total counter\nfathom_ingest_updates_total 5\n"));
        assert!(text.contains("fathom_predicted_max_utilization 0.75\n"));
        assert!(text.contains("fathom_apply_latency_seconds_bucket{le=\"0.005\"} 1\n"));
        assert!(text.contains("fathom_apply_latency_seconds_count 1\n"));
        assert!(text.contains("fathom_decisions_total{state=\"applied\"} 1\n"));
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let v = line.rsplit(' ').next().unwrap();
            assert!(v.parse::<f64>().is_ok() || v == "+Inf", "bad sample line '{line}'");
        }
    }
}
