# chemflow: `make run` (demo) and `make test` (whole suite). Both install missing Debian
# packages first, so they work on a fresh Debian machine that has only Swift.
SHELL := /bin/bash
APT_PACKAGES := pkg-config libxc-dev libopenblas-dev liblapacke-dev libhdf5-dev libfftw3-dev libsymspg-dev
export OPENBLAS_NUM_THREADS := 1
# Vector code (AO values, exponentials, XC loops) uses AVX2/FMA when the build machine has them;
# the binary then runs on that machine and its kind, which is how `make run`/`make test` use it.
CPU_FLAGS := $(shell grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo && echo "-Xswiftc -target-cpu -Xswiftc haswell")
# Tests run optimised (the SCF reference tests are numerically heavy) with @testable imports allowed.
TEST_FLAGS := -c release -Xswiftc -enable-testing $(CPU_FLAGS)

.PHONY: all deps build run test clean

all: build

deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi

build: deps
	swift build -c release $(CPU_FLAGS)

run: build
	bash pipelines/demo.sh

# The tests write their scratch files under TMPDIR (FileManager.temporaryDirectory); a private
# directory per run, removed afterwards whether the tests pass or not, keeps them out of /tmp.
test: deps
	swift build $(TEST_FLAGS) --build-tests
	scratch=$$(mktemp -d); TMPDIR=$$scratch swift test $(TEST_FLAGS) --skip-build; status=$$?; rm -rf $$scratch; exit $$status

clean:
	rm -rf .build out
