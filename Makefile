# Thin wrapper over CMake: `make` builds into build/, `make check` runs every test.
BUILD ?= build
.PHONY: all check demo
all:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j2
