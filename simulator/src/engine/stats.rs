//! Run statistics accumulated by the engine.

/// Bins of the time-weighted link utilization histogram (0.1% wide, last bin is 100% and above).
const BINS: usize = 1001;

/// Counters and distributions over the whole run.
#[derive(Debug, Clone)]
pub struct Stats {
    pub events: u64,
    /// Completion events that were stale when due (the flow's rate had changed since they were scheduled).
    pub stale_events: u64,
    /// Instants processed (each a batch of events followed by at most one recompute).
    pub batches: u64,
    pub recomputes: u64,
    /// Flows re-solved over all recomputes (the closures' total size).
    pub closure_flows: u64,
    /// Max-min solves over all recomputes (a recompute whose validation grows the set solves again).
    pub solves: u64,
    /// Cap changes applied without a solve (see `Simulation::apply_direct_caps`).
    pub direct_caps: u64,
    pub flows_started: u64,
    pub flows_completed: u64,
    pub dropped_pkts: f64,
    pub pfc_pause_s: f64,
    /// Fabric links only: seconds above the congestion threshold or at a queue limit.
    pub congested_link_s: f64,
    /// Time-weighted utilization of fabric links.
    util_hist: Vec<f64>,
    pub max_util: f64,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            events: 0,
            stale_events: 0,
            batches: 0,
            recomputes: 0,
            closure_flows: 0,
            direct_caps: 0,
            solves: 0,
            flows_started: 0,
            flows_completed: 0,
            dropped_pkts: 0.0,
            pfc_pause_s: 0.0,
            congested_link_s: 0.0,
            util_hist: vec![0.0; BINS],
            max_util: 0.0,
        }
    }
}

impl Stats {
    /// `dt > 0`: the engine settles a link only when time has passed.
    pub fn add_utilization(&mut self, u: f64, dt: f64) {
        debug_assert!(dt > 0.0, "utilization over {dt} s");
        // The cast truncates (floors a non-negative value) and saturates, NaN going to 0; the clamp takes negatives
        // to 0. (To a signed 32-bit integer: one conversion instruction, where one to `usize` takes two.)
        let bin = ((u * 1000.0) as i32).clamp(0, BINS as i32 - 1) as usize;
        self.util_hist[bin] += dt;
        if u > self.max_util {
            self.max_util = u;
        }
    }

    /// Time-weighted quantile of fabric-link utilization (0.1% resolution).
    pub fn utilization_quantile(&self, q: f64) -> f64 {
        let total: f64 = self.util_hist.iter().sum();
        if total <= 0.0 {
            return 0.0;
        }
        let mut acc = 0.0;
        for (i, w) in self.util_hist.iter().enumerate() {
            acc += w;
            if acc >= q * total {
                return (i as f64 / 1000.0).min(1.0);
            }
        }
        1.0
    }

    /// Time-weighted mean utilization of fabric links.
    pub fn utilization_mean(&self) -> f64 {
        let total: f64 = self.util_hist.iter().sum();
        if total <= 0.0 {
            return 0.0;
        }
        self.util_hist.iter().enumerate().map(|(i, w)| (i as f64 + 0.5) / 1000.0 * w).sum::<f64>() / total
    }
}

/// Nearest-rank percentile of a sample (0 for an empty one).
pub fn percentile(v: &[u64], q: f64) -> u64 {
    if v.is_empty() {
        return 0;
    }
    let mut s = v.to_vec();
    s.sort_unstable();
    let rank = ((q * s.len() as f64).ceil() as usize).clamp(1, s.len());
    s[rank - 1]
}
