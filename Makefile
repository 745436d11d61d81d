# Lorikeet: `make run` and `make test` work on a fresh Debian 12 machine with the Swift toolchain.
# Both install the missing Debian -dev packages first (apt-get, as root or through sudo).

SWIFT ?= swift
DATA_DIR ?= ./lorikeet-data
# C libraries the package links against.
BUILD_DEPS := pkg-config libssl-dev libsqlite3-dev libzstd-dev libjavascriptcoregtk-4.1-dev
# Programs the tests talk to (real peers over real sockets).
TEST_DEPS := mosquitto mosquitto-clients python3-pip valgrind
# Python packages the tests use as independent protocol peers.
PIP_TEST_DEPS := pytest paho-mqtt cryptography

.PHONY: all deps test-deps build release run test bench bench-memory fuzz clean

all: build

deps:
	@scripts/apt-ensure $(BUILD_DEPS)

test-deps: deps
	@scripts/apt-ensure $(TEST_DEPS)
	@scripts/pip-ensure $(PIP_TEST_DEPS)

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

run: build
	$(SWIFT) run lorikeet serve --data-dir $(DATA_DIR)

test: test-deps
	@scripts/run-tests

bench: deps
	@scripts/run-bench

# Network server memory (issue #3): 100 000 ABP devices with active sessions under 500 MB resident.
bench-memory: deps
	swift build -c release --product lorikeet
	.build/release/lorikeet bench ns-memory --devices 100000 --limit-mb 500

fuzz: deps
	@scripts/run-fuzz

clean:
	rm -rf .build
