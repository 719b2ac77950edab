//! Forecast throughput (series per second) of each model on 96-sample series with a daily-like season.
//! `cargo bench -p fathom-predictor --bench forecast`

use std::time::Instant;

use fathom_predictor::{Ar, Ensemble, Ewma, Forecaster, HoltWinters, Series};

fn series(k: usize) -> Series {
    let mut s = k as u64 + 1;
    Series::regular(
        (0..96)
            .map(|i| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let noise = (s >> 11) as f64 / (1u64 << 53) as f64;
                5.0 + 3.0 * (std::f64::consts::TAU * i as f64 / 24.0).sin() + noise
            })
            .collect(),
    )
}

fn main() {
    let data: Vec<Series> = (0..2000).map(series).collect();
    let models: [&dyn Forecaster; 4] =
        [&Ewma::default(), &HoltWinters::default(), &Ar::default(), &Ensemble::default()];
    println!("{:<14} {:>12}", "model", "series/s");
    for m in models {
        let start = Instant::now();
        let mut sum = 0.0;
        for s in &data {
            sum += m.forecast(s, 1, 0.9).unwrap().upper;
        }
        let rate = data.len() as f64 / start.elapsed().as_secs_f64();
        println!("{:<14} {rate:>12.0}   (checksum {sum:.3})", m.name());
    }
}
