"""Durable jobs and the worker. Public API: `warroom.engine.service` (enqueue, cancel),
`warroom.engine.registry` (@handler, JobContext, Retry, PermanentFailure),
`warroom.engine.worker` (Worker.run_once / run_forever)."""
