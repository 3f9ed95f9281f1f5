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

test-node: $(STAMP)
	npx vitest run

test-xs: $(STAMP)
	node scripts/xs-test.mjs

test: typecheck test-node test-xs

bench: $(STAMP)
	npm run --silent bench
