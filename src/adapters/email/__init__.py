"""Email senders: SMTP (aiosmtplib), console (embedded mode) and memory (tests)."""
