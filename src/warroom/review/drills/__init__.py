"""Drills: practice incidents marked DRILL everywhere, scripted by scenarios, run on schedule."""
