// CORS (docs/configuration.md, CORS) as the browser enforces it: a page on one origin fetch()es the
// API through Envoy, another origin. What counts is what the page's script got.

import { describeFetch, outcome } from '../lib/harness.mjs';

const JSON_POST = {
  method: 'POST',
  // Not CORS-safelisted: both make the browser preflight.
  headers: { 'content-type': 'application/json', 'X-Request-ID': 'abc-1' },
  body: '{"amount":10}',
};

const sent = (list) => `${list.length} reached the upstream`;

/** fetch() from a page on `origin` through profile `profile`. */
const fetchVia = (t, origin, profile, init, read, path) =>
  t.fetchFrom(`${t.origins[origin]}/blank`, t.url(profile, path), init, read);

/**
 * A case whose fetch the browser must refuse. `sent`: how many `method` requests of the
 * case may reach the upstream (undefined: not checked), to tell "sent but the response
 * withheld" (simple requests) from "never sent" (failed preflight).
 */
const refused = ({ from = 'main', profile = 'cors', setup, init, path, method, sent: n, ...c }) => ({
  group: 'CORS',
  ...c,
  async run(t) {
    if (setup) await setup(t);
    const r = await fetchVia(t, from, profile, init, [], path);
    if (n === undefined) return outcome(!r.resolved, describeFetch(r));
    const up = t.upstreamSaw(method);
    return outcome(!r.resolved && up.length === n, `${describeFetch(r)}; ${sent(up)}`);
  },
});

const withCookie = (t) => t.context.addCookies([{ name: 'session', value: 'abc', domain: '127.0.0.1', path: '/' }]);

export default [
  {
    id: 'cors-simple-get-allowed',
    group: 'CORS',
    title: 'simple GET from an allowed origin',
    expect: 'fetch resolves 200 with a readable body',
    async run(t) {
      const r = await fetchVia(t, 'main', 'cors');
      return outcome(r.resolved && r.status === 200 && r.body.includes('"method":"GET"'), describeFetch(r));
    },
  },
  refused({
    id: 'cors-simple-get-disallowed',
    title: 'simple GET from an origin not in the list',
    expect: 'fetch rejects; the request was still sent (CORS withholds the response, it does not stop a simple request)',
    from: 'localhost',
    method: 'GET',
    sent: 1,
  }),
  refused({
    id: 'cors-upstream-acao-stripped',
    title: 'disallowed origin, upstream itself sends Access-Control-Allow-Origin: *',
    expect: 'fetch rejects (the filter removes the upstream\'s CORS headers for a refused origin)',
    from: 'localhost',
    path: '/api/data?leaky',
  }),
  {
    id: 'cors-preflight-json-post-allowed',
    group: 'CORS',
    title: 'JSON POST with X-Request-ID (preflighted), all allowed',
    expect: 'preflight passes, the POST is sent once, fetch resolves 200',
    async run(t) {
      const r = await fetchVia(t, 'main', 'cors', JSON_POST);
      const up = t.upstreamSaw('POST');
      return outcome(r.resolved && r.status === 200 && up.length === 1, `${describeFetch(r)}; ${sent(up)}`);
    },
  },
  refused({
    id: 'cors-preflight-method-refused',
    title: 'DELETE, a method not in allowed_methods',
    expect: 'preflight fails, fetch rejects, the DELETE is never sent',
    init: { method: 'DELETE' },
    method: 'DELETE',
    sent: 0,
  }),
  refused({
    id: 'cors-preflight-header-refused',
    title: 'POST with X-Secret, a header not in allowed_headers',
    expect: 'preflight fails, fetch rejects, the POST is never sent',
    init: { ...JSON_POST, headers: { ...JSON_POST.headers, 'X-Secret': '1' } },
    method: 'POST',
    sent: 0,
  }),
  {
    id: 'cors-credentials-allowed',
    group: 'CORS',
    title: "credentials: 'include' with allow_credentials: true",
    expect: 'fetch resolves and the API received the cookie',
    async run(t) {
      await withCookie(t);
      const r = await fetchVia(t, 'main', 'cors-creds', { credentials: 'include' });
      return outcome(r.resolved && r.body.includes('session=abc'),
        r.resolved ? `${describeFetch(r)}, body ${r.body}` : describeFetch(r));
    },
  },
  refused({
    id: 'cors-credentials-not-allowed',
    title: "credentials: 'include' with allow_credentials: false",
    expect: 'fetch rejects (no Access-Control-Allow-Credentials: true)',
    setup: withCookie,
    init: { credentials: 'include' },
  }),
  {
    id: 'cors-exposed-header-readable',
    group: 'CORS',
    title: 'a header listed in exposed_headers',
    expect: "response.headers.get('x-request-id') is \"req-42\"",
    async run(t) {
      const r = await fetchVia(t, 'main', 'cors', {}, ['x-request-id']);
      return outcome(r.resolved && r.headers['x-request-id'] === 'req-42', describeFetch(r));
    },
  },
  {
    id: 'cors-unexposed-header-hidden',
    group: 'CORS',
    title: 'a header not listed in exposed_headers',
    expect: "fetch resolves, headers.get('x-internal') is null (content-type, safelisted, stays readable)",
    async run(t) {
      const r = await fetchVia(t, 'main', 'cors', {}, ['x-internal', 'content-type']);
      return outcome(r.resolved && r.headers['x-internal'] === null && r.headers['content-type'] === 'application/json',
        describeFetch(r));
    },
  },
  {
    id: 'cors-subdomain-pattern-allowed',
    group: 'CORS',
    title: 'http://app.shop.test matches http://*.shop.test:<port>',
    expect: 'fetch resolves 200',
    async run(t) {
      const r = await fetchVia(t, 'sub', 'cors');
      return outcome(r.resolved && r.status === 200, describeFetch(r));
    },
  },
  refused({
    id: 'cors-subdomain-pattern-apex-refused',
    title: 'http://shop.test, the apex of the pattern',
    expect: 'fetch rejects (a pattern never matches its apex)',
    from: 'apex',
  }),
  {
    id: 'cors-report-only-refused-counted',
    group: 'CORS report-only',
    title: 'enforce: false, origin not in the list',
    expect: 'fetch rejects (nothing is sent on the wire), counted in cors_actual_blocked and logged "would block"',
    async run(t) {
      const c = await t.countDuring('cors-report', 'cors_actual_blocked', () => fetchVia(t, 'localhost', 'cors-report'));
      const logged = t.env.envoy.log().split('\n')
        .some((l) => l.includes('would block (report-only)') && l.includes(t.origins.localhost));
      return outcome(!c.value.resolved && c.grew && logged,
        `${describeFetch(c.value)}; ${c.text}; log line ${logged ? 'found' : 'missing'}`);
    },
  },
  {
    id: 'cors-report-only-allowed-still-blocked',
    group: 'CORS report-only',
    title: 'enforce: false, origin in the list',
    expect: 'fetch rejects too (report-only sends no CORS headers at all), counted in cors_actual_allowed',
    async run(t) {
      const c = await t.countDuring('cors-report', 'cors_actual_allowed', () => fetchVia(t, 'main', 'cors-report'));
      return outcome(!c.value.resolved && c.grew, `${describeFetch(c.value)}; ${c.text}`);
    },
  },
  {
    id: 'pna-public-page-without-permission',
    group: 'Private Network Access',
    title: 'public page (CSP treat-as-public-address) to loopback, allow_private_network: true',
    expect: 'Chromium 156 refuses before sending anything (Local Network Access permission, no PNA preflight): fetch rejects, Envoy sees no request',
    async run(t) {
      const c = await t.countDuring('cors-pna', 'requests',
        () => t.fetchFrom(`${t.origins.main}/blank?public`, t.url('cors-pna'), { method: 'PUT' }));
      return outcome(!c.value.resolved && c.before !== null && c.after === c.before,
        `${describeFetch(c.value)}; filter's ${c.text}`);
    },
  },
  {
    id: 'pna-public-page-permission-granted',
    group: 'Private Network Access',
    title: 'the same with the Local Network Access permission granted, allow_private_network: false',
    expect: 'the preflight carries no Access-Control-Request-Private-Network, and the PUT resolves 200 on CORS alone',
    async run(t) {
      await t.context.grantPermissions(['local-network-access'], { origin: t.origins.main });
      // The browser's own record of the preflight it sent (the filter answers it, so
      // the upstream never sees it).
      const cdp = await t.context.newCDPSession(t.page);
      const preflights = [];
      cdp.on('Network.requestWillBeSent', (e) => {
        if (e.request.method === 'OPTIONS') preflights.push(e.request.headers);
      });
      await cdp.send('Network.enable');
      const r = await t.fetchFrom(`${t.origins.main}/blank?public`, t.url('cors'), { ...JSON_POST, method: 'PUT' });
      const acrpn = preflights.some((h) => Object.keys(h).some((n) => n.toLowerCase() === 'access-control-request-private-network'));
      return outcome(r.resolved && r.status === 200 && preflights.length === 1 && !acrpn,
        `${describeFetch(r)}; ${preflights.length} preflight(s), ${acrpn ? 'with' : 'without'} Access-Control-Request-Private-Network`);
    },
  },
];
