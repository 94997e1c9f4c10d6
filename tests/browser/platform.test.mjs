// Browser test for the platform page (/admin/plattform, issue 7 item 1): a staff member with
// the platform-admin right manages the job centres (tenants) of the installation.
//
//   LOTSE_BIN=/path/to/target/debug/lotse node --test platform.test.mjs
//
// The platform admin (`lotse user add --platform-admin` in the demo tenant) opens the page from
// the main navigation, creates a job centre whose chat page (/t/{id}) then answers a citizen,
// gets clear German errors for an invalid or taken id and a blank name, renames it, suspends it
// (citizens get 403 `tenant_suspended` with a German sentence, on the open chat page too) and
// resumes it, deletes it only with its id typed again (afterwards /t/{id} is 404), and cannot
// suspend or delete the own job centre. axe-core checks the page, with the deletion
// confirmation open too; screenshots land in screenshots/platform-*.png.
//
// Needs the lotse binary (LOTSE_BIN): the test creates its own data directory and account with
// the CLI and starts its own server. Without LOTSE_BIN the suite is skipped (mock phase of CI).
// Chromium comes from Debian (/usr/bin/chromium, or CHROMIUM_PATH).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHOTS, ask as askInWidget, assertAccessible, launchChromium, lotseUserAdd, startLotse } from './helpers.mjs';

const LOTSE_BIN = process.env.LOTSE_BIN || null;

const OWN_TENANT = 'demo';
const ADMIN = { email: 'plattform@example.org', password: 'Plattform-Passwort-2026' };
const NEW_ID = 'werra-meissner';
const NEW_NAME = 'Jobcenter Werra-Meißner-Kreis';
const NEW_NAME_2 = 'Kommunales Jobcenter Werra-Meißner';
// A question no job centre's knowledge base covers (docs/style.md): the new, empty job centre
// answers it with its fallback, which is still a reply.
const QUESTION = 'Zahlt das Jobcenter den Tierarzt für meinen Hund?';

// The sentences the page and the API really show (crates/lotse-app/src/platform.rs,
// crates/lotse-server/src/admin/platform.rs, crates/lotse-server/src/error.rs).
const CREATED = 'Das Jobcenter wurde angelegt. Legen Sie jetzt das erste Verwaltungskonto an (lotse user add).';
const RENAMED = 'Der Name wurde geändert.';
const SUSPENDED = 'Das Jobcenter ist gesperrt: keine Antworten, keine Anmeldung.';
const RESUMED = 'Das Jobcenter ist wieder freigegeben.';
const DELETED = 'Das Jobcenter wurde mit allen Daten gelöscht.';
const BAD_ID = "Die Kennung besteht aus 1 bis 64 Zeichen a–z, 0–9 und '-'.";
const TAKEN_ID = `Ein Jobcenter mit der Kennung ${OWN_TENANT} gibt es bereits. Bitte wählen Sie eine andere Kennung.`;
const BAD_NAME = 'Der Name muss 1 bis 200 Zeichen lang sein (ohne Steuerzeichen).';
const WRONG_CONFIRMATION = 'Zur Bestätigung bitte die Kennung des Jobcenters genau eintippen.';
const OWN_NOT_SUSPENDED = 'Das eigene Jobcenter kann man nicht sperren.';
const OWN_NOT_DELETED = 'Das eigene Jobcenter kann man nicht löschen.';
const CITIZEN_SUSPENDED = 'Dieses Jobcenter ist auf der Plattform zurzeit gesperrt. Bitte wenden Sie sich auf anderem Weg direkt an Ihr Jobcenter.';

let browser;
let server; // { base, stop }
let base;
let dataDir;

/** A citizen question over the public API: { status, body }. */
async function askHttp(tenant, text) {
  const r = await fetch(`${base}/api/v1/tenants/${tenant}/ask`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });
  return { status: r.status, body: await r.json() };
}

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `platform-${name}.png`), fullPage: true });
}

describe('platform page: a platform admin manages the job centres', {
  skip: LOTSE_BIN ? false : 'LOTSE_BIN is not set (path to the lotse binary; the test starts its own server)',
}, () => {
  let admin; // { page, errors, posts }: the platform admin's browser
  let citizen; // { page, errors }: a second context without the staff cookie

  before(async () => {
    assert.ok(existsSync(LOTSE_BIN), `LOTSE_BIN=${LOTSE_BIN} does not exist: cargo build -p lotse`);
    dataDir = mkdtempSync(join(tmpdir(), 'lotse-platform-'));
    lotseUserAdd(LOTSE_BIN, dataDir, { tenant: OWN_TENANT, role: 'admin', ...ADMIN }, ['--platform-admin']);
    server = await startLotse(LOTSE_BIN, dataDir);
    ({ base } = server);
    browser = await launchChromium();
    const open = async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'de-DE' });
      context.setDefaultTimeout(10000);
      const page = await context.newPage();
      const errors = [];
      page.on('pageerror', (err) => errors.push(err.message));
      return { page, errors };
    };
    admin = await open();
    citizen = await open();
    // Every answer to a form sent to the platform page, to assert its status (no 500).
    admin.posts = [];
    admin.page.on('response', (res) => {
      if (res.request().method() === 'POST' && new URL(res.url()).pathname === '/admin/plattform') admin.posts.push(res.status());
    });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** Sends a form of the platform page by clicking `button`; returns the POST's HTTP status. */
  async function send(button) {
    const { page, posts } = admin;
    const before = posts.length;
    const answered = page.waitForResponse((res) => res.request().method() === 'POST'
      && new URL(res.url()).pathname === '/admin/plattform');
    await button.click();
    await answered;
    await page.waitForLoadState();
    return posts[before];
  }

  /** The table row of a job centre (its row header holds the id). */
  function row(id) {
    return admin.page.getByRole('table', { name: 'Jobcenter der Plattform' }).getByRole('row')
      .filter({ has: admin.page.getByRole('rowheader').filter({ hasText: new RegExp(`^${id}\\b`) }) });
  }

  async function errorShown(text) {
    await admin.page.getByRole('alert').filter({ hasText: text }).waitFor();
  }

  test('the platform admin opens the platform page from the main navigation', async () => {
    const { page } = admin;
    await page.goto(`${base}/admin/login`);
    await page.getByLabel('E-Mail-Adresse').fill(ADMIN.email);
    await page.getByLabel('Passwort', { exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await page.getByRole('heading', { level: 1, name: 'Antworten' }).waitFor();
    await page.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Plattform' }).click();
    await page.getByRole('heading', { level: 1, name: 'Plattform' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/admin/plattform');
    assert.equal(await page.getByRole('link', { name: 'Plattform' }).getAttribute('aria-current'), 'page');
    await row(OWN_TENANT).getByText('(Ihres)').waitFor();
    assert.equal(await row(NEW_ID).count(), 0, `${NEW_ID} should not exist yet`);
    await assertAccessible(page, 'platform page');
    await shot(page, '01-list');
  });

  test('a new job centre is created through the form and answers a citizen', async () => {
    const { page } = admin;
    await page.getByLabel(/^Kennung/).fill(NEW_ID);
    await page.getByLabel('Name', { exact: true }).fill(NEW_NAME);
    assert.equal(await send(page.getByRole('button', { name: 'Anlegen' })), 303);
    await page.getByRole('status').filter({ hasText: CREATED }).waitFor();
    const created = row(NEW_ID);
    await created.waitFor();
    assert.equal(await created.getByLabel(`Name von ${NEW_ID}`).inputValue(), NEW_NAME);
    await created.getByRole('cell', { name: 'aktiv', exact: true }).waitFor();
    await created.getByRole('button', { name: `Sperren ${NEW_ID}` }).waitFor();
    await shot(page, '02-created');

    // The citizen, without the staff cookie: the chat page of the new job centre loads and
    // the widget gets a reply (the fallback: the job centre has no answers yet).
    const res = await citizen.page.goto(`${base}/t/${NEW_ID}`);
    assert.equal(res.status(), 200);
    await citizen.page.getByRole('heading', { level: 1, name: NEW_NAME }).waitFor();
    const reply = await askInWidget(citizen.page, QUESTION);
    assert.notEqual(await reply.getAttribute('data-kind'), 'error', await reply.innerText());
    const http = await askHttp(NEW_ID, QUESTION);
    assert.equal(http.status, 200, JSON.stringify(http.body));
    assert.ok(['answer', 'clarify', 'fallback'].includes(http.body.kind), JSON.stringify(http.body));
    assert.ok(http.body.answer?.body_markdown, `a reply with a text: ${JSON.stringify(http.body)}`);
  });

  test('invalid input gets a clear German error on the page, never a 500', async () => {
    const { page } = admin;
    const id = page.getByLabel(/^Kennung/);
    const name = page.getByLabel('Name', { exact: true });
    const create = page.getByRole('button', { name: 'Anlegen' });

    // An id with spaces: the browser itself refuses the form (pattern a–z, 0–9, -) ...
    const posts = admin.posts.length;
    await id.fill('werra meissner');
    await name.fill(NEW_NAME);
    await create.click();
    assert.ok(await id.evaluate((el) => el.validity.patternMismatch), 'the id field should be invalid');
    assert.equal(admin.posts.length, posts, 'the browser must not send an invalid id');
    // ... and the server too, for a browser that does not check (the form sent without validation).
    await page.locator('form:has(#neu-id)').evaluate((form) => { form.noValidate = true; });
    assert.equal(await send(create), 422);
    await errorShown(BAD_ID);
    await page.getByRole('heading', { level: 1, name: 'Plattform' }).waitFor();
    await assertAccessible(page, 'platform page with an error');
    await shot(page, '03-invalid-id');

    // An id that is taken.
    await page.getByLabel(/^Kennung/).fill(OWN_TENANT);
    await page.getByLabel('Name', { exact: true }).fill('Noch ein Demo-Jobcenter');
    assert.equal(await send(page.getByRole('button', { name: 'Anlegen' })), 422);
    await errorShown(TAKEN_ID);
    await shot(page, '04-taken-id');

    // A blank name when renaming (spaces pass the browser's `required`), then a good one.
    await row(NEW_ID).getByLabel(`Name von ${NEW_ID}`).fill('   ');
    assert.equal(await send(row(NEW_ID).getByRole('button', { name: `Umbenennen ${NEW_ID}` })), 422);
    await errorShown(BAD_NAME);
    await row(NEW_ID).getByLabel(`Name von ${NEW_ID}`).fill(NEW_NAME_2);
    assert.equal(await send(row(NEW_ID).getByRole('button', { name: `Umbenennen ${NEW_ID}` })), 303);
    await page.getByRole('status').filter({ hasText: RENAMED }).waitFor();
    assert.equal(await row(NEW_ID).getByLabel(`Name von ${NEW_ID}`).inputValue(), NEW_NAME_2);
    assert.equal(await row('demo').count(), 1, 'nothing else changed');
    assert.ok(admin.posts.every((s) => s < 500), `statuses: ${admin.posts}`);
  });

  test('suspending stops the citizens\' side, resuming brings it back', async () => {
    const { page } = admin;
    // The citizen has the chat page open (with the new name) while the job centre is suspended.
    await citizen.page.goto(`${base}/t/${NEW_ID}`);
    await citizen.page.getByRole('heading', { level: 1, name: NEW_NAME_2 }).waitFor();
    await citizen.page.locator('#lotse-input').waitFor();

    assert.equal(await send(row(NEW_ID).getByRole('button', { name: `Sperren ${NEW_ID}` })), 303);
    await page.getByRole('status').filter({ hasText: SUSPENDED }).waitFor();
    await row(NEW_ID).getByRole('cell', { name: 'gesperrt', exact: true }).waitFor();
    await row(NEW_ID).getByRole('button', { name: `Freigeben ${NEW_ID}` }).waitFor();
    await shot(page, '05-suspended');

    // The open widget shows the server's sentence; the API says 403 tenant_suspended.
    const reply = await askInWidget(citizen.page, QUESTION);
    assert.equal(await reply.getAttribute('data-kind'), 'error');
    assert.equal((await reply.innerText()).trim(), CITIZEN_SUSPENDED);
    await shot(citizen.page, '06-citizen-suspended-widget');
    const http = await askHttp(NEW_ID, QUESTION);
    assert.equal(http.status, 403, JSON.stringify(http.body));
    assert.equal(http.body.error.code, 'tenant_suspended');
    assert.equal(http.body.error.message, CITIZEN_SUSPENDED);
    // Opening the chat page again: 403 with the same sentence.
    const res = await citizen.page.goto(`${base}/t/${NEW_ID}`);
    assert.equal(res.status(), 403);
    assert.ok((await res.text()).includes(CITIZEN_SUSPENDED), 'the suspended chat page says why');
    await shot(citizen.page, '06-citizen-suspended-page');
    // The other job centres are not affected.
    assert.equal((await askHttp(OWN_TENANT, QUESTION)).status, 200);

    assert.equal(await send(row(NEW_ID).getByRole('button', { name: `Freigeben ${NEW_ID}` })), 303);
    await page.getByRole('status').filter({ hasText: RESUMED }).waitFor();
    await row(NEW_ID).getByRole('cell', { name: 'aktiv', exact: true }).waitFor();
    const again = await citizen.page.goto(`${base}/t/${NEW_ID}`);
    assert.equal(again.status(), 200);
    const answered = await askInWidget(citizen.page, QUESTION);
    assert.notEqual(await answered.getAttribute('data-kind'), 'error', await answered.innerText());
    assert.equal((await askHttp(NEW_ID, QUESTION)).status, 200);
  });

  test('deleting a job centre needs its id typed again', async () => {
    const { page } = admin;
    const confirmation = page.getByRole('region', { name: `Jobcenter ${NEW_ID} löschen?` });
    const typed = page.getByLabel(`Zur Bestätigung die Kennung ${NEW_ID} eintippen`);

    // Asking first; "Abbrechen" leaves everything as it was.
    assert.equal(await send(row(NEW_ID).getByRole('button', { name: `Löschen ${NEW_ID}` })), 200);
    await confirmation.waitFor();
    await page.getByRole('link', { name: 'Abbrechen' }).click();
    await page.getByRole('heading', { level: 1, name: 'Plattform' }).waitFor();
    assert.equal(await confirmation.count(), 0);
    await row(NEW_ID).waitFor();

    // A wrong confirmation keeps the job centre and asks again.
    assert.equal(await send(row(NEW_ID).getByRole('button', { name: `Löschen ${NEW_ID}` })), 200);
    await confirmation.waitFor();
    await assertAccessible(page, 'platform page with the deletion confirmation');
    await shot(page, '07-delete-confirmation');
    await typed.fill('werra');
    assert.equal(await send(confirmation.getByRole('button', { name: 'Endgültig löschen' })), 422);
    await errorShown(WRONG_CONFIRMATION);
    await confirmation.waitFor();
    await assertAccessible(page, 'platform page with a wrong deletion confirmation');
    await shot(page, '08-delete-wrong-confirmation');
    await row(NEW_ID).waitFor();
    assert.equal((await fetch(`${base}/t/${NEW_ID}`)).status, 200, 'still there after a wrong confirmation');

    // The right one removes it: gone from the list, and citizens get 404.
    await typed.fill(NEW_ID);
    assert.equal(await send(confirmation.getByRole('button', { name: 'Endgültig löschen' })), 303);
    await page.getByRole('status').filter({ hasText: DELETED }).waitFor();
    assert.equal(await row(NEW_ID).count(), 0, `${NEW_ID} should be gone from the list`);
    await shot(page, '09-deleted');
    const res = await citizen.page.goto(`${base}/t/${NEW_ID}`);
    assert.equal(res.status(), 404);
    const http = await askHttp(NEW_ID, QUESTION);
    assert.equal(http.status, 404, JSON.stringify(http.body));
    assert.equal(http.body.error.code, 'tenant_not_found');
  });

  test('the own job centre can be neither suspended nor deleted', async () => {
    const { page } = admin;
    await page.goto(`${base}/admin/plattform`);
    const own = row(OWN_TENANT);
    await own.getByText('(Ihres)').waitFor();
    // The page offers no such buttons in the own row ...
    assert.equal(await own.getByRole('button', { name: /^(Sperren|Löschen|Freigeben)/ }).count(), 0);
    await own.getByRole('button', { name: `Umbenennen ${OWN_TENANT}` }).waitFor();
    // ... and the server refuses the forms when they are sent anyway (with the session's token).
    const forge = (fields) => page.evaluate((f) => {
      const form = document.createElement('form');
      form.method = 'post';
      form.action = '/admin/plattform';
      const all = { csrf: document.querySelector('input[name="csrf"]').value, ...f };
      for (const [name, value] of Object.entries(all)) {
        const input = document.createElement('input');
        Object.assign(input, { type: 'hidden', name, value });
        form.append(input);
      }
      document.body.append(form);
      form.submit();
    }, fields);
    let answered = page.waitForResponse((res) => res.request().method() === 'POST');
    await forge({ action: 'suspend', id: OWN_TENANT });
    assert.equal((await answered).status(), 422);
    await errorShown(OWN_NOT_SUSPENDED);
    answered = page.waitForResponse((res) => res.request().method() === 'POST');
    await forge({ action: 'delete', id: OWN_TENANT, confirm: OWN_TENANT });
    assert.equal((await answered).status(), 422);
    await errorShown(OWN_NOT_DELETED);
    await shot(page, '10-own-not-deleted');
    await row(OWN_TENANT).getByRole('cell', { name: 'aktiv', exact: true }).waitFor();
    const http = await askHttp(OWN_TENANT, 'Wie hoch ist die Kaution?');
    assert.equal(http.status, 200, JSON.stringify(http.body));
    // The platform admin is still signed in (the own tenant was not suspended).
    await page.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Plattform' }).click();
    await page.getByRole('heading', { level: 1, name: 'Plattform' }).waitFor();
    assert.deepEqual(admin.errors, []);
    assert.deepEqual(citizen.errors, []);
  });
});
