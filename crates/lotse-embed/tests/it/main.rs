//! Integration tests of lotse-embed. The model tests need the files written by
//! `cargo xtask models e5 --out DIR` and run when `LOTSE_TEST_E5_MODEL=DIR` is set (CI sets it);
//! without it they print a note and pass.

#[cfg(feature = "embeddings")]
mod model;
