//! The semantic half of the hybrid ranking: sentence vectors of every question variant (and of the
//! titles and questions of an answer's language versions), compared with the question's vector.
//!
//! This module is pure: the vectors come from outside (a multilingual sentence-embedding model in
//! `lotse-embed`, behind an [`Encoder`]). The engine ([`crate::engine::Index`]) combines the
//! per-answer similarity with the lexical score; see `Index::rank_with`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::calibrate::Calibration;
use crate::engine::IndexAnswer;

/// Turns a question into an L2-normalised sentence vector (the embedding model, or a fake in tests).
pub trait Encoder: Send + Sync {
    /// `None` when the model cannot encode right now (then the engine answers lexically).
    fn encode(&self, text: &str) -> Option<Vec<f32>>;
}

/// Vectors of the texts an index is built from, by exact text.
pub type Vectors = HashMap<String, Vec<f32>>;

/// Similarities of unrelated sentences are already high with multilingual-e5 (about 0.75), so
/// only the part above this floor counts, scaled to 0..1.
pub const SIMILARITY_FLOOR: f32 = 0.75;

/// The similarity feature of a cosine: 0 at or below [`SIMILARITY_FLOOR`], 1 for the same sentence.
pub fn feature(cosine: f32) -> f32 {
    ((cosine - SIMILARITY_FLOOR) / (1.0 - SIMILARITY_FLOOR)).clamp(0.0, 1.0)
}

/// What the hybrid ranking learnt from the held-out variants when the index was built.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct HybridFit {
    /// Weight of the similarity feature next to the lexical score, for German questions.
    pub w_semantic: f32,
    /// Weight of the lexical score for questions in other languages (the similarity carries them).
    pub w_lexical_foreign: f32,
    /// Confidence of hybrid rankings of German questions.
    pub calibration: Calibration,
    /// Confidence of rankings of questions in other languages.
    pub foreign: Calibration,
    /// Held-out questions the weights were chosen on (0: the built-in prior).
    pub samples: usize,
    /// Top-1 accuracy on those questions, lexical alone and hybrid (for the explanation and docs).
    pub accuracy_lexical: f32,
    pub accuracy_hybrid: f32,
}

impl Default for HybridFit {
    fn default() -> Self {
        HybridFit {
            w_semantic: 0.5,
            w_lexical_foreign: 0.25,
            calibration: Calibration::default(),
            foreign: Calibration::default(),
            samples: 0,
            accuracy_lexical: 0.0,
            accuracy_hybrid: 0.0,
        }
    }
}

/// Sentence vectors of an index's texts with the answer each belongs to.
pub struct SemanticIndex {
    dim: usize,
    vecs: Vec<f32>,
    answer: Vec<u32>,
    texts: Vec<String>,
    by_text: HashMap<String, u32>,
    /// Per answer: the sum of its vectors and that sum's squared norm (for centroid cosines).
    sums: Vec<f32>,
    sum_norms: Vec<f32>,
}

/// The best similarity of one answer: the cosine and the text that reached it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Best {
    pub cosine: f32,
    pub text: u32,
    /// Cosine to the mean of the answer's vectors.
    pub centroid: f32,
}

impl Best {
    /// The similarity feature of an answer: the mean of its best single cosine and its centroid
    /// cosine (the best variant alone is easily matched by chance among many similar answers;
    /// the centroid sees what the variants have in common), scaled by [`feature`].
    pub fn feature(&self) -> f32 {
        feature(0.5 * (self.cosine + self.centroid))
    }
}

impl SemanticIndex {
    /// Indexes the texts of `answers` that `vectors` has: variants, titles, and the
    /// `semantic_texts` (language versions). `None` when there is not a single vector.
    pub fn build(answers: &[IndexAnswer], vectors: &Vectors) -> Option<SemanticIndex> {
        let dim = vectors.values().next()?.len();
        let mut index = SemanticIndex {
            dim,
            vecs: Vec::new(),
            answer: Vec::new(),
            texts: Vec::new(),
            by_text: HashMap::new(),
            sums: vec![0.0; answers.len() * dim],
            sum_norms: vec![0.0; answers.len()],
        };
        for (ai, a) in answers.iter().enumerate() {
            for text in a.meaning_texts() {
                let Some(v) = vectors.get(text) else { continue };
                if v.len() != dim || index.by_text.contains_key(text) {
                    continue;
                }
                index
                    .by_text
                    .insert(text.clone(), index.answer.len() as u32);
                index.vecs.extend_from_slice(v);
                index.answer.push(ai as u32);
                index.texts.push(text.clone());
            }
        }
        for (i, &a) in index.answer.iter().enumerate() {
            let v = &index.vecs[i * dim..(i + 1) * dim];
            let sum = &mut index.sums[a as usize * dim..(a as usize + 1) * dim];
            for (s, x) in sum.iter_mut().zip(v) {
                *s += x;
            }
        }
        for (a, sum) in index.sums.chunks_exact(dim).enumerate() {
            index.sum_norms[a] = sum.iter().map(|x| x * x).sum();
        }
        (!index.answer.is_empty()).then_some(index)
    }

    pub fn len(&self) -> usize {
        self.answer.len()
    }

    pub fn is_empty(&self) -> bool {
        self.answer.is_empty()
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn text(&self, i: u32) -> &str {
        &self.texts[i as usize]
    }

    /// The position of an indexed text (to leave it out when it is asked as a held-out question).
    pub fn find(&self, text: &str) -> Option<u32> {
        self.by_text.get(text).copied()
    }

    /// The best cosine per answer (`n_answers` long; 0 for answers without vectors), leaving out
    /// the text `exclude`.
    pub fn best_per_answer(&self, q: &[f32], n_answers: usize, exclude: Option<u32>) -> Vec<Best> {
        let mut best = vec![Best::default(); n_answers];
        if q.len() != self.dim {
            return best;
        }
        for (i, v) in self.vecs.chunks_exact(self.dim).enumerate() {
            if exclude == Some(i as u32) {
                continue;
            }
            let cos: f32 = v.iter().zip(q).map(|(a, b)| a * b).sum();
            let b = &mut best[self.answer[i] as usize];
            if cos > b.cosine {
                b.cosine = cos;
                b.text = i as u32;
            }
        }
        let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
        for (a, sum) in self.sums.chunks_exact(self.dim).enumerate() {
            let (mut qs, mut norm2) = (dot(q, sum), self.sum_norms[a]);
            if let Some(e) = exclude.filter(|&e| self.answer[e as usize] as usize == a) {
                let v = &self.vecs[e as usize * self.dim..(e as usize + 1) * self.dim];
                qs -= dot(q, v);
                norm2 += -2.0 * dot(sum, v) + dot(v, v);
            }
            best[a].centroid = if norm2 > 1e-6 { qs / norm2.sqrt() } else { 0.0 };
        }
        best
    }

    /// Heap bytes of the vectors.
    pub fn heap_bytes(&self) -> usize {
        self.vecs.len() * 4
    }
}

/// The texts of `answers` (and `extra` sentences) that need a vector for a semantic index.
pub fn texts_to_embed<'a>(answers: &'a [IndexAnswer], extra: &'a [&'a str]) -> Vec<&'a str> {
    let mut seen = std::collections::HashSet::new();
    answers
        .iter()
        .flat_map(|a| a.meaning_texts().map(String::as_str))
        .chain(extra.iter().copied())
        .filter(|t| seen.insert(*t))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(id: &str, questions: &[&str]) -> IndexAnswer {
        IndexAnswer {
            id: id.into(),
            title: format!("Titel {id}"),
            topics: vec![],
            questions: questions.iter().map(|s| s.to_string()).collect(),
            keywords: vec![],
            semantic_texts: vec![],
        }
    }

    #[test]
    fn best_per_answer_leaves_out_the_excluded_text() {
        let answers = vec![answer("a", &["eins", "zwei"]), answer("b", &["drei"])];
        let mut vectors = Vectors::new();
        vectors.insert("eins".into(), vec![1.0, 0.0]);
        vectors.insert("zwei".into(), vec![0.6, 0.8]);
        vectors.insert("drei".into(), vec![0.0, 1.0]);
        let index = SemanticIndex::build(&answers, &vectors).expect("test setup");
        assert_eq!(index.len(), 3, "titles without vectors are skipped");
        let best = index.best_per_answer(&[1.0, 0.0], 2, None);
        assert!((best[0].cosine - 1.0).abs() < 1e-6);
        assert_eq!(index.text(best[0].text), "eins");
        let best = index.best_per_answer(&[1.0, 0.0], 2, index.find("eins"));
        assert!((best[0].cosine - 0.6).abs() < 1e-6);
        assert_eq!(best[1].cosine, 0.0);
    }

    #[test]
    fn feature_is_zero_below_the_floor() {
        assert_eq!(feature(0.5), 0.0);
        assert_eq!(feature(1.0), 1.0);
        assert!((feature(0.875) - 0.5).abs() < 1e-6);
    }

    #[test]
    fn no_vectors_no_index() {
        assert!(SemanticIndex::build(&[answer("a", &["x"])], &Vectors::new()).is_none());
    }
}
