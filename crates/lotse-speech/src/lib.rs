//! Speech-to-text for Lotse behind a small trait, so that everything around speech can be
//! tested with a fake. The whisper.cpp implementation comes behind the `speech` cargo feature
//! (not built yet: this crate currently offers the trait and the "unavailable" recogniser).
//! This crate knows nothing about HTTP, tenants or the answering engine.

/// Why a transcription failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SpeechError {
    #[error("speech recognition is not available on this server")]
    Unavailable,
    #[error("the audio is not usable: {0}")]
    InvalidAudio(String),
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
}
