# chemflow: `make run` (demo) and `make test` (whole suite). Both install missing Debian
# packages first, so they work on a fresh Debian machine that has only Swift.
SHELL := /bin/bash
APT_PACKAGES := pkg-config libxc-dev libopenblas-dev liblapacke-dev libhdf5-dev libfftw3-dev libsymspg-dev
export OPENBLAS_NUM_THREADS := 1
# Tests run optimised (the SCF reference tests are numerically heavy) with @testable imports allowed.
TEST_FLAGS := -c release -Xswiftc -enable-testing

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
	swift build -c release

run: build
	bash pipelines/demo.sh

test: deps
	swift build $(TEST_FLAGS) --build-tests
	swift test $(TEST_FLAGS) --skip-build

clean:
	rm -rf .build out
