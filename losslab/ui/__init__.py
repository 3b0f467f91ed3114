"""Streamlit-only helpers: the only part of losslab that imports streamlit."""
