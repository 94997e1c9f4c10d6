//! Confidence calibration: a logistic regression on the best score, its margin to the runner-up
//! and whether the meaning agrees (see [`Sample::agree`]), fitted on questions whose right answer
//! is known.

use serde::{Deserialize, Serialize};

/// One question with a known outcome.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub top: f32,
    pub margin: f32,
    /// The meaning agrees: for a German question the sentence model alone points to the chosen
    /// answer's topic; for one in another language its glossary words and its meaning point to
    /// the same topic. Always `false` without a model.
    pub agree: bool,
    pub correct: bool,
}

/// `P(correct) = σ(bias + w_top·top + w_margin·margin + w_agree·agree)`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Calibration {
    pub bias: f32,
    pub w_top: f32,
    pub w_margin: f32,
    /// Weight of the model's agreement (0 for indexes without a sentence model).
    #[serde(default)]
    pub w_agree: f32,
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
            w_agree: 0.0,
            samples: 0,
        }
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

impl Calibration {
    pub fn probability(&self, top: f32, margin: f32, agree: bool) -> f32 {
        if top <= 0.0 {
            return 0.0;
        }
        let agree = if agree { 1.0 } else { 0.0 };
        sigmoid(self.bias + self.w_top * top + self.w_margin * margin + self.w_agree * agree)
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
        let mut w = [
            prior.bias as f64,
            prior.w_top as f64,
            prior.w_margin as f64,
            prior.w_agree as f64,
        ];
        let lambda = 0.05;
        let loss = |w: &[f64; N]| -> f64 {
            let data: f64 = samples
                .iter()
                .map(|s| {
                    let z = dot(w, &s.features());
                    // −log σ(±z), written so that it never overflows.
                    let m = if s.correct { -z } else { z };
                    m.max(0.0) + (-m.abs()).exp().ln_1p()
                })
                .sum();
            data + 0.5 * lambda * w[1..].iter().map(|x| x * x).sum::<f64>()
        };
        for _ in 0..50 {
            let mut grad = [0.0f64; N];
            let mut hess = [[0.0f64; N]; N];
            for s in samples {
                let x = s.features();
                let z = dot(&w, &x);
                let p = 1.0 / (1.0 + (-z).exp());
                let y = if s.correct { 1.0 } else { 0.0 };
                for i in 0..N {
                    grad[i] += (p - y) * x[i];
                    for j in 0..N {
                        hess[i][j] += p * (1.0 - p) * x[i] * x[j];
                    }
                }
            }
            for i in 1..N {
                grad[i] += lambda * w[i];
                hess[i][i] += lambda;
            }
            hess[0][0] += 1e-6;
            let Some(mut step) = solve(hess, grad) else {
                break;
            };
            let before = loss(&w);
            let minus = |w: &[f64; N], step: &[f64; N]| std::array::from_fn(|i| w[i] - step[i]);
            let mut next = minus(&w, &step);
            // (`is_nan` too: a step into overflow is no improvement.)
            let worse = |l: f64| l.is_nan() || l > before;
            while worse(loss(&next)) && step.iter().any(|x| x.abs() > 1e-9) {
                step.iter_mut().for_each(|x| *x /= 2.0);
                next = minus(&w, &step);
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
            w_agree: w[3] as f32,
            samples: samples.len(),
        }
    }
}

/// Parameters of the regression: bias, top, margin, agreement.
const N: usize = 4;

impl Sample {
    /// The regression's inputs: 1 (the bias), top, margin, agreement.
    fn features(&self) -> [f64; N] {
        [
            1.0,
            f64::from(self.top),
            f64::from(self.margin),
            if self.agree { 1.0 } else { 0.0 },
        ]
    }
}

fn dot(w: &[f64; N], x: &[f64; N]) -> f64 {
    w.iter().zip(x).map(|(a, b)| a * b).sum()
}

/// Solves a small linear system by Gaussian elimination with partial pivoting; `None` when it
/// is singular.
fn solve(mut a: [[f64; N]; N], mut b: [f64; N]) -> Option<[f64; N]> {
    for col in 0..N {
        let pivot = (col..N).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let pivot_row = a[col];
        for row in col + 1..N {
            let f = a[row][col] / pivot_row[col];
            for (x, p) in a[row][col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= f * p;
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = [0.0; N];
    for row in (0..N).rev() {
        let rest: f64 = (row + 1..N).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - rest) / a[row][row];
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
                agree: false,
                correct: top > 0.4 || i % 7 == 0,
            });
        }
        let c = Calibration::fit(&samples);
        assert!(c.samples == 200);
        assert!(c.probability(0.8, 0.3, false) > 0.8, "{c:?}");
        assert!(c.probability(0.1, 0.02, false) < 0.3, "{c:?}");
    }

    #[test]
    fn agreement_of_the_meaning_is_learnt() {
        // Same scores; right 9 times in 10 when the meaning agrees, 3 in 10 when it does not.
        let mut samples = Vec::new();
        for i in 0..400 {
            let agree = i % 2 == 0;
            let top = 0.3 + (i % 20) as f32 / 100.0;
            let k = (i / 2) % 10;
            samples.push(Sample {
                top,
                margin: 0.05,
                agree,
                correct: if agree { k < 9 } else { k < 3 },
            });
        }
        let c = Calibration::fit(&samples);
        assert!(c.w_agree > 1.0, "{c:?}");
        assert!(c.probability(0.4, 0.05, true) > 0.8, "{c:?}");
        assert!(c.probability(0.4, 0.05, false) < 0.4, "{c:?}");
    }

    #[test]
    fn solves_a_linear_system_that_needs_pivoting() {
        let a = [
            [0.0, 2.0, 0.0, 1.0],
            [1.0, 1.0, 0.0, 0.0],
            [0.0, 0.0, 3.0, 0.0],
            [2.0, 0.0, 1.0, 4.0],
        ];
        let x = [1.0, -2.0, 0.5, 3.0];
        let b: [f64; N] = std::array::from_fn(|r| (0..N).map(|k| a[r][k] * x[k]).sum());
        let got = solve(a, b).expect("regular");
        for (g, want) in got.iter().zip(x) {
            assert!((g - want).abs() < 1e-9, "{got:?}");
        }
        assert!(solve([[1.0; N]; N], [1.0; N]).is_none());
    }

    #[test]
    fn a_calibration_saved_before_the_agreement_feature_still_loads() {
        let c: Calibration =
            serde_json::from_str(r#"{"bias":-4.0,"w_top":7.0,"w_margin":8.0,"samples":0}"#)
                .expect("old format");
        assert_eq!(c, Calibration::default());
    }

    #[test]
    fn too_few_samples_keep_the_prior() {
        let c = Calibration::fit(&[Sample {
            top: 0.5,
            margin: 0.1,
            agree: true,
            correct: true,
        }]);
        assert_eq!(c, Calibration::default());
    }
}
