"""Implementations of the application ports."""
