//! The content file parser (docs/content-format.md) on arbitrary input: it returns answers
//! or an error, never panics; whatever it accepts can be written and read back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lotse_core::content::{parse_answer, parse_answers, write_answer};

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_answer(input);
    if let Ok(answers) = parse_answers(input) {
        for a in answers.iter().take(8) {
            let written = write_answer(a);
            let again = parse_answer(&written);
            assert!(again.is_ok(), "a written answer parses again: {written:?}");
        }
    }
});
