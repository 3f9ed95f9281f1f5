# System 5 — top-level tasks. `make test` is the one command CI runs (.ci/run).
#   make test                 install dependencies if needed, type-check, run every test (Node + XS)
#   make bench                simulator and core benchmarks, printed as figures
#   make build BOARD=<board>  firmware image with the Moddable SDK (heltec-v2 | tbeam | heltec-v3)
#   make flash BOARD=<board>  build and flash over USB

STAMP := node_modules/.system5-installed

.PHONY: install test typecheck test-node test-xs bench build flash

$(STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

install: $(STAMP)

typecheck: $(STAMP)
	npx tsc -p tsconfig.json
	npx tsc -p src/core/tsconfig.json
	npx tsc -p tsconfig.moddable.json
	npx tsc -p src/view/tsconfig.json

test-node: $(STAMP)
	npx vitest run

test-xs: $(STAMP)
	node scripts/xs-test.mjs

test: typecheck test-node test-xs

bench: $(STAMP)
	npm run --silent bench

# ─── Firmware (needs the Moddable SDK and ESP-IDF; nothing else in this Makefile does) ───────────
# mcconfig compiles the TypeScript itself with the `tsc` it finds on PATH: the project's own
# TypeScript (node_modules/.bin) goes first so the SDK uses the version CI checks with.
# mcconfig lower-cases its whole -p argument, so the target folder is given relative to this
# directory (always lower-case) and mcconfig runs from here: the checkout's own path may hold
# capitals. The SDK checkout and the output folder are not lower-cased; -o must exist.
# -m makes mcconfig run the generated make file (without it, it only writes it); -t build stops
# before flashing.
BOARDS := heltec-v2 tbeam heltec-v3
FIRMWARE_OUT := $(CURDIR)/out/firmware
MCCONFIG = mcconfig -m -p esp32:./boards/$(BOARD) -o $(FIRMWARE_OUT) $(if $(DEBUG),-d,)

.PHONY: check-firmware-tools

check-firmware-tools:
	@case " $(BOARDS) " in *" $(BOARD) "*) ;; *) \
	  echo "make: BOARD must be one of: $(BOARDS) (got '$(BOARD)'), e.g. make build BOARD=tbeam" >&2; exit 2;; esac
	@if [ -z "$$MODDABLE" ]; then \
	  echo "make: \$$MODDABLE is not set. Building firmware needs the Moddable SDK (8.2.x) with ESP-IDF" >&2; \
	  echo "      (v6.0 for SDK 8.2.3): install both per the SDK's documentation/devices/esp32.md, then" >&2; \
	  echo "      export MODDABLE=<sdk checkout>, put \$$MODDABLE/build/bin/<os>/release on PATH and" >&2; \
	  echo "      source \$$IDF_PATH/export.sh. Host tests and the host run do not need any of this." >&2; \
	  exit 2; fi
	@command -v mcconfig >/dev/null 2>&1 || { \
	  echo "make: mcconfig is not on PATH; build the SDK tools and add \$$MODDABLE/build/bin/<os>/release to PATH" >&2; exit 2; }
	@if [ -z "$$IDF_PATH" ]; then \
	  echo "make: \$$IDF_PATH is not set: source the ESP-IDF export.sh (ESP-IDF v6.0 for Moddable 8.2.3) first" >&2; exit 2; fi

# The SDK check runs first: without the SDK nothing is installed. The install is a recursive make
# so that it still comes after the check under make -j.
build flash: check-firmware-tools
	@$(MAKE) --no-print-directory install
	mkdir -p $(FIRMWARE_OUT)
	PATH="$(CURDIR)/node_modules/.bin:$$PATH" $(MCCONFIG) $(if $(filter build,$@),-t build,) manifest.json
