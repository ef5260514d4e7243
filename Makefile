# The two commands of the README: `make run` (set up everything and run the main job) and `make test`.
SYSTEM_PACKAGES := libopenblas-dev libpng-dev zlib1g-dev libreadline-dev libcairo2-dev fonts-dejavu-core graphviz dataset-fashion-mnist libsqlite3-dev libzmq3-dev python3-jupyter-client jupyter-client jupyter-nbconvert libpq-dev
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test deps build bench install install-files

## Install the system packages (Debian/Ubuntu), build in release mode and run the quickstart notebook.
run: deps build
	.build/release/evo notebook run notebooks/01-tour.evo -o evo-out/01-tour.ipynb --html evo-out/01-tour.html
	@echo "outputs: evo-out/01-tour.ipynb and evo-out/01-tour.html (pictures inside both)"

## Run the whole test suite.
test:
	swift test

## Install the system libraries and the Fashion-MNIST data set (skipped when all are present).
deps:
	@if dpkg -s $(SYSTEM_PACKAGES) >/dev/null 2>&1; then echo "system packages present"; \
	else $(SUDO) apt-get update && $(SUDO) apt-get install -y $(SYSTEM_PACKAGES); fi

build:
	swift build -c release --product evo

## Install `evo` into PREFIX/bin and the standard library into PREFIX/share/evo/stdlib
## (`make install PREFIX=~/.local`; the default PREFIX is /usr/local).
PREFIX ?= /usr/local
EVO_BIN ?= .build/release/evo
install: build
	@$(MAKE) --no-print-directory install-files PREFIX="$(PREFIX)" EVO_BIN="$(EVO_BIN)"

## The copying half of `install`, for an `evo` that is already built (EVO_BIN).
install-files:
	install -d "$(DESTDIR)$(PREFIX)/bin" "$(DESTDIR)$(PREFIX)/share/evo/stdlib"
	install -m 755 "$(EVO_BIN)" "$(DESTDIR)$(PREFIX)/bin/evo"
	install -m 644 stdlib/*.evo "$(DESTDIR)$(PREFIX)/share/evo/stdlib/"

## Benchmarks (release build); EVO_BENCH_PYTHON names a Python with torch for the baseline columns.
bench:
	swift run -c release evo-bench tensor
	swift run -c release evo-bench graph
