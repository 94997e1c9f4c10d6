// The accessibility statement (/t/{tenant}/barrierefreiheit) is generated from the checks:
// web/accessibility.json lists the browser tests behind each sentence of the statement, and
// this script holds that list to the JUnit reports of a test run (node --test
// --test-reporter=junit …).
//
//   node a11y-statement.mjs --check report.xml [more.xml …]   every listed test passed in some
//                                                             report and failed in none
//   node a11y-statement.mjs --write report.xml [more.xml …]   the same, then records the run
//                                                             (date, axe-core version, count)
//
// .ci/run calls --check after the browser tests, so the statement cannot claim a check that
// does not pass. After changing the checks, run the browser tests and --write.

import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const STATEMENT = fileURLToPath(new URL('../../web/accessibility.json', import.meta.url));

/** The outcome of every test case in a JUnit report: name → 'passed' | 'failed' | 'skipped'. */
export function outcomes(xml) {
  const result = new Map();
  const unescape = (s) => s.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  // <testcase name="…" …/> (passed) or <testcase name="…" …> … </testcase> (with a child).
  const re = /<testcase\s+name="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const m of xml.matchAll(re)) {
    const body = m[3] ?? '';
    const outcome = /<failure/.test(body) ? 'failed' : /<skipped/.test(body) ? 'skipped' : 'passed';
    // Node's reporter escapes quotes twice (&amp;quot;).
    const name = unescape(unescape(m[1]));
    result.set(name, stronger(result.get(name), outcome));
  }
  return result;
}

/** Of two outcomes of the same test, the one that counts: a failure anywhere, else a pass. */
function stronger(a, b) {
  const rank = { failed: 3, passed: 2, skipped: 1 };
  return (rank[a] ?? 0) >= rank[b] ? a : b;
}

function main(argv) {
  const [mode, ...reports] = argv;
  if (!['--check', '--write'].includes(mode) || reports.length === 0) {
    console.error('usage: node a11y-statement.mjs --check|--write report.xml [more.xml …]');
    return 2;
  }
  const merged = new Map();
  for (const file of reports) {
    for (const [name, outcome] of outcomes(readFileSync(file, 'utf8'))) merged.set(name, stronger(merged.get(name), outcome));
  }
  const statement = JSON.parse(readFileSync(STATEMENT, 'utf8'));
  const problems = statement.checks
    .map((c) => [c.test, merged.get(c.test) ?? 'not run'])
    .filter(([, outcome]) => outcome !== 'passed');
  for (const [name, outcome] of problems) console.error(`accessibility statement: "${name}" ${outcome}`);
  if (problems.length > 0) {
    console.error('The statement in web/accessibility.json claims checks that did not pass in this run.');
    return 1;
  }
  console.log(`accessibility statement: all ${statement.checks.length} checks passed`);
  if (mode === '--write') {
    const axe = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('axe-core/package.json'), 'utf8'));
    statement.last_run = {
      date: new Date().toISOString().slice(0, 10),
      axe_core: axe.version,
      passed: statement.checks.length,
    };
    writeFileSync(STATEMENT, `${JSON.stringify(statement, null, 2)}\n`);
    console.log(`recorded in ${STATEMENT}`);
  }
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
