"""Notification outbox and delivery through Apprise."""
