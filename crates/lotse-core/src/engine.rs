//! The answering engine: an in-memory index over one tenant's answers, ranking and confidence.
//!
//! Ranking combines, per answer,
//! - the best question variant (or title/keywords) by BM25 over analysed terms,
//! - the best variant by character n-gram (3–5) TF-IDF cosine, which survives typos and word forms,
//! - the cosine to the answer's centroid over all its variants (a Rocchio classifier), which
//!   rewards answers whose variants *together* cover the question,
//! - the score of a linear classifier trained on all variants (see [`crate::classifier`]), which
//!   learns which n-grams, words, word pairs and sentence marks tell the answers apart. It carries
//!   most of the weight: on the roboai benchmark it lifts top-1 accuracy from 0.82 to 0.90.
//!
//! Confidence is a logistic function of the best score and the margin to the second-best answer,
//! fitted when the index is built from held-out questions (variants asked of an index that has
//! not seen them, see `fit_calibration`) and from out-of-scope sentences, so `confidence`
//! estimates P(the top answer is right).

use std::collections::HashMap;

use serde::Serialize;

use crate::analyze::{Analysis, Analyzer, Synonyms};
use crate::calibrate::{Calibration, Sample};
use crate::classifier::{self, Classifier, Examples, TrainConfig};

/// Weights and thresholds of the engine; the defaults are measured, see docs/benchmarks.md.
#[derive(Debug, Clone, Copy, Serialize, serde::Deserialize, PartialEq)]
#[serde(default)]
pub struct EngineConfig {
    /// Minimum confidence for a confident `answer`.
    pub answer_threshold: f32,
    /// Minimum confidence for a `clarify` with the best candidates; below it: `fallback`.
    pub clarify_threshold: f32,
    /// Candidates within this share of the best score are offered in a `clarify`.
    pub clarify_ratio: f32,
    /// Below this best score nothing matched at all: always `fallback`, whatever the calibration says.
    pub min_score: f32,
    pub weight_bm25: f32,
    pub weight_ngram: f32,
    pub weight_centroid: f32,
    pub bm25_k1: f32,
    pub bm25_b: f32,
    /// Weight of the linear classifier's score; 0 skips training it. Its scores are about 1 for a
    /// clear answer (it is trained for a margin of 1), so it dominates the similarity parts,
    /// which mainly break its near-ties and explain the match.
    pub weight_classifier: f32,
    /// Passes over the variants when training the classifier.
    pub classifier_epochs: u32,
    /// The classifier's largest step per variant (PA-I `C`); smaller is more regularised.
    pub classifier_c: f32,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            answer_threshold: 0.5,
            clarify_threshold: 0.25,
            clarify_ratio: 0.85,
            min_score: 0.15,
            weight_bm25: 0.15,
            weight_ngram: 0.05,
            weight_centroid: 0.05,
            bm25_k1: 1.2,
            bm25_b: 0.5,
            weight_classifier: 1.0,
            classifier_epochs: 6,
            classifier_c: 0.3,
        }
    }
}

/// What the engine is given per answer: its id, topics and the texts it is matched by.
#[derive(Debug, Clone)]
pub struct IndexAnswer {
    pub id: String,
    pub title: String,
    pub topics: Vec<String>,
    pub questions: Vec<String>,
    pub keywords: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DocKind {
    Variant,
    Title,
    Keywords,
}

struct Doc {
    answer: u32,
    kind: DocKind,
    text: String,
    len: f32,
    /// Dot product of the doc's n-gram vector with its answer's unnormalised centroid.
    centroid_dot: f32,
}

struct Posting {
    idf: f32,
    docs: Vec<(u32, f32)>,
}

/// One ranked candidate answer with the parts of its score.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub answer: usize,
    pub id: String,
    pub score: f32,
    pub bm25: f32,
    pub ngram: f32,
    pub centroid: f32,
    /// The linear classifier's score for this answer.
    pub classifier: f32,
    /// The variant (or title/keywords) that matched best.
    pub matched: String,
    pub matched_kind: DocKind,
}

/// The ranked result for one question.
#[derive(Debug, Clone, Serialize)]
pub struct Ranking {
    pub candidates: Vec<Candidate>,
    /// Estimated probability that the first candidate is right.
    pub confidence: f32,
    pub notes: Vec<String>,
    pub terms: Vec<String>,
}

/// The index of one tenant's answers (immutable; rebuilt when content changes).
pub struct Index {
    analyzer: Analyzer,
    config: EngineConfig,
    answers: Vec<IndexAnswer>,
    docs: Vec<Doc>,
    avg_len: f32,
    terms: HashMap<String, Posting>,
    max_idf: f32,
    grams: HashMap<u64, Posting>,
    /// n-gram → (answer, weight) postings of the L2-normalised answer centroids.
    centroids: HashMap<u64, Vec<(u32, f32)>>,
    /// Norms of the unnormalised centroids (sums of their docs' vectors).
    centroid_norms: Vec<f32>,
    classifier: Classifier,
    calibration: Calibration,
}

const GRAM_MIN: usize = 3;
const GRAM_MAX: usize = 5;

fn hash_gram(bytes: &[u8]) -> u64 {
    // FNV-1a: stable, fast, good enough for a few hundred thousand n-grams.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Character n-grams of each word padded with spaces, with counts. Word stems (prefixed) are
/// added as extra features so that the centroid sees whole words too.
fn gram_counts(analysis: &Analysis) -> HashMap<u64, f32> {
    let mut counts: HashMap<u64, f32> = HashMap::new();
    for word in &analysis.words {
        let padded: Vec<char> = format!(" {word} ").chars().collect();
        let mut buf = String::new();
        for n in GRAM_MIN..=GRAM_MAX {
            if padded.len() < n {
                continue;
            }
            for w in padded.windows(n) {
                buf.clear();
                buf.extend(w);
                *counts.entry(hash_gram(buf.as_bytes())).or_default() += 1.0;
            }
        }
    }
    for term in &analysis.terms {
        let key = hash_gram(format!("\u{1}{}", term.stem).as_bytes());
        *counts.entry(key).or_default() += 2.0 * term.weight;
    }
    counts
}

/// A calibration sample from a ranking: its best score, margin and whether it was right.
fn push_sample(samples: &mut Vec<Sample>, cands: &[Candidate], correct: bool) {
    let Some(top) = cands.first() else { return };
    let s2 = cands.get(1).map_or(0.0, |c| c.score);
    samples.push(Sample {
        top: top.score,
        margin: top.score - s2,
        correct,
    });
}

fn l2_normalise(v: &mut [(u64, f32)]) {
    let norm = v.iter().map(|(_, x)| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, x) in v.iter_mut() {
            *x /= norm;
        }
    }
}

impl Index {
    /// Builds the index and fits its confidence calibration. `oos` are out-of-scope sentences
    /// used as negatives for calibration.
    pub fn build(
        answers: Vec<IndexAnswer>,
        synonyms: Synonyms,
        config: EngineConfig,
        oos: &[&str],
    ) -> Self {
        let (mut index, examples) = Index::assemble(answers, synonyms, config);
        index.train_and_calibrate(&examples, oos);
        index
    }

    /// Builds the index with a given calibration (from the previous index of the same tenant):
    /// the quick rebuild after a staff change, which skips the held-out training runs that
    /// calibration needs. The nightly re-fit uses [`Index::build`].
    pub fn rebuild(
        answers: Vec<IndexAnswer>,
        synonyms: Synonyms,
        config: EngineConfig,
        calibration: Calibration,
    ) -> Self {
        let (mut index, examples) = Index::assemble(answers, synonyms, config);
        if !examples.is_empty() {
            index.classifier = index.train_classifier(&examples, |_| true);
        }
        index.calibration = calibration;
        index
    }

    /// Everything but the classifier and the calibration.
    fn assemble(
        answers: Vec<IndexAnswer>,
        synonyms: Synonyms,
        config: EngineConfig,
    ) -> (Index, Examples) {
        let texts = answers
            .iter()
            .flat_map(|a| {
                a.questions
                    .iter()
                    .chain(std::iter::once(&a.title))
                    .chain(a.keywords.iter())
            })
            .map(String::as_str);
        let analyzer = Analyzer::new(texts, synonyms);

        let mut docs = Vec::new();
        let mut analyses = Vec::new();
        for (ai, a) in answers.iter().enumerate() {
            let mut add = |kind: DocKind, text: String| {
                let analysis = analyzer.analyze_document(&text);
                if analysis.terms.is_empty() {
                    return;
                }
                let len = analysis.terms.iter().map(|t| t.weight).sum();
                docs.push(Doc {
                    answer: ai as u32,
                    kind,
                    text,
                    len,
                    centroid_dot: 0.0,
                });
                analyses.push(analysis);
            };
            for q in &a.questions {
                add(DocKind::Variant, q.clone());
            }
            add(DocKind::Title, a.title.clone());
            if !a.keywords.is_empty() {
                add(DocKind::Keywords, a.keywords.join(" "));
            }
        }
        let n_docs = docs.len().max(1) as f32;
        let avg_len = docs.iter().map(|d| d.len).sum::<f32>() / n_docs;

        // Word postings with BM25 idf.
        let mut term_docs: HashMap<String, Vec<(u32, f32)>> = HashMap::new();
        for (di, analysis) in analyses.iter().enumerate() {
            let mut tf: HashMap<&str, f32> = HashMap::new();
            for t in &analysis.terms {
                *tf.entry(t.stem.as_str()).or_default() += t.weight;
            }
            for (stem, f) in tf {
                term_docs
                    .entry(stem.to_owned())
                    .or_default()
                    .push((di as u32, f));
            }
        }
        let mut max_idf: f32 = 0.0;
        let terms: HashMap<String, Posting> = term_docs
            .into_iter()
            .map(|(stem, docs)| {
                let df = docs.len() as f32;
                let idf = (1.0 + (n_docs - df + 0.5) / (df + 0.5)).ln();
                max_idf = max_idf.max(idf);
                (stem, Posting { idf, docs })
            })
            .collect();

        // n-gram TF-IDF vectors per doc, and per-answer centroids.
        let doc_grams: Vec<HashMap<u64, f32>> = analyses.iter().map(gram_counts).collect();
        let mut df: HashMap<u64, u32> = HashMap::new();
        for g in &doc_grams {
            for k in g.keys() {
                *df.entry(*k).or_default() += 1;
            }
        }
        let gram_idf =
            |k: &u64| ((1.0 + n_docs) / (1.0 + df.get(k).copied().unwrap_or(0) as f32)).ln() + 1.0;
        let mut grams: HashMap<u64, Posting> = HashMap::new();
        let mut centroid_acc: Vec<HashMap<u64, f32>> = vec![HashMap::new(); answers.len()];
        let mut doc_vecs: Vec<Vec<(u64, f32)>> = Vec::with_capacity(docs.len());
        for (di, g) in doc_grams.iter().enumerate() {
            let mut v: Vec<(u64, f32)> = g
                .iter()
                .map(|(k, c)| (*k, (1.0 + c.ln()) * gram_idf(k)))
                .collect();
            v.sort_unstable_by_key(|(k, _)| *k);
            l2_normalise(&mut v);
            let acc = &mut centroid_acc[docs[di].answer as usize];
            for &(k, x) in &v {
                *acc.entry(k).or_default() += x;
                grams
                    .entry(k)
                    .or_insert_with(|| Posting {
                        idf: gram_idf(&k),
                        docs: Vec::new(),
                    })
                    .docs
                    .push((di as u32, x));
            }
            doc_vecs.push(v);
        }
        // Each doc's dot product with its (unnormalised) answer centroid and the centroid norms,
        // so that calibration can leave a doc out of its centroid too.
        for (di, v) in doc_vecs.iter().enumerate() {
            let acc = &centroid_acc[docs[di].answer as usize];
            docs[di].centroid_dot = v
                .iter()
                .map(|(k, x)| x * acc.get(k).copied().unwrap_or(0.0))
                .sum();
        }
        let mut centroid_norms = vec![0.0f32; answers.len()];
        let mut centroids: HashMap<u64, Vec<(u32, f32)>> = HashMap::new();
        for (ai, acc) in centroid_acc.into_iter().enumerate() {
            let mut v: Vec<(u64, f32)> = acc.into_iter().collect();
            v.sort_unstable_by_key(|(k, _)| *k);
            centroid_norms[ai] = v.iter().map(|(_, x)| x * x).sum::<f32>().sqrt();
            l2_normalise(&mut v);
            for (k, x) in v {
                centroids.entry(k).or_default().push((ai as u32, x));
            }
        }

        // Classifier features of every doc (titles and keywords are examples of their answer too).
        let mut examples = Examples::default();
        if config.weight_classifier > 0.0 {
            for (analysis, doc) in analyses.iter().zip(&docs) {
                examples.push(&classifier::features(analysis), doc.answer);
            }
        }
        drop(analyses);
        let index = Index {
            analyzer,
            config,
            answers,
            docs,
            avg_len,
            terms,
            max_idf,
            grams,
            centroids,
            centroid_norms,
            classifier: Classifier::default(),
            calibration: Calibration::default(),
        };
        (index, examples)
    }

    fn train_and_calibrate(&mut self, examples: &Examples, oos: &[&str]) {
        let index = &mut *self;
        // The index's classifier trains on a second thread while calibration trains its held-out
        // models and asks their questions: the two are independent, so on two idle cores the build
        // takes about a third less time (roboai: 1.4 → 0.95 s). Without a thread, they run one
        // after the other; the result is the same either way.
        let (classifier, mut samples) = std::thread::scope(|scope| {
            let index = &*index;
            let train = move || {
                if examples.is_empty() {
                    Classifier::default()
                } else {
                    index.train_classifier(examples, |_| true)
                }
            };
            match std::thread::Builder::new()
                .name("lotse-train".into())
                .spawn_scoped(scope, train)
            {
                Ok(handle) => {
                    let samples = index.held_out_samples(examples);
                    let classifier = handle
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                    (classifier, samples)
                }
                Err(_) => (train(), index.held_out_samples(examples)),
            }
        });
        index.classifier = classifier;
        // Out-of-scope sentences are negatives for the final index.
        for text in oos {
            let q = index.analyzer.analyze_query(text);
            push_sample(
                &mut samples,
                &index.score(&q, None, &index.classifier, None),
                false,
            );
        }
        index.calibration = Calibration::fit(&samples);
    }

    pub fn answers(&self) -> &[IndexAnswer] {
        &self.answers
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    pub fn calibration(&self) -> &Calibration {
        &self.calibration
    }

    pub fn doc_count(&self) -> usize {
        self.docs.len()
    }

    /// Ranks the answers for a question. `allowed` restricts the candidates (e.g. to emergency answers).
    pub fn rank(&self, question: &str, allowed: Option<&dyn Fn(&IndexAnswer) -> bool>) -> Ranking {
        let analysis = self.analyzer.analyze_query(question);
        let candidates = self.score(&analysis, None, &self.classifier, allowed);
        let confidence = self.confidence_of(&candidates);
        Ranking {
            confidence,
            notes: analysis.notes,
            terms: analysis
                .terms
                .iter()
                .map(|t| format!("{} ({:.1})", t.stem, t.weight))
                .collect(),
            candidates,
        }
    }

    fn confidence_of(&self, candidates: &[Candidate]) -> f32 {
        let s1 = candidates.first().map_or(0.0, |c| c.score);
        let s2 = candidates.get(1).map_or(0.0, |c| c.score);
        self.calibration.probability(s1, s1 - s2)
    }

    /// Scores all answers; `exclude` leaves one document out and `classifier` may be one trained
    /// without it (both for calibration).
    fn score(
        &self,
        q: &Analysis,
        exclude: Option<u32>,
        classifier: &Classifier,
        allowed: Option<&dyn Fn(&IndexAnswer) -> bool>,
    ) -> Vec<Candidate> {
        let cfg = &self.config;
        let n = self.docs.len();
        let mut bm25 = vec![0.0f32; n];
        let mut ngram = vec![0.0f32; n];

        // BM25, normalised by what a perfect single-occurrence match of every query term would score.
        let mut tf_q: Vec<(&str, f32)> = Vec::with_capacity(q.terms.len());
        for t in &q.terms {
            match tf_q.iter_mut().find(|(s, _)| *s == t.stem) {
                Some((_, w)) => *w += t.weight,
                None => tf_q.push((t.stem.as_str(), t.weight)),
            }
        }
        let mut max_possible = 0.0f32;
        for (stem, wq) in &tf_q {
            let wq = wq.min(1.5);
            match self.terms.get(*stem) {
                Some(p) => {
                    max_possible += wq * p.idf;
                    for &(d, tf) in &p.docs {
                        let len = self.docs[d as usize].len;
                        let norm =
                            cfg.bm25_k1 * (1.0 - cfg.bm25_b + cfg.bm25_b * len / self.avg_len);
                        bm25[d as usize] += wq * p.idf * tf * (cfg.bm25_k1 + 1.0) / (tf + norm);
                    }
                }
                // A word the knowledge base never uses still counts against every answer.
                None => max_possible += wq * 0.5 * self.max_idf,
            }
        }
        let bm25_scale = if max_possible > 0.0 {
            1.0 / (max_possible * (cfg.bm25_k1 + 1.0) / (1.0 + cfg.bm25_k1))
        } else {
            0.0
        };

        // n-gram cosine per doc and to each answer centroid.
        let counts = gram_counts(q);
        let mut qv: Vec<(u64, f32)> = counts
            .iter()
            .map(|(k, c)| {
                let idf = self.grams.get(k).map_or(self.max_idf + 1.0, |p| p.idf);
                (*k, (1.0 + c.ln()) * idf)
            })
            .collect();
        // Sorted so that sums are added in the same order every time (deterministic ties).
        qv.sort_unstable_by_key(|(k, _)| *k);
        l2_normalise(&mut qv);
        let mut clf = vec![0.0f32; self.answers.len()];
        if classifier.n_classes() == self.answers.len() {
            classifier.add_scores(&classifier::features(q), &mut clf);
        }
        let mut centroid = vec![0.0f32; self.answers.len()];
        for (k, x) in &qv {
            if let Some(p) = self.grams.get(k) {
                for &(d, w) in &p.docs {
                    ngram[d as usize] += x * w;
                }
            }
            if let Some(list) = self.centroids.get(k) {
                for &(a, w) in list {
                    centroid[a as usize] += x * w;
                }
            }
        }

        if let Some(d) = exclude {
            // The centroid without the left-out doc: (C·q − v·q) / ‖C − v‖, with ‖v‖ = 1.
            let doc = &self.docs[d as usize];
            let a = doc.answer as usize;
            let norm = self.centroid_norms[a];
            let rest = (norm * norm - 2.0 * doc.centroid_dot + 1.0).max(0.0).sqrt();
            centroid[a] = if rest > 1e-3 {
                (norm * centroid[a] - ngram[d as usize]) / rest
            } else {
                0.0
            };
        }

        // Best document per answer.
        let mut best: Vec<Option<(f32, f32, f32, u32)>> = vec![None; self.answers.len()];
        for d in 0..n {
            if exclude == Some(d as u32) {
                continue;
            }
            let b = (bm25[d] * bm25_scale).min(1.0);
            let g = ngram[d];
            let s = cfg.weight_bm25 * b + cfg.weight_ngram * g;
            let a = self.docs[d].answer as usize;
            if best[a].is_none_or(|(bs, ..)| s > bs) {
                best[a] = Some((s, b, g, d as u32));
            }
        }
        let mut candidates: Vec<Candidate> = best
            .iter()
            .enumerate()
            .filter_map(|(a, b)| {
                let (s, b, g, d) = (*b)?;
                let answer = &self.answers[a];
                if let Some(allowed) = allowed
                    && !allowed(answer)
                {
                    return None;
                }
                let c = centroid[a];
                let doc = &self.docs[d as usize];
                Some(Candidate {
                    answer: a,
                    id: answer.id.clone(),
                    score: s + cfg.weight_centroid * c + cfg.weight_classifier * clf[a],
                    bm25: b,
                    ngram: g,
                    centroid: c,
                    classifier: clf[a],
                    matched: doc.text.clone(),
                    matched_kind: doc.kind,
                })
            })
            .filter(|c| c.score > 0.0)
            .collect();
        candidates.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        candidates.truncate(5);
        candidates
    }

    /// Trains the classifier on the docs that `include` accepts.
    fn train_classifier(&self, examples: &Examples, include: impl Fn(usize) -> bool) -> Classifier {
        let cfg = &self.config;
        let train = TrainConfig {
            epochs: cfg.classifier_epochs as usize,
            c: cfg.classifier_c,
            ..TrainConfig::default()
        };
        Classifier::train(examples, include, self.answers.len(), train)
    }

    /// Calibration samples from questions whose answer is known, asked of an index that has not
    /// seen them: held-out variants (positives and near misses; out-of-scope negatives are added
    /// by `build`). The similarity parts leave the variant out (of its centroid too); the
    /// classifier is retrained without the held-out fold, because a classifier trained on a
    /// variant recognises it far more confidently than any new question. Folds are added until
    /// about `MAX_HELD_OUT` variants are held out, which bounds the extra training to about four
    /// times that many examples; at most about `MAX_ASKED` of them are asked (a few hundred
    /// samples are plenty for three parameters, and each question costs a full ranking).
    fn held_out_samples(&self, examples: &Examples) -> Vec<Sample> {
        const MAX_HELD_OUT: usize = 1500;
        const MAX_ASKED: usize = 1000;
        const FOLDS: usize = 5;
        // A variant's fold is its position among its answer's variants, shifted by the answer so
        // that answers with a single variant do not all land in fold 0.
        let mut seen = vec![0usize; self.answers.len()];
        let folds: Vec<Option<usize>> = self
            .docs
            .iter()
            .map(|d| {
                (d.kind == DocKind::Variant).then(|| {
                    let a = d.answer as usize;
                    seen[a] += 1;
                    (seen[a] - 1 + a) % FOLDS
                })
            })
            .collect();
        let per_fold = folds.iter().flatten().count().div_ceil(FOLDS).max(1);
        let n_folds = ((MAX_HELD_OUT + per_fold / 2) / per_fold).clamp(1, FOLDS);
        let step = (n_folds * per_fold).div_ceil(MAX_ASKED).max(1);
        let mut samples = Vec::new();
        for fold in 0..n_folds {
            let held_out = |d: usize| folds[d] == Some(fold);
            let classifier = if examples.is_empty() {
                Classifier::default()
            } else {
                self.train_classifier(examples, |d| !held_out(d))
            };
            for d in (0..self.docs.len()).filter(|&d| held_out(d)).step_by(step) {
                let doc = &self.docs[d];
                let q = self.analyzer.analyze_query(&doc.text);
                let cands = self.score(&q, Some(d as u32), &classifier, None);
                let correct = cands
                    .first()
                    .is_some_and(|top| top.answer == doc.answer as usize);
                push_sample(&mut samples, &cands, correct);
            }
        }
        samples
    }

    /// Number of stored classifier weights and the classifier's approximate heap bytes.
    pub fn classifier_size(&self) -> (usize, usize) {
        (self.classifier.weight_count(), self.classifier.heap_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(id: &str, questions: &[&str]) -> IndexAnswer {
        IndexAnswer {
            id: id.into(),
            title: questions[0].into(),
            topics: vec![id.into()],
            questions: questions.iter().map(|s| s.to_string()).collect(),
            keywords: vec![],
        }
    }

    fn index() -> Index {
        Index::build(
            vec![
                answer(
                    "kaution",
                    &[
                        "Zahlt das Jobcenter die Kaution?",
                        "Mietkaution übernehmen",
                        "kaution für neue wohnung",
                    ],
                ),
                answer(
                    "regelsatz",
                    &[
                        "Wie hoch ist der Regelsatz?",
                        "Wie viel Geld bekomme ich im Monat?",
                        "regelbedarf höhe",
                    ],
                ),
                answer(
                    "wba",
                    &[
                        "Wie stelle ich den Weiterbewilligungsantrag?",
                        "Antrag auf Weiterbewilligung",
                        "wba abgeben",
                    ],
                ),
            ],
            Synonyms::default(),
            EngineConfig::default(),
            &["Wie wird das Wetter morgen?"],
        )
    }

    #[test]
    fn rebuild_keeps_the_calibration_and_learns_new_variants() {
        let idx = index();
        let calibration = *idx.calibration();
        let mut answers = idx.answers().to_vec();
        answers[0]
            .questions
            .push("Geld für die Hinterlegung beim Vermieter".into());
        let quick = Index::rebuild(
            answers,
            Synonyms::default(),
            EngineConfig::default(),
            calibration,
        );
        assert_eq!(*quick.calibration(), calibration);
        let r = quick.rank("Geld für die Hinterlegung beim Vermieter", None);
        assert_eq!(
            r.candidates.first().map(|c| c.id.as_str()),
            Some(idx.answers()[0].id.as_str())
        );
    }

    #[test]
    fn ranks_the_matching_answer_first() {
        let idx = index();
        for (q, want) in [
            ("Wer zahlt meine Kaution?", "kaution"),
            ("regelsatz wie hoch", "regelsatz"),
            ("weiterbewilligungsantrag stellen", "wba"),
            ("Kauzion", "kaution"),
        ] {
            let r = idx.rank(q, None);
            assert_eq!(
                r.candidates.first().map(|c| c.id.as_str()),
                Some(want),
                "{q}: {:?}",
                r.candidates
            );
        }
    }

    #[test]
    fn unrelated_questions_get_low_confidence() {
        let idx = index();
        let r = idx.rank("Welche Pizza schmeckt am besten?", None);
        assert!(
            r.confidence < idx.config().answer_threshold,
            "{}",
            r.confidence
        );
    }

    #[test]
    fn allowed_filter_restricts_candidates() {
        let idx = index();
        let only_wba = |a: &IndexAnswer| a.id == "wba";
        let r = idx.rank("Kaution", Some(&only_wba));
        assert!(r.candidates.iter().all(|c| c.id == "wba"));
    }

    #[test]
    fn candidates_carry_the_classifier_part() {
        let idx = index();
        assert!(idx.classifier_size().0 > 0);
        let r = idx.rank("Wer übernimmt die Mietkaution?", None);
        let top = &r.candidates[0];
        assert_eq!(top.id, "kaution");
        assert!(
            r.candidates[1..]
                .iter()
                .all(|c| c.classifier < top.classifier),
            "{:?}",
            r.candidates
        );
        let parts = top.bm25 * 0.15 + top.ngram * 0.05 + top.centroid * 0.05 + top.classifier;
        assert!((top.score - parts).abs() < 1e-5, "{top:?}");
    }

    #[test]
    fn works_without_the_classifier() {
        let config = EngineConfig {
            weight_classifier: 0.0,
            ..EngineConfig::default()
        };
        let idx = Index::build(
            vec![
                answer("kaution", &["Zahlt das Jobcenter die Kaution?"]),
                answer("regelsatz", &["Wie hoch ist der Regelsatz?"]),
            ],
            Synonyms::default(),
            config,
            &[],
        );
        assert_eq!(idx.classifier_size().0, 0);
        let r = idx.rank("Kaution zahlen", None);
        assert_eq!(r.candidates[0].id, "kaution");
        assert_eq!(r.candidates[0].classifier, 0.0);
    }

    #[test]
    fn leaving_a_doc_out_removes_it_from_its_centroid() {
        let idx = index();
        let d = idx
            .docs
            .iter()
            .position(|d| d.text == "Mietkaution übernehmen")
            .unwrap_or(usize::MAX);
        let q = idx.analyzer.analyze_query("Mietkaution übernehmen");
        let all = idx.score(&q, None, &idx.classifier, None);
        let left_out = idx.score(&q, Some(d as u32), &Classifier::default(), None);
        let full = all
            .iter()
            .find(|c| c.id == "kaution")
            .map(|c| c.centroid)
            .unwrap_or(0.0);
        let without = left_out
            .iter()
            .find(|c| c.id == "kaution")
            .map(|c| c.centroid)
            .unwrap_or(1.0);
        assert!(without < full, "{without} vs {full}");
        assert!(left_out.iter().all(|c| c.classifier == 0.0));
        assert!(
            left_out
                .iter()
                .all(|c| c.matched != "Mietkaution übernehmen")
        );
    }

    #[test]
    fn centroid_without_a_doc_matches_the_rest_of_the_answer() {
        // Without its only variant, an answer's centroid is its title's vector, so the centroid
        // part equals the title's n-gram cosine.
        let idx = Index::build(
            vec![
                answer("kaution", &["Mietkaution übernehmen"]),
                answer("regelsatz", &["Wie hoch ist der Regelsatz?"]),
            ],
            Synonyms::default(),
            EngineConfig::default(),
            &[],
        );
        let d = idx
            .docs
            .iter()
            .position(|d| d.kind == DocKind::Variant && d.answer == 0)
            .unwrap_or(usize::MAX);
        let q = idx.analyzer.analyze_query("Kaution übernehmen");
        let cands = idx.score(&q, Some(d as u32), &Classifier::default(), None);
        let c = cands
            .iter()
            .find(|c| c.id == "kaution")
            .expect("kaution is a candidate");
        assert_eq!(c.matched_kind, DocKind::Title);
        assert!((c.centroid - c.ngram).abs() < 1e-4, "{c:?}");
    }

    #[test]
    fn calibration_is_fitted_on_held_out_questions() {
        let topics = [
            "miete",
            "kaution",
            "regelsatz",
            "umzug",
            "heizung",
            "strom",
            "kita",
            "fahrtkosten",
        ];
        let answers: Vec<IndexAnswer> = topics
            .iter()
            .map(|t| {
                let qs = [
                    format!("Frage zu {t}"),
                    format!("{t} beantragen"),
                    format!("Wer zahlt {t}?"),
                    format!("{t} Hilfe"),
                ];
                answer(t, &qs.iter().map(String::as_str).collect::<Vec<_>>())
            })
            .collect();
        let idx = Index::build(answers, Synonyms::default(), EngineConfig::default(), OOS);
        let c = idx.calibration();
        assert!(
            c.samples >= 20 && c.bias.is_finite() && c.w_top.is_finite() && c.w_margin.is_finite(),
            "{c:?}"
        );
        let known = idx.rank("Wer zahlt die Kaution?", None);
        let unknown = idx.rank("Welche Pizza schmeckt am besten?", None);
        assert_eq!(known.candidates[0].id, "kaution");
        assert!(
            known.confidence > unknown.confidence,
            "{} vs {}",
            known.confidence,
            unknown.confidence
        );
    }

    const OOS: &[&str] = &[
        "Wie wird das Wetter morgen?",
        "Welche Pizza schmeckt am besten?",
        "Was läuft heute im Kino?",
    ];
}
