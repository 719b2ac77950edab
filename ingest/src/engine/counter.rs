//! One cumulative counter turned into a rate: deltas between samples, 64-bit wrap, resets rebased (never a
//! spike), duplicates and out-of-order samples ignored. Time comes only from the samples' timestamps.

/// What one observation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Observed {
    /// First sample (or first after a rebase): the new base, no rate yet.
    Base,
    /// A new rate from the delta since the previous sample.
    Rate,
    /// The counter wrapped past 2^64 - 1; the rate uses the wrapped delta.
    Wrap,
    /// The counter went backwards implausibly for a wrap (a restart), or jumped faster than any link can count:
    /// rebased, no rate until the next sample.
    Reset,
    /// Same timestamp as the previous sample: ignored.
    Duplicate,
    /// Older than the previous sample: ignored.
    OutOfOrder,
}

/// A counter's state: the previous sample and the rate between the last two.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counter {
    /// Timestamp (ns) of the base sample; meaningful when `based`.
    last_ts: i64,
    last: u64,
    /// Units per second over the last interval; meaningful when `has_rate`.
    rate: f64,
    /// `now` (caller's clock, ns) when the last accepted sample arrived.
    arrival_ns: i64,
    /// The source epoch the base belongs to: a different epoch means "rebase".
    epoch: u32,
    based: bool,
    has_rate: bool,
}

impl Counter {
    /// Feeds one sample `(ts_ns, value)` that arrived at `now_ns` while the source was in `epoch`.
    /// `max_rate` (units/s) bounds what is believable: a faster delta is a reset, not a spike.
    pub fn observe(&mut self, ts_ns: i64, value: u64, now_ns: i64, epoch: u32, max_rate: f64) -> Observed {
        if !self.based || self.epoch != epoch {
            self.rebase_at(ts_ns, value, now_ns, epoch);
            return Observed::Base;
        }
        if ts_ns == self.last_ts {
            return Observed::Duplicate;
        }
        if ts_ns < self.last_ts {
            return Observed::OutOfOrder;
        }
        let secs = (ts_ns - self.last_ts) as f64 / 1e9;
        let wrapped = value < self.last;
        let rate = value.wrapping_sub(self.last) as f64 / secs;
        if !(rate <= max_rate) {
            self.rebase_at(ts_ns, value, now_ns, epoch);
            return Observed::Reset;
        }
        (self.last_ts, self.last, self.rate, self.has_rate, self.arrival_ns) = (ts_ns, value, rate, true, now_ns);
        if wrapped {
            Observed::Wrap
        } else {
            Observed::Rate
        }
    }

    fn rebase_at(&mut self, ts_ns: i64, value: u64, now_ns: i64, epoch: u32) {
        *self = Counter { last_ts: ts_ns, last: value, arrival_ns: now_ns, epoch, based: true, ..Counter::default() };
    }

    /// The rate over the last interval (units/s), if there is one from the current epoch.
    pub fn rate(&self, epoch: u32) -> Option<f64> {
        (self.has_rate && self.epoch == epoch).then_some(self.rate)
    }

    /// The rate, if its last sample arrived no earlier than `fresh_after_ns`.
    pub fn fresh_rate(&self, epoch: u32, fresh_after_ns: i64) -> Option<f64> {
        self.rate(epoch).filter(|_| self.arrival_ns >= fresh_after_ns)
    }

    /// The last raw value seen, if any.
    pub fn last_value(&self) -> Option<u64> {
        self.based.then_some(self.last)
    }
}
