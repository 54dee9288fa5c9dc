"""Notifications: the caller's inbox of followed users' activity."""
