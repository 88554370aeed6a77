"""The core: remove layers (surgery), choose them (strategies), and measure the result.

Imports nothing from poorman.experiments or poorman.book (tests/test_layers.py checks it).
"""
