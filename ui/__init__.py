"""Streamlit building blocks shared by the pages (the engine in fmnist_viz/ has no UI code)."""
