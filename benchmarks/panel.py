"""Server time for one side-panel update after a slider change, per task.

The panel runs as a Streamlit fragment, so a slider change reruns only the panel. This measures
that rerun through streamlit.testing.v1.AppTest (script run, widgets, values, gradients, the
table and the bar chart, serialised) and, separately, the pure computation.

    python benchmarks/panel.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from streamlit.testing.v1 import AppTest  # noqa: E402

from losslab import figures, panel  # noqa: E402


def script():
    from losslab.ui.loss_panel import loss_panel

    loss_panel()


CASES = {
    "regression": ("panel_yhat_s", [0.5 + 0.1 * i for i in range(30)]),
    "binary": ("panel_p_s", [0.01 + 0.03 * i for i in range(30)]),
    "multiclass": ("panel_z1", [-3.0 + 0.2 * i for i in range(30)]),
    "distribution": ("panel_q1", [0.05 * (i % 20) for i in range(30)]),
}


def main() -> None:
    print("one panel update after a slider change (median / p95 of 30, in ms):")
    for task, (key, values) in CASES.items():
        at = AppTest.from_function(script, default_timeout=30)
        at.run()
        at.selectbox(key="panel_task").set_value(task).run()
        times = []
        for v in values:
            widget = at.slider(key=key)
            widget.set_value(v)
            t0 = time.perf_counter()
            at.run()
            times.append((time.perf_counter() - t0) * 1000)
            assert not at.exception, at.exception
        times.sort()
        pure = []
        for v in values:
            t0 = time.perf_counter()
            rows = {"regression": lambda: panel.regression_rows(0.0, v), "binary": lambda: panel.binary_rows(1, v),
                    "multiclass": lambda: panel.multiclass_rows(0, [1.0, v, 0.0]),
                    "distribution": lambda: panel.distribution_rows([0.25] * 4, panel.normalise([1, v, 1, 1]))}[task]()
            figures.loss_bars(rows)
            pure.append((time.perf_counter() - t0) * 1000)
        print(f"  {task:<12} AppTest rerun {statistics.median(times):6.1f} / {times[int(0.95 * len(times)) - 1]:6.1f}"
              f"   (values, gradients and figure alone: {statistics.median(pure):5.1f})")


if __name__ == "__main__":
    main()
