"""Plotly figure builders, by subject. They take engine results and only draw."""
