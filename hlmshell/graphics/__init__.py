"""Graphs: command → plain GraphSpec (spec.py, no drawing) → matplotlib renderer (draw.py,
imported only when a graph is drawn) → PNG/SVG/PDF. Nothing here imports matplotlib at
module level, so the shell starts without it."""
