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
use crate::lang;

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
    /// Per text: its language group (0 = German, see [`SemanticIndex::groups`]).
    group: Vec<u8>,
    /// The language codes of the groups, German first.
    groups: Vec<&'static str>,
    /// Per answer: how many of its texts each group has (`answers × groups`).
    group_counts: Vec<u32>,
}

/// A language group needs this many texts before its similarities are corrected (a median of
/// fewer is dominated by the texts that really match).
pub const MIN_GROUP_TEXTS: usize = 12;

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
            group: Vec::new(),
            groups: vec!["de"],
            group_counts: Vec::new(),
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
                // Only clear evidence makes a text foreign: German keyword variants are often
                // too short for the detector to be sure.
                let detected = lang::detect(text);
                let code = if detected.sure { detected.code } else { "de" };
                let g = match index.groups.iter().position(|&c| c == code) {
                    Some(g) => g,
                    None => {
                        index.groups.push(code);
                        index.groups.len() - 1
                    }
                };
                index.group.push(g as u8);
            }
        }
        let n_groups = index.groups.len();
        index.group_counts = vec![0; answers.len() * n_groups];
        for (&a, &g) in index.answer.iter().zip(&index.group) {
            index.group_counts[a as usize * n_groups + g as usize] += 1;
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
    ///
    /// Cosines are corrected per language: multilingual-e5 rates any two sentences of the same
    /// language as more alike than a sentence and its translation, so a Ukrainian question would
    /// go to whichever answers have Ukrainian versions, whatever they are about. Per question,
    /// each language group's median cosine is compared with the German texts' median, and a
    /// group that is closer to the question on the whole is lowered by the difference (in the
    /// best cosines and the centroids alike). A group is only corrected from
    /// [`MIN_GROUP_TEXTS`] texts on.
    pub fn best_per_answer(&self, q: &[f32], n_answers: usize, exclude: Option<u32>) -> Vec<Best> {
        let mut best = vec![Best::default(); n_answers];
        if q.len() != self.dim {
            return best;
        }
        let cosines: Vec<f32> = self
            .vecs
            .chunks_exact(self.dim)
            .map(|v| v.iter().zip(q).map(|(a, b)| a * b).sum())
            .collect();
        let offsets = self.language_offsets(&cosines, exclude);
        for (i, &cos) in cosines.iter().enumerate() {
            if exclude == Some(i as u32) {
                continue;
            }
            let cos = cos - offsets[self.group[i] as usize];
            let b = &mut best[self.answer[i] as usize];
            if cos > b.cosine {
                b.cosine = cos;
                b.text = i as u32;
            }
        }
        let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
        let n_groups = self.groups.len();
        for (a, sum) in self.sums.chunks_exact(self.dim).enumerate() {
            let (mut qs, mut norm2) = (dot(q, sum), self.sum_norms[a]);
            // Σ (cosine − offset of its group) over the answer's texts.
            let counts = &self.group_counts[a * n_groups..(a + 1) * n_groups];
            qs -= counts
                .iter()
                .zip(&offsets)
                .map(|(&c, o)| c as f32 * o)
                .sum::<f32>();
            if let Some(e) = exclude.filter(|&e| self.answer[e as usize] as usize == a) {
                let v = &self.vecs[e as usize * self.dim..(e as usize + 1) * self.dim];
                qs -= cosines[e as usize] - offsets[self.group[e as usize] as usize];
                norm2 += -2.0 * dot(sum, v) + dot(v, v);
            }
            best[a].centroid = if norm2 > 1e-6 { qs / norm2.sqrt() } else { 0.0 };
        }
        best
    }

    /// How much closer than the German texts each language group is to the question (0 for
    /// German, for groups that are not closer, and for groups too small to tell).
    fn language_offsets(&self, cosines: &[f32], exclude: Option<u32>) -> Vec<f32> {
        let mut offsets = vec![0.0; self.groups.len()];
        if self.groups.len() < 2 {
            return offsets;
        }
        let mut by_group: Vec<Vec<f32>> = vec![Vec::new(); self.groups.len()];
        for (i, (&c, &g)) in cosines.iter().zip(&self.group).enumerate() {
            if exclude != Some(i as u32) {
                by_group[g as usize].push(c);
            }
        }
        let median = |of_group: &mut Vec<f32>| -> Option<f32> {
            if of_group.len() < MIN_GROUP_TEXTS {
                return None;
            }
            let mid = of_group.len() / 2;
            Some(*of_group.select_nth_unstable_by(mid, f32::total_cmp).1)
        };
        let Some(german) = median(&mut by_group[0]) else {
            return offsets;
        };
        for (offset, of_group) in offsets.iter_mut().zip(&mut by_group).skip(1) {
            if let Some(m) = median(of_group) {
                *offset = (m - german).max(0.0);
            }
        }
        offsets
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
            body: String::new(),
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

    /// Vectors of a toy model where the third dimension is "written in Ukrainian": answer `a`
    /// has German texts about topic A, `b` German texts about B and Ukrainian versions, `c`
    /// German texts about something else.
    fn bilingual(ukrainian_texts: usize) -> (Vec<IndexAnswer>, Vectors) {
        let mut vectors = Vectors::new();
        let mut texts = |prefix: &str, n: usize, v: [f32; 4]| -> Vec<String> {
            (0..n)
                .map(|i| {
                    let t = format!("{prefix} {i}");
                    vectors.insert(t.clone(), v.to_vec());
                    t
                })
                .collect()
        };
        let a = texts("Frage zu A", 4, [1.0, 0.0, 0.0, 0.0]);
        let mut b = texts("Frage zu B", 4, [0.0, 1.0, 0.0, 0.0]);
        b.extend(texts(
            "Питання про Б і",
            ukrainian_texts,
            [0.0, 0.6, 0.8, 0.0],
        ));
        let c = texts("Frage zu C", 10, [0.0, 0.0, 0.0, 1.0]);
        let to_answer = |id: &str, qs: Vec<String>| IndexAnswer {
            id: id.into(),
            title: format!("Titel {id}"),
            topics: vec![],
            questions: qs,
            keywords: vec![],
            semantic_texts: vec![],
            body: String::new(),
        };
        let answers = vec![to_answer("a", a), to_answer("b", b), to_answer("c", c)];
        (answers, vectors)
    }

    #[test]
    fn a_language_group_that_is_closer_on_the_whole_is_corrected() {
        // A Ukrainian question about A: raw, the Ukrainian texts of B are closer (0.64) than
        // the German texts of A (0.6), only because they are Ukrainian.
        let q = [0.6, 0.0, 0.8, 0.0];
        let (answers, vectors) = bilingual(MIN_GROUP_TEXTS);
        let index = SemanticIndex::build(&answers, &vectors).expect("test setup");
        let best = index.best_per_answer(&q, 3, None);
        assert!((best[0].cosine - 0.6).abs() < 1e-5, "{best:?}");
        assert!(best[1].cosine < 0.01, "Ukrainian texts lowered: {best:?}");
        assert!(best[0].centroid > best[1].centroid, "{best:?}");
        // Leaving a text out keeps the centroid consistent with the corrected cosines.
        let left_out = index.best_per_answer(&q, 3, index.find("Frage zu A 0"));
        assert!((left_out[0].centroid - 0.6).abs() < 1e-5, "{left_out:?}");

        // Too few texts to tell a language's level: no correction.
        let (answers, vectors) = bilingual(MIN_GROUP_TEXTS - 1);
        let index = SemanticIndex::build(&answers, &vectors).expect("test setup");
        let best = index.best_per_answer(&q, 3, None);
        assert!((best[1].cosine - 0.64).abs() < 1e-5, "{best:?}");
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
