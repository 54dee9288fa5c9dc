"""Process-level adapters: clock and id generation."""
