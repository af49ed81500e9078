"""Cached wrappers: rope_core results turned into the DataFrames the pages draw.

One module per page (plus common.py). Every function is keyed on a RopeConfig and scalars
(never on big arrays), bounded with `cached`, and returns frames of at most charts.MAX_ROWS rows.
"""
