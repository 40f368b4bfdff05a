// The front-end origins (all served by the page server) and the plugin configurations
// under test, one Envoy listener each. Expected outcomes come from docs/configuration.md and Fetch.

export function origins(pagesPort) {
  const at = (host) => `http://${host}:${pagesPort}`;
  return {
    main: at('127.0.0.1'), // listed in allowed_origins
    localhost: at('localhost'), // same server, another origin: not listed
    sub: at('app.shop.test'), // matches the pattern http://*.shop.test:<port>
    apex: at('shop.test'), // a subdomain pattern never matches its apex (docs/configuration.md, Origin entries)
    evil: at('evil.test'), // another site altogether: the CSRF attacker
  };
}

export function profiles(o, pagesPort) {
  const cors = {
    allowed_origins: [o.main, `http://*.shop.test:${pagesPort}`],
    allowed_methods: ['GET', 'POST', 'PUT'],
    allowed_headers: ['content-type', 'x-request-id'],
    exposed_headers: ['x-request-id'],
  };
  return {
    cors: { cors },
    'cors-creds': { cors: { ...cors, allow_credentials: true } },
    'cors-report': { cors: { ...cors, enforce: false } },
    'cors-pna': { cors: { ...cors, allow_private_network: true } },
    headers: {}, // all defaults: helmet's header set, CSP included
    'csp-report': { headers: { content_security_policy: { report_only: true } } },
    'xfo-only': { headers: { content_security_policy: false } },
    // Plain-HTTP test: `Secure` would be right in production but is not what we test.
    cookies: { cookies: { secure: false, exempt: ['csrf_token'] } },
    csrf: { csrf: {} },
  };
}
