"""The one-click project report for owners and lenders: every sub engaged on a project, its
status, key limits and expiries, open deficiencies and last decision, each row naming the audit
snapshot it rests on; a PDF signed like every snapshot report (backend/audit/report.py)."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any, Final

from litestar import Controller, Response, get
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.canonical import parse_snapshot
from backend.audit.context import AuditContext
from backend.audit.report import render_signed_project_report
from backend.audit.service import latest_entries
from backend.audit.timestamp import HttpTimeStamper
from backend.config import Settings
from backend.db.models.audit_log_entry import AuditLogEntry
from backend.network.actor import Actor
from backend.network.company import CompanyService
from backend.projects.service import ProjectService
from backend.web.common import require_gc
from backend.web.dashboard import row_extras

# The limits an owner or lender looks for first, per line; the rest stay in each snapshot.
KEY_LIMITS: Final[dict[str, tuple[str, ...]]] = {
    "general_liability": ("each_occurrence", "general_aggregate"),
    "auto_liability": ("combined_single_limit",),
    "umbrella": ("each_occurrence", "aggregate"),
    "excess": ("each_occurrence", "aggregate"),
    "workers_compensation": ("el_each_accident",),
}


def _key_lines(snapshot: dict[str, Any], on: date) -> list[dict[str, Any]]:
    """Per line, the term in force on `on` (else the one that ended last) with its key limits,
    from the coverages the snapshot recorded."""
    chosen: dict[str, dict[str, Any]] = {}
    for coverage in snapshot.get("coverages") or []:
        if not isinstance(coverage, dict):
            continue
        line = str(coverage.get("line", ""))
        try:
            effective = date.fromisoformat(str(coverage.get("effective")))
            expires = date.fromisoformat(str(coverage.get("expires")))
        except ValueError:
            continue
        in_force = effective <= on < expires
        current = chosen.get(line)
        if current is not None:
            current_in_force = current["_in_force"]
            if current_in_force and not in_force:
                continue
            if current_in_force == in_force and current["expires"] >= expires.isoformat():
                continue
        raw_limits = coverage.get("limits")
        limits: dict[str, Any] = raw_limits if isinstance(raw_limits, dict) else {}
        chosen[line] = {
            "_in_force": in_force,
            "line": line,
            "policy_number": str(coverage.get("policy_number") or ""),
            "expires": expires.isoformat(),
            "limits": {kind: limits[kind] for kind in KEY_LIMITS.get(line, ()) if kind in limits},
            "typed_by_hand": bool(coverage.get("typed_by_hand")),
        }
    lines = []
    for line in sorted(chosen):
        entry = dict(chosen[line])
        del entry["_in_force"]
        lines.append(entry)
    return lines


async def project_report_facts(
    db: AsyncSession, actor: Actor, project_id: uuid.UUID, today: date
) -> dict[str, Any]:
    """What the report states, as JSON values: the facts the signed PDF carries."""
    project = await ProjectService(db).project(actor, project_id)  # the GC's own, or 404
    rows = await ProjectService(db).engagements_with_parties(actor, project.id)
    ids = [engagement.id for engagement, _, _ in rows]
    extras = await row_extras(db, actor, ids)
    verdict_entries = await latest_entries(db, ids, "verdict")
    newest_entries = await latest_entries(db, ids)
    gc = await CompanyService(db).own(actor)
    report_rows = []
    for engagement, _, sub in rows:
        verdict_entry: AuditLogEntry | None = verdict_entries.get(engagement.id)
        newest: AuditLogEntry | None = newest_entries.get(engagement.id)
        snapshot = parse_snapshot(verdict_entry.snapshot) if verdict_entry is not None else {}
        extra = extras.get(engagement.id)
        report_rows.append(
            {
                "engagement_id": str(engagement.id),
                "sub": sub.legal_name,
                "trade": engagement.trade,
                "tier": 2 if engagement.parent_engagement_id is not None else 1,
                "status": engagement.status,
                "pay_hold": engagement.pay_hold,
                "work_stopped": engagement.work_stopped,
                "expires_on": engagement.expires_on.isoformat() if engagement.expires_on else None,
                "lines": _key_lines(snapshot, today),
                "open_deficiencies": list(extra.deficiencies) if extra else [],
                "decision": extra.decision if extra else "",
                "snapshot": (
                    {"seq": newest.seq, "sha256": newest.snapshot_sha256.hex()}
                    if newest is not None
                    else None
                ),
            }
        )
    by_status = Counter(str(row["status"]) for row in report_rows)
    return {
        "kind": "project_report",
        "as_of": today.isoformat(),
        "generated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "generated_by": actor.full_name or actor.email,
        "project": {
            "id": str(project.id),
            "number": project.number,
            "name": project.name,
            "state": project.state,
            "start_date": project.start_date.isoformat(),
            "end_date": project.end_date.isoformat(),
        },
        "gc": {"id": str(actor.organisation_id), "name": gc.legal_name},
        "summary": {
            "total": len(report_rows),
            "by_status": dict(sorted(by_status.items())),
            "pay_holds": sum(1 for row in report_rows if row["pay_hold"]),
            "work_stops": sum(1 for row in report_rows if row["work_stopped"]),
        },
        "rows": report_rows,
    }


def report_filename(project_number: str, today: date) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", project_number).strip("-")[:40] or "PROJECT"
    return f"PROJECT_REPORT_{slug}_{today.isoformat()}.pdf"


class ProjectReportController(Controller):
    include_in_schema = False

    @get("/projects/{project_id:uuid}/report.pdf", media_type="application/pdf")
    async def report(
        self, actor: Actor, db: AsyncSession, settings: Settings, project_id: uuid.UUID
    ) -> Response[bytes]:
        require_gc(actor)
        today = date.today()
        facts = await project_report_facts(db, actor, project_id, today)
        context = AuditContext.from_settings(settings)
        timestamper = HttpTimeStamper(context.timestamp_url) if context.timestamp_url else None
        pdf = await render_signed_project_report(facts, context.pdf_identity, timestamper)
        return Response(
            pdf,
            media_type="application/pdf",
            headers={
                "Content-Disposition": (
                    f'attachment; filename="{report_filename(facts["project"]["number"], today)}"'
                ),
                "cache-control": "no-store",
            },
        )
