//! Forecasters on synthetic series: periodic bursts (all-reduce), diurnal, step changes, noise.

use fathom_predictor::{backtest, Ar, BacktestReport, Ensemble, Ewma, Forecaster, HoltWinters, Series};

struct Rng(u64);
impl Rng {
    fn f(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    /// Standard normal (Box-Muller).
    fn normal(&mut self) -> f64 {
        (-2.0 * self.f().ln()).sqrt() * (std::f64::consts::TAU * self.f()).cos()
    }
}

/// Training iterations: a burst of 3 samples every 12 (compute then all-reduce), plus noise.
fn bursts(n: usize, seed: u64) -> Vec<f64> {
    let mut r = Rng(seed);
    (0..n).map(|i| if i % 12 < 3 { 10.0 } else { 1.0 } + 0.3 * r.normal()).collect()
}

fn diurnal(n: usize, seed: u64) -> Vec<f64> {
    let mut r = Rng(seed);
    (0..n).map(|i| 5.0 + 3.0 * (std::f64::consts::TAU * i as f64 / 48.0).sin() + 0.4 * r.normal()).collect()
}

fn noise(n: usize, seed: u64) -> Vec<f64> {
    let mut r = Rng(seed);
    (0..n).map(|_| 4.0 + r.normal()).collect()
}

fn run(y: Vec<f64>) -> Vec<BacktestReport> {
    let models: [&dyn Forecaster; 4] =
        [&Ewma::default(), &HoltWinters::default(), &Ar::default(), &Ensemble::default()];
    let r = backtest(&models, &Series::regular(y), 1, 0.9, 96, 1).unwrap();
    r.iter().for_each(|m| eprintln!("{m:?}"));
    r
}

#[test]
fn holt_winters_and_the_ensemble_beat_ewma_on_periodic_bursts() {
    let r = run(bursts(400, 1));
    let (ewma, hw, ens) = (r[0].mae, r[1].mae, r[3].mae);
    assert!(hw < 0.5 * ewma, "holt-winters {hw} vs ewma {ewma}");
    assert!(ens < 0.5 * ewma, "ensemble {ens} vs ewma {ewma}");
}

#[test]
fn p90_coverage_is_close_to_ninety_percent() {
    for (name, y) in [("bursts", bursts(400, 2)), ("diurnal", diurnal(400, 3)), ("noise", noise(400, 4))] {
        for m in run(y) {
            assert!((0.84..=0.96).contains(&m.coverage), "{name} {}: coverage {}", m.model, m.coverage);
        }
    }
}

#[test]
fn season_is_detected_on_diurnal_traffic() {
    let y = diurnal(300, 5);
    assert_eq!(fathom_predictor::models::season::detect_period(&y, 96), Some(48));
    assert_eq!(fathom_predictor::models::season::detect_period(&noise(300, 6), 96), None);
}

#[test]
fn forecasts_follow_a_step_change() {
    let mut y = vec![2.0; 100];
    y.extend(vec![8.0; 60]);
    for m in [&Ewma::default() as &dyn Forecaster, &HoltWinters::default(), &Ensemble::default()] {
        let f = m.forecast(&Series::regular(y.clone()), 1, 0.9).unwrap();
        assert!((f.point - 8.0).abs() < 0.5, "{}: {}", m.name(), f.point);
        assert!(f.upper >= f.point - 1e-9, "{}", m.name());
    }
}

#[test]
fn missing_and_irregular_samples() {
    let mut v = diurnal(200, 7);
    (0..200).step_by(7).for_each(|i| v[i] = f64::NAN);
    let s = Series::regular(v);
    assert_eq!(s.observed(), 200 - 29);
    let f = HoltWinters::default().forecast(&s, 3, 0.9).unwrap();
    assert!(f.point.is_finite() && f.upper >= f.point);
    let samples = [(0.2, 1.0), (0.7, 3.0), (2.5, 5.0)];
    let g = Series::from_samples(&samples, 0.0, 1.0, 3).unwrap();
    assert_eq!(g.values()[0], 2.0);
    assert!(g.values()[1].is_nan());
    assert_eq!(g.filled(), vec![2.0, 3.5, 5.0]);
}

#[test]
fn too_little_data_is_an_error() {
    assert!(Ar::default().fit(&[1.0, 2.0, 3.0], 1).is_err());
    assert!(Ewma::default().forecast(&Series::regular(vec![]), 1, 0.9).is_err());
    assert!(Ewma { alpha: 0.0 }.fit(&[1.0], 1).is_err());
}
