"""The book: chapter loading, tables, figures, claims and verdicts, and `poorman book` (build).

Reads the run store through poorman.experiments; nothing below imports from here.
"""
