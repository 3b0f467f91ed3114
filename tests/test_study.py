"""The label-noise study: its config (one sentence for a bad one), its cells (same start, same
wrong labels, only the loss differs), the runner as one job through a real worker, the table
(mean ± sd), its downloads, and on real MNIST the lesson the page teaches."""

import csv
import io
import statistics

import pytest
import torch

from losslab import fields, study
from losslab.config import MAX_STUDY_CELLS, NOISE_PAIRS, MnistConfig, StudyConfig, config_from_json, to_query
from losslab.figures.study import table_png
from losslab.jobs.executors import LocalExecutor
from losslab.jobs.errors import LimitError
from losslab.jobs.service import JobService
from losslab.models import build_model
from losslab.runner import run
from losslab.labs.mnist import mnist_data
from losslab.training import ListReporter
from tests.conftest import app

TINY = dict(train_subset=100, batch_size=20, epochs=2)


def test_default_study_is_valid_and_round_trips_through_json_and_a_link():
    c = StudyConfig()
    assert c.n_cells == 8 and config_from_json(c.to_json()) == c
    c2 = StudyConfig(losses=("gce", "cross_entropy"), noise_rates=(20.0, 60.0), noise_kind="pairs", repeats=3)
    query = to_query(c2)
    assert query["losses"] == "gce,cross_entropy" and query["noise_rates"] == "20,60"
    back = StudyConfig(**{k: fields.parse(StudyConfig, k, v) for k, v in query.items()})
    assert back == c2


@pytest.mark.parametrize("change, needle", [
    ({"losses": ()}, "losses must hold at least one of cross_entropy"),
    ({"losses": ("mse",)}, "losses must be one of"),
    ({"losses": ("gce", "gce")}, "losses must not name a value twice"),
    ({"noise_rates": (33.0,)}, "noise_rates must be one of 0, 20, 40, 60, 80"),
    ({"repeats": 6}, "repeats must be in [1, 5]"),
    ({"losses": ("cross_entropy", "mae_prob", "gce", "sce"), "noise_rates": (0.0, 20.0, 40.0, 60.0), "repeats": 4},
     f"at most {MAX_STUDY_CELLS} runs"),
    ({"train_subset": 100, "batch_size": 500}, "batch_size must be in [1, 100]"),
])
def test_a_bad_study_gets_one_sentence(change, needle):
    with pytest.raises(ValueError) as exc:
        StudyConfig(**change)
    assert needle in str(exc.value) and "\n" not in str(exc.value)


def test_parse_reads_several_values_from_a_link_and_names_the_bad_one():
    assert fields.parse(StudyConfig, "losses", "gce, sce") == ("gce", "sce")
    with pytest.raises(ValueError, match="noise_rates must be a number; got 'lots'"):
        fields.parse(StudyConfig, "noise_rates", "20,lots")


def test_cells_differ_only_in_the_loss_within_a_seed_and_rate(tiny_mnist):
    c = StudyConfig(losses=("cross_entropy", "gce"), noise_rates=(40.0,), repeats=2, **TINY)
    cells = c.cells()
    assert [(x.loss, x.seed) for x in cells] == [("cross_entropy", 0), ("gce", 0), ("cross_entropy", 1), ("gce", 1)]
    a, b, other_seed = cells[0], cells[1], cells[2]
    assert all(torch.equal(p, q) for p, q in zip(build_model(a).parameters(), build_model(b).parameters()))
    assert torch.equal(mnist_data(a).train_y, mnist_data(b).train_y)  # the same wrong labels
    assert not torch.equal(mnist_data(a).train_y, mnist_data(other_seed).train_y)


def test_pair_noise_turns_each_source_class_into_its_look_alike(tiny_mnist):
    clean = mnist_data(MnistConfig(**TINY))
    full = mnist_data(MnistConfig(label_noise=100.0, noise_kind="pairs", **TINY))
    half = mnist_data(MnistConfig(label_noise=50.0, noise_kind="pairs", **TINY))
    for source, target in NOISE_PAIRS.items():
        of_class = clean.train_y == source
        assert (full.train_y[of_class] == target).all()
        assert (half.train_y[of_class] == target).sum() == round(int(of_class.sum()) / 2)
    untouched = ~torch.isin(clean.train_y, torch.tensor(list(NOISE_PAIRS)))
    assert torch.equal(full.train_y[untouched], clean.train_y[untouched])


def test_runner_files_each_cell_under_its_key_and_tabulates_mean_and_sd(tiny_mnist):
    c = StudyConfig(losses=("cross_entropy", "mae_prob"), noise_rates=(0.0, 40.0), repeats=2, **TINY)
    rep = ListReporter()
    result = run(c, rep)
    assert result.status == "completed" and result.final == {"cells_done": 8, "cells": 8}
    steps = [r[0] for r in rep.rows]
    assert steps == sorted(steps) and steps[-1] == 8 * 2  # study-wide steps: polling "after step N" works
    keys = {r[2] for r in rep.rows}
    assert keys == {study.cell_key(l, r, s) for l in c.losses for r in c.noise_rates for s in (0, 1)}
    # progress: one snapshot per cell start, then the final one with every cell
    progress = [p for _, kind, p in rep.snapshots if kind == "study"]
    assert [p["done"] for p in progress] == [0, 1, 2, 3, 4, 5, 6, 7, 8]
    cells = progress[-1]["cells"]
    rows = study.table(cells, c.losses, c.noise_rates)
    assert [(r.loss, r.rate, r.n) for r in rows] == [("cross_entropy", 0.0, 2), ("mae_prob", 0.0, 2),
                                                    ("cross_entropy", 40.0, 2), ("mae_prob", 40.0, 2)]
    ce40 = [x["accuracy"] for x in cells if x["loss"] == "cross_entropy" and x["rate"] == 40.0]
    assert rows[2].accuracy == pytest.approx(statistics.mean(ce40))
    assert rows[2].accuracy_sd == pytest.approx(statistics.stdev(ce40))
    assert rows[0].memorised is None and rows[2].memorised is not None  # no wrong labels at 0 %
    # the accuracies filed per epoch are the ones the cell ended with
    acc = study.accuracy_series({f"{k}/accuracy": ([r[0] for r in rep.rows if r[2] == k and r[3] == "accuracy"],
                                                   [r[4] for r in rep.rows if r[2] == k and r[3] == "accuracy"])
                                 for k in keys})
    first = study.cell_key("cross_entropy", 40.0, 0)
    assert acc[first][0] == [1, 2]
    assert acc[first][1][-1] == pytest.approx(cells[2]["accuracy"])


def test_stopping_a_study_keeps_the_finished_cells_out_of_the_stopped_one(tiny_mnist):
    c = StudyConfig(losses=("cross_entropy", "gce", "sce"), noise_rates=(40.0,), **TINY)
    calls = {"n": 0}

    def stop_in_second_cell():
        calls["n"] += 1
        return calls["n"] > 14  # 5 batches × 2 epochs per cell: stops inside the second cell

    rep = ListReporter()
    result = run(c, rep, stop_in_second_cell)
    cells = [p for _, kind, p in rep.snapshots if kind == "study"][-1]["cells"]
    assert result.status == "stopped" and [x["status"] for x in cells] == ["completed", "stopped"]
    assert [r.loss for r in study.table(cells, c.losses, c.noise_rates)] == ["cross_entropy"]


def test_a_study_is_one_job_against_the_cap_with_progress_and_a_table(tmp_path, tiny_mnist):
    db = tmp_path / "runs.sqlite3"
    svc = JobService(db, LocalExecutor(db, workers=1, threads=1), max_per_owner=1)
    try:
        c = StudyConfig(losses=("cross_entropy", "gce"), noise_rates=(0.0, 40.0), **TINY)
        run_id = svc.submit(c, "teacher")
        with pytest.raises(LimitError, match="limit is 1"):
            svc.submit(MnistConfig(**TINY), "teacher")  # four runs inside, but one job against the cap
        run = svc.wait(run_id, timeout=120)
        assert run["status"] == "completed" and run["final"] == {"cells_done": 4, "cells": 4}
        snap = svc.latest_snapshot(run_id, "study")[1]
        assert snap["done"] == 4 and len(snap["cells"]) == 4
        series = study.accuracy_series(svc.metrics(run_id))
        assert len(series) == 4 and all(epochs == [1, 2] for epochs, _ in series.values())
        assert run_id in [r["id"] for r in svc.list_runs("teacher")]
    finally:
        svc.close()


def test_table_downloads_hold_the_table(tiny_mnist):
    cells = [{"loss": "cross_entropy", "rate": 40.0, "seed": s, "status": "completed", "accuracy": a, "best": a + 0.01,
              "memorised": 0.3} for s, a in enumerate((0.80, 0.84, 0.82))]
    cells.append({"loss": "gce", "rate": 40.0, "seed": 0, "status": "diverged", "accuracy": None, "best": 0.0,
                  "memorised": None})
    rows = study.table(cells, ("cross_entropy", "gce"), (40.0,))
    assert len(rows) == 1  # a loss with no finished repeat has no row (its divergence is in the status)
    parsed = list(csv.DictReader(io.StringIO(study.table_csv(rows, str.upper))))
    assert parsed == [{"loss": "cross_entropy", "loss_name": "CROSS_ENTROPY", "noise_rate_percent": "40",
                       "repeats": "3", "final_accuracy_percent_mean": "82.00", "final_accuracy_percent_sd": "2.00",
                       "best_accuracy_percent_mean": "83.00", "memorised_percent_mean": "30.00", "diverged": "0"}]
    from PIL import Image

    png = table_png("레이블 노이즈 실험", ["손실 함수", "정확도"], [["교차 엔트로피", "82.00 ± 2.00"]], "MLP")
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.width > 300 and img.height > 100
    low, high = img.convert("L").getextrema()
    assert low < 60 and high == 255  # dark text on white was drawn, not a blank picture


def test_study_page_starts_one_job_from_its_form(app_env):
    at = app("study")
    assert not at.exception, at.exception
    at.multiselect(key="st_losses").set_value(["cross_entropy", "gce"]).run()
    at.multiselect(key="st_noise_rates").set_value([40.0]).run()
    at.selectbox(key="st_model").set_value("linear").run()
    at.number_input(key="st_train_subset").set_value(100)
    at.number_input(key="st_batch_size").set_value(20)
    at.number_input(key="st_epochs").set_value(1).run()
    at.button(key="st_start").click().run()
    assert not at.exception, at.exception
    from losslab.jobs import service as service_mod

    svc = service_mod.get_service()
    runs = svc.list_runs(None)
    assert len(runs) == 1 and runs[0]["task"] == "study"
    assert runs[0]["config"]["losses"] == ["cross_entropy", "gce"] and runs[0]["config"]["noise_rates"] == [40.0]
    svc.wait(runs[0]["id"], timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert any("Label-noise study: clean-test accuracy" in h.value for h in at.subheader)
    # the study's own downloads, then the study as one program ("As code")
    assert [d.label for d in at.get("download_button")] == ["Table (CSV)", "Every epoch (CSV)", "Table (PNG)",
                                                            "Download .py", "Download .ipynb"]


def test_study_link_with_a_bad_value_gets_one_sentence(app_env):
    at = app("study", {"losses": "cross_entropy,nonsense"})
    assert not at.exception, at.exception
    assert any("Ignored `losses=cross_entropy,nonsense`" in w.value and "nonsense" in w.value for w in at.warning)


def test_on_real_mnist_cross_entropy_learns_the_wrong_labels_that_gce_resists(real_mnist):
    """What the page's hint says: at 40 % symmetric noise, as the epochs pass, cross-entropy fits
    the wrong labels (the memorisation meter) and ends below a robust loss on the clean test set."""
    c = StudyConfig(losses=("cross_entropy", "gce"), noise_rates=(40.0,), epochs=20)
    rep = ListReporter()
    run(c, rep)
    ce, gce = [p for _, kind, p in rep.snapshots if kind == "study"][-1]["cells"]
    assert ce["memorised"] > 2 * gce["memorised"]
    assert gce["accuracy"] > ce["accuracy"] + 0.01
    assert ce["best"] > ce["accuracy"] + 0.01  # CE was better earlier: it got worse by learning the noise
