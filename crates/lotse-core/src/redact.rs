//! Masks personal data before a question is stored or logged (SPEC §2.9, issue 8).
//!
//! The answer itself is computed from the unmasked text in memory; only the masked text
//! (`[E-MAIL]`, `[TELEFON]`, …) ever reaches the database.
//!
//! How it works: every rule finds spans in the *original* text; a span that overlaps one found
//! by an earlier (more specific) rule is dropped; then names are found (after words that
//! introduce them — "ich heiße", "Frau", "Mein Sohn", greetings — and from a list of first
//! names); finally the spans are replaced. Working on the original text keeps the rules from
//! matching each other's placeholders, so masking twice changes nothing.
//!
//! What is and is not masked, and why:
//! - Dates are masked only as dates of birth: with a birth word nearby ("geboren", "geb.",
//!   "Geburtsdatum", "zur Welt", a leading `*`) or with a year before [`BIRTH_YEAR_BEFORE`].
//!   Deadlines and dates of decisions ("bis zum 31.12.2026") are what citizens ask about and
//!   carry no identity.
//! - Free service numbers (0800, 0180, 115, 116 xxx) are not personal and stay.
//! - Names are found where the sentence says so or the word is a known first name; a surname
//!   alone without such a hint ("Müller hat gesagt") is not recognised.
//!
//! Measured on a corpus of 233 sentences with personal data and 135 without:
//! `cargo test -p lotse-core --test it redaction -- --nocapture` (docs/benchmarks.md).

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::{Regex, RegexSet};

/// A full date whose year lies before this is taken for a date of birth even without a
/// birth word: deadlines, decisions and payments citizens ask about lie in recent years.
pub const BIRTH_YEAR_BEFORE: u32 = 2010;

/// One piece of personal data found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Byte range in the text.
    pub start: usize,
    pub end: usize,
    /// The placeholder that replaces it, e.g. `[TELEFON]`.
    pub label: &'static str,
}

type Check = fn(&str, usize, usize) -> bool;

struct Rule {
    re: Regex,
    label: &'static str,
    /// The capture group that is masked (0: the whole match).
    group: usize,
    /// Whether a match at `start..end` of the text really is personal data.
    check: Check,
}

fn rule(pattern: &str, label: &'static str, group: usize, check: Check) -> Rule {
    #[allow(clippy::unwrap_used)] // The patterns are constants, checked by the tests below.
    let re = Regex::new(pattern).unwrap();
    Rule {
        re,
        label,
        group,
        check,
    }
}

fn always(_: &str, _: usize, _: usize) -> bool {
    true
}

const PHONE: &str =
    r"(?:(?:\+|\b00)49[ \t-]?(?:\(0\)[ \t-]?)?|\(0|\b0)[1-9]\d{1,4}\)?(?:[ \t/-]{0,3}\d){4,12}\b";
const STREET: &str = concat!(
    r"(?:\b\p{Lu}\p{L}+er\s(?:Straße|Strasse|Str\.|Allee|Weg|Platz|Ring|Damm|Landstraße|Landstrasse|Chaussee|Tor|Markt|Steinweg)",
    r"|\b\p{Lu}[\p{L}-]*(?:straße|strasse|str\.|weg|allee|platz|gasse|ring|damm|ufer|chaussee|steig|pfad|graben|markt|hof|anger|wall|berg|feld|garten|höhe)",
    r"|\b\p{Lu}\p{L}*(?:-\p{Lu}\p{L}*)*-(?:Straße|Strasse|Str\.|Allee|Weg|Platz|Gasse|Ring|Damm|Ufer)",
    r"|\b\p{Ll}[\p{L}-]*(?:straße|strasse)",
    r"|\b(?:Am|An der|An den|Auf dem|Auf der|Im|In der|In den|Zum|Zur|Unter den|Hinter der|Hinter dem|Vor dem)\s\p{Lu}[\p{L}-]+)",
    r"\s\d{1,3}(?:\s?[a-zA-Z])?\b",
);
const PLACE: &str = r"\b\d{5}\s(?:Bad\s)?\p{Lu}[\p{L}-]+(?:\s(?:am|an der|im|in der|ob der|bei)\s\p{Lu}\p{L}+|\s\(\p{Lu}\p{L}+\))?";

/// Order matters: a span found by an earlier rule wins over an overlapping later one.
static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    vec![
        rule(
            r"(?i)\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b",
            "[E-MAIL]",
            0,
            always,
        ),
        rule(
            r"(?i)\b[\w.+-]+\s?(?:\(at\)|\[at\])\s?[\w-]+(?:\.[\w-]+)+\b",
            "[E-MAIL]",
            0,
            always,
        ),
        rule(
            r"(?i)\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){3,7}(?:[ ]?[A-Z0-9]{1,3})?\b",
            "[IBAN]",
            0,
            |t, s, e| digits(&t[s..e]) >= 12,
        ),
        rule(
            r"(?i)\b\d{3}\s?\d{2}\s?(?://\s?)?BG\s?(?://\s?)?\d{7}\b",
            "[BG-NUMMER]",
            0,
            always,
        ),
        rule(
            r"(?i)\b\d{2}\s?\d{6}\s?[A-Z]\s?\d{3}\b",
            "[SV-NUMMER]",
            0,
            always,
        ),
        rule(
            r"(?i)\b\d{3}\s?[A-Z]\s?\d{6}\b",
            "[KUNDENNUMMER]",
            0,
            always,
        ),
        rule(r"\b[A-Z]\d{9}\b", "[VERSICHERTENNUMMER]", 0, always),
        rule(
            r"\b[SL]\s\d{1,3}\s(?:AS|AY|SO|AL|KR|R|U|BK)\s\d{1,5}/\d{2}(?:\s(?:B\s)?ER)?\b",
            "[AKTENZEICHEN]",
            0,
            always,
        ),
        rule(
            r"\b[1-9]\d\s?\d{3}\s?\d{3}\s?\d{3}\b",
            "[STEUER-ID]",
            0,
            always,
        ),
        rule(PHONE, "[TELEFON]", 0, is_phone),
        // Numbers announced by a keyword, in forms the patterns above do not know.
        rule(
            r"(?i:\b(?:steuer-?id|steuer-?identifikationsnummer|steueridentifikationsnummer|identifikationsnummer|idnr\.?|steuernummer))[:\s]+(?i:(?:ist|lautet)\s+)?(\d[\d ]{9,14}\d)\b",
            "[STEUER-ID]",
            1,
            |t, s, e| digits(&t[s..e]) == 11,
        ),
        rule(
            r"(?i:\b(?:tel\.?|telefon(?:nummer)?|handy(?:nummer)?|mobil(?:nummer)?|festnetz|rufnummer|whatsapp|erreichbar unter))[:\s]+(?i:(?:ist|lautet)\s+)?(\+?\d[\d \t/()-]{4,}\d)",
            "[TELEFON]",
            1,
            is_phone,
        ),
        rule(
            r"(?i:\b(?:bg-nummer|bg-nr\.?|bg|bedarfsgemeinschaftsnummer|nummer der bedarfsgemeinschaft))[:\s]+(?i:(?:ist|lautet)\s+)?([A-Z0-9][A-Z0-9./-]*(?:\s[A-Z0-9][A-Z0-9./-]*){0,4})",
            "[BG-NUMMER]",
            1,
            has_digits,
        ),
        rule(
            r"(?i:\b(?:kundennummer|kunden-nr\.?|kundennr\.?|kd\.-nr\.?|kd-nr\.?))[:\s]+(?i:(?:ist|lautet)\s+)?([A-Z0-9][A-Z0-9./-]*(?:\s[A-Z0-9][A-Z0-9./-]*){0,4})",
            "[KUNDENNUMMER]",
            1,
            has_digits,
        ),
        rule(
            r"(?i:\b(?:aktenzeichen|az\.?|gesch(?:ä|ae)ftszeichen|zeichen|widerspruch|widerspruchs-nr\.?|vorgangsnummer))[:\s]+(?i:(?:ist|lautet)\s+)?([A-Z0-9][A-Z0-9./-]*(?:\s[A-Z0-9][A-Z0-9./-]*){0,4})",
            "[AKTENZEICHEN]",
            1,
            has_digits,
        ),
        rule(
            r"\b\d{1,2}\.\s?\d{1,2}\.\s?(?:\d{4}|\d{2})\b",
            "[GEBURTSDATUM]",
            0,
            is_birth_date,
        ),
        rule(
            r"\b\d{1,2}\.\s?(?:Januar|Februar|März|Maerz|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember|Jan|Feb|Mär|Apr|Jun|Jul|Aug|Sep|Sept|Okt|Nov|Dez)\.?\s\d{4}\b",
            "[GEBURTSDATUM]",
            0,
            is_birth_date,
        ),
        rule(
            r"\b(?:19|20)\d{2}-\d{2}-\d{2}\b",
            "[GEBURTSDATUM]",
            0,
            is_birth_date,
        ),
        rule(
            &format!(r"\bPostfach\s\d{{2,6}}(?:,?\s{PLACE})?"),
            "[ADRESSE]",
            0,
            always,
        ),
        rule(
            &format!(r"{STREET}(?:,?\s{PLACE})?"),
            "[ADRESSE]",
            0,
            is_street,
        ),
        rule(PLACE, "[ORT]", 0, is_place),
    ]
});

/// One pass that tells whether anything may be found: most questions contain no personal data.
static ANY: LazyLock<RegexSet> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // The same constant patterns as RULES and NAME_TRIGGERS.
    RegexSet::new(
        RULES
            .iter()
            .map(|r| r.re.as_str())
            .chain(NAME_TRIGGERS.iter().map(|(re, _)| re.as_str())),
    )
    .unwrap()
});

fn digits(s: &str) -> usize {
    s.chars().filter(char::is_ascii_digit).count()
}

fn has_digits(t: &str, s: usize, e: usize) -> bool {
    digits(&t[s..e]) > 0
}

/// Phone numbers have 6 to 15 digits and stand alone ("41.2-0815/2025" is a file number);
/// free service numbers are not personal.
fn is_phone(t: &str, s: usize, e: usize) -> bool {
    if t[..s]
        .chars()
        .next_back()
        .is_some_and(|c| c.is_alphanumeric() || "-./".contains(c))
    {
        return false;
    }
    let d: String = t[s..e].chars().filter(char::is_ascii_digit).collect();
    let national = d
        .strip_prefix("0049")
        .or_else(|| d.strip_prefix("49").filter(|_| t[s..e].starts_with('+')))
        .map_or(d.clone(), |rest| {
            format!("0{}", rest.trim_start_matches('0'))
        });
    let service = ["0800", "0180", "0900", "0137", "115", "116"]
        .iter()
        .any(|p| national.starts_with(p));
    (6..=15).contains(&d.len()) && !service
}

const BIRTH_WORDS: &[&str] = &["geb.", "geb ", "geboren", "geburt", "zur welt", "jahrgang"];

/// A date of birth: a birth word close before or after it, a `*` right before it, or an old year.
fn is_birth_date(t: &str, s: usize, e: usize) -> bool {
    let before = &t[floor_boundary(t, s.saturating_sub(60))..s];
    let after = &t[e..ceil_boundary(t, e + 30)];
    let near = |x: &str| {
        let x = x.to_lowercase();
        BIRTH_WORDS.iter().any(|w| x.contains(w))
    };
    if near(before) || near(after) || before.trim_end().ends_with('*') {
        return true;
    }
    year_of(&t[s..e]).is_some_and(|y| y < BIRTH_YEAR_BEFORE)
}

/// The year of a matched date (two-digit years: up to 30 → 20xx, else 19xx).
fn year_of(date: &str) -> Option<u32> {
    let nums: Vec<&str> = date
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .collect();
    let year = if date.contains('-') {
        nums.first()?
    } else {
        nums.last()?
    };
    let y: u32 = year.parse().ok()?;
    Some(match year.len() {
        2 if y <= 30 => 2000 + y,
        2 => 1900 + y,
        _ => y,
    })
}

const NOT_STREET_WORDS: &[&str] = &[
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
    "Montag",
    "Dienstag",
    "Mittwoch",
    "Donnerstag",
    "Freitag",
    "Samstag",
    "Sonntag",
    "Wochenende",
    "Jahr",
    "Monat",
    "Alter",
    "Anfang",
    "Ende",
    "Moment",
    "Durchschnitt",
    "Schnitt",
    "Prinzip",
];

const UNITS: &[&str] = &[
    "euro",
    "eur",
    "€",
    "km",
    "kilometer",
    "minuten",
    "min",
    "stunden",
    "std",
    "prozent",
    "%",
    "jahre",
    "jahren",
    "monate",
    "monaten",
    "wochen",
    "tage",
    "tagen",
    "uhr",
    "qm",
    "quadratmeter",
    "m²",
    "menschen",
    "personen",
    "kinder",
];

/// Not a street: "Am Montag 9 Uhr", "Arbeitsweg 30 km".
fn is_street(t: &str, s: usize, e: usize) -> bool {
    let m = &t[s..e];
    if NOT_STREET_WORDS
        .iter()
        .any(|w| m.split_whitespace().any(|x| x == *w))
    {
        return false;
    }
    !followed_by_unit(t, e)
}

/// Not a place: "10000 Euro".
fn is_place(t: &str, s: usize, e: usize) -> bool {
    let word = t[s..e].split_whitespace().nth(1).unwrap_or("");
    !UNITS.contains(&word.to_lowercase().as_str()) && !followed_by_unit(t, e)
}

fn followed_by_unit(t: &str, e: usize) -> bool {
    let next = t[e..]
        .split(|c: char| c.is_whitespace() || c == ',')
        .find(|w| !w.is_empty())
        .unwrap_or("")
        .trim_end_matches(['.', ',', '?', '!', ';', ':'])
        .to_lowercase();
    UNITS.contains(&next.as_str())
}

fn floor_boundary(t: &str, mut i: usize) -> usize {
    while !t.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(t: &str, mut i: usize) -> usize {
    if i >= t.len() {
        return t.len();
    }
    while !t.is_char_boundary(i) {
        i += 1;
    }
    i
}

// ---- names ------------------------------------------------------------------------------

static FIRST_NAMES: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("first_names.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// How a trigger introduces the name that follows it.
#[derive(Clone, Copy, PartialEq)]
enum After {
    /// "ich heiße …", "mein Name ist …": whatever follows is a name, also in lower case.
    Anything,
    /// "Frau …", "Mein Sohn …", "Viele Grüße, …": a capitalised word that looks like a name.
    Capitalised,
    /// "ich bin …", "hier ist …": only a known first name.
    KnownFirstName,
}

static NAME_TRIGGERS: LazyLock<Vec<(Regex, After)>> = LazyLock::new(|| {
    let t = |p: &str, a| {
        #[allow(clippy::unwrap_used)] // Constant patterns, checked by the tests below.
        (Regex::new(p).unwrap(), a)
    };
    vec![
        t(
            r"(?i)\b(?:ich\s+hei(?:ß|ss)e|mein\s+name\s+(?:ist|lautet|ist\s+der|ist\s+die)|name\s*:)\s+",
            After::Anything,
        ),
        t(
            r"\b(?:Herrn?|Frau|Hr\.|Fr\.)\s+(?:(?:Dr\.|Prof\.)\s+)?",
            After::Capitalised,
        ),
        t(
            r"(?i)\b(?:mit\s+freundlichen\s+gr(?:ü|ue)(?:ß|ss)en|mfg|viele\s+gr(?:ü|ue)(?:ß|ss)e|liebe\s+gr(?:ü|ue)(?:ß|ss)e|herzliche\s+gr(?:ü|ue)(?:ß|ss)e|beste\s+gr(?:ü|ue)(?:ß|ss)e|gru(?:ß|ss)|lg|vg)[,!.]?\s+",
            After::Capitalised,
        ),
        t(
            r"\b(?:[Mm]eine?[mrn]?|[Uu]nsere?[mrn]?|[Dd]ie|[Dd]er|[Dd]em|[Ii]hre?[mrn]?)\s+(?:Tochter|Sohn|Mann|Ehemann|Ehefrau|Frau|Freund|Freundin|Partner|Partnerin|Lebensgefährtin|Lebensgefährte|Schwester|Bruder|Mutter|Vater|Nachbar|Nachbarin|Ex-Mann|Ex-Frau|Exfrau|Exmann|Enkel|Enkelin|Kinder|Kind|Söhne|Töchter|Cousin|Cousine|Tante|Onkel|Oma|Opa|Schwiegermutter|Schwiegervater|Betreuer|Betreuerin)(?:\s+hei(?:ß|ss)(?:t|en))?\s+",
            After::Capitalised,
        ),
        t(
            r"(?i)\b(?:Kläger|Klägerin|Antragsteller|Antragstellerin)\s+",
            After::Capitalised,
        ),
        t(
            r"(?i)\b(?:ich\s+bin(?:\s+(?:der|die))?|hier\s+(?:ist|spricht|schreibt))\s+",
            After::KnownFirstName,
        ),
    ]
});

/// Capitalised words that follow "Frau", "Mein Sohn" or a first name but are no names.
const NOT_NAMES: &[&str] = &[
    "Agentur",
    "Alleinerziehend",
    "Alleinerziehende",
    "Amt",
    "Ansprechpartner",
    "Ansprechpartnerin",
    "Anspruch",
    "Antrag",
    "Arbeit",
    "Arbeitslos",
    "Arbeitslosengeld",
    "Aufstocker",
    "Aufstockerin",
    "Azubi",
    "Bescheid",
    "Bitte",
    "Brief",
    "Bürgergeld",
    "Damen",
    "Danke",
    "Deutsche",
    "Deutscher",
    "Empfänger",
    "Empfängerin",
    "Frage",
    "Fragen",
    "Frau",
    "Geld",
    "Grundsicherungsgeld",
    "Guten",
    "Hallo",
    "Hartz",
    "Herr",
    "Herren",
    "Herrn",
    "Hilfe",
    "Job",
    "Jobcenter",
    "Kind",
    "Kinder",
    "Kunde",
    "Kundin",
    "Leistungsabteilung",
    "Miete",
    "Mutter",
    "Nachweis",
    "Post",
    "Rentner",
    "Rentnerin",
    "Sachbearbeiter",
    "Sachbearbeiterin",
    "Schwanger",
    "Selbstständig",
    "Selbständig",
    "Student",
    "Studentin",
    "Tag",
    "Termin",
    "Unterlagen",
    "Vater",
    "Vermieter",
    "Weiterbewilligung",
];

/// Function words that end a name ("ich heiße maria schmidt und …").
const FUNCTION_WORDS: &[&str] = &[
    "aber", "also", "am", "an", "auch", "auf", "aus", "bei", "bin", "bitte", "brauche", "da",
    "das", "dass", "dem", "den", "der", "die", "du", "ein", "eine", "er", "es", "frage", "für",
    "hab", "habe", "hat", "hier", "ich", "ihr", "ihre", "im", "in", "ist", "ja", "kann", "komme",
    "kein", "keine", "mein", "meine", "mit", "möchte", "nein", "nicht", "noch", "oder", "seit",
    "sie", "sind", "so", "suche", "und", "vom", "von", "war", "was", "wann", "warum", "wie", "wir",
    "wo", "wohne", "wurde", "zu", "zum", "zur",
];

/// Particles inside names ("Herr von Berg", "Ahmad al Hassan").
const PARTICLES: &[&str] = &[
    "von", "van", "de", "del", "da", "di", "zu", "al", "el", "bin", "ibn",
];

struct Word<'a> {
    start: usize,
    end: usize,
    text: &'a str,
}

static WORD: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // A constant pattern.
    Regex::new(r"\p{L}[\p{L}\p{M}'’]*(?:-\p{L}[\p{L}\p{M}'’]*)*").unwrap()
});

fn words(text: &str) -> Vec<Word<'_>> {
    WORD.find_iter(text)
        .map(|m| Word {
            start: m.start(),
            end: m.end(),
            text: m.as_str(),
        })
        .collect()
}

/// "Öztürk", "Al-Hassan", "Wiśniewska": upper case only at the start and after a hyphen.
fn name_like(w: &str) -> bool {
    let mut prev = '-';
    let mut has_lower = false;
    for c in w.chars() {
        if c.is_uppercase() && prev != '-' && prev != '\'' {
            return false;
        }
        has_lower |= c.is_lowercase();
        prev = c;
    }
    w.chars().next().is_some_and(char::is_uppercase) && has_lower && !NOT_NAMES.contains(&w)
}

fn is_function_word(w: &str) -> bool {
    FUNCTION_WORDS.contains(&w.to_lowercase().as_str())
}

/// Only white space between the two byte positions.
fn adjacent(text: &str, a: usize, b: usize) -> bool {
    a <= b && text[a..b].chars().all(char::is_whitespace) && b - a <= 3
}

/// A known first name, not the month abbreviation in "1. Jan. 2026".
fn known_first_name(text: &str, w: &Word<'_>) -> bool {
    if !FIRST_NAMES.contains(w.text) {
        return false;
    }
    if text[w.end..].starts_with('.') {
        let before = text[..w.start].trim_end();
        let after = text[w.end + 1..].trim_start();
        if before.ends_with('.') || after.starts_with(|c: char| c.is_ascii_digit()) {
            return false;
        }
    }
    true
}

/// The name that starts at word `i`, as (first word, last word), or `None`.
fn take_name(text: &str, ws: &[Word<'_>], i: usize, after: After) -> Option<(usize, usize)> {
    // "Herr von Berg": the name starts with its particle.
    if after == After::Capitalised
        && ws.get(i).is_some_and(|w| PARTICLES.contains(&w.text))
        && ws
            .get(i + 1)
            .is_some_and(|n| adjacent(text, ws[i].end, n.start) && name_like(n.text))
    {
        let (_, last) = take_name(text, ws, i + 1, after)?;
        return Some((i, last));
    }
    let first = ws.get(i)?;
    let lower = first.text.chars().next().is_some_and(char::is_lowercase);
    let ok = match after {
        After::Anything if lower => !is_function_word(first.text),
        After::Anything | After::Capitalised => {
            name_like(first.text) && !is_function_word(first.text)
        }
        After::KnownFirstName => known_first_name(text, first),
    };
    if !ok {
        return None;
    }
    let mut last = i;
    let max_words = if lower { 2 } else { 3 };
    while last + 1 < ws.len() && last + 1 - i < max_words {
        let (cur, next) = (&ws[last], &ws[last + 1]);
        if !adjacent(text, cur.end, next.start) {
            break;
        }
        let continues = if lower {
            next.text.chars().next().is_some_and(char::is_lowercase) && !is_function_word(next.text)
        } else if PARTICLES.contains(&next.text) {
            ws.get(last + 2).is_some_and(|w| {
                adjacent(text, next.end, w.start) && name_like(w.text) && !is_function_word(w.text)
            })
        } else {
            name_like(next.text) && !is_function_word(next.text)
        };
        if !continues {
            break;
        }
        last += 1;
        if PARTICLES.contains(&ws[last].text) {
            last += 1;
        }
    }
    Some((i, last))
}

fn find_names(text: &str, out: &mut Vec<Found>) {
    let ws = words(text);
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for (re, after) in NAME_TRIGGERS.iter() {
        for m in re.find_iter(text) {
            let Some(i) = ws.iter().position(|w| w.start == m.end()) else {
                continue;
            };
            if let Some((a, b)) = take_name(text, &ws, i, *after) {
                spans.push((ws[a].start, ws[b].end));
            }
        }
    }
    for (i, w) in ws.iter().enumerate() {
        if known_first_name(text, w) {
            if let Some((a, b)) = take_name(text, &ws, i, After::Capitalised) {
                spans.push((ws[a].start, ws[b].end));
            } else {
                spans.push((w.start, w.end));
            }
        }
    }
    for (start, end) in spans {
        push_if_free(out, start, end, "[NAME]");
    }
}

fn push_if_free(out: &mut Vec<Found>, start: usize, end: usize, label: &'static str) {
    if start < end && !out.iter().any(|f| f.start < end && start < f.end) {
        out.push(Found { start, end, label });
    }
}

/// The personal data in `text`, in order, without overlaps.
pub fn find(text: &str) -> Vec<Found> {
    let mut out = Vec::new();
    let any_rule = ANY.is_match(text);
    if any_rule {
        for rule in RULES.iter() {
            for caps in rule.re.captures_iter(text) {
                let Some(m) = caps.get(rule.group) else {
                    continue;
                };
                let (start, end) = trim(text, m.start(), m.end());
                if start < end && (rule.check)(text, start, end) {
                    push_if_free(&mut out, start, end, rule.label);
                }
            }
        }
    }
    find_names(text, &mut out);
    out.sort_by_key(|f| f.start);
    out
}

/// Leaves out white space and trailing punctuation at the edges of a span.
fn trim(text: &str, start: usize, end: usize) -> (usize, usize) {
    let s = &text[start..end];
    let lead = s.len() - s.trim_start().len();
    let kept = s.trim_end_matches(|c: char| c.is_whitespace() || ".,;:/-".contains(c));
    (start + lead, start + kept.len().max(lead))
}

/// Returns the text with personal data replaced by typed placeholders.
pub fn redact(text: &str) -> String {
    // Masking to a fixed point: a label put in place of one finding can make its neighbours match
    // a rule they did not match before (digits that ran into a name now stand alone, found by
    // the fuzzer), and stored text must not change when it is masked again.
    let mut masked = mask(text, true);
    for _ in 0..4 {
        let again = mask(&masked, true);
        if again == masked {
            break;
        }
        masked = again;
    }
    masked
}

/// Returns the text with personal data removed (replaced by a space). Names, numbers and
/// addresses never help to find a general answer, but their unknown words lower every score.
pub fn strip(text: &str) -> String {
    mask(text, false)
}

fn mask(text: &str, with_labels: bool) -> String {
    let found = find(text);
    if found.is_empty() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0;
    for f in &found {
        let (start, end) = if with_labels || f.label != "[NAME]" {
            (f.start, f.end)
        } else {
            let (start, end) = self_introduction(text, f.start, f.end);
            (start.max(at), end)
        };
        out.push_str(&text[at..start]);
        out.push_str(if with_labels { f.label } else { " " });
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// For matching, "Hallo, Jan Dummy hier" goes as a whole: left alone, "Hallo … hier" reads
/// like smalltalk and pulls the reply towards the greeting answer.
fn self_introduction(text: &str, start: usize, end: usize) -> (usize, usize) {
    let rest = &text[end..];
    let trimmed = rest.trim_start();
    let end = if trimmed.starts_with("hier")
        && !trimmed[4..].starts_with(|c: char| c.is_alphanumeric())
    {
        end + (rest.len() - trimmed.len()) + 4
    } else {
        end
    };
    let before = text[..start]
        .trim_end()
        .trim_end_matches([',', '!'])
        .to_lowercase();
    let start = if ["hallo", "hi", "moin", "guten tag", "guten morgen"].contains(&before.as_str()) {
        0
    } else {
        start
    };
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_structured_identifiers() {
        let cases = [
            ("Schreiben Sie an jan.dummy@example.net bitte", "[E-MAIL]"),
            ("Tel. 040 66969 321 tagsüber", "[TELEFON]"),
            ("IBAN DE89 3704 0044 0532 0130 00", "[IBAN]"),
            ("Meine BG-Nummer ist 13579BG0024680.", "[BG-NUMMER]"),
            ("geb. 05.05.1975", "[GEBURTSDATUM]"),
            ("Versichertennummer A123456789", "[VERSICHERTENNUMMER]"),
            ("Steuer-ID 12 345 678 901", "[STEUER-ID]"),
            ("Ich wohne Testallee 7, 99999 Beispielstadt", "[ADRESSE]"),
        ];
        for (text, label) in cases {
            let r = redact(text);
            assert!(r.contains(label), "{text} → {r}");
        }
    }

    #[test]
    fn masks_names_where_the_sentence_introduces_them() {
        assert_eq!(
            redact("Ich bin Paul Platzhalter und habe eine Frage"),
            "Ich bin [NAME] und habe eine Frage"
        );
        assert_eq!(
            redact("Hallo, Jan Dummy hier, ich habe"),
            "Hallo, [NAME] hier, ich habe"
        );
        assert_eq!(
            redact("Mein Name ist Erika Muster."),
            "Mein Name ist [NAME]."
        );
        assert_eq!(redact("Frau Schmidt hat gesagt"), "Frau [NAME] hat gesagt");
    }

    #[test]
    fn strip_removes_personal_data_without_labels() {
        assert_eq!(
            strip("Hallo, Jan Dummy hier, Tel. 040 66969 321, wann kommt das Geld?"),
            " , Tel.  , wann kommt das Geld?"
        );
        assert_eq!(
            strip("Wie hoch ist der Regelsatz?"),
            "Wie hoch ist der Regelsatz?"
        );
    }

    #[test]
    fn leaves_everyday_questions_alone() {
        for text in [
            "Ich bin alleinerziehend mit 2 Kindern, wie hoch ist der Mehrbedarf?",
            "Ich bin Alleinerziehend und bekomme 563 € Regelsatz",
            "Wann kommt das Geld am 1. des Monats?",
            "Muss ich den Weiterbewilligungsantrag 2026 stellen?",
            "Kann ich 520 Euro im Minijob verdienen?",
            "Muss ich den Antrag bis zum 31.12.2026 stellen?",
            "Ist die Hotline 0800 4 5555 00 kostenlos?",
            "Am Montag 9 Uhr habe ich einen Termin.",
            "Mein Arbeitsweg ist 30 km lang.",
        ] {
            assert_eq!(redact(text), text);
        }
    }

    #[test]
    fn dates_are_birth_dates_by_context_or_age() {
        assert_eq!(redact("geboren am 3.3.2024"), "geboren am [GEBURTSDATUM]");
        assert_eq!(redact("am 12.03.1985"), "am [GEBURTSDATUM]");
        assert_eq!(redact("bis 12.03.2026"), "bis 12.03.2026");
    }
}
