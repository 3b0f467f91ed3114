"""Pure figure builders: stored records in, Plotly figures out (unit-tested without a browser).

Every chart has a title, labelled axes with units and a legend, in fonts big enough for a
projector; `uirevision` keeps a user's zoom while live updates replace the data."""

from .common import finite, presenting, set_style_source, smooth  # noqa: F401
from .losses import loss_bars, loss_sweep, outlier_bars  # noqa: F401
from .mnist import accuracy_curve, confusion_matrix, digits_grid, per_class_accuracy, reliability_diagram  # noqa: F401
from .mnist import memorisation_curve  # noqa: F401
from .runs import loss_curves, regression_fit, residuals  # noqa: F401
