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

# Tests under AddressSanitizer + UBSan. -O1 -g1 (line tables): the sanitizers'
# recommended level, with reports that still name file and line, and half the
# compile time of -O2 -g (measured on router.cpp and gateway.cpp: 29 -> 13 s,
# 53 -> 27 s), which keeps CI inside its time limit.
SANITIZE_FLAGS := -O1 -g1
sanitize: deps
	cmake -S . -B $(BUILD)-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHEARTH_SANITIZE=ON \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$(SANITIZE_FLAGS)"
	cmake --build $(BUILD)-asan -j $(JOBS)
	cd $(BUILD)-asan && ctest --output-on-failure -j $(JOBS)

# libFuzzer targets (clang), each run for FUZZ_SECONDS on its seed corpus.
FUZZ_SECONDS ?= 60
fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(BUILD)-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
	  -DHEARTH_FUZZ=ON -DHEARTH_TESTS=OFF
	cmake --build $(BUILD)-fuzz -j $(JOBS) --target hearth_fuzzers
	FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run_all.sh $(BUILD)-fuzz

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-fuzz $(BUILD)-bench
