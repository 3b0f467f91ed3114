"""How long the regression lab's (η, momentum) map takes on this machine (issue 29: a 200 × 200
grid in ≤ 50 ms on 2 cores), measured here, in one run:

    python benchmarks/step_map.py

- grid: the rate of SGD with momentum in every cell (numpy, the two eigenvalues at once)
- map: the whole StepMap of a config (its Hessian, the grid, the optimum), the exact minimum of a
  non-MSE loss already cached (the page computes it anyway, for its exact line)
- figure: the Plotly figure with its clickable cells, built and encoded to JSON, and its size
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from losslab import step_map as sm  # noqa: E402
from losslab.config import RegressionConfig  # noqa: E402
from losslab.figures import step_map as fig  # noqa: E402
from losslab.labs.regression import exact_line  # noqa: E402
from benchmarks.landscape import timed  # noqa: E402  (the median of repeated calls, as landscape.py times)

BUDGET = 0.050  # s, the bound for the grid


def main() -> None:
    print("| data | loss | grid 200×200 | whole map | figure + JSON | figure JSON | within 50 ms |")
    print("|---|---|---|---|---|---|---|")
    for name, config in (("seed, standardised", RegressionConfig()),
                         ("seed, raw heights", RegressionConfig(x_scale="raw")),
                         ("seed + 2 outliers", RegressionConfig(outliers=2, loss="huber")),
                         ("synthetic 1,000", RegressionConfig(data="synthetic", n_points=1000, loss="log_cosh"))):
        exact_line(config)  # cached for the page's exact line before the map is asked for
        eig = sm.curvature(config).eigenvalues
        grid = timed(lambda: sm.grid(eig), repeat=20)

        def whole():
            sm.curvature.cache_clear()
            return sm.step_map(config)

        total = timed(whole, repeat=20)
        m = sm.step_map(config)
        o = m.optimum

        def figure():
            return fig.figure(m.lrs, m.momenta, m.gap, lam_max=eig[1], optimum=(o.lr, o.momentum, o.rate),
                              current=m.current, picks=sm.picks(m.lrs, eig), title="t").to_json()

        draw = timed(figure, repeat=5)
        print(f"| {name} | {config.loss} | {1000 * grid:.2f} ms | {1000 * total:.1f} ms | {1000 * draw:.0f} ms | "
              f"{len(figure()) / 1000:.0f} KB | {'yes' if grid <= BUDGET else 'NO'} |", flush=True)


if __name__ == "__main__":
    main()
