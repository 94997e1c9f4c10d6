//! Reads one member of a Python wheel (a zip archive): enough of the zip format for the files pip
//! downloads, with raw deflate from `miniz_oxide`. A full zip crate with deflate would add more to
//! the build than this page of code; every extracted file is checked against a known sha256 anyway.

use anyhow::{Context, Result, bail};

fn u16_at(bytes: &[u8], at: usize) -> Result<usize> {
    let b = bytes.get(at..at + 2).context("zip: truncated")?;
    Ok(usize::from(u16::from_le_bytes([b[0], b[1]])))
}

fn u32_at(bytes: &[u8], at: usize) -> Result<usize> {
    let b = bytes.get(at..at + 4).context("zip: truncated")?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
}

/// The contents of the member `name` of the zip archive `zip`.
pub fn extract(zip: &[u8], name: &str) -> Result<Vec<u8>> {
    // The end-of-central-directory record sits in the last 64 KiB + 22 bytes (after an optional comment).
    let search_from = zip.len().saturating_sub(22 + 0xffff);
    let eocd = (search_from..zip.len().saturating_sub(21))
        .rev()
        .find(|&i| zip[i..i + 4] == [0x50, 0x4b, 0x05, 0x06])
        .context("zip: no end of central directory")?;
    let entries = u16_at(zip, eocd + 10)?;
    let mut at = u32_at(zip, eocd + 16)?;
    for _ in 0..entries {
        if zip.get(at..at + 4) != Some(&[0x50, 0x4b, 0x01, 0x02][..]) {
            bail!("zip: damaged central directory");
        }
        let method = u16_at(zip, at + 10)?;
        let compressed = u32_at(zip, at + 20)?;
        let size = u32_at(zip, at + 24)?;
        let (name_len, extra_len, comment_len) = (
            u16_at(zip, at + 28)?,
            u16_at(zip, at + 30)?,
            u16_at(zip, at + 32)?,
        );
        let local = u32_at(zip, at + 42)?;
        let entry_name = zip
            .get(at + 46..at + 46 + name_len)
            .context("zip: truncated")?;
        at += 46 + name_len + extra_len + comment_len;
        if entry_name != name.as_bytes() {
            continue;
        }
        if zip.get(local..local + 4) != Some(&[0x50, 0x4b, 0x03, 0x04][..]) {
            bail!("zip: damaged local header of {name}");
        }
        let start = local + 30 + u16_at(zip, local + 26)? + u16_at(zip, local + 28)?;
        let data = zip
            .get(start..start + compressed)
            .context("zip: truncated member")?;
        let out = match method {
            0 => data.to_vec(),
            8 => miniz_oxide::inflate::decompress_to_vec_with_limit(data, size)
                .map_err(|e| anyhow::anyhow!("zip: inflating {name}: {e:?}"))?,
            other => bail!("zip: {name} uses compression method {other}"),
        };
        if out.len() != size {
            bail!(
                "zip: {name} has {} bytes, the directory says {size}",
                out.len()
            );
        }
        return Ok(out);
    }
    bail!("zip: no member {name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A zip archive with one stored member `a.txt` = "hi", written by hand after APPNOTE 4.3.
    fn stored_zip() -> Vec<u8> {
        let mut zip = Vec::new();
        let crc = 0xd8932aacu32.to_le_bytes(); // crc32("hi"), not checked by the reader
        zip.extend([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        zip.extend(crc);
        zip.extend([2, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0]);
        zip.extend(b"a.txthi");
        let central = zip.len() as u32;
        zip.extend([0x50, 0x4b, 0x01, 0x02, 20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        zip.extend(crc);
        zip.extend([
            2, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ]);
        zip.extend(b"a.txt");
        let central_len = zip.len() as u32 - central;
        zip.extend([0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 1, 0, 1, 0]);
        zip.extend(central_len.to_le_bytes());
        zip.extend(central.to_le_bytes());
        zip.extend([0, 0]);
        zip
    }

    #[test]
    fn extracts_a_stored_member() {
        let zip = stored_zip();
        assert_eq!(extract(&zip, "a.txt").expect("present"), b"hi");
        assert!(extract(&zip, "b.txt").is_err());
    }
}
