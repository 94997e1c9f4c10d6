// Speech input in the widget, end to end: Chromium's fake microphone plays a German question
// (spoken by espeak-ng), the widget records it, decodes and resamples it to 16 kHz WAV, the real
// server transcribes it with whisper.cpp, the transcript appears in the input field, and sending
// it brings an answer.
//
//   LOTSE_BIN=/path/to/lotse LOTSE_TEST_WHISPER_MODEL=/path/to/ggml-base.bin node --test
//
// Needs a lotse binary built with the `speech` feature, the model, espeak-ng and sox. Without
// LOTSE_BIN or LOTSE_TEST_WHISPER_MODEL the suite is skipped (the mock phase of CI).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const LOTSE_BIN = process.env.LOTSE_BIN || null;
const MODEL = process.env.LOTSE_TEST_WHISPER_MODEL || null;
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// A question Whisper base hears well enough from espeak-ng (see docs/benchmarks.md).
const QUESTION = 'Ist mein Antrag auf Kostenübernahme für die Klassenfahrt schon bearbeitet?';

describe('speech input in the widget (real server, whisper.cpp)', { skip: !(LOTSE_BIN && MODEL) && 'needs LOTSE_BIN and LOTSE_TEST_WHISPER_MODEL' }, () => {
  let server;
  let serverLog = '';
  let browser;
  let base;
  let work;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'lotse-speech-'));
    // The question, then silence: Chromium loops the file, and the recording stops before the repeat.
    const raw = join(work, 'raw.wav');
    const wav = join(work, 'question.wav');
    let r = spawnSync('espeak-ng', ['-v', 'de', '-s', '150', '-w', raw, QUESTION]);
    assert.equal(r.status, 0, 'espeak-ng');
    r = spawnSync('sox', [raw, '-r', '16000', '-c', '1', '-b', '16', wav, 'pad', '0.3', '6']);
    assert.equal(r.status, 0, 'sox');

    const port = await new Promise((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
    });
    base = `http://127.0.0.1:${port}`;
    server = spawn(LOTSE_BIN, ['--data-dir', join(work, 'data'), 'serve', '--listen', `127.0.0.1:${port}`], {
      env: { ...process.env, LOTSE__RATE_LIMIT__ENABLED: 'false', LOTSE__SPEECH__MODEL: MODEL, LOTSE__LOG__LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout.on('data', (d) => { serverLog += d; });
    server.stderr.on('data', (d) => { serverLog += d; });
    const deadline = Date.now() + 60000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`lotse serve exited:\n${serverLog}`);
      try {
        const res = await fetch(`${base}/readyz`);
        if (res.ok) {
          const body = await res.json();
          assert.equal(body.speech, 'ok', `the server has no speech: ${JSON.stringify(body)}\n${serverLog}`);
          break;
        }
      } catch { /* not up yet */ }
      if (Date.now() > deadline) throw new Error(`lotse serve not ready:\n${serverLog}`);
      await new Promise((res) => setTimeout(res, 100));
    }

    assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
        `--use-file-for-fake-audio-capture=${wav}`, '--autoplay-policy=no-user-gesture-required'],
    });
  });

  after(async () => {
    await browser?.close();
    server?.kill();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('the spoken question lands in the input field, and sending it brings an answer', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/t/demo`);
    const mic = page.locator('.mic');
    await mic.waitFor({ state: 'visible' });
    assert.equal(await mic.getAttribute('aria-label'), 'Spracheingabe: Frage sprechen');

    // Click to start, click again to stop (the push-to-talk variant holds the button down).
    await mic.click();
    await page.waitForFunction(() => document.querySelector('lotse-chat').shadowRoot
      .querySelector('.mic').getAttribute('aria-pressed') === 'true');
    const status = page.locator('.mic-status');
    assert.match(await status.innerText(), /Aufnahme läuft/);
    assert.equal(await page.locator('.level').count(), 1, 'a level indicator while recording');
    await page.waitForTimeout(5500); // the question is about 4.5 s long
    await mic.click();

    const input = page.locator('#lotse-input');
    await page.waitForFunction(() => document.querySelector('lotse-chat').shadowRoot
      .querySelector('#lotse-input').value.length > 0, null, { timeout: 60000 });
    const transcript = await input.inputValue();
    assert.match(transcript.toLowerCase(), /klassenfahrt/, `transcript: ${transcript}`);
    assert.match(await status.innerText(), /prüfen/);

    // The citizen checks the text and sends it.
    const replies = page.locator('.msg--bot:not(.msg--greeting)');
    const before = await replies.count();
    await input.press('Enter');
    const reply = replies.nth(before);
    await reply.waitFor();
    assert.equal(await reply.getAttribute('data-kind'), 'answer', await reply.innerText());
    assert.match(await reply.innerText(), /Klassenfahrt|Ausflüge|Bildung und Teilhabe/i);
    // Every answer can be read aloud.
    assert.equal(await reply.locator('.readaloud').count(), 1);
    await page.close();
  });
});
