//! Confidence calibration: a two-feature logistic regression (best score, margin to the runner-up)
//! fitted on questions whose right answer is known.

use serde::{Deserialize, Serialize};

/// One question with a known outcome.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub top: f32,
    pub margin: f32,
    pub correct: bool,
}

/// `P(correct) = σ(bias + w_top·top + w_margin·margin)`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Calibration {
    pub bias: f32,
    pub w_top: f32,
    pub w_margin: f32,
    /// How many samples the fit used (0 = the built-in prior).
    pub samples: usize,
}

impl Default for Calibration {
    /// A prior for indexes too small to fit: confident from a score of about 0.45 with some margin.
    fn default() -> Self {
        Calibration {
            bias: -4.0,
            w_top: 7.0,
            w_margin: 8.0,
            samples: 0,
        }
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

impl Calibration {
    pub fn probability(&self, top: f32, margin: f32) -> f32 {
        if top <= 0.0 {
            return 0.0;
        }
        sigmoid(self.bias + self.w_top * top + self.w_margin * margin)
    }

    /// Fits by Newton's method with a small ridge penalty (well-posed even for separable data),
    /// halving a step that would not lower the penalised loss: scores above 1 (possible with the
    /// classifier) make full Newton steps from the prior overshoot and diverge.
    /// Falls back to the prior when there are too few samples or only one class.
    pub fn fit(samples: &[Sample]) -> Calibration {
        let positives = samples.iter().filter(|s| s.correct).count();
        if samples.len() < 20 || positives == 0 || positives == samples.len() {
            return Calibration::default();
        }
        let prior = Calibration::default();
        let mut w = [prior.bias as f64, prior.w_top as f64, prior.w_margin as f64];
        let lambda = 0.05;
        let loss = |w: &[f64; 3]| -> f64 {
            let data: f64 = samples
                .iter()
                .map(|s| {
                    let z = w[0] + w[1] * f64::from(s.top) + w[2] * f64::from(s.margin);
                    // −log σ(±z), written so that it never overflows.
                    let m = if s.correct { -z } else { z };
                    m.max(0.0) + (-m.abs()).exp().ln_1p()
                })
                .sum();
            data + 0.5 * lambda * (w[1] * w[1] + w[2] * w[2])
        };
        for _ in 0..50 {
            let mut grad = [0.0f64; 3];
            let mut hess = [[0.0f64; 3]; 3];
            for s in samples {
                let x = [1.0, f64::from(s.top), f64::from(s.margin)];
                let z: f64 = (0..3).map(|i| w[i] * x[i]).sum();
                let p = 1.0 / (1.0 + (-z).exp());
                let y = if s.correct { 1.0 } else { 0.0 };
                for i in 0..3 {
                    grad[i] += (p - y) * x[i];
                    for j in 0..3 {
                        hess[i][j] += p * (1.0 - p) * x[i] * x[j];
                    }
                }
            }
            for i in 1..3 {
                grad[i] += lambda * w[i];
                hess[i][i] += lambda;
            }
            hess[0][0] += 1e-6;
            let Some(mut step) = solve3(hess, grad) else {
                break;
            };
            let before = loss(&w);
            let mut next = [w[0] - step[0], w[1] - step[1], w[2] - step[2]];
            // (`is_nan` too: a step into overflow is no improvement.)
            let worse = |l: f64| l.is_nan() || l > before;
            while worse(loss(&next)) && step.iter().any(|x| x.abs() > 1e-9) {
                step.iter_mut().for_each(|x| *x /= 2.0);
                next = [w[0] - step[0], w[1] - step[1], w[2] - step[2]];
            }
            let change: f64 = step.iter().map(|x| x.abs()).sum();
            w = next;
            if change < 1e-6 {
                break;
            }
        }
        if w.iter().any(|x| !x.is_finite()) {
            return prior;
        }
        Calibration {
            bias: w[0] as f32,
            w_top: w[1] as f32,
            w_margin: w[2] as f32,
            samples: samples.len(),
        }
    }
}

/// Solves a 3×3 linear system by Cramer's rule.
fn solve3(a: [[f64; 3]; 3], b: [f64; 3]) -> Option<[f64; 3]> {
    let det = |m: [[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let d = det(a);
    if d.abs() < 1e-12 {
        return None;
    }
    let mut x = [0.0; 3];
    for (col, xi) in x.iter_mut().enumerate() {
        let mut m = a;
        for row in 0..3 {
            m[row][col] = b[row];
        }
        *xi = det(m) / d;
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_orders_probabilities_by_score() {
        let mut samples = Vec::new();
        for i in 0..200 {
            let top = i as f32 / 200.0;
            samples.push(Sample {
                top,
                margin: top / 3.0,
                correct: top > 0.4 || i % 7 == 0,
            });
        }
        let c = Calibration::fit(&samples);
        assert!(c.samples == 200);
        assert!(c.probability(0.8, 0.3) > 0.8, "{c:?}");
        assert!(c.probability(0.1, 0.02) < 0.3, "{c:?}");
    }

    #[test]
    fn too_few_samples_keep_the_prior() {
        let c = Calibration::fit(&[Sample {
            top: 0.5,
            margin: 0.1,
            correct: true,
        }]);
        assert_eq!(c, Calibration::default());
    }
}
