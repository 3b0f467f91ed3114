"""The binary lab: its data (seeded shapes, flips, outliers, uploads), what its models learn, the
naive-BCE lesson, its snapshots, the CLI, and the page."""

import base64
import subprocess
import sys

import pytest
import torch

from losslab.labs.binary import GRID, BinaryTrainer, binary_data
from losslab.config import BinaryConfig, config_from_json, to_query
from losslab.csvfile import DataError, parse_labelled_csv
from losslab.figures.binary import boundaries, boundary, decode_logits
from losslab.training import ListReporter, train
from tests.conftest import ROOT, app

BLOBS = BinaryConfig(separation=6.0, spread=0.5)


def test_logistic_bce_separates_two_blobs_through_their_midpoint():
    config = BinaryConfig(separation=4.0, spread=0.8, n_points=400, loss="bce_logits", epochs=500)
    rep = ListReporter()
    result = train(config, rep)
    assert result.final["train/accuracy"] >= 0.99 and result.final["test/accuracy"] >= 0.99
    lab = BinaryTrainer(config)  # the boundary of the final snapshot, read off the stored grid
    z = decode_logits([p for _, kind, p in rep.snapshots if kind == "boundary"][-1]["z"], GRID)
    xs = torch.linspace(*lab.x_range, GRID)
    ys = torch.linspace(*lab.y_range, GRID)
    row = int(torch.argmin(ys.abs()))  # the line x2 = 0 through both centres
    crossing = int(torch.nonzero(torch.tensor(z[row]) > 0)[0])
    midpoint = float((xs[crossing - 1] + xs[crossing]) / 2)
    assert abs(midpoint) <= 0.05 + float(xs[1] - xs[0])  # the blobs are symmetric about x1 = 0


@pytest.mark.parametrize("data", ["xor", "circles"])
def test_a_small_net_learns_xor_and_circles(data):
    config = BinaryConfig(data=data, noise=0.0, model="net", hidden=16, epochs=2000)
    assert train(config).final["test/accuracy"] >= 0.95


def test_flips_and_outliers_are_seeded_training_only_and_reproducible():
    config = BinaryConfig(flips=20.0, outliers=5, n_points=200)
    a, b = binary_data(config), binary_data(config)
    assert torch.equal(a.train_x, b.train_x) and torch.equal(a.train_y, b.train_y) and torch.equal(a.flipped, b.flipped)
    clean = binary_data(config.replace(flips=0.0))
    assert len(a.flipped) == 30  # 20 % of the 150 training points (the 50 test points keep their labels)
    assert (a.train_y[a.flipped] != clean.train_y[a.flipped]).all()
    assert torch.equal(a.test_y, clean.test_y)  # test labels stay true
    assert (a.train_y[a.outliers] == 1).all() and len(a.outliers) == 5
    m0 = clean.train_x[clean.train_y.flatten() == 0].mean(dim=0)
    assert (a.train_x[a.outliers][:, 0] < m0[0]).all()  # beyond class 0, away from class 1
    other = binary_data(config.replace(seed=1))
    assert not torch.equal(a.train_x, other.train_x)


def test_snapshots_hold_the_points_and_about_a_hundred_boundaries():
    rep = ListReporter()
    train(BinaryConfig(epochs=250, outliers=3, flips=10.0), rep)
    points = [p for _, kind, p in rep.snapshots if kind == "points"][0]
    assert len(points["train"]) == 150 + 3 and len(points["test"]) == 50 and len(points["outliers"]) == 3
    bounds = [(s, p) for s, kind, p in rep.snapshots if kind == "boundary"]
    assert bounds[0][0] == 0 and bounds[-1][0] == 250 and 100 <= len(bounds) <= 130
    assert len(base64.b64decode(bounds[-1][1]["z"])) == GRID * GRID
    assert len(bounds[-1][1]["top"]) == 10
    fig = boundary(points, bounds[-1][1], title="t", margins=True)
    assert [tr.type for tr in fig.data][:3] == ["heatmap", "contour", "contour"]
    assert fig.layout.xaxis.title.text == "x₁" and fig.layout.title.text == "t"
    both = boundaries(points, [bounds[0][1], bounds[-1][1]], ["a", "b"], title="c")
    assert [tr.name for tr in both.data if tr.type == "contour"] == ["a", "b"]


def test_the_boundary_moves_between_snapshots():
    rep = ListReporter()
    train(BinaryConfig(data="moons", model="net", epochs=200), rep)
    zs = [p["z"] for _, kind, p in rep.snapshots if kind == "boundary"]
    assert zs[0] != zs[len(zs) // 2] != zs[-1]


def test_labelled_upload_reads_and_refuses_in_one_sentence():
    points, seen = parse_labelled_csv("x1;x2;label\n1,5;2;0\n3;4,25;1\n".encode("cp949"))
    assert points == ((1.5, 2.0, 0), (3.0, 4.25, 1)) and seen["decimal_comma"]
    for data, needle in ((b"", "three columns"), (b"1,2,0\n3,4,2\n", "Row 2 has the label 2"),
                         (b"1,2,1\n3,4,1\n", "both classes"), (b"1,2\n3,4\n", "Row 1 has 2 column(s)"),
                         (b"1,2,0\n3,nan,1\n", "Row 2 holds NaN")):
        with pytest.raises(DataError) as exc:
            parse_labelled_csv(data)
        assert needle in str(exc.value) and "\n" not in str(exc.value)
    config = BinaryConfig(data="custom", points=((0.0, 0.0, 0), (1.0, 1.0, 1), (0.1, 0.0, 0), (0.9, 1.0, 1)),
                          test_share=0.0, epochs=50)
    assert train(config).status == "completed"
    with pytest.raises(ValueError, match="label 0 or 1"):
        BinaryConfig(data="custom", points=((0.0, 0.0, 3), (1.0, 1.0, 1)))


def test_config_round_trips_and_its_link_holds_the_features():
    c = BinaryConfig(data="circles", model="net", features=("squares", "product"), flips=10.0)
    assert config_from_json(c.to_json()) == c
    assert to_query(c)["features"] == "squares,product"
    assert BinaryConfig(features=("squares", "product", "sin")).n_inputs == 7


def test_cli_trains_a_binary_run():
    out = subprocess.run([sys.executable, "-m", "losslab", "train", "binary", "--data", "moons", "--epochs", "50",
                          "--no-progress", "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert '"train/accuracy"' in out.stdout


def test_binary_page_compares_three_losses_from_one_start(app_env):
    at = app("binary", {"outliers": "5", "epochs": "40"})
    assert not at.exception, at.exception
    at.button(key="bin_compare_go").click().run()
    assert not at.exception, at.exception
    from losslab.jobs import service as service_mod

    svc = service_mod.get_service()
    runs = svc.list_runs(None)
    assert sorted(r["config"]["loss"] for r in runs) == ["bce_logits", "binary_focal", "hinge"]
    assert {r["config"]["seed"] for r in runs} == {0} and {r["config"]["outliers"] for r in runs} == {5}
    for r in runs:
        svc.wait(r["id"], timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert any("decision boundaries of" in c.value.lower() for c in at.caption)
