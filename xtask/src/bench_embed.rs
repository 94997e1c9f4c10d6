//! The embedding model for benchmarks: every text embedded once and cached on disk
//! (`target/bench-vectors`), so that re-runs of `bench roboai --embeddings` are quick.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Result;
use lotse_core::semantic::{Encoder, Vectors};

/// The benchmark's texts with their vectors, and the model for timing live calls.
pub struct CachedModel {
    vectors: HashMap<String, Vec<f32>>,
    #[cfg(feature = "embeddings")]
    model: lotse_embed::Embedder,
}

impl CachedModel {
    /// Loads the model in `dir` and makes sure every text of `texts` has a vector.
    #[cfg(feature = "embeddings")]
    pub fn prepare(dir: &Path, texts: &[&str]) -> Result<CachedModel> {
        use anyhow::Context;
        let id = lotse_embed::model_id(dir).context("model files")?;
        let mut cache = lotse_embed::VectorCache::open(Path::new("target/bench-vectors"), &id)?;
        let started = std::time::Instant::now();
        let model = lotse_embed::Embedder::load(
            dir,
            lotse_embed::Options {
                threads: 2,
                ..lotse_embed::Options::default()
            },
        )?;
        eprintln!("model loaded in {:.1} s", started.elapsed().as_secs_f64());
        let missing: Vec<&str> = texts
            .iter()
            .copied()
            .filter(|t| cache.get(t).is_none())
            .collect();
        let started = std::time::Instant::now();
        for (i, chunk) in missing.chunks(64).enumerate() {
            let vectors = model.embed(chunk)?;
            let items: Vec<(&str, &[f32])> = chunk
                .iter()
                .zip(&vectors)
                .map(|(t, v)| (*t, &v[..]))
                .collect();
            cache.insert(&items)?;
            if i % 10 == 9 {
                eprintln!(
                    "embedded {} of {} texts ({:.0} s)",
                    (i + 1) * 64,
                    missing.len(),
                    started.elapsed().as_secs_f64()
                );
            }
        }
        let vectors = texts
            .iter()
            .filter_map(|t| cache.get(t).map(|v| ((*t).to_owned(), v.to_vec())))
            .collect();
        Ok(CachedModel { vectors, model })
    }

    #[cfg(not(feature = "embeddings"))]
    pub fn prepare(_dir: &Path, _texts: &[&str]) -> Result<CachedModel> {
        anyhow::bail!(
            "this xtask was built without the model: cargo run --release -p xtask --features embeddings -- bench roboai --embeddings DIR"
        )
    }

    /// Vectors of the knowledge base's texts (all prepared texts; the index takes what it needs).
    pub fn vectors(&self) -> Vectors {
        self.vectors.clone()
    }

    /// An encoder that runs the model for every question (for timing).
    #[cfg(feature = "embeddings")]
    pub fn live(&self) -> impl Encoder + '_ {
        struct Live<'a>(&'a lotse_embed::Embedder);
        impl Encoder for Live<'_> {
            fn encode(&self, text: &str) -> Option<Vec<f32>> {
                Some(self.0.embed(&[text]).ok()?.into_iter().next()?.to_vec())
            }
        }
        Live(&self.model)
    }
}

impl Encoder for CachedModel {
    fn encode(&self, text: &str) -> Option<Vec<f32>> {
        self.vectors.get(text).cloned()
    }
}
