"""The evidence locker: append-only items per incident, with hashes, access control, export."""
