# exo developer tasks. `make test` is what CI runs (see .ci/run).
GO ?= go
PKGS := ./...

.PHONY: build test unit conformance ratchet vet lint fmt-check fmt fuzz deps-check update-golden ci snapshot release-check

build:
	$(GO) build -o bin/exo ./cmd/exo

CONFORMANCE ?= ../shared/conformance

# The whole test suite: unit and integration tests (they launch their own
# throw-away PostgreSQL), then Exograph's conformance suite with the ratchet of
# tests known to pass (testdata/conformance/passing.txt) when it is present.
test: build
	$(GO) test $(PKGS)
	$(MAKE) --no-print-directory conformance

conformance: build
	@if [ -d "$(CONFORMANCE)/integration-tests" ]; then \
		./bin/exo test "$(CONFORMANCE)/integration-tests" --ratchet testdata/conformance/passing.txt; \
	else \
		echo "conformance suite not found at $(CONFORMANCE): skipped"; \
	fi

# Record the tests that pass now as the new ratchet (the list only grows).
ratchet: build
	./bin/exo test "$(CONFORMANCE)/integration-tests" --write-ratchet testdata/conformance/passing.txt

vet:
	$(GO) vet $(PKGS)

lint: vet
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 $(PKGS)

fmt:
	gofmt -w $$(git ls-files '*.go')

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# Fuzz the parser, then the whole compile core (parser, checker, lowering).
fuzz:
	$(GO) test ./compiler/syntax -run '^$$' -fuzz FuzzParse -fuzztime $${FUZZTIME:-60s}
	$(GO) test ./compiler -run '^$$' -fuzz FuzzCompile -fuzztime $${FUZZTIME:-60s}
	$(GO) test ./compiler -run '^$$' -fuzz FuzzParseWasm -fuzztime $${FUZZTIME:-60s}
	$(GO) test ./server/lambda -run '^$$' -fuzz FuzzParseEvent -fuzztime $${FUZZTIME:-60s}

deps-check:
	$(GO) run ./internal/depscheck

update-golden:
	EXO_UPDATE=1 $(GO) test $(PKGS)

GORELEASER ?= $(GO) run github.com/goreleaser/goreleaser/v2@v2.16.0

# Validate .goreleaser.yaml.
release-check:
	$(GORELEASER) check

# Build every release binary (exo, exo-server and exo-mcp-bridge for linux,
# darwin and windows, amd64 and arm64) and archive into dist/, without
# publishing anything. Works on a clone without tags (version 0.0.1-next).
snapshot:
	$(GORELEASER) release --snapshot --clean --skip=publish
