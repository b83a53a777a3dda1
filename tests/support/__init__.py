"""Test helpers that are not fixtures: servers, processes, browsers, page actions.

Tests import from here, never from another test module or a conftest.
"""
