"""Incidents: lifecycle, severity, roles, notes, hypotheses and tasks."""
