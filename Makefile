# hearth — the two commands of the README, plus bench/fuzz/sanitize helpers.
# Each target first installs missing Debian packages (as root, or with sudo).

BUILD      ?= build
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian 12 packages the build and tests need (see README: Dependencies).
DEB_PACKAGES := build-essential cmake ninja-build pkg-config git \
  nlohmann-json3-dev libcli11-dev libfmt-dev libspdlog-dev libpcre2-dev \
  libgtest-dev libgmock-dev libbenchmark-dev clang lld libclang-rt-14-dev \
  libboost-dev nodejs chromium \
  libtomlplusplus-dev libsqlite3-dev libssl-dev \
  redis-server libhiredis-dev
DEB_PACKAGES += wrk python3  # make bench-gateway: the load generator and its driver
DEB_PACKAGES += ca-certificates openssl  # gateway https upstreams: the system CA store; the e2e test's certificate

.PHONY: all deps build run test bench fuzz sanitize clean

all: build

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@# The e2e suite (tests/e2e) drives `hearth serve` with the official npm
	@# clients and headless Chromium; reinstalled whenever the lock file changes.
	@command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq npm
	@cmp -s tests/e2e/package-lock.json tests/e2e/.installed-lock.json || \
	  (cd tests/e2e && npm ci --no-audit --no-fund && cp package-lock.json .installed-lock.json)

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# The main job on the built-in model: it tells a story.
run: build
	./$(BUILD)/hearth run models/stories260K.gguf "Once upon a time" -n 256 --seed 42 --verbose

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: deps
	cmake -S . -B $(BUILD)-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DHEARTH_BENCH=ON -DHEARTH_TESTS=OFF
	cmake --build $(BUILD)-bench -j $(JOBS)
	./$(BUILD)-bench/bench/hearth_kernels_bench

# The gateway's load benchmark: wrk on loopback against a gateway in front of
# `hearth serve` (cache hits, pass-through, straight to the node; each wrk run
# 10 s, about a minute in all). A benchmark, not a test: not part of `make test`.
.PHONY: bench-gateway
bench-gateway: build
	python3 bench/gateway_load.py --build $(BUILD)

# Tests under AddressSanitizer + UBSan, and the libFuzzer targets, from one
# clang build tree: HEARTH_FUZZ instruments the whole library for ASan, UBSan
# and libFuzzer's coverage, and the tests link that same library. CI compiles
# the instrumented library once for both stages: ~13 minutes on its 2 cores,
# where a GCC ASan tree plus a clang fuzz tree took 20 + 4 (clang compiles
# ASan code ~35 % faster than GCC: 16 s against 26 s for router_test.cpp),
# and the tests run in 3 minutes under it against 4 under GCC's ASan.
# -O1 with line tables: the sanitizers' recommended level, reports that still
# name file and line. The tests' own code and the CLI front-end at -O0: they
# only drive the library, and ASan at -O1 made their ~170 files half of the
# tree's compile time (a test file 9 s at -O1, 5.7 at -O0); the library and
# its kernels stay at -O1. (-DHEARTH_SANITIZE=ON is the same check with GCC.)
SANITIZE_BUILD := $(BUILD)-san
FUZZ_SECONDS ?= 60
define configure_sanitize
	CC=clang CXX=clang++ cmake -S . -B $(SANITIZE_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" -DHEARTH_FUZZ=ON \
	  -DHEARTH_TEST_OPT=-O0 -DHEARTH_CLI_OPT=-O0 $(CMAKE_ARGS)
endef

# The tests labelled `browser` (tests/e2e pages in headless Chromium: ~35 s of
# CI's 40 minutes under ASan, mostly the browser's) run in `make test` only:
# the endpoints they call run under the sanitizers in the other e2e and
# server tests.
sanitize: deps
	$(configure_sanitize)
	cmake --build $(SANITIZE_BUILD) -j $(JOBS)
	cd $(SANITIZE_BUILD) && ctest --output-on-failure -j $(JOBS) -LE browser

# libFuzzer targets (the tree above), each run for FUZZ_SECONDS on its seed corpus.
fuzz: deps
	$(configure_sanitize)
	cmake --build $(SANITIZE_BUILD) -j $(JOBS) --target hearth_fuzzers
	FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run_all.sh $(SANITIZE_BUILD)

clean:
	rm -rf $(BUILD) $(SANITIZE_BUILD) $(BUILD)-bench
