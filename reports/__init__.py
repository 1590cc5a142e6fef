"""Renderers of a diagnosed Case (installed as cmedebug.reports)."""
