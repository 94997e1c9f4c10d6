//! Lotse's domain types and answering engine.
//!
//! This crate is pure: it knows nothing about HTTP, SQL, files or async. It turns a knowledge
//! base (answers with question variants, synonyms, variables) into an in-memory [`engine::Index`]
//! and answers questions from it with an explanation. PII redaction and evaluation scoring live
//! here too, because they are pure functions that other crates must apply the same way.

pub mod analyze;
pub mod calibrate;
pub mod classifier;
pub mod cluster;
pub mod content;
pub mod engine;
pub mod eval;
pub mod glossary;
pub mod lang;
pub mod redact;
pub mod render;
pub mod reply;
pub mod semantic;
pub mod special;
pub mod text;

/// Errors a caller can act on.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    #[error("invalid {field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error("could not read the content: {0}")]
    Parse(String),
}
