"""Accounts: registration, changes and deletion, sessions and login throttling, email
verification and password reset, profiles."""
