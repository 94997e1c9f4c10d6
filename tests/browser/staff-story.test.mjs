// Browser test for the staff workspace: the story from issue 4's "Done means".
//
//   LOTSE_BIN=/path/to/target/debug/lotse node --test
//
// A new editor logs in, finds and improves an answer, sends it to review; a reviewer publishes
// it; the editor turns a cluster of unanswered citizen questions from the inbox into a new
// answer, which the reviewer publishes too; the dashboard shows the answer rate going up; the
// admin protects their account with a TOTP second factor and signs in with a code.
// Every step is checked from the citizen's side as well (HTTP ask), screenshots land in
// screenshots/staff-*.png, and axe-core checks the main staff pages.
//
// Needs the lotse binary (LOTSE_BIN): the test creates its own data directory and accounts with
// the CLI and starts its own server. Without LOTSE_BIN the suite is skipped (mock phase of CI).
// Chromium comes from Debian (/usr/bin/chromium, or CHROMIUM_PATH).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, SHOTS, assertAccessible, lotseUserAdd, startLotse } from './helpers.mjs';

const LOTSE_BIN = process.env.LOTSE_BIN || null;

const TENANT = 'demo';
const EDITOR = { email: 'redaktion@example.org', password: 'Redaktion-Passwort-2026', role: 'editor' };
const ADMIN = { email: 'verwaltung@example.org', password: 'Verwaltung-Passwort-2026', role: 'admin' };
const REVIEWER = { email: 'freigabe@example.org', password: 'Freigabe-Passwort-2026', role: 'reviewer' };

// A new topic the shipped knowledge base does not cover: these end in clarify/fallback.
const VET_QUESTIONS = [
  'Zahlt das Jobcenter den Tierarzt für meinen Hund?',
  'Bekomme ich die Tierarztkosten vom Jobcenter bezahlt?',
  'Übernimmt das Jobcenter die Tierarztrechnung?',
  'Bekomme ich vom Jobcenter Geld für den Tierarzt?',
  'Wird die Tierarztrechnung vom Jobcenter erstattet?',
  'Bezahlt das Jobcenter den Tierarzt für meine Katze?',
];
// Questions the knowledge base answers, so the dashboard has an answer rate to show.
const ANSWERED_QUESTIONS = ['Wie hoch ist die Kaution?', 'Wo kann ich einen Antrag stellen?', 'Wann wird das Bürgergeld überwiesen?'];

const KAUTION_ID = 'kaution-genossenschaftsanteile';
const KAUTION_ADDITION = 'Tipp aus der Redaktion: Reichen Sie das Mietangebot mit der Höhe der Kaution vor der Unterschrift ein.';
const KAUTION_VARIANT = 'Wer bezahlt meine Mietkaution beim Umzug?';
const VET_ID = 'tierarztkosten';
const VET_TITLE = 'Zahlt das Jobcenter den Tierarzt?';
const VET_BODY = 'Das Jobcenter zahlt keine Tierarztkosten: Ausgaben für Haustiere sind im Regelbedarf nicht vorgesehen. '
  + 'Hilfe bei Tierarztrechnungen bieten manchmal Tierschutzvereine oder Tiertafeln in Ihrer Nähe. '
  + 'Fragen Sie dort nach, bevor die Behandlung beginnt.';

let browser;
let server; // { base, stop }
let base;
let dataDir;

function addUser(user) {
  lotseUserAdd(LOTSE_BIN, dataDir, { tenant: TENANT, ...user });
}

/** A citizen question over the public API; returns the parsed reply. */
async function ask(text) {
  const r = await fetch(`${base}/api/v1/tenants/${TENANT}/ask`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });
  assert.equal(r.status, 200, `ask "${text}": HTTP ${r.status} ${await r.clone().text()}`);
  return r.json();
}

async function shot(page, name, { fullPage = true } = {}) {
  await page.screenshot({ path: join(SHOTS, `staff-${name}.png`), fullPage });
}

/** The TOTP code (RFC 6238: HMAC-SHA-1, 30 s, 6 digits) of a base32 secret, as an app computes it. */
function totp(secret, offsetMs = 0) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const key = [];
  let bits = 0;
  let value = 0;
  for (const c of secret) {
    value = ((value << 5) | alphabet.indexOf(c)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      key.push((value >> bits) & 0xff);
    }
  }
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor((Date.now() + offsetMs) / 30000)));
  const h = createHmac('sha1', Buffer.from(key)).update(counter).digest();
  const o = h[19] & 15;
  const n = (((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3]) % 1000000;
  return String(n).padStart(6, '0');
}

/** Answer rate of the newest day in the dashboard table, in percent (null when not shown). */
async function todaysAnswerRate(page) {
  const row = page.getByRole('table', { name: /Kennzahlen pro Tag/ }).locator('tbody tr').first();
  const cells = await row.locator('th, td').allInnerTexts();
  const m = /(\d+(?:[.,]\d+)?)\s*%/.exec(cells[2] ?? '');
  return { questions: Number(cells[1]), rate: m ? Number(m[1].replace(',', '.')) : null, cells };
}

describe('staff story: improve an answer, learn from the inbox', {
  skip: LOTSE_BIN ? false : 'LOTSE_BIN is not set (path to the lotse binary; the story starts its own server)',
}, () => {
  let editor; // { context, page }
  let reviewer;

  before(async () => {
    assert.ok(existsSync(LOTSE_BIN), `LOTSE_BIN=${LOTSE_BIN} does not exist: cargo build -p lotse`);
    assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH`);
    mkdirSync(SHOTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'lotse-staff-story-'));
    addUser(EDITOR);
    addUser(REVIEWER);
    addUser(ADMIN);
    server = await startLotse(LOTSE_BIN, dataDir);
    ({ base } = server);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--lang=de-DE', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    for (const who of ['editor', 'reviewer']) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'de-DE' });
      context.setDefaultTimeout(10000);
      const page = await context.newPage();
      const errors = [];
      page.on('pageerror', (err) => errors.push(err.message));
      if (who === 'editor') editor = { context, page, errors };
      else reviewer = { context, page, errors };
    }
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function login(page, user) {
    await page.goto(`${base}/admin/login`);
    await page.getByLabel('E-Mail-Adresse').fill(user.email);
    await page.getByLabel('Passwort', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await page.getByRole('heading', { level: 1, name: 'Antworten' }).waitFor();
  }

  async function logout(page) {
    await page.getByRole('button', { name: 'Abmelden' }).click();
    await page.getByRole('heading', { level: 1, name: 'Anmelden bei Lotse' }).waitFor();
  }

  /** The reviewer's part: find the answer waiting in review and publish it. */
  async function reviewerPublishes(title, shotPrefix) {
    const { page } = reviewer;
    await login(page, REVIEWER);
    await page.getByLabel('Status', { exact: true }).selectOption({ label: 'In Prüfung' });
    await page.getByRole('button', { name: 'Filtern' }).click();
    await page.getByRole('link', { name: title }).waitFor();
    await shot(page, `${shotPrefix}-reviewer-list`);
    await page.getByRole('link', { name: title }).click();
    await assert.doesNotReject(page.getByText('In Prüfung', { exact: true }).waitFor());
    await page.getByRole('button', { name: 'Veröffentlichen' }).click();
    await page.waitForLoadState();
    // Regression protection: if the change would give questions that work today another
    // answer, the page lists them and asks for confirmation. The reviewer reads the list and
    // confirms (the new answer takes over questions that only touched its topic before).
    const confirm = page.getByRole('button', { name: 'Trotzdem veröffentlichen' });
    if (await confirm.count()) {
      await page.getByRole('heading', { name: 'Diese Fragen bekämen eine andere Antwort' }).waitFor();
      await assertAccessible(page, 'publish confirmation');
      await shot(page, `${shotPrefix}-reviewer-confirm`);
      await confirm.click();
    }
    await page.getByText('Veröffentlicht. Bürgerinnen und Bürger erhalten ab sofort diese Fassung.').waitFor();
    await shot(page, `${shotPrefix}-reviewer-published`);
    await logout(page);
  }

  test('citizens ask: a new topic ends in the inbox, known topics get answers', async () => {
    for (const q of VET_QUESTIONS) {
      const reply = await ask(q);
      assert.ok(['clarify', 'fallback'].includes(reply.kind), `"${q}" should not be answered yet, got ${reply.kind} ${reply.answer?.id}`);
    }
    for (const q of ANSWERED_QUESTIONS) {
      const reply = await ask(q);
      assert.equal(reply.kind, 'answer', `"${q}" should be answered`);
    }
  });

  test('the admin switches on the four-eyes rule', async () => {
    const { page } = reviewer;
    await login(page, ADMIN);
    await page.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Einstellungen' }).click();
    await page.getByRole('heading', { level: 1, name: 'Einstellungen' }).waitFor();
    await page.getByLabel('Vier-Augen-Prinzip').check();
    // Wait until the save (POST, redirect, GET) has completed before loading the page again:
    // a reload while the form's navigation is still under way fails ("not attached to an
    // active page"), which happened on a loaded CI machine.
    const reloaded = page.waitForResponse((r) => r.request().method() === 'GET' && new URL(r.url()).pathname === '/admin/einstellungen');
    await page.getByRole('button', { name: 'Speichern' }).click();
    await reloaded;
    await page.goto(`${base}/admin/einstellungen`);
    assert.ok(await page.getByLabel('Vier-Augen-Prinzip').isChecked(), 'four-eyes rule should be on');
    await assertAccessible(page, 'settings');
    await shot(page, '00-settings-four-eyes');
    await logout(page);
  });

  let rateBefore;

  test('the editor logs in and sees the answer rate on the dashboard', async () => {
    const { page } = editor;
    await page.goto(`${base}/admin/login`);
    await assertAccessible(page, 'login');
    await page.getByLabel('E-Mail-Adresse').fill(EDITOR.email);
    await page.getByLabel('Passwort', { exact: true }).fill(EDITOR.password);
    await shot(page, '01-login');
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await page.getByRole('heading', { level: 1, name: 'Antworten' }).waitFor();
    await assertAccessible(page, 'answer list');
    await shot(page, '02-answer-list', { fullPage: false }); // the whole list is very long

    await page.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Dashboard' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    rateBefore = await todaysAnswerRate(page);
    assert.equal(rateBefore.questions, VET_QUESTIONS.length + ANSWERED_QUESTIONS.length, `dashboard row: ${rateBefore.cells}`);
    assert.ok(rateBefore.rate !== null, `no answer rate in ${rateBefore.cells}`);
    await assertAccessible(page, 'dashboard');
    await shot(page, '03-dashboard-before');
  });

  test('the editor finds an answer, improves it and sends it to review', async () => {
    const { page } = editor;
    await page.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Antworten' }).click();
    await page.getByLabel('Suche', { exact: true }).fill('Kaution');
    await page.getByRole('button', { name: 'Filtern' }).click();
    const link = page.getByRole('link', { name: 'Zahlt das Jobcenter die Mietkaution?' });
    await link.waitFor();
    await shot(page, '04-search-kaution');
    await link.click();
    await page.getByLabel('Titel', { exact: true }).waitFor();
    await assertAccessible(page, 'edit');
    // Under the four-eyes rule an editor cannot publish: the change goes through review.
    await page.getByText(/Vier-Augen-Prinzip/).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Veröffentlichen' }).count(), 0, 'an editor must not see "Veröffentlichen"');

    const body = page.getByLabel(/^Text/);
    await body.fill(`${await body.inputValue()}\n\n${KAUTION_ADDITION}`);
    const questions = page.getByLabel(/^Frageformulierungen/);
    await questions.fill(`${(await questions.inputValue()).trimEnd()}\n${KAUTION_VARIANT}`);
    await page.getByRole('button', { name: 'Vorschau' }).click();
    const preview = page.getByRole('region', { name: /^Vorschau/ });
    await preview.getByText(KAUTION_ADDITION).waitFor();
    await shot(page, '05-edit-preview');

    await page.getByRole('button', { name: 'Zur Prüfung geben' }).click();
    await page.getByText('Gespeichert und zur Prüfung gegeben.').waitFor();
    await page.getByText('In Prüfung', { exact: true }).waitFor();
    await shot(page, '06-sent-to-review');
    // Not live before review: citizens still get the published text.
    const reply = await ask('Wie hoch ist die Kaution?');
    assert.equal(reply.answer?.id, KAUTION_ID);
    assert.ok(!reply.answer.body_markdown.includes(KAUTION_ADDITION), 'the change must not be live before review');
    await logout(page);
  });

  test('the reviewer publishes it and citizens get the new text', async () => {
    await reviewerPublishes('Zahlt das Jobcenter die Mietkaution?', '07');
    const reply = await ask('Wie hoch ist die Kaution?');
    assert.equal(reply.kind, 'answer');
    assert.equal(reply.answer.id, KAUTION_ID);
    assert.ok(reply.answer.body_markdown.includes(KAUTION_ADDITION), 'the published text should carry the addition');
    const variant = await ask(KAUTION_VARIANT);
    assert.equal(variant.answer?.id, KAUTION_ID, 'the new question variant should lead to the answer');
  });

  let clusterQuestions;

  test('the editor turns the inbox cluster into a new answer', async () => {
    const { page } = editor;
    await login(page, EDITOR);
    await page.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Eingang' }).click();
    await page.getByRole('heading', { level: 1, name: 'Eingang' }).waitFor();
    await assertAccessible(page, 'inbox');
    await shot(page, '09-inbox');
    const cluster = page.getByRole('region').filter({ has: page.getByRole('heading', { level: 2, name: /Tierarzt/ }) }).first();
    await cluster.waitFor();
    clusterQuestions = (await cluster.getByRole('group', { name: /Fragen dieser Gruppe/ }).locator('label').allInnerTexts())
      .filter((q) => /Tierarzt/.test(q));
    assert.ok(clusterQuestions.length >= 3, `the Tierarzt questions should form a cluster, got ${JSON.stringify(clusterQuestions)}`);
    await cluster.getByRole('button', { name: 'Neue Antwort daraus schreiben' }).click();

    await page.getByRole('heading', { level: 1, name: 'Neue Antwort' }).waitFor();
    const prefilled = await page.getByLabel(/^Frageformulierungen/).inputValue();
    for (const q of clusterQuestions) assert.ok(prefilled.includes(q), `"${q}" should be pre-filled as a variant`);
    await page.getByLabel(/^Kennung/).fill(VET_ID);
    await page.getByLabel('Titel', { exact: true }).fill(VET_TITLE);
    await page.getByLabel(/^Text/).fill(VET_BODY);
    const topics = page.getByRole('group', { name: 'Themen' });
    await topics.getByText('C Regelbedarf, Mehrbedarfe, einmalige Leistungen').click();
    await topics.getByLabel('Regelbedarf/Regelsatz: Höhe, Regelbedarfsstufen, Kinder').check();
    await page.getByRole('button', { name: 'Vorschau' }).click();
    await page.getByRole('region', { name: /^Vorschau/ }).getByText(/Regelbedarf nicht vorgesehen/).waitFor();
    await shot(page, '10-new-answer-from-cluster');
    await page.getByRole('button', { name: 'Zur Prüfung geben' }).click();
    await page.waitForLoadState();
    const problem = page.getByRole('alert');
    if (await problem.count()) assert.fail(`saving the new answer failed: ${await problem.innerText()}`);
    await page.getByText('Gespeichert und zur Prüfung gegeben.').waitFor();
    await shot(page, '11-new-answer-in-review');

    await page.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Eingang' }).click();
    assert.equal(await page.getByRole('heading', { level: 2, name: /Tierarzt/ }).count(), 0,
      'the cluster should have left the inbox');
    await logout(page);
  });

  test('the reviewer publishes the new answer and citizens get it', async () => {
    await reviewerPublishes(VET_TITLE, '12');
    for (const q of VET_QUESTIONS) {
      const reply = await ask(q);
      assert.equal(reply.kind, 'answer', `"${q}" should now be answered`);
      assert.equal(reply.answer.id, VET_ID, `"${q}" should get the new answer`);
    }
  });

  test('the dashboard shows the answer rate going up', async () => {
    const { page, errors } = editor;
    await login(page, EDITOR);
    await page.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Dashboard' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    const now = await todaysAnswerRate(page);
    assert.equal(now.questions, rateBefore.questions + 3 + VET_QUESTIONS.length, `dashboard row: ${now.cells}`);
    assert.ok(now.rate > rateBefore.rate, `answer rate should rise: ${rateBefore.rate} % → ${now.rate} %`);
    await assertAccessible(page, 'dashboard');
    await shot(page, '14-dashboard-after');
    assert.deepEqual(errors, []);
    assert.deepEqual(reviewer.errors, []);
  });

  test('the admin protects the account with a second factor (TOTP)', async () => {
    const { page, errors } = reviewer;
    await login(page, ADMIN);
    await page.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Zweiter Faktor' }).click();
    await page.getByRole('heading', { level: 1, name: 'Zweiter Faktor bei der Anmeldung' }).waitFor();
    await page.getByRole('button', { name: 'Zweiten Faktor einrichten' }).click();
    await page.getByRole('img', { name: /QR-Code/ }).waitFor();
    const secret = (await page.locator('#totp-secret').innerText()).replace(/\s/g, '');
    await assertAccessible(page, 'second factor set-up');
    await shot(page, '15-second-factor-setup');
    await page.getByLabel(/^Code aus der App/).fill(totp(secret));
    await page.getByRole('button', { name: 'Bestätigen und einschalten' }).click();
    await page.getByText('Status: eingeschaltet.').waitFor();
    await logout(page);

    // Signing in now takes the password and then a code; the code just used does not count twice.
    await page.getByLabel('E-Mail-Adresse').fill(ADMIN.email);
    await page.getByLabel('Passwort', { exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await page.getByRole('heading', { level: 1, name: 'Bestätigungscode eingeben' }).waitFor();
    await assertAccessible(page, 'second sign-in step');
    await shot(page, '16-second-factor-code');
    await page.getByLabel(/^Code aus der App/).fill(totp(secret, 30000));
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await page.getByRole('heading', { level: 1, name: 'Antworten' }).waitFor();
    await logout(page);
    assert.deepEqual(errors, []);
  });
});
