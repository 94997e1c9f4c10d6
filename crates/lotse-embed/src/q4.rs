//! Q4_0 blocks: 32 weights share one f16 scale and are stored as 4-bit codes (18 bytes per block).
//!
//! Layout of one block: the scale as little-endian f16, then 16 bytes of codes. Byte `j` holds weight `j`
//! in its low nibble and weight `j + 16` in its high nibble; a weight is `(code - 8) * scale`. This is the
//! layout of ggml's `Q4_0` and of the `E5S1` model file.
//!
//! The word-embedding table of multilingual-e5-small has 96 M of the model's 118 M parameters. Kept as
//! f32 it alone takes 384 MB; as Q4_0 blocks 54 MB. Only the rows of the tokens a sentence uses are ever
//! needed, so [`Q4Matrix`] keeps the table quantised and dequantises rows on demand.

use half::f16;

/// Weights per block.
pub const BLOCK: usize = 32;
/// Bytes per block: an f16 scale and 16 bytes of 4-bit codes.
pub const BLOCK_BYTES: usize = 2 + BLOCK / 2;

/// Dequantises whole blocks into `out`; `out.len()` must be `blocks.len() / BLOCK_BYTES * BLOCK`.
///
/// # Panics
/// When the lengths do not fit together (a programming error, not a data error: callers check sizes
/// against the file's header first).
pub fn dequantize(blocks: &[u8], out: &mut [f32]) {
    assert!(
        blocks.len().is_multiple_of(BLOCK_BYTES),
        "partial Q4_0 block"
    );
    assert_eq!(
        blocks.len() / BLOCK_BYTES * BLOCK,
        out.len(),
        "Q4_0 output length"
    );
    for (block, out) in blocks
        .chunks_exact(BLOCK_BYTES)
        .zip(out.chunks_exact_mut(BLOCK))
    {
        let scale = f16::from_le_bytes([block[0], block[1]]).to_f32();
        let (low, high) = out.split_at_mut(BLOCK / 2);
        for (j, &byte) in block[2..].iter().enumerate() {
            low[j] = (f32::from(byte & 0x0f) - 8.0) * scale;
            high[j] = (f32::from(byte >> 4) - 8.0) * scale;
        }
    }
}

/// Quantises `values` (a multiple of [`BLOCK`] long) and appends the blocks to `out`.
///
/// Per block two scales are tried, one that maps the value of largest magnitude to code 0 (−8) and one
/// that maps it to code 15 (+7), and the one with the smaller squared error is kept. The second
/// candidate matters for weights that were Q4_0 already (the converted `E5S1` file): their largest
/// value is often `+7 · scale`, and only that candidate gives the original blocks back bit for bit.
///
/// # Panics
/// When `values.len()` is not a multiple of [`BLOCK`].
pub fn quantize(values: &[f32], out: &mut Vec<u8>) {
    assert!(values.len().is_multiple_of(BLOCK), "Q4_0 input length");
    out.reserve(values.len() / BLOCK * BLOCK_BYTES);
    for block in values.chunks_exact(BLOCK) {
        let extreme = block
            .iter()
            .copied()
            .fold(0.0f32, |m, v| if v.abs() > m.abs() { v } else { m });
        let candidates = [f16::from_f32(extreme / -8.0), f16::from_f32(extreme / 7.0)];
        let mut best = (f32::INFINITY, f16::ZERO, [0u8; BLOCK / 2]);
        for scale in candidates {
            let (codes, error) = encode(block, scale.to_f32());
            if error < best.0 {
                best = (error, scale, codes);
            }
        }
        out.extend_from_slice(&best.1.to_le_bytes());
        out.extend_from_slice(&best.2);
    }
}

/// The 4-bit codes of one block for a given scale, and their squared error.
fn encode(block: &[f32], scale: f32) -> ([u8; BLOCK / 2], f32) {
    let inverse = if scale == 0.0 { 0.0 } else { 1.0 / scale };
    let code = |v: f32| -> u8 {
        // Rounds half up like ggml, then clamps into the 4-bit range; the `as` cast saturates.
        (v * inverse + 8.5).floor().clamp(0.0, 15.0) as u8
    };
    let mut codes = [0u8; BLOCK / 2];
    let mut error = 0.0;
    for j in 0..BLOCK / 2 {
        let (lo, hi) = (code(block[j]), code(block[j + BLOCK / 2]));
        codes[j] = lo | (hi << 4);
        error += (block[j] - (f32::from(lo) - 8.0) * scale).powi(2);
        error += (block[j + BLOCK / 2] - (f32::from(hi) - 8.0) * scale).powi(2);
    }
    (codes, error)
}

/// A row-major matrix kept as Q4_0 blocks; rows are dequantised one at a time.
#[derive(Debug, Clone)]
pub struct Q4Matrix {
    rows: usize,
    cols: usize,
    blocks: Vec<u8>,
}

impl Q4Matrix {
    /// Wraps quantised rows; `cols` must be a multiple of [`BLOCK`] and `blocks` hold exactly `rows` rows.
    pub fn new(rows: usize, cols: usize, blocks: Vec<u8>) -> Option<Self> {
        let fits = cols.is_multiple_of(BLOCK) && blocks.len() == rows * cols / BLOCK * BLOCK_BYTES;
        fits.then_some(Self { rows, cols, blocks })
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Bytes held (for memory reports).
    pub fn bytes(&self) -> usize {
        self.blocks.len()
    }

    /// Dequantises row `row` into `out` (`cols` long). Returns `None` for a row out of range.
    pub fn row_into(&self, row: usize, out: &mut [f32]) -> Option<()> {
        if row >= self.rows || out.len() != self.cols {
            return None;
        }
        let width = self.cols / BLOCK * BLOCK_BYTES;
        dequantize(&self.blocks[row * width..(row + 1) * width], out);
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A block written by hand: scale 0.5, codes 0..15 in the low nibbles, 15..0 in the high ones.
    fn hand_made_block() -> Vec<u8> {
        let mut block = f16::from_f32(0.5).to_le_bytes().to_vec();
        block.extend((0u8..16).map(|j| j | ((15 - j) << 4)));
        block
    }

    #[test]
    fn dequantizes_a_hand_made_block() {
        let mut out = [0.0f32; BLOCK];
        dequantize(&hand_made_block(), &mut out);
        // Low nibbles are the first 16 weights: (j - 8) * 0.5.
        assert_eq!(out[0], -4.0);
        assert_eq!(out[8], 0.0);
        assert_eq!(out[15], 3.5);
        // High nibbles are weights 16..32: (15 - j - 8) * 0.5.
        assert_eq!(out[16], 3.5);
        assert_eq!(out[31], -4.0);
    }

    #[test]
    fn requantizing_dequantized_blocks_is_lossless() {
        // Largest magnitude at code 0 (−8 · scale) in one block, at code 15 (+7 · scale) in the other.
        let mut blocks = hand_made_block();
        let mut positive = f16::from_f32(0.037).to_le_bytes().to_vec();
        positive.extend((0u8..16).map(|j| (j % 7 + 5) | (15 << 4)));
        blocks.extend(&positive);
        let mut values = vec![0.0f32; 2 * BLOCK];
        dequantize(&blocks, &mut values);
        let mut again = Vec::new();
        quantize(&values, &mut again);
        assert_eq!(again, blocks);
    }

    #[test]
    fn quantization_error_stays_within_half_a_step() {
        let values: Vec<f32> = (0..BLOCK).map(|i| (i as f32 * 0.37).sin()).collect();
        let mut blocks = Vec::new();
        quantize(&values, &mut blocks);
        let mut back = vec![0.0; BLOCK];
        dequantize(&blocks, &mut back);
        let step = 1.0 / 7.0;
        for (a, b) in values.iter().zip(&back) {
            assert!((a - b).abs() <= step / 2.0 + 1e-3, "{a} vs {b}");
        }
    }

    #[test]
    fn matrix_rows_come_back() {
        let values: Vec<f32> = (0..3 * 64).map(|i| (i % 16) as f32 - 8.0).collect();
        let mut blocks = Vec::new();
        quantize(&values, &mut blocks);
        let matrix = Q4Matrix::new(3, 64, blocks).expect("sizes fit");
        let mut row = vec![0.0; 64];
        matrix.row_into(2, &mut row).expect("row in range");
        assert_eq!(row, values[128..]);
        assert!(matrix.row_into(3, &mut row).is_none());
        assert!(Q4Matrix::new(3, 63, Vec::new()).is_none());
    }
}
