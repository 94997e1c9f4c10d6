//! From a ranking to a reply kind: `answer`, `clarify` or `fallback` (SPEC §2.1).

use serde::Serialize;

use crate::engine::{Index, IndexAnswer, Ranking};
use crate::lang;
use crate::semantic::Encoder;
use crate::special::is_emergency;

/// The kind of a reply, as the public API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Answer,
    Clarify,
    Fallback,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Answer => "answer",
            Kind::Clarify => "clarify",
            Kind::Fallback => "fallback",
        }
    }
}

/// The engine's decision for one question.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    pub kind: Kind,
    /// Index (into [`Index::answers`]) of the answer given, for `answer`.
    pub answer: Option<usize>,
    /// Indexes of the offered choices, for `clarify`.
    pub alternatives: Vec<usize>,
    pub confidence: f32,
    /// True when the emergency rules decided (the answer is an emergency answer).
    pub emergency: bool,
    /// The question's language (BCP-47 code, see [`crate::lang`]).
    pub language: &'static str,
    /// True when the language was detected with clear evidence.
    pub language_sure: bool,
    pub ranking: Ranking,
}

pub const EMERGENCY_TOPIC: &str = "notfall-krise";

/// Decides how to reply to `question` from the words alone.
pub fn decide(index: &Index, question: &str) -> Decision {
    decide_with(index, question, None)
}

/// Decides how to reply to `question`, asking `encoder` (the embedding model) for the question's
/// sentence vector when the index has vectors and the meaning can help: the question is not
/// German, or the words alone are not confident enough (`semantic_skip`). A confidently answered
/// German question costs no model call.
pub fn decide_with(index: &Index, question: &str, encoder: Option<&dyn Encoder>) -> Decision {
    // Personal data never helps to find a general answer; its unknown words only dilute scores.
    let stripped = crate::redact::strip(question);
    let question = stripped.as_str();
    let detected = lang::detect(question);
    let (language, language_sure) = (detected.code, detected.sure);
    if is_emergency(question) {
        let only_emergency = |a: &IndexAnswer| a.topics.iter().any(|t| t == EMERGENCY_TOPIC);
        let ranking = index.rank(question, Some(&only_emergency));
        let fallback_emergency = || index.answers().iter().position(only_emergency);
        if let Some(answer) = ranking
            .candidates
            .first()
            .map(|c| c.answer)
            .or_else(fallback_emergency)
        {
            return Decision {
                kind: Kind::Answer,
                answer: Some(answer),
                alternatives: Vec::new(),
                confidence: 1.0,
                emergency: true,
                language,
                language_sure,
                ranking,
            };
        }
    }
    let cfg = index.config();
    let german = detected.is_german();
    let mut ranking = index.rank(question, None);
    if let Some(encoder) = encoder
        && index.has_semantic()
        && (!german || ranking.confidence < cfg.semantic_skip)
        && let Some(qvec) = encoder.encode(question)
    {
        ranking = index.rank_with(question, Some(&qvec), german, None);
    }
    let confidence = ranking.confidence;
    let (kind, answer, alternatives) = match ranking
        .candidates
        .first()
        .filter(|c| c.score >= cfg.min_score)
    {
        Some(top) if confidence >= cfg.answer_threshold => {
            (Kind::Answer, Some(top.answer), Vec::new())
        }
        Some(top) if confidence >= cfg.clarify_threshold && ranking.candidates.len() >= 2 => {
            let close: Vec<usize> = ranking
                .candidates
                .iter()
                .enumerate()
                .filter(|(i, c)| *i < 2 || c.score >= top.score * cfg.clarify_ratio)
                .take(3)
                .map(|(_, c)| c.answer)
                .collect();
            (Kind::Clarify, None, close)
        }
        _ => (Kind::Fallback, None, Vec::new()),
    };
    Decision {
        kind,
        answer,
        alternatives,
        confidence,
        emergency: false,
        language,
        language_sure,
        ranking,
    }
}

/// Everyday questions that no job centre answers; negatives for confidence calibration.
/// Written for this purpose (not taken from any evaluation set).
pub const OUT_OF_SCOPE_SAMPLES: &[&str] = &[
    "Wie wird das Wetter morgen?",
    "Welche Pizza schmeckt am besten?",
    "Wann fährt der nächste Bus nach Frankfurt?",
    "Kannst du mir ein Rezept für Apfelkuchen geben?",
    "Wer hat gestern das Fußballspiel gewonnen?",
    "Wie viel kostet ein neues Handy?",
    "Wo kann ich günstig Urlaub machen?",
    "Was läuft heute im Kino?",
    "Wie repariere ich einen platten Fahrradreifen?",
    "Welche Partei soll ich wählen?",
    "Wie lange muss ein Ei kochen?",
    "Erzähl mir einen Witz",
    "Wie alt ist der Bundeskanzler?",
    "Wo ist die nächste Apotheke mit Notdienst?",
    "Wie mache ich eine Steuererklärung als Arbeitnehmer?",
    "Welche Autoversicherung ist die billigste?",
    "Kann ich meinen Hund mit in den Zug nehmen?",
    "Wie lerne ich am schnellsten Englisch?",
    "Was ist die Hauptstadt von Australien?",
    "Wie funktioniert eine Wärmepumpe?",
    "Wann ist der Flohmarkt in der Stadthalle?",
    "Wie melde ich mein Auto um?",
    "Welches Smartphone hat die beste Kamera?",
    "Wie kündige ich mein Fitnessstudio?",
    "Wie viele Kalorien hat eine Banane?",
    "Wo kann ich meinen Reisepass verlängern?",
    "Was kostet ein Flug nach Istanbul?",
    "Wie pflanze ich Tomaten auf dem Balkon?",
    "Welche Schule ist die beste in der Stadt?",
    "Wie spät ist es in New York?",
];
