"""Presentation: plots and report documents (Markdown and HTML) for runs, sweeps, comparisons."""
