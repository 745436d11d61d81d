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

.PHONY: all deps run-deps test-deps build release run test bench fuzz clean

all: build

deps:
	@scripts/apt-ensure $(BUILD_DEPS)

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

test: test-deps
	@scripts/run-tests

bench: deps
	@scripts/run-bench

fuzz: deps
	@scripts/run-fuzz

clean:
	rm -rf .build
