"""Tokens: offline tiktoken encodings, the models table, counting formulas and statistics.

Part of the engine: never prints, never exits, never imports an adapter. tiktoken and numpy
are imported only inside the functions that need them, so importing this package is cheap.
"""
