// Helpers shared by the widget's browser tests (widget.test.mjs, widget-i18n.test.mjs).
// Playwright's CSS locators pierce open shadow roots, so `.msg--bot` finds the
// widget's messages inside <lotse-chat>.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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
