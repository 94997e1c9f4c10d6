//! The embedding model inside the application: where it comes from, its state (for `/readyz`),
//! the on-disk vector cache, and the [`Encoder`] the engine asks for a question's vector.
//!
//! Start-up never waits for the model: the indexes are built from the cached vectors at once
//! (lexically where vectors are missing), the model loads on a background thread, and once it
//! is there the missing vectors are embedded and the affected tenants re-indexed (see
//! [`crate::App::complete_vectors`]). Only the knowledge base's texts go into the cache, never a
//! citizen's question.

use std::path::PathBuf;
use std::sync::atomic::AtomicUsize;
#[cfg(feature = "embeddings")]
use std::sync::atomic::Ordering;
use std::sync::{Mutex, OnceLock, RwLock};

use lotse_core::semantic::{Encoder, Vectors};
use lotse_embed::VectorCache;

use crate::config::Config;

/// What the semantic part can do right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Switched off in the configuration.
    Disabled,
    /// This binary was built without the `embeddings` feature.
    NotBuilt,
    /// The model files are not there (`cargo xtask models e5` or `lotse models`).
    Missing(PathBuf),
    /// The model files are there but cannot be used.
    Failed(String),
    /// Loading in the background; cached vectors are already used for indexing.
    Loading,
    Ready,
}

impl State {
    /// The short word `/readyz` reports.
    pub fn label(&self) -> &'static str {
        match self {
            State::Disabled => "disabled",
            State::NotBuilt => "not_built",
            State::Missing(_) => "model_missing",
            State::Failed(_) => "failed",
            State::Loading => "loading",
            State::Ready => "ready",
        }
    }

    /// A sentence for operators.
    pub fn describe(&self) -> String {
        match self {
            State::Disabled => "semantic matching is switched off (embeddings.enabled = false); answering from the words alone".into(),
            State::NotBuilt => "this build has no semantic matching (cargo feature `embeddings`); answering from the words alone".into(),
            State::Missing(dir) => format!(
                "embedding model not found in {}; answering from the words alone (install it with `cargo xtask models e5 --out {}`)",
                dir.display(),
                dir.display()
            ),
            State::Failed(why) => format!("embedding model unusable ({why}); answering from the words alone"),
            State::Loading => "embedding model loading".into(),
            State::Ready => "semantic matching ready".into(),
        }
    }
}

/// Questions are embedded by at most this many threads at once; see [`Semantic::encode`].
#[cfg(feature = "embeddings")]
struct InFlight<'a>(&'a AtomicUsize);

#[cfg(feature = "embeddings")]
impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// See the module docs.
pub struct Semantic {
    state: RwLock<State>,
    #[cfg_attr(not(feature = "embeddings"), allow(dead_code))]
    model_dir: PathBuf,
    cache: Mutex<Option<VectorCache>>,
    #[cfg(feature = "embeddings")]
    model: OnceLock<lotse_embed::Embedder>,
    #[cfg(not(feature = "embeddings"))]
    #[allow(dead_code)]
    model: OnceLock<()>,
    in_flight: AtomicUsize,
    max_in_flight: usize,
    threads: usize,
}

impl std::fmt::Debug for Semantic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Semantic")
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

impl Semantic {
    /// Finds the model and opens its vector cache; the model itself is loaded by [`Semantic::load`].
    pub fn new(config: &Config) -> Semantic {
        let model_dir = config.embeddings_model_dir();
        let semantic = Semantic {
            state: RwLock::new(State::Loading),
            model_dir: model_dir.clone(),
            cache: Mutex::new(None),
            model: OnceLock::new(),
            in_flight: AtomicUsize::new(0),
            max_in_flight: config.embeddings.max_in_flight.max(1),
            threads: config.embeddings.threads.max(1),
        };
        let state = if !config.embeddings.enabled {
            State::Disabled
        } else if !cfg!(feature = "embeddings") {
            State::NotBuilt
        } else {
            match lotse_embed::model_id(&model_dir) {
                Err(lotse_embed::EmbedError::Missing(_)) => State::Missing(model_dir),
                Err(e) => State::Failed(e.to_string()),
                Ok(id) => {
                    let dir = config.server.data_dir.join("vectors");
                    match VectorCache::open(&dir, &id) {
                        Ok(cache) => {
                            *semantic.cache.lock().unwrap_or_else(|p| p.into_inner()) = Some(cache);
                            State::Loading
                        }
                        Err(e) => {
                            State::Failed(format!("vector cache {} not usable: {e}", dir.display()))
                        }
                    }
                }
            }
        };
        semantic.set_state(state);
        semantic
    }

    fn set_state(&self, state: State) {
        *self.state.write().unwrap_or_else(|p| p.into_inner()) = state;
    }

    pub fn state(&self) -> State {
        self.state.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// True when vectors can be looked up (the model is loading or ready).
    pub fn active(&self) -> bool {
        matches!(
            *self.state.read().unwrap_or_else(|p| p.into_inner()),
            State::Loading | State::Ready
        )
    }

    /// Asked on every question: reads the state without cloning it.
    pub fn ready(&self) -> bool {
        matches!(
            *self.state.read().unwrap_or_else(|p| p.into_inner()),
            State::Ready
        )
    }

    /// Loads the model (slow: seconds; call on a blocking thread). Returns true when it is ready.
    pub fn load(&self) -> bool {
        if self.state() != State::Loading {
            return false;
        }
        #[cfg(feature = "embeddings")]
        {
            let options = lotse_embed::Options {
                threads: self.threads,
                ..lotse_embed::Options::default()
            };
            match lotse_embed::Embedder::load(&self.model_dir, options) {
                Ok(model) => {
                    let _ = self.model.set(model);
                    self.set_state(State::Ready);
                    true
                }
                Err(e) => {
                    self.set_state(State::Failed(e.to_string()));
                    false
                }
            }
        }
        #[cfg(not(feature = "embeddings"))]
        {
            let _ = self.threads;
            false
        }
    }

    /// Number of vectors in the cache.
    pub fn cached(&self) -> usize {
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map_or(0, VectorCache::len)
    }

    /// The cached vectors of `texts`, and the texts that have none yet.
    pub fn lookup(&self, texts: &[&str]) -> (Vectors, Vec<String>) {
        let mut vectors = Vectors::new();
        let mut missing = Vec::new();
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let Some(cache) = cache.as_ref() else {
            return (vectors, missing);
        };
        for t in texts {
            match cache.get(t) {
                Some(v) => {
                    vectors.insert((*t).to_owned(), v.to_vec());
                }
                None => missing.push((*t).to_owned()),
            }
        }
        (vectors, missing)
    }

    /// Embeds knowledge-base texts with the model and stores them in the cache (slow: about
    /// 20–40 ms per text on one core; call on a blocking thread). Returns how many were added;
    /// 0 when the model is not ready.
    pub fn embed_into_cache(&self, texts: &[String]) -> usize {
        if texts.is_empty() {
            return 0;
        }
        #[cfg(feature = "embeddings")]
        {
            let Some(model) = self.model.get() else {
                return 0;
            };
            let mut added = 0;
            for chunk in texts.chunks(64) {
                let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
                let vectors = match model.embed(&refs) {
                    Ok(v) => v,
                    Err(e) => {
                        tracing::error!(error = %e, "embedding knowledge-base texts failed");
                        return added;
                    }
                };
                let items: Vec<(&str, &[f32])> = refs
                    .iter()
                    .zip(&vectors)
                    .map(|(t, v)| (*t, &v[..]))
                    .collect();
                let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(cache) = cache.as_mut() {
                    if let Err(e) = cache.insert(&items) {
                        tracing::error!(error = %e, "writing the vector cache failed");
                        return added;
                    }
                    added += items.len();
                }
            }
            added
        }
        #[cfg(not(feature = "embeddings"))]
        0
    }
}

impl Encoder for Semantic {
    /// The question's vector, if the model is ready and not already busy with
    /// `max_in_flight` questions (then the question is answered from its words: a flood of
    /// foreign-language questions must not queue up every request behind the model).
    fn encode(&self, text: &str) -> Option<Vec<f32>> {
        #[cfg(feature = "embeddings")]
        {
            let model = self.model.get()?;
            if self.in_flight.fetch_add(1, Ordering::Relaxed) >= self.max_in_flight {
                self.in_flight.fetch_sub(1, Ordering::Relaxed);
                return None;
            }
            let _guard = InFlight(&self.in_flight);
            let started = std::time::Instant::now();
            let v = model.embed(&[text]).ok()?.into_iter().next()?;
            metrics_hook(started.elapsed());
            Some(v.to_vec())
        }
        #[cfg(not(feature = "embeddings"))]
        {
            let _ = (text, &self.in_flight, self.max_in_flight);
            None
        }
    }
}

#[cfg(feature = "embeddings")]
fn metrics_hook(elapsed: std::time::Duration) {
    tracing::debug!(ms = elapsed.as_secs_f64() * 1000.0, "question embedded");
}
