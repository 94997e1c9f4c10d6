//! Read-aloud on the server: espeak-ng, run as a separate program (it is GPL-3; calling the
//! program keeps it out of Lotse's own licence). Robotic, but offline and fast (~70 ms for an
//! eleven-second answer). The widget prefers the browser's own German voice where there is one.

use std::io::Write;
use std::process::{Command, Stdio};

/// Why no speech could be produced.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TtsError {
    /// No program configured, or it is not installed.
    #[error("no text-to-speech program is available")]
    Unavailable,
    #[error("text-to-speech failed: {0}")]
    Failed(String),
}

/// Whether `program` can be run (`program --version` succeeds).
pub fn available(program: &str) -> bool {
    !program.is_empty()
        && Command::new(program)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
}

/// A WAV of `text` spoken in German by espeak-ng (`program`), at a calm 150 words per minute.
/// The text goes through stdin, never the command line, so it cannot be read as options.
pub fn speak(program: &str, text: &str) -> Result<Vec<u8>, TtsError> {
    if program.is_empty() {
        return Err(TtsError::Unavailable);
    }
    let mut child = Command::new(program)
        .args(["-v", "de", "-s", "150", "--stdout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => TtsError::Unavailable,
            _ => TtsError::Failed(e.to_string()),
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(text.as_bytes())
            .map_err(|e| TtsError::Failed(e.to_string()))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| TtsError::Failed(e.to_string()))?;
    if !out.status.success() || !out.stdout.starts_with(b"RIFF") {
        return Err(TtsError::Failed(format!(
            "{program} exited with {}",
            out.status
        )));
    }
    Ok(fix_stream_header(out.stdout))
}

/// espeak-ng writes a streamed WAV to stdout with the RIFF and data sizes left at 0xFFFFFFFF (it
/// cannot seek back); browsers play that, but the sizes are set right here for every player.
fn fix_stream_header(mut wav: Vec<u8>) -> Vec<u8> {
    let len = wav.len();
    if len >= 44 && &wav[36..40] == b"data" {
        let riff = u32::try_from(len - 8).unwrap_or(u32::MAX);
        let data = u32::try_from(len - 44).unwrap_or(u32::MAX);
        wav[4..8].copy_from_slice(&riff.to_le_bytes());
        wav[40..44].copy_from_slice(&data.to_le_bytes());
    }
    wav
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_program_is_unavailable_not_an_error() {
        assert_eq!(speak("", "Hallo"), Err(TtsError::Unavailable));
        assert_eq!(
            speak("lotse-no-such-tts-program", "Hallo"),
            Err(TtsError::Unavailable)
        );
        assert!(!available("lotse-no-such-tts-program"));
    }

    #[test]
    fn streamed_header_sizes_are_fixed() {
        let mut wav = crate::wav::encode(&[0; 100], 22_050);
        wav[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        wav[40..44].copy_from_slice(&u32::MAX.to_le_bytes());
        let fixed = fix_stream_header(wav.clone());
        assert_eq!(&fixed[40..44], &200u32.to_le_bytes());
        assert_eq!(&fixed[4..8], &(wav.len() as u32 - 8).to_le_bytes());
    }

    /// Runs only where espeak-ng is installed (CI installs it).
    #[test]
    fn espeak_speaks_german_when_installed() {
        if !available("espeak-ng") {
            return;
        }
        let wav = speak("espeak-ng", "Guten Tag.").expect("test setup");
        let reader = hound::WavReader::new(std::io::Cursor::new(&wav)).expect("test setup");
        assert!(reader.len() > 1000);
    }
}
