"""The architecture's rules (docs/architecture.md), checked on every test run through the import graph (a fresh interpreter
imports a module and reports what else got imported), not a grep: only losslab/ui imports
streamlit; configs, the job engine and the figures are torch-free; pages hold no torch code."""

import json
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

TORCH_FREE = ["losslab.config", "losslab.fields", "losslab.i18n", "losslab.csvfile", "losslab.losses", "losslab.models", "losslab.jobs",
              "losslab.jobs.store", "losslab.jobs.service", "losslab.jobs.cli", "losslab.cli", "losslab.figures",
              "losslab.series", "losslab.study", "losslab.figures.study", "losslab.lessons", "losslab.jobs.lessons",
              "losslab.jobs.keyguard", "losslab.figures.lessons", "losslab.jobs.dialect", "losslab.jobs.migrations",
              "losslab.jobs.executors", "losslab.jobs.ray_executor", "losslab.replicas", "losslab.truth", "losslab.export", "losslab.settings",
              "losslab.labs", "losslab.lectures", "losslab.jobs.lectures", "losslab.qr"]


def imported_by(module: str) -> set[str]:
    code = f"import sys, json, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


@pytest.mark.parametrize("module", TORCH_FREE)
def test_module_is_torch_free(module):
    loaded = imported_by(module)
    assert "torch" not in loaded and "torchvision" not in loaded, f"{module} imports torch"
    assert "streamlit" not in loaded


def test_the_torch_free_registry_still_computes():
    # Reading the registry needs no torch; computing a loss imports it on first use.
    code = ("import sys; from losslab.losses import LOSSES; assert 'torch' not in sys.modules; "
            "print(float(LOSSES['mse'].value_and_grad([1.0], [3.0])[0]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "4.0"


STREAMLIT = re.compile(r"^\s*(import streamlit|from streamlit)", re.M)


def test_no_streamlit_import_outside_losslab_ui_even_inside_a_function():
    # The import graph below only sees module-level imports; a deferred one hides in a function.
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "losslab").rglob("*.py")
                 if p.relative_to(ROOT / "losslab").parts[0] != "ui" and STREAMLIT.search(p.read_text())]
    assert offenders == []


def test_only_losslab_ui_imports_streamlit():
    modules = [".".join(p.relative_to(ROOT).with_suffix("").parts) for p in (ROOT / "losslab").rglob("*.py")
               if p.relative_to(ROOT / "losslab").parts[0] != "ui"]
    modules = [m.removesuffix(".__init__") for m in modules if not m.endswith("__main__")]
    code = ("import sys, json, importlib\nout = {}\nfor m in %r:\n    importlib.import_module(m)\n"
            "    out[m] = 'streamlit' in sys.modules\nprint(json.dumps(out))") % modules
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert [m for m, st in json.loads(out.stdout).items() if st] == []


TORCH = re.compile(r"^\s*(import torch|from torch)", re.M)


def test_pages_hold_no_torch_code():
    files = [ROOT / "app.py", *(ROOT / "app_pages").glob("*.py")]
    assert len(files) >= 6
    assert [str(p.relative_to(ROOT)) for p in files if TORCH.search(p.read_text())] == []
    for page in files:  # and importing what a page imports loads no torch either
        imports = re.findall(r"^from (losslab[\w.]*) import", page.read_text(), re.M)
        assert all(m.startswith("losslab.ui") or m in TORCH_FREE for m in imports), (page.name, imports)


def test_no_legacy_pages_folder():
    # A pages/ folder would switch Streamlit back to file-based navigation (see app.py).
    assert not (ROOT / "pages").exists()


def test_every_page_in_the_navigation_table_exists():
    from losslab.ui.pages import PAGES

    assert {p.file for p in PAGES.values()} == {str(p.relative_to(ROOT)) for p in (ROOT / "app_pages").glob("*.py")}


def test_every_path_the_readme_names_exists():
    text = (ROOT / "README.md").read_text()
    named = set(re.findall(r"`((?:losslab|app_pages|benchmarks|scripts|tests|docs|deploy)/[\w./-]*)`", text))
    named |= set(re.findall(r"\]\(((?:docs)/[\w./-]+)\)", text))  # images
    assert named, "the README names files"
    assert sorted(p for p in named if not (ROOT / p).exists()) == []


def test_the_readme_states_the_limits_of_the_field_table():
    from losslab import fields
    from losslab.config import MAX_UPLOAD_ROWS, MnistConfig, RegressionConfig

    assert fields.limits_sentence(RegressionConfig, MnistConfig, MAX_UPLOAD_ROWS) in (ROOT / "README.md").read_text()


def _import_graph() -> dict[str, set[str]]:
    """losslab's modules and what each imports (from the AST, imports inside functions included):
    the graph ../shared/tools/import_cycles.py walks, so the hook and the suite agree."""
    import ast

    mods = {}
    for f in (ROOT / "losslab").rglob("*.py"):
        parts = list(f.relative_to(ROOT).with_suffix("").parts)
        mods[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = f
    edges = {m: set() for m in mods}
    for m, f in mods.items():
        base = m.split(".") if f.name == "__init__.py" else m.split(".")[:-1]
        for node in ast.walk(ast.parse(f.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                root = ".".join(base[:len(base) - node.level + 1]) if node.level else ""
                mod = ".".join(p for p in (root, node.module or "") if p)
                names = [mod] + [f"{mod}.{a.name}" for a in node.names]
            for n in names:
                while n and n not in mods:
                    n = n.rpartition(".")[0]
                if n and n != m and not m.startswith(n + "."):  # a package's own face is not a loop
                    edges[m].add(n)
    return edges


def _reach(edges, start) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for n in edges[todo.pop()] - seen:
            seen.add(n)
            todo.append(n)
    return seen


def test_no_import_cycle_in_losslab():
    edges = _import_graph()
    assert len(edges) > 80
    cycles = sorted(m for m in edges if m in _reach(edges, m))
    assert cycles == []


def test_the_ui_never_reaches_the_training_loop():
    """A page draws a lab's data, exact answers and runs without loading the loop: the UI imports
    the labs (their data and registry), never losslab.training or the runner. Statically, through
    every import (inside functions too) but the worker's: the web process starts workers (a
    process, a Ray actor) and never runs their code. And at run time, in a fresh interpreter."""
    edges = _import_graph()
    worker = "losslab.jobs.worker"
    edges = {m: (set() if m == worker else e) for m, e in edges.items()}
    ui = [m for m in edges if m.startswith("losslab.ui")]
    assert len(ui) > 20
    loop = {"losslab.training", "losslab.runner", "losslab.study_runner"}
    reached = {m: _reach(edges, m) & loop for m in ui}
    assert {m: r for m, r in reached.items() if r} == {}
    code = ("import sys, json, importlib\nfor m in %r:\n    importlib.import_module(m)\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('losslab'))))") % ui
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    assert "losslab.labs.regression" in loaded and loaded & loop == set()
    assert "losslab.training" in _reach(_import_graph(), worker)  # the check can fail: the worker does reach it
