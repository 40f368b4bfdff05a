//! A real Envoy process: the config template, starting it on free ports with the built
//! `.wasm`, reading its admin API (stats, listeners), and `envoy --mode validate`.

use super::client::get;
use super::host;
use super::paths::{envoy_bin, repo, scratch_dir, wasm_path};
use super::upstream::Upstream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The Envoy config every test starts from. Placeholders: `{{WASM}}`, `{{PLUGIN}}`
/// (the plugin JSON as a quoted string), `{{UPSTREAM_PORT}}` (and `{{DIR}}`, the
/// Envoy's scratch directory, see [`Launch::file`]). Listener `edge` has the
/// filter; routes: `/direct/` (Envoy direct_response), `/dead/` (unreachable
/// upstream → 503), everything else → the test upstream. Hosts outside the `main`
/// virtual host's domains get Envoy's 404.
pub const DEFAULT_TEMPLATE: &str = r#"
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
static_resources:
  listeners:
  - name: edge
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: edge
          server_header_transformation: PASS_THROUGH
          strip_any_host_port: true
          # Let hostile-input tests (64 KiB values, hundreds of headers) reach the filter.
          max_request_headers_kb: 256
          common_http_protocol_options: { max_headers_count: 1000 }
          upgrade_configs: [{ upgrade_type: websocket }]
          route_config:
            name: edge
            virtual_hosts:
            - name: main
              domains: ["localhost", "127.0.0.1", "example.com", "*.example.com", "*.test"]
              routes:
              - name: direct
                match: { prefix: "/direct/" }
                direct_response: { status: 200, body: { inline_string: "direct" } }
              - name: dead
                match: { prefix: "/dead/" }
                route: { cluster: dead, timeout: 2s }
              - name: upstream
                match: { prefix: "/" }
                route: { cluster: upstream, timeout: 10s }
          http_filters:
          - name: edge-shield
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
              config:
                name: edge-shield
                failure_policy: FAIL_RELOAD
                vm_config:
                  vm_id: edge-shield
                  runtime: envoy.wasm.runtime.v8
                  code: { local: { filename: "{{WASM}}" } }
                configuration:
                  "@type": type.googleapis.com/google.protobuf.StringValue
                  value: {{PLUGIN}}
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
  - name: upstream
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: upstream
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: {{UPSTREAM_PORT}} } } } }] }]
  - name: dead
    type: STATIC
    connect_timeout: 0.5s
    load_assignment:
      cluster_name: dead
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 1 } } } }] }]
"#;

/// Fills the template placeholders.
pub fn render(template: &str, plugin_json: &str, upstream_port: u16) -> String {
    let wasm = if host::native() {
        String::from("unused-by-the-native-module.wasm")
    } else {
        wasm_path().display().to_string()
    };
    let rendered = template
        .replace("{{WASM}}", &wasm)
        .replace("{{PLUGIN}}", &serde_json::to_string(plugin_json).expect("json"))
        .replace("{{UPSTREAM_PORT}}", &upstream_port.to_string());
    if host::native() {
        host::to_native(&rendered)
    } else {
        rendered
    }
}

/// How to start an Envoy, for what [`Envoy::start_with`] does not cover: more
/// workers, extra files next to the config (xDS from files), an upstream that keeps
/// no record (long runs).
pub struct Launch {
    template: String,
    plugin: String,
    concurrency: u32,
    files: Vec<(String, String)>,
    record: bool,
}

impl Launch {
    pub fn new(template: &str, plugin_json: &str) -> Launch {
        Launch {
            template: template.into(),
            plugin: plugin_json.into(),
            concurrency: 1,
            files: Vec::new(),
            record: true,
        }
    }

    /// `--concurrency N` (default 1): N worker threads, each with its own Wasm VM.
    pub fn concurrency(mut self, n: u32) -> Launch {
        self.concurrency = n;
        self
    }

    /// A file written into the Envoy's scratch directory before it starts, with the
    /// template's placeholders filled; the template refers to it as `{{DIR}}/NAME`.
    pub fn file(mut self, name: &str, text: &str) -> Launch {
        self.files.push((name.into(), text.into()));
        self
    }

    /// The test upstream keeps no record of requests (memory stays flat in a soak).
    pub fn without_recording(mut self) -> Launch {
        self.record = false;
        self
    }

    pub fn start(self) -> Envoy {
        match self.try_start() {
            Ok(e) => e,
            Err(log) => panic!("Envoy did not start.\n----- envoy log -----\n{log}\n---------------------"),
        }
    }

    /// Starts Envoy; `Err(log)` if it exits or does not become ready in time.
    pub fn try_start(self) -> Result<Envoy, String> {
        let upstream = Upstream::start_recording(self.record);
        let dir = scratch_dir();
        let fill =
            |text: &str| render(text, &self.plugin, upstream.port).replace("{{DIR}}", &dir.display().to_string());
        for (name, text) in &self.files {
            std::fs::write(dir.join(name), fill(text)).expect("write file");
        }
        let config = dir.join("envoy.yaml");
        std::fs::write(&config, fill(&self.template)).expect("write config");
        let log_path = dir.join("envoy.log");
        let log = std::fs::File::create(&log_path).expect("log file");
        let admin_file = dir.join("admin.txt");
        let mut cmd = Command::new(envoy_bin());
        cmd.arg("-c")
            .arg(&config)
            .args(["--concurrency", &self.concurrency.to_string()])
            .args(["--disable-hot-restart", "-l", "info"])
            .env("ENVOY_DYNAMIC_MODULES_SEARCH_PATH", host::native_dir())
            .arg("--admin-address-path")
            .arg(&admin_file)
            .current_dir(repo())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log);
        // If this test process dies, take Envoy with it.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run Envoy at {}: {e} (run `make envoy`)", envoy_bin().display()));
        let mut envoy = Envoy {
            child,
            dir,
            admin: 0,
            listeners: Vec::new(),
            upstream,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(_)) = envoy.child.try_wait() {
                return Err(envoy.log());
            }
            if Instant::now() > deadline {
                return Err(format!("{}\n(timed out waiting for Envoy to be ready)", envoy.log()));
            }
            if envoy.admin == 0 {
                if let Ok(addr) = std::fs::read_to_string(&admin_file) {
                    envoy.admin = addr.trim().rsplit(':').next().and_then(|p| p.parse().ok()).unwrap_or(0);
                }
            }
            if envoy.admin != 0 && envoy.poll_ready() {
                return Ok(envoy);
            }
            thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A running Envoy; killed (and its log shown, if the test is failing) on drop.
pub struct Envoy {
    child: Child,
    dir: PathBuf,
    pub admin: u16,
    listeners: Vec<(String, u16)>,
    pub upstream: Upstream,
}

impl Envoy {
    /// Envoy with the default template and this plugin configuration.
    pub fn start(plugin_json: &str) -> Envoy {
        Self::start_with(DEFAULT_TEMPLATE, plugin_json)
    }

    pub fn start_with(template: &str, plugin_json: &str) -> Envoy {
        Launch::new(template, plugin_json).start()
    }

    /// Starts Envoy; `Err(log)` if it exits or does not become ready in time.
    pub fn try_start(template: &str, plugin_json: &str) -> Result<Envoy, String> {
        Launch::new(template, plugin_json).try_start()
    }

    fn poll_ready(&mut self) -> bool {
        let Ok(ready) = get("/ready").try_send_to(self.admin) else {
            return false;
        };
        if ready.status != 200 {
            return false;
        }
        self.refresh_listeners();
        !self.listeners.is_empty()
    }

    /// Re-reads the listeners' ports from the admin API (after an LDS update).
    pub fn refresh_listeners(&mut self) {
        let Ok(listeners) = get("/listeners?format=json").try_send_to(self.admin) else {
            return;
        };
        let Ok(json) = serde_json::from_slice::<serde_json::Value>(&listeners.body) else {
            return;
        };
        self.listeners = json["listener_statuses"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|l| {
                        let name = l["name"].as_str()?.to_string();
                        let port = l["local_address"]["socket_address"]["port_value"].as_u64()?;
                        Some((name, port as u16))
                    })
                    .collect()
            })
            .unwrap_or_default();
    }

    /// The port of a listener by name.
    pub fn port_of(&self, listener: &str) -> u16 {
        self.listeners
            .iter()
            .find(|(n, _)| n == listener)
            .map(|(_, p)| *p)
            .unwrap_or_else(|| panic!("no listener {listener:?}; have {:?}", self.listeners))
    }

    /// The port of the `edge` listener (the one with the filter).
    pub fn port(&self) -> u16 {
        self.port_of("edge")
    }

    /// The Envoy's scratch directory (its config, log and [`Launch::file`]s).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The Envoy process id (for its memory in `/proc`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the Envoy process is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("envoy.log")).unwrap_or_default()
    }

    /// Envoy's `/stats` text.
    pub fn stats(&self) -> String {
        String::from_utf8_lossy(&get("/stats").send_to(self.admin).body).into_owned()
    }

    /// One stat by its full name, if Envoy has it.
    pub fn stat(&self, name: &str) -> Option<u64> {
        let key = format!("{name}: ");
        self.stats()
            .lines()
            .find_map(|l| l.strip_prefix(&key).and_then(|v| v.trim().parse().ok()))
    }

    /// One of our counters of the `edge-shield` filter instance, e.g.
    /// `counter("default", "requests")`.
    pub fn counter(&self, policy: &str, name: &str) -> u64 {
        self.counter_of("edge-shield", policy, name)
    }

    /// A counter of a named filter instance (Envoy's Wasm `config.name`).
    pub fn counter_of(&self, plugin: &str, policy: &str, name: &str) -> u64 {
        let key = format!("{}edge_shield.{plugin}.{policy}.{name}", host::counter_prefix());
        self.stat(&key)
            .unwrap_or_else(|| panic!("no counter {key:?} in /stats"))
    }

    /// Live Wasm VMs: `wasm.wasm_vm_count` (Envoy 1.40), `wasm.envoy.wasm.runtime.v8.active`
    /// (earlier releases we support).
    pub fn vm_count(&self) -> u64 {
        let stats = self.stats();
        ["wasm.wasm_vm_count: ", "wasm.envoy.wasm.runtime.v8.active: "]
            .iter()
            .find_map(|key| stats.lines().find_map(|l| l.strip_prefix(key)?.trim().parse().ok()))
            .expect("a Wasm VM count in /stats")
    }

    /// Envoy's Wasm failure stats that are not zero, as `name: value` lines: a VM that
    /// failed (a panic, a trap) or was reloaded, a plugin that failed to configure.
    /// Empty means no Wasm failure since start. The native module has no VM: its
    /// failures are the panics its hooks caught (logged at critical).
    pub fn wasm_failures(&self) -> Vec<String> {
        if host::native() {
            return self
                .log()
                .lines()
                .filter(|l| l.contains("edge-shield: internal error") || l.contains("edge-shield: panicked"))
                .map(str::to_string)
                .collect();
        }
        self.stats()
            .lines()
            .filter(|l| is_wasm_failure_stat(l))
            .filter(|l| l.rsplit(": ").next().is_some_and(|v| v.trim() != "0"))
            .map(str::to_string)
            .collect()
    }
}

/// `/stats` lines that count Wasm VM failures (names as in Envoy 1.36–1.40).
pub fn is_wasm_failure_stat(line: &str) -> bool {
    let Some((name, _)) = line.split_once(": ") else {
        return false;
    };
    name.starts_with("wasm")
        && !name.starts_with("wasmcustom.")
        && ["fail", "crash", "reload", "restart"].iter().any(|w| name.contains(w))
}

impl Drop for Envoy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if thread::panicking() {
            eprintln!("----- envoy log ({}) -----\n{}\n-----", self.dir.display(), self.log());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Runs `envoy --mode validate` on a config file: (accepted, output).
pub fn validate(config: &Path) -> (bool, String) {
    let out = Command::new(envoy_bin())
        .arg("--mode")
        .arg("validate")
        .arg("-c")
        .arg(config)
        .args(["--disable-hot-restart", "-l", "info"])
        .env("ENVOY_DYNAMIC_MODULES_SEARCH_PATH", host::native_dir())
        .current_dir(repo())
        .output()
        .unwrap_or_else(|e| panic!("cannot run Envoy at {}: {e}", envoy_bin().display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Validates the default template with this plugin configuration.
pub fn validate_plugin(plugin_json: &str) -> (bool, String) {
    let dir = scratch_dir();
    let config = dir.join("envoy.yaml");
    std::fs::write(&config, render(DEFAULT_TEMPLATE, plugin_json, 9)).expect("write");
    let result = validate(&config);
    let _ = std::fs::remove_dir_all(&dir);
    result
}
