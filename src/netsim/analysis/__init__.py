"""Analysis of many runs' outcomes: intervals, run labels and tables, tipping points,
sensitivity indices. Pure functions over tables: nothing here runs the model or draws.
"""
