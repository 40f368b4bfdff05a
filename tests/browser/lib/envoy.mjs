// A real Envoy loading the built edge-shield wasm, generated like tests/e2e/harness.rs does:
// port-0 listeners, --admin-address-path, ports read back from the admin API. One Envoy
// serves every plugin profile of the suite, one listener (and one filter instance, with
// its own `config.name`, so its counters are its own) per profile: one V8 start instead
// of one per profile keeps the suite fast on a shared 2-core machine.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

export function envoyBin(repo) {
  return process.env.ENVOY || path.join(repo, '.venv/bin/envoy');
}

export function wasmPath(repo) {
  return process.env.EDGE_SHIELD_WASM || path.join(repo, 'target/wasm32-wasip1/release/edge_shield.wasm');
}

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const WASM = 'type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';
const NATIVE = 'type.googleapis.com/envoy.extensions.filters.http.dynamic_modules.v3.DynamicModuleFilter';

/** EDGE_SHIELD_HOST=native: the native module (`make native`) instead of the wasm (docs/native.md). */
export const native = process.env.EDGE_SHIELD_HOST === 'native';

export function nativeDir(repo) {
  return process.env.EDGE_SHIELD_NATIVE_DIR || path.join(repo, 'target/native');
}

/** The typed_config of the edge-shield filter named `name` with this configuration. */
function edgeShield(name, plugin, wasm) {
  const configuration = { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: JSON.stringify(plugin) };
  if (native) {
    return { '@type': NATIVE, dynamic_module_config: { name: 'edge_shield' }, filter_name: name, filter_config: configuration };
  }
  return {
    '@type': WASM,
    config: {
      name,
      failure_policy: 'FAIL_RELOAD',
      vm_config: { vm_id: 'edge-shield', runtime: 'envoy.wasm.runtime.v8', code: { local: { filename: wasm } } },
      configuration,
    },
  };
}

const ACCESS_LOG = '[access] PROFILE %REQ(:METHOD)% %REQ(:AUTHORITY)%%REQ(:PATH)% origin=%REQ(ORIGIN)% '
  + 'sec-fetch-site=%REQ(SEC-FETCH-SITE)% -> %RESPONSE_CODE% acao=%RESP(ACCESS-CONTROL-ALLOW-ORIGIN)% '
  + 'acac=%RESP(ACCESS-CONTROL-ALLOW-CREDENTIALS)% aceh=%RESP(ACCESS-CONTROL-EXPOSE-HEADERS)% '
  + 'csp=%RESP(CONTENT-SECURITY-POLICY):40%... xfo=%RESP(X-FRAME-OPTIONS)% set-cookie=%RESP(SET-COOKIE)%';

function listener(name, plugin, wasm) {
  return {
    name,
    address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
    filter_chains: [{
      filters: [{
        name: 'envoy.filters.network.http_connection_manager',
        typed_config: {
          '@type': HCM,
          stat_prefix: name,
          // Failure output shows these lines: what Envoy answered, next to what the
          // browser did (for diagnosis only; no case asserts on them).
          access_log: [{
            name: 'envoy.access_loggers.stdout',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog',
              log_format: { text_format_source: { inline_string: `${ACCESS_LOG.replace('PROFILE', name)}\n` } },
            },
          }],
          // As in the shipped configs: lets the filter remove `server`.
          server_header_transformation: 'PASS_THROUGH',
          route_config: {
            name,
            virtual_hosts: [{
              name: 'all',
              // The browser reaches Envoy as 127.0.0.1, localhost and *.test names.
              domains: ['*'],
              routes: [{ name: 'upstream', match: { prefix: '/' }, route: { cluster: 'upstream', timeout: '10s' } }],
            }],
          },
          http_filters: [
            { name: 'edge-shield', typed_config: edgeShield(name, plugin, wasm) },
            { name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } },
          ],
        },
      }],
    }],
  };
}

/** The Envoy config: one listener per profile (`{name: pluginConfigObject}`). */
export function renderConfig({ profiles, upstreamPort, wasm }) {
  const config = {
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: {
      listeners: Object.entries(profiles).map(([name, plugin]) => listener(name, plugin, wasm)),
      clusters: [{
        name: 'upstream',
        type: 'STATIC',
        connect_timeout: '1s',
        load_assignment: {
          cluster_name: 'upstream',
          endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: upstreamPort } } } }] }],
        },
      }],
    },
  };
  // JSON is YAML: no quoting pitfalls for the embedded plugin JSON.
  return JSON.stringify(config, null, 2);
}

function adminGet(port, pathname) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathname, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error('admin request timed out')));
    req.on('error', reject);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Envoy {
  constructor(child, dir) {
    this.child = child;
    this.dir = dir;
    this.admin = 0;
    this.ports = {};
    this.exited = null;
    child.on('exit', (code, signal) => { this.exited = { code, signal }; });
  }

  /**
   * Starts Envoy and waits until every listener is bound. Rejects with the log if
   * Envoy exits (e.g. a plugin configuration is refused) or is not ready in time.
   */
  static async start({ repo, dir, profiles, upstreamPort, timeoutMs = 60000 }) {
    const wasm = wasmPath(repo);
    if (native) {
      const so = path.join(nativeDir(repo), 'libedge_shield.so');
      if (!fs.existsSync(so)) throw new Error(`${so} is missing: run \`make native\` first`);
    } else if (!fs.existsSync(wasm)) throw new Error(`${wasm} is missing: run \`make build\` first`);
    fs.mkdirSync(dir, { recursive: true });
    const config = path.join(dir, 'envoy.yaml');
    fs.writeFileSync(config, renderConfig({ profiles, upstreamPort, wasm }));
    const adminFile = path.join(dir, 'admin.txt');
    fs.rmSync(adminFile, { force: true });
    const log = fs.openSync(path.join(dir, 'envoy.log'), 'w');
    // setpriv --pdeathsig: if this node process dies (even by SIGKILL), Envoy dies too.
    const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', envoyBin(repo),
      '-c', config, '--concurrency', '1', '--disable-hot-restart', '-l', 'info',
      '--admin-address-path', adminFile,
      // Access log lines reach the file soon enough to be shown with a failing case.
      '--file-flush-interval-msec', '100'], {
      cwd: repo, stdio: ['ignore', log, log],
      env: { ...process.env, ENVOY_DYNAMIC_MODULES_SEARCH_PATH: nativeDir(repo) },
    });
    fs.closeSync(log);
    const envoy = new Envoy(child, dir);
    const spawnError = new Promise((_, reject) => child.on('error', (e) => reject(new Error(`cannot run Envoy at ${envoyBin(repo)}: ${e.message} (run \`make envoy\`)`))));
    spawnError.catch(() => {});
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await Promise.race([sleep(100), spawnError]);
      if (envoy.exited) throw new Error(`Envoy exited (${JSON.stringify(envoy.exited)}).\n${envoy.tail(40)}`);
      if (Date.now() > deadline) {
        await envoy.stop();
        throw new Error(`Envoy was not ready in ${timeoutMs} ms.\n${envoy.tail(40)}`);
      }
      if (!envoy.admin && fs.existsSync(adminFile)) {
        envoy.admin = Number(fs.readFileSync(adminFile, 'utf8').trim().split(':').pop()) || 0;
      }
      if (envoy.admin && await envoy.pollReady(Object.keys(profiles))) return envoy;
    }
  }

  async pollReady(names) {
    try {
      if ((await adminGet(this.admin, '/ready')).status !== 200) return false;
      const listeners = JSON.parse((await adminGet(this.admin, '/listeners?format=json')).body);
      for (const l of listeners.listener_statuses || []) {
        this.ports[l.name] = l.local_address?.socket_address?.port_value;
      }
      return names.every((n) => this.ports[n]);
    } catch {
      return false;
    }
  }

  port(profile) {
    const p = this.ports[profile];
    if (!p) throw new Error(`no Envoy listener for profile ${profile}`);
    return p;
  }

  log() {
    try {
      return fs.readFileSync(path.join(this.dir, 'envoy.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** The last n lines of the log. */
  tail(n, text = this.log()) {
    return text.trimEnd().split('\n').slice(-n).join('\n');
  }

  /** One of our counters (docs/observability.md), or null when Envoy has no such stat. */
  async counter(plugin, policy, name) {
    const key = `${native ? 'dynamicmodulescustom' : 'wasmcustom'}.edge_shield.${plugin}.${policy}.${name}: `;
    const stats = await adminGet(this.admin, `/stats?filter=${encodeURIComponent('edge_shield')}`);
    const line = stats.body.split('\n').find((l) => l.startsWith(key));
    return line === undefined ? null : Number(line.slice(key.length));
  }

  /** Kills Envoy and waits for it, so no zombie outlives the suite. */
  async stop() {
    if (this.exited || !this.child.pid) return;
    const gone = new Promise((resolve) => this.child.once('exit', resolve));
    try { this.child.kill('SIGKILL'); } catch { /* already gone */ }
    await Promise.race([gone, sleep(5000)]);
  }
}
