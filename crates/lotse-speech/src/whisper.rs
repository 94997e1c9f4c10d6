//! The whisper.cpp recogniser (crate `whisper-rs`), for standard ggml model files such as
//! `ggml-base.bin`. Tuned for short questions on a small CPU (see `../shared/models.md`):
//!
//! - only the spoken length is encoded (`audio_ctx = seconds·50 + 64` instead of the full 30 s
//!   window), which makes a 5 s question several times cheaper;
//! - greedy decoding (beam search on request, `speech.beam_size`) with a token cap, so a repetition
//!   loop cannot run away;
//! - German, no timestamps, one segment, the tenant's vocabulary as the initial prompt;
//! - a moment of silence before the speech ([`LEAD_SILENCE`]): with the shortened window, a clip
//!   whose first word starts at once was transcribed clearly worse (docs/benchmarks.md).
//!
//! whisper.cpp is built with OpenMP; its threads must not spin while waiting, so run the process
//! with `OMP_WAIT_POLICY=PASSIVE` (`lotse serve` arranges that itself).

use std::path::Path;
use std::sync::Mutex;

use whisper_rs::{
    FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters, WhisperState,
};

use crate::{Recognizer, SpeechError, Transcript, clean_transcript, duration_ms};

/// Recognition settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub threads: usize,
    /// Most tokens in a transcript (a question is rarely over 60).
    pub max_tokens: u32,
    /// Beam width; 1 decodes greedily.
    pub beam_size: u32,
    pub language: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            threads: 2,
            max_tokens: 96,
            beam_size: 1,
            language: "de".into(),
        }
    }
}

/// A loaded whisper.cpp model with one decoding state (transcriptions take turns; the
/// [`crate::Gate`] in front decides who waits).
pub struct Whisper {
    state: Mutex<WhisperState>,
    // The context must outlive the state; whisper-rs keeps it alive through the state too.
    _ctx: WhisperContext,
    settings: Settings,
}

impl Whisper {
    /// Loads a model file. Fails with [`SpeechError::Failed`] if it is not a whisper.cpp model.
    pub fn load(path: &Path, settings: Settings) -> Result<Whisper, SpeechError> {
        whisper_rs::install_logging_hooks();
        let path_str = path
            .to_str()
            .ok_or_else(|| SpeechError::Failed("model path is not UTF-8".into()))?;
        let mut params = WhisperContextParameters::default();
        params.use_gpu(false);
        let ctx = WhisperContext::new_with_params(path_str, params)
            .map_err(|e| SpeechError::Failed(format!("loading {}: {e}", path.display())))?;
        let state = ctx
            .create_state()
            .map_err(|e| SpeechError::Failed(format!("creating the decoder state: {e}")))?;
        Ok(Whisper {
            state: Mutex::new(state),
            _ctx: ctx,
            settings,
        })
    }
}

/// Silence put before every clip, in samples (0.8 s). Measured on the 87 spoken development
/// questions (espeak-ng clips start with the first word): word error rate 56.3 % without, 49.8 %
/// with 0.2 s, 49.2 % with 0.8 s, 53.4 % with 1.5 s. A browser recording usually has some silence
/// of its own; more does no harm beyond the 40 encoder positions it costs.
const LEAD_SILENCE: usize = crate::wav::SAMPLE_RATE as usize * 4 / 5;

/// Whisper expects at least a second of audio; shorter input is padded with silence to this.
const MIN_INPUT: usize = crate::wav::SAMPLE_RATE as usize + 1_600;

/// The clip as whisper gets it: [`LEAD_SILENCE`] before it, silence after a very short one.
fn model_input(samples: &[f32]) -> Vec<f32> {
    let mut input = vec![0.0; LEAD_SILENCE];
    input.extend_from_slice(samples);
    if input.len() < MIN_INPUT {
        input.resize(MIN_INPUT, 0.0);
    }
    input
}

/// Encoder positions for `samples`: 50 per second plus a margin, at most the full window.
pub fn audio_ctx(samples: usize) -> i32 {
    let secs = samples.div_ceil(crate::wav::SAMPLE_RATE as usize);
    i32::try_from(secs * 50 + 64).unwrap_or(1500).min(1500)
}

impl Recognizer for Whisper {
    fn transcribe(&self, samples: &[f32], prompt: &str) -> Result<Transcript, SpeechError> {
        let strategy = if self.settings.beam_size > 1 {
            SamplingStrategy::BeamSearch {
                beam_size: i32::try_from(self.settings.beam_size.min(8)).unwrap_or(1),
                patience: -1.0,
            }
        } else {
            SamplingStrategy::Greedy { best_of: 1 }
        };
        let mut params = FullParams::new(strategy);
        params.set_n_threads(i32::try_from(self.settings.threads.max(1)).unwrap_or(2));
        params.set_language(Some(&self.settings.language));
        params.set_translate(false);
        params.set_no_context(true);
        params.set_single_segment(true);
        params.set_no_timestamps(true);
        params.set_print_special(false);
        params.set_print_progress(false);
        params.set_print_realtime(false);
        params.set_print_timestamps(false);
        params.set_suppress_blank(true);
        params.set_max_tokens(i32::try_from(self.settings.max_tokens).unwrap_or(96));
        let input = model_input(samples);
        params.set_audio_ctx(audio_ctx(input.len()));
        // Retries at higher temperature cost a full decode each; a question is short enough
        // that the first greedy pass is kept.
        params.set_temperature_inc(0.0);
        if !prompt.is_empty() {
            params.set_initial_prompt(prompt);
        }
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        state
            .full(params, &input)
            .map_err(|e| SpeechError::Failed(format!("whisper: {e}")))?;
        let mut raw = String::new();
        for segment in state.as_iter() {
            if let Ok(text) = segment.to_str_lossy() {
                raw.push_str(&text);
            }
        }
        drop(state);
        let text = clean_transcript(&raw);
        if text.chars().filter(|c| c.is_alphanumeric()).count() < 2 {
            return Err(SpeechError::NotUnderstood);
        }
        Ok(Transcript {
            text,
            duration_ms: duration_ms(samples),
            language: self.settings.language.clone(),
        })
    }

    fn available(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_ctx_covers_the_spoken_length_only() {
        assert_eq!(audio_ctx(16_000 * 5), 314);
        assert_eq!(audio_ctx(16_000 * 2 + 1), 214);
        assert_eq!(audio_ctx(16_000 * 60), 1500);
    }

    #[test]
    fn the_model_hears_silence_first_and_at_least_a_second() {
        let clip = vec![0.5f32; 16_000 * 3];
        let input = model_input(&clip);
        assert_eq!(input.len(), LEAD_SILENCE + clip.len());
        assert!(input[..LEAD_SILENCE].iter().all(|x| *x == 0.0));
        assert_eq!(&input[LEAD_SILENCE..], &clip[..]);
        let short = model_input(&[0.5f32; 1_000]);
        assert_eq!(short.len(), MIN_INPUT);
        assert_eq!(short[LEAD_SILENCE], 0.5);
        assert_eq!(short[LEAD_SILENCE + 1_000], 0.0);
    }
}
