"""Use cases and the ports they depend on. Imports the domain only."""
