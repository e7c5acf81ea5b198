# authgraph: `make demo` runs it locally, `make test` runs every test.
# Neo4j comes from Maven Central (no Docker): see `bin/authgraph neo4j --help`.

GO      ?= go
BIN     := bin/authgraph
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)

.PHONY: build generate neo4j test demo stop fmt vet ui ui-test ui-bench

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/authgraph

# Everything derived from package schema's declarations, then gqlgen's code.
generate:
	$(GO) generate ./...

# Fetch (first time), configure and start the local Neo4j; a no-op when it runs.
neo4j: build
	$(BIN) neo4j start

# Graph tests need Neo4j; they fail (never skip) without it. Then the web
# app's browser tests (Debian's chromium: apt-get install chromium).
test: neo4j
	$(GO) test -count=1 -timeout 20m ./...
	$(MAKE) --no-print-directory ui-test

# The web app: web/app (TypeScript, Vite) builds into web/dist, which the
# binary embeds; web/dist is committed, so `go build` needs no Node. After
# changing web/app, run `make ui` and commit web/dist with the change.
UI := web/app

ui: $(UI)/node_modules
	npm --prefix $(UI) run build

$(UI)/node_modules: $(UI)/package-lock.json
	npm --prefix $(UI) ci
	@touch $@

# Browser tests: build, a simulator, a sync into a fresh tenant, serve, run.
ui-test: $(UI)/node_modules
	npm --prefix $(UI) run --silent e2e

# Graph view benchmark (5,000 nodes, 20,000 edges) in headless chromium.
ui-bench: $(UI)/node_modules
	npm --prefix $(UI) run --silent bench

demo: build
	scripts/demo.sh

stop: build
	$(BIN) neo4j stop

fmt:
	gofmt -w $$(git ls-files '*.go')

vet:
	$(GO) vet ./...
