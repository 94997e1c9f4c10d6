//! Voice: transcribing a citizen's recording (with the tenant's vocabulary as Whisper's prompt)
//! and reading an answer aloud through the server's text-to-speech program.
//!
//! The recogniser is injected (`lotse_speech::Recognizer`): whisper.cpp in builds with the
//! `speech` feature and a model, [`lotse_speech::Unavailable`] otherwise, a fake in tests.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use lotse_core::render::markdown_to_text;
use lotse_speech::{Gate, Recognizer, SpeechError, Transcript, tts, wav};

use crate::config::SpeechConfig;
use crate::{App, AppError};

/// Words always in the prompt: how people name the benefit and the office.
const BASE_WORDS: [&str; 3] = ["Bürgergeld", "Grundsicherungsgeld", "Antrag"];
/// Most domain words in a prompt. Whisper's prompt holds 224 tokens; fewer keep decoding fast.
const PROMPT_WORDS: usize = 24;
/// Read-aloud recordings kept in memory.
const TTS_CACHE: usize = 128;

/// Whisper's initial prompt for a tenant: the base words, then the domain words of its answers
/// (titles, question variants, keywords) and synonym lists that people are likely to say and
/// Whisper is likely to misspell: nouns of eight letters or more, the most widely used first.
pub fn vocabulary_prompt<'a>(
    texts_per_answer: impl IntoIterator<Item = Vec<&'a str>>,
    synonyms: &[Vec<String>],
) -> String {
    let mut spread: HashMap<String, usize> = HashMap::new();
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    let mut order = 0usize;
    let mut note = |word: &str, seen: &mut HashSet<String>| {
        let word = word.trim_matches(|c: char| !c.is_alphanumeric());
        let starts_upper = word.chars().next().is_some_and(char::is_uppercase);
        let long = word.chars().count() >= 8;
        let plain = word.chars().all(|c| c.is_alphabetic() || c == '-');
        if starts_upper && long && plain && seen.insert(word.to_owned()) {
            *spread.entry(word.to_owned()).or_default() += 1;
            first_seen.entry(word.to_owned()).or_insert_with(|| {
                order += 1;
                order
            });
        }
    };
    for texts in texts_per_answer {
        let mut seen = HashSet::new();
        for text in texts {
            for word in text.split_whitespace() {
                note(word, &mut seen);
            }
        }
    }
    for group in synonyms {
        let mut seen = HashSet::new();
        for term in group {
            for word in term.split_whitespace() {
                note(word, &mut seen);
            }
        }
    }
    let mut ranked: Vec<(&String, &usize)> = spread.iter().collect();
    ranked.sort_by_key(|(w, n)| (std::cmp::Reverse(**n), first_seen.get(*w).copied()));
    let mut words: Vec<&str> = BASE_WORDS.to_vec();
    for (w, _) in ranked {
        if words.len() >= PROMPT_WORDS {
            break;
        }
        if !words.contains(&w.as_str()) && w != "Jobcenter" {
            words.push(w);
        }
    }
    // A sentence, not a bare list: Whisper continues the prompt's style, and a list prompt made
    // it write transcripts as comma-separated fragments.
    let (last, rest) = words
        .split_last()
        .map_or(("Antrag", &[][..]), |(l, r)| (*l, r));
    format!(
        "Ich habe eine Frage an das Jobcenter zu {} und {last}.",
        rest.join(", ")
    )
}

/// Tenant, answer id and a hash of the spoken text.
type TtsKey = (String, String, u64);

/// The speech side of the application.
pub(crate) struct Speech {
    recognizer: Arc<dyn Recognizer>,
    gate: Gate,
    config: SpeechConfig,
    tts_available: bool,
    /// Read-aloud WAVs by (tenant, answer id, hash of the spoken text): a new answer version has
    /// a new text, so it never gets an old recording.
    tts_cache: Mutex<BTreeMap<TtsKey, Arc<Vec<u8>>>>,
}

impl Speech {
    pub(crate) fn new(recognizer: Arc<dyn Recognizer>, config: &SpeechConfig) -> Speech {
        Speech {
            gate: Gate::new(config.queue),
            tts_available: tts::available(&config.tts_program),
            config: config.clone(),
            recognizer,
            tts_cache: Mutex::new(BTreeMap::new()),
        }
    }
}

/// The text read aloud for an answer: its title, then the body as plain text (links by name).
pub fn spoken_text(title: &str, body_markdown: &str) -> String {
    format!("{title}.\n{}", markdown_to_text(body_markdown))
}

impl App {
    /// Whether speech input works on this server (a model is loaded).
    pub fn speech_available(&self) -> bool {
        self.inner.speech.recognizer.available()
    }

    /// Whether the server can read answers aloud (its text-to-speech program is installed).
    pub fn read_aloud_available(&self) -> bool {
        self.inner.speech.tts_available
    }

    /// Transcribes a citizen's recording (a 16 kHz mono 16-bit WAV) with the tenant's vocabulary
    /// as prompt. Waits for its turn behind at most `speech.queue` others; beyond that it fails
    /// at once with [`SpeechError::Busy`].
    pub async fn transcribe(&self, tenant: &str, wav_bytes: &[u8]) -> Result<Transcript, AppError> {
        let kb = self.kb(tenant)?;
        let speech = &self.inner.speech;
        if !speech.recognizer.available() {
            return Err(SpeechError::Unavailable.into());
        }
        let samples =
            wav::decode(wav_bytes, speech.config.max_seconds).map_err(SpeechError::from)?;
        // A transcription of a few seconds of audio takes about a second; estimate the wait.
        let retry_after_secs = 2 + speech.config.queue as u64;
        let app = self.clone();
        let prompt = if speech.config.prompt {
            kb.speech_prompt.clone()
        } else {
            String::new()
        };
        tokio::task::spawn_blocking(move || {
            let speech = &app.inner.speech;
            // Admission happens on the blocking thread, where the ticket lives until the
            // transcription ends.
            let ticket = speech
                .gate
                .try_enter()
                .ok_or(SpeechError::Busy { retry_after_secs })?;
            ticket.run(|| speech.recognizer.transcribe(&samples, &prompt))
        })
        .await
        .map_err(|e| AppError::Internal(format!("transcription task failed: {e}")))?
        .map_err(AppError::from)
    }

    /// A WAV of the answer read aloud by the server's text-to-speech program, cached per answer
    /// version.
    pub async fn read_aloud(
        &self,
        tenant: &str,
        answer_id: &str,
    ) -> Result<Arc<Vec<u8>>, AppError> {
        let kb = self.kb(tenant)?;
        let view = kb
            .by_id
            .get(answer_id)
            .map(|&i| &kb.views[i])
            .ok_or_else(|| AppError::NotFound {
                what: format!("answer '{answer_id}'"),
            })?;
        let speech = &self.inner.speech;
        if !speech.tts_available {
            return Err(AppError::ReadAloudUnavailable);
        }
        let text = spoken_text(&view.title, &view.body_markdown);
        let key = (tenant.to_owned(), answer_id.to_owned(), fnv1a(&text));
        let cached = speech
            .tts_cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&key)
            .cloned();
        if let Some(wav) = cached {
            return Ok(wav);
        }
        let program = speech.config.tts_program.clone();
        let wav = tokio::task::spawn_blocking(move || tts::speak(&program, &text))
            .await
            .map_err(|e| AppError::Internal(format!("read-aloud task failed: {e}")))?
            .map_err(|e| match e {
                tts::TtsError::Unavailable => AppError::ReadAloudUnavailable,
                tts::TtsError::Failed(m) => AppError::Internal(m),
            })?;
        let wav = Arc::new(wav);
        let mut cache = speech
            .tts_cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if cache.len() >= TTS_CACHE {
            cache.clear();
        }
        cache.insert(key, wav.clone());
        Ok(wav)
    }
}

/// A stable 64-bit hash of a text (FNV-1a), for cache keys.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_starts_with_the_base_words_then_the_most_widespread_domain_words() {
        let answers = vec![
            vec![
                "Weiterbewilligungsantrag stellen",
                "Wann kommt der Weiterbewilligungsantrag?",
            ],
            vec!["Heizkosten und Weiterbewilligungsantrag"],
            vec!["Heizkosten nachzahlen", "kurz Miete"],
        ];
        let prompt = vocabulary_prompt(answers, &[vec!["Mietkaution".into(), "Kaution".into()]]);
        assert!(
            prompt.starts_with(
                "Ich habe eine Frage an das Jobcenter zu Bürgergeld, Grundsicherungsgeld, Antrag, "
            ),
            "{prompt}"
        );
        let wba = prompt.find("Weiterbewilligungsantrag").expect("WBA");
        let heiz = prompt.find("Heizkosten").expect("Heizkosten");
        assert!(wba < heiz, "{prompt}");
        assert!(prompt.contains("Mietkaution"));
        assert!(
            !prompt.contains("Miete,"),
            "short words are left to Whisper: {prompt}"
        );
        assert!(!prompt.contains("nachzahlen"), "only nouns: {prompt}");
    }

    #[test]
    fn prompt_is_bounded() {
        let texts: Vec<String> = (0..200u8)
            .map(|i| {
                format!(
                    "Langeswort{}{}",
                    char::from(b'a' + i / 26),
                    char::from(b'a' + i % 26)
                )
            })
            .collect();
        let answers = vec![texts.iter().map(String::as_str).collect::<Vec<_>>()];
        let prompt = vocabulary_prompt(answers, &[]);
        assert_eq!(prompt.matches(", ").count(), PROMPT_WORDS - 2);
        assert!(prompt.ends_with('.'));
    }

    #[test]
    fn answers_are_read_as_text_with_links_by_name() {
        let text = spoken_text(
            "Miete",
            "Die **Miete** zahlt das Jobcenter. Siehe [Formular KdU](https://example.org/kdu.pdf).",
        );
        assert_eq!(
            text,
            "Miete.\nDie Miete zahlt das Jobcenter. Siehe Formular KdU."
        );
    }
}
