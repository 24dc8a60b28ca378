"""Runbooks: Markdown runbooks imported into config, attached to incidents as checklists."""
