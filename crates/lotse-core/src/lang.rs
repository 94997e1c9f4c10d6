//! Which language a question is written in, for the languages job centres' clients write most:
//! German, English, Ukrainian, Russian, Arabic, Farsi/Dari and Turkish.
//!
//! Questions are short, so statistical detectors trained on long texts guess poorly. This one
//! decides by script first (Cyrillic, Arabic, Latin), then by letters only one language of that
//! script uses (і ї є ґ for Ukrainian; پ چ ژ گ for Farsi; ş ğ ı for Turkish; ä ö ü ß for German),
//! then by counting very common words. A Latin question with no evidence either way is German: it
//! is the language the knowledge base is written in, and a German keyword query ("miete zu hoch")
//! must not be treated as foreign.

use crate::text::fold;

/// A detected language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detected {
    /// BCP-47 code: `de`, `en`, `uk`, `ru`, `ar`, `fa`, `tr`.
    pub code: &'static str,
    /// True when the evidence is clear (a script or letters of its own, or several common words).
    pub sure: bool,
}

impl Detected {
    pub fn is_german(&self) -> bool {
        self.code == "de"
    }
}

/// The languages Lotse's widget speaks and the detector knows, German first.
pub const LANGUAGES: &[&str] = &["de", "en", "uk", "ar", "tr", "ru", "fa"];

/// Languages written right to left.
pub fn is_rtl(code: &str) -> bool {
    matches!(base(code), "ar" | "fa" | "prs" | "he" | "ur" | "ps")
}

/// The primary subtag of a BCP-47 code, lower-case (`de-x-ls` → `de`, `fa-AF` → `fa`).
pub fn base(code: &str) -> &str {
    let end = code.find(['-', '_']).unwrap_or(code.len());
    &code[..end]
}

const EN: &[&str] = &[
    "the", "is", "are", "what", "how", "can", "do", "does", "i", "my", "we", "our", "you", "your",
    "to", "of", "and", "for", "if", "when", "where", "who", "which", "have", "has", "get", "will",
    "would", "should", "with", "from", "not", "am", "me", "it", "this", "that", "about", "need",
    "much", "many", "job", "money", "rent", "apply", "benefit", "benefits",
];
const DE: &[&str] = &[
    "der",
    "die",
    "das",
    "ist",
    "sind",
    "was",
    "wie",
    "kann",
    "ich",
    "mein",
    "meine",
    "wir",
    "sie",
    "und",
    "fuer",
    "wenn",
    "wann",
    "wo",
    "wer",
    "habe",
    "hat",
    "bekomme",
    "muss",
    "mit",
    "von",
    "nicht",
    "mir",
    "mich",
    "es",
    "ein",
    "eine",
    "zu",
    "zum",
    "im",
    "auf",
    "auch",
    "oder",
    "geld",
    "miete",
    "antrag",
    "bei",
    "noch",
    "gibt",
    "jobcenter",
];
#[rustfmt::skip]
const TR: &[&str] = &[
    "ve", "bir", "bu", "ne", "nasil", "nasıl", "mi", "mı", "mu", "mü", "icin", "için", "ben",
    "benim", "var", "yok", "ile", "kadar", "para", "kira", "olarak", "zaman", "hangi", "nerede",
    "miyim", "mıyım", "ediyorum", "alabilir", "basvuru", "başvuru", "yardim", "yardım", "de", "ki",
    "ya", "ama", "veya", "daha", "çok", "gibi", "sonra", "önce", "eğer", "hiç", "bana", "beni",
    "bize", "sizin", "onun", "nedir", "neden", "hangisi", "kaç", "en", "olur", "gerekiyor",
    "istiyorum", "misiniz", "musunuz",
];

/// Case endings that Turkish writes after an apostrophe on names ("Türkiye'ye", "Jobcenter'dan");
/// German and English put only `s`, `t`, `m`, `ll`, `ve`, `re`, `d` there ("geht's", "don't").
const TR_APOSTROPHE_ENDINGS: &[&str] = &[
    "a", "e", "ı", "i", "u", "ü", "ya", "ye", "yı", "yi", "yu", "yü", "da", "de", "ta", "te",
    "dan", "den", "tan", "ten", "ın", "in", "un", "ün", "nın", "nin", "nun", "nün", "la", "le",
    "yla", "yle", "na", "ne", "nda", "nde", "ndan", "nden",
];

const UK: &[&str] = &[
    "як",
    "що",
    "чи",
    "мені",
    "можу",
    "від",
    "це",
    "який",
    "яка",
    "яке",
    "коли",
    "де",
    "скільки",
    "потрібно",
    "треба",
    "отримати",
    "допомогу",
    "допомога",
    "заяву",
    "мій",
    "моя",
    "мого",
    "ви",
    "та",
    "або",
    "але",
    "щоб",
    "якщо",
    "після",
    "тиждень",
    "роботу",
    "гроші",
    "квартиру",
];
const RU: &[&str] = &[
    "как",
    "что",
    "ли",
    "мне",
    "могу",
    "от",
    "это",
    "какой",
    "какая",
    "когда",
    "где",
    "сколько",
    "нужно",
    "надо",
    "получить",
    "помощь",
    "заявление",
    "мой",
    "моя",
    "моего",
    "вы",
    "или",
    "но",
    "чтобы",
    "если",
    "после",
    "неделю",
    "работу",
    "деньги",
    "квартиру",
    "почему",
    "есть",
    "нет",
];

/// Detects the language of `text`.
pub fn detect(text: &str) -> Detected {
    let (mut cyrillic, mut arabic, mut latin) = (0usize, 0usize, 0usize);
    let (mut uk_letters, mut ru_letters, mut fa_letters) = (0usize, 0usize, 0usize);
    let (mut tr_letters, mut de_letters) = (0usize, 0usize);
    for c in text.chars() {
        match c {
            'і' | 'ї' | 'є' | 'ґ' | 'І' | 'Ї' | 'Є' | 'Ґ' => {
                uk_letters += 1;
                cyrillic += 1;
            }
            'ы' | 'э' | 'ъ' | 'ё' | 'Ы' | 'Э' | 'Ъ' | 'Ё' => {
                ru_letters += 1;
                cyrillic += 1;
            }
            '\u{0400}'..='\u{04FF}' => cyrillic += 1,
            // Persian letters Arabic does not use, and the Persian forms of kaf and yeh.
            'پ' | 'چ' | 'ژ' | 'گ' | 'ک' | 'ی' => {
                fa_letters += 1;
                arabic += 1;
            }
            '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{FB50}'..='\u{FEFF}' => {
                arabic += 1
            }
            'ş' | 'Ş' | 'ğ' | 'Ğ' | 'ı' | 'İ' => {
                tr_letters += 1;
                latin += 1;
            }
            'ä' | 'Ä' | 'ß' => {
                de_letters += 1;
                latin += 1;
            }
            c if c.is_ascii_alphabetic() || ('\u{00C0}'..='\u{024F}').contains(&c) => latin += 1,
            _ => {}
        }
    }
    let letters = cyrillic + arabic + latin;
    if letters == 0 {
        return Detected {
            code: "de",
            sure: false,
        };
    }
    if cyrillic * 2 > letters {
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphabetic())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        let hits = |list: &[&str]| words.iter().filter(|w| list.contains(&w.as_str())).count();
        let uk = 2 * uk_letters + hits(UK);
        let ru = 2 * ru_letters + hits(RU);
        let code = if uk > ru { "uk" } else { "ru" };
        return Detected {
            code,
            sure: uk != ru,
        };
    }
    if arabic * 2 > letters {
        let code = if fa_letters > 0 { "fa" } else { "ar" };
        return Detected { code, sure: true };
    }
    // Latin script: German, English or Turkish.
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().replace('’', "'"))
        .collect();
    let tr_endings = words
        .iter()
        .filter(|w| {
            w.split_once('\'')
                .is_some_and(|(name, end)| !name.is_empty() && TR_APOSTROPHE_ENDINGS.contains(&end))
        })
        .count();
    let count = |list: &[&str], fold_it: bool| {
        words
            .iter()
            .filter(|w| {
                let w = if fold_it { fold(w) } else { (*w).clone() };
                list.contains(&w.as_str())
            })
            .count()
    };
    let en = count(EN, false);
    let de = count(DE, true) + 2 * de_letters;
    let tr = count(TR, false) + 2 * tr_letters + 2 * tr_endings;
    if tr > de && tr > en && tr >= 2 {
        return Detected {
            code: "tr",
            sure: true,
        };
    }
    if en > de && en >= 2 {
        return Detected {
            code: "en",
            sure: en >= de + 2,
        };
    }
    Detected {
        code: "de",
        sure: de >= 2 && de > en,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_the_languages_clients_write() {
        let cases = [
            ("Wie stelle ich einen Antrag auf Bürgergeld?", "de"),
            ("miete zu hoch", "de"),
            ("WBA vergessen", "de"),
            ("Hartz 4 beantragen", "de"),
            ("How do I apply for citizen's benefit?", "en"),
            ("Can the Jobcenter pay my rent deposit?", "en"),
            ("Як подати заяву на допомогу?", "uk"),
            ("Скільки я можу заробити?", "uk"),
            ("Как подать заявление в Jobcenter?", "ru"),
            ("Почему мне не пришло решение?", "ru"),
            ("كيف أقدم طلبا للحصول على المساعدة؟", "ar"),
            ("چگونه درخواست کمک مالی بدهم؟", "fa"),
            ("Jobcenter kira ödemesi için ne yapmalıyım?", "tr"),
            ("Başvuru nasıl yapılır?", "tr"),
            // Only the apostrophe ending says Turkish here (no ş, ğ, ı).
            ("Jobcenter'dan mektup geldi", "tr"),
            ("Almanya’da en ucuz sigorta hangisi?", "tr"),
            // German and English apostrophes stay what they are.
            ("Wie geht's weiter mit meinem Antrag?", "de"),
            ("gibt's geld für die klassenfahrt", "de"),
            ("I don't know if I'm allowed to work", "en"),
        ];
        for (text, want) in cases {
            assert_eq!(detect(text).code, want, "{text}");
        }
    }

    #[test]
    fn no_letters_is_german_and_unsure() {
        let d = detect("123 ?!");
        assert_eq!(d.code, "de");
        assert!(!d.sure);
    }

    #[test]
    fn base_and_direction() {
        assert_eq!(base("de-x-ls"), "de");
        assert_eq!(base("fa_AF"), "fa");
        assert!(is_rtl("ar"));
        assert!(is_rtl("fa-AF"));
        assert!(!is_rtl("uk"));
    }
}
