//! The answering engine: an in-memory index over one tenant's answers, ranking and confidence.
//!
//! Ranking combines, per answer,
//! - the best question variant (or title/keywords) by BM25 over analysed terms,
//! - the best variant by character n-gram (3–5) TF-IDF cosine, which survives typos and word forms,
//! - the cosine to the answer's centroid over all its variants (a Rocchio classifier), which
//!   rewards answers whose variants *together* cover the question.
//!
//! Confidence is a logistic function of the best score and the margin to the second-best answer,
//! fitted when the index is built from leave-one-out questions (each variant asked against the
//! others) and from out-of-scope sentences, so `confidence` estimates P(the top answer is right).

use std::collections::HashMap;

use serde::Serialize;

use crate::analyze::{Analysis, Analyzer, Synonyms};
use crate::calibrate::{Calibration, Sample};

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
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            answer_threshold: 0.5,
            clarify_threshold: 0.25,
            clarify_ratio: 0.85,
            min_score: 0.15,
            weight_bm25: 0.45,
            weight_ngram: 0.25,
            weight_centroid: 0.30,
            bm25_k1: 1.2,
            bm25_b: 0.5,
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

fn l2_normalise(v: &mut [(u64, f32)]) {
    let norm = v.iter().map(|(_, x)| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, x) in v.iter_mut() {
            *x /= norm;
        }
    }
}

impl Index {
    /// Builds the index. `oos` are out-of-scope sentences used as negatives for calibration.
    pub fn build(
        answers: Vec<IndexAnswer>,
        synonyms: Synonyms,
        config: EngineConfig,
        oos: &[&str],
    ) -> Self {
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
        for (di, g) in doc_grams.iter().enumerate() {
            let mut v: Vec<(u64, f32)> = g
                .iter()
                .map(|(k, c)| (*k, (1.0 + c.ln()) * gram_idf(k)))
                .collect();
            l2_normalise(&mut v);
            let acc = &mut centroid_acc[docs[di].answer as usize];
            for (k, x) in v {
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
        }
        let mut centroids: HashMap<u64, Vec<(u32, f32)>> = HashMap::new();
        for (ai, acc) in centroid_acc.into_iter().enumerate() {
            let mut v: Vec<(u64, f32)> = acc.into_iter().collect();
            l2_normalise(&mut v);
            for (k, x) in v {
                centroids.entry(k).or_default().push((ai as u32, x));
            }
        }

        let mut index = Index {
            analyzer,
            config,
            answers,
            docs,
            avg_len,
            terms,
            max_idf,
            grams,
            centroids,
            calibration: Calibration::default(),
        };
        index.calibration = index.fit_calibration(oos);
        index
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
        let candidates = self.score(&analysis, None, allowed);
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

    /// Scores all answers; `exclude` leaves one document out (for calibration).
    fn score(
        &self,
        q: &Analysis,
        exclude: Option<u32>,
        allowed: Option<&dyn Fn(&IndexAnswer) -> bool>,
    ) -> Vec<Candidate> {
        let cfg = &self.config;
        let n = self.docs.len();
        let mut bm25 = vec![0.0f32; n];
        let mut ngram = vec![0.0f32; n];

        // BM25, normalised by what a perfect single-occurrence match of every query term would score.
        let mut tf_q: HashMap<&str, f32> = HashMap::new();
        for t in &q.terms {
            *tf_q.entry(t.stem.as_str()).or_default() += t.weight;
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
        l2_normalise(&mut qv);
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
                    score: s + cfg.weight_centroid * c,
                    bm25: b,
                    ngram: g,
                    centroid: c,
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

    /// Leave-one-out questions (positives and near misses) plus out-of-scope sentences (negatives).
    fn fit_calibration(&self, oos: &[&str]) -> Calibration {
        const MAX_SAMPLES: usize = 1500;
        let variants: Vec<usize> = (0..self.docs.len())
            .filter(|&d| self.docs[d].kind == DocKind::Variant)
            .collect();
        let step = variants.len().div_ceil(MAX_SAMPLES).max(1);
        let mut samples = Vec::new();
        for &d in variants.iter().step_by(step) {
            let doc = &self.docs[d];
            let q = self.analyzer.analyze_query(&doc.text);
            let cands = self.score(&q, Some(d as u32), None);
            let Some(top) = cands.first() else { continue };
            let s2 = cands.get(1).map_or(0.0, |c| c.score);
            samples.push(Sample {
                top: top.score,
                margin: top.score - s2,
                correct: top.answer == doc.answer as usize,
            });
        }
        for text in oos {
            let q = self.analyzer.analyze_query(text);
            let cands = self.score(&q, None, None);
            let Some(top) = cands.first() else { continue };
            let s2 = cands.get(1).map_or(0.0, |c| c.score);
            samples.push(Sample {
                top: top.score,
                margin: top.score - s2,
                correct: false,
            });
        }
        Calibration::fit(&samples)
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
}
