//! Answers and Lotse's content file format: YAML front matter + Markdown body
//! (see docs/content-format.md, a stable format).

use serde::{Deserialize, Serialize};

use crate::Error;

/// The life-cycle state of an answer version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Review,
    #[default]
    Published,
    Archived,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Review => "review",
            Status::Published => "published",
            Status::Archived => "archived",
        }
    }
}

/// A source or legal reference shown under an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
}

/// Whether a language version was checked by a person or machine-translated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Review {
    #[default]
    Human,
    Machine,
}

/// A version of an answer in another language, or in Leichte Sprache (`de-x-ls`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LanguageVersion {
    pub lang: String,
    #[serde(default)]
    pub review: Review,
    pub title: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<String>,
    pub body: String,
}

/// One curated answer: the unit that staff write and citizens receive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub id: String,
    pub title: String,
    pub topics: Vec<String>,
    #[serde(default)]
    pub status: Status,
    /// Rechtsstand, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// The job centre must check the legal details before going live (shown to staff only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub legal_check: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub legal: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub questions: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<LanguageVersion>,
    /// The German Markdown body (not part of the front matter).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body: String,
}

impl Answer {
    /// A minimal published answer, used by importers.
    pub fn new(
        id: &str,
        title: &str,
        topics: Vec<String>,
        questions: Vec<String>,
        body: &str,
    ) -> Self {
        Answer {
            id: id.to_owned(),
            title: title.to_owned(),
            topics,
            status: Status::Published,
            as_of: None,
            valid_from: None,
            valid_until: None,
            legal_check: false,
            legal: Vec::new(),
            sources: Vec::new(),
            keywords: Vec::new(),
            questions,
            versions: Vec::new(),
            body: body.to_owned(),
        }
    }

    /// True when the answer applies on `today` (`YYYY-MM-DD`), judged by its validity window.
    /// ISO dates compare correctly as strings.
    pub fn is_valid_on(&self, today: &str) -> bool {
        self.valid_from.as_deref().is_none_or(|from| from <= today)
            && self
                .valid_until
                .as_deref()
                .is_none_or(|until| today <= until)
    }

    /// Checks the fields that every answer must satisfy. `topic_exists` decides whether a slug is known.
    pub fn validate(&self, topic_exists: &dyn Fn(&str) -> bool) -> Result<(), Error> {
        let invalid = |field: &str, reason: String| Error::Invalid {
            field: field.to_owned(),
            reason,
        };
        if !is_valid_id(&self.id) {
            return Err(invalid(
                "id",
                format!(
                    "'{}' must be 1–100 characters of a–z, 0–9, '-', '_' or '.'",
                    self.id
                ),
            ));
        }
        if self.title.trim().is_empty() {
            return Err(invalid(
                "title",
                format!("answer '{}' has no title", self.id),
            ));
        }
        if self.topics.is_empty() {
            return Err(invalid(
                "topics",
                format!("answer '{}' has no topic", self.id),
            ));
        }
        if let Some(t) = self.topics.iter().find(|t| !topic_exists(t)) {
            return Err(invalid(
                "topics",
                format!("answer '{}' has the unknown topic '{t}'", self.id),
            ));
        }
        for (field, date) in [
            ("as_of", &self.as_of),
            ("valid_from", &self.valid_from),
            ("valid_until", &self.valid_until),
        ] {
            if let Some(d) = date
                && !is_iso_date(d)
            {
                return Err(invalid(
                    field,
                    format!("answer '{}': '{d}' is not a date like 2026-07-01", self.id),
                ));
            }
        }
        if self.body.len() > 20_000 {
            return Err(invalid(
                "body",
                format!("answer '{}' is longer than 20,000 characters", self.id),
            ));
        }
        Ok(())
    }
}

/// Answer ids: short, URL-safe, case-sensitive identifiers (imported Rasa intents keep their names).
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// `YYYY-MM-DD` with a plausible month and day.
pub fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok());
    matches!(
        (num(0..4), num(5..7), num(8..10)),
        (Some(_), Some(1..=12), Some(1..=31))
    )
}

/// Parses one answer file (front matter + body).
pub fn parse_answer(text: &str) -> Result<Answer, Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
        .ok_or_else(|| {
            Error::Parse("an answer file starts with a line '---' and YAML front matter".into())
        })?;
    let (yaml, body) = split_front_matter(rest)
        .ok_or_else(|| Error::Parse("the front matter is not closed by a line '---'".into()))?;
    let mut answer: Answer =
        serde_yaml::from_str(yaml).map_err(|e| Error::Parse(format!("front matter: {e}")))?;
    answer.body = body.trim().to_owned();
    Ok(answer)
}

fn split_front_matter(rest: &str) -> Option<(&str, &str)> {
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Some((&rest[..offset], &rest[offset + line.len()..]));
        }
        offset += line.len();
    }
    None
}

/// Parses a stream of answers separated by lines `+++` (the export format) or a single file.
pub fn parse_answers(text: &str) -> Result<Vec<Answer>, Error> {
    let mut answers = Vec::new();
    let mut chunk = String::new();
    let mut n = 0;
    let mut flush = |chunk: &mut String, answers: &mut Vec<Answer>| -> Result<(), Error> {
        if !chunk.trim().is_empty() {
            n += 1;
            let a = parse_answer(chunk.trim_start())
                .map_err(|e| Error::Parse(format!("answer {n}: {e}")))?;
            answers.push(a);
        }
        chunk.clear();
        Ok(())
    };
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "+++" {
            flush(&mut chunk, &mut answers)?;
        } else {
            chunk.push_str(line);
        }
    }
    flush(&mut chunk, &mut answers)?;
    Ok(answers)
}

/// Writes an answer in the content file format.
pub fn write_answer(answer: &Answer) -> String {
    let mut fm = answer.clone();
    fm.body = String::new();
    let yaml = serde_yaml::to_string(&fm).unwrap_or_default();
    format!("---\n{}---\n{}\n", yaml, answer.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "---\nid: kaution\ntitle: Wer zahlt die Kaution?\ntopics: [kaution-genossenschaftsanteile]\nas_of: 2026-07-01\nquestions:\n  - \"Zahlt das Jobcenter die Kaution?\"\n---\nMeist als **Darlehen**.\n";

    #[test]
    fn parses_front_matter_and_body() {
        let a = parse_answer(FILE).expect("parses");
        assert_eq!(a.id, "kaution");
        assert_eq!(a.as_of.as_deref(), Some("2026-07-01"));
        assert_eq!(a.questions.len(), 1);
        assert_eq!(a.body, "Meist als **Darlehen**.");
        assert_eq!(a.status, Status::Published);
    }

    #[test]
    fn round_trips_through_write() {
        let a = parse_answer(FILE).expect("parses");
        let again = parse_answer(&write_answer(&a)).expect("parses again");
        assert_eq!(a, again);
        let two = format!("{}+++\n{}", write_answer(&a), write_answer(&a));
        assert_eq!(parse_answers(&two).expect("stream").len(), 2);
    }

    #[test]
    fn missing_front_matter_is_a_clear_error() {
        let e = parse_answer("just text").expect_err("must fail");
        assert!(e.to_string().contains("front matter"), "{e}");
        let e = parse_answer("---\nid: x\n").expect_err("must fail");
        assert!(e.to_string().contains("not closed"), "{e}");
    }

    #[test]
    fn validity_window_compares_dates() {
        let mut a = parse_answer(FILE).expect("parses");
        a.valid_until = Some("2026-06-30".into());
        assert!(a.is_valid_on("2026-06-30"));
        assert!(!a.is_valid_on("2026-07-01"));
        assert!(is_iso_date("2026-07-01"));
        assert!(!is_iso_date("2026-13-01"));
    }
}
