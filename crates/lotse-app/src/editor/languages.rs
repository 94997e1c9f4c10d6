//! Language versions of an answer (other languages and Leichte Sprache): which language tags
//! the editor offers, and the checks every saved version must pass. The problems come with a
//! German sentence for staff and an English one for developers.

use lotse_core::content::LanguageVersion;

/// A language the editor offers for a version: BCP-47 tag, German name, written right to left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Language {
    pub tag: &'static str,
    pub name: &'static str,
    pub rtl: bool,
}

const fn lang(tag: &'static str, name: &'static str, rtl: bool) -> Language {
    Language { tag, name, rtl }
}

/// The languages job centres' clients speak most often (issue 3), Leichte Sprache first.
/// Other well-formed tags with one of these primary languages (`fa-AF`, `sr-Latn`) are accepted too.
pub const LANGUAGES: &[Language] = &[
    lang("de-x-ls", "Leichte Sprache", false),
    lang("en", "Englisch", false),
    lang("ar", "Arabisch", true),
    lang("uk", "Ukrainisch", false),
    lang("ru", "Russisch", false),
    lang("tr", "Türkisch", false),
    lang("fa", "Persisch (Farsi)", true),
    lang("prs", "Dari", true),
    lang("ps", "Paschtu", true),
    lang("ku", "Kurdisch", false),
    lang("ckb", "Kurdisch (Sorani)", true),
    lang("ti", "Tigrinya", false),
    lang("so", "Somali", false),
    lang("fr", "Französisch", false),
    lang("es", "Spanisch", false),
    lang("it", "Italienisch", false),
    lang("pt", "Portugiesisch", false),
    lang("pl", "Polnisch", false),
    lang("ro", "Rumänisch", false),
    lang("bg", "Bulgarisch", false),
    lang("hu", "Ungarisch", false),
    lang("el", "Griechisch", false),
    lang("sq", "Albanisch", false),
    lang("sr", "Serbisch", false),
    lang("hr", "Kroatisch", false),
    lang("bs", "Bosnisch", false),
    lang("vi", "Vietnamesisch", false),
    lang("zh", "Chinesisch", false),
    lang("ur", "Urdu", true),
];

/// The language a tag names, by its primary subtag (`fa-AF` → Persisch); `None` if unknown.
pub fn language(tag: &str) -> Option<&'static Language> {
    let tag = tag.trim();
    if let Some(l) = LANGUAGES.iter().find(|l| l.tag.eq_ignore_ascii_case(tag)) {
        return Some(l);
    }
    let primary = tag.split('-').next().unwrap_or_default();
    LANGUAGES
        .iter()
        .find(|l| !l.tag.contains('-') && l.tag == primary)
}

/// A well-formed tag (`xx`, `xxx`, then subtags of 1–8 letters or digits) of a known language;
/// plain `de` is not a version (the German text is the answer itself).
pub fn is_known_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or_default();
    let well_formed = (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_lowercase())
        && parts
            .all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    well_formed && language(tag).is_some()
}

/// Longest accepted body of a version (as for the German body).
const MAX_BODY: usize = 20_000;

/// What is wrong with one language version (`slot` counts from 0 in the order given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionProblem {
    NoLanguage { slot: usize },
    UnknownLanguage { slot: usize, lang: String },
    Duplicate { slot: usize, lang: String },
    NoTitle { slot: usize, lang: String },
    NoBody { slot: usize, lang: String },
    TooLong { slot: usize, lang: String },
}

impl VersionProblem {
    /// The version's position and the form field concerned (`lang`, `title`, `body`).
    pub fn field(&self) -> (usize, &'static str) {
        match self {
            VersionProblem::NoLanguage { slot }
            | VersionProblem::UnknownLanguage { slot, .. }
            | VersionProblem::Duplicate { slot, .. } => (*slot, "lang"),
            VersionProblem::NoTitle { slot, .. } => (*slot, "title"),
            VersionProblem::NoBody { slot, .. } | VersionProblem::TooLong { slot, .. } => {
                (*slot, "body")
            }
        }
    }

    /// A German sentence for staff.
    pub fn german(&self) -> String {
        let name = |lang: &str| language(lang).map_or_else(|| lang.to_owned(), |l| l.name.into());
        match self {
            VersionProblem::NoLanguage { slot } => {
                format!("Sprachfassung {}: Bitte wählen Sie eine Sprache.", slot + 1)
            }
            VersionProblem::UnknownLanguage { slot, lang } => format!(
                "Sprachfassung {}: „{lang}“ ist kein bekanntes Sprachkürzel (zum Beispiel en, ar, uk oder de-x-ls für Leichte Sprache).",
                slot + 1
            ),
            VersionProblem::Duplicate { slot, lang } => format!(
                "Sprachfassung {}: Für {} gibt es schon eine Fassung. Jede Sprache darf nur einmal vorkommen.",
                slot + 1,
                name(lang)
            ),
            VersionProblem::NoTitle { slot, lang } => format!(
                "Sprachfassung {} ({}): Bitte geben Sie einen Titel ein.",
                slot + 1,
                name(lang)
            ),
            VersionProblem::NoBody { slot, lang } => format!(
                "Sprachfassung {} ({}): Bitte geben Sie einen Text ein.",
                slot + 1,
                name(lang)
            ),
            VersionProblem::TooLong { slot, lang } => format!(
                "Sprachfassung {} ({}): Der Text ist länger als 20.000 Zeichen.",
                slot + 1,
                name(lang)
            ),
        }
    }

    /// The same for developers (the API's `message_en`).
    pub fn english(&self) -> String {
        match self {
            VersionProblem::NoLanguage { slot } => format!("versions[{slot}]: lang is empty"),
            VersionProblem::UnknownLanguage { slot, lang } => {
                format!("versions[{slot}]: '{lang}' is not a known BCP-47 language tag")
            }
            VersionProblem::Duplicate { slot, lang } => {
                format!("versions[{slot}]: a version in '{lang}' exists already")
            }
            VersionProblem::NoTitle { slot, lang } => {
                format!("versions[{slot}] ({lang}): the title is empty")
            }
            VersionProblem::NoBody { slot, lang } => {
                format!("versions[{slot}] ({lang}): the body is empty")
            }
            VersionProblem::TooLong { slot, lang } => {
                format!("versions[{slot}] ({lang}): the body is longer than 20,000 characters")
            }
        }
    }
}

/// Every problem of the versions, in order (empty: all fine).
pub fn version_problems(versions: &[LanguageVersion]) -> Vec<VersionProblem> {
    let mut problems = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for (slot, v) in versions.iter().enumerate() {
        let lang = v.lang.trim().to_owned();
        if lang.is_empty() {
            problems.push(VersionProblem::NoLanguage { slot });
        } else if !is_known_tag(&lang) {
            problems.push(VersionProblem::UnknownLanguage {
                slot,
                lang: lang.clone(),
            });
        } else if seen.iter().any(|s| s.eq_ignore_ascii_case(&lang)) {
            problems.push(VersionProblem::Duplicate {
                slot,
                lang: lang.clone(),
            });
        }
        seen.push(lang.clone());
        if v.title.trim().is_empty() {
            problems.push(VersionProblem::NoTitle {
                slot,
                lang: lang.clone(),
            });
        }
        if v.body.trim().is_empty() {
            problems.push(VersionProblem::NoBody {
                slot,
                lang: lang.clone(),
            });
        } else if v.body.len() > MAX_BODY {
            problems.push(VersionProblem::TooLong { slot, lang });
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use lotse_core::content::Review;

    fn v(lang: &str, title: &str, body: &str) -> LanguageVersion {
        LanguageVersion {
            lang: lang.into(),
            review: Review::Human,
            title: title.into(),
            questions: Vec::new(),
            body: body.into(),
        }
    }

    #[test]
    fn language_tags_are_checked() {
        for ok in ["en", "de-x-ls", "ar", "prs", "fa-AF", "sr-Latn", "en-GB"] {
            assert!(is_known_tag(ok), "{ok}");
        }
        for bad in [
            "",
            "de",
            "xx",
            "EN",
            "english",
            "en_GB",
            "en-",
            "e",
            "de-x-lsxxxxxxx",
        ] {
            assert!(!is_known_tag(bad), "{bad}");
        }
        assert_eq!(language("fa-AF").map(|l| l.name), Some("Persisch (Farsi)"));
    }

    #[test]
    fn every_problem_is_named_in_german() {
        let versions = [
            v("en", "Title", "Body"),
            v("en", "Again", "Body"),
            v("klingonisch", "T", "B"),
            v("", "", ""),
            v("ar", "  ", "نص"),
        ];
        let problems = version_problems(&versions);
        assert_eq!(
            problems,
            vec![
                VersionProblem::Duplicate {
                    slot: 1,
                    lang: "en".into()
                },
                VersionProblem::UnknownLanguage {
                    slot: 2,
                    lang: "klingonisch".into()
                },
                VersionProblem::NoLanguage { slot: 3 },
                VersionProblem::NoTitle {
                    slot: 3,
                    lang: String::new()
                },
                VersionProblem::NoBody {
                    slot: 3,
                    lang: String::new()
                },
                VersionProblem::NoTitle {
                    slot: 4,
                    lang: "ar".into()
                },
            ]
        );
        assert!(
            problems[0].german().contains("Englisch"),
            "{}",
            problems[0].german()
        );
        assert!(
            problems[5]
                .german()
                .starts_with("Sprachfassung 5 (Arabisch)")
        );
        assert!(version_problems(&versions[..1]).is_empty());
    }
}
