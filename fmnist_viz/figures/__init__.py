"""Plotly figure builders: pure functions from engine data to `go.Figure`, no UI code."""
