"""Inkwell's domain: entities, value objects, events and errors. Plain Python only."""
