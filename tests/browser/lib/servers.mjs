// The two Node servers of the suite, both on 127.0.0.1 with a free port:
// - the page server: the front-end origins whose pages call the API
//   (http://127.0.0.1:<p>, http://localhost:<p>, and *.test names mapped to 127.0.0.1
//   by Chromium's host resolver rules), never behind Envoy;
// - the upstream: the app behind Envoy, whose responses and cookies we control and
//   which records every request the browser actually got through to it.

import http from 'node:http';

const html = (body, title = 'edge-shield browser test') =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;

const attr = (s) => String(s).replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);

function listen(handler) {
  const server = http.createServer((req, res) => {
    // Chromium asks every origin for one; a 404 would litter the console we report.
    if (req.url === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    try {
      handler(req, res);
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e));
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function close(server) {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function readBody(req) {
  return new Promise((resolve) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => { body += c; });
    req.on('end', () => resolve(body));
    req.on('error', () => resolve(body));
  });
}

// Scripts the pages load from their own origin: allowed by the default CSP
// (script-src 'self'), so they show the page itself works while inline code is refused.
const STATIC = {
  '/static/mark.js': 'window.selfScriptRan = true;',
  // The framed document's side effect: only happens if the browser rendered it.
  '/static/framed.js': "parent.postMessage('framed-document-ran', '*');",
};

/** The app behind Envoy. `seen` lists the requests that reached it, in order. */
export async function startUpstream() {
  const seen = [];
  const server = await listen(async (req, res) => {
    const url = new URL(req.url, 'http://upstream');
    const body = await readBody(req);
    seen.push({ method: req.method, path: url.pathname, query: url.search, headers: req.headers, body });
    const p = url.pathname;
    if (STATIC[p]) {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(STATIC[p]);
    } else if (p.startsWith('/api/')) {
      const headers = {
        'content-type': 'application/json',
        'x-request-id': 'req-42', // listed in exposed_headers
        'x-internal': 'hidden-7', // not listed: JavaScript must not see it
      };
      // An app that sets its own permissive CORS header: the filter must not let it
      // through for an origin the policy refuses.
      if (url.searchParams.has('leaky')) headers['access-control-allow-origin'] = '*';
      res.writeHead(200, headers).end(JSON.stringify({
        method: req.method, path: p, cookie: req.headers.cookie || null,
      }));
    } else if (p === '/page/csp') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html(
        '<script src="/static/mark.js"></script><script>window.inlineRan = true;</script><p>csp test page</p>'));
    } else if (p === '/page/framed') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html(
        '<p>framed document</p><script src="/static/framed.js"></script>'));
    } else if (p === '/page/frame-parent') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html(
        `<iframe id="f" src="${attr(url.searchParams.get('src') || '/page/framed')}"></iframe>`));
    } else if (p === '/cookie/page') {
      // No attributes at all: what a careless app sends.
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'set-cookie': ['sid=s3cret; Path=/', 'csrf_token=t0k; Path=/'],
      }).end(html('<p>cookies set</p>'));
    } else if (p === '/cookie/echo') {
      // Whatever cookies the browser chose to send with this request, GET or POST.
      res.writeHead(200, { 'content-type': 'text/plain' }).end(req.headers.cookie || '');
    } else if (p === '/csrf/form') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html(formHtml(`/csrf/transfer${url.search}`)));
    } else if (p === '/csrf/transfer') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html(
        `<p id="result">transfer done: ${req.method}</p>`));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  return {
    port: server.address().port,
    seen,
    /** Requests whose path starts with this prefix. */
    seenUnder: (prefix) => seen.filter((s) => s.path.startsWith(prefix)),
    close: () => close(server),
  };
}

function formHtml(action) {
  return `<form id="form" method="POST" action="${attr(action)}">`
    + '<input name="amount" value="10"><button id="go" type="submit">send</button></form>';
}

/** The front-end origins: plain pages without any security headers of their own. */
export async function startPageServer() {
  const server = await listen((req, res) => {
    const url = new URL(req.url, 'http://pages');
    const q = (n) => url.searchParams.get(n) || '';
    const page = {
      '/blank': () => html('<p>blank</p>'),
      '/frame-parent': () => html(`<iframe id="f" src="${attr(q('src'))}"></iframe>`),
      '/form': () => html(formHtml(q('action'))),
    }[url.pathname];
    if (!page) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const headers = { 'content-type': 'text/html; charset=utf-8' };
    // Chromium's way to make a loopback page count as a public one (Private Network
    // Access): its requests to 127.0.0.1 then go "public -> loopback".
    if (url.searchParams.has('public')) headers['content-security-policy'] = 'treat-as-public-address';
    res.writeHead(200, headers).end(page());
  });
  return { port: server.address().port, close: () => close(server) };
}
