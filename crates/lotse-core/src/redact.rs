//! Masks personal data before a question is stored or logged (SPEC §2.9).
//!
//! The answer itself is computed from the unmasked text in memory; only the masked text
//! (`[E-MAIL]`, `[TELEFON]`, …) ever reaches the database.

use std::sync::LazyLock;

use regex::Regex;

struct Rule {
    re: Regex,
    label: &'static str,
}

fn rule(pattern: &str, label: &'static str) -> Rule {
    #[allow(clippy::unwrap_used)] // The patterns are constants, checked by the tests below.
    let re = Regex::new(pattern).unwrap();
    Rule { re, label }
}

/// Order matters: specific identifiers before the generic number patterns.
static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    vec![
        rule(r"(?i)\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b", "[E-MAIL]"),
        rule(
            r"(?i)\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){3,7}(?:[ ]?[A-Z0-9]{1,3})?\b",
            "[IBAN]",
        ),
        rule(r"(?i)\b\d{5}\s?BG\s?\d{7}\b", "[BG-NUMMER]"),
        rule(r"(?i)\b\d{3}\s?[A-Z]\s?\d{6}\b", "[KUNDENNUMMER]"),
        rule(r"(?i)\b\d{2}\s?\d{6}\s?[A-Z]\s?\d{3}\b", "[SV-NUMMER]"),
        rule(r"\b[A-Z]\d{9}\b", "[VERSICHERTENNUMMER]"),
        rule(r"\b\d{2}\s?\d{3}\s?\d{3}\s?\d{3}\b", "[STEUER-ID]"),
        rule(
            r"(?i)\b(?:aktenzeichen|az\.?|kundennummer|kunden-nr\.?|bg-nummer|bg-nr\.?)[:\s]*[A-Z0-9][A-Z0-9/.-]{4,}\b",
            "[AKTENZEICHEN]",
        ),
        rule(r"\b\d{1,2}\.\s?\d{1,2}\.\s?(?:19|20)?\d{2}\b", "[DATUM]"),
        rule(r"(?:\+49|\b0)[1-9][\d /()-]{5,}\d\b", "[TELEFON]"),
        rule(
            r"\b[A-ZÄÖÜ][a-zäöüß-]*(?:straße|strasse|str\.|weg|allee|platz|gasse|ring|damm|ufer|chaussee)\s+\d+\s?[a-zA-Z]?\b",
            "[ADRESSE]",
        ),
        rule(
            r"\b\d{5}\s+[A-ZÄÖÜ][a-zäöüß]+(?:[ -][A-ZÄÖÜ][a-zäöüß]+)?\b",
            "[ORT]",
        ),
        // Names where the sentence says so: "ich heiße X", "mein Name ist X", "Herr/Frau X", "X hier".
        rule(
            r"(?i:ich\s+hei(?:ß|ss)e|mein\s+name\s+ist|ich\s+bin|hier\s+ist|hier\s+schreibt|name:)\s+(?-i:[A-ZÄÖÜ][a-zäöüß]+(?:[ -][A-ZÄÖÜ][a-zäöüß]+)?)",
            "NAME_AFTER",
        ),
        rule(
            r"\b(?:Herr|Frau|Hr\.|Fr\.)\s+(?:Dr\.\s+)?[A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)?\b",
            "[NAME]",
        ),
        rule(
            r"^(?:Hallo,?\s+)?[A-ZÄÖÜ][a-zäöüß]+\s+[A-ZÄÖÜ][a-zäöüß]+\s+hier\b",
            "[NAME] hier",
        ),
    ]
});

/// Words that may follow "ich bin" with a capital letter at a sentence start but are no names.
const NOT_NAMES: &[&str] = &[
    "Alleinerziehend",
    "Alleinerziehende",
    "Arbeitslos",
    "Azubi",
    "Bürgergeld",
    "Empfänger",
    "Grundsicherungsgeld",
    "Hartz",
    "Jobcenter",
    "Kunde",
    "Kundin",
    "Mutter",
    "Rentner",
    "Rentnerin",
    "Schwanger",
    "Student",
    "Studentin",
    "Vater",
    "Selbstständig",
    "Selbständig",
];

/// One pass that tells whether any rule matches: most questions contain no personal data.
static ANY: LazyLock<regex::RegexSet> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // The same constant patterns as RULES.
    regex::RegexSet::new(RULES.iter().map(|r| r.re.as_str())).unwrap()
});

/// Returns the text with personal data replaced by typed placeholders.
pub fn redact(text: &str) -> String {
    mask(text, true)
}

/// Returns the text with personal data removed (replaced by a space). Names, numbers and
/// addresses never help to find a general answer, but their unknown words lower every score.
pub fn strip(text: &str) -> String {
    mask(text, false)
}

fn mask(text: &str, with_labels: bool) -> String {
    if !ANY.is_match(text) {
        return text.to_owned();
    }
    let mut out = text.to_owned();
    for rule in RULES.iter() {
        if rule.label == "NAME_AFTER" {
            out = rule
                .re
                .replace_all(&out, |caps: &regex::Captures<'_>| {
                    let m = &caps[0];
                    let (lead, name) = split_name(m);
                    if NOT_NAMES.iter().any(|w| name.starts_with(w)) {
                        m.to_owned()
                    } else if with_labels {
                        format!("{lead}[NAME]")
                    } else {
                        format!("{lead} ")
                    }
                })
                .into_owned();
        } else if with_labels {
            out = rule.re.replace_all(&out, rule.label).into_owned();
        } else {
            let label = rule.label.trim_start_matches("[NAME]");
            out = rule
                .re
                .replace_all(&out, if label == rule.label { " " } else { label })
                .into_owned();
        }
    }
    out
}

/// Splits "mein Name ist Jan Dummy" into ("mein Name ist ", "Jan Dummy").
fn split_name(m: &str) -> (&str, &str) {
    let words: Vec<(usize, &str)> = m
        .split_whitespace()
        .map(|w| (w.as_ptr() as usize - m.as_ptr() as usize, w))
        .collect();
    let first_capital = words
        .iter()
        .skip(1)
        .find(|(_, w)| {
            w.chars().next().is_some_and(char::is_uppercase) && !matches!(*w, "Name" | "Hallo")
        })
        .map_or(m.len(), |(i, _)| *i);
    (&m[..first_capital], &m[first_capital..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_structured_identifiers() {
        let cases = [
            ("Schreiben Sie an jan.dummy@example.net bitte", "[E-MAIL]"),
            ("Tel. 040 66969 321 tagsüber", "[TELEFON]"),
            ("IBAN DE89 3704 0044 0532 0130 00", "[IBAN]"),
            ("Meine BG-Nummer ist 13579BG0024680.", "[BG-NUMMER]"),
            ("geb. 05.05.1975", "[DATUM]"),
            ("Versichertennummer A123456789", "[VERSICHERTENNUMMER]"),
            ("Steuer-ID 12 345 678 901", "[STEUER-ID]"),
            ("Ich wohne Testallee 7, 99999 Beispielstadt", "[ADRESSE]"),
        ];
        for (text, label) in cases {
            let r = redact(text);
            assert!(r.contains(label), "{text} → {r}");
        }
    }

    #[test]
    fn masks_names_where_the_sentence_introduces_them() {
        assert_eq!(
            redact("Ich bin Paul Platzhalter und habe eine Frage"),
            "Ich bin [NAME] und habe eine Frage"
        );
        assert_eq!(
            redact("Hallo, Jan Dummy hier, ich habe"),
            "[NAME] hier, ich habe"
        );
        assert_eq!(
            redact("Mein Name ist Erika Muster."),
            "Mein Name ist [NAME]."
        );
        assert_eq!(redact("Frau Schmidt hat gesagt"), "[NAME] hat gesagt");
    }

    #[test]
    fn strip_removes_personal_data_without_labels() {
        assert_eq!(
            strip("Hallo, Jan Dummy hier, Tel. 040 66969 321, wann kommt das Geld?"),
            " hier, Tel.  , wann kommt das Geld?"
        );
        assert_eq!(
            strip("Wie hoch ist der Regelsatz?"),
            "Wie hoch ist der Regelsatz?"
        );
    }

    #[test]
    fn leaves_everyday_questions_alone() {
        for text in [
            "Ich bin alleinerziehend mit 2 Kindern, wie hoch ist der Mehrbedarf?",
            "Ich bin Alleinerziehend und bekomme 563 € Regelsatz",
            "Wann kommt das Geld am 1. des Monats?",
            "Muss ich den Weiterbewilligungsantrag 2026 stellen?",
            "Kann ich 520 Euro im Minijob verdienen?",
        ] {
            assert_eq!(redact(text), text);
        }
    }
}
