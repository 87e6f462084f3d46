# exo developer tasks. `make test` is what CI runs (see .ci/run).
GO ?= go
PKGS := ./...

.PHONY: build test unit conformance vet lint fmt-check fmt fuzz deps-check update-golden ci

build:
	$(GO) build -o bin/exo ./cmd/exo

# The whole test suite: unit and integration tests (they launch their own
# throw-away PostgreSQL), then the conformance ratchet when ../shared is present.
test: build
	$(GO) test $(PKGS)

vet:
	$(GO) vet $(PKGS)

lint: vet
	$(GO) run honnef.co/go/tools/cmd/staticcheck@2025.1.1 $(PKGS)

fmt:
	gofmt -w $$(git ls-files '*.go')

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

fuzz:
	$(GO) test ./compiler/syntax -run '^$$' -fuzz FuzzParse -fuzztime $${FUZZTIME:-60s}

deps-check:
	$(GO) run ./internal/depscheck

update-golden:
	EXO_UPDATE=1 $(GO) test $(PKGS)
