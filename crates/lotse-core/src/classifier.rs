//! A sparse multiclass linear classifier over surface features of the question variants,
//! trained when the index is built.
//!
//! Training is the multiclass passive-aggressive algorithm (PA-I, Crammer et al. 2006): for each
//! variant, if its answer does not beat the strongest wrong answer by a margin of 1, both weight
//! vectors move just enough to fix that (capped by `c`). The weights are averaged over all steps,
//! which makes the result stable and close to a large-margin (SVM-like) solution.
//!
//! Weights are stored sparsely, per feature a short list of (class, weight): only classes whose
//! variants contain the feature, or that were confused on it, get an entry, so memory grows with
//! the data, never with features × classes (roboai: 214 answers, 7,500 variants → 0.45 M weights,
//! about 3.5 MB). Training visits the variants in a fixed pseudo-random order per epoch, decided
//! by a hash of each variant's features and the epoch: the model is deterministic, and adding a
//! variant does not reorder the others.
//!
//! The features (see [`features`]) were chosen by 5-fold cross-validation on the roboai train
//! lines (never its test lines): whole-line character n-grams with stop words beat word-internal
//! n-grams and stems, and the sentence mark alone added more than a point of accuracy.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::analyze::Analysis;

/// Hashes keys that are already good 64-bit hashes (FNV of the feature) by one multiplication:
/// far cheaper than the default SipHash, which matters with ~150 features per text.
#[derive(Default, Clone, Copy)]
pub struct PrehashedHasher(u64);

impl Hasher for PrehashedHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only used for u64 keys (`write_u64`); fold anything else in for correctness.
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u64(&mut self, x: u64) {
        self.0 = x.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// A hash map keyed by feature hashes.
pub type FeatureMap<V> = HashMap<u64, V, BuildHasherDefault<PrehashedHasher>>;

/// Raw feature counts of one text: feature hash → count.
pub type Counts = FeatureMap<f32>;

/// Character n-grams of the whole token sequence (across word boundaries), shortest and longest.
const CHAR_MIN: usize = 1;
const CHAR_MAX: usize = 4;
/// Weight of the sentence-mark features: one feature is easily outweighed by dozens of n-grams.
const MARK_WEIGHT: f32 = 2.0;

/// FNV-1a, started with a tag byte per feature kind: stable across runs and platforms.
struct Fnv(u64);

impl Fnv {
    fn new(tag: u8) -> Self {
        let mut h = Fnv(0xcbf2_9ce4_8422_2325);
        h.feed(&[tag]);
        h
    }

    fn feed(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// The hash of a tagged sequence of words (joined by spaces).
fn hash(tag: u8, parts: &[&str]) -> u64 {
    let mut h = Fnv::new(tag);
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            h.feed(b" ");
        }
        h.feed(part.as_bytes());
    }
    h.0
}

/// The classifier's features of an analysed text. Unlike the retrieval features they keep stop
/// words and sentence marks: "bist du …?" and "ich bin …." differ mostly in them.
/// - character 1–4-grams of the token sequence, which survive typos and word forms,
/// - token unigrams and bigrams (with a start marker), which capture word order,
/// - the sentence mark (`?`, `!`, `.` or none) alone and after the last token.
pub fn features(analysis: &Analysis) -> Counts {
    let mut counts = Counts::default();
    let line: Vec<char> = format!(" {} ", analysis.tokens.join(" ")).chars().collect();
    let mut utf8 = [0u8; 4];
    for n in CHAR_MIN..=CHAR_MAX {
        for w in line.windows(n) {
            let mut h = Fnv::new(b'c');
            w.iter()
                .for_each(|c| h.feed(c.encode_utf8(&mut utf8).as_bytes()));
            *counts.entry(h.0).or_default() += 1.0;
        }
    }
    let mut prev = "";
    for token in &analysis.tokens {
        *counts.entry(hash(b'u', &[token])).or_default() += 1.0;
        *counts.entry(hash(b'b', &[prev, token])).or_default() += 1.0;
        prev = token;
    }
    let mut mark = [0u8; 4];
    let mark: &str = analysis.end.map_or("", |c| c.encode_utf8(&mut mark));
    *counts.entry(hash(b'm', &[mark])).or_default() += MARK_WEIGHT;
    *counts.entry(hash(b'b', &[prev, mark])).or_default() += MARK_WEIGHT;
    counts
}

/// Training parameters.
#[derive(Debug, Clone, Copy)]
pub struct TrainConfig {
    pub epochs: usize,
    /// Aggressiveness cap of one update (PA-I); smaller is more regularised.
    pub c: f32,
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 6,
            c: 0.3,
            seed: 0x5eed,
        }
    }
}

/// Training texts as rows of (feature id, count) with their class. Feature hashes are interned
/// once, so that several models (the index's and calibration's) train from compact rows, all in
/// one buffer (thousands of small vectors would fragment the heap).
#[derive(Debug, Default)]
pub struct Examples {
    ids: FeatureMap<u32>,
    cells: Vec<(u32, f32)>,
    /// Per row: its end in `cells` and its class.
    rows: Vec<(usize, u32)>,
    /// Per row: a hash of its features alone (not of its position or class), which fixes where
    /// the row comes in the training order.
    keys: Vec<u64>,
}

impl Examples {
    pub fn push(&mut self, counts: &Counts, class: u32) {
        let mut sorted: Vec<(u64, f32)> = counts.iter().map(|(k, c)| (*k, *c)).collect();
        // Sorted, so that ids (in order of first occurrence) are the same on every run.
        sorted.sort_unstable_by_key(|(k, _)| *k);
        let mut key = 0u64;
        for (k, c) in sorted {
            let next = self.ids.len() as u32;
            self.cells.push((*self.ids.entry(k).or_insert(next), c));
            key = key.wrapping_add(mix(k ^ c.to_bits() as u64));
        }
        self.rows.push((self.cells.len(), class));
        self.keys.push(key);
    }

    /// Row `i`: its (feature id, count) cells and its class.
    fn row(&self, i: usize) -> (&[(u32, f32)], u32) {
        let start = if i == 0 { 0 } else { self.rows[i - 1].0 };
        let (end, class) = self.rows[i];
        (&self.cells[start..end], class)
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// The trained model: per feature its idf and a slice of (class, weight) pairs, stored as
/// compressed sparse rows to keep the per-feature overhead small.
#[derive(Debug, Default)]
pub struct Classifier {
    /// Feature hash → row.
    rows: FeatureMap<u32>,
    idf: Vec<f32>,
    /// Row r owns `classes[start[r]..start[r + 1]]` and the same range of `weights`.
    start: Vec<u32>,
    /// 16-bit class ids keep a weight at 6 bytes; see `MAX_CLASSES`.
    classes: Vec<u16>,
    weights: Vec<f32>,
    /// The idf of a feature no training text had (it still lowers the weight of the others).
    unseen_idf: f32,
    n_classes: usize,
}

/// Averaged weights smaller than this are dropped: they hardly move a score (an update moves
/// scores by up to `c`, about 0.3), and there are many of them (roboai: a quarter of all weights,
/// without loss of accuracy in cross-validation; from 0.03 on accuracy drops).
const PRUNE_BELOW: f32 = 0.01;

/// More classes than this (answers of one tenant) are not trained: the model would be empty and
/// the engine ranks by similarity alone.
pub const MAX_CLASSES: usize = u16::MAX as usize + 1;

/// Features found in at least this many training texts get a dense row during training.
const DENSE_DF: u32 = 32;

/// One sparse weight during training, with its running sum for averaging (Daumé's lazy trick:
/// the average is `w - u / steps`).
#[derive(Clone, Copy)]
struct Slot {
    class: u32,
    w: f32,
    u: f32,
}

/// The weights during training. Frequent features (character unigrams, common words) are
/// touched by almost every class; they get a dense row over all classes, which scores as one
/// straight, vectorisable loop and updates without a search. They are few (at most the number
/// of feature occurrences / `DENSE_DF`), so memory stays proportional to the data. All other
/// features keep short lists sorted by class.
struct Weights {
    n_classes: usize,
    /// Row in `dense_w`/`dense_u` of each feature, or `u32::MAX` for a sparse one.
    row: Vec<u32>,
    dense_w: Vec<f32>,
    dense_u: Vec<f32>,
    sparse: Vec<Vec<Slot>>,
}

impl Weights {
    fn new(df: &[u32], n_classes: usize) -> Self {
        let mut rows = 0;
        let row: Vec<u32> = df
            .iter()
            .map(|&d| {
                if d >= DENSE_DF {
                    rows += 1;
                    rows - 1
                } else {
                    u32::MAX
                }
            })
            .collect();
        let cells = rows as usize * n_classes;
        Weights {
            n_classes,
            sparse: vec![Vec::new(); row.len()],
            row,
            dense_w: vec![0.0; cells],
            dense_u: vec![0.0; cells],
        }
    }

    fn dense(&self, f: u32) -> Option<usize> {
        let r = self.row[f as usize];
        (r != u32::MAX).then(|| r as usize * self.n_classes)
    }

    fn add_scores(&self, f: u32, val: f32, scores: &mut [f32]) {
        match self.dense(f) {
            Some(at) => {
                for (s, w) in scores
                    .iter_mut()
                    .zip(&self.dense_w[at..at + self.n_classes])
                {
                    *s += w * val;
                }
            }
            None => {
                for slot in &self.sparse[f as usize] {
                    scores[slot.class as usize] += slot.w * val;
                }
            }
        }
    }

    fn add(&mut self, f: u32, class: u32, delta: f32, steps: f32) {
        if let Some(at) = self.dense(f) {
            self.dense_w[at + class as usize] += delta;
            self.dense_u[at + class as usize] += steps * delta;
            return;
        }
        let list = &mut self.sparse[f as usize];
        let i = match list.binary_search_by_key(&class, |s| s.class) {
            Ok(i) => i,
            Err(i) => {
                list.insert(
                    i,
                    Slot {
                        class,
                        w: 0.0,
                        u: 0.0,
                    },
                );
                i
            }
        };
        list[i].w += delta;
        list[i].u += steps * delta;
    }

    /// Appends the averaged weights of a feature, without the negligible ones.
    fn push_averaged(&self, f: u32, steps: f32, classes: &mut Vec<u16>, weights: &mut Vec<f32>) {
        let mut push = |c: u32, w: f32| {
            if w.abs() > PRUNE_BELOW {
                classes.push(c as u16);
                weights.push(w);
            }
        };
        match self.dense(f) {
            Some(at) => (0..self.n_classes).for_each(|c| {
                push(
                    c as u32,
                    self.dense_w[at + c] - self.dense_u[at + c] / steps,
                )
            }),
            None => self.sparse[f as usize]
                .iter()
                .for_each(|s| push(s.class, s.w - s.u / steps)),
        }
    }
}

/// A 64-bit finaliser (splitmix64): spreads similar inputs over the whole range.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Sublinear term frequency.
fn tf(count: f32) -> f32 {
    if count > 0.0 { 1.0 + count.ln() } else { 0.0 }
}

/// Smoothed idf of a feature found in `df` of `n` texts.
fn idf(n: f32, df: f32) -> f32 {
    ((1.0 + n) / (1.0 + df)).ln() + 1.0
}

impl Classifier {
    /// Trains on the examples that `include` accepts (by position); classes are `0..n_classes`.
    pub fn train(
        examples: &Examples,
        include: impl Fn(usize) -> bool,
        n_classes: usize,
        cfg: TrainConfig,
    ) -> Self {
        if n_classes > MAX_CLASSES {
            return Classifier::default();
        }
        let picked: Vec<usize> = (0..examples.len()).filter(|&i| include(i)).collect();
        let mut df = vec![0u32; examples.ids.len()];
        for &i in &picked {
            examples
                .row(i)
                .0
                .iter()
                .for_each(|(f, _)| df[*f as usize] += 1);
        }
        let n = picked.len() as f32;
        let idfs: Vec<f32> = df.iter().map(|d| idf(n, *d as f32)).collect();
        // L2-normalised TF-IDF rows of the picked examples: (start, end) in `cells`, class.
        let mut cells: Vec<(u32, f32)> = Vec::new();
        let mut rows: Vec<(usize, usize, u32)> = Vec::with_capacity(picked.len());
        let mut keys: Vec<u64> = Vec::with_capacity(picked.len());
        for &i in &picked {
            let (raw, class) = examples.row(i);
            let start = cells.len();
            cells.extend(raw.iter().map(|(f, c)| (*f, tf(*c) * idfs[*f as usize])));
            let norm = cells[start..]
                .iter()
                .map(|(_, x)| x * x)
                .sum::<f32>()
                .sqrt();
            if norm > 0.0 {
                cells[start..].iter_mut().for_each(|(_, x)| *x /= norm);
                rows.push((start, cells.len(), class));
                keys.push(examples.keys[i]);
            } else {
                cells.truncate(start);
            }
        }

        let mut weights = Weights::new(&df, n_classes);
        let mut order: Vec<usize> = (0..rows.len()).collect();
        let mut scores = vec![0.0f32; n_classes];
        let mut steps: f32 = 1.0;
        for epoch in 0..cfg.epochs as u64 {
            // A pseudo-random order per epoch that depends on each variant's own features, not on
            // its position: a variant added to one answer takes its place in the order, and the
            // others keep theirs. (A shuffle by position reordered every epoch completely when
            // one variant was added, and the retrained model moved confidences of unrelated
            // questions by several points.)
            let epoch_seed = mix(cfg.seed ^ epoch.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            order.sort_unstable_by_key(|&i| (mix(keys[i] ^ epoch_seed), i));
            for &i in &order {
                let (start, end, y) = rows[i];
                let x = &cells[start..end];
                scores.iter_mut().for_each(|s| *s = 0.0);
                for &(f, val) in x {
                    weights.add_scores(f, val, &mut scores);
                }
                // The strongest wrong class (the first on ties).
                let mut rival: Option<(u32, f32)> = None;
                for (k, &s) in scores.iter().enumerate() {
                    if k as u32 != y && rival.is_none_or(|(_, best)| s > best) {
                        rival = Some((k as u32, s));
                    }
                }
                if let Some((r, rival_score)) = rival {
                    let loss = 1.0 - (scores[y as usize] - rival_score);
                    if loss > 0.0 {
                        // ‖x‖ = 1, so the update that exactly fixes the margin has τ = loss / 2.
                        let tau = (loss / 2.0).min(cfg.c);
                        for &(f, val) in x {
                            weights.add(f, y, tau * val, steps);
                            weights.add(f, r, -tau * val, steps);
                        }
                    }
                }
                steps += 1.0;
            }
        }

        let mut model = Classifier {
            unseen_idf: idf(n, 0.0),
            n_classes,
            start: vec![0],
            ..Classifier::default()
        };
        let mut by_id: Vec<(u32, u64)> = examples.ids.iter().map(|(k, id)| (*id, *k)).collect();
        by_id.sort_unstable();
        for (id, k) in by_id {
            if df[id as usize] == 0 {
                continue; // only in texts left out of this training
            }
            model.rows.insert(k, model.idf.len() as u32);
            model.idf.push(idfs[id as usize]);
            weights.push_averaged(id, steps, &mut model.classes, &mut model.weights);
            model.start.push(model.classes.len() as u32);
        }
        model.rows.shrink_to_fit();
        model.idf.shrink_to_fit();
        model.start.shrink_to_fit();
        model.classes.shrink_to_fit();
        model.weights.shrink_to_fit();
        model
    }

    /// The number of classes (0 for an untrained classifier).
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// Number of stored (feature, class) weights, for memory estimates.
    pub fn weight_count(&self) -> usize {
        self.weights.len()
    }

    /// Approximate heap memory of the model in bytes.
    pub fn heap_bytes(&self) -> usize {
        // A hash map slot holds its (aligned) key and value plus a control byte; there are at
        // least 8/7 slots per entry, rounded up to a power of two.
        let slots = (self.rows.capacity() * 8 / 7).next_power_of_two();
        slots * (16 + 1) + (self.idf.len() + self.start.len()) * 4 + self.weights.len() * 6
    }

    /// Adds every class's score to `out` (which has `n_classes` entries).
    pub fn add_scores(&self, counts: &Counts, out: &mut [f32]) {
        let mut v: Vec<(u64, f32, Option<usize>)> = counts
            .iter()
            .map(|(k, c)| {
                let row = self.rows.get(k).map(|r| *r as usize);
                (
                    *k,
                    tf(*c) * row.map_or(self.unseen_idf, |r| self.idf[r]),
                    row,
                )
            })
            .collect();
        // Sorted so that sums are added in the same order every time (deterministic ties).
        v.sort_unstable_by_key(|(k, ..)| *k);
        let norm = v.iter().map(|(_, x, _)| x * x).sum::<f32>().sqrt();
        if norm <= 0.0 {
            return;
        }
        for (_, x, row) in v {
            let Some(r) = row else { continue };
            let range = self.start[r] as usize..self.start[r + 1] as usize;
            for (c, w) in self.classes[range.clone()].iter().zip(&self.weights[range]) {
                out[*c as usize] += w * x / norm;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(pairs: &[(u64, f32)]) -> Counts {
        pairs.iter().copied().collect()
    }

    fn examples(data: &[(Counts, u32)]) -> Examples {
        let mut e = Examples::default();
        data.iter().for_each(|(x, y)| e.push(x, *y));
        e
    }

    fn best(clf: &Classifier, x: &Counts) -> (usize, Vec<f32>) {
        let mut s = vec![0.0; clf.n_classes()];
        clf.add_scores(x, &mut s);
        let best = (0..s.len())
            .max_by(|a, b| s[*a].total_cmp(&s[*b]))
            .unwrap_or(usize::MAX);
        (best, s)
    }

    #[test]
    fn learns_a_toy_set_and_generalises_from_shared_features() {
        // Class 0 is about feature 1, class 1 about feature 2, class 2 about 3; feature 9 is noise.
        let data = [
            (v(&[(1, 1.0), (9, 1.0)]), 0),
            (v(&[(1, 1.0), (4, 1.0)]), 0),
            (v(&[(2, 1.0), (9, 1.0)]), 1),
            (v(&[(2, 1.0), (5, 1.0)]), 1),
            (v(&[(3, 1.0), (9, 1.0)]), 2),
            (v(&[(3, 1.0), (6, 1.0)]), 2),
        ];
        let clf = Classifier::train(&examples(&data), |_| true, 3, TrainConfig::default());
        for (x, y) in &data {
            let (b, s) = best(&clf, x);
            assert_eq!(b, *y as usize, "{s:?}");
        }
        // An unseen combination: the discriminative feature wins over the shared noise feature.
        let (b, s) = best(&clf, &v(&[(2, 1.0), (9, 1.0), (7, 1.0)]));
        assert_eq!(b, 1, "{s:?}");
        assert!(clf.weight_count() > 0);
    }

    #[test]
    fn training_is_deterministic() {
        let data: Vec<(Counts, u32)> = (0..40u64)
            .map(|i| (v(&[(i % 7, 1.0), (100 + i % 3, 0.5)]), (i % 3) as u32))
            .collect();
        let a = Classifier::train(&examples(&data), |_| true, 3, TrainConfig::default());
        let b = Classifier::train(&examples(&data), |_| true, 3, TrainConfig::default());
        assert_eq!(
            (&a.classes, &a.weights, &a.idf),
            (&b.classes, &b.weights, &b.idf)
        );
        assert_eq!(a.rows, b.rows);
    }

    #[test]
    fn left_out_examples_are_not_learned() {
        // Feature 5 only occurs in the left-out example, so the model has no weight for it.
        let data = [
            (v(&[(1, 1.0)]), 0),
            (v(&[(2, 1.0)]), 1),
            (v(&[(5, 1.0)]), 1),
        ];
        let clf = Classifier::train(&examples(&data), |i| i != 2, 2, TrainConfig::default());
        let mut s = vec![0.0; 2];
        clf.add_scores(&v(&[(5, 1.0)]), &mut s);
        assert_eq!(s, vec![0.0, 0.0]);
        assert!(!clf.rows.contains_key(&5));
    }

    #[test]
    fn too_many_classes_give_an_untrained_model() {
        let data = [(v(&[(1, 1.0)]), 0)];
        let clf = Classifier::train(
            &examples(&data),
            |_| true,
            MAX_CLASSES + 1,
            TrainConfig::default(),
        );
        assert_eq!((clf.n_classes(), clf.weight_count()), (0, 0));
    }

    #[test]
    fn features_keep_stop_words_and_the_sentence_mark() {
        let text = |tokens: &[&str], end| Analysis {
            tokens: tokens.iter().map(|t| t.to_string()).collect(),
            end,
            ..Analysis::default()
        };
        let question = features(&text(&["bist", "du", "da"], Some('?')));
        let statement = features(&text(&["bist", "du", "da"], Some('.')));
        assert!(question.contains_key(&hash(b'u', &["du"])));
        assert!(question.contains_key(&hash(b'b', &["bist", "du"])));
        assert_ne!(question, statement);
        assert!(question.keys().any(|k| !statement.contains_key(k)));
    }
}
