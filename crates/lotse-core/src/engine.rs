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
use crate::lang;
use crate::semantic::{self, Best, HybridFit, SemanticIndex, Vectors};

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
    /// A German question whose lexical confidence reaches this is answered without asking the
    /// embedding model (it would not change the answer, and costs tens of milliseconds).
    pub semantic_skip: f32,
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
            semantic_skip: 0.9,
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
    /// Texts matched only by meaning, not by words: the titles and questions of the answer's
    /// language versions (English, Leichte Sprache, …).
    pub semantic_texts: Vec<String>,
    /// The answer's text (German). Not matched; its words are real words, which a question is
    /// never spelling-corrected away from (see `Analyzer::with_plain_words`).
    pub body: String,
}

impl IndexAnswer {
    /// The texts an answer is matched by meaning: variants, title, language versions' texts.
    pub fn meaning_texts(&self) -> impl Iterator<Item = &String> {
        self.questions
            .iter()
            .chain(std::iter::once(&self.title))
            .chain(self.semantic_texts.iter())
    }
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
    /// The lexical score (BM25, n-grams, centroid, classifier); `score` when no model was asked.
    pub lexical: f32,
    /// The best cosine similarity of the question's sentence vector to one of the answer's texts,
    /// when the embedding model was asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub semantic: Option<f32>,
    /// The text that `semantic` was reached with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub semantic_matched: Option<String>,
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
    /// True when the embedding model's similarity is part of the scores.
    pub semantic: bool,
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
    semantic: Option<SemanticIndex>,
    hybrid: HybridFit,
}

/// How the similarity is combined with the lexical score.
#[derive(Clone, Copy)]
enum Mix {
    /// German: `lexical + w·similarity`.
    German(f32),
    /// Other languages: `w·lexical + similarity`.
    Foreign(f32),
}

/// The lexical part of one answer's score.
#[derive(Clone, Copy)]
struct Lex {
    score: f32,
    bm25: f32,
    ngram: f32,
    centroid: f32,
    classifier: f32,
    doc: u32,
}

/// A held-out variant asked of an index that has not seen it: its lexical score per answer.
struct HeldOut {
    doc: u32,
    lex: Vec<Option<Lex>>,
}

/// Top score and margin of a list of scores; `None` when nothing scored above 0.
fn top_and_margin(scores: impl Iterator<Item = f32>) -> Option<(usize, f32, f32)> {
    let (mut best, mut s1, mut s2) = (None, 0.0f32, 0.0f32);
    for (i, s) in scores.enumerate() {
        if s <= 0.0 {
            continue;
        }
        if best.is_none() || s > s1 {
            s2 = s1;
            s1 = s;
            best = Some(i);
        } else if s > s2 {
            s2 = s;
        }
    }
    best.map(|b| (b, s1, s1 - s2))
}

const GRAM_MIN: usize = 3;
const GRAM_MAX: usize = 5;

/// The lexical score of every answer (0 for an answer without any document).
fn lex_scores(lex: &[Option<Lex>]) -> impl Iterator<Item = f32> + '_ {
    lex.iter().map(|l| l.map_or(0.0, |l| l.score))
}

/// The index of the best of some per-answer scores (`None` when none is above 0).
fn first_of(scores: impl Iterator<Item = f32>) -> Option<usize> {
    top_and_margin(scores).map(|(best, ..)| best)
}

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
        Index::build_hybrid(answers, synonyms, config, oos, None)
    }

    /// Like [`Index::build`], with sentence vectors of the answers' texts (and of the `oos`
    /// sentences): the index then ranks by meaning too, and the weight of the similarity and the
    /// hybrid confidence are fitted on the same held-out variants as the lexical calibration.
    pub fn build_hybrid(
        answers: Vec<IndexAnswer>,
        synonyms: Synonyms,
        config: EngineConfig,
        oos: &[&str],
        vectors: Option<&Vectors>,
    ) -> Self {
        let (mut index, examples) = Index::assemble(answers, synonyms, config);
        index.semantic = vectors.and_then(|v| SemanticIndex::build(&index.answers, v));
        index.train_and_calibrate(&examples, oos, vectors);
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
        Index::rebuild_hybrid(answers, synonyms, config, calibration, None, None)
    }

    /// Like [`Index::rebuild`] with sentence vectors and the previous index's hybrid fit.
    pub fn rebuild_hybrid(
        answers: Vec<IndexAnswer>,
        synonyms: Synonyms,
        config: EngineConfig,
        calibration: Calibration,
        hybrid: Option<HybridFit>,
        vectors: Option<&Vectors>,
    ) -> Self {
        let (mut index, examples) = Index::assemble(answers, synonyms, config);
        if !examples.is_empty() {
            index.classifier = index.train_classifier(&examples, |_| true);
        }
        index.calibration = calibration;
        index.semantic = vectors.and_then(|v| SemanticIndex::build(&index.answers, v));
        index.hybrid = hybrid.unwrap_or_default();
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
        let analyzer = Analyzer::new(texts, synonyms)
            .with_plain_words(answers.iter().map(|a| a.body.as_str()));

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
            semantic: None,
            hybrid: HybridFit::default(),
        };
        (index, examples)
    }

    fn train_and_calibrate(
        &mut self,
        examples: &Examples,
        oos: &[&str],
        vectors: Option<&Vectors>,
    ) {
        let index = &mut *self;
        // The index's classifier trains on a second thread while calibration trains its held-out
        // models and asks their questions: the two are independent, so on two idle cores the build
        // takes about a third less time (roboai: 1.4 → 0.95 s). Without a thread, they run one
        // after the other; the result is the same either way.
        let (classifier, held_out) = std::thread::scope(|scope| {
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
                    let held_out = index.held_out(examples);
                    let classifier = handle
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                    (classifier, held_out)
                }
                Err(_) => (train(), index.held_out(examples)),
            }
        });
        index.classifier = classifier;
        let mut samples: Vec<Sample> = held_out
            .iter()
            .filter_map(|h| {
                let (best, top, margin) = top_and_margin(lex_scores(&h.lex))?;
                Some(Sample {
                    top,
                    margin,
                    agree: false,
                    correct: best == index.docs[h.doc as usize].answer as usize,
                })
            })
            .collect();
        // Out-of-scope sentences are negatives for the final index.
        let oos_lex: Vec<Vec<Option<Lex>>> = oos
            .iter()
            .map(|text| {
                let q = index.analyzer.analyze_query(text);
                index.lexical(&q, None, &index.classifier)
            })
            .collect();
        for lex in &oos_lex {
            if let Some((_, top, margin)) = top_and_margin(lex_scores(lex)) {
                samples.push(Sample {
                    top,
                    margin,
                    agree: false,
                    correct: false,
                });
            }
        }
        index.calibration = Calibration::fit(&samples);
        if let (Some(vectors), Some(_)) = (vectors, &index.semantic) {
            index.hybrid = index.fit_hybrid(&held_out, oos, &oos_lex, vectors);
        }
    }

    /// Chooses the weight of the similarity on the held-out variants (the one with the most right
    /// first answers; the smallest of equals) and fits the hybrid confidences. Questions in other
    /// languages are simulated by the answers' language-version questions, which the lexical
    /// index does not contain.
    fn fit_hybrid(
        &self,
        held_out: &[HeldOut],
        oos: &[&str],
        oos_lex: &[Vec<Option<Lex>>],
        vectors: &Vectors,
    ) -> HybridFit {
        let Some(sem) = &self.semantic else {
            return HybridFit::default();
        };
        let n = self.answers.len();
        struct Asked {
            lex: Vec<f32>,
            sem: Vec<f32>,
            answer: Option<usize>,
        }
        let sem_features = |text: &str, exclude: Option<u32>| -> Option<Vec<f32>> {
            let v = vectors.get(text)?;
            Some(
                sem.best_per_answer(v, n, exclude)
                    .iter()
                    .map(semantic::Best::feature)
                    .collect(),
            )
        };
        let mut german: Vec<Asked> = Vec::new();
        for h in held_out {
            let doc = &self.docs[h.doc as usize];
            let Some(sem) = sem_features(&doc.text, sem.find(&doc.text)) else {
                continue;
            };
            german.push(Asked {
                lex: lex_scores(&h.lex).collect(),
                sem,
                answer: Some(doc.answer as usize),
            });
        }
        let mut negatives: Vec<Asked> = Vec::new();
        for (text, lex) in oos.iter().zip(oos_lex) {
            if let Some(sem) = sem_features(text, None) {
                negatives.push(Asked {
                    lex: lex_scores(lex).collect(),
                    sem,
                    answer: None,
                });
            }
        }
        let mut foreign: Vec<Asked> = Vec::new();
        for (ai, a) in self.answers.iter().enumerate() {
            // Leichte Sprache versions are German: asked in German mode, not as foreign samples.
            for text in a
                .semantic_texts
                .iter()
                .filter(|t| !lang::detect(t).is_german())
            {
                let Some(sem) = sem_features(text, sem.find(text)) else {
                    continue;
                };
                let q = self.analyzer.analyze_foreign(text);
                foreign.push(Asked {
                    lex: lex_scores(&self.lexical(&q, None, &self.classifier)).collect(),
                    sem,
                    answer: Some(ai),
                });
            }
        }
        if german.len() < 20 {
            return HybridFit::default();
        }
        let mixed = |asked: &Asked, mix: Mix| {
            top_and_margin(asked.lex.iter().zip(&asked.sem).map(|(&l, &s)| match mix {
                Mix::German(w) => l + w * s,
                Mix::Foreign(w) => w * l + s,
            }))
        };
        let right = |asked: &[Asked], mix: Mix| {
            asked
                .iter()
                .filter(|q| mixed(q, mix).is_some_and(|(best, ..)| Some(best) == q.answer))
                .count()
        };
        const GRID: [f32; 9] = [0.0, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0];
        let best_weight = |asked: &[Asked], mix: fn(f32) -> Mix, default: f32| {
            if asked.is_empty() {
                return default;
            }
            let mut best = (0usize, default);
            for (i, &w) in GRID.iter().enumerate() {
                let r = right(asked, mix(w));
                if i == 0 || r > best.0 {
                    best = (r, w);
                }
            }
            best.1
        };
        let w_semantic = best_weight(&german, Mix::German, 0.5);
        let w_lexical_foreign = best_weight(&foreign, Mix::Foreign, 0.25);
        let samples_of = |asked: &[Asked], mix: Mix| -> Vec<Sample> {
            asked
                .iter()
                .chain(&negatives)
                .filter_map(|q| {
                    let (best, top, margin) = mixed(q, mix)?;
                    let by_meaning = first_of(q.sem.iter().copied());
                    let agree = match mix {
                        Mix::German(_) => by_meaning.is_some_and(|m| self.same_topic(m, best)),
                        Mix::Foreign(_) => by_meaning
                            .zip(first_of(q.lex.iter().copied()))
                            .is_some_and(|(m, w)| self.same_topic(m, w)),
                    };
                    Some(Sample {
                        top,
                        margin,
                        agree,
                        correct: Some(best) == q.answer,
                    })
                })
                .collect()
        };
        let calibration = Calibration::fit(&samples_of(&german, Mix::German(w_semantic)));
        // Questions in other languages: the language versions' questions are close translations
        // of variants and would make the confidence too optimistic for real questions, so the
        // held-out German variants asked by meaning (unseen phrasings) are samples too.
        let mut foreign_samples = samples_of(&foreign, Mix::Foreign(w_lexical_foreign));
        // (Every third one: enough to temper the translations, not so many that they dominate.)
        foreign_samples.extend(
            samples_of(&german, Mix::Foreign(w_lexical_foreign))
                .into_iter()
                .step_by(3),
        );
        let foreign_cal = Calibration::fit(&foreign_samples);
        let total = german.len() as f32;
        HybridFit {
            w_semantic,
            w_lexical_foreign,
            calibration,
            foreign: foreign_cal,
            samples: german.len(),
            accuracy_lexical: right(&german, Mix::German(0.0)) as f32 / total,
            accuracy_hybrid: right(&german, Mix::German(w_semantic)) as f32 / total,
        }
    }

    pub fn answers(&self) -> &[IndexAnswer] {
        &self.answers
    }

    /// Whether two answers share a topic (a topic's several focused answers are one "right
    /// topic" for the quality bar: SPEC, "the returned answer's topic is right").
    fn same_topic(&self, a: usize, b: usize) -> bool {
        a == b || {
            let (ta, tb) = (&self.answers[a].topics, &self.answers[b].topics);
            ta.iter().any(|t| tb.contains(t))
        }
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    pub fn calibration(&self) -> &Calibration {
        &self.calibration
    }

    /// What the hybrid ranking learnt (the default when the index has no vectors).
    pub fn hybrid(&self) -> &HybridFit {
        &self.hybrid
    }

    /// True when the index has sentence vectors and can rank by meaning.
    pub fn has_semantic(&self) -> bool {
        self.semantic.is_some()
    }

    /// Number of texts with a sentence vector.
    pub fn semantic_len(&self) -> usize {
        self.semantic.as_ref().map_or(0, SemanticIndex::len)
    }

    pub fn doc_count(&self) -> usize {
        self.docs.len()
    }

    /// Ranks the answers for a question. `allowed` restricts the candidates (e.g. to emergency answers).
    pub fn rank(&self, question: &str, allowed: Option<&dyn Fn(&IndexAnswer) -> bool>) -> Ranking {
        self.rank_with(question, None, true, allowed)
    }

    /// Ranks with the question's sentence vector `qvec` (when the index has vectors), for a
    /// German question (`german`) or one in another language.
    pub fn rank_with(
        &self,
        question: &str,
        qvec: Option<&[f32]>,
        german: bool,
        allowed: Option<&dyn Fn(&IndexAnswer) -> bool>,
    ) -> Ranking {
        let analysis = if german {
            self.analyzer.analyze_query(question)
        } else {
            self.analyzer.analyze_foreign(question)
        };
        let lex = self.lexical(&analysis, None, &self.classifier);
        // A German question without a single word of the knowledge base (after spelling
        // correction) matched nothing: its lexical scores are letter-sequence noise ("Xylophon
        // Quadratwurzel Gurkensalat" shares a few n-grams with "Quadratmeter"), and the model's
        // similarities of such word salad (0.83–0.86) are as high as those of real translations,
        // so neither may turn it into a clarify. (Questions in other languages have no German
        // words by nature; the meaning carries them.)
        let nothing_matched = german
            && analysis
                .terms
                .iter()
                .all(|t| !self.terms.contains_key(&t.stem));
        let semantic = match (qvec, &self.semantic) {
            (Some(q), Some(sem)) => {
                let mix = if german {
                    Mix::German(self.hybrid.w_semantic)
                } else {
                    Mix::Foreign(self.hybrid.w_lexical_foreign)
                };
                Some((sem.best_per_answer(q, self.answers.len(), None), mix))
            }
            _ => None,
        };
        let candidates = self.finish(
            &lex,
            semantic.as_ref().map(|(b, m)| (b.as_slice(), *m)),
            allowed,
        );
        // The agreement feature of the calibration (see `fit_hybrid`): for a German question,
        // the meaning alone points to the chosen answer's topic; for one in another language,
        // its words (through the glossary) and its meaning point to the same topic.
        let by_meaning = semantic
            .as_ref()
            .and_then(|(best, _)| first_of(best.iter().map(semantic::Best::feature)));
        let agree = match (&semantic, by_meaning) {
            (Some((_, Mix::German(_))), Some(m)) => candidates
                .first()
                .is_some_and(|c1| self.same_topic(m, c1.answer)),
            (Some((_, Mix::Foreign(_))), Some(m)) => {
                first_of(lex_scores(&lex)).is_some_and(|w| self.same_topic(m, w))
            }
            _ => false,
        };
        let calibration = match semantic {
            None => &self.calibration,
            Some((_, Mix::German(_))) => &self.hybrid.calibration,
            Some((_, Mix::Foreign(_))) => &self.hybrid.foreign,
        };
        let s1 = candidates.first().map_or(0.0, |c| c.score);
        let s2 = candidates.get(1).map_or(0.0, |c| c.score);
        let mut confidence = if nothing_matched {
            0.0
        } else {
            calibration.probability(s1, s1 - s2, agree)
        };
        // A question in another language is answered outright only when its words and its
        // meaning agree: either alone is a weak witness across languages (the glossary knows
        // single words, the model confuses neighbours). A topic's several focused answers count
        // as one here, as in the quality bar ("the returned answer's topic is right").
        if matches!(semantic, Some((_, Mix::Foreign(_))))
            && !analysis.translated.is_empty()
            && !agree
        {
            confidence = confidence.min(self.config.answer_threshold - 0.01);
        }
        Ranking {
            confidence,
            notes: analysis.notes,
            terms: analysis
                .terms
                .iter()
                .map(|t| format!("{} ({:.1})", t.stem, t.weight))
                .collect(),
            candidates,
            semantic: semantic.is_some(),
        }
    }

    /// Scores all answers lexically and returns the best five; `exclude` leaves one document
    /// out and `classifier` may be one trained without it (both for calibration).
    #[cfg(test)]
    fn score(
        &self,
        q: &Analysis,
        exclude: Option<u32>,
        classifier: &Classifier,
        allowed: Option<&dyn Fn(&IndexAnswer) -> bool>,
    ) -> Vec<Candidate> {
        self.finish(&self.lexical(q, exclude, classifier), None, allowed)
    }

    /// Combines the lexical parts with the similarity (if any), filters, sorts and keeps the
    /// best five.
    fn finish(
        &self,
        lex: &[Option<Lex>],
        semantic: Option<(&[Best], Mix)>,
        allowed: Option<&dyn Fn(&IndexAnswer) -> bool>,
    ) -> Vec<Candidate> {
        let sem = self.semantic.as_ref();
        let mut candidates: Vec<Candidate> = lex
            .iter()
            .enumerate()
            .filter_map(|(a, l)| {
                let l = (*l)?;
                let answer = &self.answers[a];
                if let Some(allowed) = allowed
                    && !allowed(answer)
                {
                    return None;
                }
                let doc = &self.docs[l.doc as usize];
                let (score, semantic, semantic_matched) = match semantic {
                    None => (l.score, None, None),
                    Some((best, mix)) => {
                        let b = best[a];
                        let f = b.feature();
                        let score = match mix {
                            Mix::German(w) => l.score + w * f,
                            Mix::Foreign(w) => w * l.score + f,
                        };
                        let matched = (b.cosine > 0.0)
                            .then(|| sem.map(|s| s.text(b.text).to_owned()))
                            .flatten();
                        (score, Some(b.cosine), matched)
                    }
                };
                Some(Candidate {
                    answer: a,
                    id: answer.id.clone(),
                    score,
                    bm25: l.bm25,
                    ngram: l.ngram,
                    centroid: l.centroid,
                    classifier: l.classifier,
                    lexical: l.score,
                    semantic,
                    semantic_matched,
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

    /// The lexical score of every answer (`None` for an answer without any document).
    fn lexical(
        &self,
        q: &Analysis,
        exclude: Option<u32>,
        classifier: &Classifier,
    ) -> Vec<Option<Lex>> {
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
        let mut best: Vec<Option<Lex>> = vec![None; self.answers.len()];
        for d in 0..n {
            if exclude == Some(d as u32) {
                continue;
            }
            let b = (bm25[d] * bm25_scale).min(1.0);
            let g = ngram[d];
            let s = cfg.weight_bm25 * b + cfg.weight_ngram * g;
            let a = self.docs[d].answer as usize;
            if best[a].is_none_or(|l| s > l.score) {
                best[a] = Some(Lex {
                    score: s,
                    bm25: b,
                    ngram: g,
                    centroid: 0.0,
                    classifier: 0.0,
                    doc: d as u32,
                });
            }
        }
        for (a, l) in best.iter_mut().enumerate() {
            if let Some(l) = l {
                l.centroid = centroid[a];
                l.classifier = clf[a];
                l.score += cfg.weight_centroid * centroid[a] + cfg.weight_classifier * clf[a];
            }
        }
        best
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

    /// Questions whose answer is known, asked of an index that has not seen them: held-out
    /// variants, for the calibration (positives and near misses; out-of-scope negatives are
    /// added by `build`) and the hybrid weights. The similarity parts leave the variant out (of
    /// its centroid too); the classifier is retrained without the held-out fold, because a
    /// classifier trained on a variant recognises it far more confidently than any new question.
    /// Folds are added until about `MAX_HELD_OUT` variants are held out, which bounds the extra
    /// training to about four times that many examples; at most about `MAX_ASKED` of them are
    /// asked (a few hundred samples are plenty for three parameters, and each question costs a
    /// full ranking).
    fn held_out(&self, examples: &Examples) -> Vec<HeldOut> {
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
        let mut asked = Vec::new();
        for fold in 0..n_folds {
            let held_out = |d: usize| folds[d] == Some(fold);
            let classifier = if examples.is_empty() {
                Classifier::default()
            } else {
                self.train_classifier(examples, |d| !held_out(d))
            };
            // Every `step`-th variant by a hash of its text, not by position: adding or removing
            // variants of one answer then leaves the other answers' samples as they were (by
            // position, one new variant shifted which half of all later variants was asked, and
            // the refitted confidence moved many unrelated questions).
            let sampled =
                |d: usize| hash_gram(self.docs[d].text.as_bytes()).is_multiple_of(step as u64);
            for d in (0..self.docs.len()).filter(|&d| held_out(d) && sampled(d)) {
                let q = self.analyzer.analyze_query(&self.docs[d].text);
                asked.push(HeldOut {
                    doc: d as u32,
                    lex: self.lexical(&q, Some(d as u32), &classifier),
                });
            }
        }
        asked
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
            semantic_texts: vec![],
            body: String::new(),
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
    fn a_german_question_without_a_known_word_matched_nothing() {
        let idx = index();
        for q in ["Kautschukplantage Regenwetter", "asdf qwertz", "???"] {
            let r = idx.rank(q, None);
            assert_eq!(r.confidence, 0.0, "{q}: {:?}", r.candidates);
        }
        // One known (or corrected) word is enough for the usual ranking.
        assert!(idx.rank("Kauzion Regenwetter", None).confidence > 0.0);
        // Questions in other languages have no German words; the meaning carries them.
        let foreign = idx.rank_with("How high is the deposit?", None, false, None);
        assert!(foreign.confidence > 0.0, "{:?}", foreign.candidates);
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
