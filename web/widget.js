/*
 * Lotse citizen chat widget.
 *
 * Embedding:
 *   <script src="https://jc.example/widget.js" data-tenant="demo" defer></script>
 *   optional: data-mode="inline" data-target="#chat"   render into an element, always open
 *             data-api="https://jc.example"            override the server base URL
 *             data-lang="en"                           interface language (default: the browser's
 *                                                      languages, else German); "de-x-ls" starts
 *                                                      in German with Leichte Sprache switched on
 *
 * One dependency-free file without a build step. Everything lives in an open
 * shadow root so the host page's CSS cannot break the widget. The widget sets
 * no cookies, uses no web storage and talks only to the Lotse server it was
 * loaded from; the conversation id lives in memory and is gone on reload.
 */
(function () {
  'use strict';

  // document.currentScript is only set while this file runs synchronously,
  // so it has to be captured before anything is deferred.
  const SCRIPT = document.currentScript || lastWidgetScript();

  const MAX_LEN = 1000;
  const COUNTER_FROM = 800;
  const COMMENT_MAX_LEN = 500;
  const DEFAULT_ACCENT = '#005ca9';
  const REQUEST_TIMEOUT_MS = 20000;
  const RTL_LANGUAGES = new Set(['ar', 'fa', 'prs', 'he', 'ur', 'ps', 'ckb']);

  // The German interface texts. Every other language below falls back to these
  // key by key, so a text added here is never missing, only untranslated.
  const DE = {
    launcher: 'Fragen? Chat öffnen',
    close: 'Chat schließen',
    defaultName: 'Chat des Jobcenters',
    subtitle: 'Digitaler Assistent mit automatischen Antworten',
    log: 'Gesprächsverlauf',
    // The two screen-reader prefixes end with a space: they run into the message text.
    you: 'Sie: ',
    bot: 'Assistent: ',
    inputLabel: 'Ihre Frage',
    placeholder: 'Frage eingeben …',
    send: 'Senden',
    privacy: 'Bitte geben Sie keine persönlichen Daten wie Namen, Adresse oder Kundennummer ein.',
    privacyLink: 'Datenschutzhinweise',
    sources: 'Quellen',
    asOf: (iso) => `Stand: ${localDate(iso)}`,
    helpfulQuestion: 'War diese Antwort hilfreich?',
    helpful: 'Hilfreich',
    notHelpful: 'Nicht hilfreich',
    thanks: 'Danke für Ihre Rückmeldung!',
    commentLabel: 'Was hat Ihnen gefehlt? (freiwillig, ohne persönliche Daten)',
    commentThanks: 'Danke für Ihren Hinweis!',
    clarify: 'Meinten Sie …?',
    typing: 'Die Antwort wird gesucht …',
    newTab: ' (öffnet in neuem Tab)',
    counter: (n) => `${n} von ${MAX_LEN} Zeichen`,
    limitReached: `Die Frage darf höchstens ${MAX_LEN} Zeichen lang sein.`,
    networkError: 'Die Verbindung zum Server ist fehlgeschlagen. Bitte versuchen Sie es später noch einmal.',
    genericError: 'Leider ist ein Fehler aufgetreten. Bitte versuchen Sie es später noch einmal.',
    rateLimited: (s) => `Sie haben in kurzer Zeit sehr viele Fragen gestellt. Bitte warten Sie ${s} Sekunden und versuchen Sie es dann noch einmal.`,
    configError: 'Der Chat ist gerade nicht erreichbar. Bitte versuchen Sie es später noch einmal.',
    emptyQuestion: 'Bitte geben Sie eine Frage ein.',
    language: 'Sprache (Language)',
    easyLanguage: 'Leichte Sprache',
    reviewHuman: 'geprüft',
    reviewMachine: 'maschinell übersetzt',
    micStart: 'Spracheingabe: Frage sprechen',
    micStop: 'Aufnahme beenden',
    micRecording: 'Aufnahme läuft – sprechen Sie jetzt. Zum Beenden die Taste loslassen oder erneut drücken.',
    micWorking: 'Ihre Aufnahme wird in Text umgewandelt …',
    micDone: 'Erkannter Text steht im Eingabefeld. Bitte prüfen und dann senden.',
    micMissing: 'Es wurde kein Mikrofon gefunden. Bitte tippen Sie Ihre Frage.',
    micDenied: 'Der Zugriff auf das Mikrofon wurde nicht erlaubt. Sie können ihn in den Einstellungen Ihres Browsers freigeben oder Ihre Frage tippen.',
    micTooLong: 'Die Aufnahme war zu lang und wurde nach 30 Sekunden beendet.',
    micNotUnderstood: 'Ich habe Sie leider nicht verstanden. Bitte sprechen Sie noch einmal oder tippen Sie Ihre Frage.',
    micFailed: 'Die Aufnahme konnte nicht verarbeitet werden. Bitte tippen Sie Ihre Frage.',
    readAloud: 'Vorlesen',
    readAloudStop: 'Vorlesen beenden',
    readAloudUnavailable: 'Vorlesen ist in diesem Browser leider nicht möglich.',
    piiWarning: (kinds) => `Bitte keine persönlichen Daten eingeben: Ihre Frage enthält wohl ${kinds}. `
      + 'Entfernen Sie diese Angaben, oder senden Sie noch einmal, um trotzdem zu fragen.',
  };

  const MAX_RECORDING_MS = 30000;
  // A press on the microphone button held longer than this is push-to-talk (release stops);
  // a shorter one is a click that starts, and the next click stops.
  const HOLD_MS = 450;

  // The interface languages, each named in itself, in the order of the switch.
  const LANGUAGES = [
    ['de', 'Deutsch'], ['en', 'English'], ['uk', 'Українська'], ['ar', 'العربية'],
    ['tr', 'Türkçe'], ['ru', 'Русский'], ['fa', 'فارسی'],
  ];
  // Dari is written like Farsi; browsers set to it get the Farsi interface.
  const LANGUAGE_ALIASES = { prs: 'fa' };
  // The language tag that asks the server for the Leichte Sprache version of an answer.
  const EASY_GERMAN = 'de-x-ls';

  const STRINGS = {
    de: DE,
    en: {
      launcher: 'Questions? Open chat',
      close: 'Close chat',
      defaultName: 'Job centre chat',
      subtitle: 'Digital assistant with automatic answers',
      log: 'Conversation',
      you: 'You: ',
      bot: 'Assistant: ',
      inputLabel: 'Your question',
      placeholder: 'Type your question …',
      send: 'Send',
      privacy: 'Please do not enter personal data such as your name, address or customer number.',
      privacyLink: 'Privacy notice',
      sources: 'Sources',
      asOf: (iso) => `As of: ${localDate(iso)}`,
      helpfulQuestion: 'Was this answer helpful?',
      helpful: 'Helpful',
      notHelpful: 'Not helpful',
      thanks: 'Thank you for your feedback!',
      commentLabel: 'What was missing? (optional, no personal data)',
      commentThanks: 'Thank you for your comment!',
      clarify: 'Did you mean …?',
      typing: 'Looking for an answer …',
      newTab: ' (opens in a new tab)',
      counter: (n) => `${n} of ${MAX_LEN} characters`,
      limitReached: `Your question can be at most ${MAX_LEN} characters long.`,
      networkError: 'Could not connect to the server. Please try again later.',
      genericError: 'Sorry, something went wrong. Please try again later.',
      rateLimited: (s) => `You have asked many questions in a short time. Please wait ${s} seconds and then try again.`,
      configError: 'The chat is not available at the moment. Please try again later.',
      emptyQuestion: 'Please enter a question.',
      language: 'Language',
      easyLanguage: 'Easy German',
      reviewHuman: 'Reviewed',
      reviewMachine: 'Machine-translated',
    },
    uk: {
      launcher: 'Маєте запитання? Відкрити чат',
      close: 'Закрити чат',
      defaultName: 'Чат джобцентру',
      subtitle: 'Цифровий помічник з автоматичними відповідями',
      log: 'Історія розмови',
      you: 'Ви: ',
      bot: 'Помічник: ',
      inputLabel: 'Ваше запитання',
      placeholder: 'Введіть запитання …',
      send: 'Надіслати',
      privacy: 'Будь ласка, не вводьте особисті дані, як-от ім’я, адресу чи номер клієнта.',
      privacyLink: 'Захист даних',
      sources: 'Джерела',
      asOf: (iso) => `Станом на ${localDate(iso)}`,
      helpfulQuestion: 'Чи була ця відповідь корисною?',
      helpful: 'Корисно',
      notHelpful: 'Некорисно',
      thanks: 'Дякуємо за ваш відгук!',
      commentLabel: 'Чого бракувало? (необов’язково, без особистих даних)',
      commentThanks: 'Дякуємо за ваш коментар!',
      clarify: 'Ви мали на увазі …?',
      typing: 'Шукаємо відповідь …',
      newTab: ' (відкривається в новій вкладці)',
      counter: (n) => `${n} з ${MAX_LEN} символів`,
      limitReached: `Запитання може містити щонайбільше ${MAX_LEN} символів.`,
      networkError: 'Не вдалося з’єднатися із сервером. Будь ласка, спробуйте пізніше.',
      genericError: 'На жаль, сталася помилка. Будь ласка, спробуйте пізніше.',
      rateLimited: (s) => `Ви поставили багато запитань за короткий час. Будь ласка, зачекайте ${s} с і спробуйте ще раз.`,
      configError: 'Чат зараз недоступний. Будь ласка, спробуйте пізніше.',
      emptyQuestion: 'Будь ласка, введіть запитання.',
      language: 'Мова (Language)',
      easyLanguage: 'Проста німецька',
      reviewHuman: 'Перевірено',
      reviewMachine: 'Машинний переклад',
    },
    ar: {
      launcher: 'هل لديك سؤال؟ افتح المحادثة',
      close: 'إغلاق المحادثة',
      defaultName: 'محادثة الجوب سنتر',
      subtitle: 'مساعد رقمي يجيب تلقائيًا',
      log: 'سجل المحادثة',
      you: 'أنت: ',
      bot: 'المساعد: ',
      inputLabel: 'سؤالك',
      placeholder: 'اكتب سؤالك …',
      send: 'إرسال',
      privacy: 'يُرجى عدم إدخال بيانات شخصية مثل الاسم أو العنوان أو رقم العميل.',
      privacyLink: 'معلومات حماية البيانات',
      sources: 'المصادر',
      asOf: (iso) => `آخر تحديث: ${localDate(iso)}`,
      helpfulQuestion: 'هل كانت هذه الإجابة مفيدة؟',
      helpful: 'مفيدة',
      notHelpful: 'غير مفيدة',
      thanks: 'شكرًا على ملاحظاتك!',
      commentLabel: 'ما الذي كان ينقص؟ (اختياري، بدون بيانات شخصية)',
      commentThanks: 'شكرًا على تعليقك!',
      clarify: 'هل تقصد …؟',
      typing: 'جارٍ البحث عن إجابة …',
      newTab: ' (يُفتح في علامة تبويب جديدة)',
      counter: (n) => `${n} من ${MAX_LEN} حرف`,
      limitReached: `يجب ألا يزيد طول السؤال عن ${MAX_LEN} حرف.`,
      networkError: 'تعذّر الاتصال بالخادم. يُرجى المحاولة مرة أخرى لاحقًا.',
      genericError: 'عذرًا، حدث خطأ. يُرجى المحاولة مرة أخرى لاحقًا.',
      rateLimited: (s) => `لقد طرحت أسئلة كثيرة في وقت قصير. يُرجى الانتظار ${s} ثانية ثم المحاولة مرة أخرى.`,
      configError: 'المحادثة غير متاحة حاليًا. يُرجى المحاولة مرة أخرى لاحقًا.',
      emptyQuestion: 'يُرجى كتابة سؤال.',
      language: 'اللغة (Language)',
      easyLanguage: 'ألمانية مبسطة',
      reviewHuman: 'تمت المراجعة',
      reviewMachine: 'ترجمة آلية',
    },
    tr: {
      launcher: 'Sorunuz mu var? Sohbeti açın',
      close: 'Sohbeti kapat',
      defaultName: 'Jobcenter sohbeti',
      subtitle: 'Otomatik yanıt veren dijital asistan',
      log: 'Sohbet geçmişi',
      you: 'Siz: ',
      bot: 'Asistan: ',
      inputLabel: 'Sorunuz',
      placeholder: 'Sorunuzu yazın …',
      send: 'Gönder',
      privacy: 'Lütfen adınız, adresiniz veya müşteri numaranız gibi kişisel bilgilerinizi girmeyin.',
      privacyLink: 'Veri koruma bilgileri',
      sources: 'Kaynaklar',
      asOf: (iso) => `Güncellik tarihi: ${localDate(iso)}`,
      helpfulQuestion: 'Bu yanıt yardımcı oldu mu?',
      helpful: 'Yardımcı oldu',
      notHelpful: 'Yardımcı olmadı',
      thanks: 'Geri bildiriminiz için teşekkür ederiz!',
      commentLabel: 'Neyi eksik buldunuz? (isteğe bağlı, kişisel bilgi olmadan)',
      commentThanks: 'Notunuz için teşekkür ederiz!',
      clarify: 'Şunu mu demek istediniz?',
      typing: 'Yanıt aranıyor …',
      newTab: ' (yeni sekmede açılır)',
      counter: (n) => `${n} / ${MAX_LEN} karakter`,
      limitReached: `Sorunuz en fazla ${MAX_LEN} karakter olabilir.`,
      networkError: 'Sunucuya bağlanılamadı. Lütfen daha sonra tekrar deneyin.',
      genericError: 'Maalesef bir hata oluştu. Lütfen daha sonra tekrar deneyin.',
      rateLimited: (s) => `Kısa sürede çok sayıda soru sordunuz. Lütfen ${s} saniye bekleyip tekrar deneyin.`,
      configError: 'Sohbet şu anda kullanılamıyor. Lütfen daha sonra tekrar deneyin.',
      emptyQuestion: 'Lütfen bir soru yazın.',
      language: 'Dil (Language)',
      easyLanguage: 'Kolay Almanca',
      reviewHuman: 'Kontrol edildi',
      reviewMachine: 'Makine çevirisi',
    },
    ru: {
      launcher: 'Есть вопросы? Открыть чат',
      close: 'Закрыть чат',
      defaultName: 'Чат джобцентра',
      subtitle: 'Цифровой помощник с автоматическими ответами',
      log: 'История разговора',
      you: 'Вы: ',
      bot: 'Помощник: ',
      inputLabel: 'Ваш вопрос',
      placeholder: 'Введите вопрос …',
      send: 'Отправить',
      privacy: 'Пожалуйста, не вводите личные данные, например имя, адрес или номер клиента.',
      privacyLink: 'Защита данных',
      sources: 'Источники',
      asOf: (iso) => `По состоянию на ${localDate(iso)}`,
      helpfulQuestion: 'Был ли этот ответ полезен?',
      helpful: 'Полезно',
      notHelpful: 'Не полезно',
      thanks: 'Спасибо за ваш отзыв!',
      commentLabel: 'Чего не хватило? (необязательно, без личных данных)',
      commentThanks: 'Спасибо за ваш комментарий!',
      clarify: 'Вы имели в виду …?',
      typing: 'Ищем ответ …',
      newTab: ' (откроется в новой вкладке)',
      counter: (n) => `${n} из ${MAX_LEN} символов`,
      limitReached: `Вопрос может содержать не более ${MAX_LEN} символов.`,
      networkError: 'Не удалось подключиться к серверу. Пожалуйста, попробуйте позже.',
      genericError: 'К сожалению, произошла ошибка. Пожалуйста, попробуйте позже.',
      rateLimited: (s) => `Вы задали много вопросов за короткое время. Пожалуйста, подождите ${s} с и попробуйте снова.`,
      configError: 'Чат сейчас недоступен. Пожалуйста, попробуйте позже.',
      emptyQuestion: 'Пожалуйста, введите вопрос.',
      language: 'Язык (Language)',
      easyLanguage: 'Простой немецкий',
      reviewHuman: 'Проверено',
      reviewMachine: 'Машинный перевод',
    },
    fa: {
      launcher: 'سؤالی دارید؟ گفتگو را باز کنید',
      close: 'بستن گفتگو',
      defaultName: 'گفتگوی جاب‌سنتر',
      subtitle: 'دستیار دیجیتال با پاسخ‌های خودکار',
      log: 'تاریخچهٔ گفتگو',
      you: 'شما: ',
      bot: 'دستیار: ',
      inputLabel: 'سؤال شما',
      placeholder: 'سؤال خود را بنویسید …',
      send: 'ارسال',
      privacy: 'لطفاً اطلاعات شخصی مانند نام، نشانی یا شمارهٔ مشتری را وارد نکنید.',
      privacyLink: 'اطلاعات حفاظت از داده‌ها',
      sources: 'منابع',
      asOf: (iso) => `به‌روزرسانی: ${localDate(iso)}`,
      helpfulQuestion: 'آیا این پاسخ مفید بود؟',
      helpful: 'مفید بود',
      notHelpful: 'مفید نبود',
      thanks: 'از بازخورد شما سپاسگزاریم!',
      commentLabel: 'چه چیزی کم بود؟ (اختیاری، بدون اطلاعات شخصی)',
      commentThanks: 'از نظر شما سپاسگزاریم!',
      clarify: 'آیا منظورتان این بود …؟',
      typing: 'در حال جستجوی پاسخ …',
      newTab: ' (در زبانهٔ جدید باز می‌شود)',
      counter: (n) => `${n} از ${MAX_LEN} نویسه`,
      limitReached: `سؤال حداکثر می‌تواند ${MAX_LEN} نویسه باشد.`,
      networkError: 'اتصال به سرور برقرار نشد. لطفاً بعداً دوباره تلاش کنید.',
      genericError: 'متأسفانه خطایی رخ داد. لطفاً بعداً دوباره تلاش کنید.',
      rateLimited: (s) => `در مدت کوتاهی سؤال‌های زیادی پرسیده‌اید. لطفاً ${s} ثانیه صبر کنید و دوباره تلاش کنید.`,
      configError: 'گفتگو در حال حاضر در دسترس نیست. لطفاً بعداً دوباره تلاش کنید.',
      emptyQuestion: 'لطفاً سؤالی بنویسید.',
      language: 'زبان (Language)',
      easyLanguage: 'آلمانی ساده',
      reviewHuman: 'بازبینی‌شده',
      reviewMachine: 'ترجمهٔ ماشینی',
    },
  };

  // The interface language of the widget and its texts. A page has one widget,
  // so these two live here rather than being passed to every helper; only
  // useLanguage() changes them.
  let LANG = 'de';
  let T = DE;

  /*
   * A small client-side check before sending (issue 8): does the question look like it contains
   * personal data? The server masks such data anyway before storing; this only reminds the
   * citizen. Dates of deadlines ("bis zum 31.12.2026") and amounts are not personal data.
   */
  const PII_CHECKS = [
    ['eine E-Mail-Adresse', /[\w.+-]+@[\w-]+\.[\w.-]+/],
    ['eine IBAN', /\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}/i],
    ['eine Telefonnummer', /(?:\+49\s?(?:\(0\))?|\b0049|(?:^|[\s(:])0)[\s(]*(?!800|180)[1-9]\d{1,4}\)?(?:[\s/-]{0,3}\d){5,}/],
    ['eine Kunden- oder Aktennummer',
      /\b\d{3}\s?[A-Z]\s?\d{6}\b|BG\s?\d{7}\b|\b(?:aktenzeichen|az\.|geschäftszeichen|kundennummer|bg-nummer)\s*:?\s*(?:ist\s+)?[A-Z]{0,3}[\s-]?\d/i],
    ['eine Steuer- oder Versicherungsnummer', /\b\d{2}\s?\d{6}\s?[A-Z]\s?\d{3}\b|\b[1-9]\d(?:\s?\d{3}){3}\b/i],
    ['ein Geburtsdatum', /\b(?:geb\.|geboren|geburtsdatum)[^.\n]{0,20}?\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}|\b\d{1,2}\.\s?\d{1,2}\.\s?19\d\d\b/i],
    ['eine Adresse', /[A-Za-zÄÖÜäöüß-]+(?:straße|strasse|str\.|weg|allee|platz|gasse)\s+\d{1,3}\s?[a-z]?\b/i],
    ['einen Namen', /\b(?:ich\s+hei(?:ß|ss)e|mein\s+name\s+ist)\s+[A-Za-zÄÖÜäöüß]/i],
    ['einen Namen', /\b(?:Frau|Herrn?)\s+[A-ZÄÖÜ][a-zäöüß]+/],
  ];

  /** The kinds of personal data the text seems to contain, as German words ('' if none). */
  function personalData(text) {
    const kinds = [...new Set(PII_CHECKS.filter(([, re]) => re.test(text)).map(([kind]) => kind))];
    if (kinds.length < 2) return kinds.join('');
    return `${kinds.slice(0, -1).join(', ')} und ${kinds.at(-1)}`;
  }

  const ICONS = {
    chat: '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9.4L5 21.6A.6.6 0 0 1 4 21.1V18a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2Zm3 6.5a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3Zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3Zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3Z"/></svg>',
    mic: '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M12 14a3 3 0 0 0 3-3V5a3 3 0 1 0-6 0v6a3 3 0 0 0 3 3Zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.92V21h2v-3.08A7 7 0 0 0 19 11h-2Z"/></svg>',
    close: '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" d="M6 6l12 12M18 6 6 18"/></svg>',
    globe: '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><g fill="none" stroke="currentColor" stroke-width="1.8"><circle cx="12" cy="12" r="9"/><path d="M3 12h18M12 3c2.4 2.6 3.6 5.6 3.6 9s-1.2 6.4-3.6 9c-2.4-2.6-3.6-5.6-3.6-9S9.6 5.6 12 3Z"/></g></svg>',
  };

  // The stylesheet is inlined so that one file is enough (see attachStyles).
  const CSS = `
:host { all: initial !important; display: block !important; visibility: visible !important; opacity: 1 !important; }
:host([data-mode="inline"]) { height: 100% !important; }
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
.lotse {
  --accent: ${DEFAULT_ACCENT}; --text: #1b1f24; --muted: #4b5563; --border: #6b7280; --line: #d5dbe1;
  --bubble: #f1f4f7; --danger: #b3261e;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", Arial, sans-serif;
  font-size: 16px; line-height: 1.5; color: var(--text); text-align: start;
}
.lotse--inline { height: 100%; }
button, textarea { font: inherit; color: inherit; margin: 0; }
button { cursor: pointer; }
a { color: var(--accent); text-decoration: underline; text-underline-offset: 2px; }
a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 3px solid var(--text); outline-offset: 2px; }
.sr-only { position: absolute !important; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
svg { width: 1.5em; height: 1.5em; display: block; }

/* The launcher and the floating panel keep their physical corner in every language: they
   belong to the host page's layout. Everything inside the panel mirrors with dir="rtl". */
.launcher {
  position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; width: 60px; height: 60px; padding: 0;
  display: flex; align-items: center; justify-content: center; border: 2px solid #fff; border-radius: 50%;
  background: var(--accent); color: #fff; box-shadow: 0 4px 14px rgba(0, 0, 0, .28);
}
.launcher svg { width: 30px; height: 30px; }
.launcher:hover { background: color-mix(in srgb, var(--accent) 85%, #000); }
.launcher:focus-visible { outline-offset: 3px; }

.panel { display: flex; flex-direction: column; overflow: hidden; background: #fff; color: var(--text); }
.lotse--launcher .panel {
  position: fixed; right: 20px; bottom: 20px; z-index: 2147483001; width: 400px; height: 640px;
  max-width: calc(100vw - 40px); max-height: calc(100vh - 40px);
  border: 1px solid #b9c1ca; border-radius: 12px; box-shadow: 0 12px 40px rgba(0, 0, 0, .25);
}
.lotse--inline .panel { height: 100%; min-height: 420px; border: 1px solid #b9c1ca; border-radius: 8px; }

.header { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; padding-block: 12px; padding-inline: 16px 10px; background: var(--accent); color: #fff; }
.header-text { flex: 1; min-width: 0; }
.logo { flex: none; max-height: 40px; max-width: 96px; padding: 2px; border-radius: 4px; background: #fff; }
.name { margin: 0; font-size: 1.0625em; font-weight: 700; line-height: 1.3; overflow-wrap: anywhere; }
.subtitle { margin: 2px 0 0; font-size: .8125em; line-height: 1.35; }
.close { flex: none; width: 44px; height: 44px; display: flex; align-items: center; justify-content: center; padding: 0; border: 0; border-radius: 8px; background: transparent; color: #fff; }
.close:hover { background: rgba(255, 255, 255, .16); }
.close:focus-visible { outline: 3px solid #fff; outline-offset: -3px; }
.settings { flex-basis: 100%; display: flex; flex-wrap: wrap; align-items: center; gap: 6px 10px; }
.lang { display: flex; align-items: center; gap: 6px; }
.lang select {
  min-height: 36px; max-width: 11em; padding-block: 2px; padding-inline: 8px 4px; font: inherit; font-size: .875em;
  color: var(--text); background: #fff; border: 1px solid #fff; border-radius: 6px;
}
.toggle { min-height: 36px; padding: 4px 12px; border: 1px solid #fff; border-radius: 999px; background: transparent; color: #fff; font-size: .875em; }
.toggle:hover { background: rgba(255, 255, 255, .16); }
.toggle[aria-pressed="true"] { background: #fff; color: var(--accent); font-weight: 600; }
.toggle[aria-pressed="true"]::before { content: "✓ " / ""; }
.header :focus-visible { outline-color: #fff; }

.scroller { flex: 1; min-height: 0; overflow-y: auto; overscroll-behavior: contain; position: relative; padding: 16px 14px 8px; }
.scroller:focus-visible { outline-offset: -3px; }
.log { display: flex; flex-direction: column; gap: 12px; }
.msg { max-width: 92%; padding: 10px 14px; border-radius: 12px; overflow-wrap: anywhere; }
.msg--user { align-self: flex-end; background: var(--accent); color: #fff; border-bottom-right-radius: 4px; white-space: pre-wrap; }
.msg--bot { align-self: flex-start; background: var(--bubble); border-bottom-left-radius: 4px; }
/* The bubble's corner follows the interface direction, not the message's own language. */
:where(.lotse[dir="rtl"]) .msg--user { border-bottom-right-radius: 12px; border-bottom-left-radius: 4px; }
:where(.lotse[dir="rtl"]) .msg--bot { border-bottom-left-radius: 12px; border-bottom-right-radius: 4px; }
.msg--greeting { white-space: pre-line; }
.msg--fallback { max-width: 100%; background: #fff; border: 1px solid #b9c1ca; border-inline-start: 4px solid var(--muted); border-radius: 6px; }
.msg--emergency { border-inline-start: 4px solid var(--danger); }
.msg--error { background: #fdf1f0; border-inline-start: 4px solid var(--danger); border-radius: 6px; }
.msg h3 { margin: 0 0 6px; font-size: 1em; line-height: 1.35; }
.msg h4 { margin: 8px 0 4px; font-size: 1em; }
.msg p { margin: 0 0 8px; }
.msg ul, .msg ol { margin: 0 0 8px; padding-inline-start: 1.3em; }
.msg li { margin: 2px 0; }
.msg > :last-child, .body > :last-child, .meta > :last-child { margin-bottom: 0; }
.meta { margin-top: 10px; padding-top: 8px; border-top: 1px solid var(--line); font-size: .875em; }
.meta h4 { margin-top: 0; }
.asof { color: var(--muted); }
.badges { display: flex; flex-wrap: wrap; gap: 4px; margin: 0 0 6px; }
.badge { padding: 0 8px; border: 1px solid var(--border); border-radius: 999px; background: #fff; font-size: .8125em; line-height: 1.6; }
.notice { margin: 0 0 8px; padding-block: 4px; padding-inline: 10px 6px; border-inline-start: 4px solid var(--accent); background: #fff; font-size: .9375em; }

.feedback { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 8px; margin-top: 10px; }
.feedback-q { flex-basis: 100%; margin: 0; }
.chip { min-height: 36px; padding: 4px 14px; border: 1px solid var(--border); border-radius: 999px; background: #fff; }
.chip:hover { border-color: var(--accent); }
.chip[aria-pressed="true"] { background: var(--accent); border-color: var(--accent); color: #fff; }
.feedback-thanks { flex-basis: 100%; margin: 0; font-weight: 600; }
.feedback-thanks:empty { display: none; }
.comment { flex-basis: 100%; display: flex; flex-direction: column; gap: 6px; }
.comment textarea { min-height: 60px; }
.comment .btn { align-self: flex-start; }

.msg .choices { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 6px; }
.choice { width: 100%; min-height: 44px; padding: 8px 12px; text-align: start; border: 1px solid var(--accent); border-radius: 8px; background: #fff; color: var(--accent); font-weight: 600; }
.choice:hover { background: color-mix(in srgb, var(--accent) 8%, #fff); }

.typing { padding: 4px 0 8px; }
.dots { display: inline-flex; gap: 5px; padding: 12px 14px; border-radius: 12px; background: var(--bubble); }
.dots i { width: 8px; height: 8px; border-radius: 50%; background: var(--muted); animation: lotse-blink 1.2s infinite ease-in-out; }
.dots i:nth-child(2) { animation-delay: .2s; }
.dots i:nth-child(3) { animation-delay: .4s; }
@keyframes lotse-blink { 0%, 80%, 100% { opacity: .3; } 40% { opacity: 1; } }

.composer { padding: 10px 14px 12px; border-top: 1px solid var(--line); background: #fff; }
.label { display: block; margin-bottom: 4px; font-size: .875em; font-weight: 600; }
.row { display: flex; align-items: flex-end; gap: 8px; }
textarea {
  flex: 1; min-width: 0; width: 100%; min-height: 44px; max-height: 140px; resize: none; padding: 9px 12px;
  border: 1px solid var(--border); border-radius: 8px; background: #fff; line-height: 1.4;
}
textarea::placeholder { color: #5f6773; opacity: 1; }
.btn { min-height: 44px; padding: 0 18px; border: 0; border-radius: 8px; background: var(--accent); color: #fff; font-weight: 600; }
.btn:hover { background: color-mix(in srgb, var(--accent) 85%, #000); }
.btn[aria-disabled="true"] { cursor: progress; }
.counter { margin: 4px 0 0; font-size: .8125em; color: var(--muted); text-align: end; }
.counter--limit { color: var(--danger); font-weight: 600; }
.mic { flex: none; width: 44px; min-height: 44px; display: flex; align-items: center; justify-content: center; padding: 0; border: 1px solid var(--border); border-radius: 8px; background: #fff; color: var(--accent); touch-action: none; }
.mic svg { width: 24px; height: 24px; }
.mic[aria-pressed="true"] { background: var(--danger); border-color: var(--danger); color: #fff; }
.mic-status { display: flex; align-items: center; gap: 8px; margin: 6px 0 0; font-size: .875em; font-weight: 600; }
.mic-status:empty { display: none; }
.level { flex: none; width: 60px; height: 8px; border-radius: 4px; background: var(--line); overflow: hidden; }
.level i { display: block; height: 100%; width: 0; background: var(--danger); }
.readaloud { margin-top: 8px; }
.pii { margin: 6px 0 0; padding: 6px 8px; font-size: .875em; line-height: 1.4; color: #1f1f1f; background: #fdf1f0; border-left: 4px solid var(--danger); border-radius: 4px; }
.privacy { margin: 6px 0 0; font-size: .8125em; line-height: 1.4; color: var(--muted); }

/* On phones, at high zoom levels and in landscape the floating panel becomes full screen. */
@media (max-width: 480px), (max-height: 560px) {
  .lotse--launcher .panel { inset: 0; width: 100%; height: 100%; max-width: none; max-height: none; border: 0; border-radius: 0; }
  .launcher { right: 16px; bottom: 16px; }
}
@media (prefers-reduced-motion: reduce) {
  .dots i { animation: none; opacity: .7; }
  .level i { transition: none; }
}
@media (forced-colors: active) {
  .launcher, .btn, .chip, .choice, .close, .msg, .toggle { border: 1px solid ButtonText; }
  .chip[aria-pressed="true"], .toggle[aria-pressed="true"] { outline: 2px solid Highlight; }
}
`;

  /* ---------- small helpers ---------- */

  function lastWidgetScript() {
    // Fallback for browsers or loaders that do not set currentScript.
    const all = document.querySelectorAll('script[src*="widget.js"]');
    return all[all.length - 1] || null;
  }

  /**
   * Creates an element. `t: 'key'` fills it with the interface text of that key
   * (into the attribute named by `tAttr`, with the argument `tArg`) and keeps the
   * key on the element, so that relabel() can redo it in another language.
   */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value == null || value === false) continue;
      if (key === 'text') node.textContent = value;
      else if (key === 't' || key === 'tAttr' || key === 'tArg') node.dataset[key] = value;
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : value);
    }
    if (attrs.t) translate(node);
    for (const child of children) if (child != null) node.append(child);
    return node;
  }

  /* ---------- interface language ---------- */

  function text(key, arg) {
    const value = T[key];
    return typeof value === 'function' ? value(arg) : value;
  }

  function translate(node) {
    const value = text(node.dataset.t, node.dataset.tArg);
    if (node.dataset.tAttr) node.setAttribute(node.dataset.tAttr, value);
    else node.textContent = value;
  }

  /** Shows the interface text `key` in a node that may have shown other text before. */
  function setText(node, key, arg) {
    // An earlier server message may have marked the node as German (showError).
    if (!('ui' in node.dataset)) ['lang', 'dir'].forEach((name) => node.removeAttribute(name));
    node.dataset.t = key;
    if (arg == null) delete node.dataset.tArg;
    else node.dataset.tArg = arg;
    translate(node);
  }

  function dirOf(lang) {
    return RTL_LANGUAGES.has(String(lang).toLowerCase().split('-')[0]) ? 'rtl' : 'ltr';
  }

  /**
   * Attributes for interface text inside a message, whose own language is the
   * answer's: relabel() keeps them in the current interface language.
   */
  function uiLang() {
    return { 'data-ui': true, lang: LANG, dir: dirOf(LANG) };
  }

  /** The first interface language that matches one of the tags by its primary subtag; else German. */
  function pickLanguage(tags) {
    for (const tag of tags) {
      const primary = String(tag || '').toLowerCase().split('-')[0];
      const lang = LANGUAGE_ALIASES[primary] || primary;
      if (STRINGS[lang]) return lang;
    }
    return 'de';
  }

  function useLanguage(lang) {
    LANG = STRINGS[lang] ? lang : 'de';
    T = { ...DE, ...STRINGS[LANG] };
  }

  /** Redoes every interface text and interface-language mark below root. */
  function relabel(root) {
    root.querySelectorAll('[data-t]').forEach(translate);
    root.querySelectorAll('[data-ui]').forEach((node) => {
      node.lang = LANG;
      node.dir = dirOf(LANG);
    });
  }

  function icon(name) {
    // The icons are constants of this file, never server data.
    const span = el('span', { 'aria-hidden': 'true' });
    span.innerHTML = ICONS[name];
    return span.firstChild;
  }

  let idCounter = 0;
  const uid = (prefix) => `lotse-${prefix}-${++idCounter}`;

  /** "2026-07-01" -> "01.07.2026"; anything else is not shown. */
  function germanDate(iso) {
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || '');
    return m ? `${m[3]}.${m[2]}.${m[1]}` : '';
  }

  /** The date in the interface language, always in the Gregorian calendar (legal dates are). */
  function localDate(iso) {
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || '');
    if (!m || LANG === 'de') return germanDate(iso);
    try {
      const format = new Intl.DateTimeFormat(`${LANG}-u-ca-gregory`, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
      return format.format(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    } catch {
      return germanDate(iso);
    }
  }

  function luminance(hex) {
    const channel = (i) => {
      const v = parseInt(hex.slice(i, i + 2), 16) / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  }

  /**
   * The tenant colour is used behind white text and as link colour on the
   * light bubble background, so it must reach 4.5:1 against both; otherwise
   * the default blue is used (WCAG 1.4.3).
   */
  function accessibleAccent(color) {
    let hex = String(color || '').trim().toLowerCase();
    if (/^#[0-9a-f]{3}$/.test(hex)) hex = '#' + [...hex.slice(1)].map((c) => c + c).join('');
    if (!/^#[0-9a-f]{6}$/.test(hex)) return DEFAULT_ACCENT;
    const l = luminance(hex);
    const ratio = (bg) => (bg + 0.05) / (l + 0.05);
    return ratio(1) >= 4.5 && ratio(luminance('#f1f4f7')) >= 4.5 ? hex : DEFAULT_ACCENT;
  }

  /* ---------- talking to the server ---------- */

  /**
   * A failure to show to the citizen: either an interface text (key and
   * argument, so it can be relabelled) or a message written by the server (German).
   */
  class ApiError extends Error {
    constructor(key, arg, serverMessage) {
      super(serverMessage || text(key, arg));
      Object.assign(this, { key, arg, serverMessage });
    }
  }

  // Server error codes the widget can say in every interface language itself.
  const ERROR_TEXTS = { question_empty: 'emptyQuestion', question_too_long: 'limitReached', rate_limited: 'rateLimited' };

  function createApi(base, tenant) {
    const prefix = `${base}/api/v1/tenants/${encodeURIComponent(tenant)}`;

    // `body`: an object (sent as JSON) or a Blob (sent as it is, e.g. a WAV recording).
    async function call(method, path, body, timeoutMs = REQUEST_TIMEOUT_MS) {
      const raw = typeof Blob === 'function' && body instanceof Blob;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      try {
        // credentials: 'omit' makes sure no cookie of the server's origin travels along.
        const res = await fetch(prefix + path, {
          method,
          headers: body
            ? { 'Content-Type': raw ? body.type || 'application/octet-stream' : 'application/json', Accept: 'application/json' }
            : { Accept: 'application/json' },
          body: body ? (raw ? body : JSON.stringify(body)) : undefined,
          credentials: 'omit',
          cache: 'no-store',
          signal: controller.signal,
        });
        const data = await res.json().catch(() => null);
        if (!res.ok) throw apiError(res, data);
        if (!data) throw new ApiError('genericError');
        return data;
      } catch (err) {
        throw err instanceof ApiError ? err : new ApiError('networkError');
      } finally {
        clearTimeout(timer);
      }
    }

    return {
      config: () => call('GET', '/config'),
      ask: (text, conversationId, language) =>
        call('POST', '/ask', { text, conversation_id: conversationId || undefined, language: language || undefined }),
      answer: (id, conversationId, language) => {
        const query = new URLSearchParams();
        if (conversationId) query.set('conversation_id', conversationId);
        if (language) query.set('language', language);
        const search = query.toString();
        return call('GET', `/answers/${encodeURIComponent(id)}` + (search ? `?${search}` : ''));
      },
      feedback: (body) => call('POST', '/feedback', body),
      // Transcription waits its turn on the server: allow it longer than a question.
      transcribe: (wav) => call('POST', '/transcribe', wav, REQUEST_TIMEOUT_MS * 2),
      speechUrl: (id) => `${prefix}/answers/${encodeURIComponent(id)}/speech`,
    };
  }

  function apiError(res, data) {
    const error = (data && data.error) || {};
    const key = ERROR_TEXTS[error.code] || (res.status === 429 ? 'rateLimited' : null);
    const arg = key === 'rateLimited' ? parseInt(res.headers.get('Retry-After'), 10) || 30 : undefined;
    // The server's message is written for citizens, in German: prefer it over our own
    // text unless the interface speaks another language and we can say it ourselves.
    const message = typeof error.message === 'string' ? error.message : '';
    if (message && (LANG === 'de' || !key)) return new ApiError(null, null, message);
    return new ApiError(key || 'genericError', arg);
  }

  /* ---------- server HTML and links ---------- */

  function makeLinkHelpers(base) {
    const resolve = (url) => {
      try {
        // Relative links in answers point to the Lotse server, not to the host page.
        return new URL(url, base + '/');
      } catch {
        return null;
      }
    };
    const isSafe = (u) => u && ['http:', 'https:', 'mailto:', 'tel:'].includes(u.protocol);

    function prepareLink(a, href) {
      const u = resolve(href);
      if (!isSafe(u)) return a.removeAttribute('href');
      a.setAttribute('href', u.href);
      if (u.protocol === 'http:' || u.protocol === 'https:') {
        a.setAttribute('target', '_blank');
        a.setAttribute('rel', 'noopener');
        a.append(el('span', { class: 'sr-only', t: 'newTab', ...uiLang() }));
      }
    }

    /** content: a string, or a node (for a relabelled interface text). */
    function link(href, content) {
      const a = el('a', {}, content);
      prepareLink(a, href);
      return a;
    }

    /**
     * body_html is sanitised by the server. This second, small pass is cheap
     * defence in depth because the widget runs inside someone else's page.
     */
    function trustedFragment(html) {
      const tpl = document.createElement('template');
      tpl.innerHTML = html || '';
      const root = tpl.content;
      root.querySelectorAll('script,style,link,meta,base,iframe,frame,object,embed,form,input,button,select,textarea')
        .forEach((n) => n.remove());
      for (const node of root.querySelectorAll('*')) {
        for (const { name, value } of [...node.attributes]) {
          const lower = name.toLowerCase();
          if (lower.startsWith('on') || lower === 'style' || lower === 'id' || lower === 'srcdoc') node.removeAttribute(name);
          else if (['src', 'action', 'formaction', 'xlink:href'].includes(lower) && !isSafe(resolve(value))) node.removeAttribute(name);
        }
      }
      root.querySelectorAll('a').forEach((a) => prepareLink(a, a.getAttribute('href') || ''));
      // The answer title is an h3, so headings inside the body must not rank above it.
      root.querySelectorAll('h1,h2,h3').forEach((h) => {
        const h4 = el('h4');
        h4.append(...h.childNodes);
        h.replaceWith(h4);
      });
      return root;
    }

    return { link, trustedFragment, resolve };
  }

  /* ---------- the widget ---------- */

  function mount(settings) {
    const api = createApi(settings.base, settings.tenant);
    const links = makeLinkHelpers(settings.base);
    const launcherMode = settings.mode === 'launcher';
    // easy: the Leichte Sprache switch. Both it and the interface language live in
    // memory only, like the conversation (no cookies, no web storage).
    const state = { conversationId: null, busy: false, atLimit: false, easy: settings.easy, autoSend: false, readAloudServer: false, piiWarned: null };

    useLanguage(settings.lang);
    const host = el('lotse-chat', { 'data-mode': settings.mode });
    const shadow = host.attachShadow({ mode: 'open' });
    attachStyles(shadow);
    const ui = buildUi(launcherMode, state.easy);
    shadow.append(ui.root);
    settings.container.append(host);

    applyConfig(ui, links, {});
    api.config()
      .then((config) => {
        applyConfig(ui, links, config);
        offerLanguages(config.languages);
        state.autoSend = Boolean(config.speech_auto_send);
        state.readAloudServer = Boolean(config.read_aloud);
        // The microphone only where the server transcribes and the browser can record
        // (MediaRecorder needs a secure context: HTTPS or localhost).
        ui.mic.hidden = !(config.speech && canRecord());
      })
      .catch(() => addMessage(errorMessage(new ApiError('configError'))));

    wireComposer();
    wireSettings();
    wireMicrophone();
    if (launcherMode) wireDialog();

    function wireSettings() {
      ui.langSelect.addEventListener('change', () => setLanguage(ui.langSelect.value));
      ui.easy.addEventListener('click', () => {
        state.easy = !state.easy;
        ui.easy.setAttribute('aria-pressed', String(state.easy));
      });
    }

    /**
     * Only the languages the job centre offers stay in the switch (German always); the Leichte
     * Sprache switch only if it is offered. A language asked for by the browser or data-lang but
     * not offered falls back to German.
     */
    function offerLanguages(languages) {
      if (!Array.isArray(languages)) return;
      const offered = new Set(['de', ...languages]);
      for (const option of [...ui.langSelect.options]) {
        if (!offered.has(option.value)) option.remove();
      }
      ui.langSelect.closest('.lang').hidden = ui.langSelect.options.length < 2;
      if (!offered.has('de-x-ls')) {
        ui.easy.hidden = true;
        state.easy = false;
        ui.easy.setAttribute('aria-pressed', 'false');
      }
      if (!offered.has(LANG)) setLanguage('de');
    }

    /** Switches the interface language live; the conversation stays as it is. */
    function setLanguage(lang) {
      useLanguage(lang);
      ui.root.lang = LANG;
      ui.root.dir = dirOf(LANG);
      ui.langSelect.value = LANG;
      // Relabelling changes text all over the log; screen readers should not read the
      // whole conversation out again, so the live region rests until that is done.
      ui.log.setAttribute('aria-live', 'off');
      relabel(ui.root);
      setTimeout(() => ui.log.setAttribute('aria-live', 'polite'), 250);
    }

    /** The language the citizen reads, sent with every question. */
    function requestLanguage() {
      return state.easy ? EASY_GERMAN : LANG;
    }

    function wireDialog() {
      ui.launcher.addEventListener('click', openPanel);
      ui.close.addEventListener('click', closePanel);
      ui.panel.addEventListener('keydown', (e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          closePanel();
        }
      });
    }

    function openPanel() {
      ui.panel.hidden = false;
      ui.launcher.hidden = true;
      ui.launcher.setAttribute('aria-expanded', 'true');
      ui.scroller.scrollTop = ui.scroller.scrollHeight;
      ui.input.focus();
    }

    function closePanel() {
      ui.panel.hidden = true;
      ui.launcher.hidden = false;
      ui.launcher.setAttribute('aria-expanded', 'false');
      ui.launcher.focus();
    }

    function wireComposer() {
      ui.form.addEventListener('submit', (e) => {
        e.preventDefault();
        sendQuestion();
      });
      ui.input.addEventListener('keydown', (e) => {
        // Enter sends, Shift+Enter makes a new line; never interrupt an IME composition.
        if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
          e.preventDefault();
          sendQuestion();
        }
      });
      ui.input.addEventListener('input', updateInput);
    }

    function updateInput() {
      const input = ui.input;
      input.style.height = 'auto';
      input.style.height = `${Math.min(input.scrollHeight + 2, 140)}px`;
      const n = input.value.length;
      ui.counter.hidden = n < COUNTER_FROM;
      setText(ui.counter, 'counter', n);
      ui.counter.classList.toggle('counter--limit', n >= MAX_LEN);
      // Announce the limit once when it is reached, not on every keystroke.
      if (!ui.pii.hidden && !personalData(input.value)) {
        ui.pii.hidden = true;
        state.piiWarned = null;
      }
      const atLimit = n >= MAX_LEN;
      if (atLimit !== state.atLimit) ui.announcer.textContent = atLimit ? T.limitReached : '';
      state.atLimit = atLimit;
    }

    /* ---------- voice input ---------- */

    function canRecord() {
      return Boolean(window.MediaRecorder && navigator.mediaDevices && navigator.mediaDevices.getUserMedia
        && (window.AudioContext || window.webkitAudioContext) && window.OfflineAudioContext);
    }

    function wireMicrophone() {
      const rec = { phase: 'idle', press: null };
      ui.mic.addEventListener('pointerdown', (e) => {
        if (e.button !== 0) return;
        rec.press = { at: Date.now(), started: rec.phase === 'idle' };
        if (rec.phase === 'idle') startRecording(rec);
      });
      ui.mic.addEventListener('click', () => {
        const press = rec.press;
        rec.press = null;
        if (press && press.started) {
          // Held down: push-to-talk ends on release. A short click keeps recording.
          if (Date.now() - press.at > HOLD_MS) stopRecording(rec);
          return;
        }
        // Keyboard (Enter/Space), or a click while recording: toggle.
        if (rec.phase === 'recording') stopRecording(rec);
        else if (rec.phase === 'idle') startRecording(rec);
      });
    }

    function micStatus(text, withLevel) {
      ui.micStatus.replaceChildren();
      if (withLevel) ui.micStatus.append(el('span', { class: 'level', 'aria-hidden': 'true' }, ui.level));
      if (text) ui.micStatus.append(el('span', { text }));
    }

    async function startRecording(rec) {
      rec.phase = 'starting';
      let stream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true } });
      } catch (err) {
        rec.phase = 'idle';
        const denied = err && (err.name === 'NotAllowedError' || err.name === 'SecurityError');
        micStatus('');
        addMessage(errorMessage(new ApiError(denied ? 'micDenied' : 'micMissing')), true);
        return;
      }
      const chunks = [];
      const recorder = new MediaRecorder(stream);
      recorder.addEventListener('dataavailable', (e) => { if (e.data && e.data.size) chunks.push(e.data); });
      const AC = window.AudioContext || window.webkitAudioContext;
      const meter = new AC();
      // Created after an await (the permission prompt), so Safari may start it suspended, and
      // the level would stay at zero; resuming is harmless where it already runs.
      if (meter.state === 'suspended' && meter.resume) meter.resume().catch(() => {});
      const analyser = meter.createAnalyser();
      analyser.fftSize = 512;
      meter.createMediaStreamSource(stream).connect(analyser);
      const samples = new Float32Array(analyser.fftSize);
      const tick = () => {
        if (rec.phase !== 'recording') return;
        analyser.getFloatTimeDomainData(samples);
        let sum = 0;
        for (const v of samples) sum += v * v;
        const level = Math.min(1, Math.sqrt(sum / samples.length) * 4);
        ui.level.style.width = `${Math.round(level * 100)}%`;
        requestAnimationFrame(tick);
      };
      rec.current = { stream, recorder, chunks, meter, tooLong: false };
      rec.current.timer = setTimeout(() => {
        if (rec.phase === 'recording') {
          rec.current.tooLong = true;
          stopRecording(rec);
        }
      }, MAX_RECORDING_MS - 500);
      recorder.start();
      rec.phase = 'recording';
      ui.mic.setAttribute('aria-pressed', 'true');
      ui.mic.setAttribute('aria-label', T.micStop);
      micStatus(T.micRecording, true);
      requestAnimationFrame(tick);
    }

    async function stopRecording(rec) {
      const cur = rec.current;
      if (!cur || rec.phase !== 'recording') return;
      rec.phase = 'working';
      clearTimeout(cur.timer);
      ui.mic.setAttribute('aria-pressed', 'false');
      ui.mic.setAttribute('aria-label', T.micStart);
      micStatus(T.micWorking);
      const stopped = new Promise((resolve) => cur.recorder.addEventListener('stop', resolve, { once: true }));
      cur.recorder.stop();
      await stopped;
      cur.stream.getTracks().forEach((t) => t.stop());
      cur.meter.close().catch(() => {});
      if (cur.tooLong) addMessage(errorMessage(new ApiError('micTooLong')), true);
      try {
        const blob = new Blob(cur.chunks, { type: cur.recorder.mimeType || 'audio/webm' });
        const wav = await toWav16k(blob);
        const data = await api.transcribe(wav);
        const text = (data.text || '').trim();
        if (!text) throw new ApiError('micNotUnderstood');
        ui.input.value = text;
        updateInput();
        micStatus(T.micDone);
        ui.input.focus();
        if (state.autoSend) sendQuestion();
      } catch (err) {
        micStatus('');
        addMessage(errorMessage(err instanceof ApiError ? err : new ApiError('micFailed')), true);
      } finally {
        rec.phase = 'idle';
        rec.current = null;
      }
    }

    /* ---------- read aloud ---------- */

    function germanVoice() {
      if (!('speechSynthesis' in window)) return null;
      const voices = window.speechSynthesis.getVoices();
      return voices.find((v) => v.lang === 'de-DE') || voices.find((v) => /^de(-|_|$)/i.test(v.lang)) || null;
    }

    function readAloudButton(answerId, msg) {
      if (!('speechSynthesis' in window) && !state.readAloudServer) return null;
      const button = el('button', { type: 'button', class: 'chip readaloud', 'aria-pressed': 'false', text: T.readAloud });
      let audio = null;
      const done = () => {
        button.setAttribute('aria-pressed', 'false');
        button.textContent = T.readAloud;
      };
      button.addEventListener('click', () => {
        if (button.getAttribute('aria-pressed') === 'true') {
          if (audio) audio.pause();
          if ('speechSynthesis' in window) window.speechSynthesis.cancel();
          done();
          return;
        }
        const voice = germanVoice();
        button.setAttribute('aria-pressed', 'true');
        button.textContent = T.readAloudStop;
        if (voice) {
          const title = msg.querySelector('h3');
          const body = msg.querySelector('.body');
          const u = new SpeechSynthesisUtterance(`${title ? title.textContent + '. ' : ''}${body ? body.textContent : ''}`);
          u.lang = 'de-DE';
          u.voice = voice;
          u.onend = done;
          u.onerror = done;
          window.speechSynthesis.cancel();
          window.speechSynthesis.speak(u);
        } else if (state.readAloudServer) {
          audio = new Audio(api.speechUrl(answerId));
          audio.addEventListener('ended', done);
          audio.addEventListener('error', () => {
            done();
            addMessage(errorMessage(new ApiError('readAloudUnavailable')), true);
          });
          audio.play().catch(() => {});
        } else {
          done();
          addMessage(errorMessage(new ApiError('readAloudUnavailable')), true);
        }
      });
      return button;
    }

    function sendQuestion() {
      const text = ui.input.value.trim();
      if (!text || state.busy) return;
      // Personal data: warn once and keep the text; sending the same text again goes ahead.
      const kinds = personalData(text);
      if (kinds && state.piiWarned !== text) {
        state.piiWarned = text;
        ui.pii.textContent = T.piiWarning(kinds);
        ui.pii.hidden = false;
        return;
      }
      ui.pii.hidden = true;
      addMessage(userMessage(text));
      ui.input.value = '';
      updateInput();
      run((language) => api.ask(text, state.conversationId, language), text);
    }

    function chooseAlternative(alt) {
      if (state.busy) return;
      addMessage(userMessage(alt.title));
      run((language) => api.answer(alt.id, state.conversationId, language));
    }

    /**
     * Runs one request with the typing indicator; errors become a message in the log.
     * request(language) gets the language the citizen reads, to send along.
     */
    async function run(request, typedText) {
      const language = requestLanguage();
      setBusy(true);
      try {
        const data = await request(language);
        if (data.conversation_id) state.conversationId = data.conversation_id;
        addMessage(renderReply(data, language), true);
      } catch (err) {
        addMessage(errorMessage(err instanceof ApiError ? err : new ApiError('genericError')), true);
        // Give the citizen their text back so nothing has to be typed twice.
        if (typedText && !ui.input.value) {
          ui.input.value = typedText;
          updateInput();
        }
      } finally {
        setBusy(false);
      }
    }

    function setBusy(busy) {
      state.busy = busy;
      ui.send.setAttribute('aria-disabled', String(busy));
      ui.log.setAttribute('aria-busy', String(busy));
      ui.typing.replaceChildren();
      if (busy) {
        ui.typing.append(
          el('span', { class: 'sr-only', t: 'typing' }),
          el('span', { class: 'dots', 'aria-hidden': 'true' }, el('i'), el('i'), el('i')),
        );
        ui.scroller.scrollTop = ui.scroller.scrollHeight;
      }
    }

    function addMessage(node, isReply = false) {
      ui.log.append(node);
      // A long answer should be read from its beginning, so scroll to its top.
      ui.scroller.scrollTop = isReply ? Math.max(0, node.offsetTop - 12) : ui.scroller.scrollHeight;
    }

    /** language: what the question was sent with; alternatives and notices come in it. */
    function renderReply(data, language) {
      const alternatives = Array.isArray(data.alternatives) ? data.alternatives : [];
      if (data.kind === 'clarify' && alternatives.length) return clarifyMessage(alternatives, language);
      if (data.answer) return answerMessage(data, language);
      return errorMessage(new ApiError('genericError'));
    }

    function clarifyMessage(alternatives, language) {
      const list = el('ul', { class: 'choices' });
      for (const alt of alternatives) {
        // A title may still be German when the asker's language has no version of that answer.
        const lang = typeof alt.language === 'string' && alt.language ? alt.language : null;
        const button = el('button', {
          type: 'button', class: 'choice', text: alt.title, onclick: () => chooseAlternative(alt),
          lang, dir: lang ? dirOf(lang) : 'auto',
        });
        list.append(el('li', {}, button));
      }
      return botMessage('clarify', language, el('p', { t: 'clarify', ...uiLang() }), list);
    }

    function answerMessage(data, language) {
      const a = data.answer;
      const isFallback = data.kind === 'fallback';
      const isEmergency = Array.isArray(a.topics) && a.topics.includes('notfall-krise');
      const msg = botMessage(isFallback ? 'fallback' : 'answer', a.language);
      if (isFallback) msg.classList.add('msg--fallback');
      if (isEmergency) msg.classList.add('msg--emergency');
      const badges = answerBadges(a);
      if (badges) msg.append(badges);
      // "Only available in German" and the like, written in the language that was asked for.
      if (typeof a.notice === 'string' && a.notice) {
        msg.append(el('p', { class: 'notice', lang: language, dir: dirOf(language), text: a.notice }));
      }
      if (a.title) msg.append(el('h3', { text: a.title }));
      msg.append(el('div', { class: 'body' }, links.trustedFragment(a.body_html)));

      // Sources, date and feedback are interface text whatever the answer's language.
      const meta = el('div', { class: 'meta', ...uiLang() });
      const sources = Array.isArray(a.sources) ? a.sources.filter((s) => s && s.url) : [];
      if (sources.length) {
        const list = el('ul');
        // Source titles belong to the answer (usually German law), not to the interface.
        for (const s of sources) {
          const source = links.link(s.url, s.title || s.url);
          Object.assign(source, { lang: a.language || 'de', dir: 'auto' });
          list.append(el('li', {}, source));
        }
        meta.append(el('h4', { t: 'sources' }), list);
      }
      if (germanDate(a.as_of)) meta.append(el('p', { class: 'asof', t: 'asOf', tArg: a.as_of }));
      if (!isFallback && a.id) {
        const button = readAloudButton(a.id, msg);
        if (button) meta.append(button);
      }
      if (!isFallback && data.message_id) meta.append(feedbackBlock(data.message_id));
      if (meta.childNodes.length) msg.append(meta);
      return msg;
    }

    function feedbackBlock(messageId) {
      const questionId = uid('fbq');
      const box = el('div', { class: 'feedback', role: 'group', 'aria-labelledby': questionId });
      const yes = el('button', { type: 'button', class: 'chip', 'aria-pressed': 'false', t: 'helpful' });
      const no = el('button', { type: 'button', class: 'chip', 'aria-pressed': 'false', t: 'notHelpful' });
      const thanks = el('p', { class: 'feedback-thanks', tabindex: '-1' });
      let current = null;
      let comment = null;

      async function choose(helpful) {
        yes.setAttribute('aria-pressed', String(helpful));
        no.setAttribute('aria-pressed', String(!helpful));
        if (current === helpful) return;
        current = helpful;
        setText(thanks, 'thanks');
        if (!helpful && !comment) {
          comment = commentForm(messageId, thanks);
          box.append(comment);
        }
        try {
          await api.feedback({ message_id: messageId, helpful });
        } catch (err) {
          showError(thanks, err);
        }
      }

      yes.addEventListener('click', () => choose(true));
      no.addEventListener('click', () => choose(false));
      box.append(el('p', { class: 'feedback-q', id: questionId, t: 'helpfulQuestion' }), yes, no, thanks);
      return box;
    }

    function commentForm(messageId, thanks) {
      const fieldId = uid('comment');
      const field = el('textarea', { id: fieldId, rows: '2', maxlength: String(COMMENT_MAX_LEN) });
      const form = el('form', { class: 'comment' },
        el('label', { class: 'label', for: fieldId, t: 'commentLabel' }),
        field,
        el('button', { type: 'submit', class: 'btn', t: 'send' }));
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const text = field.value.trim();
        if (!text) return field.focus();
        try {
          await api.feedback({ message_id: messageId, helpful: false, comment: text });
          setText(thanks, 'commentThanks');
          // The form disappears, so move focus to the confirmation instead of losing it.
          form.remove();
          thanks.focus();
        } catch (err) {
          showError(thanks, err);
        }
      });
      return form;
    }

    return host;
  }

  function botMessage(kind, language, ...children) {
    const lang = typeof language === 'string' && language ? language : 'de';
    return el('div', {
      class: 'msg msg--bot',
      'data-kind': kind,
      lang,
      dir: dirOf(lang),
    }, el('span', { class: 'sr-only', t: 'bot', ...uiLang() }), ...children);
  }

  /** "geprüft" / "maschinell übersetzt" and "Leichte Sprache", in the interface language. */
  function answerBadges(answer) {
    const keys = [];
    if (answer.review === 'human') keys.push('reviewHuman');
    if (answer.review === 'machine') keys.push('reviewMachine');
    if (String(answer.language).toLowerCase() === EASY_GERMAN) keys.push('easyLanguage');
    if (!keys.length) return null;
    return el('p', { class: 'badges', ...uiLang() }, ...keys.map((t) => el('span', { class: 'badge', t })));
  }

  function userMessage(text) {
    // textContent, never innerHTML: the question is shown exactly as typed.
    const msg = el('div', { class: 'msg msg--user', 'data-kind': 'question', dir: 'auto' });
    // The prefix has its own dir, so dir="auto" judges the direction by the question alone.
    msg.append(el('span', { class: 'sr-only', t: 'you', ...uiLang() }), document.createTextNode(text));
    return msg;
  }

  function errorMessage(err) {
    const p = el('p');
    showError(p, err);
    return el('div', { class: 'msg msg--bot msg--error', 'data-kind': 'error' }, p);
  }

  /** Our own error texts follow the interface language; the server's are German. */
  function showError(node, err) {
    if (err.key) return setText(node, err.key, err.arg);
    delete node.dataset.t;
    node.lang = 'de';
    node.dir = 'ltr';
    node.textContent = err.message;
  }

  /* ---------- audio: whatever the browser recorded, as 16 kHz mono 16-bit WAV ---------- */

  /** Decodes a recording (WebM/Opus, MP4/AAC, …) and resamples it to what the server accepts. */
  async function toWav16k(blob) {
    const AC = window.AudioContext || window.webkitAudioContext;
    const ctx = new AC();
    let decoded;
    try {
      decoded = await ctx.decodeAudioData(await blob.arrayBuffer());
    } finally {
      ctx.close().catch(() => {});
    }
    const rate = 16000;
    const offline = new OfflineAudioContext(1, Math.max(1, Math.ceil(decoded.duration * rate)), rate);
    const source = offline.createBufferSource();
    source.buffer = decoded;
    source.connect(offline.destination);
    source.start();
    const rendered = await offline.startRendering();
    return encodeWav(rendered.getChannelData(0), rate);
  }

  function encodeWav(samples, rate) {
    const buffer = new ArrayBuffer(44 + samples.length * 2);
    const v = new DataView(buffer);
    const text = (at, s) => { for (let i = 0; i < s.length; i++) v.setUint8(at + i, s.charCodeAt(i)); };
    text(0, 'RIFF');
    v.setUint32(4, 36 + samples.length * 2, true);
    text(8, 'WAVE');
    text(12, 'fmt ');
    v.setUint32(16, 16, true);
    v.setUint16(20, 1, true); // PCM
    v.setUint16(22, 1, true); // mono
    v.setUint32(24, rate, true);
    v.setUint32(28, rate * 2, true);
    v.setUint16(32, 2, true);
    v.setUint16(34, 16, true);
    text(36, 'data');
    v.setUint32(40, samples.length * 2, true);
    for (let i = 0; i < samples.length; i++) {
      const s = Math.max(-1, Math.min(1, samples[i]));
      v.setInt16(44 + i * 2, s < 0 ? s * 0x8000 : s * 0x7fff, true);
    }
    return new Blob([buffer], { type: 'audio/wav' });
  }

  function applyConfig(ui, links, config) {
    if (config.name) {
      // The tenant's name is a German proper name, whatever the interface language.
      delete ui.name.dataset.t;
      Object.assign(ui.name, { lang: 'de', textContent: config.name });
    }
    ui.root.style.setProperty('--accent', accessibleAccent(config.color));
    // The job centre's logo beside its name: decorative (the name is the text), http(s) only.
    const logo = config.logo_url ? links.resolve(config.logo_url) : null;
    ui.logo.hidden = !(logo && ['http:', 'https:'].includes(logo.protocol));
    if (!ui.logo.hidden) ui.logo.src = logo.href;
    const privacy = config.privacy_url ? links.resolve(config.privacy_url) : null;
    ui.privacyLink.replaceChildren();
    if (privacy) ui.privacyLink.append(' ', links.link(privacy.href, el('span', { t: 'privacyLink' })));
    if (config.greeting) {
      const greeting = botMessage('greeting', 'de', document.createTextNode(config.greeting));
      greeting.classList.add('msg--greeting');
      ui.log.prepend(greeting);
    }
  }

  function buildUi(launcherMode, easy) {
    const ui = {};
    ui.root = el('div', { class: `lotse lotse--${launcherMode ? 'launcher' : 'inline'}`, lang: LANG, dir: dirOf(LANG) });
    const titleId = 'lotse-title';

    ui.name = el('h2', { class: 'name', id: titleId, t: 'defaultName' });
    ui.logo = el('img', { class: 'logo', alt: '', hidden: true });
    const header = el('div', { class: 'header' }, ui.logo,
      el('div', { class: 'header-text' }, ui.name, el('p', { class: 'subtitle', t: 'subtitle' })));

    ui.log = el('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions text' });
    ui.typing = el('div', { class: 'typing', role: 'status' });
    ui.scroller = el('div', { class: 'scroller', role: 'region', t: 'log', tAttr: 'aria-label', tabindex: '0' }, ui.log, ui.typing);

    ui.input = el('textarea', {
      id: 'lotse-input', rows: '1', maxlength: String(MAX_LEN), t: 'placeholder', tAttr: 'placeholder',
      'aria-describedby': 'lotse-counter lotse-privacy', autocomplete: 'off', enterkeyhint: 'send', dir: 'auto',
    });
    ui.send = el('button', { type: 'submit', class: 'btn', t: 'send', 'aria-disabled': 'false' });
    ui.mic = el('button', { type: 'button', class: 'mic', 'aria-label': T.micStart, 'aria-pressed': 'false', hidden: true }, icon('mic'));
    // Visible and announced: what the microphone is doing right now.
    ui.micStatus = el('p', { class: 'mic-status', role: 'status' });
    ui.level = el('i');
    ui.counter = el('p', { class: 'counter', id: 'lotse-counter', hidden: true });
    ui.pii = el('p', { class: 'pii', id: 'lotse-pii', role: 'alert', hidden: true });
    ui.announcer = el('p', { class: 'sr-only', 'aria-live': 'polite' });
    ui.privacyLink = el('span');
    ui.form = el('form', { class: 'composer' },
      el('label', { class: 'label', for: 'lotse-input', t: 'inputLabel' }),
      el('div', { class: 'row' }, ui.input, ui.mic, ui.send),
      ui.micStatus, ui.counter, ui.pii, ui.announcer,
      el('p', { class: 'privacy', id: 'lotse-privacy' }, el('span', { t: 'privacy' }), ui.privacyLink));

    ui.panel = el('div', { class: 'panel', id: 'lotse-panel', 'aria-labelledby': titleId }, header, ui.scroller, ui.form);

    if (launcherMode) {
      // A non-modal dialog: the host page stays usable, Escape closes it.
      ui.panel.setAttribute('role', 'dialog');
      ui.panel.setAttribute('aria-modal', 'false');
      ui.panel.hidden = true;
      ui.close = el('button', { type: 'button', class: 'close', t: 'close', tAttr: 'aria-label' }, icon('close'));
      header.append(ui.close);
      ui.launcher = el('button', {
        type: 'button', class: 'launcher', t: 'launcher', tAttr: 'aria-label', 'aria-expanded': 'false',
        'aria-controls': 'lotse-panel', 'aria-haspopup': 'dialog',
      }, icon('chat'));
      ui.root.append(ui.launcher);
    } else {
      ui.panel.setAttribute('role', 'region');
    }
    header.append(settingsBar(ui, easy));
    ui.root.append(ui.panel);
    return ui;
  }

  /** The language switch (a native select) and the Leichte Sprache toggle, under the title. */
  function settingsBar(ui, easy) {
    ui.langSelect = el('select', { id: 'lotse-lang' }, ...LANGUAGES.map(([code, name]) =>
      el('option', { value: code, lang: code, dir: dirOf(code), selected: code === LANG, text: name })));
    ui.easy = el('button', { type: 'button', class: 'toggle', 'aria-pressed': String(easy), t: 'easyLanguage' });
    // The label is the globe icon with the word "language" for screen readers; the select
    // itself shows the current language's own name, which is what people look for.
    return el('div', { class: 'settings' },
      el('div', { class: 'lang' },
        el('label', { for: 'lotse-lang' }, icon('globe'), el('span', { class: 'sr-only', t: 'language' })),
        ui.langSelect),
      ui.easy);
  }

  function attachStyles(shadow) {
    // A constructed stylesheet is not blocked by a host page's Content-Security-Policy
    // (style-src without 'unsafe-inline'); older browsers get a <style> element.
    if ('adoptedStyleSheets' in shadow && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      shadow.adoptedStyleSheets = [sheet];
    } else {
      shadow.append(el('style', { text: CSS }));
    }
  }

  function readSettings(script) {
    if (!script || !script.src) return null;
    const src = new URL(script.src, document.baseURI);
    // The server is where widget.js came from (its directory, so a path prefix
    // behind a reverse proxy keeps working), unless data-api says otherwise.
    const base = script.dataset.api ? new URL(script.dataset.api, document.baseURI).href : new URL('.', src).href;
    const lang = script.dataset.lang || '';
    return {
      base: base.replace(/\/+$/, ''),
      tenant: script.dataset.tenant || 'demo',
      lang: pickLanguage([lang, ...(navigator.languages || [navigator.language])]),
      easy: lang.toLowerCase() === EASY_GERMAN,
      mode: script.dataset.mode === 'inline' ? 'inline' : 'launcher',
      target: script.dataset.target || null,
    };
  }

  function start() {
    const settings = readSettings(SCRIPT);
    if (!settings) return console.warn('Lotse: widget script tag not found.');
    if (settings.mode === 'inline') {
      settings.container = settings.target ? document.querySelector(settings.target) : null;
      if (!settings.container) return console.warn(`Lotse: data-target "${settings.target}" not found.`);
    } else {
      settings.container = document.body;
    }
    mount(settings);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
  else start();
})();
