"""The review form of a read document: what the reader found, laid out as editable fields,
each knowing where on which page it was read; and the RecordChange built from the form the
person confirms. The person's edits always win over what was read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from backend.db.models.vocab import (
    AGGREGATE_PER,
    BASES,
    COVERED_AUTOS,
    ENDORSEMENT_KINDS,
    LIMIT_KINDS,
    LINES,
)
from backend.errors import BadInput
from backend.records.page_images import PageSize
from backend.records.schemas import EndorsementInput, RecordChange, TermInput
from backend.records.service import MAX_NOTICE_DAYS
from backend.web.forms import FormData, checked, optional_amount, optional_date, text, texts
from backend.web.page_image import Box, box_for

# The reader names endorsement kinds after the ISO form; the record names what they do.
READER_ENDORSEMENT_KIND: Final = {
    "additional_insured_ongoing_operations": "additional_insured_ongoing",
    "additional_insured_automatic_status_contractors": "additional_insured_ongoing",
    "additional_insured_designated_person": "additional_insured_ongoing",
    "additional_insured_completed_operations": "additional_insured_completed",
    "primary_and_noncontributory": "primary_noncontributory",
    "waiver_of_subrogation": "waiver_of_subrogation",
    "auto_waiver_of_subrogation": "waiver_of_subrogation",
    "workers_compensation_waiver_of_subrogation": "waiver_of_subrogation",
    "per_project_aggregate": "per_project_aggregate",
    "per_location_aggregate": "per_location_aggregate",
    "notice_of_cancellation": "notice_of_cancellation",
}
MANUAL_LINES: Final = ("general_liability", "auto_liability", "umbrella", "workers_compensation")
LOW_CONFIDENCE: Final = 0.8
# The words a blank ACORD template prints where a value belongs: read as such they are no
# value ("NAME" is not a holder), so the field is shown empty, as unread.
TEMPLATE_PLACEHOLDERS: Final = frozenset(
    {
        "mm/dd/yyyy",
        "mm/dd/yy",
        "mm/dd/ccyy",
        "name",
        "address",
        "name and address",
        "name/address",
        "name & address",
        "insured",
        "insured name",
        "certificate holder",
        "holder",
        "policy number",
        "naic #",
        "insurer",
    }
)
# A run of only filler characters ("XXXXXXXX", "____", "--/--/----") is a template's blank.
_FILLER_CHARACTERS: Final = frozenset("xX_-/. #*")


@dataclass(frozen=True)
class FieldView:
    name: str
    label: str
    value: str
    kind: str = "text"  # text, date, amount, checkbox, select
    options: tuple[str, ...] = ()
    box: Box | None = None
    confidence: float | None = None

    @property
    def low_confidence(self) -> bool:
        return self.confidence is not None and self.confidence < LOW_CONFIDENCE


@dataclass
class CoverageView:
    index: int
    line: str
    include: bool
    fields: list[FieldView] = field(default_factory=list)
    covered_autos: tuple[str, ...] = ()
    # Read, but with no policy date and no limit: offered unticked (see _barely_read).
    barely_read: bool = False


@dataclass
class EndorsementView:
    index: int
    include: bool
    fields: list[FieldView] = field(default_factory=list)
    page: int | None = None


@dataclass
class ReviewView:
    coverages: list[CoverageView]
    endorsements: list[EndorsementView]
    context: list[FieldView]  # read-only facts shown with their spot: insured, date, ...
    holder: FieldView | None  # the holder is judged against each project: a person confirms it
    warnings: list[str]
    error: str | None
    suggested_kind: str
    # The reader found no coverage table: every policy value has to be typed from the page.
    no_coverage_read: bool = False


def _as_dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def is_placeholder(value: str) -> bool:
    folded = " ".join(value.split()).casefold()
    if not folded:
        return False
    return folded in TEMPLATE_PLACEHOLDERS or all(c in _FILLER_CHARACTERS for c in folded)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else ""
    shown = str(value)
    return "" if is_placeholder(shown) else shown


class _Locator:
    def __init__(self, fields: object, sizes: list[PageSize]) -> None:
        self.fields: dict[str, Any] = fields if isinstance(fields, dict) else {}
        self.sizes = sizes

    def box(self, pointer: str) -> Box | None:
        info = self.fields.get(pointer)
        if not isinstance(info, dict):
            return None
        return box_for(info.get("page"), info.get("bbox"), self.sizes)

    def confidence(self, pointer: str) -> float | None:
        info = self.fields.get(pointer)
        value = info.get("confidence") if isinstance(info, dict) else None
        return float(value) if isinstance(value, (int, float)) else None

    def view(self, pointer: str, name: str, label: str, value: object, **kw: Any) -> FieldView:
        return FieldView(
            name=name,
            label=label,
            value=_text(value),
            box=self.box(pointer),
            confidence=self.confidence(pointer),
            **kw,
        )


def review_view(
    read_result: dict[str, Any] | None, sizes: list[PageSize], has_record: bool
) -> ReviewView:
    result = read_result if isinstance(read_result, dict) else {}
    locate = _Locator(result.get("fields"), sizes)
    error = result.get("error")
    error_text = error.get("message") if isinstance(error, dict) else None
    insurers = {
        str(i.get("letter")): (index, i)
        for index, i in enumerate(result.get("insurers") or [])
        if isinstance(i, dict)
    }
    coverages: list[CoverageView] = []
    for index, coverage in enumerate(result.get("coverages") or []):
        if isinstance(coverage, dict) and coverage.get("line") in LINES:
            barely = _barely_read(coverage)
            view = _coverage_view(index, coverage, insurers, locate, include=not barely)
            view.barely_read = barely
            coverages.append(view)
    no_coverage_read = not coverages and not result.get("endorsements")
    if no_coverage_read:
        # Nothing was read: offer the usual lines for entry by hand, unticked.
        coverages = [
            _coverage_view(index, {"line": line}, {}, locate, include=False)
            for index, line in enumerate(MANUAL_LINES)
        ]
    endorsements = [
        _endorsement_view(index, item)
        for index, item in enumerate(result.get("endorsements") or [])
        if isinstance(item, dict)
    ]
    endorsements.append(_endorsement_view(len(endorsements), {}, include=False))
    context = []
    for pointer, label in (
        ("/insured/name", "Insured"),
        ("/certificate_date", "Certificate date"),
        ("/description_of_operations", "Description of operations"),
    ):
        value = _pointer_value(result, pointer)
        if value and not is_placeholder(str(value)):
            context.append(locate.view(pointer, pointer, label, value))
    form_kind = result.get("form")
    holder = None
    if form_kind != "endorsement" and not error_text:
        holder = locate.view(
            "/certificate_holder/name",
            "holder_name",
            "Certificate holder (exact legal name)",
            _pointer_value(result, "/certificate_holder/name"),
        )
    suggested = (
        "endorsement" if form_kind == "endorsement" else ("renewal" if has_record else "initial")
    )
    return ReviewView(
        coverages=coverages,
        endorsements=endorsements,
        context=context,
        holder=holder,
        warnings=[str(w) for w in result.get("warnings") or []],
        error=str(error_text) if error_text else None,
        suggested_kind=suggested,
        no_coverage_read=no_coverage_read and form_kind != "endorsement",
    )


def _pointer_value(result: dict[str, Any], pointer: str) -> object:
    value: object = result
    for part in pointer.strip("/").split("/"):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _barely_read(coverage: dict[str, Any]) -> bool:
    """A row read with neither policy date nor any limit: on a scan, a stray mark in the
    OTHER row read as a policy number "i". It cannot be confirmed as it stands (both dates are
    needed), so it is not ticked for the person, who would otherwise meet "Other: both policy
    dates are needed." on confirming a certificate that shows no such policy."""
    if coverage.get("effective") or coverage.get("expiration"):
        return False
    limits = _as_dict(coverage.get("limits"))
    return not any(value is not None for value in limits.values())


def _coverage_view(
    index: int,
    coverage: dict[str, Any],
    insurers: dict[str, tuple[int, dict[str, Any]]],
    locate: _Locator,
    include: bool = True,
) -> CoverageView:
    line = str(coverage["line"])
    base = f"/coverages/{index}"
    prefix = f"cov-{index}-"
    insurer_index, insurer = insurers.get(str(coverage.get("insurer_letter")), (-1, {}))
    ipointer = f"/insurers/{insurer_index}"

    def read(key: str, label: str, name: str = "", **kw: Any) -> FieldView:
        """The coverage's `key` as read (a tick as on or off), located where it was read."""
        value = coverage.get(key)
        if kw.get("kind") == "checkbox":
            value = bool(value)
        return locate.view(f"{base}/{key}", prefix + (name or key), label, value, **kw)

    fields = [
        locate.view(f"{ipointer}/name", prefix + "insurer_name", "Insurer", insurer.get("name")),
        locate.view(
            f"{ipointer}/naic", prefix + "insurer_naic", "NAIC number", insurer.get("naic")
        ),
        read("policy_number", "Policy number"),
        read("effective", "Effective", kind="date"),
        read("expiration", "Expires", kind="date"),
    ]
    if line in ("general_liability", "umbrella", "excess"):
        fields.append(read("basis", "Basis", kind="select", options=BASES))
    if line == "general_liability":
        fields.append(
            read(
                "aggregate_applies_per",
                "Aggregate applies per",
                kind="select",
                options=AGGREGATE_PER,
            )
        )
    limits = _as_dict(coverage.get("limits"))
    for kind in LIMIT_KINDS[line]:
        fields.append(
            locate.view(
                f"{base}/limits/{kind}",
                f"{prefix}limit-{kind}",
                kind.replace("_", " ").capitalize().replace("El ", "EL "),
                limits.get(kind),
                kind="amount",
            )
        )
    fields.append(read("additional_insured", "Additional insured (INSD)", kind="checkbox"))
    fields.append(read("subrogation_waived", "Subrogation waived (SUBR WVD)", kind="checkbox"))
    if line == "workers_compensation":
        fields.append(read("statutory", "Statutory limits", "wc_statutory", kind="checkbox"))
        states = _as_list(coverage.get("states"))
        fields.append(
            locate.view(
                f"{base}/states",
                prefix + "wc_states",
                "States covered (e.g. OH, KY)",
                ", ".join(str(s) for s in states),
            )
        )
    if line == "umbrella":
        fields.append(read("follows_form", "Follows form", kind="checkbox"))
    autos = _as_list(coverage.get("covered_autos"))
    return CoverageView(
        index=index,
        line=line,
        include=include,
        fields=fields,
        covered_autos=tuple(a for a in autos if a in COVERED_AUTOS),
    )


def _endorsement_view(index: int, item: dict[str, Any], include: bool = True) -> EndorsementView:
    prefix = f"end-{index}-"
    kind = (
        READER_ENDORSEMENT_KIND.get(str(item.get("kind")), "other")
        if item
        else "additional_insured_ongoing"
    )
    parties = _as_list(item.get("scheduled_parties"))
    page = item.get("page") if isinstance(item.get("page"), int) else None
    return EndorsementView(
        index=index,
        include=include,
        page=page,
        fields=[
            FieldView(prefix + "form_number", "Form number", _text(item.get("form_number"))),
            FieldView(prefix + "edition", "Edition (MM YY)", _text(item.get("edition"))),
            FieldView(prefix + "kind", "Kind", kind, kind="select", options=ENDORSEMENT_KINDS),
            FieldView(
                prefix + "blanket",
                "Blanket (where required by written contract)",
                _text(bool(item.get("blanket"))),
                kind="checkbox",
            ),
            FieldView(
                prefix + "named_parties",
                "Named parties (one per line)",
                "\n".join(str(p) for p in parties),
                kind="textarea",
            ),
            FieldView(
                prefix + "notice_days",
                "Notice of cancellation: days the form states",
                _text(item.get("notice_days")),
                kind="amount",
            ),
            FieldView(prefix + "effective", "Effective", _text(item.get("effective")), kind="date"),
            FieldView(prefix + "expiration", "Expires", _text(item.get("expiration")), kind="date"),
        ],
    )


def _comparable(kind: str, value: str) -> str:
    """A field's value as it compares with what was read: amounts without "$" and commas,
    ticks as on/off, text with its spacing folded."""
    if kind == "amount":
        return value.replace(",", "").replace("$", "").strip()
    if kind == "checkbox":
        return "on" if value in ("on", "true", "1", "yes") else ""
    return " ".join(value.split())


def typed_by_hand(form: FormData, read: list[FieldView], prefix: str) -> dict[str, str | None]:
    """Field -> what the reader had read (None: nothing) for each value the person typed or
    changed. Field names drop the row prefix; limits are "limits.<kind>"."""
    typed: dict[str, str | None] = {}
    for view in read:
        if view.kind == "checkbox":
            submitted = "on" if checked(form, view.name) else ""
        else:
            submitted = text(form, view.name)
        was = _comparable(view.kind, view.value)
        if _comparable(view.kind, submitted) == was:
            continue
        if not submitted and view.kind != "checkbox":
            continue  # a value removed is no value typed; the record does not hold it
        name = view.name[len(prefix) :].replace("limit-", "limits.", 1)
        typed[name] = view.value or None
    return typed


def _read_fields(view: ReviewView | None) -> dict[str, list[FieldView]]:
    """Row prefix -> the fields as read, for the rows the reader filled (not the blank ones
    offered for entry by hand, whose every value is typed)."""
    if view is None:
        return {}
    found: dict[str, list[FieldView]] = {}
    for coverage in view.coverages:
        found[f"cov-{coverage.index}-"] = coverage.fields if coverage.include else []
    for endorsement in view.endorsements:
        found[f"end-{endorsement.index}-"] = endorsement.fields if endorsement.include else []
    return found


def _blank_fields(fields: list[FieldView]) -> list[FieldView]:
    return [FieldView(f.name, f.label, "", kind=f.kind, options=f.options) for f in fields]


def _choice(form: FormData, name: str, label: str, options: tuple[str, ...]) -> str:
    value = text(form, name)
    if value not in options:
        words = " or ".join(o.replace("_", " ") for o in options)
        raise BadInput(f"{label} was not read: choose {words}.", field=name)
    return value


def change_from_form(
    form: FormData, document_id: uuid.UUID, view: ReviewView | None = None
) -> RecordChange:
    """The RecordChange the person confirmed. Unticked rows are left out. `view` is what was
    read: every value that differs from it is marked as typed by hand."""
    terms: list[TermInput] = []
    endorsements: list[EndorsementInput] = []
    read_rows = _read_fields(view)
    for index in _indexes(form, "cov-"):
        prefix = f"cov-{index}-"
        if not checked(form, prefix + "include"):
            continue
        line = text(form, prefix + "line")
        if line not in LINES:
            raise BadInput(f"Coverage {index + 1}: unknown line.", field=prefix + "line")
        label = f"{line.replace('_', ' ').capitalize()}"
        read = read_rows.get(prefix) or _blank_fields(
            _coverage_view(index, {"line": line}, {}, _Locator(None, [])).fields
        )
        basis = (
            _choice(form, prefix + "basis", f"{label}: basis", BASES)
            if prefix + "basis" in form
            else "occurrence"
        )
        aggregate_per = (
            _choice(form, prefix + "aggregate_applies_per", f"{label}: aggregate", AGGREGATE_PER)
            if prefix + "aggregate_applies_per" in form
            else "policy"
        )
        effective = optional_date(form, prefix + "effective", f"{label}: effective date")
        expiration = optional_date(form, prefix + "expiration", f"{label}: expiry date")
        if effective is None or expiration is None:
            raise BadInput(f"{label}: both policy dates are needed.", field=prefix + "effective")
        limits: dict[str, int] = {}
        for kind in LIMIT_KINDS[line]:
            amount = optional_amount(
                form, f"{prefix}limit-{kind}", f"{label}: {kind.replace('_', ' ')}"
            )
            if amount is not None:
                limits[kind] = amount
        terms.append(
            TermInput(
                line=line,
                insurer_name=text(form, prefix + "insurer_name"),
                insurer_naic=text(form, prefix + "insurer_naic"),
                policy_number=text(form, prefix + "policy_number"),
                effective=effective,
                expiration=expiration,
                basis=basis,
                aggregate_applies_per=aggregate_per,
                limits=limits,
                covered_autos=texts(form, prefix + "covered_autos"),
                follows_form=checked(form, prefix + "follows_form"),
                wc_states=[
                    s.strip().upper()
                    for s in text(form, prefix + "wc_states").replace(";", ",").split(",")
                    if s.strip()
                ],
                wc_statutory=checked(form, prefix + "wc_statutory"),
                additional_insured=checked(form, prefix + "additional_insured"),
                subrogation_waived=checked(form, prefix + "subrogation_waived"),
                source_document_id=document_id,
                entered_by_hand=typed_by_hand(form, read, prefix),
            )
        )
    for index in _indexes(form, "end-"):
        prefix = f"end-{index}-"
        if not checked(form, prefix + "include"):
            continue
        read = read_rows.get(prefix) or _blank_fields(_endorsement_view(index, {}).fields)
        endorsements.append(
            EndorsementInput(
                form_number=text(form, prefix + "form_number"),
                edition=text(form, prefix + "edition"),
                kind=text(form, prefix + "kind"),
                blanket=checked(form, prefix + "blanket"),
                named_parties=[
                    p.strip()
                    for p in text(form, prefix + "named_parties").splitlines()
                    if p.strip()
                ],
                notice_days=_notice_days(form, prefix + "notice_days"),
                effective=optional_date(form, prefix + "effective", "Endorsement effective date"),
                expiration=optional_date(form, prefix + "expiration", "Endorsement expiry date"),
                source_document_id=document_id,
                entered_by_hand=typed_by_hand(form, read, prefix),
            )
        )
    kind = text(form, "kind", "renewal")
    summary = text(form, "summary") or _summary(terms, endorsements)
    return RecordChange(
        kind=kind,
        summary=summary,
        terms=terms,
        endorsements=endorsements,
        source_document_id=document_id,
    )


def _notice_days(form: FormData, name: str) -> int | None:
    """The days of notice of cancellation typed for an endorsement (blank: none stated)."""
    value = text(form, name).strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value[:4]) <= MAX_NOTICE_DAYS:
        raise BadInput(
            f"Notice of cancellation: {value[:20]!r} is not a number of days from 1 to "
            f"{MAX_NOTICE_DAYS}.",
            field=name,
        )
    return int(value)


def corrected_read_result(
    read_result: dict[str, Any] | None, form: FormData, person_id: uuid.UUID
) -> dict[str, Any] | None:
    """The read result with the person's correction of the certificate holder, or None when
    nothing was corrected. What the reader saw is kept beside the correction."""
    if not isinstance(read_result, dict) or "holder_name" not in form:
        return None
    confirmed = text(form, "holder_name")
    holder = _as_dict(read_result.get("certificate_holder"))
    read = holder.get("name")
    if not confirmed or confirmed == read:
        return None
    corrections = dict(_as_dict(read_result.get("corrections")))
    corrections["/certificate_holder/name"] = {
        "read": read,
        "confirmed": confirmed,
        "by": str(person_id),
    }
    return {
        **read_result,
        "certificate_holder": {**holder, "name": confirmed},
        "corrections": corrections,
    }


def _indexes(form: FormData, prefix: str) -> list[int]:
    found = set()
    for key in form:
        if key.startswith(prefix):
            number = key[len(prefix) :].split("-", 1)[0]
            if number.isdigit():
                found.add(int(number))
    return sorted(found)


def _summary(terms: list[TermInput], endorsements: list[EndorsementInput]) -> str:
    parts = [
        f"{t.line.replace('_', ' ')} {t.policy_number} to {t.expiration.isoformat()}" for t in terms
    ]
    parts += [f"{e.form_number} {e.edition}".strip() for e in endorsements]
    return "; ".join(parts)[:2000]


def today_iso() -> str:
    return date.today().isoformat()
