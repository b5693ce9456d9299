# Two commands on a fresh Debian machine: `make run` and `make test`.
# Both bootstrap what is missing first: Tesseract with Swedish data and python3-venv (apt),
# and .venv from requirements.lock.

VENV      := .venv
PY        := $(VENV)/bin/python
# Every Python package, transitive ones, pip and setuptools included, pinned with hashes.
# Written by `make lock` (uv pip compile); `make` installs exactly this, hashes required.
LOCK      := requirements.lock
# The stamp names the pyproject.toml and lock it was built from: changing either rebuilds .venv.
STAMP     := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) | sha1sum | cut -c1-12)
APT_PKGS  := tesseract-ocr tesseract-ocr-swe poppler-utils fonts-dejavu-core chromium python3-venv
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTEST_ARGS ?=

.PHONY: bootstrap system-deps lock run test bench clean

bootstrap: system-deps $(STAMP)

system-deps:
	@if ! command -v tesseract >/dev/null 2>&1 || ! tesseract --list-langs 2>/dev/null | grep -qx swe \
	    || ! command -v pdftoppm >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1 || ! test -f /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf \
	    || ! python3 -c 'import ensurepip, venv' 2>/dev/null; then \
	  echo "Installing $(APT_PKGS) with apt-get"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PKGS) >/dev/null; \
	fi

# One package's entry (name==version and its hash lines) from the lock, into a file of its own.
lock_entry = awk '/^$(1)==/{p=1} p{print} p&&!/\\$$/{exit}' $(LOCK) > $(VENV)/$(1).lock

# .venv is made afresh from the lock whenever the lock or pyproject.toml changes, so it holds
# exactly what the lock says (nothing left over from an older one). Locked pip first, then
# the lock with --require-hashes and --no-deps (a package missing from the lock fails
# `pip check` instead of being fetched unpinned), then finsam itself, built by the locked
# setuptools.
$(STAMP): pyproject.toml $(LOCK)
	@if [ -d $(VENV) ]; then echo "$(LOCK) or pyproject.toml changed: rebuilding $(VENV)"; rm -rf $(VENV); fi
	python3 -m venv $(VENV)
	@$(call lock_entry,pip)
	$(PY) -m pip install -q --require-hashes --no-deps -r $(VENV)/pip.lock
	$(PY) -m pip install -q --require-hashes --no-deps -r $(LOCK)
	rm -rf finsam.egg-info  # left by older installs; it would shadow the installed metadata
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	$(PY) -m pip check
	@touch $@

# Re-resolve the lock after changing dependencies in pyproject.toml (current pins are kept
# where they still fit). Newer releases: `make lock LOCK_ARGS=--upgrade`, or one package:
# `make lock LOCK_ARGS="--upgrade-package NAME"`. Then `make test` rebuilds .venv from it.
# uv comes from the lock too (pyproject's dev extra), installed by hash when .venv lacks it.
LOCK_ARGS ?=
lock:
	@test -x $(VENV)/bin/uv || { test -x $(PY) || python3 -m venv $(VENV); \
	  $(call lock_entry,uv) && $(PY) -m pip install -q --require-hashes --no-deps -r $(VENV)/uv.lock; }
	cp $(LOCK) $(LOCK).new
	$(VENV)/bin/uv pip compile pyproject.toml requirements-build.in --extra dev --universal \
	    --python-version 3.11 --generate-hashes --native-tls --custom-compile-command "make lock" \
	    $(LOCK_ARGS) -o $(LOCK).new
	@# replaced only when it changed: an unchanged lock must not rebuild .venv
	@if cmp -s $(LOCK).new $(LOCK); then rm $(LOCK).new; echo "$(LOCK) unchanged"; \
	 else mv $(LOCK).new $(LOCK); echo "$(LOCK) updated: make test rebuilds .venv from it"; fi

# The fictional sample förbund goes to outputs/samples: outputs/ itself is the kansli's
# (what finsam watch, serve and run ingest write), and the two must not mix in one report.
run: bootstrap
	$(VENV)/bin/finsam process corpus/samples --out outputs/samples

# pytest exits 5 when it collected no test: that is a failure of the suite, not a pass.
test: bootstrap
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Issue 17's four rows (text, OCR, tables, Prefect load), each beside its same-run baseline;
# about 12 minutes on 2 cores. One row: `make bench BENCH_ARGS="--only tables"`.
BENCH_ARGS ?=
bench: bootstrap
	$(PY) benchmarks/bench_speed.py $(BENCH_ARGS)

clean:
	rm -rf outputs/documents outputs/errors outputs/tables outputs/reports outputs/finsam.duckdb .cache outputs/samples
