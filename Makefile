# SPDX-License-Identifier: BSD-3-Clause
#
# Thin wrapper over CMake (docs/building.md):
#   make             build everything into build/ (the tool is build/xie)
#   make check       install missing test dependencies, build, run every test
#   make check-long  the same with the long versions (full-size differential
#                    and hardware tests, long fuzzing)
#   make demo        build, then run build/xie demo
#   make bench       build, then run the benchmarks (bench/run.sh)
#   make deps        install the packages the build and tests need (Debian 12)
#   make install     install into PREFIX (default /usr/local)
#   make clean       remove build/
# BUILD=dir selects another build directory.

BUILD ?= build
PREFIX ?= /usr/local
CMAKE_BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# CMake's own makefiles run below this one: keep their output free of directory noise.
MAKEFLAGS += --no-print-directory

.PHONY: all build check check-long demo bench deps install clean

all: build

build:
	@command -v cmake >/dev/null && command -v cc >/dev/null || bash scripts/deps.sh build
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(CMAKE_BUILD_TYPE)
	cmake --build $(BUILD) -j$(JOBS)

check:
	bash tests/run-all.sh --build $(BUILD)

check-long:
	bash tests/run-all.sh --long --build $(BUILD)

demo: build
	./$(BUILD)/xie demo

bench: build
	bash bench/run.sh $(BUILD)

deps:
	bash scripts/deps.sh test

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD)
