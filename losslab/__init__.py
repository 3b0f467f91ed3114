"""losslab: see how loss functions behave, with real PyTorch training runs.

The package is plain Python and torch; only `losslab.ui` imports Streamlit.
"""

__version__ = "0.1.0"
