"""In-memory adapters for every port: fast, faithful fakes for tests."""
