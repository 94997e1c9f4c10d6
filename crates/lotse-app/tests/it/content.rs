//! Checks of the built-in knowledge base (content/): it parses, uses only known topics and
//! placeholders, has well-formed links and reasonable lengths, and its variants are consistent.

use std::collections::{HashMap, HashSet};

use lotse_app::builtin;
use lotse_core::render::{is_safe_url, placeholders};

#[test]
fn every_answer_file_parses_and_is_valid() {
    let answers = builtin::answers().expect("every file parses");
    let topics: HashSet<String> = builtin::taxonomy().into_iter().map(|t| t.slug).collect();
    assert!(
        answers.len() >= 150,
        "the knowledge base has {} answers",
        answers.len()
    );
    let mut ids = HashSet::new();
    for (a, (file, _)) in answers.iter().zip(builtin::ANSWER_FILES) {
        a.validate(&|t| topics.contains(t))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(format!("{}.md", a.id), *file, "the file name is the id");
        assert!(ids.insert(a.id.clone()), "duplicate id {}", a.id);
        assert!(
            a.questions.len() >= 8,
            "{}: only {} question variants",
            a.id,
            a.questions.len()
        );
        let words = a.body.split_whitespace().count();
        assert!(
            (15..=450).contains(&words),
            "{}: body has {words} words",
            a.id
        );
        assert!(a.as_of.is_some(), "{}: no as_of", a.id);
        for s in &a.sources {
            assert!(
                s.url.starts_with("https://") && is_safe_url(&s.url) && !s.url.contains(' '),
                "{}: bad link {}",
                a.id,
                s.url
            );
        }
    }
}

#[test]
fn every_taxonomy_topic_has_an_answer() {
    let answers = builtin::answers().expect("parses");
    let covered: HashSet<&str> = answers
        .iter()
        .filter_map(|a| a.topics.first().map(String::as_str))
        .collect();
    let missing: Vec<String> = builtin::taxonomy()
        .into_iter()
        .map(|t| t.slug)
        .filter(|s| !covered.contains(s.as_str()))
        .collect();
    assert!(missing.is_empty(), "topics without an answer: {missing:?}");
}

#[test]
fn every_placeholder_is_defined_for_the_demo_tenant() {
    let mut vars = builtin::shared_variables();
    vars.extend(builtin::demo_tenant().expect("demo").variables);
    for a in builtin::answers().expect("parses") {
        let texts = std::iter::once(&a.body)
            .chain(std::iter::once(&a.title))
            .chain(a.versions.iter().map(|v| &v.body));
        for name in texts.flat_map(|t| placeholders(t)) {
            let computed = format!("{{{{{name}}}}}") == lotse_app::hours::STATUS_PLACEHOLDER;
            assert!(
                computed || vars.contains_key(&name),
                "{}: unknown placeholder {{{{{name}}}}}",
                a.id
            );
        }
    }
}

#[test]
fn no_question_variant_is_shared_by_two_answers() {
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut conflicts = Vec::new();
    for a in builtin::answers().expect("parses") {
        for q in &a.questions {
            let key = lotse_core::text::tokenize(&lotse_core::text::fold(q)).join(" ");
            if let Some(other) = seen.insert(key, a.id.clone())
                && other != a.id
            {
                conflicts.push(format!("{other} / {}: {q}", a.id));
            }
        }
    }
    assert!(
        conflicts.is_empty(),
        "shared variants:\n{}",
        conflicts.join("\n")
    );
}

#[test]
fn synonyms_and_variables_load() {
    assert!(builtin::synonyms().len() >= 20, "synonym groups");
    assert_eq!(
        builtin::shared_variables()
            .get("regelbedarf.stufe1")
            .map(String::as_str),
        Some("563 €")
    );
}

/// The cross-language glossary parses, and every German word it translates into is a word of the
/// knowledge base (its answers' texts or the synonyms): a translation into a word that no answer
/// uses would find nothing.
#[test]
fn the_glossary_translates_into_words_of_the_knowledge_base() {
    let glossary = lotse_core::glossary::Glossary::from_yaml(builtin::TRANSLATIONS_YAML)
        .expect("content/translations.yaml parses");
    assert!(glossary.len() >= 300, "stems: {}", glossary.len());
    let mut words: HashSet<String> = HashSet::new();
    let answers = builtin::answers().expect("answers");
    let texts = answers.iter().flat_map(|a| {
        std::iter::once(a.title.as_str())
            .chain(std::iter::once(a.body.as_str()))
            .chain(a.questions.iter().map(String::as_str))
            .chain(a.keywords.iter().map(String::as_str))
    });
    let synonyms = builtin::synonyms();
    for text in texts.chain(synonyms.iter().flatten().map(String::as_str)) {
        words.extend(lotse_core::text::tokenize(&lotse_core::text::fold(text)));
    }
    let unknown: Vec<&str> = glossary
        .german_words()
        .into_iter()
        .filter(|german| !words.contains(*german))
        .collect();
    assert!(
        unknown.is_empty(),
        "German words no answer uses: {unknown:?}"
    );
}

/// Self-consistency: each answer's own variants must reach that answer. Lists the conflicts.
#[tokio::test]
async fn question_variants_reach_their_own_answer() {
    let app = crate::demo_app().await;
    let kb = app.kb("demo").expect("demo");
    let (mut total, mut wrong) = (0, Vec::new());
    for (i, view) in kb.views.iter().enumerate() {
        for q in &kb.index.answers()[i].questions {
            total += 1;
            let d = lotse_core::reply::decide(&kb.index, q);
            let top = d
                .ranking
                .candidates
                .first()
                .map(|c| c.id.clone())
                .unwrap_or_default();
            if top != view.id && !d.emergency {
                wrong.push(format!("{} ← „{q}“ went to {top}", view.id));
            }
        }
    }
    let rate = 1.0 - wrong.len() as f64 / total as f64;
    assert!(
        rate >= 0.98,
        "self-consistency {rate:.3} ({} of {total} variants go elsewhere):\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// Issue 3: Leichte Sprache and English versions of the most important answers, marked as such.
#[test]
fn language_versions_are_complete_and_marked() {
    let answers = builtin::answers().expect("parses");
    let count = |lang: &str| {
        answers
            .iter()
            .filter(|a| a.versions.iter().any(|v| v.lang == lang))
            .count()
    };
    assert!(
        count("de-x-ls") >= 25,
        "Leichte Sprache versions: {}",
        count("de-x-ls")
    );
    assert!(count("en") >= 25, "English versions: {}", count("en"));
    for a in &answers {
        for v in &a.versions {
            assert!(
                v.lang == "de-x-ls"
                    || (2..=3).contains(&v.lang.len())
                        && v.lang.chars().all(|c| c.is_ascii_lowercase()),
                "{}: unexpected language tag {}",
                a.id,
                v.lang
            );
            assert!(
                !v.title.trim().is_empty() && v.body.split_whitespace().count() >= 15,
                "{} ({}): empty version",
                a.id,
                v.lang
            );
            for name in placeholders(&v.body) {
                assert!(
                    a.body.contains(&format!("{{{{{name}}}}}")),
                    "{} ({}): placeholder {name} not in the German body",
                    a.id,
                    v.lang
                );
            }
        }
    }
}

#[test]
fn the_demo_tenant_has_structured_opening_hours_matching_its_text() {
    let demo = builtin::demo_tenant().expect("demo");
    let hours = lotse_app::hours::OpeningHours::from_settings(&demo.settings).expect("hours");
    assert_eq!(
        hours.summary(),
        "Montag 8–12 Uhr, Dienstag 8–12 Uhr, Mittwoch 8–12 Uhr, Donnerstag 8–12 und 14–17:30 Uhr, Freitag 8–12 Uhr"
    );
    assert!(demo.variables["jobcenter.oeffnungszeiten"].contains("14:00–17:30"));
}
