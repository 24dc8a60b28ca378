"""Job handlers of the paging domain (registered by the composition root, warroom.wiring).

Planning, escalation levels, ladder rungs and later notification rules only write the
database (pages, outbox messages, jobs, timeline): they make no outbound call, so they are
`batch=True` and a burst of them shares transactions (deliveries are `notify.deliver` jobs).
"""

from __future__ import annotations

from warroom import memo
from warroom.audit import service as timeline
from warroom.auth.models import User
from warroom.engine.models import Job
from warroom.engine.registry import JobContext, handler
from warroom.paging import failover, handoff, runtime
from warroom.paging.models import Page
from warroom.paging.pager import ACTOR, NOTIFY_KIND, deliver, still_matters
from warroom.paging.people import Rule


@handler(runtime.ESCALATE_KIND, batch=True)
def escalate(ctx: JobContext, job: Job) -> None:
    memo.enable(ctx.session)  # the jobs of a chunk share severities, policies, people
    # ... and write their timeline events together (one INSERT, before the commit)
    timeline.batch(ctx.session)
    runtime.run_escalation(ctx.session, ctx.clock, ctx.settings, job.payload, ctx.upcoming)


@handler(runtime.PLAN_KIND, batch=True)
def plan(ctx: JobContext, job: Job) -> None:
    memo.enable(ctx.session)
    timeline.batch(ctx.session)
    runtime.run_plan(ctx.session, ctx.clock, ctx.settings, job.payload, ctx.upcoming)


@handler(runtime.UNRESOLVED_KIND, batch=True)
def unresolved(ctx: JobContext, job: Job) -> None:
    memo.enable(ctx.session)
    timeline.batch(ctx.session)
    runtime.run_unresolved(ctx.session, ctx.clock, ctx.settings, job.payload, ctx.upcoming)


@handler(NOTIFY_KIND, batch=True)
def notify_later(ctx: JobContext, job: Job) -> None:
    """A later notification rule of a page (or a failover): send it if the page still matters.

    The contact method is the person's of the name the job was queued for; one the config has
    removed since is recorded (`paging:page:unsendable`) and the page moves on as when a
    method fails (`paging:page:failover`, or `paging:page:unreachable`): never dropped quietly.
    """
    timeline.batch(ctx.session)
    row = ctx.session.get(Page, int(job.payload["page_id"]))
    if row is None or not still_matters(ctx.session, row):
        return
    contact, name = failover.pending_contact(ctx.session, row, job.payload)
    if contact is None:
        user = ctx.session.get(User, row.user_id)
        error = f"no longer one of {user.email if user else row.user_id}'s contact methods"
        timeline.record(
            ctx.session, ctx.clock, incident_id=row.incident_id, kind="paging:page:unsendable",
            actor=ACTOR,
            payload={"page_id": row.id, "contact": name, "rule": job.payload.get("rule"),
                     "error": error},
        )  # fmt: skip
        failover.move_on(ctx.session, ctx.clock, row, name, error)
        return
    rule, key = Rule(contact, 0), job.payload.get("key")  # key: a failover's message
    smtp_url = ctx.settings.smtp_url
    deliver(ctx.session, ctx.clock, row, rule, int(job.payload["rule"]), smtp_url=smtp_url, key=key)


@handler(handoff.HANDOFF_KIND)
def on_call_handoff(ctx: JobContext, job: Job) -> None:
    handoff.run_handoff(ctx.session, ctx.clock, ctx.settings, int(job.payload["schedule_id"]))
