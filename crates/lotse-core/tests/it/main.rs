//! Integration tests of lotse-core: the redaction corpus and property tests.

mod properties;
mod redaction;
