// Browser tests for the widget's interface languages and the Leichte Sprache
// switch (issue 6, items 3 and 4), against mock-server.mjs:
//
//   cd tests/browser && npm ci && node --test
//
// The mock answers "Regelsatz" in English (machine-translated), Arabic
// (checked by a person), Leichte Sprache, or in German with a notice for
// Ukrainian, depending on the `language` the widget sends.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startMockServer } from './mock-server.mjs';
import { SHOTS, ask, describeViolations, launchChromium, runAxe } from './helpers.mjs';

const REAL_BASE = process.env.LOTSE_BASE_URL ? process.env.LOTSE_BASE_URL.replace(/\/+$/, '') : null;

describe('widget languages and Leichte Sprache', { skip: REAL_BASE ? 'LOTSE_BASE_URL is set' : false }, () => {
  let browser;
  let site;
  let lotse;

  before(async () => {
    browser = await launchChromium();
    site = await startMockServer();
    lotse = await startMockServer();
  });

  after(async () => {
    await browser?.close();
    await site?.close();
    await lotse?.close();
  });

  /** Opens the host page with the browser set to `locale` (and data-lang=`lang`), and opens the chat. */
  async function openChat(t, { locale = 'de-DE', lang, viewport = { width: 1280, height: 800 }, open = true, inline = false } = {}) {
    const context = await browser.newContext({ viewport, locale });
    t.after(() => context.close());
    context.setDefaultTimeout(10000);
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (err) => errors.push(err.message));
    const query = new URLSearchParams({ tenant: 'demo', widget: lotse.origin });
    if (lang) query.set('lang', lang);
    await page.goto(`${site.origin}/${inline ? 'inline' : 'host'}.html?${query}`);
    await page.locator('lotse-chat').waitFor({ state: 'attached' });
    if (open && !inline) {
      await page.locator('.launcher').click();
      await page.locator('.msg--greeting').waitFor();
    }
    return { page, context, errors };
  }

  const root = (page) => page.locator('.lotse');
  const rootLangDir = async (page) => [await root(page).getAttribute('lang'), await root(page).getAttribute('dir')];

  test('the interface follows the browser language, German when none fits', async (t) => {
    const cases = [
      { locale: 'uk-UA', lang: 'uk', dir: 'ltr', launcher: 'Маєте запитання? Відкрити чат', label: 'Ваше запитання' },
      { locale: 'en-GB', lang: 'en', dir: 'ltr', launcher: 'Questions? Open chat', label: 'Your question' },
      { locale: 'fa-IR', lang: 'fa', dir: 'rtl', launcher: 'سؤالی دارید؟ گفتگو را باز کنید', label: 'سؤال شما' },
      { locale: 'tr-TR', lang: 'tr', dir: 'ltr', launcher: 'Sorunuz mu var? Sohbeti açın', label: 'Sorunuz' },
      { locale: 'ru-RU', lang: 'ru', dir: 'ltr', launcher: 'Есть вопросы? Открыть чат', label: 'Ваш вопрос' },
      { locale: 'fr-FR', lang: 'de', dir: 'ltr', launcher: 'Fragen? Chat öffnen', label: 'Ihre Frage' },
    ];
    for (const c of cases) {
      const { page, errors } = await openChat(t, { locale: c.locale, open: false });
      assert.equal(await page.getByRole('button', { name: c.launcher }).count(), 1, c.locale);
      assert.deepEqual(await rootLangDir(page), [c.lang, c.dir], c.locale);
      await page.locator('.launcher').click();
      assert.equal(await page.getByLabel(c.label, { exact: true }).count(), 1, c.locale);
      assert.equal(await page.locator('#lotse-lang').inputValue(), c.lang, c.locale);
      assert.deepEqual(errors, []);
    }
  });

  test('data-lang on the script tag wins over the browser language', async (t) => {
    const { page } = await openChat(t, { locale: 'en-US', lang: 'ar' });
    assert.deepEqual(await rootLangDir(page), ['ar', 'rtl']);
    assert.equal(await page.getByRole('button', { name: 'إرسال' }).count(), 1);
    const reply = await ask(page, 'Regelsatz');
    assert.equal(lotse.recorded.asks.at(-1).language, 'ar');
    assert.equal(await reply.getAttribute('lang'), 'ar');
  });

  test('the language switch relabels everything live and keeps the conversation', async (t) => {
    const { page, errors } = await openChat(t);
    const first = await ask(page, 'Wie hoch ist der Regelsatz?');
    assert.equal(lotse.recorded.asks.at(-1).language, 'de');
    await ask(page, 'Umzug');

    const select = page.getByRole('combobox', { name: 'Sprache (Language)' });
    // Each language is named in itself, and marked as such for screen readers.
    assert.deepEqual(await select.locator('option').allTextContents(),
      ['Deutsch', 'English', 'Українська', 'العربية', 'Türkçe', 'Русский', 'فارسی']);
    assert.equal(await select.locator('option[value="ar"]').getAttribute('lang'), 'ar');
    await select.selectOption('ar');

    assert.deepEqual(await rootLangDir(page), ['ar', 'rtl']);
    // The relabelled log is not read out again; it is live again right after.
    await page.locator('.log[aria-live="polite"]').waitFor();
    assert.equal(await page.getByRole('combobox', { name: 'اللغة (Language)' }).count(), 1);
    assert.equal(await page.getByLabel('سؤالك', { exact: true }).getAttribute('placeholder'), 'اكتب سؤالك …');
    assert.equal(await page.getByRole('button', { name: 'إغلاق المحادثة' }).count(), 1);
    assert.equal(await page.getByRole('region', { name: 'سجل المحادثة' }).count(), 1);
    assert.match(await page.locator('.privacy').textContent(), /يُرجى عدم إدخال بيانات شخصية.*معلومات حماية البيانات/);

    // The conversation is still there; its interface parts speak Arabic, the answer stays German.
    assert.equal(await page.locator('.msg--user').count(), 2);
    assert.equal(await first.getAttribute('lang'), 'de');
    assert.equal(await first.getAttribute('dir'), 'ltr');
    assert.equal(await first.locator('h4').textContent(), 'المصادر');
    assert.deepEqual([await first.locator('.meta').getAttribute('lang'), await first.locator('.meta').getAttribute('dir')], ['ar', 'rtl']);
    assert.equal(await first.getByRole('button', { name: 'مفيدة', exact: true }).count(), 1);
    assert.match(await first.locator('.asof').textContent(), /^آخر تحديث: .*2026|٢٠٢٦/);
    assert.equal(await first.locator('.sr-only').first().textContent(), 'المساعد: ');
    assert.equal(await page.locator('.msg--bot[data-kind="clarify"] p').first().textContent(), 'هل تقصد …؟');

    // Mirrored: the close button is left of the title, the send button left of the input.
    const box = (sel) => page.locator(sel).first().boundingBox();
    assert.ok((await box('.close')).x < (await box('.name')).x, 'close button on the left in RTL');
    assert.ok((await box('.composer .btn')).x < (await box('#lotse-input')).x, 'send button on the left in RTL');
    assert.ok((await box('.msg--user')).x < (await box('.msg--greeting')).x, 'own messages on the left in RTL');

    // The next question goes out in Arabic and comes back checked by a person.
    const arabic = await ask(page, 'Regelsatz');
    assert.equal(lotse.recorded.asks.at(-1).language, 'ar');
    assert.equal(lotse.recorded.asks.at(-1).conversation_id, 'conv-1');
    assert.deepEqual([await arabic.getAttribute('lang'), await arabic.getAttribute('dir')], ['ar', 'rtl']);
    assert.equal(await arabic.locator('.badge').textContent(), 'تمت المراجعة');

    // And back: everything German again, the badge too. While the log is relabelled it is not live.
    const liveWhileSwitching = await page.evaluate(() => {
      const shadow = document.querySelector('lotse-chat').shadowRoot;
      const select = shadow.querySelector('#lotse-lang');
      select.value = 'de';
      select.dispatchEvent(new Event('change'));
      return shadow.querySelector('.log').getAttribute('aria-live');
    });
    assert.equal(liveWhileSwitching, 'off');
    await page.locator('.log[aria-live="polite"]').waitFor();
    assert.deepEqual(await rootLangDir(page), ['de', 'ltr']);
    assert.equal(await arabic.locator('.badge').textContent(), 'geprüft');
    assert.equal(await page.getByLabel('Ihre Frage', { exact: true }).getAttribute('placeholder'), 'Frage eingeben …');
    assert.equal(await first.locator('.asof').textContent(), 'Stand: 01.07.2026');
    assert.deepEqual(errors, []);
  });

  test('English: questions, clarify choices and errors carry and speak the language', async (t) => {
    const { page } = await openChat(t, { locale: 'en-US' });
    const reply = await ask(page, 'Regelsatz');
    assert.equal(lotse.recorded.asks.at(-1).language, 'en');
    assert.equal(await reply.getAttribute('lang'), 'en');
    assert.equal(await reply.locator('h3').textContent(), 'How much is the standard rate?');
    assert.equal(await reply.locator('.badge').textContent(), 'Machine-translated');
    assert.equal(await reply.locator('.asof').textContent(), 'As of: July 1, 2026');
    assert.equal(await reply.getByRole('button', { name: 'Not helpful' }).count(), 1);

    const clarify = await ask(page, 'Umzug');
    assert.match(await clarify.textContent(), /Did you mean …\?/);
    await clarify.getByRole('button', { name: 'Are moving costs covered?' }).click();
    await page.locator('.msg--bot[data-kind="answer"]').nth(1).waitFor();
    assert.deepEqual(lotse.recorded.answers.at(-1), { id: 'umzug-kosten', conversation_id: 'conv-1', language: 'en' });

    // Errors the widget knows by their code are said in English, not in the server's German.
    const tooLong = await ask(page, 'Fehler');
    assert.equal(await tooLong.textContent(), 'Your question can be at most 1000 characters long.');
    const tooMany = await ask(page, 'Drängeln');
    assert.equal(await tooMany.textContent(), 'You have asked many questions in a short time. Please wait 30 seconds and then try again.');
    await page.route('**/ask', (route) => route.abort('connectionrefused'));
    const offline = await ask(page, 'Hello?');
    assert.equal(await offline.textContent(), 'Could not connect to the server. Please try again later.');
  });

  test('Ukrainian: a German answer comes with the notice above it', async (t) => {
    const { page } = await openChat(t, { locale: 'uk-UA' });
    const reply = await ask(page, 'Regelsatz');
    assert.equal(lotse.recorded.asks.at(-1).language, 'uk');
    assert.equal(await reply.getAttribute('lang'), 'de');
    const notice = reply.locator('.notice');
    assert.equal(await notice.textContent(), 'Ця відповідь доступна лише німецькою мовою.');
    assert.equal(await notice.getAttribute('lang'), 'uk');
    assert.ok(await notice.isVisible());
    assert.ok((await notice.boundingBox()).y < (await reply.locator('.body').boundingBox()).y, 'notice above the body');
    assert.equal(await reply.locator('.badge').count(), 0);
    assert.equal(await reply.locator('.meta h4').textContent(), 'Джерела');
    assert.equal(await reply.locator('.meta').getAttribute('lang'), 'uk');
  });

  test('the Leichte Sprache switch asks for de-x-ls and marks the answer', async (t) => {
    const { page } = await openChat(t);
    const toggle = page.getByRole('button', { name: 'Leichte Sprache' });
    assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
    await toggle.focus();
    await page.keyboard.press('Space');
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true');

    const easy = await ask(page, 'Wie hoch ist der Regelsatz?');
    assert.equal(lotse.recorded.asks.at(-1).language, 'de-x-ls');
    assert.equal(await easy.getAttribute('lang'), 'de-x-ls');
    assert.equal(await easy.locator('h3').textContent(), 'Wie viel Geld bekomme ich?');
    assert.equal(await easy.locator('.badge').textContent(), 'Leichte Sprache');

    // The switch is named in the interface language and works with it too.
    await page.locator('#lotse-lang').selectOption('en');
    assert.equal(await page.getByRole('button', { name: 'Easy German' }).getAttribute('aria-pressed'), 'true');
    assert.equal(await easy.locator('.badge').textContent(), 'Easy German');
    await ask(page, 'Regelsatz');
    assert.equal(lotse.recorded.asks.at(-1).language, 'de-x-ls');

    await page.getByRole('button', { name: 'Easy German' }).click();
    await ask(page, 'Regelsatz');
    assert.equal(lotse.recorded.asks.at(-1).language, 'en');
  });

  test('the inline chat (as on the full-page chat) has the switches too, in Farsi right to left', async (t) => {
    const { page } = await openChat(t, { inline: true, lang: 'fa' });
    await page.locator('#chat .panel').waitFor();
    assert.deepEqual(await rootLangDir(page), ['fa', 'rtl']);
    assert.equal(await page.getByRole('combobox', { name: 'زبان (Language)' }).inputValue(), 'fa');
    assert.equal(await page.getByRole('button', { name: 'آلمانی ساده' }).getAttribute('aria-pressed'), 'false');
    const reply = await ask(page, 'Regelsatz');
    assert.equal(lotse.recorded.asks.at(-1).language, 'fa');
    assert.equal(await reply.locator('.meta h4').textContent(), 'منابع');
    const { violations } = await runAxe(page);
    assert.equal(violations.length, 0, describeViolations(violations));
  });

  test('data-lang="de-x-ls" starts in German with Leichte Sprache on', async (t) => {
    const { page } = await openChat(t, { locale: 'ru-RU', lang: 'de-x-ls' });
    assert.deepEqual(await rootLangDir(page), ['de', 'ltr']);
    assert.equal(await page.getByRole('button', { name: 'Leichte Sprache' }).getAttribute('aria-pressed'), 'true');
    await ask(page, 'Regelsatz');
    assert.equal(lotse.recorded.asks.at(-1).language, 'de-x-ls');
  });

  test('the choices live in memory only: no cookies, no storage, gone on reload', async (t) => {
    const { page, context } = await openChat(t);
    await page.locator('#lotse-lang').selectOption('tr');
    await page.getByRole('button', { name: 'Kolay Almanca' }).click();
    assert.deepEqual(await context.cookies(), []);
    assert.deepEqual(await page.evaluate(() => [localStorage.length, sessionStorage.length]), [0, 0]);
    await page.reload();
    await page.locator('.launcher').click();
    assert.deepEqual(await rootLangDir(page), ['de', 'ltr']);
    assert.equal(await page.getByRole('button', { name: 'Leichte Sprache' }).getAttribute('aria-pressed'), 'false');
  });

  test('axe finds no violations in German, in Arabic (RTL) and with Leichte Sprache on', async (t) => {
    const conversation = async (page) => {
      await ask(page, 'Wie hoch ist der Regelsatz?');
      await ask(page, 'Umzug');
      await ask(page, 'Fehler');
      await ask(page, 'Busfahrplan');
    };
    for (const viewport of [{ width: 1280, height: 800 }, { width: 360, height: 740 }]) {
      const german = await openChat(t, { viewport });
      await conversation(german.page);
      let { violations } = await runAxe(german.page);
      assert.equal(violations.length, 0, `German at ${viewport.width}px:\n${describeViolations(violations)}`);

      const arabic = await openChat(t, { viewport, locale: 'ar-SY' });
      await conversation(arabic.page);
      ({ violations } = await runAxe(arabic.page));
      assert.equal(violations.length, 0, `Arabic at ${viewport.width}px:\n${describeViolations(violations)}`);

      await german.page.getByRole('button', { name: 'Leichte Sprache' }).click();
      await ask(german.page, 'Regelsatz');
      await german.page.locator('#lotse-lang').selectOption('uk');
      await ask(german.page, 'Regelsatz');
      ({ violations } = await runAxe(german.page));
      assert.equal(violations.length, 0, `Leichte Sprache at ${viewport.width}px:\n${describeViolations(violations)}`);
    }
  });

  test('screenshots: Arabic and Ukrainian fit without horizontal scrolling', async (t) => {
    const shots = [
      { name: 'arabic', locale: 'ar-SY', viewport: { width: 1280, height: 800 } },
      { name: 'arabic-mobile', locale: 'ar-SY', viewport: { width: 360, height: 740 } },
      { name: 'ukrainian', locale: 'uk-UA', viewport: { width: 1280, height: 800 } },
      { name: 'ukrainian-mobile', locale: 'uk-UA', viewport: { width: 360, height: 740 } },
    ];
    for (const { name, locale, viewport } of shots) {
      const { page } = await openChat(t, { locale, viewport });
      await ask(page, 'Wie hoch ist der Regelsatz?');
      await ask(page, 'Umzug');
      const overflow = await page.evaluate(() => {
        const shadow = document.querySelector('lotse-chat').shadowRoot;
        return ['.panel', '.scroller', '.composer', '.header', '.settings']
          .map((sel) => shadow.querySelector(sel))
          .filter((el) => el.scrollWidth > el.clientWidth + 1)
          .map((el) => el.className);
      });
      assert.deepEqual(overflow, [], `${name}: no horizontal scrolling`);
      await page.screenshot({ path: `${SHOTS}${name}.png` });
      await page.locator('.scroller').evaluate((el) => (el.scrollTop = 0));
      await page.screenshot({ path: `${SHOTS}${name}-top.png` });
    }
  });
});
