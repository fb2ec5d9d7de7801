PYTHON ?= python3
VENV   := .venv
STAMP  := $(VENV)/.installed

.PHONY: venv lint test demo bench eval clean

venv: $(STAMP)

# Debian's python3 lacks ensurepip until python3-venv is installed.
$(STAMP): pyproject.toml constraints.txt
	@if ! $(PYTHON) -m venv $(VENV); then \
	  [ "$$(id -u)" = 0 ] || { echo "python3 -m venv failed; install python3-venv" >&2; exit 1; }; \
	  rm -rf $(VENV); \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -q python3-venv || { apt-get update -q && apt-get install -y -q python3-venv; }; \
	  $(PYTHON) -m venv $(VENV); \
	fi
	$(VENV)/bin/python -m pip install -q -c constraints.txt -e '.[test,demo]'
	touch $@

# Formatting is checked on the modules written to ruff's format so far; the rest of the tree
# joins when it is reformatted in one go (doing it now would collide with work in flight).
FORMATTED := mailproc/lifecycle.py mailproc/reply_blocks.py mailproc/decide.py mailproc/rules/__init__.py \
	mailproc/rules/acknowledge.py mailproc/rules/conversation.py mailproc/views.py mailproc/defaults.py \
	mailproc/outbound.py mailproc/chase.py mailproc/escalate.py \
	tests/test_lifecycle.py tests/test_lifecycle_flow.py tests/test_decide.py tests/test_layers.py

lint: venv
	$(VENV)/bin/ruff check mailproc tests
	$(VENV)/bin/ruff format --check $(FORMATTED)
	$(VENV)/bin/mypy

test: venv lint
	$(VENV)/bin/python -m pytest

demo: venv
	$(VENV)/bin/mailproc demo

bench: venv
	@if [ -e tests/bench.py ] || [ -e tests/bench/__main__.py ]; then \
	  $(VENV)/bin/python -m tests.bench; \
	else \
	  echo "no benchmarks yet"; \
	fi

# How well the automatic judgements match the labelled mails in eval/ (printed, never asserted).
eval: venv
	$(VENV)/bin/python -m tests.evaluate

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
