"""Heartbeats: a dead man's switch for the monitoring that feeds warroom."""
