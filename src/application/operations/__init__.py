"""Operations: the outbox and its jobs, the audit log, Idempotency-Keys."""
