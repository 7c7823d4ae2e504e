"""The model: member state, population, levers, mechanisms, compiled kernels, metrics and
the Mesa model itself. It never reads or writes files (a member network arrives as data).
"""
