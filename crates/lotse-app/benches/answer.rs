//! `cargo bench -p lotse-app --bench answer`: answering inside the process with the built-in
//! knowledge base, and building that index. Results go to docs/benchmarks.md.

use std::collections::HashMap;

use criterion::{Criterion, criterion_group, criterion_main};
use lotse_app::{TenantKb, builtin};
use lotse_core::reply::decide;

const QUESTIONS: &[&str] = &[
    "Wie hoch ist der Regelsatz?",
    "miete zu hoch was nun",
    "WBA vergessen",
    "Zahlt das Jobcenter die Kaution für eine neue Wohnung?",
    "ich hab eine nebenkostennachzahlung bekommen zahlt das amt das",
    "Darf ich mit Hartz 4 in den Urlaub fahren?",
    "Wie viel darf ich im Minijob dazuverdienen?",
    "Mein Kühlschrank ist kaputt, was kann ich tun?",
    "Welches Restaurant hat heute offen?",
    "Wann kommt das Geld?",
];

fn demo_kb() -> TenantKb {
    let mut vars = builtin::shared_variables();
    vars.extend(builtin::demo_tenant().expect("demo").variables);
    let answers = builtin::answers().expect("content");
    TenantKb::build(
        "demo",
        "Demo",
        &answers,
        vars,
        &builtin::synonyms(),
        Default::default(),
        "2026-11-21",
    )
}

fn bench(c: &mut Criterion) {
    let kb = demo_kb();
    let mut i = 0;
    c.bench_function("answer one question (demo knowledge base)", |b| {
        b.iter(|| {
            i = (i + 1) % QUESTIONS.len();
            decide(&kb.index, QUESTIONS[i])
        })
    });
    let answers = builtin::answers().expect("content");
    let synonyms = builtin::synonyms();
    c.bench_function("build the demo index", |b| {
        b.iter(|| {
            TenantKb::build(
                "demo",
                "Demo",
                &answers,
                HashMap::new(),
                &synonyms,
                Default::default(),
                "2026-11-21",
            )
        })
    });
}

criterion_group! { name = benches; config = Criterion::default().sample_size(20); targets = bench }
criterion_main!(benches);
