//! Converts the CTranslate2 float16 Whisper base model (`model.bin`, format version 6, `WhisperSpec`)
//! into whisper.cpp's ggml file format, the format of the official `ggml-base.bin`.
//!
//! What differs between the two: CTranslate2 fuses the attention projections (self-attention QKV
//! as one `[3·d, d]` matrix, cross-attention KV as one `[2·d, d]` matrix) and names tensors by
//! position (`linear_0`, …); whisper.cpp wants OpenAI's names and separate matrices, and its file
//! also carries the 80×201 mel filterbank and the byte-level BPE tokens, which CTranslate2 keeps
//! outside the model. The tensor layout itself (row-major, `[out, in]`) is the same.

use std::collections::HashMap;
use std::io::Write;

use anyhow::{Context, Result, bail, ensure};

/// One variable of a CTranslate2 model file.
struct Var<'a> {
    shape: Vec<usize>,
    /// CTranslate2 data type: 0 f32, 1 i8, 2 i16, 3 i32, 4 f16, 5 bf16.
    dtype: u8,
    data: &'a [u8],
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let slice = self
            .bytes
            .get(self.at..self.at + n)
            .context("model.bin is truncated")?;
        self.at += n;
        Ok(slice)
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<usize> {
        let b = self.take(2)?;
        Ok(usize::from(u16::from_le_bytes([b[0], b[1]])))
    }
    fn u32(&mut self) -> Result<usize> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }
    /// A length-prefixed, NUL-terminated string.
    fn string(&mut self) -> Result<String> {
        let n = self.u16()?;
        let raw = self.take(n)?;
        let raw = raw.strip_suffix(&[0]).unwrap_or(raw);
        Ok(String::from_utf8(raw.to_vec())?)
    }
}

/// Element size of a CTranslate2 data type.
fn dtype_size(dtype: u8) -> Result<usize> {
    Ok(match dtype {
        0 | 3 => 4,
        1 => 1,
        2 | 4 | 5 => 2,
        other => bail!("unknown CTranslate2 data type {other}"),
    })
}

fn read_ct2(bytes: &[u8]) -> Result<HashMap<String, Var<'_>>> {
    let mut r = Reader { bytes, at: 0 };
    let version = r.u32()?;
    ensure!(
        version == 6,
        "CTranslate2 model format version {version} (expected 6)"
    );
    let spec = r.string()?;
    ensure!(
        spec == "WhisperSpec",
        "model spec {spec} (expected WhisperSpec)"
    );
    let _revision = r.u32()?;
    let count = r.u32()?;
    let mut vars = HashMap::new();
    for _ in 0..count {
        let name = r.string()?;
        let rank = usize::from(r.u8()?);
        let shape = (0..rank).map(|_| r.u32()).collect::<Result<Vec<_>>>()?;
        let dtype = r.u8()?;
        let len = r.u32()?;
        let elements: usize = shape.iter().product();
        ensure!(
            len == elements * dtype_size(dtype)?,
            "{name}: {len} bytes for shape {shape:?}"
        );
        let data = r.take(len)?;
        vars.insert(name, Var { shape, dtype, data });
    }
    Ok(vars)
}

/// whisper.cpp hyper-parameters of Whisper base.
struct Hparams {
    vocab: i32,
    audio_ctx: i32,
    state: i32,
    heads: i32,
    layers: i32,
    text_ctx: i32,
}

const MELS: usize = 80;
const FFT_BINS: usize = 201;
/// Tokens of the byte-level BPE vocabulary; whisper.cpp adds the special tokens itself.
const BPE_TOKENS: usize = 50257;

/// The ggml file for the CTranslate2 `model` and its `vocabulary.txt` (one GPT-2 byte-level token per line).
pub fn convert(model: &[u8], vocabulary: &str, out: &mut impl Write) -> Result<()> {
    let vars = read_ct2(model)?;
    let get = |name: &str| {
        vars.get(name)
            .with_context(|| format!("model.bin has no {name}"))
    };

    let embeddings = get("decoder/embeddings/weight")?;
    let audio_pos = get("encoder/position_encodings/encodings")?;
    let text_pos = get("decoder/position_encodings/encodings")?;
    let layers = (0..)
        .take_while(|i| vars.contains_key(&format!("encoder/layer_{i}/ffn/linear_0/weight")))
        .count();
    let h = Hparams {
        vocab: i32::try_from(embeddings.shape[0])?,
        audio_ctx: i32::try_from(audio_pos.shape[0])?,
        state: i32::try_from(audio_pos.shape[1])?,
        heads: scalar(get("encoder/num_heads")?)?,
        layers: i32::try_from(layers)?,
        text_ctx: i32::try_from(text_pos.shape[0])?,
    };
    ensure!(
        scalar(get("decoder/num_heads")?)? == h.heads,
        "encoder and decoder head counts differ"
    );

    // Header: magic "ggml", then audio and text hyper-parameters, mels and ftype 1 (f16).
    let header = [
        0x6767_6d6c,
        h.vocab,
        h.audio_ctx,
        h.state,
        h.heads,
        h.layers,
        h.text_ctx,
        h.state,
        h.heads,
        h.layers,
        MELS as i32,
        1,
    ];
    for v in header {
        out.write_all(&v.to_le_bytes())?;
    }
    out.write_all(&(MELS as i32).to_le_bytes())?;
    out.write_all(&(FFT_BINS as i32).to_le_bytes())?;
    for v in mel_filters(16_000.0, 400, MELS) {
        out.write_all(&v.to_le_bytes())?;
    }
    write_vocabulary(vocabulary, out)?;

    let d = usize::try_from(h.state)?;
    let mut tensors = Tensors { out, count: 0 };
    tensors.whole("encoder.conv1.weight", get("encoder/conv1/weight")?)?;
    tensors.conv_bias("encoder.conv1.bias", get("encoder/conv1/bias")?)?;
    tensors.whole("encoder.conv2.weight", get("encoder/conv2/weight")?)?;
    tensors.conv_bias("encoder.conv2.bias", get("encoder/conv2/bias")?)?;
    tensors.whole("encoder.positional_embedding", audio_pos)?;
    for i in 0..layers {
        let (ct, oa) = (format!("encoder/layer_{i}"), format!("encoder.blocks.{i}"));
        tensors.self_attention(&get, &ct, &oa, d)?;
        tensors.mlp(&get, &ct, &oa)?;
    }
    tensors.layer_norm(&get, "encoder/layer_norm", "encoder.ln_post")?;

    tensors.whole("decoder.token_embedding.weight", embeddings)?;
    tensors.whole("decoder.positional_embedding", text_pos)?;
    for i in 0..layers {
        let (ct, oa) = (format!("decoder/layer_{i}"), format!("decoder.blocks.{i}"));
        tensors.self_attention(&get, &ct, &oa, d)?;
        // Cross-attention: linear_0 = query, linear_1 = fused key/value, linear_2 = out.
        let cross = format!("{ct}/attention");
        let q = format!("{oa}.cross_attn");
        tensors.whole(
            &format!("{q}.query.weight"),
            get(&format!("{cross}/linear_0/weight"))?,
        )?;
        tensors.whole(
            &format!("{q}.query.bias"),
            get(&format!("{cross}/linear_0/bias"))?,
        )?;
        let kv = get(&format!("{cross}/linear_1/weight"))?;
        let kv_bias = get(&format!("{cross}/linear_1/bias"))?;
        tensors.rows(&format!("{q}.key.weight"), kv, 0, d)?;
        tensors.rows(&format!("{q}.value.weight"), kv, d, d)?;
        tensors.rows(&format!("{q}.value.bias"), kv_bias, d, d)?;
        tensors.linear(&get, &format!("{cross}/linear_2"), &format!("{q}.out"))?;
        tensors.layer_norm(&get, &format!("{cross}/layer_norm"), &format!("{q}_ln"))?;
        tensors.mlp(&get, &ct, &oa)?;
    }
    tensors.layer_norm(&get, "decoder/layer_norm", "decoder.ln")?;
    let count = tensors.count;
    let expected = 5 + layers * 15 + 2 + 2 + layers * 24 + 2;
    ensure!(
        count == expected,
        "wrote {count} tensors, expected {expected}"
    );
    Ok(())
}

fn scalar(var: &Var<'_>) -> Result<i32> {
    Ok(match (var.dtype, var.data) {
        (1, [b]) => i32::from(*b as i8),
        (2, [a, b]) => i32::from(i16::from_le_bytes([*a, *b])),
        (3, [a, b, c, e]) => i32::from_le_bytes([*a, *b, *c, *e]),
        _ => bail!("not an integer scalar"),
    })
}

/// The tokens as raw bytes: GPT-2's byte-level BPE writes every byte as a printable character.
fn write_vocabulary(vocabulary: &str, out: &mut impl Write) -> Result<()> {
    let mut to_byte = HashMap::new();
    for (b, c) in byte_to_unicode().into_iter().enumerate() {
        to_byte.insert(c, b as u8);
    }
    let tokens: Vec<&str> = vocabulary.lines().take(BPE_TOKENS).collect();
    ensure!(
        tokens.len() == BPE_TOKENS,
        "vocabulary.txt has fewer than {BPE_TOKENS} tokens"
    );
    out.write_all(&(BPE_TOKENS as i32).to_le_bytes())?;
    for token in tokens {
        let bytes = token
            .chars()
            .map(|c| to_byte.get(&c).copied())
            .collect::<Option<Vec<u8>>>()
            .with_context(|| format!("token {token:?} is not byte-level BPE"))?;
        out.write_all(&i32::try_from(bytes.len())?.to_le_bytes())?;
        out.write_all(&bytes)?;
    }
    Ok(())
}

/// GPT-2's `bytes_to_unicode`: printable bytes stand for themselves, the others map to U+0100 onwards.
fn byte_to_unicode() -> Vec<char> {
    let printable = |b: u32| (33..=126).contains(&b) || (161..=172).contains(&b) || b >= 174;
    let mut next = 256;
    (0..256u32)
        .map(|b| {
            if printable(b) {
                char::from_u32(b).unwrap_or('?')
            } else {
                next += 1;
                char::from_u32(next - 1).unwrap_or('?')
            }
        })
        .collect()
}

/// librosa's `filters.mel(sr, n_fft, n_mels)` with Slaney's mel scale and area normalisation, as
/// OpenAI's `mel_filters.npz` holds it (row-major `[n_mels, n_fft / 2 + 1]`).
fn mel_filters(sample_rate: f64, n_fft: usize, n_mels: usize) -> Vec<f32> {
    let f_sp = 200.0 / 3.0;
    let log_step = 6.4f64.ln() / 27.0;
    let hz_to_mel = |f: f64| {
        if f >= 1000.0 {
            15.0 + (f / 1000.0).ln() / log_step
        } else {
            f / f_sp
        }
    };
    let mel_to_hz = |m: f64| {
        if m >= 15.0 {
            1000.0 * (log_step * (m - 15.0)).exp()
        } else {
            f_sp * m
        }
    };
    let bins = n_fft / 2 + 1;
    let fft_freqs: Vec<f64> = (0..bins)
        .map(|i| i as f64 * sample_rate / 2.0 / (bins - 1) as f64)
        .collect();
    let top = hz_to_mel(sample_rate / 2.0);
    let mel_f: Vec<f64> = (0..n_mels + 2)
        .map(|i| mel_to_hz(top * i as f64 / (n_mels + 1) as f64))
        .collect();
    let mut weights = Vec::with_capacity(n_mels * bins);
    for i in 0..n_mels {
        let enorm = 2.0 / (mel_f[i + 2] - mel_f[i]);
        for &f in &fft_freqs {
            let lower = (f - mel_f[i]) / (mel_f[i + 1] - mel_f[i]);
            let upper = (mel_f[i + 2] - f) / (mel_f[i + 2] - mel_f[i + 1]);
            weights.push((lower.min(upper).max(0.0) * enorm) as f32);
        }
    }
    weights
}

struct Tensors<'w, W: Write> {
    out: &'w mut W,
    count: usize,
}

impl<W: Write> Tensors<'_, W> {
    /// Writes one tensor. `shape` is row-major (outermost first); ggml stores it innermost first.
    /// Like OpenAI's converter, vectors, conv biases and positional embeddings are f32, the rest f16.
    fn write(&mut self, name: &str, shape: &[usize], dtype: u8, data: &[u8]) -> Result<()> {
        ensure!(
            dtype == 4,
            "{name}: expected float16 weights, found type {dtype}"
        );
        let f32_out = shape.len() < 2
            || name.ends_with("conv1.bias")
            || name.ends_with("conv2.bias")
            || name.ends_with("positional_embedding");
        let ftype: i32 = if f32_out { 0 } else { 1 };
        self.out
            .write_all(&i32::try_from(shape.len())?.to_le_bytes())?;
        self.out
            .write_all(&i32::try_from(name.len())?.to_le_bytes())?;
        self.out.write_all(&ftype.to_le_bytes())?;
        for &dim in shape.iter().rev() {
            self.out.write_all(&i32::try_from(dim)?.to_le_bytes())?;
        }
        self.out.write_all(name.as_bytes())?;
        if f32_out {
            let mut buf = Vec::with_capacity(data.len() * 2);
            for pair in data.chunks_exact(2) {
                let v = half::f16::from_le_bytes([pair[0], pair[1]]).to_f32();
                buf.extend_from_slice(&v.to_le_bytes());
            }
            self.out.write_all(&buf)?;
        } else {
            self.out.write_all(data)?;
        }
        self.count += 1;
        Ok(())
    }

    fn whole(&mut self, name: &str, var: &Var<'_>) -> Result<()> {
        self.write(name, &var.shape, var.dtype, var.data)
    }

    /// Conv biases are `[n, 1]` in whisper.cpp (broadcast over time).
    fn conv_bias(&mut self, name: &str, var: &Var<'_>) -> Result<()> {
        self.write(name, &[var.shape[0], 1], var.dtype, var.data)
    }

    /// Rows `from..from + n` of a fused matrix or bias.
    fn rows(&mut self, name: &str, var: &Var<'_>, from: usize, n: usize) -> Result<()> {
        let row: usize = var.shape[1..].iter().product::<usize>() * 2;
        let data = var
            .data
            .get(from * row..(from + n) * row)
            .with_context(|| format!("{name}: fused tensor too small"))?;
        let mut shape = var.shape.clone();
        shape[0] = n;
        self.write(name, &shape, var.dtype, data)
    }

    fn linear<'m>(
        &mut self,
        get: &impl Fn(&str) -> Result<&'m Var<'m>>,
        ct: &str,
        oa: &str,
    ) -> Result<()> {
        self.whole(&format!("{oa}.weight"), get(&format!("{ct}/weight"))?)?;
        self.whole(&format!("{oa}.bias"), get(&format!("{ct}/bias"))?)
    }

    fn layer_norm<'m>(
        &mut self,
        get: &impl Fn(&str) -> Result<&'m Var<'m>>,
        ct: &str,
        oa: &str,
    ) -> Result<()> {
        self.whole(&format!("{oa}.weight"), get(&format!("{ct}/gamma"))?)?;
        self.whole(&format!("{oa}.bias"), get(&format!("{ct}/beta"))?)
    }

    /// Self-attention: linear_0 = fused query/key/value (the key has no bias in Whisper; CTranslate2
    /// stores zeros there), linear_1 = out.
    fn self_attention<'m>(
        &mut self,
        get: &impl Fn(&str) -> Result<&'m Var<'m>>,
        ct: &str,
        oa: &str,
        d: usize,
    ) -> Result<()> {
        let qkv = get(&format!("{ct}/self_attention/linear_0/weight"))?;
        let bias = get(&format!("{ct}/self_attention/linear_0/bias"))?;
        let a = format!("{oa}.attn");
        self.rows(&format!("{a}.query.weight"), qkv, 0, d)?;
        self.rows(&format!("{a}.query.bias"), bias, 0, d)?;
        self.rows(&format!("{a}.key.weight"), qkv, d, d)?;
        self.rows(&format!("{a}.value.weight"), qkv, 2 * d, d)?;
        self.rows(&format!("{a}.value.bias"), bias, 2 * d, d)?;
        self.linear(
            get,
            &format!("{ct}/self_attention/linear_1"),
            &format!("{a}.out"),
        )?;
        self.layer_norm(
            get,
            &format!("{ct}/self_attention/layer_norm"),
            &format!("{a}_ln"),
        )
    }

    fn mlp<'m>(
        &mut self,
        get: &impl Fn(&str) -> Result<&'m Var<'m>>,
        ct: &str,
        oa: &str,
    ) -> Result<()> {
        self.linear(get, &format!("{ct}/ffn/linear_0"), &format!("{oa}.mlp.0"))?;
        self.linear(get, &format!("{ct}/ffn/linear_1"), &format!("{oa}.mlp.2"))?;
        self.layer_norm(
            get,
            &format!("{ct}/ffn/layer_norm"),
            &format!("{oa}.mlp_ln"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_level_alphabet_is_a_bijection() {
        let map = byte_to_unicode();
        assert_eq!(map[b'A' as usize], 'A');
        assert_eq!(map[b' ' as usize], 'Ġ');
        assert_eq!(map[b'\n' as usize], 'Ċ');
        let distinct: std::collections::HashSet<_> = map.iter().collect();
        assert_eq!(distinct.len(), 256);
    }

    #[test]
    fn mel_filters_match_librosa() {
        // The value OpenAI's mel_filters.npz holds there (librosa, sr 16000, n_fft 400, 80 mels).
        let f = mel_filters(16_000.0, 400, 80);
        assert_eq!(f.len(), 80 * 201);
        // Filter 0 spans 0–74.5 Hz with its peak at 37 Hz; FFT bins are 40 Hz apart, so only bin 1
        // lies inside it, on the falling slope.
        assert!(f[0].abs() < 1e-9);
        assert!((f[1] - 0.024_86).abs() < 1e-4, "{}", f[1]);
        assert!(f[2].abs() < 1e-9);
        assert!(f.iter().all(|v| *v >= 0.0));
    }
}
