//! The on-disk vector cache: every question variant is embedded once per model, so restarts and
//! content edits only embed what changed.
//!
//! One file per model, `<dir>/<model id>.vec`: an 8-byte magic, the dimension (u32 LE), then
//! records of a 16-byte key (the first half of the SHA-256 of the text) and the vector as f32 LE.
//! Records are only appended. A torn last record (a crash during a write) is cut off on opening;
//! a file with a foreign header is replaced. Citizens' questions are never put in the cache, only
//! the texts of the knowledge base.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::{DIM, EmbedError};

const MAGIC: &[u8; 8] = b"LOTSEV01";
const HEADER: usize = 12;

type Key = [u8; 16];

fn key(text: &str) -> Key {
    let digest = Sha256::digest(text.as_bytes());
    let mut k = [0u8; 16];
    k.copy_from_slice(&digest[..16]);
    k
}

/// See the module docs.
pub struct VectorCache {
    path: PathBuf,
    vectors: HashMap<Key, Box<[f32]>>,
}

impl std::fmt::Debug for VectorCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VectorCache")
            .field("path", &self.path)
            .field("vectors", &self.vectors.len())
            .finish()
    }
}

impl VectorCache {
    /// Opens (or creates) the cache of model `model_id` in `dir`.
    pub fn open(dir: &Path, model_id: &str) -> io::Result<VectorCache> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(format!("{model_id}.vec"));
        let mut cache = VectorCache {
            path,
            vectors: HashMap::new(),
        };
        let mut bytes = Vec::new();
        match File::open(&cache.path) {
            Ok(mut f) => {
                f.read_to_end(&mut bytes)?;
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let record = 16 + DIM * 4;
        let valid_header = bytes.len() >= HEADER
            && &bytes[..8] == MAGIC
            && u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize == DIM;
        if !valid_header {
            let mut f = File::create(&cache.path)?;
            f.write_all(MAGIC)?;
            f.write_all(&(DIM as u32).to_le_bytes())?;
            f.sync_all()?;
            return Ok(cache);
        }
        let whole = (bytes.len() - HEADER) / record;
        for r in bytes[HEADER..HEADER + whole * record].chunks_exact(record) {
            let mut k = [0u8; 16];
            k.copy_from_slice(&r[..16]);
            let v: Box<[f32]> = r[16..]
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            cache.vectors.insert(k, v);
        }
        let end = (HEADER + whole * record) as u64;
        if end < bytes.len() as u64 {
            let f = OpenOptions::new().write(true).open(&cache.path)?;
            f.set_len(end)?;
        }
        Ok(cache)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn len(&self) -> usize {
        self.vectors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.vectors.is_empty()
    }

    /// The cached vector of `text`.
    pub fn get(&self, text: &str) -> Option<&[f32]> {
        self.vectors.get(&key(text)).map(|v| &v[..])
    }

    /// Adds vectors and appends them to the file (texts already cached are skipped).
    pub fn insert(&mut self, items: &[(&str, &[f32])]) -> io::Result<()> {
        let mut f = OpenOptions::new().append(true).open(&self.path)?;
        f.seek(SeekFrom::End(0))?;
        let mut w = BufWriter::new(f);
        for (text, v) in items {
            if v.len() != DIM {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("vector of {} dimensions, expected {DIM}", v.len()),
                ));
            }
            let k = key(text);
            if self.vectors.contains_key(&k) {
                continue;
            }
            w.write_all(&k)?;
            for x in *v {
                w.write_all(&x.to_le_bytes())?;
            }
            self.vectors.insert(k, v.to_vec().into_boxed_slice());
        }
        w.flush()?;
        Ok(())
    }
}

/// An identifier of a model directory's weights that changes when the model changes: a hash of
/// `config.json`, the safetensors header (tensor names, types, shapes, offsets) and the file
/// sizes. Cheap: the 470 MB of weights are not read.
pub fn model_id(dir: &Path) -> Result<String, EmbedError> {
    let mut h = Sha256::new();
    for name in ["config.json", "tokenizer.json", "model.safetensors"] {
        let path = dir.join(name);
        let mut f = File::open(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => EmbedError::Missing(path.clone()),
            _ => EmbedError::Invalid {
                file: path.clone(),
                reason: e.to_string(),
            },
        })?;
        let len = f
            .metadata()
            .map_err(|e| EmbedError::Invalid {
                file: path.clone(),
                reason: e.to_string(),
            })?
            .len();
        h.update(name.as_bytes());
        h.update(len.to_le_bytes());
        let mut head = vec![0u8; len.min(64 * 1024) as usize];
        f.read_exact(&mut head).map_err(|e| EmbedError::Invalid {
            file: path.clone(),
            reason: e.to_string(),
        })?;
        h.update(&head);
    }
    let digest = h.finalize();
    Ok(format!(
        "e5-{}",
        digest[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(x: f32) -> Vec<f32> {
        vec![x; DIM]
    }

    #[test]
    fn vectors_survive_a_reopen_and_a_torn_record() {
        let dir = tempfile::tempdir().expect("test setup");
        let mut cache = VectorCache::open(dir.path(), "m1").expect("test setup");
        let (a, b) = (vector(0.5), vector(-1.0));
        cache
            .insert(&[("Wer zahlt die Miete?", &a), ("Kaution", &b)])
            .expect("test setup");
        // The same text again is not appended twice.
        cache.insert(&[("Kaution", &b)]).expect("test setup");
        let len = std::fs::metadata(cache.path()).expect("test setup").len();
        assert_eq!(len as usize, HEADER + 2 * (16 + DIM * 4));

        // A crash in the middle of a third record.
        let mut f = OpenOptions::new()
            .append(true)
            .open(cache.path())
            .expect("test setup");
        f.write_all(&[1, 2, 3, 4, 5]).expect("test setup");
        drop(f);

        let cache = VectorCache::open(dir.path(), "m1").expect("test setup");
        assert_eq!(cache.len(), 2);
        assert_eq!(
            cache.get("Wer zahlt die Miete?").expect("test setup"),
            &a[..]
        );
        assert_eq!(cache.get("Kaution").expect("test setup"), &b[..]);
        assert!(cache.get("unbekannt").is_none());
        let len = std::fs::metadata(cache.path()).expect("test setup").len();
        assert_eq!(
            len as usize,
            HEADER + 2 * (16 + DIM * 4),
            "torn tail cut off"
        );
    }

    #[test]
    fn another_model_has_its_own_file_and_garbage_is_replaced() {
        let dir = tempfile::tempdir().expect("test setup");
        let mut cache = VectorCache::open(dir.path(), "m1").expect("test setup");
        cache.insert(&[("x", &vector(1.0))]).expect("test setup");
        assert!(
            VectorCache::open(dir.path(), "m2")
                .expect("test setup")
                .is_empty()
        );
        std::fs::write(dir.path().join("m1.vec"), b"not a cache").expect("test setup");
        assert!(
            VectorCache::open(dir.path(), "m1")
                .expect("test setup")
                .is_empty()
        );
    }

    #[test]
    fn wrong_dimension_is_refused() {
        let dir = tempfile::tempdir().expect("test setup");
        let mut cache = VectorCache::open(dir.path(), "m").expect("test setup");
        assert!(cache.insert(&[("x", &[1.0, 2.0][..])]).is_err());
    }

    #[test]
    fn model_id_needs_the_files() {
        let dir = tempfile::tempdir().expect("test setup");
        assert!(matches!(model_id(dir.path()), Err(EmbedError::Missing(_))));
        for name in ["config.json", "tokenizer.json", "model.safetensors"] {
            std::fs::write(dir.path().join(name), name).expect("test setup");
        }
        let a = model_id(dir.path()).expect("test setup");
        std::fs::write(dir.path().join("config.json"), "{}").expect("test setup");
        assert_ne!(a, model_id(dir.path()).expect("test setup"));
    }
}
