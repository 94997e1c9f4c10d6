/*
 * Lotse citizen chat widget.
 *
 * Embedding:
 *   <script src="https://jc.example/widget.js" data-tenant="demo" defer></script>
 *   optional: data-mode="inline" data-target="#chat"   render into an element, always open
 *             data-api="https://jc.example"            override the server base URL
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

  const T = {
    launcher: 'Fragen? Chat öffnen',
    close: 'Chat schließen',
    defaultName: 'Chat des Jobcenters',
    subtitle: 'Digitaler Assistent mit automatischen Antworten',
    log: 'Gesprächsverlauf',
    you: 'Sie:',
    bot: 'Assistent:',
    inputLabel: 'Ihre Frage',
    placeholder: 'Frage eingeben …',
    send: 'Senden',
    privacy: 'Bitte geben Sie keine persönlichen Daten wie Namen, Adresse oder Kundennummer ein.',
    privacyLink: 'Datenschutzhinweise',
    sources: 'Quellen',
    asOf: 'Stand: ',
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
  };

  const MAX_RECORDING_MS = 30000;
  // A press on the microphone button held longer than this is push-to-talk (release stops);
  // a shorter one is a click that starts, and the next click stops.
  const HOLD_MS = 450;

  const ICONS = {
    chat: '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9.4L5 21.6A.6.6 0 0 1 4 21.1V18a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2Zm3 6.5a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3Zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3Zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3Z"/></svg>',
    mic: '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M12 14a3 3 0 0 0 3-3V5a3 3 0 1 0-6 0v6a3 3 0 0 0 3 3Zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.92V21h2v-3.08A7 7 0 0 0 19 11h-2Z"/></svg>',
    close: '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" d="M6 6l12 12M18 6 6 18"/></svg>',
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

.header { display: flex; align-items: center; gap: 8px; padding: 12px 10px 12px 16px; background: var(--accent); color: #fff; }
.header-text { flex: 1; min-width: 0; }
.name { margin: 0; font-size: 1.0625em; font-weight: 700; line-height: 1.3; overflow-wrap: anywhere; }
.subtitle { margin: 2px 0 0; font-size: .8125em; line-height: 1.35; }
.close { flex: none; width: 44px; height: 44px; display: flex; align-items: center; justify-content: center; padding: 0; border: 0; border-radius: 8px; background: transparent; color: #fff; }
.close:hover { background: rgba(255, 255, 255, .16); }
.close:focus-visible { outline: 3px solid #fff; outline-offset: -3px; }

.scroller { flex: 1; min-height: 0; overflow-y: auto; overscroll-behavior: contain; position: relative; padding: 16px 14px 8px; }
.scroller:focus-visible { outline-offset: -3px; }
.log { display: flex; flex-direction: column; gap: 12px; }
.msg { max-width: 92%; padding: 10px 14px; border-radius: 12px; overflow-wrap: anywhere; }
.msg--user { align-self: flex-end; background: var(--accent); color: #fff; border-bottom-right-radius: 4px; white-space: pre-wrap; }
.msg--bot { align-self: flex-start; background: var(--bubble); border-bottom-left-radius: 4px; }
.msg--greeting { white-space: pre-line; }
.msg--fallback { max-width: 100%; background: #fff; border: 1px solid #b9c1ca; border-left: 4px solid var(--muted); border-radius: 6px; }
.msg--emergency { border-left: 4px solid var(--danger); }
.msg--error { background: #fdf1f0; border-left: 4px solid var(--danger); border-radius: 6px; }
.msg h3 { margin: 0 0 6px; font-size: 1em; line-height: 1.35; }
.msg h4 { margin: 8px 0 4px; font-size: 1em; }
.msg p { margin: 0 0 8px; }
.msg ul, .msg ol { margin: 0 0 8px; padding-inline-start: 1.3em; }
.msg li { margin: 2px 0; }
.msg > :last-child, .body > :last-child, .meta > :last-child { margin-bottom: 0; }
.meta { margin-top: 10px; padding-top: 8px; border-top: 1px solid var(--line); font-size: .875em; }
.meta h4 { margin-top: 0; }
.asof { color: var(--muted); }

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
  .launcher, .btn, .chip, .choice, .close, .msg { border: 1px solid ButtonText; }
  .chip[aria-pressed="true"] { outline: 2px solid Highlight; }
}
`;

  /* ---------- small helpers ---------- */

  function lastWidgetScript() {
    // Fallback for browsers or loaders that do not set currentScript.
    const all = document.querySelectorAll('script[src*="widget.js"]');
    return all[all.length - 1] || null;
  }

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value == null || value === false) continue;
      if (key === 'text') node.textContent = value;
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : value);
    }
    for (const child of children) if (child != null) node.append(child);
    return node;
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

  class ApiError extends Error {}

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
        if (!res.ok) throw new ApiError(errorText(res, data));
        if (!data) throw new ApiError(T.genericError);
        return data;
      } catch (err) {
        throw err instanceof ApiError ? err : new ApiError(T.networkError);
      } finally {
        clearTimeout(timer);
      }
    }

    return {
      config: () => call('GET', '/config'),
      ask: (text, conversationId) => call('POST', '/ask', conversationId ? { text, conversation_id: conversationId } : { text }),
      answer: (id, conversationId) =>
        call('GET', `/answers/${encodeURIComponent(id)}` + (conversationId ? `?conversation_id=${encodeURIComponent(conversationId)}` : '')),
      feedback: (body) => call('POST', '/feedback', body),
      // Transcription waits its turn on the server: allow it longer than a question.
      transcribe: (wav) => call('POST', '/transcribe', wav, REQUEST_TIMEOUT_MS * 2),
      speechUrl: (id) => `${prefix}/answers/${encodeURIComponent(id)}/speech`,
    };
  }

  function errorText(res, data) {
    // The server's message is written for citizens; prefer it over our own.
    if (data && data.error && typeof data.error.message === 'string' && data.error.message) return data.error.message;
    if (res.status === 429) return T.rateLimited(parseInt(res.headers.get('Retry-After'), 10) || 30);
    return T.genericError;
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
        a.append(el('span', { class: 'sr-only', text: T.newTab }));
      }
    }

    function link(href, text) {
      const a = el('a', { text });
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
    const state = { conversationId: null, busy: false, atLimit: false, autoSend: false, readAloudServer: false };

    const host = el('lotse-chat', { 'data-mode': settings.mode });
    const shadow = host.attachShadow({ mode: 'open' });
    attachStyles(shadow);
    const ui = buildUi(launcherMode);
    shadow.append(ui.root);
    settings.container.append(host);

    applyConfig(ui, links, {});
    api.config()
      .then((config) => {
        applyConfig(ui, links, config);
        state.autoSend = Boolean(config.speech_auto_send);
        state.readAloudServer = Boolean(config.read_aloud);
        // The microphone only where the server transcribes and the browser can record
        // (MediaRecorder needs a secure context: HTTPS or localhost).
        ui.mic.hidden = !(config.speech && canRecord());
      })
      .catch(() => addMessage(errorMessage(T.configError)));

    wireComposer();
    wireMicrophone();
    if (launcherMode) wireDialog();

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
      ui.counter.textContent = T.counter(n);
      ui.counter.classList.toggle('counter--limit', n >= MAX_LEN);
      // Announce the limit once when it is reached, not on every keystroke.
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
        addMessage(errorMessage(denied ? T.micDenied : T.micMissing), true);
        return;
      }
      const chunks = [];
      const recorder = new MediaRecorder(stream);
      recorder.addEventListener('dataavailable', (e) => { if (e.data && e.data.size) chunks.push(e.data); });
      const AC = window.AudioContext || window.webkitAudioContext;
      const meter = new AC();
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
      if (cur.tooLong) addMessage(errorMessage(T.micTooLong), true);
      try {
        const blob = new Blob(cur.chunks, { type: cur.recorder.mimeType || 'audio/webm' });
        const wav = await toWav16k(blob);
        const data = await api.transcribe(wav);
        const text = (data.text || '').trim();
        if (!text) throw new ApiError(T.micNotUnderstood);
        ui.input.value = text;
        updateInput();
        micStatus(T.micDone);
        ui.input.focus();
        if (state.autoSend) sendQuestion();
      } catch (err) {
        micStatus('');
        addMessage(errorMessage(err instanceof ApiError ? err.message : T.micFailed), true);
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
            addMessage(errorMessage(T.readAloudUnavailable), true);
          });
          audio.play().catch(() => {});
        } else {
          done();
          addMessage(errorMessage(T.readAloudUnavailable), true);
        }
      });
      return button;
    }

    function sendQuestion() {
      const text = ui.input.value.trim();
      if (!text || state.busy) return;
      addMessage(userMessage(text));
      ui.input.value = '';
      updateInput();
      run(() => api.ask(text, state.conversationId), text);
    }

    function chooseAlternative(alt) {
      if (state.busy) return;
      addMessage(userMessage(alt.title));
      run(() => api.answer(alt.id, state.conversationId));
    }

    /** Runs one request with the typing indicator; errors become a message in the log. */
    async function run(request, typedText) {
      setBusy(true);
      try {
        const data = await request();
        if (data.conversation_id) state.conversationId = data.conversation_id;
        addMessage(renderReply(data), true);
      } catch (err) {
        addMessage(errorMessage(err.message), true);
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
          el('span', { class: 'sr-only', text: T.typing }),
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

    function renderReply(data) {
      const alternatives = Array.isArray(data.alternatives) ? data.alternatives : [];
      if (data.kind === 'clarify' && alternatives.length) return clarifyMessage(alternatives);
      if (data.answer) return answerMessage(data);
      return errorMessage(T.genericError);
    }

    function clarifyMessage(alternatives) {
      const list = el('ul', { class: 'choices' });
      for (const alt of alternatives) {
        const button = el('button', { type: 'button', class: 'choice', text: alt.title, onclick: () => chooseAlternative(alt) });
        list.append(el('li', {}, button));
      }
      return botMessage('clarify', null, el('p', { text: T.clarify }), list);
    }

    function answerMessage(data) {
      const a = data.answer;
      const isFallback = data.kind === 'fallback';
      const isEmergency = Array.isArray(a.topics) && a.topics.includes('notfall-krise');
      const msg = botMessage(isFallback ? 'fallback' : 'answer', a.language);
      if (isFallback) msg.classList.add('msg--fallback');
      if (isEmergency) msg.classList.add('msg--emergency');
      if (a.title) msg.append(el('h3', { text: a.title }));
      msg.append(el('div', { class: 'body' }, links.trustedFragment(a.body_html)));

      // Sources, date and feedback are German interface text whatever the answer's language.
      const meta = el('div', { class: 'meta', lang: 'de', dir: 'ltr' });
      const sources = Array.isArray(a.sources) ? a.sources.filter((s) => s && s.url) : [];
      if (sources.length) {
        const list = el('ul');
        for (const s of sources) list.append(el('li', {}, links.link(s.url, s.title || s.url)));
        meta.append(el('h4', { text: T.sources }), list);
      }
      const asOf = germanDate(a.as_of);
      if (asOf) meta.append(el('p', { class: 'asof', text: T.asOf + asOf }));
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
      const yes = el('button', { type: 'button', class: 'chip', 'aria-pressed': 'false', text: T.helpful });
      const no = el('button', { type: 'button', class: 'chip', 'aria-pressed': 'false', text: T.notHelpful });
      const thanks = el('p', { class: 'feedback-thanks', tabindex: '-1' });
      let current = null;
      let comment = null;

      async function choose(helpful) {
        yes.setAttribute('aria-pressed', String(helpful));
        no.setAttribute('aria-pressed', String(!helpful));
        if (current === helpful) return;
        current = helpful;
        thanks.textContent = T.thanks;
        if (!helpful && !comment) {
          comment = commentForm(messageId, thanks);
          box.append(comment);
        }
        try {
          await api.feedback({ message_id: messageId, helpful });
        } catch (err) {
          thanks.textContent = err.message;
        }
      }

      yes.addEventListener('click', () => choose(true));
      no.addEventListener('click', () => choose(false));
      box.append(el('p', { class: 'feedback-q', id: questionId, text: T.helpfulQuestion }), yes, no, thanks);
      return box;
    }

    function commentForm(messageId, thanks) {
      const fieldId = uid('comment');
      const field = el('textarea', { id: fieldId, rows: '2', maxlength: String(COMMENT_MAX_LEN) });
      const form = el('form', { class: 'comment' },
        el('label', { class: 'label', for: fieldId, text: T.commentLabel }),
        field,
        el('button', { type: 'submit', class: 'btn', text: T.send }));
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const text = field.value.trim();
        if (!text) return field.focus();
        try {
          await api.feedback({ message_id: messageId, helpful: false, comment: text });
          thanks.textContent = T.commentThanks;
          // The form disappears, so move focus to the confirmation instead of losing it.
          form.remove();
          thanks.focus();
        } catch (err) {
          thanks.textContent = err.message;
        }
      });
      return form;
    }

    return host;
  }

  function botMessage(kind, language, ...children) {
    const lang = typeof language === 'string' && language ? language : 'de';
    const primary = lang.toLowerCase().split('-')[0];
    return el('div', {
      class: 'msg msg--bot',
      'data-kind': kind,
      lang,
      dir: RTL_LANGUAGES.has(primary) ? 'rtl' : 'ltr',
    }, el('span', { class: 'sr-only', text: T.bot + ' ' }), ...children);
  }

  function userMessage(text) {
    // textContent, never innerHTML: the question is shown exactly as typed.
    const msg = el('div', { class: 'msg msg--user', 'data-kind': 'question', dir: 'auto' });
    msg.append(el('span', { class: 'sr-only', text: T.you + ' ' }), document.createTextNode(text));
    return msg;
  }

  function errorMessage(text) {
    return el('div', { class: 'msg msg--bot msg--error', 'data-kind': 'error' }, el('p', { text }));
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
    ui.name.textContent = config.name || T.defaultName;
    ui.root.style.setProperty('--accent', accessibleAccent(config.color));
    const privacy = config.privacy_url ? links.resolve(config.privacy_url) : null;
    ui.privacyLink.replaceChildren();
    if (privacy) ui.privacyLink.append(' ', links.link(privacy.href, T.privacyLink));
    if (config.greeting) {
      const greeting = botMessage('greeting', 'de', document.createTextNode(config.greeting));
      greeting.classList.add('msg--greeting');
      ui.log.prepend(greeting);
    }
  }

  function buildUi(launcherMode) {
    const ui = {};
    ui.root = el('div', { class: `lotse lotse--${launcherMode ? 'launcher' : 'inline'}`, lang: 'de', dir: 'ltr' });
    const titleId = 'lotse-title';

    ui.name = el('h2', { class: 'name', id: titleId, text: T.defaultName });
    const header = el('div', { class: 'header' },
      el('div', { class: 'header-text' }, ui.name, el('p', { class: 'subtitle', text: T.subtitle })));

    ui.log = el('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions text' });
    ui.typing = el('div', { class: 'typing', role: 'status' });
    ui.scroller = el('div', { class: 'scroller', role: 'region', 'aria-label': T.log, tabindex: '0' }, ui.log, ui.typing);

    ui.input = el('textarea', {
      id: 'lotse-input', rows: '1', maxlength: String(MAX_LEN), placeholder: T.placeholder,
      'aria-describedby': 'lotse-counter lotse-privacy', autocomplete: 'off', enterkeyhint: 'send',
    });
    ui.send = el('button', { type: 'submit', class: 'btn', text: T.send, 'aria-disabled': 'false' });
    ui.mic = el('button', { type: 'button', class: 'mic', 'aria-label': T.micStart, 'aria-pressed': 'false', hidden: true }, icon('mic'));
    // Visible and announced: what the microphone is doing right now.
    ui.micStatus = el('p', { class: 'mic-status', role: 'status' });
    ui.level = el('i');
    ui.counter = el('p', { class: 'counter', id: 'lotse-counter', hidden: true });
    ui.announcer = el('p', { class: 'sr-only', 'aria-live': 'polite' });
    ui.privacyLink = el('span');
    ui.form = el('form', { class: 'composer' },
      el('label', { class: 'label', for: 'lotse-input', text: T.inputLabel }),
      el('div', { class: 'row' }, ui.input, ui.mic, ui.send),
      ui.micStatus, ui.counter, ui.announcer,
      el('p', { class: 'privacy', id: 'lotse-privacy' }, T.privacy, ui.privacyLink));

    ui.panel = el('div', { class: 'panel', id: 'lotse-panel', 'aria-labelledby': titleId }, header, ui.scroller, ui.form);

    if (launcherMode) {
      // A non-modal dialog: the host page stays usable, Escape closes it.
      ui.panel.setAttribute('role', 'dialog');
      ui.panel.setAttribute('aria-modal', 'false');
      ui.panel.hidden = true;
      ui.close = el('button', { type: 'button', class: 'close', 'aria-label': T.close }, icon('close'));
      header.append(ui.close);
      ui.launcher = el('button', {
        type: 'button', class: 'launcher', 'aria-label': T.launcher, 'aria-expanded': 'false',
        'aria-controls': 'lotse-panel', 'aria-haspopup': 'dialog',
      }, icon('chat'));
      ui.root.append(ui.launcher);
    } else {
      ui.panel.setAttribute('role', 'region');
    }
    ui.root.append(ui.panel);
    return ui;
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
    return {
      base: base.replace(/\/+$/, ''),
      tenant: script.dataset.tenant || 'demo',
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
