// What a case gets: a fresh browser context (own cookies, own preflight cache), one page,
// and helpers that report what the browser did, never what Envoy sent.

const FETCH_TIMEOUT_MS = 8000;
const NAV_TIMEOUT_MS = 10000;

export class CaseContext {
  constructor({ caseId, context, page, env }) {
    this.caseId = caseId;
    this.context = context;
    this.page = page;
    this.env = env; // { origins, envoy, upstream }
    this.console = [];
    page.setDefaultTimeout(NAV_TIMEOUT_MS);
    page.on('console', (m) => this.console.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => this.console.push(`[pageerror] ${e.message}`));
  }

  get origins() {
    return this.env.origins;
  }

  /** Envoy's listener for a plugin profile, as `http://127.0.0.1:<port>`. */
  envoy(profile) {
    return `http://127.0.0.1:${this.env.envoy.port(profile)}`;
  }

  /**
   * A URL on Envoy's listener for `profile`, tagged `case=<id>` so the upstream's records
   * tell the cases apart (a POST form keeps its action's query).
   */
  url(profile, path = '/api/data') {
    const u = new URL(path, this.envoy(profile));
    u.searchParams.set('case', this.caseId);
    return u.href;
  }

  /** Requests of this case that reached the upstream, i.e. that the browser sent. */
  upstreamSaw(method, path) {
    return this.env.upstream.seen.filter((s) => new URLSearchParams(s.query).get('case') === this.caseId
      && (!method || s.method === method) && (!path || s.path === path));
  }

  counter(profile, name) {
    return this.env.envoy.counter(profile, 'default', name);
  }

  /** Runs `fn` and reads one of our counters before and after: { value, before, after, text }. */
  async countDuring(profile, name, fn) {
    const before = await this.counter(profile, name);
    const value = await fn();
    const after = await this.counter(profile, name);
    return { value, before, after, grew: before !== null && after === before + 1, text: `${name} ${before} -> ${after}` };
  }

  async goto(url) {
    return this.page.goto(url, { waitUntil: 'load' });
  }

  /** Submits the page's form (#go) as a user would: { status, text } of where it lands. */
  async submitForm() {
    const [resp] = await Promise.all([
      this.page.waitForEvent('response', (r) => r.request().isNavigationRequest() && r.request().method() === 'POST'),
      this.page.click('#go'),
    ]);
    await this.page.waitForLoadState('load');
    const text = await this.page.evaluate(() => (document.body ? document.body.innerText : ''));
    return { status: resp.status(), text: text.trim() };
  }

  /**
   * Opens `pageUrl` and runs fetch(url, init) from it. Returns what the script saw:
   * { resolved, status, body, headers: {name: value|null}, error, cors } where `cors`
   * is Chromium's own console explanation of a CORS refusal, if any.
   */
  async fetchFrom(pageUrl, url, init = {}, read = []) {
    await this.goto(pageUrl);
    const before = this.console.length;
    const obs = await this.page.evaluate(async ({ url, init, read, timeout }) => {
      try {
        const r = await fetch(url, { ...init, signal: AbortSignal.timeout(timeout) });
        const headers = {};
        for (const n of read) headers[n] = r.headers.get(n);
        return { resolved: true, status: r.status, body: await r.text(), headers };
      } catch (e) {
        return { resolved: false, error: `${e.name}: ${e.message}` };
      }
    }, { url, init, read, timeout: FETCH_TIMEOUT_MS });
    // Chromium logs the reason of a refusal to the console, not to the script.
    await this.page.waitForTimeout(50);
    const reason = this.console.slice(before).map((m) => m.match(/blocked by CORS policy: (.*)/)).find(Boolean);
    obs.cors = reason ? reason[1].replace(/\.$/, '') : null;
    return obs;
  }
}

/** One short phrase for a fetch observation. */
export function describeFetch(obs) {
  if (!obs.resolved) return `rejected (${obs.error})${obs.cors ? `: ${obs.cors}` : ''}`;
  const read = Object.entries(obs.headers || {}).map(([n, v]) => `${n}=${v === null ? 'null' : JSON.stringify(v)}`);
  return `resolved ${obs.status}${read.length ? `, headers.get: ${read.join(', ')}` : ''}`;
}

/** A case outcome: pass when `ok`, with the sentence saying what the browser did. */
export const outcome = (ok, saw) => ({ pass: Boolean(ok), saw });
