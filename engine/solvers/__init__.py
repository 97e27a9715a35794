"""Fast solvers of the convex program of a two-layer ReLU network (DESIGN.md section 4)."""
