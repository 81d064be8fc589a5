"""The library version, in one place (the package root, the index manifest and pyproject read it)."""

__version__ = "0.1.0"
