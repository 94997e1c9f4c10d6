//! A small reader and writer of the safetensors format, the format in which model hubs publish weights.
//!
//! A file is an 8-byte little-endian header length, a JSON header
//! (`{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}`, offsets
//! relative to the end of the header), then the raw little-endian tensor data. The reader reads one
//! tensor (or a range of rows) at a time from an open file, so that loading a model never holds the
//! whole file in memory and needs no memory mapping (`unsafe` is denied in this workspace).

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom, Write};

use half::{bf16, f16};
use serde::{Deserialize, Serialize};

/// Headers larger than this are refused: real ones are a few tens of kilobytes.
const MAX_HEADER: u64 = 100 << 20;

/// Why a safetensors file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SafetensorsError {
    #[error("reading or writing failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a usable safetensors file: {0}")]
    Invalid(String),
}

fn invalid(reason: impl Into<String>) -> SafetensorsError {
    SafetensorsError::Invalid(reason.into())
}

/// Element types this reader understands (the ones model hubs use for these weights).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Dtype {
    F32,
    F16,
    BF16,
}

impl Dtype {
    pub fn size(self) -> usize {
        match self {
            Dtype::F32 => 4,
            Dtype::F16 | Dtype::BF16 => 2,
        }
    }
}

/// One tensor's entry in the header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TensorInfo {
    pub dtype: Dtype,
    pub shape: Vec<usize>,
    pub data_offsets: [u64; 2],
}

impl TensorInfo {
    pub fn elements(&self) -> usize {
        self.shape.iter().product()
    }
}

/// The parsed header of a safetensors file.
#[derive(Debug, Clone)]
pub struct Header {
    pub tensors: BTreeMap<String, TensorInfo>,
    /// Where the data section starts in the file.
    data_start: u64,
}

impl Header {
    /// Reads and checks the header; the reader is left anywhere.
    pub fn read<R: Read + Seek>(reader: &mut R) -> Result<Self, SafetensorsError> {
        let file_len = reader.seek(SeekFrom::End(0))?;
        reader.seek(SeekFrom::Start(0))?;
        let mut len = [0u8; 8];
        reader.read_exact(&mut len)?;
        let len = u64::from_le_bytes(len);
        if len > MAX_HEADER || 8 + len > file_len {
            return Err(invalid(format!(
                "header length {len} does not fit the file"
            )));
        }
        let mut json = vec![0u8; usize::try_from(len).map_err(|_| invalid("header too long"))?];
        reader.read_exact(&mut json)?;
        let entries: BTreeMap<String, serde_json::Value> =
            serde_json::from_slice(&json).map_err(|e| invalid(format!("header: {e}")))?;
        let data_start = 8 + len;
        let data_len = file_len - data_start;
        let mut tensors = BTreeMap::new();
        for (name, entry) in entries {
            // `__metadata__` is a free-form string map; every other entry is a tensor.
            if name == "__metadata__" {
                continue;
            }
            let info: TensorInfo = serde_json::from_value(entry)
                .map_err(|e| invalid(format!("tensor {name}: {e}")))?;
            let [begin, end] = info.data_offsets;
            let expected = (info.elements() * info.dtype.size()) as u64;
            if begin > end || end > data_len || end - begin != expected {
                return Err(invalid(format!(
                    "tensor {name}: data offsets do not fit its shape"
                )));
            }
            tensors.insert(name, info);
        }
        Ok(Self {
            tensors,
            data_start,
        })
    }

    pub fn get(&self, name: &str) -> Result<&TensorInfo, SafetensorsError> {
        self.tensors
            .get(name)
            .ok_or_else(|| invalid(format!("tensor {name} is missing")))
    }

    /// Reads a whole tensor, converted to f32.
    pub fn read_f32<R: Read + Seek>(
        &self,
        reader: &mut R,
        name: &str,
    ) -> Result<Vec<f32>, SafetensorsError> {
        let info = self.get(name)?;
        let rows = info.shape.first().copied().unwrap_or(1);
        self.read_rows_f32(reader, name, 0..rows)
    }

    /// Reads rows `rows` (along the first dimension) of a tensor, converted to f32. Large tables are
    /// read in slices with this so that they never exist in f32 as a whole.
    pub fn read_rows_f32<R: Read + Seek>(
        &self,
        reader: &mut R,
        name: &str,
        rows: std::ops::Range<usize>,
    ) -> Result<Vec<f32>, SafetensorsError> {
        let info = self.get(name)?;
        let total_rows = info.shape.first().copied().unwrap_or(1);
        if rows.start > rows.end || rows.end > total_rows {
            return Err(invalid(format!(
                "tensor {name}: rows {rows:?} out of range"
            )));
        }
        let row_elements = info.shape.iter().skip(1).product::<usize>();
        let size = info.dtype.size();
        let begin = info.data_offsets[0] + (rows.start * row_elements * size) as u64;
        let mut bytes = vec![0u8; rows.len() * row_elements * size];
        reader.seek(SeekFrom::Start(self.data_start + begin))?;
        reader.read_exact(&mut bytes)?;
        Ok(match info.dtype {
            Dtype::F32 => bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
            Dtype::F16 => bytes
                .chunks_exact(2)
                .map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32())
                .collect(),
            Dtype::BF16 => bytes
                .chunks_exact(2)
                .map(|b| bf16::from_le_bytes([b[0], b[1]]).to_f32())
                .collect(),
        })
    }
}

/// A tensor to write: its name, shape and f32 values.
pub struct TensorRef<'a> {
    pub name: &'a str,
    pub shape: &'a [usize],
    pub values: &'a [f32],
}

/// Writes f32 tensors as a safetensors file (sorted by name, header padded to 8 bytes as the reference
/// implementation does, `__metadata__` = `{"format": "pt"}` like files exported from PyTorch).
pub fn write<W: Write>(writer: &mut W, tensors: &[TensorRef<'_>]) -> Result<(), SafetensorsError> {
    let mut sorted: Vec<&TensorRef<'_>> = tensors.iter().collect();
    sorted.sort_by_key(|t| t.name);
    let mut header = serde_json::Map::new();
    header.insert("__metadata__".into(), serde_json::json!({"format": "pt"}));
    let mut offset = 0u64;
    for tensor in &sorted {
        if tensor.shape.iter().product::<usize>() != tensor.values.len() {
            return Err(invalid(format!(
                "tensor {}: shape does not match its values",
                tensor.name
            )));
        }
        let end = offset + 4 * tensor.values.len() as u64;
        let info = TensorInfo {
            dtype: Dtype::F32,
            shape: tensor.shape.to_vec(),
            data_offsets: [offset, end],
        };
        let info = serde_json::to_value(info).map_err(|e| invalid(e.to_string()))?;
        if header.insert(tensor.name.to_owned(), info).is_some() {
            return Err(invalid(format!("tensor {} given twice", tensor.name)));
        }
        offset = end;
    }
    let mut json = serde_json::to_vec(&header).map_err(|e| invalid(e.to_string()))?;
    json.resize(json.len().div_ceil(8) * 8, b' ');
    writer.write_all(&(json.len() as u64).to_le_bytes())?;
    writer.write_all(&json)?;
    for tensor in &sorted {
        // Converting in slices keeps the extra memory small even for the 96 M-element embedding table.
        for chunk in tensor.values.chunks(1 << 16) {
            let bytes: Vec<u8> = chunk.iter().flat_map(|v| v.to_le_bytes()).collect();
            writer.write_all(&bytes)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn round_trip_keeps_names_shapes_and_values() {
        let a: Vec<f32> = (0..6).map(|i| i as f32 * 0.5 - 1.0).collect();
        let b = [f32::MIN_POSITIVE, -0.0, 1e30];
        let mut file = Vec::new();
        write(
            &mut file,
            &[
                TensorRef {
                    name: "z.weight",
                    shape: &[2, 3],
                    values: &a,
                },
                TensorRef {
                    name: "a.bias",
                    shape: &[3],
                    values: &b,
                },
            ],
        )
        .expect("writes");
        let header_len = u64::from_le_bytes(file[..8].try_into().expect("8 bytes"));
        assert_eq!(header_len % 8, 0, "header padded to 8 bytes");

        let mut reader = Cursor::new(file);
        let header = Header::read(&mut reader).expect("reads");
        assert_eq!(header.tensors.len(), 2);
        assert_eq!(header.get("z.weight").expect("present").shape, [2, 3]);
        assert_eq!(header.read_f32(&mut reader, "z.weight").expect("reads"), a);
        assert_eq!(header.read_f32(&mut reader, "a.bias").expect("reads"), b);
        assert_eq!(
            header
                .read_rows_f32(&mut reader, "z.weight", 1..2)
                .expect("reads"),
            a[3..]
        );
        assert!(header.read_rows_f32(&mut reader, "z.weight", 1..3).is_err());
        assert!(header.read_f32(&mut reader, "missing").is_err());
    }

    #[test]
    fn reads_f16_and_bf16_tensors() {
        // Hand-written file: one F16 tensor [1.5, -2] and one BF16 tensor [0.25].
        let json = br#"{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[4,6]}}"#;
        let mut file = (json.len() as u64).to_le_bytes().to_vec();
        file.extend_from_slice(json);
        file.extend(f16::from_f32(1.5).to_le_bytes());
        file.extend(f16::from_f32(-2.0).to_le_bytes());
        file.extend(bf16::from_f32(0.25).to_le_bytes());
        let mut reader = Cursor::new(file);
        let header = Header::read(&mut reader).expect("reads");
        assert_eq!(
            header.read_f32(&mut reader, "h").expect("reads"),
            [1.5, -2.0]
        );
        assert_eq!(header.read_f32(&mut reader, "b").expect("reads"), [0.25]);
    }

    #[test]
    fn refuses_offsets_beyond_the_file() {
        let json = br#"{"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#;
        let mut file = (json.len() as u64).to_le_bytes().to_vec();
        file.extend_from_slice(json);
        file.extend([0u8; 8]);
        assert!(Header::read(&mut Cursor::new(file)).is_err());
    }
}
