//! Text analysis on arbitrary input: folding, tokenising, phonetics, edit distance, the
//! analyzer (spelling correction, compounds, synonyms, stemming), redaction and Markdown.
//! Nothing may panic; folding and redaction must be idempotent.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use lotse_core::analyze::{Analyzer, Synonyms};
use lotse_core::{redact, render, text};

static ANALYZER: LazyLock<Analyzer> = LazyLock::new(|| {
    let vocabulary = [
        "Wie hoch ist der Regelbedarf für Alleinstehende?",
        "Weiterbewilligungsantrag rechtzeitig stellen",
        "Mietkostenübernahme und Kaution beim Umzug",
        "Bürgergeld Grundsicherungsgeld Hartz 4 Stütze",
        "Erstausstattung bei Schwangerschaft und Geburt",
    ];
    let synonyms = Synonyms::new(&[
        vec!["hartz 4", "buergergeld"],
        vec!["kdu", "kosten der unterkunft"],
    ]);
    Analyzer::new(vocabulary.iter().copied(), synonyms)
});

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let folded = text::fold(input);
    assert_eq!(text::fold(&folded), folded, "folding is idempotent");
    for token in text::tokenize(&folded).iter().take(64) {
        let _ = text::koelner_phonetik(token);
        let _ = text::edit_distance(token, "bewilligung", 2);
    }
    let _ = ANALYZER.analyze_query(input);
    let _ = ANALYZER.analyze_document(input);
    let masked = redact::redact(input);
    assert_eq!(redact::redact(&masked), masked, "masking is idempotent");
    let _ = redact::strip(input);
    let _ = render::markdown_to_html(input);
    let _ = render::markdown_to_text(input);
});
