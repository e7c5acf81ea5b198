# authgraph: `make demo` runs it locally, `make test` runs every test.
# Neo4j comes from Maven Central (no Docker): see `bin/authgraph neo4j --help`.

GO      ?= go
BIN     := bin/authgraph
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)

.PHONY: build neo4j test demo stop fmt vet

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/authgraph

# Fetch (first time), configure and start the local Neo4j; a no-op when it runs.
neo4j: build
	$(BIN) neo4j start

# Graph tests need Neo4j; they fail (never skip) without it.
test: neo4j
	$(GO) test -count=1 -timeout 20m ./...

demo: build
	scripts/demo.sh

stop: build
	$(BIN) neo4j stop

fmt:
	gofmt -w $$(git ls-files '*.go')

vet:
	$(GO) vet ./...
