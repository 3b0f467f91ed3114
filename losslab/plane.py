"""The exact loss and test accuracy of an MNIST model at every point of a plane of weights,
w(a, b) = w0 + a·u + b·v, on all the images: the first layer is affine in (a, b), so its products
with the images are computed three times (at w0, along u, along v), not once per point."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Optional

import torch
from torch.func import vmap

# Images per chunk: a row's logits (41 points × 10 classes × 1,024 images, float32: 1.7 MB) and
# an MLP row's hidden units (41 × 128 images × 128 units: 2.7 MB) stay in the L2 cache between
# the ops of one chunk, instead of streaming hundreds of MB through memory for each op.
LINEAR_CHUNK = 1024
MLP_CHUNK = 128
PATH_CHUNK = 2048  # images per chunk of the checkpoints' direct evaluation: [2048, 51 × 128] floats


def _split(vec: torch.Tensor, shapes: list) -> list[torch.Tensor]:
    """A flat weight vector (parameters_to_vector's order) back to the model's tensors."""
    return [part.view(shape) for part, shape in zip(torch.split(vec, [s.numel() for s in shapes]), shapes)]


class Plane:
    """The plane through `origin` spanned by `u` and `v` (flat weight vectors of the linear model or
    the MLP), measured on fixed images: the loss on (x, y), the accuracy on (test_x, test_y)."""

    def __init__(self, model: str, shapes: list, origin, u, v, x: "Images", y, test_x: "Images", test_y, loss_fn, param):
        self.mlp = model == "mlp"
        self.loss_fn, self.param, self.n, self.n_test = loss_fn, param, len(y), len(test_y)
        self.y, self.test_y = y, test_y
        # cross-entropy (the default) has a fused form below; any other loss is called as registered
        self.smoothing = (param or 0.0) if loss_fn.name == "cross_entropy" else None
        layers = [_split(w.float(), shapes) for w in (origin, u, v)]  # [[W1, b1, (W2, b2)] at w0, along u, along v]
        self.width = layers[0][0].shape[0]      # F: 10 logits (linear) or the MLP's hidden units
        w1 = torch.cat([l[0] for l in layers])  # (3F, 784): one product with the images, not three
        b1 = torch.cat([l[1] for l in layers])
        train, test = self._first(x, w1, b1), self._first(test_x, w1, b1)
        if self.mlp:
            self.w2 = [l[2] for l in layers]    # (10, H) at w0, along u, along v
            self.b2 = [l[3] for l in layers]
            self.basis, self.test_basis = train, test  # three (n, H) each
            return
        if self.smoothing is not None:
            # log-sum-exp_k z_k = z_y + log Σ_k exp(z_k − z_y): with the logits taken relative to the
            # true class (also affine in a, b), the sum is ≥ 1 (its z_y term is 1) and the shift
            # needs no max per point; the mean of z_y is affine: three numbers, summed once.
            self.basis = [_relative(z, y) for z in train]
            self.true = [float(_true(z, y).sum(dtype=torch.float64)) for z in train]
            self.mean_logit = [float(z.sum(dtype=torch.float64)) / self.width for z in train]  # label smoothing's Σ mean_k z_k
        else:
            self.basis = train
        self.test_basis = [_relative(z, test_y) for z in test]  # accuracy: which class is largest, relative is enough

    @torch.no_grad()
    def _first(self, x: "Images", w1, b1) -> list[torch.Tensor]:
        """The first layer at w0, along u and along v: linear: three (10, n), classes outer, so
        each op of a chunk runs along contiguous images, not along 10 classes; MLP: three (n, H)."""
        first = torch.cat([torch.addmm(b1, xc, w1.T) for xc in x.chunks(PATH_CHUNK)])
        return [p.contiguous() if self.mlp else p.T.contiguous() for p in first.split(self.width, dim=1)]

    @torch.no_grad()
    def _affine(self, basis, i0: int, i1: int, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """basis[0] + a·basis[1] + b·basis[2] on images i0:i1, one slab per point: (points, …)."""
        a3, b3 = a.view(-1, 1, 1), b.view(-1, 1, 1)
        t0, tu, tv = (t[i0:i1] if self.mlp else t[:, i0:i1] for t in basis)
        if bool((b == b[0]).all()):  # a row of the grid shares b: one product fewer per point
            return torch.addcmul(t0 + float(b[0]) * tv, a3, tu)
        return torch.addcmul(t0, a3, tu).addcmul_(b3, tv)

    @torch.no_grad()
    def _logits(self, basis, i0: int, i1: int, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """(points, 10, images i0:i1): the logits (linear: relative to the true class where the
        basis is) at each w(a[j], b[j])."""
        if not self.mlp:
            return self._affine(basis, i0, i1, a, b)
        h = self._affine(basis, i0, i1, a, b).relu_()
        a3 = a.view(-1, 1, 1)
        b3 = b.view(-1, 1, 1)
        w2 = self.w2[0] + a3 * self.w2[1] + b3 * self.w2[2]                                       # (points, 10, H)
        b2 = (self.b2[0] + a.view(-1, 1) * self.b2[1] + b.view(-1, 1) * self.b2[2]).unsqueeze(2)  # (points, 10, 1)
        return torch.baddbmm(b2, w2, h.transpose(1, 2))

    def _chunks(self, n: int):
        step = MLP_CHUNK if self.mlp else LINEAR_CHUNK
        return ((i, min(n, i + step)) for i in range(0, n, step))

    @torch.no_grad()
    def losses(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """The training loss at each (a[j], b[j]), float64: the loss is a mean over images, so
        chunk sums add up to it (every registered multiclass loss is a per-image mean)."""
        a, b = a.float(), b.float()
        total = torch.zeros(len(a), dtype=torch.float64)
        for i0, i1 in self._chunks(self.n):
            z, y = self._logits(self.basis, i0, i1, a, b), self.y[i0:i1]
            if self.smoothing is None:
                per_point = vmap(lambda zj: self.loss_fn.fn(zj, y, self.param))(z.transpose(1, 2))
                total += per_point.double() * (i1 - i0)
            elif self.mlp:
                total += _cross_entropy_sums(z, y, self.smoothing)
            else:
                total += _relative_lse_sums(z)
        if self.smoothing is not None and not self.mlp:
            # Σ_i CE_i = Σ lse − (1 − ε)·Σ z_y − ε·Σ mean_k z, and lse = z_y + (the relative lse above)
            a64, b64 = a.double(), b.double()
            true = self.true[0] + a64 * self.true[1] + b64 * self.true[2]
            mean_k = self.mean_logit[0] + a64 * self.mean_logit[1] + b64 * self.mean_logit[2]
            total += self.smoothing * (true - mean_k)
        return total / self.n

    @torch.no_grad()
    def accuracies(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """The test accuracy at each (a[j], b[j]), float64 in [0, 1]. Right: the true class's logit
        is the largest, ties going to the first class (as argmax breaks them); argmax itself along
        the class dimension is ~100× slower here than a max and a compare."""
        a, b = a.float(), b.float()
        right = torch.zeros(len(a), dtype=torch.float64)
        for i0, i1 in self._chunks(self.n_test):
            z, y = self._logits(self.test_basis, i0, i1, a, b), self.test_y[i0:i1]
            top = z.amax(dim=1)
            true = torch.zeros_like(top) if not self.mlp else z.gather(1, y.view(1, 1, -1).expand(len(z), 1, -1)).squeeze(1)
            won = true == top
            tied = won & ((z == top.unsqueeze(1)).sum(dim=1) > 1)
            if bool(tied.any()):  # rare: the first of the tied classes must be the true one
                won = won & ~tied | tied & (z.argmax(dim=1) == y)
            right += won.sum(dim=1, dtype=torch.float64)
        return right / self.n_test


def grid_rows(plane: Plane, alphas, betas, threads: int):
    """(losses, accuracies) of each row of the grid (b = betas[i], a = every alpha), in order, lazily:
    `threads` rows at a time, each row on its own thread with one-thread ops. A chunk's ops are
    small (~1 MB): split across threads op by op, every op would wait at a barrier for the slowest
    thread, and on a shared, busy machine that wait dominates (measured: 5× slower)."""
    row_a = torch.as_tensor(alphas, dtype=torch.float32)

    def row(b):
        row_b = torch.full_like(row_a, float(b))
        return plane.losses(row_a, row_b).tolist(), plane.accuracies(row_a, row_b).tolist()

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with ThreadPoolExecutor(max(1, threads)) as pool:
            for start in range(0, len(betas), max(1, threads)):
                yield from pool.map(row, betas[start:start + max(1, threads)])
    finally:
        torch.set_num_threads(before)


def _relative(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """(10, n) logits minus each image's true-class logit (that row becomes exactly 0)."""
    return z - _true(z, y)


def _true(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return z.gather(0, y.view(1, -1))


def _relative_lse_sums(d: torch.Tensor) -> torch.Tensor:
    """Σ over images of log Σ_k exp(z_k − z_y) per point, d = z − z_y: (points, 10, images). The
    sum is ≥ 1, so its log is safe; only a wrong class ahead of the true one by more than ~88
    overflows float32, and then that chunk is shifted by its max as usual."""
    sums = d.exp().sum(dim=1)
    if not bool(torch.isfinite(sums).all()):
        m = d.amax(dim=1, keepdim=True)
        return ((d - m).exp_().sum(dim=1).log_() + m.squeeze(1)).sum(dim=1, dtype=torch.float64)
    return sums.log_().sum(dim=1, dtype=torch.float64)


def _cross_entropy_sums(z: torch.Tensor, y: torch.Tensor, smoothing: float) -> torch.Tensor:
    """Σ over images of cross-entropy (with label smoothing ε) per point, z: (points, 10, images):
    log-sum-exp − (1 − ε)·z_y − ε·mean_k z_k, reduced over the class dimension, whose stride is the
    chunk of images (each op vectorises over images, not over 10 classes)."""
    m = z.amax(dim=1, keepdim=True)
    lse = (z - m).exp_().sum(dim=1).log_().add_(m.squeeze(1))
    zy = z.gather(1, y.view(1, 1, -1).expand(len(z), 1, -1)).squeeze(1)
    sums = lse.sum(dim=1, dtype=torch.float64) - (1 - smoothing) * zy.sum(dim=1, dtype=torch.float64)
    if smoothing:
        sums -= smoothing * z.mean(dim=1).sum(dim=1, dtype=torch.float64)
    return sums


@torch.no_grad()
def checkpoint_losses(model: str, shapes: list, weights: torch.Tensor, x: "Images", y, loss_fn, param) -> list[float]:
    """The true training loss at each of k flat weight vectors (k, P): a direct evaluation of the
    model, batched over the checkpoints (one product of each chunk of images with all k first layers)."""
    k = len(weights)
    layers = [_split(w.float(), shapes) for w in weights]
    w1 = torch.cat([l[0] for l in layers])  # (k·F, 784)
    b1 = torch.cat([l[1] for l in layers])
    width = layers[0][0].shape[0]
    total = torch.zeros(k, dtype=torch.float64)
    one = vmap(lambda zj, yj: loss_fn.fn(zj, yj, param), in_dims=(0, None))
    for i0, xc in zip(range(0, len(y), PATH_CHUNK), x.chunks(PATH_CHUNK)):
        yc = y[i0:i0 + PATH_CHUNK]
        first = torch.addmm(b1, xc, w1.T).view(len(yc), k, width).transpose(0, 1)  # (k, images, F)
        if model == "mlp":
            w2 = torch.stack([l[2] for l in layers])          # (k, 10, H)
            b2 = torch.stack([l[3] for l in layers]).unsqueeze(1)
            first = torch.baddbmm(b2, first.relu(), w2.transpose(1, 2))
        if loss_fn.name == "cross_entropy":  # the fused form, classes as the middle dimension (see Plane)
            total += _cross_entropy_sums(first.transpose(1, 2).contiguous(), yc, param or 0.0)
        else:
            total += one(first, yc).double() * len(yc)
    return (total / len(y)).tolist()


class Images:
    """Rows of the shared image tensor, read a chunk at a time: gathering all 60,000 chosen rows
    at once would copy 188 MB that is read once."""

    def __init__(self, x: torch.Tensor, rows: Optional[torch.Tensor] = None):
        self.x, self.rows = x, rows

    def __len__(self) -> int:
        return len(self.x) if self.rows is None else len(self.rows)

    def chunks(self, size: int):
        for i in range(0, len(self), size):
            yield self.x[i:i + size] if self.rows is None else self.x[self.rows[i:i + size]]


def source_data(source, images: int):
    """An MNIST run's measuring images: its training images (the labels it trained on, noise
    included) and the test images, all of them (images = 0), else the first `images` of each;
    with the model's parameter shapes, the loss and its parameter."""
    from .labs.mnist import mnist_data
    from .models import build_model

    data = mnist_data(source)
    n = len(data.rows) if not images else min(images, len(data.rows))
    test_n = len(data.test_y) if not images else min(images, len(data.test_y))
    shapes = [p.shape for p in build_model(source).parameters()]
    return dict(model=source.model, shapes=shapes, x=Images(data.train_x, data.rows[:n]), y=data.train_y[:n],
                test_x=Images(data.test_x[:test_n]), test_y=data.test_y[:test_n], loss_fn=source.loss_fn,
                param=source.loss_fn.resolve_param(source.loss_param))
