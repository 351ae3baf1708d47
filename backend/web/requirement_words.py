"""A GC's requirement set (coinet.requirements/1 JSON) said in plain words, for the sub that has
to meet it and the broker that has to issue what it asks for."""

from __future__ import annotations

from typing import Any, Final

LINE_NAMES: Final = {
    "general_liability": "General liability",
    "auto_liability": "Automobile liability",
    "umbrella": "Umbrella or excess liability",
    "workers_compensation": "Workers' compensation and employer's liability",
}
LIMIT_NAMES: Final = {
    "each_occurrence": "each occurrence",
    "general_aggregate": "general aggregate",
    "products_completed_operations_aggregate": "products and completed operations aggregate",
    "personal_advertising_injury": "personal and advertising injury",
    "damage_to_rented_premises": "damage to rented premises",
    "medical_expense": "medical expense",
    "combined_single_limit": "combined single limit",
    "bodily_injury_per_person": "bodily injury per person",
    "bodily_injury_per_accident": "bodily injury per accident",
    "property_damage": "property damage",
    "aggregate": "aggregate",
    "el_each_accident": "employer's liability each accident",
    "el_disease_each_employee": "employer's liability disease, each employee",
    "el_disease_policy_limit": "employer's liability disease, policy limit",
}


def _money(amount: object) -> str:
    return f"${int(amount):,}" if isinstance(amount, int) else str(amount)


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _line_words(line: str, spec: dict[str, Any]) -> str:
    parts: list[str] = []
    limits = _dict(spec.get("limits"))
    if limits:
        parts.append(
            ", ".join(
                f"{LIMIT_NAMES.get(kind, kind.replace('_', ' '))} at least {_money(amount)}"
                for kind, amount in limits.items()
            )
        )
    if spec.get("waiver_of_subrogation"):
        parts.append("waiver of subrogation in our favour")
    if spec.get("per_project_aggregate"):
        parts.append("the aggregate applying per project (CG 25 03)")
    if line in ("general_liability", "umbrella"):
        if spec.get("claims_made_allowed"):
            tail = spec.get("tail_years") or 0
            parts.append(
                "claims-made accepted with a retro date on or before work start"
                + (f" and {tail} years of extended reporting" if tail else "")
            )
        else:
            parts.append("written on an occurrence basis")
    if spec.get("any_auto"):
        parts.append('covering "any auto"')
    if spec.get("follows_form"):
        parts.append("following form over the underlying policies")
    states = spec.get("states") or []
    if states:
        parts.append("covering " + ", ".join(str(s) for s in states) + " and the project's state")
    if spec.get("only_if_employees_on_site"):
        parts.append("required only if you have employees on site")
    name = LINE_NAMES.get(line, line.replace("_", " ").capitalize())
    return f"{name}: " + ("; ".join(parts) if parts else "a policy in force") + "."


def plain_requirements(body: dict[str, Any] | None, holder: str | None) -> list[str]:
    """One sentence per requirement, in the order a broker fills in a certificate."""
    body = body or {}
    said = [_line_words(line, _dict(spec)) for line, spec in _dict(body.get("lines")).items()]
    additional = _dict(body.get("additional_insured"))
    kinds = [k for k in ("ongoing", "completed") if additional.get(k)]
    if kinds:
        lines = ", ".join(
            LINE_NAMES.get(str(line), str(line)).lower()
            for line in additional.get("lines") or ["general_liability"]
        )
        operations = " and ".join(f"{k} operations" for k in kinds)
        sentence = f"Additional insured for {operations} on {lines}"
        sentence += (
            ", blanket wording accepted"
            if additional.get("blanket_allowed", True)
            else ", each party named on the endorsement"
        )
        forms = _dict(additional.get("accepted_forms"))
        accepted = [f for k in kinds for f in forms.get(k) or []]
        if accepted:
            sentence += " (forms accepted: " + ", ".join(str(f) for f in accepted) + ")"
        parties = additional.get("parties") or []
        if parties:
            sentence += "; also naming " + ", ".join(str(p) for p in parties)
        said.append(sentence + ". The endorsement itself must be uploaded, not only claimed.")
    if body.get("primary_noncontributory"):
        said.append("Your insurance primary and non-contributory to ours.")
    days = body.get("notice_of_cancellation_days")
    if days:
        said.append(f"At least {days} days' notice to us before cancellation.")
    insurer = _dict(body.get("insurer"))
    floor = [
        str(x) for x in (insurer.get("minimum_rating"), insurer.get("minimum_size_class")) if x
    ]
    if floor:
        said.append(f"Insurers rated at least {' '.join(floor)} by A.M. Best.")
    if insurer.get("naic_required"):
        said.append("Each insurer identified by its NAIC number on the certificate.")
    if insurer.get("surplus_lines_allowed") is False:
        said.append("No surplus-lines insurers.")
    if holder:
        said.append(f"Certificate holder exactly: {holder}.")
    return said
