# authgraph: `make demo` runs it locally, `make test` runs every test.
# Neo4j comes from Maven Central (no Docker): see `bin/authgraph neo4j --help`.

GO      ?= go
BIN     := bin/authgraph
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)

.PHONY: build generate neo4j test test-neo4j demo stop fmt vet ui ui-test ui-bench

build:
	@echo "build: compiling $(BIN) (the web app in web/dist is embedded; the first build also compiles the dependencies, about a minute)"
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/authgraph

# Everything derived from package schema's declarations, then gqlgen's code.
generate:
	$(GO) generate ./...

# Fetch (first time), configure and start the local Neo4j; a no-op when it runs.
neo4j: build
	$(BIN) neo4j start

# Tests never touch the user's graph: they use a Neo4j of their own (its own
# folder and port; NEO4J_URI still overrides), started here when needed.
TEST_NEO4J_DIR  := .authgraph/neo4j-test
TEST_NEO4J_PORT := 7688
TEST_ENV        := AUTHGRAPH_NEO4J_DIR=$(abspath $(TEST_NEO4J_DIR))

test-neo4j: build
	@if [ -z "$$NEO4J_URI" ]; then \
		echo "test: the tests' own Neo4j ($(TEST_NEO4J_DIR), port $(TEST_NEO4J_PORT)); fetched from Maven Central on first use"; \
		$(BIN) neo4j start --dir $(TEST_NEO4J_DIR) --port $(TEST_NEO4J_PORT) --heap 1g --page-cache 256m; \
	fi

# Graph tests need Neo4j; they fail (never skip) without it. One line per
# package as it finishes (internal/cmd/testfmt), then the web app's browser
# tests (Debian's chromium: apt-get install chromium).
test: test-neo4j
	@$(GO) build -o bin/testfmt ./internal/cmd/testfmt
	@echo "test: go test ./... (a line per package as it finishes; graph packages run one at a time)"
	@$(TEST_ENV) bash -o pipefail -c '$(GO) test -json -count=1 -timeout 20m ./... | bin/testfmt'
	@$(TEST_ENV) $(MAKE) --no-print-directory ui-test

# The web app: web/app (TypeScript, Vite) builds into web/dist, which the
# binary embeds; web/dist is committed, so `go build` needs no Node. After
# changing web/app, run `make ui` and commit web/dist with the change.
UI := web/app

ui: $(UI)/node_modules
	npm --prefix $(UI) run build

$(UI)/node_modules: $(UI)/package-lock.json
	@echo "ui: installing the web app's npm packages into $(UI)/node_modules (once)"
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
	$(BIN) neo4j stop --dir $(TEST_NEO4J_DIR)

fmt:
	gofmt -w $$(git ls-files '*.go')

vet:
	$(GO) vet ./...
