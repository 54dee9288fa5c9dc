"""The FastAPI entrypoint."""
