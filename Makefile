# Linkback — the two commands a new user needs are `make run` and `make test`.

SWIFT ?= swift
CONFIG ?= config/linkback.yaml
BUILD_PACKAGES := libxml2-dev libsqlite3-dev pkg-config
TEST_PACKAGES := curl logrotate systemd python3 python3-pip fail2ban apache2 nginx-light chromium chromium-driver fonts-dejavu-core postgresql
# Python packages of the test peers: selenium drives Chromium, aiosmtpd is the mail server.
TEST_PYTHON := selenium aiosmtpd

.PHONY: all deps test-deps build release run check test screenshots check-config clean install install-systemd uninstall bench bench-spam bench-instructions bench-drain soak fuzz sanitize

all: build

deps:
	@scripts/ensure-packages.sh $(BUILD_PACKAGES)

test-deps: deps
	@scripts/ensure-packages.sh $(TEST_PACKAGES)
	@scripts/ensure-python.sh $(TEST_PYTHON)

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

run: build
	@mkdir -p var
	.build/debug/linkback serve --config $(CONFIG)

# Installing on a server (see the README's "Installing on a server"): PREFIX and DESTDIR as usual.
# BINARY defaults to the release build; `make install BINARY=.build/debug/linkback` installs another.
PREFIX ?= /usr/local
BINARY ?= .build/release/linkback
export PREFIX DESTDIR

# Builds the release binary first when swift is on the PATH (under sudo it usually is not: run
# `make release` as yourself first, then `sudo make install` installs what it built).
install:
	@if [ "$(BINARY)" = ".build/release/linkback" ] && command -v $(SWIFT) >/dev/null 2>&1; then $(MAKE) release; fi
	scripts/install.sh install $(BINARY)

install-systemd:
	scripts/install.sh systemd

uninstall:
	scripts/install.sh uninstall

check-config: build
	.build/debug/linkback check-config --config $(CONFIG)

# The fast tier, for contributors (CONTRIBUTING.md): no root and no test peers, only the build's own
# packages (their apt line is printed when missing). The core (with the SQLite store only), the
# in-process router tests and the docs checks; the end-to-end target is built but not run.
check:
	@scripts/ensure-packages.sh $(BUILD_PACKAGES)
	$(SWIFT) build --build-tests
	LINKBACK_TEST_STORES=sqlite $(SWIFT) test --skip-build --filter 'LinkbackCoreTests|LinkbackServerTests'

# Serially: the end-to-end suites start real servers, fail2ban and Apache, and on two cores
# their timing limits are only meaningful when they do not compete with each other.
# A hung test must fail the run, not eat CI's time: the suite takes a few minutes at most.
TEST_TIMEOUT ?= 1800

test: test-deps
	$(SWIFT) build --build-tests
	timeout --kill-after=30 $(TEST_TIMEOUT) $(SWIFT) test --skip-build --no-parallel

# Refreshes the README's screenshots of the widget and the dashboard (taken by the browser tests).
screenshots: test-deps
	$(SWIFT) build --build-tests
	mkdir -p docs/screenshots
	LINKBACK_SCREENSHOTS=$(CURDIR)/docs/screenshots $(SWIFT) test --skip-build --filter BrowserTests

# The benchmark suite (see BENCHMARKS.md): a release build against nginx, driven by wrk.
# BENCH_SECONDS, BENCH_RUNS and BENCH_CONNECTIONS tune it.
bench: deps
	@scripts/ensure-packages.sh curl wrk nginx-light python3 python3-pip libxml2-utils
	@scripts/ensure-python.sh mf2py
	$(SWIFT) build -c release
	benchmarks/run.sh

# How well copy detection holds spam that links, and what it costs (see BENCHMARKS.md): a labelled
# corpus from benchmarks/spam_corpus.py (fixed seed), checked in-process by the release binary.
bench-spam: deps
	$(SWIFT) build -c release --product linkback
	python3 benchmarks/spam_corpus.py $(CURDIR)/.build/spam-corpus
	.build/release/linkback bench-spam $(CURDIR)/.build/spam-corpus

# Instructions per request path, counted by callgrind: no noise, so a regression shows (see
# BENCHMARKS.md). BENCH_INSTR_PASSES tunes it.
bench-instructions: deps
	@scripts/ensure-packages.sh valgrind binutils python3
	$(SWIFT) build -c release --product linkback
	benchmarks/instructions.sh

# The 20 KB drain on a grown file, with the bytes written and the CPU time a verified mention
# (benchmarks/drain-writes.sh); BENCH_RUNS tunes it.
bench-drain: deps
	@scripts/ensure-packages.sh curl wrk nginx-light python3
	$(SWIFT) build -c release --product linkback
	benchmarks/drain-writes.sh

# Ten minutes of mixed traffic, memory sampled (benchmarks/soak.sh); SOAK_SECONDS shortens it.
soak: deps
	@scripts/ensure-packages.sh curl wrk nginx-light python3
	$(SWIFT) build -c release
	benchmarks/soak.sh

# libFuzzer on the parsers of remote data (see FUZZING.md); FUZZ_SECONDS per target (600).
FUZZ_SECONDS ?= 600
fuzz: deps
	SWIFT=$(SWIFT) scripts/fuzz.sh $(FUZZ_SECONDS)

# The test suite under ThreadSanitizer and AddressSanitizer (scripts/sanitize.sh); SANITIZERS picks
# one ("thread" or "address"). Slow (each builds everything again): not part of `make test`.
sanitize: test-deps
	SWIFT=$(SWIFT) scripts/sanitize.sh

clean:
	rm -rf .build .build-fuzz .build-tsan .build-asan var
