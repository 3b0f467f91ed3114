"""Data: the seed table, seeded outliers, CSV uploads with clear errors, MNIST via IDX files."""

import gzip

import pytest
import torch

from losslab import datasets
from losslab.csvfile import DataError, parse_points_csv


def test_seed_data_and_least_squares_optimum():
    x, y = datasets.seed_points()
    assert x.shape == (10, 1) and float(x[0]) == pytest.approx(152.4)
    slope, intercept = datasets.least_squares(x, y)
    assert slope == pytest.approx(0.74867, abs=1e-5)
    assert intercept == pytest.approx(-64.4213, abs=1e-3)


def test_outliers_are_seeded_and_far_from_the_line():
    x, y = datasets.seed_points()
    a = datasets.with_noise_and_outliers(x, y, 1.0, 3, 40.0, seed=7)
    b = datasets.with_noise_and_outliers(x, y, 1.0, 3, 40.0, seed=7)
    c = datasets.with_noise_and_outliers(x, y, 1.0, 3, 40.0, seed=8)
    assert torch.equal(a[1], b[1]) and not torch.equal(a[1], c[1])
    assert a[0].shape == (13, 1)
    assert (a[1][-3:] - (0.7487 * a[0][-3:] - 64.42)).min() > 30


@pytest.mark.parametrize("data, needle", [
    (b"", "The file is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary file"),
    (b"x,y\n1,2\n", "at least 2 data rows"),
    (b"x,y\n1,2\n3,abc\n", "Row 2 is not two numbers"),
    (b"x,y\n1,2\n3,nan\n", "Row 2 holds NaN"),
    (b"x,y\n1,2\n3\n", "Row 2 has 1 column"),
    (b"1,2\n1,3\n1,4\n", "All x values are equal"),
    (b"1,2\n2,1e9\n", "beyond"),
    (b"\x80\x80,\x80\x80\n1,2\n", "not text in UTF-8, CP949/EUC-KR or Latin-1 (its first bytes: 80 80 2c"),
    (b"170,5;65,2\n171,0;66,1\nabc;def\n", "Row 3 is not two numbers ('abc | def'), reading the file as UTF-8 with semicolons"),
])
def test_bad_uploads_get_one_sentence(data, needle):
    with pytest.raises(DataError) as err:
        parse_points_csv(data)
    assert needle in str(err.value)
    assert "\n" not in str(err.value)


def test_upload_row_and_size_limits():
    big = b"x,y\n" + b"".join(f"{i},{i}\n".encode() for i in range(100_000))
    with pytest.raises(DataError, match="limit"):
        parse_points_csv(big)
    ok = b"height;weight\n" + b"".join(f"{150 + i};{50 + i / 2}\n".encode() for i in range(10))
    points, seen = parse_points_csv(ok)
    assert len(points) == 10 and points[0] == (150.0, 50.0) and seen["delimiter"] == "semicolons"


HANGUL_HEADER = "키(cm),몸무게(kg)\n152.4,50.0\n157.5,54.4\n160.0,56.7\n"


@pytest.mark.parametrize("data, encoding, delimiter", [
    (HANGUL_HEADER.encode("cp949"), "CP949 (EUC-KR)", "commas"),                    # Korean Excel's "CSV"
    (HANGUL_HEADER.encode("utf-8-sig"), "UTF-8", "commas"),                          # CSV UTF-8 (with a BOM)
    (HANGUL_HEADER.replace(",", "\t").encode("utf-16"), "UTF-16", "tabs"),           # "Unicode text"
    (b"Gr\xf6\xdfe;Gewicht\n152,4;50,0\n157,5;54,4\n160,0;56,7\n", "Latin-1", "semicolons"),  # European
    (b"152.4 50.0\n157.5   54.4\n160.0\t56.7\n", "UTF-8", "spaces"),            # space-separated columns
])
def test_spreadsheet_exports_read_the_right_points(data, encoding, delimiter):
    points, seen = parse_points_csv(data)
    assert points == ((152.4, 50.0), (157.5, 54.4), (160.0, 56.7))
    assert (seen["encoding"], seen["delimiter"]) == (encoding, delimiter)


def test_tiny_idx_mnist_reads_through_torchvision(tiny_mnist):
    train_x, train_y, test_x, test_y = datasets.mnist_tensors()
    assert train_x.shape == (200, 784) and test_x.shape == (50, 784)
    assert train_x.dtype == torch.float32 and train_y.dtype == torch.int64
    # pixels 0..255 → [0, 1] → (x - 0.5) / 0.5 = [-1, 1]
    assert train_x.min() >= -1 and train_x.max() == 1.0
    assert train_y[:10].tolist() == list(range(10))


def test_missing_mnist_names_the_command(tmp_path, monkeypatch):
    monkeypatch.setenv("LOSSLAB_DATA_DIR", str(tmp_path / "nothing"))
    datasets.mnist_tensors.cache_clear()
    with pytest.raises(DataError) as err:
        datasets.mnist_tensors()
    assert "python -m losslab data mnist" in str(err.value)
    assert str(tmp_path / "nothing") in str(err.value)


def test_install_from_folder_of_gz_files(tmp_path, tiny_mnist):
    src = tmp_path / "src"
    src.mkdir()
    for f in datasets.MNIST_FILES:
        (src / f"{f}.gz").write_bytes(gzip.compress((tiny_mnist / "MNIST" / "raw" / f).read_bytes()))
    root = tmp_path / "installed"
    datasets.install_mnist_from(src, root)
    assert datasets.mnist_available(root)
    with pytest.raises(DataError, match="has no train-images"):
        datasets.install_mnist_from(tmp_path / "empty", tmp_path / "x")
