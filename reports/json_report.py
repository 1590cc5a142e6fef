"""The JSON report: a stable, versioned document (schema in docs/json-schema.md)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from cmedebug import __version__, deployment, redact
from cmedebug.deployment import summary
from cmedebug.model import Case

SCHEMA = "cmedebug.report/1"


def report_dict(case: Case) -> dict:
    return {
        "schema": SCHEMA,
        "tool": {"name": "cmedebug", "version": __version__},
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "reference_time": case.reference_time.isoformat() if case.reference_time else None,
        "inputs": [s.to_dict() for s in case.inputs],
        "clocks": [c.to_dict() for c in case.clocks.values()],
        "assumed_years": dict(case.assumed_years),
        "findings": [f.to_dict() for f in case.findings],
        "root_causes": [f.id for f in case.root_causes()],
        "rules": [o.to_dict() for o in case.outcomes],
        "counts": {"events": len(case.events), "facts": len(case.facts),
                   "unparsed_lines": sum(s.unparsed_lines for s in case.inputs)},
        "unparsed_samples": [{"ref": str(u.source), "text": u.text} for u in case.unparsed[:100]],
        "devices": [{**d.to_dict(), "derived": [{"field": k, "value": v} for k, v in summary.rows(d)]}
                    for d in deployment.of(case).devices],
    }


def render(case: Case) -> str:
    return json.dumps(redact.value(report_dict(case)), indent=2, ensure_ascii=False) + "\n"
