# Lorikeet: `make run` and `make test` work on a fresh Debian 12 machine with the Swift toolchain.
# Both install the missing Debian -dev packages first (apt-get, as root or through sudo).

SWIFT ?= swift
DATA_DIR ?= ./lorikeet-data
# C libraries the package links against.
BUILD_DEPS := pkg-config libssl-dev libsqlite3-dev libzstd-dev libjavascriptcoregtk-4.1-dev
# Browser libraries the dashboard serves at /ui/vendor/ (from /usr/share/javascript); `run` and `test` install them.
RUN_DEPS := libjs-chart.js libjs-codemirror
# Programs the tests talk to (real peers over real sockets; headless Chromium for the dashboard).
TEST_DEPS := mosquitto mosquitto-clients python3-pip valgrind chromium chromium-driver
# Python packages the tests use as independent protocol peers.
PIP_TEST_DEPS := pytest paho-mqtt cryptography openapi-spec-validator selenium
# Programs the benchmarks drive (load generators).
BENCH_DEPS := wrk

.PHONY: all deps run-deps test-deps bench-deps build release run simulate test bench bench-http bench-broker-memory bench-memory fuzz clean

all: build

deps:
	@scripts/apt-ensure $(BUILD_DEPS)

bench-deps: deps
	@scripts/apt-ensure $(BENCH_DEPS)

run-deps:
	@scripts/apt-ensure $(RUN_DEPS)

test-deps: deps run-deps
	@scripts/apt-ensure $(TEST_DEPS)
	@scripts/pip-ensure $(PIP_TEST_DEPS)

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

run: build run-deps
	$(SWIFT) run lorikeet serve --data-dir $(DATA_DIR)

# Against the server `make run` started (in another terminal): provisions OTAA devices through its
# HTTP API with the admin key it wrote, joins them, sends uplinks, prints the JSON report.
# Override e.g. SIMULATE_ARGS="--devices 100 --rate 20 --duration 60 --mac-version 1.1.0".
SIMULATE_ARGS ?= --gateways 2 --devices 20 --rate 4 --duration 20 --confirmed 0.25
simulate:
	@test -f $(DATA_DIR)/admin.key || { echo "no $(DATA_DIR)/admin.key: start the server first (make run)"; exit 1; }
	$(SWIFT) run lorikeet simulate --target 127.0.0.1:1700 --api http://127.0.0.1:8080 \
		--api-key-file $(DATA_DIR)/admin.key $(SIMULATE_ARGS)

test: test-deps
	@scripts/run-tests

bench: bench-deps
	@scripts/run-bench

# HTTP API load test (wrk against a release `lorikeet serve`); see BENCHMARKS.md, "HTTP API".
bench-http: bench-deps
	@scripts/bench-http

# Issue #4: 10,000 idle MQTT clients against the release broker; prints its resident memory.
bench-broker-memory: test-deps
	$(SWIFT) build -c release --product lorikeet
	LORIKEET_BINARY=.build/release/lorikeet python3 -m pytest -s -q Tests/python/test_broker_memory.py

# Network server memory (issue #3): 100 000 ABP devices with active sessions under 500 MB resident.
bench-memory: deps
	swift build -c release --product lorikeet
	.build/release/lorikeet bench ns-memory --devices 100000 --limit-mb 500

fuzz: deps
	@scripts/run-fuzz

clean:
	rm -rf .build
