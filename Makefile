# opsconsole. `make demo` runs the console on the simulated fleet; `make test`
# installs the real test peers (kinesis-local, kube-apiserver, etcd) and runs
# every test with them required.
GO       ?= go
BIN      := bin/opsconsole
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
PKGS     := ./...

.PHONY: build demo test test-unit peers bench bench-decode lint smoke clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/opsconsole

demo: build
	./$(BIN) --demo

# Every test, with the real peers installed first and required: a missing
# peer fails the run instead of skipping its suite.
test: peers build
	OPSCONSOLE_REQUIRE_PEERS=1 $(GO) test -count=1 -timeout 30m $(PKGS)
	scripts/smoke-tmux.sh $(BIN)

# Unit tests only: suites needing a real peer skip when it is absent.
test-unit:
	$(GO) test $(PKGS)

peers:
	scripts/peers/setup.sh

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)
	# The tail must keep up with 8 shards at 2 MiB/s each on one core.
	$(GO) test -run '^$$' -bench 8Shards -cpu 1 -benchtime 6x ./internal/aws/tail/

# opsconsole decode against a plain Python 3 decoder on the same 100 MB.
bench-decode:
	scripts/bench-decode.sh

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet $(PKGS)

smoke: build
	scripts/smoke-tmux.sh $(BIN)

clean:
	rm -rf bin
