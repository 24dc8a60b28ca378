"""Actions: declared, audited, reversible mitigations and controls run by the engine."""
