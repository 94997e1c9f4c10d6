// The widget in Firefox (issue 5: speech input "works on current Chrome, Firefox and Safari").
// Firefox records Ogg/Opus where Chromium records WebM/Opus, so the widget's decoding and
// resampling to 16 kHz WAV takes another path there. Against mock-server.mjs, in Debian's
// firefox-esr driven by puppeteer-core over WebDriver BiDi (no geckodriver, no downloaded browser):
// basic chat, the microphone (Firefox's fake audio device plays a tone; the test checks the WAV
// the mock receives), and axe on the open widget.
//
//   apt-get install -y firefox-esr        # or set FIREFOX_PATH
//   cd tests/browser && npm ci && node --test firefox.test.mjs
//
// Skipped without Firefox, and when LOTSE_BASE_URL is set (the real-server phase of CI).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import puppeteer from 'puppeteer-core';
import { startMockServer } from './mock-server.mjs';
import { describeViolations, runAxe } from './helpers.mjs';

const FIREFOX = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';
// The fake microphone's tone; the WAV must still have it after decoding and resampling.
const TONE_HZ = 1000;
const skip = process.env.LOTSE_BASE_URL
  ? 'LOTSE_BASE_URL is set (the Firefox tests run against the mock)'
  : !existsSync(FIREFOX) && `Firefox not found at ${FIREFOX}: apt-get install -y firefox-esr, or set FIREFOX_PATH`;

/** Selector of an element inside the widget's shadow root. */
const w = (selector) => `lotse-chat >>> ${selector}`;

/** The parts of a WAV file the server checks: format, channels, rate, bits, and the samples. */
function parseWav(buf) {
  assert.equal(buf.toString('latin1', 0, 4), 'RIFF', 'RIFF header');
  assert.equal(buf.toString('latin1', 8, 12), 'WAVE', 'WAVE form');
  let fmt = null;
  let data = null;
  for (let at = 12; at + 8 <= buf.length;) {
    const id = buf.toString('latin1', at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    const body = buf.subarray(at + 8, at + 8 + size);
    if (id === 'fmt ') {
      fmt = {
        format: body.readUInt16LE(0), channels: body.readUInt16LE(2), rate: body.readUInt32LE(4),
        byteRate: body.readUInt32LE(8), blockAlign: body.readUInt16LE(12), bits: body.readUInt16LE(14),
      };
    }
    if (id === 'data') data = body;
    at += 8 + size + (size % 2);
  }
  assert.ok(fmt, 'a fmt chunk');
  assert.ok(data, 'a data chunk');
  const samples = new Int16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length - (data.length % 2)));
  return { ...fmt, samples };
}

/** Root mean square (0..1) and the frequency estimated from zero crossings, of the middle half. */
function toneOf(samples, rate) {
  const part = samples.subarray(Math.floor(samples.length / 4), Math.floor((samples.length * 3) / 4));
  let sum = 0;
  let crossings = 0;
  for (let i = 0; i < part.length; i++) {
    sum += (part[i] / 32768) ** 2;
    if (i > 0 && (part[i - 1] < 0) !== (part[i] < 0)) crossings++;
  }
  return { rms: Math.sqrt(sum / part.length), hz: (crossings / 2) * (rate / part.length) };
}

describe('widget in Firefox (against the mock server)', { skip }, () => {
  let browser;
  let site;
  let lotse;

  before(async () => {
    site = await startMockServer();
    lotse = await startMockServer();
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: true,
      extraPrefsFirefox: {
        // A generated tone instead of a microphone, and no permission prompt.
        'media.navigator.streams.fake': true,
        'media.navigator.permission.disabled': true,
        'media.navigator.audio.fake_frequency': TONE_HZ,
        // No sound card here: without cubeb's mock output every AudioContext stays 'suspended'
        // (resume() never settles), so the widget's level meter would not move.
        'media.cubeb.force_mock_context': true,
        // A German browser, as the Chromium tests' locale de-DE: the widget follows it.
        'intl.accept_languages': 'de-DE,de',
      },
    });
  });

  after(async () => {
    await browser?.close();
    await site?.close();
    await lotse?.close();
  });

  /** A fresh browser context with the host page of `tenant` and the widget from the other origin, opened. */
  async function openChat(t, tenant) {
    const context = await browser.createBrowserContext();
    t.after(() => context.close());
    const page = await context.newPage();
    page.setDefaultTimeout(10000);
    await page.setViewport({ width: 1280, height: 800 });
    const errors = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${site.origin}/host.html?tenant=${tenant}&widget=${encodeURIComponent(lotse.origin)}`);
    await page.locator(w('.launcher')).click();
    await page.waitForSelector(w('.msg--greeting'));
    return { page, errors };
  }

  /** Types a question, sends it with Enter and returns the text and kind of the next bot reply. */
  async function ask(page, text) {
    const replies = w('.msg--bot:not(.msg--greeting)');
    const before = (await page.$$(replies)).length;
    const input = await page.waitForSelector(w('#lotse-input'));
    await input.type(text);
    await input.press('Enter');
    await page.waitForFunction((n) => document.querySelector('lotse-chat').shadowRoot
      .querySelectorAll('.msg--bot:not(.msg--greeting)').length > n, {}, before);
    const all = await page.$$(replies);
    const reply = all[before];
    return reply.evaluate((el) => ({ kind: el.getAttribute('data-kind'), text: el.textContent }));
  }

  test('Firefox: a typed question gets the answer', async (t) => {
    const { page, errors } = await openChat(t, 'demo');
    const panel = await page.$(w('[role="dialog"]'));
    assert.ok(panel, 'the chat opens as a dialog');
    const reply = await ask(page, 'Wie hoch ist der Regelsatz?');
    assert.equal(reply.kind, 'answer', reply.text);
    assert.match(reply.text, /563 Euro/);
    assert.equal(lotse.recorded.asks.at(-1).text, 'Wie hoch ist der Regelsatz?');
    // No microphone where the server does not transcribe.
    assert.equal(await page.$eval(w('.mic'), (el) => el.hidden), true);
    assert.deepEqual(errors, []);
  });

  test('Firefox: the microphone records Ogg/Opus, the widget uploads 16 kHz mono 16-bit WAV, the transcript lands in the input', async (t) => {
    const { page, errors } = await openChat(t, 'sprache');
    const mic = await page.waitForSelector(w('.mic'), { visible: true });
    assert.equal(await mic.evaluate((el) => el.getAttribute('aria-label')), 'Spracheingabe: Frage sprechen');
    const uploads = lotse.recorded.transcribes.length;
    // Notes the container format the widget's recorder produced (the point of this test: Ogg in Firefox).
    await page.evaluate(() => {
      const stop = MediaRecorder.prototype.stop;
      MediaRecorder.prototype.stop = function () {
        window.recordedMimeType = this.mimeType;
        return stop.call(this);
      };
    });

    // Click to start (a short click keeps recording), click again to stop.
    await mic.click();
    await page.waitForFunction(() => document.querySelector('lotse-chat').shadowRoot
      .querySelector('.mic').getAttribute('aria-pressed') === 'true');
    const started = Date.now();
    assert.equal(await mic.evaluate((el) => el.getAttribute('aria-label')), 'Aufnahme beenden');
    const status = await page.$(w('.mic-status'));
    assert.equal(await status.evaluate((el) => el.getAttribute('role')), 'status', 'the state is announced');
    assert.match(await status.evaluate((el) => el.textContent), /Aufnahme läuft/);
    assert.equal((await page.$$(w('.level'))).length, 1, 'a level indicator while recording');
    // The level indicator moves with the tone (the meter's AudioContext runs in Firefox too).
    await page.waitForFunction(() => parseInt(document.querySelector('lotse-chat').shadowRoot
      .querySelector('.level i').style.width, 10) > 0);
    await new Promise((r) => setTimeout(r, 2000 - (Date.now() - started)));
    await mic.click();
    const recordedMs = Date.now() - started;
    assert.equal(await mic.evaluate((el) => el.getAttribute('aria-pressed')), 'false');

    await page.waitForFunction(() => document.querySelector('lotse-chat').shadowRoot
      .querySelector('#lotse-input').value.length > 0, { timeout: 20000 });
    assert.equal(await page.$eval(w('#lotse-input'), (el) => el.value), 'Wie hoch ist der Regelsatz?');
    assert.match(await status.evaluate((el) => el.textContent), /prüfen/);
    assert.deepEqual(errors, []);
    const mimeType = await page.evaluate(() => window.recordedMimeType);
    assert.match(mimeType, /^audio\/ogg/, 'Firefox records Ogg/Opus');

    // What the widget uploaded, as the mock received it.
    assert.equal(lotse.recorded.transcribes.length, uploads + 1, 'one upload');
    const upload = lotse.recorded.transcribes.at(-1);
    assert.equal(upload.tenant, 'sprache');
    assert.equal(upload.contentType, 'audio/wav');
    const wav = parseWav(upload.body);
    assert.deepEqual(
      { format: wav.format, channels: wav.channels, rate: wav.rate, bits: wav.bits, byteRate: wav.byteRate, blockAlign: wav.blockAlign },
      { format: 1, channels: 1, rate: 16000, bits: 16, byteRate: 32000, blockAlign: 2 },
    );
    const seconds = wav.samples.length / wav.rate;
    const tone = toneOf(wav.samples, wav.rate);
    t.diagnostic(`recorder ${mimeType}; recorded ${recordedMs} ms; WAV ${seconds.toFixed(2)} s, ` +
      `${upload.body.length} bytes, rms ${tone.rms.toFixed(3)}, tone ${tone.hz.toFixed(0)} Hz`);
    assert.ok(Math.abs(seconds * 1000 - recordedMs) < 700, `WAV of ${seconds.toFixed(2)} s for ${recordedMs} ms recorded`);
    // Decoded, not silence, and at the right speed: a wrong sample rate would shift the tone.
    assert.ok(tone.rms > 0.01, `the recording is not silent (rms ${tone.rms})`);
    assert.ok(Math.abs(tone.hz - TONE_HZ) < TONE_HZ * 0.05, `the ${TONE_HZ} Hz tone came out at ${tone.hz.toFixed(0)} Hz`);

    // The citizen checks the text and sends it (nothing more typed).
    const reply = await ask(page, '');
    assert.equal(reply.kind, 'answer', reply.text);
  });

  test('Firefox: axe finds no accessibility violations in the open widget', async (t) => {
    const { page } = await openChat(t, 'sprache');
    await page.waitForSelector(w('.mic'), { visible: true });
    await ask(page, 'Wie hoch ist der Regelsatz?');
    await ask(page, 'Umzug');
    await ask(page, 'Fehler');
    const { violations } = await runAxe(page);
    assert.equal(violations.length, 0, describeViolations(violations));
  });
});
