// Security headers (docs/configuration.md, Security headers) as the browser enforces them, on pages served THROUGH Envoy.

import { outcome } from '../lib/harness.mjs';

/** Loads the CSP test page through `profile`; what ran and which violations fired. */
async function cspPage(t, profile) {
  // Registered before any page script runs (DevTools-injected, so CSP does not apply to it).
  await t.page.addInitScript(() => {
    window.violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.violations.push(
      { directive: e.effectiveDirective, blocked: e.blockedURI, disposition: e.disposition }));
  });
  await t.goto(t.url(profile, '/page/csp'));
  const s = await t.page.evaluate(() => ({
    self: window.selfScriptRan === true, inline: window.inlineRan === true, violations: window.violations,
  }));
  const inlineViolations = s.violations.filter((v) => v.blocked === 'inline');
  const saw = `same-origin script ${s.self ? 'ran' : 'did not run'}, inline script ${s.inline ? 'ran' : 'blocked'}, `
    + `violations: ${JSON.stringify(s.violations)}`;
  return { ...s, inlineViolations, saw };
}

/** Frames the test document (through `profile`) in a page at `parentUrl`. */
async function framed(t, parentUrl) {
  await t.page.addInitScript(() => {
    window.messages = [];
    window.addEventListener('message', (e) => window.messages.push(e.data));
  });
  await t.goto(parentUrl); // 'load' waits for the iframe, refused or not
  await t.page.waitForTimeout(100); // postMessage is delivered as a task
  const ran = (await t.page.evaluate(() => window.messages)).includes('framed-document-ran');
  const frameUrl = t.page.frames().slice(1).map((f) => f.url()).join(' ') || '(no frame)';
  return { ran, saw: `framed document's script ${ran ? 'ran' : 'did not run'}; frame URL ${frameUrl}` };
}

/** The test document of `profile` in an iframe of a page on another origin must not render. */
const framingRefused = (id, profile, title) => ({
  id,
  group: 'Framing',
  title,
  expect: "the browser refuses to render the frame: the framed document's script never runs",
  async run(t) {
    const f = await framed(t, `${t.origins.main}/frame-parent?src=${encodeURIComponent(t.url(profile, '/page/framed'))}`);
    return outcome(!f.ran, f.saw);
  },
});

export default [
  {
    id: 'csp-default-inline-blocked',
    group: 'CSP',
    title: 'default policy (helmet\'s CSP) on an HTML page',
    expect: "inline script blocked, securitypolicyviolation fired (enforce); the page's own /static script runs",
    async run(t) {
      const s = await cspPage(t, 'headers');
      return outcome(s.self && !s.inline && s.inlineViolations.some((v) => v.disposition === 'enforce'), s.saw);
    },
  },
  {
    id: 'csp-report-only-inline-runs',
    group: 'CSP',
    title: 'content_security_policy: {"report_only": true}',
    expect: 'inline script runs, securitypolicyviolation still fires (disposition report)',
    async run(t) {
      const s = await cspPage(t, 'csp-report');
      return outcome(s.self && s.inline && s.inlineViolations.some((v) => v.disposition === 'report'), s.saw);
    },
  },
  framingRefused('framing-cross-origin-refused', 'headers',
    "default headers (X-Frame-Options SAMEORIGIN + frame-ancestors 'self'), framed cross-origin"),
  framingRefused('framing-xfo-alone-refused', 'xfo-only',
    'CSP off, X-Frame-Options SAMEORIGIN alone, framed cross-origin'),
  {
    id: 'framing-same-origin-allowed',
    group: 'Framing',
    title: 'default headers, framed by a page of the same origin',
    expect: "the frame renders: the framed document's script runs",
    async run(t) {
      const f = await framed(t, t.url('headers', '/page/frame-parent'));
      return outcome(f.ran, f.saw);
    },
  },
];
