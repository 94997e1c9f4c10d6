//! A cross-language glossary of the domain: the stems citizens use in English, Ukrainian, Russian,
//! Turkish, Arabic and Farsi for the German words of the knowledge base ("оренд…" → miete).
//!
//! The knowledge base is German, so a question in another language shares no words with it and
//! the lexical half of the ranking sees nothing. With the glossary, the German words a foreign
//! question names are added to it for the lexical ranking (the sentence vector is still taken
//! of the question as written). Stems are matched as prefixes of the question's words, which
//! covers case endings and suffixes (uk оренду, tr kiramı); Arabic words are also tried without
//! the article and one-letter conjunctions and prepositions written onto them (الإيجار, وبالإيجار).

use serde::Deserialize;

use crate::text::fold;

/// Stems shorter than this (in characters) are ignored: they would start too many words.
pub const MIN_STEM_CHARS: usize = 3;

#[derive(Debug, Default, Clone)]
pub struct Glossary {
    /// (normalised stem, German word), longest stems first.
    stems: Vec<(String, String)>,
}

#[derive(Deserialize)]
struct File {
    terms: std::collections::BTreeMap<String, std::collections::BTreeMap<String, Vec<String>>>,
}

/// Lower-case, folded, with the Arabic and Persian forms of yeh and kaf written one way, and
/// without the marks that may or may not be typed inside a word: apostrophes (uk зв'язок,
/// сім’я) and the Persian zero-width non-joiner (پس‌انداز).
fn normalise(word: &str) -> String {
    fold(word)
        .chars()
        .filter(|c| !matches!(c, '\'' | '’' | 'ʼ' | '\u{200C}'))
        .map(|c| match c {
            'ي' | 'ى' => 'ی',
            'ك' => 'ک',
            'ة' => 'ه',
            c => c,
        })
        .collect()
}

/// Letters written onto Arabic words: conjunctions, prepositions and the article, longest first.
const ARABIC_PREFIXES: &[&str] = &["وال", "بال", "فال", "کال", "لل", "ال", "و", "ب", "ل", "ف"];

impl Glossary {
    /// Parses the glossary file (`terms: {german: {lang: [stems]}}`).
    pub fn from_yaml(text: &str) -> Result<Glossary, crate::Error> {
        let file: File = serde_yaml::from_str(text)
            .map_err(|e| crate::Error::Parse(format!("glossary: {e}")))?;
        let mut stems = Vec::new();
        for (german, languages) in file.terms {
            let german = fold(german.trim());
            if german.is_empty() {
                continue;
            }
            for stem in languages.values().flatten() {
                let stem = normalise(stem.trim());
                if stem.chars().count() >= MIN_STEM_CHARS && !stem.contains(' ') {
                    stems.push((stem, german.clone()));
                }
            }
        }
        stems.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.cmp(b)));
        stems.dedup();
        Ok(Glossary { stems })
    }

    pub fn is_empty(&self) -> bool {
        self.stems.is_empty()
    }

    pub fn len(&self) -> usize {
        self.stems.len()
    }

    /// The German words the glossary translates into, each once.
    pub fn german_words(&self) -> std::collections::BTreeSet<&str> {
        self.stems
            .iter()
            .map(|(_, german)| german.as_str())
            .collect()
    }

    /// The German words the glossary finds in `text`, each once, with the word it was found in
    /// (for the explanation), in the order of the text.
    pub fn translate(&self, text: &str) -> Vec<(String, String)> {
        let mut found: Vec<(String, String)> = Vec::new();
        if self.stems.is_empty() {
            return found;
        }
        let normalised = normalise(text);
        for word in normalised
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            let mut forms = vec![word];
            for prefix in ARABIC_PREFIXES {
                if let Some(rest) = word.strip_prefix(prefix)
                    && rest.chars().count() >= MIN_STEM_CHARS
                {
                    forms.push(rest);
                }
            }
            // The longest stem that starts any form of the word.
            let hit = self
                .stems
                .iter()
                .find(|(stem, _)| forms.iter().any(|f| f.starts_with(stem.as_str())));
            if let Some((_, german)) = hit
                && !found.iter().any(|(g, _)| g == german)
            {
                found.push((german.clone(), word.to_owned()));
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = r#"
terms:
  miete:
    en: [rent]
    uk: [оренд, квартплат]
    tr: [kira]
    ar: [إيجار]
    fa: [اجاره, کرایه]
  kaution:
    en: [deposit]
    uk: [застав, депозит]
  mietkaution:
    uk: [заставу за оренд]
  schule:
    tr: [okul]
    en: [sc]
  telefon:
    uk: [зв'яз]
  vermögen:
    fa: [پسانداز]
"#;

    #[test]
    fn finds_the_german_words_of_a_foreign_question() {
        let g = Glossary::from_yaml(YAML).expect("parses");
        let words = |text: &str| -> Vec<String> {
            g.translate(text)
                .into_iter()
                .map(|(german, _)| german)
                .collect()
        };
        assert_eq!(
            words("Хто платить заставу за оренду квартири?"),
            ["kaution", "miete"]
        );
        assert_eq!(
            words("Jobcenter kiramı ödüyor mu? Okula gidiyor"),
            ["miete", "schule"]
        );
        // The article and a conjunction written onto the word; other alef and yeh forms.
        assert_eq!(words("من يدفع الإيجار؟ والايجار"), ["miete"]);
        assert_eq!(words("کرایه خانه را کی میدهد"), ["miete"]);
        // Marks typed or not inside a word.
        assert_eq!(words("Де взяти гроші на зв’язок? звʼязок"), ["telefon"]);
        assert_eq!(words("پس‌انداز دارم"), ["vermoegen"]);
        assert_eq!(words("Who pays the rent deposit?"), ["miete", "kaution"]);
        // Stems that are too short or phrases are not used; German words are not translated.
        assert!(words("school scholarship").is_empty());
        assert!(words("Wer zahlt die Miete?").is_empty());
    }

    #[test]
    fn a_broken_file_is_a_clear_error() {
        let err = Glossary::from_yaml("terms: [oops").expect_err("broken");
        assert!(matches!(err, crate::Error::Parse(m) if m.starts_with("glossary")));
    }
}
