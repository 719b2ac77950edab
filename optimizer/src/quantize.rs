//! Quantizing splits to what devices hold: slot tables of a fixed size, and FRR-style whole-percent weights.

use fathom_topology::quantize;

use crate::error::{OptError, Result};
use crate::instance::{Instance, Splits};

/// How splits are installed on devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantization {
    /// Exact fractions (no device constraint).
    None,
    /// A hash-slot table of this many slots per group (largest remainder).
    Slots(usize),
    /// BGP link-bandwidth / FRR-style weights: `weight = bw * 100 / sum`, an integer in 1..=100 for every path
    /// carrying traffic (a path with no traffic is not installed).
    Percent,
}

/// FRR-style whole-percent weights of fractions: `floor(f * 100 / sum)`, at least 1 where `f > 0`, 0 where `f == 0`.
pub fn percent_weights(fractions: &[f64]) -> Vec<u32> {
    let sum: f64 = fractions.iter().filter(|f| **f > 0.0).sum();
    fractions
        .iter()
        .map(|&f| if f > 0.0 && sum > 0.0 { ((f * 100.0 / sum).floor() as u32).clamp(1, 100) } else { 0 })
        .collect()
}

/// Slot counts of fractions for a table of `slots` slots.
pub fn slot_counts(fractions: &[f64], slots: usize) -> Result<Vec<usize>> {
    quantize(fractions, slots).map_err(|source| OptError::Quantize { source })
}

/// The splits devices actually realize under `q` (fractions of the installed weights or slot counts).
pub fn quantize_splits(inst: &Instance, splits: &Splits, q: Quantization) -> Result<Splits> {
    let mut out = splits.clone();
    for d in 0..inst.demand_count() {
        let f = splits.of(inst, d);
        let w: Vec<f64> = match q {
            Quantization::None => continue,
            Quantization::Slots(n) => slot_counts(f, n)?.into_iter().map(|c| c as f64).collect(),
            Quantization::Percent => percent_weights(f).into_iter().map(f64::from).collect(),
        };
        let sum: f64 = w.iter().sum();
        if sum > 0.0 {
            inst.paths_of(d).zip(&w).for_each(|(p, v)| out.x[p] = v / sum);
        }
    }
    Ok(out)
}
