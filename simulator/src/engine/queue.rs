//! The egress queue model (documented in `simulator/MODEL.md`).
//!
//! Flow rates are the max-min fair shares (the steady state of a fair congestion control such as DCQCN). When a
//! link's allocation changes, the senders' overshoot `X` (the sum of `previous sending rate - new fair rate` of the
//! flows bottlenecked here; new flows start at line rate) enters the queue and decays with the congestion-control
//! time constant `tau`: arrivals above the fair rates are `X·e^(-t/tau)`. The queue drains at the link's spare
//! capacity `s` for its class, and at least at `drain_frac` of capacity (converged senders run slightly below it). Between events the occupancy therefore follows `q' = X·e^(-t/tau) - s`, a decreasing
//! net rate, which is integrated exactly:
//! - lossless class: above `xoff` the switch sends PFC pause upstream; the queue holds at `xoff` while the net rate is
//!   positive, the time spent there is pause time;
//! - lossy class: above `buffer` packets are dropped;
//! - ECN (RED-style, as DCQCN uses): packets are marked with probability 0 below `kmin`, rising linearly to `pmax` at
//!   `kmax`, 1 above, applied to the interval's mean occupancy.

/// Queue parameters shared by every egress queue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueueParams {
    pub tau_s: f64,
    pub kmin_bytes: f64,
    pub kmax_bytes: f64,
    pub pmax: f64,
    pub xoff_bytes: f64,
    pub buffer_bytes: f64,
    pub pkt_bytes: f64,
    /// A paused port is re-paused every this often (pause quanta refresh), seconds.
    pub pause_refresh_s: f64,
    /// Once senders have converged, congestion control runs the link slightly below capacity and drains the
    /// standing queue at this fraction of the link's capacity.
    pub drain_frac: f64,
}

impl Default for QueueParams {
    fn default() -> Self {
        QueueParams {
            tau_s: 25e-6,
            kmin_bytes: 100e3,
            kmax_bytes: 400e3,
            pmax: 0.2,
            xoff_bytes: 600e3,
            buffer_bytes: 2e6,
            pkt_bytes: 4096.0,
            pause_refresh_s: 40e-6,
            drain_frac: 0.02,
        }
    }
}

/// What happened in one advanced interval.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Interval {
    /// Time the queue sat at its limit (paused upstream, or dropping), seconds.
    pub limit_s: f64,
    pub dropped_bytes: f64,
}

/// One egress queue of one traffic class.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClassQueue {
    pub q_bytes: f64,
    /// Overshoot arrival rate now, bit/s.
    pub excess_bps: f64,
    pub marked_pkts: f64,
    pub dropped_bytes: f64,
    pub paused_s: f64,
    pub peak_cur: f64,
    pub peak_prev: f64,
    /// Telemetry window `peak_cur` belongs to.
    pub window: u64,
}

/// `e^(-x)` for `x >= 0`, without libm's slow underflow path.
fn decay(x: f64) -> f64 {
    if x > 40.0 {
        0.0
    } else {
        (-x).exp()
    }
}

#[cfg(test)]
fn integral(x0: f64, s: f64, tau: f64, t: f64) -> f64 {
    integral_with(x0, s, tau, t, decay(t / tau))
}

/// [`integral`] with `e = e^(-t/tau)` already known.
fn integral_with(x0: f64, s: f64, tau: f64, t: f64, e: f64) -> f64 {
    (x0 * tau * (1.0 - e) - s * t) / 8.0
}

fn mark_prob(p: &QueueParams, q: f64) -> f64 {
    if q <= p.kmin_bytes {
        0.0
    } else if q >= p.kmax_bytes {
        1.0
    } else {
        p.pmax * (q - p.kmin_bytes) / (p.kmax_bytes - p.kmin_bytes)
    }
}

impl ClassQueue {
    /// Advances by `dt` seconds with `served_bps` of fair-share traffic and `spare_bps` of unused capacity. (The
    /// served bytes themselves are counted by the caller, in `LinkState::tx`.)
    pub fn advance(&mut self, p: &QueueParams, dt: f64, served_bps: f64, spare_bps: f64, lossless: bool) -> Interval {
        let served = served_bps * dt / 8.0;
        if dt <= 0.0 || (self.excess_bps == 0.0 && self.q_bytes == 0.0) {
            // Nothing queued and nothing arriving above the fair rates: the queue stays empty.
            return Interval::default();
        }
        let (x0, s, tau) = (self.excess_bps, spare_bps.max(0.0), p.tau_s);
        let limit = if lossless { p.xoff_bytes } else { p.buffer_bytes };
        let q0 = self.q_bytes.min(limit);
        let mut out = Interval::default();
        // The decay over the interval, and at t* (where the arrivals fall to the drain rate: e^(-t*/tau) = s/x0).
        // (No arrivals above the fair rates: the decay multiplies 0 and is not needed.)
        let e_dt = if x0 == 0.0 { 0.0 } else { decay(dt / tau) };
        let (tstar, e_star) = if x0 <= s {
            (0.0, 1.0)
        } else if s > 0.0 {
            let t = tau * (x0 / s).ln();
            if t < dt {
                (t, s / x0)
            } else {
                (dt, e_dt)
            }
        } else {
            (dt, e_dt)
        };
        let peak = q0 + integral_with(x0, s, tau, tstar, e_star);
        let q_end = if peak > limit {
            // When the queue reached the limit: the occupancy rises and is concave on [0, t*], so Newton's method
            // from 0 approaches the crossing from below, quadratically.
            let mut t: f64 = 0.0;
            for _ in 0..60 {
                // One decay serves both the occupancy and its slope at `t`.
                let e = decay(t / tau);
                let f = q0 + integral_with(x0, s, tau, t, e) - limit;
                let slope = (x0 * e - s) / 8.0;
                if f >= 0.0 || slope <= 0.0 {
                    break;
                }
                let next = (t - f / slope).min(tstar);
                if next - t <= 1e-15 * tstar {
                    t = next;
                    break;
                }
                t = next;
            }
            out.limit_s = tstar - t;
            if lossless {
                self.paused_s += out.limit_s;
            } else {
                out.dropped_bytes = peak - limit;
                self.dropped_bytes += out.dropped_bytes;
            }
            (limit + integral_with(x0, s, tau, dt, e_dt) - integral_with(x0, s, tau, tstar, e_star)).max(0.0)
        } else {
            (q0 + integral_with(x0, s, tau, dt, e_dt)).max(0.0)
        };
        let top = peak.min(limit).max(q0);
        let mean = (q0 + top + q_end) / 3.0;
        self.marked_pkts += served / p.pkt_bytes * mark_prob(p, mean);
        self.peak_cur = self.peak_cur.max(top);
        self.q_bytes = q_end;
        self.excess_bps = x0 * e_dt;
        if self.excess_bps < 1.0 {
            self.excess_bps = 0.0;
        }
        out
    }

    /// Empty and nothing arriving above the fair rates: `advance` changes nothing, and rolling the high-water
    /// marks across any number of windows at once (see [`ClassQueue::roll_to`]) gives what rolling them window by
    /// window would, since the occupancy stays 0 throughout.
    pub fn idle(&self) -> bool {
        self.q_bytes == 0.0 && self.excess_bps == 0.0
    }

    /// Queue high-water mark over the current and previous telemetry window.
    pub fn recent_peak(&self) -> f64 {
        self.peak_cur.max(self.peak_prev)
    }

    /// Moves the high-water marks to telemetry window `w` (lazily, when the queue is next touched).
    pub fn roll_to(&mut self, w: u64) {
        if w > self.window {
            self.peak_prev = if w == self.window + 1 { self.peak_cur } else { self.q_bytes };
            self.peak_cur = self.q_bytes;
            self.window = w;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_into_saturated_link_builds_and_holds_a_queue() {
        let p = QueueParams::default();
        let mut q = ClassQueue { excess_bps: 400e9, ..Default::default() };
        let iv = q.advance(&p, 1e-3, 400e9, 0.0, false);
        // X*tau/8 = 1.25 MB enters and stays (no spare capacity), below the 2 MB buffer.
        assert!((q.q_bytes - 1.25e6).abs() < 1e3, "{}", q.q_bytes);
        assert_eq!(iv.dropped_bytes, 0.0);
        assert!(q.marked_pkts > 0.0);
    }

    #[test]
    fn lossless_queue_pauses_at_xoff_and_lossy_drops_at_buffer() {
        let p = QueueParams::default();
        let mut lossless = ClassQueue { excess_bps: 1600e9, ..Default::default() };
        let iv = lossless.advance(&p, 1e-3, 400e9, 0.0, true);
        assert!(iv.limit_s > 0.0 && lossless.paused_s > 0.0);
        assert!(lossless.q_bytes <= p.xoff_bytes + 1.0);
        let mut lossy = ClassQueue { excess_bps: 1600e9, ..Default::default() };
        let iv = lossy.advance(&p, 1e-3, 400e9, 0.0, false);
        // 5 MB offered into a 2 MB buffer: 3 MB dropped.
        assert!((iv.dropped_bytes - 3e6).abs() < 1e4, "{}", iv.dropped_bytes);
    }

    #[test]
    fn time_at_the_limit_matches_a_bisection() {
        let p = QueueParams::default();
        for &(q0, x0, spare, dt) in
            &[(0.0, 1600e9, 0.0, 1e-3), (5e5, 400e9, 8e9, 2e-4), (0.0, 800e9, 100e9, 1e-4), (5.99e5, 50e9, 1e9, 1e-5)]
        {
            let mut q = ClassQueue { q_bytes: q0, excess_bps: x0, ..Default::default() };
            let iv = q.advance(&p, dt, 400e9, spare, true);
            let tau = p.tau_s;
            let tstar = if x0 <= spare {
                0.0
            } else if spare > 0.0 {
                (tau * (x0 / spare).ln()).min(dt)
            } else {
                dt
            };
            let (mut lo, mut hi) = (0.0, tstar);
            for _ in 0..200 {
                let mid = 0.5 * (lo + hi);
                if q0 + integral(x0, spare, tau, mid) >= p.xoff_bytes {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            let want = if q0 + integral(x0, spare, tau, tstar) > p.xoff_bytes { tstar - hi } else { 0.0 };
            assert!((iv.limit_s - want).abs() <= 1e-12 * dt, "{q0} {x0} {spare} {dt}: {} vs {want}", iv.limit_s);
        }
    }

    #[test]
    fn an_idle_queue_rolls_its_peaks_lazily_with_the_same_result() {
        // A queue that peaked in window 3 and then emptied: rolling it once to window w (as a quiet link's settle
        // leaves it) must equal rolling it through every window in between (what a settle per window would do).
        let p = QueueParams::default();
        let mut start = ClassQueue { q_bytes: 5e5, window: 3, ..Default::default() };
        start.advance(&p, 1e-3, 100e9, 300e9, false);
        assert!(start.idle() && start.peak_cur > 0.0);
        for w in 3..8 {
            for touched in 3..=w {
                let mut eager = start.clone();
                for v in 3..=touched {
                    eager.roll_to(v);
                }
                eager.roll_to(w);
                let mut lazy = start.clone();
                lazy.roll_to(w);
                assert_eq!(eager, lazy, "window {w}, last touched in {touched}");
            }
        }
    }

    #[test]
    fn spare_capacity_drains_the_queue() {
        let p = QueueParams::default();
        let mut q = ClassQueue { q_bytes: 1e6, ..Default::default() };
        q.advance(&p, 1e-3, 100e9, 300e9, false);
        assert_eq!(q.q_bytes, 0.0);
    }
}
