//! The typed configuration tree. Defaults live here; the binary layers `lotse.toml` and
//! `LOTSE__SECTION__KEY` environment variables on top and passes the result in explicitly.

use std::path::PathBuf;

use lotse_core::engine::EngineConfig;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub rate_limit: RateLimitConfig,
    pub engine: EngineConfig,
    pub limits: Limits,
    pub log: LogConfig,
    pub retrain: RetrainConfig,
    pub speech: SpeechConfig,
    pub embeddings: EmbeddingsConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    pub listen: String,
    pub data_dir: PathBuf,
    /// Seconds a request may take before it is answered with 503.
    pub request_timeout_secs: u64,
    /// Mark the staff session cookie `Secure` (sent over HTTPS only). Turn on whenever Lotse
    /// is reached through TLS (directly or behind a reverse proxy).
    pub secure_cookies: bool,
    /// Addresses of reverse proxies in front of Lotse (e.g. `["127.0.0.1"]`). For requests from
    /// them the client is the last address in `X-Forwarded-For` that is not itself one of them;
    /// otherwise that header is ignored (anyone could send it). Used only by the rate limit and
    /// the per-address sign-in limit, and never stored.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./lotse-data"),
            request_timeout_secs: 30,
            secure_cookies: false,
            trusted_proxies: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://…`; empty means `lotse.db` in the data directory.
    pub url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    pub enabled: bool,
    /// Requests per minute per client on public endpoints.
    pub per_minute: u32,
    /// Requests a client may make at once before the per-minute rate applies.
    pub burst: u32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            enabled: true,
            per_minute: 60,
            burst: 20,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Longest question in characters (SPEC §3: 1,000).
    pub max_question_chars: usize,
    /// Largest request body in bytes.
    pub max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_question_chars: 1000,
            max_body_bytes: 64 * 1024,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// `tracing` filter, e.g. `info` or `lotse=debug`.
    pub level: String,
    /// `text` or `json`.
    pub format: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            level: "info".into(),
            format: "text".into(),
        }
    }
}

/// The nightly learning job (`lotse_app::retrain`), scheduled by `lotse serve`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RetrainConfig {
    /// Run the job every night while the server runs (`lotse retrain` works either way).
    pub nightly: bool,
    /// The hour (UTC, 0–23) at which it runs. The default 2 is 03:00 in German winter time and
    /// 04:00 in summer time: after the day's traffic, before the office opens.
    pub hour_utc: u32,
}

impl Default for RetrainConfig {
    fn default() -> Self {
        RetrainConfig {
            nightly: true,
            hour_utc: 2,
        }
    }
}

/// Speech input (whisper.cpp, in builds with the `speech` feature) and read-aloud (espeak-ng).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SpeechConfig {
    /// A whisper.cpp model file (`ggml-base.bin`, `ggml-small.bin`, quantised variants). Empty:
    /// `models/ggml-base.bin` in the data directory, if it exists. Without a model Lotse runs
    /// normally and the widget hides the microphone.
    pub model: String,
    /// CPU threads of one transcription.
    pub threads: usize,
    /// Transcriptions that may wait while one runs; more get 503 with `Retry-After`.
    pub queue: usize,
    /// Longest recording in seconds (Whisper's window is 30 s).
    pub max_seconds: u32,
    /// Most tokens of one transcript (stops repetition loops).
    pub max_tokens: u32,
    /// Hypotheses Whisper keeps while decoding (beam search); 1 is greedy decoding, the fastest.
    pub beam_size: u32,
    /// Language of recognition.
    pub language: String,
    /// Give Whisper the tenant's vocabulary (answer titles, question variants, synonyms) as its
    /// initial prompt.
    pub prompt: bool,
    /// The widget sends a transcript at once instead of leaving it in the input box to check.
    pub auto_send: bool,
    /// The text-to-speech program for read-aloud on the server (espeak-ng); empty switches it off.
    /// Browsers with a German voice of their own read aloud without the server.
    pub tts_program: String,
}

impl Default for SpeechConfig {
    fn default() -> Self {
        SpeechConfig {
            model: String::new(),
            threads: 2,
            queue: 2,
            max_seconds: 30,
            max_tokens: 96,
            beam_size: 1,
            language: "de".into(),
            prompt: true,
            auto_send: false,
            tts_program: "espeak-ng".into(),
        }
    }
}

/// The multilingual sentence-embedding model (semantic matching, questions in other languages).
/// Needs a build with the `embeddings` feature and the model files; without them Lotse answers
/// from the words alone and `/readyz` says so.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct EmbeddingsConfig {
    pub enabled: bool,
    /// Directory with `model.safetensors`, `tokenizer.json` and `config.json` of
    /// multilingual-e5-small; empty means `models/e5` in the data directory.
    pub model_dir: PathBuf,
    /// Threads for one embedding; 1 keeps a core free for other requests on a two-core server.
    pub threads: usize,
    /// Questions being embedded at once; more are answered from the words alone meanwhile.
    pub max_in_flight: usize,
}

impl Default for EmbeddingsConfig {
    fn default() -> Self {
        EmbeddingsConfig {
            enabled: true,
            model_dir: PathBuf::new(),
            threads: 1,
            max_in_flight: 4,
        }
    }
}

impl SpeechConfig {
    /// The model file to load: the configured one, or the default place in the data directory.
    pub fn model_path(&self, data_dir: &std::path::Path) -> PathBuf {
        if self.model.is_empty() {
            data_dir.join("models").join("ggml-base.bin")
        } else {
            PathBuf::from(&self.model)
        }
    }

    /// Largest WAV upload: 16-bit samples at 16 kHz for two seconds more than `max_seconds`
    /// (so that a recording a little too long gets the clearer `audio_too_long`), plus headers.
    pub fn max_audio_bytes(&self) -> usize {
        (self.max_seconds as usize + 2) * 32_000 + 4096
    }
}

impl Config {
    /// The embedding model's directory (see [`EmbeddingsConfig::model_dir`]).
    pub fn embeddings_model_dir(&self) -> PathBuf {
        if self.embeddings.model_dir.as_os_str().is_empty() {
            self.server.data_dir.join("models").join("e5")
        } else {
            self.embeddings.model_dir.clone()
        }
    }

    /// Checks values that serde cannot.
    pub fn validate(&self) -> Result<(), String> {
        let e = &self.engine;
        if !(0.0..=1.0).contains(&e.answer_threshold) || !(0.0..=1.0).contains(&e.clarify_threshold)
        {
            return Err(
                "engine.answer_threshold and engine.clarify_threshold must be between 0 and 1"
                    .into(),
            );
        }
        if e.clarify_threshold > e.answer_threshold {
            return Err(
                "engine.clarify_threshold must not be above engine.answer_threshold".into(),
            );
        }
        if !(0.0..=1.0).contains(&e.semantic_skip) {
            return Err("engine.semantic_skip must be between 0 and 1".into());
        }
        if self.embeddings.threads == 0 || self.embeddings.max_in_flight == 0 {
            return Err(
                "embeddings.threads and embeddings.max_in_flight must be at least 1".into(),
            );
        }
        if self.retrain.hour_utc > 23 {
            return Err("retrain.hour_utc must be between 0 and 23".into());
        }
        if self.speech.max_seconds == 0 || self.speech.max_seconds > 30 {
            return Err("speech.max_seconds must be between 1 and 30".into());
        }
        if self.speech.threads == 0 {
            return Err("speech.threads must be at least 1".into());
        }
        if self.speech.beam_size == 0 || self.speech.beam_size > 8 {
            return Err("speech.beam_size must be between 1 (greedy) and 8".into());
        }
        if self.limits.max_question_chars == 0 {
            return Err("limits.max_question_chars must be at least 1".into());
        }
        if self.rate_limit.enabled && self.rate_limit.per_minute == 0 {
            return Err(
                "rate_limit.per_minute must be at least 1 (or set rate_limit.enabled = false)"
                    .into(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid() {
        assert_eq!(Config::default().validate(), Ok(()));
    }

    #[test]
    fn speech_settings_out_of_range_are_clear_errors() {
        type Change = fn(&mut Config);
        let cases: [(Change, &str); 4] = [
            (|c| c.speech.beam_size = 0, "speech.beam_size"),
            (|c| c.speech.beam_size = 9, "speech.beam_size"),
            (|c| c.speech.threads = 0, "speech.threads"),
            (|c| c.speech.max_seconds = 31, "speech.max_seconds"),
        ];
        for (change, key) in cases {
            let mut c = Config::default();
            change(&mut c);
            let err = c.validate().expect_err(key);
            assert!(err.starts_with(key), "{err}");
        }
        let mut c = Config::default();
        c.speech.beam_size = 5;
        assert_eq!(c.validate(), Ok(()));
    }
}
