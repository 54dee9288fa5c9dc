"""Redis adapters (redis-py asyncio). Each falls back when Redis is unreachable."""
