"""Downsampling long metric series for plotting: keeps the first and last points and each
bucket's extremes, so a spike (a divergence, a bad batch) never disappears from a chart."""

from __future__ import annotations

import math

import numpy as np


def downsample(steps, values, max_points: int):
    """At most max_points (step, value) pairs out of a long series, as two lists."""
    n = len(steps)
    if max_points <= 0 or n <= max_points:
        return list(steps), list(values)
    s = np.asarray(steps)
    v = np.asarray(values, dtype=float)
    buckets = max(1, (max_points - 2) // 2)  # a min and a max per bucket, plus both ends
    inner = v[1:n - 1]
    size = math.ceil(len(inner) / buckets)
    padded_low = np.full(buckets * size, np.inf)
    padded_high = np.full(buckets * size, -np.inf)
    finite = np.where(np.isnan(inner), np.inf, inner)  # NaN counts as a spike upwards
    padded_low[:len(inner)] = np.where(np.isnan(inner), -np.inf, inner)
    padded_high[:len(inner)] = finite
    offsets = np.arange(buckets) * size + 1
    lows = offsets + padded_low.reshape(buckets, size).argmin(axis=1)
    highs = offsets + padded_high.reshape(buckets, size).argmax(axis=1)
    idx = np.unique(np.concatenate([[0, n - 1], lows, highs]))
    idx = idx[idx < n]
    return s[idx].tolist(), v[idx].tolist()
