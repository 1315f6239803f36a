"""Streamlit-aware shared code: page list, cached loaders, shared widgets."""
