"""arq adapters: the job queue that the outbox relay feeds."""
