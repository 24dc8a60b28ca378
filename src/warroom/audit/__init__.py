"""The hash-chained timeline: every change is an event; `verify` recomputes the chain."""
