//! The hybrid ranking with a fake sentence encoder: when the model is asked, and that meaning
//! carries questions in other languages to the right answer.

use std::sync::atomic::{AtomicUsize, Ordering};

use lotse_core::analyze::Synonyms;
use lotse_core::engine::{EngineConfig, Index, IndexAnswer};
use lotse_core::reply::{decide, decide_with};
use lotse_core::semantic::{Encoder, Vectors, texts_to_embed};

/// Concepts and the words (in several languages) that express them; a text's vector is its
/// concept counts plus a constant part, normalised, as a multilingual model would place
/// translations near each other.
const CONCEPTS: &[&[&str]] = &[
    &["kaution", "mietkaution", "deposit", "депозит", "застава"],
    &[
        "regelsatz",
        "regelbedarf",
        "geld",
        "monat",
        "money",
        "month",
        "гроші",
    ],
    &[
        "weiterbewilligung",
        "weiterbewilligungsantrag",
        "wba",
        "renewal",
        "продовження",
    ],
];

fn embed(text: &str) -> Vec<f32> {
    let mut v = vec![0.0f32; CONCEPTS.len() + 1];
    v[CONCEPTS.len()] = 1.0;
    for word in text
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        for (i, words) in CONCEPTS.iter().enumerate() {
            if words.contains(&word) {
                v[i] += 1.5;
            }
        }
    }
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter().map(|x| x / norm).collect()
}

#[derive(Default)]
struct Counting(AtomicUsize);

impl Encoder for Counting {
    fn encode(&self, text: &str) -> Option<Vec<f32>> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Some(embed(text))
    }
}

fn answer(id: &str, title: &str, questions: &[&str], versions: &[&str]) -> IndexAnswer {
    IndexAnswer {
        id: id.into(),
        title: title.into(),
        topics: vec![id.into()],
        questions: questions.iter().map(|s| s.to_string()).collect(),
        keywords: vec![],
        semantic_texts: versions.iter().map(|s| s.to_string()).collect(),
        body: String::new(),
    }
}

fn answers() -> Vec<IndexAnswer> {
    vec![
        answer(
            "kaution",
            "Übernimmt das Jobcenter die Mietkaution?",
            &[
                "Zahlt das Jobcenter die Kaution?",
                "Mietkaution übernehmen",
                "kaution für neue wohnung",
                "Wer bezahlt die Kaution beim Umzug?",
            ],
            &["Does the Jobcenter pay the rent deposit?"],
        ),
        answer(
            "regelsatz",
            "Wie hoch ist der Regelbedarf?",
            &[
                "Wie hoch ist der Regelsatz?",
                "Wie viel Geld bekomme ich im Monat?",
                "regelbedarf höhe",
                "Regelsatz 2026",
            ],
            &["How much money do I get per month?"],
        ),
        answer(
            "wba",
            "Wie stelle ich den Weiterbewilligungsantrag?",
            &[
                "Wie stelle ich den Weiterbewilligungsantrag?",
                "Antrag auf Weiterbewilligung",
                "wba abgeben",
                "Weiterbewilligung vergessen",
            ],
            &["How do I apply for a renewal?"],
        ),
    ]
}

fn hybrid_index() -> Index {
    hybrid_index_with(Synonyms::default())
}

fn hybrid_index_with(synonyms: Synonyms) -> Index {
    hybrid_index_of(answers(), synonyms)
}

fn hybrid_index_of(answers: Vec<IndexAnswer>, synonyms: Synonyms) -> Index {
    let oos = ["Wie wird das Wetter morgen?"];
    let vectors: Vectors = texts_to_embed(&answers, &oos)
        .into_iter()
        .map(|t| (t.to_owned(), embed(t)))
        .collect();
    Index::build_hybrid(
        answers,
        synonyms,
        EngineConfig::default(),
        &oos,
        Some(&vectors),
    )
}

#[test]
fn a_confident_german_question_costs_no_model_call() {
    let index = hybrid_index();
    assert!(index.has_semantic());
    let encoder = Counting::default();
    let d = decide_with(&index, "Zahlt das Jobcenter die Kaution?", Some(&encoder));
    assert_eq!(index.answers()[d.answer.expect("answered")].id, "kaution");
    assert!(d.ranking.confidence >= index.config().semantic_skip);
    assert_eq!(encoder.0.load(Ordering::Relaxed), 0, "the model was asked");
    assert!(!d.ranking.semantic);
    assert_eq!(d.language, "de");
}

#[test]
fn a_question_in_another_language_is_matched_by_meaning() {
    let index = hybrid_index();
    let encoder = Counting::default();
    let question = "Чи платить Jobcenter депозит за квартиру?";
    let lexical = decide(&index, question);
    let d = decide_with(&index, question, Some(&encoder));
    assert_eq!(encoder.0.load(Ordering::Relaxed), 1);
    assert_eq!(d.language, "uk");
    assert!(d.ranking.semantic);
    let top = &d.ranking.candidates[0];
    assert_eq!(top.id, "kaution", "{:?}", d.ranking.candidates);
    assert!(top.semantic.is_some_and(|c| c > 0.8));
    assert!(top.semantic_matched.is_some());
    assert!(
        d.confidence > lexical.confidence,
        "meaning should make the reply surer: {} vs {}",
        d.confidence,
        lexical.confidence
    );
}

#[test]
fn without_an_encoder_or_vectors_the_ranking_is_lexical() {
    let index = hybrid_index();
    let d = decide_with(&index, "How much money do I get per month?", None);
    assert!(!d.ranking.semantic);
    assert_eq!(d.language, "en");

    let plain = Index::build(
        answers(),
        Synonyms::default(),
        EngineConfig::default(),
        &["Wie wird das Wetter morgen?"],
    );
    assert!(!plain.has_semantic());
    let encoder = Counting::default();
    let d = decide_with(&plain, "How much money do I get per month?", Some(&encoder));
    assert_eq!(encoder.0.load(Ordering::Relaxed), 0);
    assert!(!d.ranking.semantic);
}

#[test]
fn an_encoder_that_fails_leaves_the_lexical_answer() {
    struct Broken;
    impl Encoder for Broken {
        fn encode(&self, _: &str) -> Option<Vec<f32>> {
            None
        }
    }
    let index = hybrid_index();
    let d = decide_with(&index, "How much money do I get per month?", Some(&Broken));
    assert!(!d.ranking.semantic);
}

#[test]
fn a_quick_rebuild_keeps_the_hybrid_fit_and_indexes_new_texts() {
    let index = hybrid_index();
    let mut answers = answers();
    answers[0].semantic_texts.push("депозит застава".into());
    let vectors: Vectors = texts_to_embed(&answers, &[])
        .into_iter()
        .map(|t| (t.to_owned(), embed(t)))
        .collect();
    let rebuilt = Index::rebuild_hybrid(
        answers,
        Synonyms::default(),
        EngineConfig::default(),
        *index.calibration(),
        Some(*index.hybrid()),
        Some(&vectors),
    );
    assert_eq!(rebuilt.hybrid(), index.hybrid());
    assert_eq!(rebuilt.semantic_len(), index.semantic_len() + 1);
}

fn glossary_index(glossary: &str) -> Index {
    glossary_index_of(answers(), glossary)
}

fn glossary_index_of(answers: Vec<IndexAnswer>, glossary: &str) -> Index {
    let glossary = lotse_core::glossary::Glossary::from_yaml(glossary).expect("glossary");
    hybrid_index_of(
        answers,
        Synonyms::default().with_glossary(std::sync::Arc::new(glossary)),
    )
}

#[test]
fn a_foreign_question_is_answered_outright_only_when_its_words_and_meaning_agree() {
    let encoder = Counting::default();
    // The glossary finds "kaution" in the question, and its meaning is the deposit too.
    let index = glossary_index("terms:\n  kaution:\n    uk: [депозит, застав]\n");
    let d = decide_with(&index, "Чи платить Jobcenter депозит?", Some(&encoder));
    assert_eq!(d.ranking.candidates[0].id, "kaution");
    assert!(
        d.ranking
            .notes
            .iter()
            .any(|n| n == "Übersetzt: депозит → kaution"),
        "{:?}",
        d.ranking.notes
    );
    let agreeing = d.confidence;

    // A glossary that sends the same word elsewhere: words and meaning disagree, so whatever
    // the scores say, the question is not answered outright.
    let index = glossary_index("terms:\n  regelsatz:\n    uk: [депозит, застав]\n");
    let d = decide_with(&index, "Чи платить Jobcenter депозит?", Some(&encoder));
    assert!(
        d.confidence < index.config().answer_threshold,
        "{} {:?}",
        d.confidence,
        d.ranking.candidates
    );
    assert!(d.answer.is_none());
    assert!(agreeing > d.confidence, "{agreeing} vs {}", d.confidence);
}

#[test]
fn words_and_meaning_agree_when_they_point_to_two_answers_of_one_topic() {
    let encoder = Counting::default();
    let question = "Чи платить Jobcenter депозит?";
    // The glossary sends the deposit word to the Regelsatz answer, the meaning to the deposit.
    let glossary = "terms:\n  regelsatz:\n    uk: [депозит, застав]\n";
    let apart = glossary_index_of(answers(), glossary);
    let capped = decide_with(&apart, question, Some(&encoder));
    assert!(capped.confidence < apart.config().answer_threshold);

    // The same two answers as focused answers of one topic: not a disagreement any more.
    let mut siblings = answers();
    siblings[1].topics = vec!["kaution".into()];
    let together = glossary_index_of(siblings, glossary);
    let d = decide_with(&together, question, Some(&encoder));
    assert_eq!(
        d.ranking.candidates[0].id, "kaution",
        "{:?}",
        d.ranking.candidates
    );
    assert!(
        d.confidence > capped.confidence,
        "{} vs {}",
        d.confidence,
        capped.confidence
    );
}
