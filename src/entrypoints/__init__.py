"""Edges: HTTP (FastAPI), worker (arq), CLI, and the DI container that wires them."""
