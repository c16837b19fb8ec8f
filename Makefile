# Two commands do all set-up on a fresh Debian 12 machine:
#   make run   installs what is missing, builds, and starts the server on the embedded default
#   make test  installs what is missing, builds, and runs every test through ctest: once in the
#              normal build, then once more in a clang build with ASan + UBSan in which the fuzz
#              targets run libFuzzer (SANITIZE=0 skips that second pass)
BUILD_DIR ?= build
SAN_DIR ?= build-san
SANITIZE ?= 1
BUILD_TYPE ?= RelWithDebInfo
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc)

DEB_PACKAGES := build-essential cmake ninja-build pkg-config libssl-dev openssl \
	qt6-base-dev qt6-websockets-dev qt6-httpserver-dev libqt6sql6-sqlite libgl-dev \
	qtkeychain-qt6-dev xvfb xauth coturn chromium clang clang-format libclang-rt-14-dev \
	libsystemd-dev systemd dpkg-dev file strace nats-server libnats-dev \
	g++-mingw-w64-x86-64 wine wine64 wixl msitools ffmpeg qt6-charts-dev libqt6opengl6-dev libqt6svg6

.PHONY: run test test-sanitize build deps configure clean format format-check deb msi

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	command -v node >/dev/null 2>&1 || missing="$$missing nodejs"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
		$$SUDO apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $$missing; \
	fi
	@if [ -f tests/e2e/package.json ] && [ ! -d tests/e2e/node_modules/playwright-core ]; then \
		cd tests/e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund; \
	fi
	@if [ -f tests/go2rtc-standin/package.json ] && [ ! -d tests/go2rtc-standin/node_modules/werift ]; then \
		cd tests/go2rtc-standin && npm ci --no-audit --no-fund; \
	fi

configure: deps
	@if [ ! -f $(BUILD_DIR)/build.ninja ]; then \
		cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
			$$( [ -n "$$CI" ] && echo -DSB_WERROR=ON ) $(CMAKE_FLAGS); \
	fi

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(BUILD_DIR)/bin/switchboard-server $(ARGS)

test: build format-check
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600
	@if [ "$(SANITIZE)" = 1 ]; then $(MAKE) --no-print-directory test-sanitize; fi

# Debian packages (CPack, components switchboard-server and switchboard-console) into dist/,
# from the normal build directory.
deb: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target switchboard-server switchboard-console
	cd $(BUILD_DIR) && cpack -G DEB
	@ls -1 dist/*.deb

# The whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer (any finding fails the
# test), with the fuzz targets built for libFuzzer. -O1 and line tables only keep the build short.
test-sanitize: deps
	@if [ ! -f $(SAN_DIR)/build.ninja ]; then \
		CC=clang CXX=clang++ cmake -S . -B $(SAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
			"-DCMAKE_CXX_FLAGS_DEBUG=-O1 -gline-tables-only" -DSB_SANITIZE=ON -DSB_FUZZ=ON \
			$$( [ -n "$$CI" ] && echo -DSB_WERROR=ON ) $(CMAKE_FLAGS); \
	fi
	cmake --build $(SAN_DIR) -j $(JOBS)
	cd $(SAN_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 900

# Layout is decided by .clang-format; make test fails on a file that does not follow it.
FORMAT_FILES = $(shell git ls-files '*.cpp' '*.h')
format:
	clang-format -i $(FORMAT_FILES)

format-check: deps
	clang-format --dry-run -Werror $(FORMAT_FILES)

# The Windows installer, built with wixl into dist/. Without MSI_STAGE (a folder with the real
# Windows binaries, as .github/workflows/windows.yml stages them) its binaries are PLACEHOLDER
# files: this machine has no Qt for Windows. The MSI's tables are the real ones either way.
VERSION := $(shell awk '/^project.switchboard VERSION/ { print $$3 }' CMakeLists.txt)
MSI_STAGE ?=
MSI_NAME = switchboard-$(VERSION)$(if $(MSI_STAGE),,-placeholders).msi
msi: deps
	packaging/windows/build-msi.sh dist/$(MSI_NAME) $(VERSION) $(MSI_STAGE)

clean:
	rm -rf $(BUILD_DIR) $(SAN_DIR) dist
