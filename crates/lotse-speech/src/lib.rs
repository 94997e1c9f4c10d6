//! Speech for Lotse: speech-to-text behind the small [`Recognizer`] trait (so everything around
//! speech is tested with [`Fake`]), the WAV format the server accepts ([`wav`]), a [`Gate`] that
//! keeps transcriptions from overrunning the machine, the catalogue of whisper.cpp model files
//! ([`models`]) and read-aloud through espeak-ng as a separate program ([`tts`]).
//!
//! The whisper.cpp recogniser ([`whisper::Whisper`]) is behind the `speech` cargo feature, because
//! it compiles whisper.cpp with cmake. This crate knows nothing about HTTP, tenants or the
//! answering engine; the domain prompt comes from the caller.

pub mod models;
pub mod tts;
pub mod wav;
#[cfg(feature = "speech")]
pub mod whisper;

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

pub use wav::AudioError;

/// Why a transcription failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SpeechError {
    #[error("speech recognition is not available on this server")]
    Unavailable,
    #[error("the audio is not usable: {0}")]
    InvalidAudio(#[from] AudioError),
    /// All transcription slots are taken; try again after `retry_after_secs`.
    #[error("speech recognition is busy")]
    Busy { retry_after_secs: u64 },
    /// The recording held no recognisable words.
    #[error("no speech recognised")]
    NotUnderstood,
    #[error("speech recognition failed: {0}")]
    Failed(String),
}

/// A transcript of spoken audio.
#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    pub text: String,
    pub duration_ms: u64,
    pub language: String,
}

/// Turns 16 kHz mono samples into text.
pub trait Recognizer: Send + Sync {
    /// `prompt` carries domain words (the tenant's vocabulary) that help recognition.
    fn transcribe(&self, samples: &[f32], prompt: &str) -> Result<Transcript, SpeechError>;
    /// Whether a real model is loaded.
    fn available(&self) -> bool;
}

/// The recogniser of builds without a speech model: always `Unavailable`.
pub struct Unavailable;

impl Recognizer for Unavailable {
    fn transcribe(&self, _samples: &[f32], _prompt: &str) -> Result<Transcript, SpeechError> {
        Err(SpeechError::Unavailable)
    }
    fn available(&self) -> bool {
        false
    }
}

/// A recogniser for tests: returns a fixed text for any audio (an empty text means "not
/// understood"), remembers the prompts it was given, and can hold each call until released.
pub struct Fake {
    text: String,
    prompts: Mutex<Vec<String>>,
    hold: Mutex<Option<std::sync::mpsc::Receiver<()>>>,
}

impl Fake {
    pub fn new(text: &str) -> Fake {
        Fake {
            text: text.to_owned(),
            prompts: Mutex::new(Vec::new()),
            hold: Mutex::new(None),
        }
    }

    /// Makes every call wait for a message on the returned sender (to test the queue).
    pub fn held(text: &str) -> (Fake, std::sync::mpsc::Sender<()>) {
        let (tx, rx) = std::sync::mpsc::channel();
        let fake = Fake::new(text);
        *fake
            .hold
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(rx);
        (fake, tx)
    }

    /// The prompts of all calls so far.
    pub fn prompts(&self) -> Vec<String> {
        self.prompts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl Recognizer for Fake {
    fn transcribe(&self, samples: &[f32], prompt: &str) -> Result<Transcript, SpeechError> {
        self.prompts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(prompt.to_owned());
        if let Some(rx) = &*self
            .hold
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
        {
            let _ = rx.recv();
        }
        let text = clean_transcript(&self.text);
        if text.is_empty() {
            return Err(SpeechError::NotUnderstood);
        }
        Ok(Transcript {
            text,
            duration_ms: duration_ms(samples),
            language: "de".into(),
        })
    }
    fn available(&self) -> bool {
        true
    }
}

/// Length of 16 kHz audio in milliseconds.
pub fn duration_ms(samples: &[f32]) -> u64 {
    samples.len() as u64 * 1000 / u64::from(wav::SAMPLE_RATE)
}

/// Whisper's text without what it adds around speech: bracketed sound labels (`[Musik]`,
/// `(Applaus)`, `*Husten*`), the subtitle credits it learnt from films, surplus spaces, and a
/// final full stop. Whisper ends most sentences with "." whether they were asked or said (it
/// rarely hears a question's intonation, never in a synthetic voice), and to the engine a "."
/// marks a statement; a transcript without a mark reads like a typed chat line. Asked without
/// it, 4 more of 87 spoken development questions were answered right (docs/benchmarks.md).
/// "?" and "!" are kept: Whisper only writes them when it heard them.
pub fn clean_transcript(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let (mut depth, mut starred) = (0usize, false);
    for c in raw.chars() {
        match c {
            '[' | '(' => depth += 1,
            ']' | ')' => depth = depth.saturating_sub(1),
            '*' => starred = !starred,
            _ if depth == 0 && !starred => out.push(c),
            _ => {}
        }
    }
    let lower = out.to_lowercase();
    if lower.contains("untertitel")
        && (lower.contains("zdf") || lower.contains("amara") || lower.contains("im auftrag"))
    {
        return String::new();
    }
    let words: Vec<&str> = out.split_whitespace().collect();
    let text = without_repeats(&words).join(" ");
    text.trim_end_matches(['.', '…', ',']).trim_end().to_owned()
}

/// The words with Whisper's repetition loops taken out. On short or unclear audio, greedy
/// decoding can fall into a loop and write one phrase again and again until the token cap
/// ("Masamefart, Klostenisch-Tattung Masamefart, Klostenisch-Tattung Mas"); to the engine that
/// weighs the misheard words many times over. A phrase of two or more words that comes twice
/// or more in a row, or a single word three or more times, is kept once, and a cut-off copy at
/// the end is dropped. Words are compared without case and punctuation.
fn without_repeats<'a>(words: &[&'a str]) -> Vec<&'a str> {
    fn key(word: &str) -> String {
        word.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    }
    let keys: Vec<String> = words.iter().map(|w| key(w)).collect();
    let mut out = Vec::with_capacity(words.len());
    let mut i = 0;
    'words: while i < words.len() {
        for len in 1..=(words.len() - i) / 2 {
            let block = &keys[i..i + len];
            let mut copies = 1;
            while keys.get(i + (copies + 1) * len - 1).is_some()
                && keys[i + copies * len..i + (copies + 1) * len] == *block
            {
                copies += 1;
            }
            if copies < if len == 1 { 3 } else { 2 } {
                continue;
            }
            out.extend_from_slice(&words[i..i + len]);
            i += copies * len;
            // A last copy cut off by the token cap: whole words of the phrase, then a prefix.
            let rest = &keys[i..];
            let cut_off = rest.len() < len
                && rest.iter().enumerate().all(|(k, w)| {
                    *w == block[k] || (k == rest.len() - 1 && block[k].starts_with(w.as_str()))
                });
            if cut_off {
                break 'words;
            }
            continue 'words;
        }
        out.push(words[i]);
        i += 1;
    }
    out
}

/// Admission to the recogniser: one transcription runs at a time (two cores cannot do two
/// without both getting slow), up to `queue` more wait their turn, and anything beyond is
/// refused at once so that requests never pile up and time out.
pub struct Gate {
    /// Running plus waiting.
    admitted: AtomicUsize,
    capacity: usize,
    run: Mutex<()>,
}

/// A place in the gate; the slot is free again when it is dropped.
pub struct Ticket<'a> {
    gate: &'a Gate,
}

impl Gate {
    pub fn new(queue: usize) -> Gate {
        Gate {
            admitted: AtomicUsize::new(0),
            capacity: queue + 1,
            run: Mutex::new(()),
        }
    }

    /// A ticket, or `None` when the queue is full.
    pub fn try_enter(&self) -> Option<Ticket<'_>> {
        let mut now = self.admitted.load(Ordering::Acquire);
        loop {
            if now >= self.capacity {
                return None;
            }
            match self
                .admitted
                .compare_exchange(now, now + 1, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return Some(Ticket { gate: self }),
                Err(actual) => now = actual,
            }
        }
    }
}

impl Ticket<'_> {
    /// Waits for the turn and runs `f` as the only transcription.
    pub fn run<T>(self, f: impl FnOnce() -> T) -> T {
        let _turn = self
            .gate
            .run
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f()
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        self.gate.admitted.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unavailable_says_so() {
        assert!(!Unavailable.available());
        assert_eq!(
            Unavailable.transcribe(&[0.0; 160], ""),
            Err(SpeechError::Unavailable)
        );
    }

    #[test]
    fn gate_admits_one_running_plus_the_queue_and_frees_slots() {
        let gate = Gate::new(1);
        let a = gate.try_enter().expect("first");
        let b = gate.try_enter().expect("queued");
        assert!(gate.try_enter().is_none());
        drop(a);
        let c = gate.try_enter().expect("slot freed");
        assert_eq!(b.run(|| 7), 7);
        drop(c);
        assert!(gate.try_enter().is_some());
    }

    #[test]
    fn transcripts_lose_sound_labels_and_subtitle_credits() {
        assert_eq!(
            clean_transcript(" [Musik] Wie beantrage ich  Bürgergeld? (Applaus)"),
            "Wie beantrage ich Bürgergeld?"
        );
        assert_eq!(clean_transcript("*Husten* Miete"), "Miete");
        assert_eq!(clean_transcript("Untertitel im Auftrag des ZDF, 2020"), "");
    }

    #[test]
    fn repetition_loops_are_kept_once() {
        assert_eq!(
            clean_transcript(
                "Masamefart, Klostenisch-Tattung Masamefart, Klostenisch-Tattung \
                 Masamefart, Klostenisch-Tattung Mas"
            ),
            "Masamefart, Klostenisch-Tattung"
        );
        assert_eq!(
            clean_transcript("Ego Max-Pare, Ego Max-Pare, Ego Max-Pare, Ego Max-Pare,"),
            "Ego Max-Pare"
        );
        assert_eq!(
            clean_transcript("Miete Miete Miete Miete zu hoch"),
            "Miete zu hoch"
        );
        // Real speech repeats words now and then; that stays.
        assert_eq!(
            clean_transcript("Ja, ja, ich habe die die Miete bezahlt"),
            "Ja, ja, ich habe die die Miete bezahlt"
        );
        assert_eq!(
            clean_transcript("Wie lange, wie lange dauert das?"),
            "Wie lange, dauert das?"
        );
        assert_eq!(clean_transcript("Miete"), "Miete");
        assert_eq!(clean_transcript(""), "");
    }

    #[test]
    fn transcripts_lose_the_final_full_stop_but_keep_question_marks() {
        assert_eq!(
            clean_transcript(" Muss ich zum Termin persönlich kommen. "),
            "Muss ich zum Termin persönlich kommen"
        );
        assert_eq!(clean_transcript("Miete zu hoch..."), "Miete zu hoch");
        assert_eq!(
            clean_transcript("Wer zahlt die Miete?"),
            "Wer zahlt die Miete?"
        );
        assert_eq!(clean_transcript("Hilfe!"), "Hilfe!");
        assert_eq!(clean_transcript("Am 1.3. umgezogen."), "Am 1.3. umgezogen");
        assert_eq!(clean_transcript(" . "), "");
    }

    #[test]
    fn fake_remembers_prompts_and_reports_silence_as_not_understood() {
        let fake = Fake::new("Wer zahlt die Miete?");
        let t = fake
            .transcribe(&[0.0; 32_000], "Jobcenter")
            .expect("test setup");
        assert_eq!(
            (t.text.as_str(), t.duration_ms),
            ("Wer zahlt die Miete?", 2000)
        );
        assert_eq!(fake.prompts(), vec!["Jobcenter"]);
        assert_eq!(
            Fake::new("[Musik]").transcribe(&[0.0; 160], ""),
            Err(SpeechError::NotUnderstood)
        );
    }
}
