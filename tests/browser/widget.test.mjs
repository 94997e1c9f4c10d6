// Browser tests for the citizen chat widget (web/widget.js).
//
//   cd tests/browser && npm ci && node --test
//
// By default the widget runs against mock-server.mjs: one mock instance plays
// the job centre's website, a second one (another port, so another origin)
// plays the Lotse server, as in a real embedding. With LOTSE_BASE_URL set the
// mock is skipped and a smoke test runs against that real server instead.
// Chromium comes from Debian (/usr/bin/chromium, or CHROMIUM_PATH).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startMockServer } from './mock-server.mjs';
import { SHOTS, ask, describeViolations, launchChromium, runAxe } from './helpers.mjs';

const REAL_BASE = process.env.LOTSE_BASE_URL ? process.env.LOTSE_BASE_URL.replace(/\/+$/, '') : null;

let browser;

before(async () => {
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

/* ---------- helpers (more in helpers.mjs) ---------- */

/** Which element inside the widget's shadow root has focus: its id, else its first class. */
function focusedInWidget(page) {
  return page.evaluate(() => {
    const host = document.querySelector('lotse-chat');
    if (document.activeElement !== host) return null;
    const el = host.shadowRoot.activeElement;
    return el ? el.id || el.classList[0] || el.tagName.toLowerCase() : null;
  });
}

function hasHorizontalOverflow(page) {
  return page.evaluate(() => {
    const root = document.querySelector('lotse-chat').shadowRoot;
    return ['.panel', '.scroller', '.composer', '.header']
      .map((sel) => root.querySelector(sel))
      .some((el) => el && el.scrollWidth > el.clientWidth + 1);
  });
}

/* ---------- against the mock server ---------- */

describe('widget against the mock server', { skip: REAL_BASE ? 'LOTSE_BASE_URL is set' : false }, () => {
  let site;
  let lotse;

  before(async () => {
    site = await startMockServer();
    lotse = await startMockServer();
  });

  after(async () => {
    await site?.close();
    await lotse?.close();
  });

  async function openPage(t, { mode = 'launcher', tenant = 'demo', viewport = { width: 1280, height: 800 }, reducedMotion, lang = '' } = {}) {
    const context = await browser.newContext({ viewport, locale: 'de-DE', reducedMotion });
    t.after(() => context.close());
    // Fail fast instead of Playwright's 30 s default when an element never shows up.
    context.setDefaultTimeout(10000);
    const page = await context.newPage();
    const errors = [];
    const requests = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('request', (req) => requests.push(req.url()));
    const path = mode === 'inline' ? 'inline.html' : 'host.html';
    await page.goto(`${site.origin}/${path}?tenant=${tenant}&widget=${encodeURIComponent(lotse.origin)}&lang=${lang}`);
    await page.locator('lotse-chat').waitFor({ state: 'attached' });
    return { page, context, errors, requests };
  }

  async function openChat(t, options) {
    const env = await openPage(t, options);
    await env.page.locator('.launcher').click();
    await env.page.locator('.msg--greeting').waitFor();
    return env;
  }

  test('the launcher opens a non-modal dialog with name, greeting and privacy hint', async (t) => {
    const { page, errors } = await openPage(t);
    const launcher = page.getByRole('button', { name: 'Fragen? Chat öffnen' });
    assert.equal(await launcher.getAttribute('aria-expanded'), 'false');
    assert.equal(await page.locator('.panel').isVisible(), false);

    await launcher.click();
    const dialog = page.getByRole('dialog', { name: 'Kommunales Jobcenter Musterkreis' });
    await dialog.waitFor();
    assert.equal(await dialog.getAttribute('aria-modal'), 'false');
    assert.match(await page.locator('.msg--greeting').textContent(), /Guten Tag!/);
    assert.equal(await focusedInWidget(page), 'lotse-input');
    assert.equal(await page.locator('.lotse').getAttribute('lang'), 'de');
    assert.equal(await page.getByRole('log').getAttribute('aria-live'), 'polite');
    assert.equal(await page.getByLabel('Ihre Frage', { exact: true }).count(), 1);

    assert.match(await page.locator('.privacy').textContent(), /keine persönlichen Daten wie Namen, Adresse oder Kundennummer/);
    const privacy = page.locator('.privacy a');
    // privacy_url is relative to the Lotse server, not to the host page.
    assert.equal(await privacy.getAttribute('href'), `${lotse.origin}/t/demo/datenschutz`);
    assert.equal(await privacy.getAttribute('target'), '_blank');
    assert.equal(await privacy.getAttribute('rel'), 'noopener');
    assert.deepEqual(errors, []);
  });

  test('a question gets an answer with sources and the Stand date', async (t) => {
    const { page } = await openChat(t);
    const reply = await ask(page, 'Wie hoch ist der Regelsatz?');

    assert.equal(await reply.getAttribute('data-kind'), 'answer');
    assert.equal(await reply.getAttribute('lang'), 'de');
    assert.equal(await reply.locator('h3').textContent(), 'Wie hoch ist der Regelbedarf?');
    assert.equal(await reply.locator('.body strong').textContent(), '563 Euro');
    assert.equal(await reply.locator('h4', { hasText: 'Quellen' }).count(), 1);
    const sources = reply.locator('.meta li a');
    assert.equal(await sources.count(), 2);
    assert.equal(await sources.first().getAttribute('href'), 'https://www.gesetze-im-internet.de/sgb_2/__20.html');
    assert.equal(await sources.nth(1).getAttribute('href'), `${lotse.origin}/t/demo/regelbedarfe`);
    for (const link of await reply.locator('a').all()) {
      assert.equal(await link.getAttribute('target'), '_blank');
      assert.equal(await link.getAttribute('rel'), 'noopener');
    }
    assert.equal(await reply.locator('.asof').textContent(), 'Stand: 01.07.2026');

    // Focus stays in the emptied input; the next question continues the conversation.
    assert.equal(await focusedInWidget(page), 'lotse-input');
    assert.equal(await page.locator('#lotse-input').inputValue(), '');
    await ask(page, 'Und der Regelsatz für Kinder?');
    assert.equal(lotse.recorded.asks.at(-1).conversation_id, 'conv-1');
  });

  test('the question is shown as typed, as text and never as HTML', async (t) => {
    const { page } = await openChat(t);
    const text = '<img src=x onerror="window.__pwned=1"><b>fett</b>  &amp;';
    await ask(page, text);
    const mine = page.locator('.msg--user').last();
    assert.equal(await mine.evaluate((el) => el.lastChild.textContent), text);
    assert.equal(await mine.locator('img, b').count(), 0);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
  });

  test('clarify offers the alternatives and loads the chosen answer', async (t) => {
    const { page } = await openChat(t);
    const reply = await ask(page, 'Ich möchte umziehen – Umzug?');
    assert.equal(await reply.getAttribute('data-kind'), 'clarify');
    assert.match(await reply.textContent(), /Meinten Sie …\?/);
    const choices = reply.getByRole('button');
    assert.equal(await choices.count(), 2);

    await reply.getByRole('button', { name: 'Werden Umzugskosten übernommen?' }).click();
    const answer = page.locator('.msg--bot').last();
    await page.locator('.msg--bot[data-kind="answer"]').waitFor();
    assert.equal(await answer.locator('h3').textContent(), 'Werden Umzugskosten übernommen?');
    assert.deepEqual(lotse.recorded.answers.at(-1), { id: 'umzug-kosten', conversation_id: 'conv-1', language: 'de' });
    assert.equal(await page.locator('.msg--user').last().textContent(), 'Sie: Werden Umzugskosten übernommen?');
  });

  test('fallback shows the contact options as a neutral notice', async (t) => {
    const { page } = await openChat(t);
    const reply = await ask(page, 'Wann fährt der Bus nach Hause?');
    assert.equal(await reply.getAttribute('data-kind'), 'fallback');
    assert.ok(await reply.evaluate((el) => el.classList.contains('msg--fallback')));
    assert.equal(await reply.locator('a[href="tel:+4961234567"]').count(), 1);
    assert.equal(await reply.locator('a[href^="mailto:"]').count(), 1);
    assert.equal(await reply.getByRole('button', { name: 'Hilfreich', exact: true }).count(), 0);
  });

  test('feedback buttons are toggles, thank the citizen and accept a comment', async (t) => {
    const { page } = await openChat(t);
    const reply = await ask(page, 'Regelsatz?');
    const yes = reply.getByRole('button', { name: 'Hilfreich', exact: true });
    const no = reply.getByRole('button', { name: 'Nicht hilfreich' });
    assert.equal(await yes.getAttribute('aria-pressed'), 'false');

    const sent = lotse.recorded.feedback.length;
    await yes.click();
    await reply.getByText('Danke für Ihre Rückmeldung!').waitFor();
    assert.equal(await yes.getAttribute('aria-pressed'), 'true');
    assert.equal(await no.getAttribute('aria-pressed'), 'false');
    await waitFor(() => lotse.recorded.feedback.length === sent + 1);
    const first = lotse.recorded.feedback.at(-1);
    assert.match(first.message_id, /^msg-/);
    assert.equal(first.helpful, true);
    assert.equal(await reply.getByLabel(/Was hat Ihnen gefehlt/).count(), 0);

    await no.click();
    assert.equal(await no.getAttribute('aria-pressed'), 'true');
    assert.equal(await yes.getAttribute('aria-pressed'), 'false');
    const comment = reply.getByLabel(/Was hat Ihnen gefehlt/);
    await comment.fill('Mir fehlt der Betrag für Kinder unter 6.');
    await reply.locator('.comment').getByRole('button', { name: 'Senden' }).click();
    await reply.getByText('Danke für Ihren Hinweis!').waitFor();
    assert.deepEqual(lotse.recorded.feedback.slice(sent + 1), [
      { message_id: first.message_id, helpful: false },
      { message_id: first.message_id, helpful: false, comment: 'Mir fehlt der Betrag für Kinder unter 6.' },
    ]);
    assert.equal(await focusedInWidget(page), 'feedback-thanks');
  });

  test('server errors appear in the conversation and the typed text stays in the input', async (t) => {
    const { page } = await openChat(t);
    const tooLong = await ask(page, 'Fehler: diese Frage ist zu lang');
    assert.equal(await tooLong.getAttribute('data-kind'), 'error');
    assert.match(await tooLong.textContent(), /Ihre Frage ist zu lang/);
    assert.equal(await page.getByRole('log').locator('.msg--error').count(), 1);
    assert.equal(await page.locator('#lotse-input').inputValue(), 'Fehler: diese Frage ist zu lang');

    const tooMany = await ask(page, 'Drängeln');
    assert.match(await tooMany.textContent(), /Bitte warten Sie einen Moment/);
    assert.equal(await page.locator('#lotse-input').inputValue(), 'Drängeln');
  });

  test('personal data in the question is pointed out once before sending', async (t) => {
    const { page } = await openChat(t);
    const input = page.locator('#lotse-input');
    const warning = page.locator('.pii');
    const asked = () => lotse.recorded.asks.length;

    // Everyday questions with amounts, deadlines and paragraphs go straight out.
    await ask(page, 'Muss ich den Weiterbewilligungsantrag bis zum 31.12.2026 stellen? § 22 SGB II, 563 Euro');
    assert.equal(await warning.isVisible(), false);

    const before = asked();
    const text = 'Ich heiße Erika Mustermann, IBAN DE89 3704 0044 0532 0130 00, Tel. 0170 1234567';
    await input.fill(text);
    await input.press('Enter');
    await warning.waitFor();
    assert.equal(await warning.getAttribute('role'), 'alert');
    const message = await warning.textContent();
    assert.match(message, /^Bitte keine persönlichen Daten eingeben/);
    assert.match(message, /eine IBAN/);
    assert.match(message, /eine Telefonnummer/);
    assert.match(message, /einen Namen/);
    // Nothing was sent; the text and the focus stay for editing.
    assert.equal(asked(), before);
    assert.equal(await input.inputValue(), text);
    assert.equal(await focusedInWidget(page), 'lotse-input');
    const axe = await runAxe(page);
    assert.deepEqual(axe.violations, [], describeViolations(axe.violations));

    // Removing the data clears the warning; sending the same text again goes ahead.
    await input.fill('Wann kommt das Geld?');
    assert.equal(await warning.isVisible(), false);
    await input.fill(text);
    await input.press('Enter');
    await warning.waitFor();
    const replies = page.locator('.msg--bot:not(.msg--greeting)');
    const count = await replies.count();
    await input.press('Enter');
    await replies.nth(count).waitFor();
    assert.equal(asked(), before + 1);
    assert.equal(lotse.recorded.asks.at(-1).text, text);
    assert.equal(await warning.isVisible(), false);
  });

  test('an unreachable server is reported in German', async (t) => {
    const { page } = await openChat(t);
    await page.route('**/ask', (route) => route.abort('connectionrefused'));
    const reply = await ask(page, 'Hallo?');
    assert.match(await reply.textContent(), /Verbindung zum Server ist fehlgeschlagen/);
    assert.equal(await page.locator('#lotse-input').inputValue(), 'Hallo?');
  });

  test('the typing indicator shows while waiting and stands still with reduced motion', async (t) => {
    const { page } = await openChat(t, { reducedMotion: 'reduce' });
    let release;
    const held = new Promise((resolve) => (release = resolve));
    await page.route('**/ask', async (route) => {
      await held;
      await route.continue();
    });
    await page.locator('#lotse-input').fill('Regelsatz');
    await page.locator('#lotse-input').press('Enter');
    const typing = page.getByRole('status').filter({ hasText: 'Die Antwort wird gesucht' });
    await typing.waitFor();
    assert.equal(await page.locator('.dots i').first().evaluate((el) => getComputedStyle(el).animationName), 'none');
    assert.equal(await page.getByRole('log').getAttribute('aria-busy'), 'true');
    release();
    await page.locator('.msg--bot[data-kind="answer"]').waitFor();
    assert.equal(await page.locator('.typing').textContent(), '');
    assert.equal(await page.getByRole('log').getAttribute('aria-busy'), 'false');
  });

  test('Arabic answers get lang="ar" and dir="rtl"', async (t) => {
    const { page } = await openChat(t);
    const reply = await ask(page, 'Antwort auf Arabisch bitte');
    assert.equal(await reply.getAttribute('lang'), 'ar');
    assert.equal(await reply.getAttribute('dir'), 'rtl');
    assert.equal(await reply.locator('.meta').getAttribute('lang'), 'de');
  });

  test('a character counter appears near the 1000 character limit', async (t) => {
    const { page } = await openChat(t);
    const input = page.locator('#lotse-input');
    assert.equal(await input.getAttribute('maxlength'), '1000');
    await input.fill('a'.repeat(100));
    assert.equal(await page.locator('.counter').isVisible(), false);
    await input.fill('a'.repeat(850));
    assert.equal(await page.locator('.counter').textContent(), '850 von 1000 Zeichen');
    assert.equal(await page.locator('.counter').isVisible(), true);
    await input.fill('a'.repeat(1000));
    assert.ok(await page.locator('.counter').evaluate((el) => el.classList.contains('counter--limit')));
  });

  test("the host page's CSS does not leak into the shadow root", async (t) => {
    const { page } = await openPage(t);
    // The host page hides body > :last-child (our host element) and restyles every button.
    const launcher = page.locator('.launcher');
    assert.ok(await launcher.isVisible());
    const box = await launcher.boundingBox();
    assert.deepEqual([box.width, box.height], [60, 60]);
    const style = (locator) => locator.evaluate((el) => {
      const s = getComputedStyle(el);
      return { color: s.color, fontSize: s.fontSize, fontFamily: s.fontFamily, letterSpacing: s.letterSpacing, background: s.backgroundColor };
    });
    const launcherStyle = await style(launcher);
    assert.equal(launcherStyle.color, 'rgb(255, 255, 255)');
    assert.equal(launcherStyle.background, 'rgb(0, 92, 169)');

    await launcher.click();
    const send = await style(page.locator('.composer .btn'));
    assert.equal(send.color, 'rgb(255, 255, 255)');
    assert.equal(send.fontSize, '16px');
    assert.doesNotMatch(send.fontFamily, /Comic/);
    const input = await style(page.locator('#lotse-input'));
    assert.equal(input.fontSize, '16px');
    assert.equal(input.letterSpacing, 'normal');
    assert.equal(await page.locator('.name').evaluate((el) => getComputedStyle(el).textTransform), 'none');
  });

  test('the tenant colour is used only when white text on it is readable', async (t) => {
    const background = (page) => page.locator('.header').evaluate((el) => getComputedStyle(el).backgroundColor);
    const green = await openChat(t, { tenant: 'gruen' });
    assert.equal(await background(green.page), 'rgb(29, 107, 56)');
    assert.equal(await green.page.locator('.name').textContent(), 'Jobcenter Grünstadt');
    const light = await openChat(t, { tenant: 'hell' });
    assert.equal(await background(light.page), 'rgb(0, 92, 169)');
  });

  test("the switch offers only the job centre's languages, and its logo stands beside its name", async (t) => {
    const { page } = await openChat(t, { tenant: 'klein', lang: 'uk' });
    const options = await page.locator('#lotse-lang option').evaluateAll((os) => os.map((o) => o.value));
    assert.deepEqual(options, ['de', 'en']);
    // Ukrainian was asked for by the page but is not offered: German.
    assert.equal(await page.locator('#lotse-lang').inputValue(), 'de');
    assert.equal(await page.locator('.lotse').getAttribute('lang'), 'de');
    assert.equal(await page.getByRole('button', { name: 'Leichte Sprache' }).count(), 0);
    const logo = page.locator('.logo');
    assert.ok(await logo.isVisible());
    assert.equal(await logo.getAttribute('alt'), '');
    assert.equal(await logo.getAttribute('src'), `${lotse.origin}/logo.svg`);
    assert.ok(await logo.evaluate((img) => img.complete && img.naturalWidth > 0), 'the logo loads');
    // The demo tenant has chosen nothing: every language and Leichte Sprache, no logo.
    const demo = await openChat(t);
    assert.equal(await demo.page.locator('#lotse-lang option').count(), 7);
    assert.equal(await demo.page.getByRole('button', { name: 'Leichte Sprache' }).count(), 1);
    assert.equal(await demo.page.locator('.logo').isVisible(), false);
  });

  test('an unknown tenant says that the chat is not reachable', async (t) => {
    const { page } = await openPage(t, { tenant: 'nirgendwo' });
    await page.locator('.launcher').click();
    const notice = page.locator('.msg--error');
    await notice.waitFor();
    assert.match(await notice.textContent(), /Der Chat ist gerade nicht erreichbar/);
  });

  test('keyboard: Tab to the launcher, Enter opens, Enter sends, Escape closes', async (t) => {
    const { page } = await openPage(t);
    for (let i = 0; i < 10 && (await focusedInWidget(page)) !== 'launcher'; i++) await page.keyboard.press('Tab');
    assert.equal(await focusedInWidget(page), 'launcher');

    await page.keyboard.press('Enter');
    assert.equal(await focusedInWidget(page), 'lotse-input');

    // Shift+Enter is a new line, not a send.
    await page.keyboard.type('Zeile eins');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('Zeile zwei');
    assert.equal(await page.locator('#lotse-input').inputValue(), 'Zeile eins\nZeile zwei');
    assert.equal(await page.locator('.msg--user').count(), 0);

    await page.locator('#lotse-input').fill('');
    await page.keyboard.type('Wie hoch ist der Regelsatz?');
    await page.keyboard.press('Enter');
    await page.locator('.msg--bot[data-kind="answer"]').waitFor();
    assert.equal(await focusedInWidget(page), 'lotse-input');

    // The answer's controls are reachable: Shift+Tab from the input lands on its last button.
    await page.keyboard.press('Shift+Tab');
    assert.equal(await page.evaluate(() => document.querySelector('lotse-chat').shadowRoot.activeElement.textContent), 'Nicht hilfreich');

    await page.keyboard.press('Escape');
    assert.equal(await page.locator('.panel').isVisible(), false);
    assert.equal(await focusedInWidget(page), 'launcher');

    // Reopening keeps the conversation (it lives in memory until the page is left).
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('.msg--user').count(), 1);
    await page.getByRole('button', { name: 'Chat schließen' }).click();
    assert.equal(await focusedInWidget(page), 'launcher');
  });

  test('inline mode renders into the target element, always open', async (t) => {
    const { page } = await openPage(t, { mode: 'inline' });
    const panel = page.locator('#chat .panel');
    await panel.waitFor();
    assert.equal(await page.locator('.launcher').count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Chat schließen' }).count(), 0);
    assert.equal(await panel.getAttribute('role'), 'region');
    const box = await panel.boundingBox();
    assert.ok(box.height >= 590, `inline chat should fill its 600px container, got ${box.height}`);
    const reply = await ask(page, 'Regelsatz');
    assert.equal(await reply.getAttribute('data-kind'), 'answer');
    await page.keyboard.press('Escape');
    assert.ok(await panel.isVisible());
  });

  test('no cookies, no web storage, no requests beyond the two origins', async (t) => {
    const { page, context, requests } = await openChat(t);
    await ask(page, 'Regelsatz');
    await page.getByRole('button', { name: 'Hilfreich', exact: true }).click();
    await page.getByText('Danke für Ihre Rückmeldung!').waitFor();
    assert.deepEqual(await context.cookies(), []);
    assert.deepEqual(await page.evaluate(() => [localStorage.length, sessionStorage.length]), [0, 0]);
    const origins = new Set(requests.map((u) => new URL(u).origin));
    assert.deepEqual([...origins].sort(), [lotse.origin, site.origin].sort());
  });

  test('axe finds no accessibility violations with an open conversation', async (t) => {
    for (const viewport of [{ width: 1280, height: 800 }, { width: 360, height: 740 }]) {
      const { page } = await openChat(t, { viewport });
      await ask(page, 'Wie hoch ist der Regelsatz?');
      await page.getByRole('button', { name: 'Nicht hilfreich' }).click();
      await ask(page, 'Umzug');
      await ask(page, 'Fehler');
      await ask(page, 'Antwort auf Arabisch');
      await ask(page, 'Busfahrplan');
      const { violations } = await runAxe(page);
      assert.equal(violations.length, 0, `at ${viewport.width}px:\n${describeViolations(violations)}`);
    }
    const { page } = await openPage(t, { mode: 'inline' });
    await ask(page, 'Regelsatz');
    const { violations } = await runAxe(page);
    assert.equal(violations.length, 0, `inline:\n${describeViolations(violations)}`);
  });

  test('screenshots: desktop, 360 px phone and 200 % zoom fit without horizontal scrolling', async (t) => {
    const shots = [
      { name: 'desktop', viewport: { width: 1280, height: 800 } },
      { name: 'mobile', viewport: { width: 360, height: 740 } },
      // 200 % browser zoom on a 1280×800 screen leaves a 640×400 CSS pixel viewport.
      { name: 'zoom-200', viewport: { width: 640, height: 400 } },
    ];
    for (const { name, viewport } of shots) {
      const { page } = await openChat(t, { viewport });
      await ask(page, 'Wie hoch ist der Regelsatz?');
      await ask(page, 'Umzug');
      const panel = await page.locator('.panel').boundingBox();
      assert.ok(panel.x >= 0 && panel.y >= 0, `${name}: panel starts inside the viewport`);
      assert.ok(panel.x + panel.width <= viewport.width && panel.y + panel.height <= viewport.height, `${name}: panel fits`);
      assert.equal(await hasHorizontalOverflow(page), false, `${name}: no horizontal scrolling`);
      await page.screenshot({ path: `${SHOTS}${name}.png` });
      // The start of the conversation too, for a look at the header and the answer.
      await page.locator('.scroller').evaluate((el) => (el.scrollTop = 0));
      await page.screenshot({ path: `${SHOTS}${name}-top.png` });
    }
    const { page } = await openPage(t, { mode: 'inline' });
    await ask(page, 'Wie hoch ist der Regelsatz?');
    await page.screenshot({ path: `${SHOTS}inline.png`, fullPage: true });
    const closed = await openPage(t);
    await closed.page.screenshot({ path: `${SHOTS}launcher.png` });
  });
});

/* ---------- against a real Lotse server ---------- */

describe('smoke test against a real Lotse server', { skip: REAL_BASE ? false : 'set LOTSE_BASE_URL to run' }, () => {
  async function openRealChat(t, viewport = { width: 1280, height: 800 }) {
    const context = await browser.newContext({ viewport, locale: 'de-DE' });
    t.after(() => context.close());
    // Fail fast instead of Playwright's 30 s default when an element never shows up.
    context.setDefaultTimeout(10000);
    const page = await context.newPage();
    // A host page served (by Playwright) from the server's own origin, so the
    // test does not depend on the server allowing a test origin via CORS.
    const hostUrl = `${REAL_BASE}/__lotse-widget-smoke-test.html`;
    await page.route(hostUrl, (route) => route.fulfill({
      contentType: 'text/html; charset=utf-8',
      body: `<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Lotse Smoke-Test</title>
        <meta name="viewport" content="width=device-width, initial-scale=1"></head>
        <body><main><h1>Smoke-Test</h1></main>
        <script src="${REAL_BASE}/widget.js" data-tenant="demo" defer></script></body></html>`,
    }));
    await page.goto(hostUrl);
    await page.locator('.launcher').click();
    return page;
  }

  test('asking about the Regelsatz gets a reply bubble', async (t) => {
    const page = await openRealChat(t);
    const reply = await ask(page, 'Wie hoch ist der Regelsatz?');
    await page.locator('.msg--greeting').waitFor();
    assert.notEqual(await page.locator('.name').textContent(), 'Chat des Jobcenters', 'the tenant name comes from /config');
    const kind = await reply.getAttribute('data-kind');
    assert.notEqual(kind, 'error', `the server answered with an error: ${await reply.textContent()}`);
    assert.ok(['answer', 'clarify', 'fallback'].includes(kind), `unexpected kind ${kind}`);
    if (kind === 'answer') assert.notEqual((await reply.locator('h3').textContent()).trim(), '');
    if (kind === 'clarify') assert.ok((await reply.getByRole('button').count()) >= 1);
    await page.screenshot({ path: `${SHOTS}real-server.png` });
  });

  test('the full-page chat /t/demo answers under the server\'s own CSP', async (t) => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'de-DE' });
    t.after(() => context.close());
    context.setDefaultTimeout(10000);
    const page = await context.newPage();
    const cspErrors = [];
    page.on('console', (m) => { if (m.type() === 'error') cspErrors.push(m.text()); });
    await page.goto(`${REAL_BASE}/t/demo`);
    assert.match(await page.locator('h1').textContent(), /Musterkreis/);
    const reply = await ask(page, 'Wer zahlt die Kaution?');
    assert.notEqual(await reply.getAttribute('data-kind'), 'error', await reply.textContent());
    const { violations } = await runAxe(page);
    assert.equal(violations.length, 0, describeViolations(violations));
    assert.deepEqual(cspErrors, [], 'no console errors (e.g. CSP violations)');
    await page.screenshot({ path: `${SHOTS}real-full-page-mobile.png`, fullPage: true });
  });

  test('axe finds no violations with real answers', async (t) => {
    const page = await openRealChat(t);
    await ask(page, 'Wie hoch ist der Regelsatz?');
    await ask(page, 'Wann fährt der nächste Bus zum Mond?');
    const { violations } = await runAxe(page);
    assert.equal(violations.length, 0, describeViolations(violations));
  });
});

/** Polls a condition that depends on the mock server's side, for at most 5 s. */
async function waitFor(condition, timeoutMs = 5000) {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
