//! The multilingual-e5-small encoder on candle: standard model files in, normalised sentence vectors out.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use candle_core::{D, DType, Device, Tensor};
use candle_nn::{LayerNorm, Module, VarBuilder};
use candle_transformers::models::bert::{BertEncoder, Config};

use crate::q4::{self, Q4Matrix};
use crate::safetensors::Header;
use crate::tokenizer::Tokenizer;
use crate::{DIM, EmbedError, Embedding};

const WORDS: &str = "embeddings.word_embeddings.weight";

/// How the model runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Tokens per text including `<s>` and `</s>`; longer texts are cut. Questions are short, and the
    /// cost of attention grows with the square of the length.
    pub max_tokens: usize,
    /// Threads for the matrix products. On a two-core server that also answers HTTP requests, 1 keeps a
    /// core free; 2 roughly halves the latency of a single sentence.
    pub threads: usize,
    /// Texts per forward pass when many are embedded at once (indexing the question variants).
    pub batch: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_tokens: 128,
            threads: 1,
            batch: 16,
        }
    }
}

/// A loaded multilingual-e5-small model. Embedding is read-only (`&self`), so one instance can be
/// shared between threads; calls run on the model's own thread pool.
pub struct Embedder {
    tokenizer: Tokenizer,
    /// The word-embedding table stays quantised; see [`crate::q4`].
    words: Q4Matrix,
    /// Position rows plus the token-type-0 row, added to every word row (texts have one segment).
    positions: Tensor,
    layer_norm: LayerNorm,
    encoder: BertEncoder,
    pad_id: u32,
    options: Options,
    pool: rayon::ThreadPool,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder")
            .field("vocabulary", &self.words.rows())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

fn invalid(file: &Path, reason: impl std::fmt::Display) -> EmbedError {
    EmbedError::Invalid {
        file: file.to_path_buf(),
        reason: reason.to_string(),
    }
}

fn open(path: &Path) -> Result<File, EmbedError> {
    File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => EmbedError::Missing(path.to_path_buf()),
        _ => invalid(path, e),
    })
}

impl Embedder {
    /// Loads `config.json`, `tokenizer.json` and `model.safetensors` (f32, f16 or bf16, as published on
    /// the model hub) from `dir`.
    pub fn load(dir: &Path, options: Options) -> Result<Self, EmbedError> {
        let config_path = dir.join("config.json");
        let config: Config = serde_json::from_reader(BufReader::new(open(&config_path)?))
            .map_err(|e| invalid(&config_path, e))?;
        if config.hidden_size != DIM {
            return Err(invalid(
                &config_path,
                format!("hidden size {} is not {DIM}", config.hidden_size),
            ));
        }
        if options.max_tokens < 3 || options.max_tokens > config.max_position_embeddings {
            return Err(invalid(
                &config_path,
                format!("max_tokens {} is out of range", options.max_tokens),
            ));
        }

        let tokenizer_path = dir.join("tokenizer.json");
        let json = std::fs::read(&tokenizer_path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => EmbedError::Missing(tokenizer_path.clone()),
            _ => invalid(&tokenizer_path, e),
        })?;
        let tokenizer = Tokenizer::from_json(&json).map_err(|e| invalid(&tokenizer_path, e))?;
        drop(json);
        let pad_id = tokenizer.pad_id();

        let weights_path = dir.join("model.safetensors");
        let (words, tensors) = read_weights(&weights_path, &config)?;
        let device = Device::Cpu;
        let get = |name: &str| {
            tensors
                .get(name)
                .cloned()
                .ok_or_else(|| invalid(&weights_path, format!("tensor {name} is missing")))
        };
        let type_row = get("embeddings.token_type_embeddings.weight")?
            .get(0)
            .map_err(|e| invalid(&weights_path, e))?;
        let positions = get("embeddings.position_embeddings.weight")?
            .broadcast_add(&type_row)
            .map_err(|e| invalid(&weights_path, e))?;
        let layer_norm = LayerNorm::new(
            get("embeddings.LayerNorm.weight")?,
            get("embeddings.LayerNorm.bias")?,
            config.layer_norm_eps,
        );
        let vb = VarBuilder::from_tensors(tensors, DType::F32, &device);
        let encoder =
            BertEncoder::load(vb.pp("encoder"), &config).map_err(|e| invalid(&weights_path, e))?;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(options.threads.max(1))
            .thread_name(|i| format!("lotse-embed-{i}"))
            .build()
            .map_err(|e| EmbedError::Failed(e.to_string()))?;
        Ok(Self {
            tokenizer,
            words,
            positions,
            layer_norm,
            encoder,
            pad_id,
            options,
            pool,
        })
    }

    /// Bytes held by the quantised word-embedding table (for reports).
    pub fn word_table_bytes(&self) -> usize {
        self.words.bytes()
    }

    /// Embeds texts as queries (`"query: "` is prefixed, as the model was trained for
    /// question-to-question matching): mean of the last hidden states over the real tokens,
    /// L2-normalised, so the dot product of two vectors is their cosine.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Embedding>, EmbedError> {
        self.pool.install(|| self.embed_on_pool(texts))
    }

    fn embed_on_pool(&self, texts: &[&str]) -> Result<Vec<Embedding>, EmbedError> {
        let ids: Vec<Vec<u32>> = texts
            .iter()
            .map(|text| {
                self.tokenizer
                    .encode(&format!("query: {text}"), self.options.max_tokens)
            })
            .collect();
        // Similar lengths in one batch waste little work on padding.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| ids[i].len());
        let mut out = vec![[0.0f32; DIM]; texts.len()];
        for chunk in order.chunks(self.options.batch.max(1)) {
            let batch: Vec<&[u32]> = chunk.iter().map(|&i| ids[i].as_slice()).collect();
            let vectors = self
                .forward(&batch)
                .map_err(|e| EmbedError::Failed(e.to_string()))?;
            for (&i, vector) in chunk.iter().zip(vectors) {
                out[i] = vector;
            }
        }
        Ok(out)
    }

    fn forward(&self, batch: &[&[u32]]) -> candle_core::Result<Vec<Embedding>> {
        let len = batch.iter().map(|ids| ids.len()).max().unwrap_or(0).max(1);
        let mut rows = vec![0.0f32; batch.len() * len * DIM];
        let mut mask = vec![0.0f32; batch.len() * len];
        for (b, ids) in batch.iter().enumerate() {
            for t in 0..len {
                let id = ids.get(t).copied();
                mask[b * len + t] = if id.is_some() { 1.0 } else { 0.0 };
                let row = &mut rows[(b * len + t) * DIM..(b * len + t + 1) * DIM];
                let id = id.unwrap_or(self.pad_id) as usize;
                self.words.row_into(id, row).ok_or_else(|| {
                    candle_core::Error::Msg(format!("token id {id} outside the vocabulary"))
                })?;
            }
        }
        let device = Device::Cpu;
        let words = Tensor::from_vec(rows, (batch.len(), len, DIM), &device)?;
        let hidden = words.broadcast_add(&self.positions.narrow(0, 0, len)?)?;
        let hidden = self.layer_norm.forward(&hidden)?;
        let mask = Tensor::from_vec(mask, (batch.len(), len), &device)?;
        // Padding gets the most negative score before the softmax, as in the reference implementation.
        let attention = ((mask.ones_like()? - &mask)? * f64::from(f32::MIN))?
            .unsqueeze(1)?
            .unsqueeze(1)?;
        let hidden = self.encoder.forward(&hidden, &attention)?;
        let mask = mask.unsqueeze(D::Minus1)?;
        let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
        let mean = summed.broadcast_div(&mask.sum(1)?)?;
        let norm = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f64::MAX)?;
        let normalised = mean.broadcast_div(&norm)?;
        normalised
            .to_vec2::<f32>()?
            .into_iter()
            .map(|v| {
                <[f32; DIM]>::try_from(v)
                    .map_err(|_| candle_core::Error::Msg("vector length".to_owned()))
            })
            .collect()
    }
}

/// Reads the weights: the word-embedding table straight into Q4_0 blocks (in slices, so it never exists
/// as f32 in full), everything else as f32 tensors under their HF names (a `bert.` prefix is dropped).
fn read_weights(
    path: &Path,
    config: &Config,
) -> Result<(Q4Matrix, HashMap<String, Tensor>), EmbedError> {
    let mut file = BufReader::new(open(path)?);
    let header = Header::read(&mut file).map_err(|e| invalid(path, e))?;
    let strip = |name: &str| name.strip_prefix("bert.").unwrap_or(name).to_owned();
    let device = Device::Cpu;
    let mut tensors = HashMap::new();
    let mut words = None;
    for (name, info) in &header.tensors {
        let short = strip(name);
        if short == WORDS {
            if info.shape != [config.vocab_size, config.hidden_size] {
                return Err(invalid(path, format!("{name} has shape {:?}", info.shape)));
            }
            let mut blocks = Vec::with_capacity(info.elements() / q4::BLOCK * q4::BLOCK_BYTES);
            let step = 4096;
            for start in (0..config.vocab_size).step_by(step) {
                let end = (start + step).min(config.vocab_size);
                let values = header
                    .read_rows_f32(&mut file, name, start..end)
                    .map_err(|e| invalid(path, e))?;
                q4::quantize(&values, &mut blocks);
            }
            words = Q4Matrix::new(config.vocab_size, config.hidden_size, blocks);
            continue;
        }
        if short.starts_with("pooler.") {
            continue;
        }
        let values = header
            .read_f32(&mut file, name)
            .map_err(|e| invalid(path, e))?;
        let tensor = Tensor::from_vec(values, info.shape.as_slice(), &device)
            .map_err(|e| invalid(path, e))?;
        tensors.insert(short, tensor);
    }
    let words = words.ok_or_else(|| invalid(path, format!("tensor {WORDS} is missing")))?;
    Ok((words, tensors))
}
