"""ReLU Convexity Explorer engine: two-layer ReLU networks trained two ways (convex and gradient).

No Streamlit in here: pages, the command line and tests all call these plain functions.
"""
