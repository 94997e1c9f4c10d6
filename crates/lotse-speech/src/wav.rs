//! The one audio format the server accepts: RIFF WAV, 16 kHz, mono, 16-bit PCM. Browsers decode and
//! resample whatever their recorder produced (WebM/Opus, MP4/AAC) before uploading, so the server
//! never parses a compressed format.

use std::io::Cursor;

/// Sample rate Whisper works at.
pub const SAMPLE_RATE: u32 = 16_000;

/// Why an upload is not usable audio. Each variant is a distinct client error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AudioError {
    #[error("not a WAV file")]
    NotWav,
    #[error("WAV must be 16 kHz mono 16-bit PCM, got {rate} Hz, {channels} channel(s), {bits} bit")]
    WrongFormat { rate: u32, channels: u16, bits: u16 },
    #[error("the recording is longer than {max_secs} s")]
    TooLong { max_secs: u32 },
    #[error("the recording is empty or shorter than a quarter second")]
    TooShort,
}

/// The samples of a 16 kHz mono 16-bit PCM WAV as `f32` in [-1, 1], at most `max_secs` long.
pub fn decode(bytes: &[u8], max_secs: u32) -> Result<Vec<f32>, AudioError> {
    let reader = hound::WavReader::new(Cursor::new(bytes)).map_err(|_| AudioError::NotWav)?;
    let spec = reader.spec();
    if spec.sample_rate != SAMPLE_RATE
        || spec.channels != 1
        || spec.bits_per_sample != 16
        || spec.sample_format != hound::SampleFormat::Int
    {
        return Err(AudioError::WrongFormat {
            rate: spec.sample_rate,
            channels: spec.channels,
            bits: spec.bits_per_sample,
        });
    }
    // Browsers that stream a WAV may leave the data length open (0 or 0xFFFFFFFF); hound then
    // reports what it can read, and the limit below applies to what is actually there.
    let max_samples = max_secs as usize * SAMPLE_RATE as usize;
    let mut samples = Vec::with_capacity((reader.len() as usize).min(max_samples));
    for s in reader.into_samples::<i16>() {
        let Ok(s) = s else { break };
        if samples.len() == max_samples {
            return Err(AudioError::TooLong { max_secs });
        }
        samples.push(f32::from(s) / 32768.0);
    }
    if samples.len() < SAMPLE_RATE as usize / 4 {
        return Err(AudioError::TooShort);
    }
    Ok(samples)
}

/// A 16 kHz mono 16-bit PCM WAV of `samples` (used by tests and tools).
pub fn encode(samples: &[i16], sample_rate: u32) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut out = Cursor::new(Vec::with_capacity(44 + samples.len() * 2));
    // Writing into memory cannot fail for lack of space; a failure would only truncate the result.
    if let Ok(mut writer) = hound::WavWriter::new(&mut out, spec) {
        for &s in samples {
            if writer.write_sample(s).is_err() {
                break;
            }
        }
        let _ = writer.finalize();
    }
    out.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(secs: f32, rate: u32) -> Vec<i16> {
        (0..(secs * rate as f32) as usize)
            .map(|i| ((i as f32 * 0.05).sin() * 8000.0) as i16)
            .collect()
    }

    #[test]
    fn accepts_16khz_mono_pcm() {
        let samples =
            decode(&encode(&tone(1.0, SAMPLE_RATE), SAMPLE_RATE), 30).expect("test setup");
        assert_eq!(samples.len(), 16_000);
        assert!(samples.iter().all(|s| (-1.0..=1.0).contains(s)));
    }

    #[test]
    fn rejects_other_rates_noise_too_long_and_too_short() {
        assert_eq!(
            decode(&encode(&tone(1.0, 44_100), 44_100), 30),
            Err(AudioError::WrongFormat {
                rate: 44_100,
                channels: 1,
                bits: 16
            })
        );
        assert_eq!(
            decode(b"OggS not a wav at all", 30),
            Err(AudioError::NotWav)
        );
        assert_eq!(
            decode(&encode(&tone(3.0, SAMPLE_RATE), SAMPLE_RATE), 2),
            Err(AudioError::TooLong { max_secs: 2 })
        );
        assert_eq!(
            decode(&encode(&tone(0.1, SAMPLE_RATE), SAMPLE_RATE), 30),
            Err(AudioError::TooShort)
        );
    }

    #[test]
    fn rejects_stereo() {
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: SAMPLE_RATE,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut out = Cursor::new(Vec::new());
        let mut w = hound::WavWriter::new(&mut out, spec).expect("test setup");
        for _ in 0..32_000 {
            w.write_sample(0i16).expect("test setup");
        }
        w.finalize().expect("test setup");
        assert!(matches!(
            decode(&out.into_inner(), 30),
            Err(AudioError::WrongFormat { channels: 2, .. })
        ));
    }
}
