#!/usr/bin/env node
// edge-shield in a real browser: starts the page server, the upstream, one Envoy with the
// built filter (a listener per plugin profile) and headless Chromium, runs every case in a
// fresh browser context, prints one line per case and `N passed, N failed`, renders the
// results as a page and screenshots it. Exit code 1 if any case failed.
//
//   node run.mjs                      all cases
//   node run.mjs cors csp             cases whose id matches any of these regexes
//   BROWSER_CASES='^csrf' node run.mjs    the same, from the environment
//   node run.mjs --list               list the cases and exit
//   node run.mjs --screenshot ../../docs/browser-summary.png
//                                     also save the summary screenshot there

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import corsCases from './cases/cors.mjs';
import headerCases from './cases/headers.mjs';
import hardeningCases from './cases/hardening.mjs';
import { launchBrowser } from './lib/browser.mjs';
import { Envoy } from './lib/envoy.mjs';
import { CaseContext } from './lib/harness.mjs';
import { startPageServer, startUpstream } from './lib/servers.mjs';
import { renderSummary } from './lib/summary.mjs';
import { origins as makeOrigins, profiles as makeProfiles } from './profiles.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const OUT = path.join(HERE, 'out');
const CASE_TIMEOUT_MS = 30000;
const SUITE_TIMEOUT_MS = Number(process.env.BROWSER_SUITE_TIMEOUT_MS) || 240000;

const ALL = [...corsCases, ...headerCases, ...hardeningCases];

function parseArgs(argv) {
  const args = { list: false, screenshot: null, filters: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--list') args.list = true;
    else if (argv[i] === '--screenshot') args.screenshot = argv[++i];
    else args.filters.push(argv[i]);
  }
  if (process.env.BROWSER_CASES) args.filters.push(...process.env.BROWSER_CASES.split(/[\s,]+/).filter(Boolean));
  return args;
}

const withTimeout = (promise, ms, what) => {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(timer));
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const indent = (text) => text.split('\n').map((l) => `      ${l}`).join('\n');

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const selected = args.filters.length
    ? ALL.filter((c) => args.filters.some((f) => new RegExp(f).test(c.id)))
    : ALL;
  if (args.list) {
    for (const c of ALL) console.log(`${c.id.padEnd(40)} ${c.group}: ${c.title}`);
    return 0;
  }
  if (selected.length === 0) {
    console.error(`no case matches ${args.filters.join(' ')} (see --list)`);
    return 2;
  }
  fs.mkdirSync(OUT, { recursive: true });

  const running = []; // what to stop, last started first
  const stopAll = async () => {
    for (const stop of running.reverse()) {
      try { await withTimeout(Promise.resolve().then(stop), 10000, 'cleanup'); } catch { /* keep stopping the rest */ }
    }
    running.length = 0;
  };
  // Envoy also dies with us by pdeathsig, Chromium by Playwright's exit handler.
  process.once('SIGINT', () => stopAll().then(() => process.exit(130)));
  process.once('SIGTERM', () => stopAll().then(() => process.exit(143)));
  const watchdog = setTimeout(() => {
    console.error(`browser suite: no result after ${SUITE_TIMEOUT_MS} ms, giving up`);
    stopAll().then(() => process.exit(1));
  }, SUITE_TIMEOUT_MS);
  watchdog.unref();

  const results = [];
  let envoy;
  let browser;
  try {
    const pages = await startPageServer();
    running.push(() => pages.close());
    const upstream = await startUpstream();
    running.push(() => upstream.close());
    const origins = makeOrigins(pages.port);
    envoy = await Envoy.start({
      repo: REPO, dir: path.join(OUT, 'envoy'), profiles: makeProfiles(origins, pages.port), upstreamPort: upstream.port,
    });
    running.push(() => envoy.stop());
    browser = await launchBrowser();
    running.push(() => browser.close());
    console.log(`browser tests: Chromium ${browser.version()}, Envoy admin 127.0.0.1:${envoy.admin}, `
      + `pages ${origins.main}, ${selected.length} of ${ALL.length} cases`);
    const env = { origins, envoy, upstream };

    for (const c of selected) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const t = new CaseContext({ caseId: c.id, context, page, env });
      const logStart = envoy.log().length;
      let r;
      try {
        r = await withTimeout(c.run(t), CASE_TIMEOUT_MS, c.id);
      } catch (e) {
        r = { pass: false, saw: `error: ${e.message.split('\n')[0]}` };
      }
      await withTimeout(context.close(), 10000, 'closing the context').catch(() => {});
      results.push({ ...c, ...r });
      console.log(`${r.pass ? 'PASS' : 'FAIL'}  ${c.id} (${c.group}: ${c.title})\n      expected: ${c.expect}\n      browser:  ${r.saw}`);
      if (!r.pass) {
        await sleep(200); // Envoy flushes its access log every 100 ms
        const newLog = envoy.log().slice(logStart).trim();
        console.log(indent(`browser console:\n${t.console.length ? t.console.join('\n') : '(nothing)'}`));
        console.log(indent(newLog ? `Envoy log during the case (tail):\n${envoy.tail(15, newLog)}`
          : `Envoy log (tail, nothing new during the case):\n${envoy.tail(5)}`));
      }
    }
    await renderSummary({ browser, results, out: OUT, extra: args.screenshot, total: ALL.length });
  } catch (e) {
    console.log(`setup failed: ${e.stack || e}`);
    for (const c of selected.filter((s) => !results.some((r) => r.id === s.id))) {
      results.push({ ...c, pass: false, saw: 'not run: the suite could not start' });
    }
  } finally {
    await stopAll();
    clearTimeout(watchdog);
  }
  fs.writeFileSync(path.join(OUT, 'results.json'), JSON.stringify(results.map(({ run, ...r }) => r), null, 2));
  const passed = results.filter((r) => r.pass).length;
  const failed = results.length - passed;
  if (failed) console.log(`\nfailed: ${results.filter((r) => !r.pass).map((r) => r.id).join(' ')}`);
  console.log(`\n${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

main().then((code) => process.exit(code), (e) => {
  console.error(e);
  process.exit(1);
});
