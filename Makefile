# Two commands on a fresh machine: `make run` (the app) and `make test` (the whole suite).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501
MNIST_SOURCE ?= ../shared/datasets/mnist

.PHONY: run test data bench clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt requirements-cluster.txt $(VENV)/.installed
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

# MNIST for the MNIST lab: from the local copy when there is one, else downloaded.
# Not fatal: without it the lab says in one sentence how to install it.
data: $(VENV)/.installed
	@$(PY) -c "import sys; from losslab import datasets as d; sys.exit(0 if d.mnist_available() else 1)" \
	  || ( [ -d "$(MNIST_SOURCE)" ] && $(PY) -m losslab data mnist --from "$(MNIST_SOURCE)" ) \
	  || $(PY) -m losslab data mnist \
	  || echo "MNIST not installed; the regression lab and the loss explorer work without it."

run: $(VENV)/.installed data
	$(PY) -m losslab serve --server.port $(PORT)

test: $(VENV)/.dev-installed
	$(PY) -m pytest

bench: $(VENV)/.dev-installed
	$(PY) benchmarks/seed_parity.py --quick

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
