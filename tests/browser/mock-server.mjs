// A tiny stand-in for the Lotse server, so the widget can be developed and
// tested before (and independently of) the Rust server. It serves
// ../../web/widget.js, test host pages and canned JSON for the public API.
//
//   node mock-server.mjs [port]      then open http://127.0.0.1:PORT/
//
// Host pages take ?widget=ORIGIN (and ?tenant=, ?lang= for data-lang) so a test can load the widget from a second
// mock instance on another port, which makes the widget cross-origin as on a
// real job-centre website.

import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const WIDGET_PATH = fileURLToPath(new URL('../../web/widget.js', import.meta.url));
const DEMO = {
  tenant: 'demo',
  name: 'Kommunales Jobcenter Musterkreis',
  greeting: 'Guten Tag! Ich beantworte allgemeine Fragen zum Bürgergeld. Wie kann ich Ihnen helfen?',
  color: '#005ca9',
  speech: false,
  privacy_url: '/t/demo/datenschutz',
};

// Further tenants only differ in their colour: one dark enough for white text,
// one too light (the widget must fall back to its default blue).
const TENANTS = {
  demo: DEMO,
  gruen: { ...DEMO, tenant: 'gruen', name: 'Jobcenter Grünstadt', color: '#1d6b38' },
  hell: { ...DEMO, tenant: 'hell', name: 'Jobcenter Hellingen', color: '#8ec5ff' },
  // A job centre that offers only German and English (no Leichte Sprache) and has a logo.
  klein: { ...DEMO, tenant: 'klein', name: 'Jobcenter Kleinstadt', languages: ['de', 'en'], logo_url: '/logo.svg' },
  // A job centre whose server transcribes speech: the widget shows its microphone button.
  sprache: { ...DEMO, tenant: 'sprache', name: 'Jobcenter Sprachhausen', speech: true },
};

// What the mock "hears" in every recording it accepts.
const TRANSCRIPT = 'Wie hoch ist der Regelsatz?';

const LOGO = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20"><rect width="40" height="20" fill="#1d6b38"/></svg>';

const ANSWERS = {
  regelsatz: {
    id: 'regelbedarf-hoehe',
    title: 'Wie hoch ist der Regelbedarf?',
    topics: ['regelbedarf'],
    body_markdown: 'Alleinstehende Erwachsene erhalten **563 Euro** im Monat.',
    body_html:
      '<p>Alleinstehende Erwachsene erhalten <strong>563 Euro</strong> im Monat. ' +
      'Dazu kommen die Kosten für Unterkunft und Heizung.</p>' +
      '<ul><li>Partner: 506 Euro</li><li>Kinder von 14 bis 17 Jahren: 471 Euro</li></ul>' +
      '<p>Mehr dazu bei der <a href="https://www.arbeitsagentur.de/arbeitslos-arbeit-finden/buergergeld">Bundesagentur für Arbeit</a>.</p>',
    sources: [
      { title: '§ 20 SGB II', url: 'https://www.gesetze-im-internet.de/sgb_2/__20.html' },
      { title: 'Regelbedarfe 2026', url: '/t/demo/regelbedarfe' },
    ],
    as_of: '2026-07-01',
    language: 'de',
  },
  'umzug-zustimmung': {
    id: 'umzug-zustimmung',
    title: 'Brauche ich eine Zustimmung vor dem Umzug?',
    topics: ['kdu-umzug'],
    body_markdown: 'Holen Sie vor dem Umzug eine Zusicherung ein.',
    body_html: '<p>Holen Sie <em>vor</em> dem Umzug eine Zusicherung des Jobcenters ein.</p>',
    sources: [{ title: '§ 22 Abs. 4 SGB II', url: 'https://www.gesetze-im-internet.de/sgb_2/__22.html' }],
    as_of: '2026-01-01',
    language: 'de',
  },
  'umzug-kosten': {
    id: 'umzug-kosten',
    title: 'Werden Umzugskosten übernommen?',
    topics: ['kdu-umzug'],
    body_markdown: 'Umzugskosten können übernommen werden.',
    body_html: '<p>Umzugskosten können nach vorheriger Zusicherung übernommen werden.</p>',
    sources: [],
    as_of: '2026-01-01',
    language: 'de',
  },
  arabisch: {
    id: 'antrag-erstantrag',
    title: 'كيف أقدم طلبًا؟',
    topics: ['antrag-erstantrag'],
    body_markdown: 'يمكنك تقديم الطلب عبر الإنترنت.',
    body_html: '<p>يمكنك تقديم الطلب عبر الإنترنت على jobcenter.digital.</p>',
    sources: [{ title: 'jobcenter.digital', url: 'https://www.jobcenter.digital/' }],
    as_of: '2026-07-01',
    language: 'ar',
  },
};

// Language versions the mock has, by answer id and the `language` the widget sends:
// what a real server does when a version exists (English, machine-translated;
// Arabic, checked by a person; Leichte Sprache) and when it does not (Ukrainian:
// the German text with a notice). Any other language gets the German answer.
const VERSIONS = {
  'regelbedarf-hoehe': {
    en: {
      title: 'How much is the standard rate?',
      body_markdown: 'Single adults receive **563 euros** a month.',
      body_html: '<p>Single adults receive <strong>563 euros</strong> a month, plus the costs of housing and heating.</p>',
      language: 'en',
      review: 'machine',
    },
    ar: {
      title: 'ما هو مبلغ الاحتياج الأساسي؟',
      body_markdown: 'يحصل البالغ الذي يعيش بمفرده على **563 يورو** شهريًا.',
      body_html: '<p>يحصل البالغ الذي يعيش بمفرده على <strong>563 يورو</strong> شهريًا، بالإضافة إلى تكاليف السكن والتدفئة.</p>',
      language: 'ar',
      review: 'human',
    },
    'de-x-ls': {
      title: 'Wie viel Geld bekomme ich?',
      body_markdown: 'Sie wohnen allein?\nDann bekommen Sie **563 Euro** im Monat.',
      body_html: '<p>Sie wohnen allein?<br>Dann bekommen Sie <strong>563 Euro</strong> im Monat.</p>' +
        '<p>Das Jobcenter bezahlt auch die Miete und die Heizung.</p>',
      language: 'de-x-ls',
    },
    uk: { notice: 'Ця відповідь доступна лише німецькою мовою.' },
  },
  'umzug-zustimmung': { en: { title: 'Do I need approval before moving?', language: 'en', review: 'machine' } },
  'umzug-kosten': { en: { title: 'Are moving costs covered?', language: 'en', review: 'machine' } },
};

/** The answer as the mock server gives it to someone who reads `language`. */
function localise(answer, language) {
  return { ...answer, ...(VERSIONS[answer.id] || {})[language] };
}

const FALLBACK = {
  id: 'fallback',
  title: 'Das habe ich leider nicht verstanden',
  topics: [],
  body_markdown: 'Bitte wenden Sie sich an uns.',
  body_html:
    '<p>Ihre Frage kann ich leider nicht beantworten. So erreichen Sie uns:</p>' +
    '<ul><li>Telefon: <a href="tel:+4961234567">06123 4567</a> (Mo–Fr 8–16 Uhr)</li>' +
    '<li>E-Mail: <a href="mailto:jobcenter@musterkreis.example">jobcenter@musterkreis.example</a></li></ul>',
  sources: [],
  as_of: '',
  language: 'de',
};

function json(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

function errorBody(code, message) {
  return { error: { code, message } };
}

function html(res, body) {
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(body);
}

// Host pages deliberately carry hostile CSS: none of it may reach the widget.
const HOSTILE_CSS = `
  html { font-size: 10px; }
  body { font-family: "Comic Sans MS", cursive; color: #c00; letter-spacing: 3px; line-height: 3; margin: 0; padding: 2rem; }
  button { color: red !important; font-size: 40px !important; background: yellow !important; border: 5px dashed green !important; }
  div, p, h2, h3 { margin: 50px !important; text-transform: uppercase; }
  * { box-sizing: content-box !important; }
`;

function hostPage({ widgetOrigin, mode, tenant, lang }) {
  const inline = mode === 'inline';
  const attrs = (inline ? ' data-mode="inline" data-target="#chat"' : '') + (lang ? ` data-lang="${lang}"` : '');
  return `<!doctype html>
<html lang="de"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Jobcenter Musterkreis – Testseite</title>
<style>${HOSTILE_CSS}
  /* Hides any element the widget puts into the container, unless its shadow styles hold. */
  #chat > *, body > :last-child { display: none !important; visibility: hidden !important; }
  #chat { height: 600px; max-width: 720px; margin: 0 !important; }
</style></head>
<body>
<header><a href="#main" id="skip">Zum Inhalt</a></header>
<main id="main">
  <h1>Kommunales Jobcenter Musterkreis</h1>
  <p>Willkommen auf der Website des Jobcenters. <a href="#kontakt" id="host-link">Kontakt</a></p>
  ${inline ? '<section aria-label="Chat"><div id="chat"></div></section>' : ''}
</main>
<script src="${widgetOrigin}/widget.js" data-tenant="${tenant}"${attrs} defer></script>
</body></html>`;
}

function readBody(req) {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (chunk) => (data += chunk));
    req.on('end', () => resolve(data));
  });
}

function readRaw(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function askReply(text, conversationId, language) {
  const base = { conversation_id: conversationId || 'conv-1', message_id: `msg-${Math.random().toString(36).slice(2, 8)}` };
  const lower = text.toLowerCase();
  if (lower.includes('regelsatz') || lower.includes('regelbedarf'))
    return [200, { ...base, kind: 'answer', confidence: 0.83, answer: localise(ANSWERS.regelsatz, language), alternatives: [] }];
  if (lower.includes('arabisch'))
    return [200, { ...base, kind: 'answer', confidence: 0.9, answer: ANSWERS.arabisch, alternatives: [] }];
  if (lower.includes('umzug')) {
    const alternatives = ['umzug-zustimmung', 'umzug-kosten']
      .map((id) => localise(ANSWERS[id], language))
      .map(({ id, title, topics }) => ({ id, title, topics }));
    return [200, { ...base, kind: 'clarify', confidence: 0.41, alternatives }];
  }
  if (lower.includes('fehler'))
    return [422, errorBody('question_too_long', 'Ihre Frage ist zu lang. Bitte fassen Sie sich kürzer (höchstens 1.000 Zeichen).')];
  if (lower.includes('drängel'))
    return [429, errorBody('rate_limited', 'Bitte warten Sie einen Moment, bevor Sie die nächste Frage stellen.'), { 'Retry-After': '30' }];
  return [200, { ...base, kind: 'fallback', confidence: 0.1, answer: FALLBACK, alternatives: [] }];
}

/** Starts a mock server on the given port (0 = any free port). */
export async function startMockServer({ port = 0, host = '127.0.0.1', delayMs = 0 } = {}) {
  // Recorded requests, so tests can check what the widget sent.
  // transcribes: { tenant, contentType, body (a Buffer: the uploaded WAV) } per upload.
  const recorded = { asks: [], answers: [], feedback: [], transcribes: [] };

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, `http://${req.headers.host}`);
    const path = url.pathname;

    if (path.startsWith('/api/')) {
      // The widget usually runs cross-origin on the job centre's own website.
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Accept');
      res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
      if (req.method === 'OPTIONS') return res.writeHead(204).end();
    }
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));

    const api = path.match(/^\/api\/v1\/tenants\/([^/]+)\/(config|ask|feedback|transcribe|answers\/([^/]+))$/);
    if (api) {
      const [, tenant, endpoint, answerId] = api;
      if (!TENANTS[tenant]) return json(res, 404, errorBody('tenant_not_found', 'Dieses Jobcenter ist nicht bekannt.'));
      if (endpoint === 'config' && req.method === 'GET') return json(res, 200, TENANTS[tenant]);
      if (endpoint === 'ask' && req.method === 'POST') {
        let body;
        try {
          body = JSON.parse(await readBody(req));
        } catch {
          return json(res, 400, errorBody('malformed_json', 'Die Anfrage war fehlerhaft.'));
        }
        recorded.asks.push(body);
        const text = String(body.text || '');
        if (!text.trim()) return json(res, 422, errorBody('question_empty', 'Bitte geben Sie eine Frage ein.'));
        if ([...text].length > 1000) return json(res, 422, errorBody('question_too_long', 'Ihre Frage ist zu lang.'));
        const [status, reply, headers] = askReply(text, body.conversation_id, body.language);
        return json(res, status, reply, headers);
      }
      if (answerId && req.method === 'GET') {
        const id = decodeURIComponent(answerId);
        const conversationId = url.searchParams.get('conversation_id');
        const language = url.searchParams.get('language');
        recorded.answers.push({ id, conversation_id: conversationId, language });
        const answer = Object.values(ANSWERS).find((a) => a.id === id);
        if (!answer) return json(res, 404, errorBody('answer_not_found', 'Diese Antwort gibt es nicht.'));
        return json(res, 200, {
          conversation_id: conversationId || 'conv-1', message_id: `msg-${id}`, kind: 'answer', confidence: 1.0,
          answer: localise(answer, language),
        });
      }
      if (endpoint === 'transcribe' && req.method === 'POST') {
        // Like the server: a tenant without speech refuses, anything but a RIFF/WAVE body is
        // 415. The upload is kept whole so a test can check its format.
        const body = await readRaw(req);
        recorded.transcribes.push({ tenant, contentType: req.headers['content-type'] || '', body });
        if (!TENANTS[tenant].speech) return json(res, 503, errorBody('speech_unavailable', 'Die Spracheingabe ist nicht verfügbar.'));
        if (body.length < 44 || body.toString('latin1', 0, 4) !== 'RIFF' || body.toString('latin1', 8, 12) !== 'WAVE')
          return json(res, 415, errorBody('audio_not_wav', 'Die Aufnahme ist kein WAV.'));
        const durationMs = Math.round(((body.length - 44) / 2 / 16000) * 1000);
        return json(res, 200, { text: TRANSCRIPT, duration_ms: durationMs, language: 'de' });
      }
      if (endpoint === 'feedback' && req.method === 'POST') {
        const body = JSON.parse((await readBody(req)) || '{}');
        recorded.feedback.push(body);
        return json(res, 200, { ok: true });
      }
      return json(res, 405, errorBody('method_not_allowed', 'Nicht erlaubt.'));
    }

    if (path === '/logo.svg') {
      res.writeHead(200, { 'Content-Type': 'image/svg+xml' });
      return res.end(LOGO);
    }
    if (path === '/widget.js') {
      // Read on every request so a reload picks up edits while developing.
      res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-store' });
      return res.end(await readFile(WIDGET_PATH));
    }
    if (path === '/' || path === '/host.html' || path === '/inline.html') {
      const widgetOrigin = url.searchParams.get('widget') || `http://${req.headers.host}`;
      const tenant = url.searchParams.get('tenant') || 'demo';
      // Only language-tag characters, so the test page cannot be turned into markup.
      const lang = (url.searchParams.get('lang') || '').replace(/[^A-Za-z0-9-]/g, '');
      return html(res, hostPage({ widgetOrigin, tenant, lang, mode: path === '/inline.html' ? 'inline' : 'launcher' }));
    }
    if (path.startsWith('/t/demo/')) {
      return html(res, '<!doctype html><html lang="de"><title>Datenschutz</title><h1>Datenschutzhinweise</h1></html>');
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
  });

  await new Promise((resolve) => server.listen(port, host, resolve));
  const origin = `http://${host}:${server.address().port}`;
  return {
    origin,
    recorded,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

// Run standalone for manual development: node mock-server.mjs [port]
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const port = Number(process.argv[2] || 8099);
  const { origin } = await startMockServer({ port, delayMs: 400 });
  console.log(`Lotse mock server on ${origin}/ (launcher) and ${origin}/inline.html (inline)`);
}
