// Edge hardening (docs/configuration.md, Edge hardening) as the browser experiences it: cookie attributes added by the
// filter, and cross-site form posts refused by Fetch Metadata.

import { outcome } from '../lib/harness.mjs';

const has = (cookies, name) => new RegExp(`(^|;\\s*)${name}=`).test(cookies);

/**
 * Visits a page through the `cookies` profile whose upstream sets `sid` and `csrf_token`
 * without attributes; returns what JavaScript sees and what the browser sends back.
 */
async function cookieJar(t) {
  await t.goto(t.url('cookies', '/cookie/page'));
  const js = await t.page.evaluate(() => document.cookie);
  const sent = await t.page.evaluate(async () => (await fetch('/cookie/echo')).text());
  return { js, sent, saw: `document.cookie=${JSON.stringify(js)}; sent back same-origin: ${JSON.stringify(sent)}` };
}

/** Submits a POST form from a page at `formPageUrl`; what the browser landed on. */
async function post(t, formPageUrl) {
  await t.goto(formPageUrl);
  const r = await t.submitForm();
  const up = t.upstreamSaw('POST', '/csrf/transfer');
  return { ...r, up, saw: `landed on HTTP ${r.status} "${r.text.slice(0, 60)}"; ${up.length} POST reached the app` };
}

const formOn = (t, origin, action) => `${t.origins[origin]}/form?action=${encodeURIComponent(action)}`;

/** A form on a page server origin POSTs through the csrf profile: refused (403) or passed (200). */
const formPost = (id, from, status, title, expect) => ({
  id,
  group: 'CSRF',
  title,
  expect,
  async run(t) {
    const p = await post(t, formOn(t, from, t.url('csrf', '/csrf/transfer')));
    return outcome(p.status === status && p.up.length === (status === 200 ? 1 : 0), p.saw);
  },
});

export default [
  {
    id: 'cookie-httponly-added',
    group: 'Cookies',
    title: 'upstream Set-Cookie: sid=s3cret; Path=/ (no flags)',
    expect: 'the browser stores and sends sid, but document.cookie does not show it (HttpOnly added)',
    async run(t) {
      const c = await cookieJar(t);
      return outcome(has(c.sent, 'sid') && !has(c.js, 'sid'), c.saw);
    },
  },
  {
    id: 'cookie-exempt-stays-readable',
    group: 'Cookies',
    title: 'cookie listed in cookies.exempt (csrf_token)',
    expect: 'document.cookie shows csrf_token (HttpOnly not added)',
    async run(t) {
      const c = await cookieJar(t);
      return outcome(has(c.js, 'csrf_token') && has(c.sent, 'csrf_token'), c.saw);
    },
  },
  {
    id: 'cookie-samesite-lax-cross-site-post',
    group: 'Cookies',
    title: 'cross-site top-level POST after the upstream set sid without SameSite',
    expect: "sid is not sent (SameSite=Lax added; Chromium's default Lax still sends cookies younger than 2 minutes on top-level POSTs)",
    async run(t) {
      const c = await cookieJar(t);
      await t.goto(formOn(t, 'evil', t.url('cookies', '/cookie/echo')));
      const r = await t.submitForm();
      return outcome(has(c.sent, 'sid') && !has(r.text, 'sid'),
        `stored and sent same-origin: ${has(c.sent, 'sid')}; cross-site POST sent ${JSON.stringify(r.text)}`);
    },
  },
  formPost('csrf-cross-site-post-refused', 'evil', 403,
    'form on http://evil.test POSTs to the app (Sec-Fetch-Site: cross-site)',
    'the browser lands on a 403 and the POST never reaches the app'),
  {
    id: 'csrf-same-origin-post-passes',
    group: 'CSRF',
    title: "the app's own form (served through Envoy) POSTs to the app",
    expect: 'the browser lands on the app\'s 200 "transfer done" page',
    async run(t) {
      const p = await post(t, t.url('csrf', '/csrf/form'));
      return outcome(p.status === 200 && p.text.includes('transfer done: POST') && p.up.length === 1, p.saw);
    },
  },
  formPost('csrf-same-site-post-passes', 'main', 200,
    'form on http://127.0.0.1:<other port> POSTs to the app (Sec-Fetch-Site: same-site)',
    'passes: only cross-site requests are refused'),
];
