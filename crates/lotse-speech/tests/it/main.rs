//! Tests against a real whisper.cpp model. They run when `LOTSE_TEST_WHISPER_MODEL` names a model
//! file (CI converts one with `cargo xtask models whisper`) and the crate is built with `speech`.

#[cfg(feature = "speech")]
mod whisper {
    use std::path::PathBuf;
    use std::process::Command;

    use lotse_speech::whisper::{Settings, Whisper};
    use lotse_speech::{Recognizer, SpeechError, wav};

    fn model() -> Option<PathBuf> {
        std::env::var_os("LOTSE_TEST_WHISPER_MODEL").map(PathBuf::from)
    }

    /// German speech from espeak-ng, resampled to 16 kHz mono 16-bit with sox.
    fn spoken(text: &str) -> Vec<u8> {
        let dir = tempfile::tempdir().expect("test setup");
        let raw = dir.path().join("raw.wav");
        let out = dir.path().join("q.wav");
        let ok = Command::new("espeak-ng")
            .args(["-v", "de", "-s", "150", "-w"])
            .arg(&raw)
            .arg(text)
            .status()
            .expect("espeak-ng is installed where the model is")
            .success();
        assert!(ok);
        let ok = Command::new("sox")
            .arg(&raw)
            .args(["-r", "16000", "-c", "1", "-b", "16"])
            .arg(&out)
            .status()
            .expect("sox is installed where the model is")
            .success();
        assert!(ok);
        std::fs::read(out).expect("test setup")
    }

    #[test]
    fn transcribes_a_spoken_german_question() {
        let Some(path) = model() else { return };
        let whisper = Whisper::load(&path, Settings::default()).expect("test setup");
        let samples =
            wav::decode(&spoken("Wie beantrage ich Bürgergeld?"), 30).expect("test setup");
        let t = whisper
            .transcribe(
                &samples,
                "Jobcenter, Bürgergeld, Grundsicherungsgeld, Miete.",
            )
            .expect("test setup");
        // Robotic voices are hard for Whisper base ("wie beim trageschmügergeld" is typical), so
        // only the word stem that any working model hears is required.
        let text = t.text.to_lowercase();
        assert!(text.contains("geld"), "{text}");
        assert_eq!(t.language, "de");
        assert!(t.duration_ms > 1000);
    }

    #[test]
    fn silence_is_not_understood() {
        let Some(path) = model() else { return };
        let whisper = Whisper::load(&path, Settings::default()).expect("test setup");
        let result = whisper.transcribe(&[0.0; 32_000], "");
        assert!(
            matches!(result, Err(SpeechError::NotUnderstood)),
            "{result:?}"
        );
    }

    #[test]
    fn a_file_that_is_no_model_fails_cleanly() {
        let dir = tempfile::tempdir().expect("test setup");
        let path = dir.path().join("ggml-kaputt.bin");
        std::fs::write(&path, b"not a model").expect("test setup");
        assert!(matches!(
            Whisper::load(&path, Settings::default()),
            Err(SpeechError::Failed(_))
        ));
    }
}
