// Helpers shared by the browser tests (widget, widget-i18n, staff-story, platform).
// Playwright's CSS locators pierce open shadow roots, so `.msg--bot` finds the
// widget's messages inside <lotse-chat>.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

/** Debian's headless Chromium (never a downloaded browser); makes the screenshot folder. */
export async function launchChromium() {
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH`);
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Types a question, sends it with Enter and waits for the next bot reply. */
export async function ask(page, text) {
  // The greeting arrives with the tenant config, possibly late, and is put first: not a reply.
  const replies = page.locator('.msg--bot:not(.msg--greeting)');
  const before = await replies.count();
  await page.locator('#lotse-input').fill(text);
  await page.locator('#lotse-input').press('Enter');
  const reply = replies.nth(before);
  await reply.waitFor();
  return reply;
}

export async function runAxe(page) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(AXE_SOURCE);
  return page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }), AXE_TAGS);
}

export function describeViolations(violations) {
  return violations
    .map((v) => `${v.id} (${v.impact}): ${v.help}\n` + v.nodes.map((n) => `   ${JSON.stringify(n.target)} ${n.failureSummary}`).join('\n'))
    .join('\n');
}

export async function assertAccessible(page, what) {
  const { violations } = await runAxe(page);
  assert.deepEqual(violations.map((v) => v.id), [], `axe on ${what}:\n${describeViolations(violations)}`);
}

/** `lotse user add` in `dataDir`, the password piped in; `extra` e.g. ['--platform-admin']. */
export function lotseUserAdd(bin, dataDir, { tenant, role, email, password }, extra = []) {
  const r = spawnSync(bin, ['--data-dir', dataDir, 'user', 'add', '--tenant', tenant, '--role', role, ...extra, email], {
    input: `${password}\n`,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `lotse user add ${email} failed: ${r.stderr}${r.stdout}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts `lotse serve` (rate limit off) on a free port with its own data directory and waits
 * for /readyz. Resolves to `{ base, stop }`; `stop()` ends the server (SIGTERM, at most 3 s).
 */
export async function startLotse(bin, dataDir, { readyMs = 30000 } = {}) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let log = '';
  const server = spawn(bin, ['--data-dir', dataDir, 'serve', '--listen', `127.0.0.1:${port}`], {
    env: { ...process.env, LOTSE__RATE_LIMIT__ENABLED: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout.on('data', (d) => { log += d; });
  server.stderr.on('data', (d) => { log += d; });
  const stop = async () => {
    if (server.exitCode !== null || server.signalCode !== null) return;
    server.kill('SIGTERM');
    await new Promise((res) => { server.once('exit', res); setTimeout(res, 3000); });
  };
  const deadline = Date.now() + readyMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`lotse serve exited (${server.exitCode}):\n${log}`);
    try {
      if ((await fetch(`${base}/readyz`)).ok) return { base, stop };
    } catch { /* not up yet */ }
    await new Promise((res) => setTimeout(res, 100));
  }
  await stop();
  throw new Error(`lotse serve not ready after ${readyMs} ms:\n${log}`);
}
