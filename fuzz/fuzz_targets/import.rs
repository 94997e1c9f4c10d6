//! Every importer (lotse, csv, qna-tsv, rasa) on arbitrary input: the first byte picks the
//! format. An import returns answers or an error, never panics; what it accepts exports again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lotse_app::formats::{Format, export, import};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(input) = std::str::from_utf8(rest) else {
        return;
    };
    let format = match selector % 4 {
        0 => Format::Lotse,
        1 => Format::Csv,
        2 => Format::QnaTsv,
        _ => Format::Rasa,
    };
    if let Ok(answers) = import(format, input) {
        let _ = export(format, &answers);
    }
});
