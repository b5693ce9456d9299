# Two commands on a fresh Debian machine: `make run` and `make test`.
# Both bootstrap what is missing first: Tesseract with Swedish data (apt) and .venv.

VENV      := .venv
PY        := $(VENV)/bin/python
STAMP     := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
APT_PKGS  := tesseract-ocr tesseract-ocr-swe poppler-utils fonts-dejavu-core chromium
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTEST_ARGS ?=

.PHONY: bootstrap system-deps run test bench clean

bootstrap: system-deps $(STAMP)

system-deps:
	@if ! command -v tesseract >/dev/null 2>&1 || ! tesseract --list-langs 2>/dev/null | grep -qx swe \
	    || ! command -v pdftoppm >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1 || ! test -f /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf; then \
	  echo "Installing $(APT_PKGS) with apt-get"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PKGS) >/dev/null; \
	fi

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

run: bootstrap
	$(VENV)/bin/finsam process corpus/samples --out outputs

# pytest exits 5 when it collected no test: that is a failure of the suite, not a pass.
test: bootstrap
	$(VENV)/bin/pytest $(PYTEST_ARGS)

bench: bootstrap
	$(PY) benchmarks/bench_read.py
	$(PY) benchmarks/bench_tables.py

clean:
	rm -rf outputs/documents outputs/errors outputs/tables outputs/reports outputs/finsam.duckdb .cache
