//! Season length detection by autocorrelation.

/// Minimum autocorrelation for a lag to count as a season.
pub const MIN_ACF: f64 = 0.3;

/// Sample autocorrelation of `y` at `lag` (0 for a constant series).
pub fn acf(y: &[f64], lag: usize) -> f64 {
    let n = y.len();
    if lag >= n {
        return 0.0;
    }
    let mean = y.iter().sum::<f64>() / n as f64;
    let var: f64 = y.iter().map(|v| (v - mean) * (v - mean)).sum();
    if var <= 0.0 {
        return 0.0;
    }
    let cov: f64 = (lag..n).map(|i| (y[i] - mean) * (y[i - lag] - mean)).sum();
    cov / var
}

/// The season length of `y`: among lags `2..=max_lag` (and at most `len/2`, so two seasons are seen) that are
/// local maxima of the autocorrelation above [`MIN_ACF`], the shortest whose autocorrelation is within 10% of the
/// best (multiples of the true period score almost as well; the shortest is the period). `None` if there is none.
pub fn detect_period(y: &[f64], max_lag: usize) -> Option<usize> {
    let top = max_lag.min(y.len() / 2);
    if top < 3 {
        return None;
    }
    let r: Vec<f64> = (0..=top + 1).map(|l| acf(y, l)).collect();
    let peaks: Vec<usize> = (2..=top).filter(|&l| r[l] >= MIN_ACF && r[l] >= r[l - 1] && r[l] >= r[l + 1]).collect();
    let best = peaks.iter().map(|&l| r[l]).fold(f64::NEG_INFINITY, f64::max);
    peaks.into_iter().find(|&l| r[l] >= 0.9 * best)
}
