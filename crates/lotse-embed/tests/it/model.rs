//! Behaviour of the real multilingual-e5-small model: paraphrases and translations are near, unrelated
//! questions far, results deterministic.

use std::path::PathBuf;
use std::sync::OnceLock;

use lotse_embed::{EmbedError, Embedder, Embedding, Options, cosine};

/// The model, loaded once for all tests of this binary; `None` when `LOTSE_TEST_E5_MODEL` is not set.
fn model() -> Option<&'static Embedder> {
    static MODEL: OnceLock<Option<Embedder>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            let Some(dir) = std::env::var_os("LOTSE_TEST_E5_MODEL") else {
                eprintln!("note: LOTSE_TEST_E5_MODEL is not set; skipping the model tests");
                return None;
            };
            let options = Options {
                threads: 2,
                ..Options::default()
            };
            Some(
                Embedder::load(&PathBuf::from(dir), options)
                    .expect("the model in LOTSE_TEST_E5_MODEL loads"),
            )
        })
        .as_ref()
}

fn embed(model: &Embedder, texts: &[&str]) -> Vec<Embedding> {
    model.embed(texts).expect("embeds")
}

#[test]
fn loading_from_an_empty_directory_says_what_is_missing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let err = Embedder::load(dir.path(), Options::default()).expect_err("no files");
    assert!(matches!(err, EmbedError::Missing(path) if path.ends_with("config.json")));
}

#[test]
fn vectors_are_normalised_and_deterministic() {
    let Some(model) = model() else { return };
    let texts = ["Wer zahlt die Kaution für meine Wohnung?", "Hallo", ""];
    let first = embed(model, &texts);
    // Alone, in another order and in a batch with padding: the same vectors.
    let again = embed(model, &[texts[2], texts[0], texts[1]]);
    let alone = embed(model, &texts[..1]);
    for v in &first {
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
    }
    assert!(cosine(&first[0], &again[1]) > 0.9999);
    assert!(cosine(&first[1], &again[2]) > 0.9999);
    assert!(cosine(&first[0], &alone[0]) > 0.9999);
    assert_eq!(first, embed(model, &texts), "same call, same bits");
}

#[test]
fn a_german_paraphrase_is_closer_than_an_unrelated_question() {
    let Some(model) = model() else { return };
    let v = embed(
        model,
        &[
            "Wer zahlt die Kaution für meine neue Wohnung?",
            "Übernimmt das Jobcenter die Mietkaution, wenn ich umziehe?",
            "Wie melde ich mich arbeitslos?",
        ],
    );
    let (paraphrase, unrelated) = (cosine(&v[0], &v[1]), cosine(&v[0], &v[2]));
    eprintln!("paraphrase {paraphrase:.3}, unrelated {unrelated:.3}");
    assert!(
        paraphrase > unrelated + 0.02,
        "paraphrase {paraphrase}, unrelated {unrelated}"
    );
}

#[test]
fn translations_of_a_german_question_are_closer_than_other_german_questions() {
    let Some(model) = model() else { return };
    let german = "Wie beantrage ich Bürgergeld?";
    let others = [
        "Wer zahlt die Kaution für meine Wohnung?",
        "Muss ich meinen Urlaub beim Jobcenter beantragen?",
        "Wo bekomme ich Hilfe bei Schulden?",
        "Was passiert, wenn ich einen Termin verpasse?",
    ];
    let translations = [
        ("English", "How do I apply for citizen's income?"),
        (
            "Ukrainian",
            "Як подати заяву на громадянську допомогу (Bürgergeld)?",
        ),
        (
            "Arabic",
            "كيف أقدم طلبا للحصول على المساعدة الاجتماعية Bürgergeld؟",
        ),
    ];
    let g = embed(model, &[german])[0];
    let o = embed(model, &others);
    for (language, text) in translations {
        let t = embed(model, &[text])[0];
        let own = cosine(&t, &g);
        for (other, vector) in others.iter().zip(&o) {
            let theirs = cosine(&t, vector);
            assert!(
                own > theirs,
                "{language}: {own:.3} to the German question, {theirs:.3} to {other:?}"
            );
        }
        eprintln!("{language}: {own:.3}");
    }
}

#[test]
fn overlong_texts_are_cut_not_refused() {
    let Some(model) = model() else { return };
    let long = "Bürgergeld ".repeat(1000);
    let v = embed(model, &[&long]);
    assert!(v[0].iter().all(|x| x.is_finite()));
}

#[test]
fn tokenizer_gives_the_ids_of_hugging_face_tokenizers() {
    let Some(dir) = std::env::var_os("LOTSE_TEST_E5_MODEL") else {
        return;
    };
    let json = std::fs::read(PathBuf::from(dir).join("tokenizer.json")).expect("tokenizer.json");
    let tokenizer = lotse_embed::tokenizer::Tokenizer::from_json(&json).expect("parses");
    // Expected ids from the Python `tokenizers` 0.23 (`Tokenizer.from_file(...).encode("query: " + text)`);
    // the last case covers full-width letters, runs of spaces, emoji and a combining accent.
    let cases: [(&str, &[u32]); 3] = [
        (
            "Wie beantrage ich Bürgergeld?",
            &[
                0, 41, 1294, 12, 4887, 186, 66, 91600, 654, 55551, 49004, 32, 2,
            ],
        ),
        (
            "Як подати заяву?",
            &[0, 41, 1294, 12, 4910, 129, 43022, 165452, 32, 2],
        ),
        (
            "  Ｆｕｌｌｗｉｄｔｈ ① 😀😀 e\u{301}",
            &[0, 41, 1294, 12, 9312, 146984, 106, 21119, 244218, 393, 2],
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(
            tokenizer.encode(&format!("query: {text}"), 128),
            expected,
            "{text}"
        );
    }
    let long = tokenizer.encode(&"Bürgergeld ".repeat(100), 128);
    assert_eq!(
        (long.len(), long.first(), long.last()),
        (128, Some(&0), Some(&2))
    );
}
