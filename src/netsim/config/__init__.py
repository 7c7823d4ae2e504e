"""Inputs, declared once: parameters, outcomes, scenario, experiment and member-network files.

The lowest layer: it imports nothing else from netsim but :mod:`netsim.errors`.
"""
