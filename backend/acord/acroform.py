"""Fillable 2016/03 ACORD 25s whose fields are still filled in: read by the official names."""

from __future__ import annotations

import re
from typing import Any

from pypdf import PdfReader

from backend.acord.values import clean_text, is_included, parse_date, parse_mark, parse_money

_P = "Policy_"
_GL = "GeneralLiability_"
_WC = "WorkersCompensationEmployersLiability_"
_LINES: dict[str, dict[str, str]] = {
    "general_liability": {
        "insurer_letter": f"{_GL}InsurerLetterCode_A",
        "policy_number": f"{_P}GeneralLiability_PolicyNumberIdentifier_A",
        "effective": f"{_P}GeneralLiability_EffectiveDate_A",
        "expiration": f"{_P}GeneralLiability_ExpirationDate_A",
        "additional_insured": "CertificateOfInsurance_GeneralLiability_AdditionalInsuredCode_A",
        "subrogation_waived": f"{_P}GeneralLiability_SubrogationWaivedCode_A",
    },
    "auto_liability": {
        "insurer_letter": "Vehicle_InsurerLetterCode_A",
        "policy_number": f"{_P}AutomobileLiability_PolicyNumberIdentifier_A",
        "effective": f"{_P}AutomobileLiability_EffectiveDate_A",
        "expiration": f"{_P}AutomobileLiability_ExpirationDate_A",
        "additional_insured": "CertificateOfInsurance_AutomobileLiability_AdditionalInsuredCode_A",
        "subrogation_waived": f"{_P}AutomobileLiability_SubrogationWaivedCode_A",
    },
    "umbrella": {
        "insurer_letter": "ExcessUmbrella_InsurerLetterCode_A",
        "policy_number": f"{_P}ExcessLiability_PolicyNumberIdentifier_A",
        "effective": f"{_P}ExcessLiability_EffectiveDate_A",
        "expiration": f"{_P}ExcessLiability_ExpirationDate_A",
        "additional_insured": "CertificateOfInsurance_ExcessLiability_AdditionalInsuredCode_A",
        "subrogation_waived": f"{_P}ExcessLiability_SubrogationWaivedCode_A",
    },
    "workers_compensation": {
        "insurer_letter": f"{_WC}InsurerLetterCode_A",
        "policy_number": f"{_P}WorkersCompensationAndEmployersLiability_PolicyNumberIdentifier_A",
        "effective": f"{_P}WorkersCompensationAndEmployersLiability_EffectiveDate_A",
        "expiration": f"{_P}WorkersCompensationAndEmployersLiability_ExpirationDate_A",
        "subrogation_waived": f"{_P}WorkersCompensation_SubrogationWaivedCode_A",
    },
    "other": {
        "insurer_letter": "OtherPolicy_InsurerLetterCode_A",
        "policy_number": "OtherPolicy_PolicyNumberIdentifier_A",
        "effective": "OtherPolicy_PolicyEffectiveDate_A",
        "expiration": "OtherPolicy_PolicyExpirationDate_A",
        "additional_insured": "CertificateOfInsurance_OtherPolicy_AdditionalInsuredCode_A",
        "subrogation_waived": "OtherPolicy_SubrogationWaivedCode_A",
    },
}
_LIMITS: dict[str, dict[str, str]] = {
    "general_liability": {
        "each_occurrence": f"{_GL}EachOccurrence_LimitAmount_A",
        "damage_to_rented_premises": f"{_GL}FireDamageRentedPremises_EachOccurrenceLimitAmount_A",
        "medical_expense": f"{_GL}MedicalExpense_EachPersonLimitAmount_A",
        "personal_advertising_injury": f"{_GL}PersonalAndAdvertisingInjury_LimitAmount_A",
        "general_aggregate": f"{_GL}GeneralAggregate_LimitAmount_A",
        "products_completed_operations_aggregate": (
            f"{_GL}ProductsAndCompletedOperations_AggregateLimitAmount_A"
        ),
    },
    "auto_liability": {
        "combined_single_limit": "Vehicle_CombinedSingleLimit_EachAccidentAmount_A",
        "bodily_injury_per_person": "Vehicle_BodilyInjury_PerPersonLimitAmount_A",
        "bodily_injury_per_accident": "Vehicle_BodilyInjury_PerAccidentLimitAmount_A",
        "property_damage": "Vehicle_PropertyDamage_PerAccidentLimitAmount_A",
    },
    "umbrella": {
        "each_occurrence": "ExcessUmbrella_Umbrella_EachOccurrenceAmount_A",
        "aggregate": "ExcessUmbrella_Umbrella_AggregateAmount_A",
    },
    "workers_compensation": {
        "el_each_accident": f"{_WC}EmployersLiability_EachAccidentLimitAmount_A",
        "el_disease_each_employee": f"{_WC}EmployersLiability_DiseaseEachEmployeeLimitAmount_A",
        "el_disease_policy_limit": f"{_WC}EmployersLiability_DiseasePolicyLimitAmount_A",
    },
}


def filled_fields(reader: PdfReader) -> dict[str, tuple[str, list[float] | None, int]]:
    """Official field name -> (value, widget box in PDF points top-left origin, page number)."""
    values: dict[str, tuple[str, list[float] | None, int]] = {}
    for page_number, page in enumerate(reader.pages, start=1):
        height = float(page.mediabox.height)
        for annotation in page.get("/Annots") or []:
            widget = annotation.get_object()
            name = widget.get("/T")
            parent = widget.get("/Parent")
            if name is None and parent is not None:
                name = parent.get_object().get("/T")
            value = widget.get("/V")
            if value is None and parent is not None:
                value = parent.get_object().get("/V")
            if name is None or value is None:
                continue
            text = str(value).strip()
            if not text or text == "/Off":
                continue
            rect = widget.get("/Rect")
            box = None
            if rect is not None:
                x0, y0, x1, y1 = (float(v) for v in rect)
                box = [round(x0, 1), round(height - y1, 1), round(x1, 1), round(height - y0, 1)]
            values[str(name).split(".")[-1]] = (text, box, page_number)
    return values


def read_acroform(fields: dict[str, tuple[str, list[float] | None, int]]) -> dict[str, Any]:
    evidence: dict[str, dict[str, Any]] = {}

    def get(name: str, pointer: str | None = None) -> str | None:
        entry = fields.get(name)
        if entry is None:
            return None
        value, box, page = entry
        if pointer is not None and box is not None:
            evidence[pointer] = {"confidence": 0.99, "page": page, "bbox": box}
        return clean_text(value) or None

    def ticked(name: str) -> bool:
        return name in fields

    def join(*parts: str | None) -> str | None:
        return " ".join(p for p in parts if p) or None

    def party(prefix: str, pointer: str) -> dict[str, str | None]:
        city = join(
            get(f"{prefix}_MailingAddress_CityName_A"),
            get(f"{prefix}_MailingAddress_StateOrProvinceCode_A"),
            get(f"{prefix}_MailingAddress_PostalCode_A"),
        )
        lines = [
            get(f"{prefix}_MailingAddress_LineOne_A"),
            get(f"{prefix}_MailingAddress_LineTwo_A"),
            city,
        ]
        address = ", ".join(line for line in lines if line) or None
        return {"name": get(f"{prefix}_FullName_A", f"{pointer}/name"), "address": address}

    producer = party("Producer", "/producer")
    producer.update(
        {
            "contact": get("Producer_ContactPerson_FullName_A", "/producer/contact"),
            "phone": get("Producer_ContactPerson_PhoneNumber_A", "/producer/phone"),
            "email": get("Producer_ContactPerson_EmailAddress_A", "/producer/email"),
        }
    )
    insurers: list[dict[str, str | None]] = []
    for letter in "ABCDEF":
        name = get(f"Insurer_FullName_{letter}", f"/insurers/{len(insurers)}/name")
        if name:
            insurers.append(
                {"letter": letter, "name": name, "naic": get(f"Insurer_NAICCode_{letter}")}
            )
    coverages: list[dict[str, Any]] = []
    for line, names in _LINES.items():
        pointer = f"/coverages/{len(coverages)}"
        coverage: dict[str, Any] = {"line": line}
        for key, name in names.items():
            raw = get(name, f"{pointer}/{key}")
            if key in ("effective", "expiration"):
                coverage[key] = parse_date(raw) if raw else None
            elif key in ("additional_insured", "subrogation_waived"):
                coverage[key] = bool(raw and parse_mark(raw))
            else:
                coverage[key] = raw
        coverage.setdefault("additional_insured", False)
        coverage.update(
            {"basis": None, "aggregate_applies_per": None, "covered_autos": None, "statutory": None}
        )
        limits: dict[str, int | None] = {}
        included: list[str] = []
        for key, name in _LIMITS.get(line, {}).items():
            raw = get(name, f"{pointer}/limits/{key}")
            limits[key] = parse_money(raw) if raw else None
            if raw and limits[key] is None and is_included(raw):
                included.append(key)
        coverage["included_limits"] = included
        if line == "general_liability":
            coverage["basis"] = (
                "occurrence"
                if ticked(f"{_GL}OccurrenceIndicator_A")
                else "claims_made"
                if ticked(f"{_GL}ClaimsMadeIndicator_A")
                else None
            )
            per = None
            for key, suffix in (
                ("policy", "Policy"),
                ("project", "Project"),
                ("location", "Location"),
            ):
                if ticked(f"{_GL}GeneralAggregate_LimitAppliesPer{suffix}Indicator_A"):
                    per = key
            coverage["aggregate_applies_per"] = per
        elif line == "auto_liability":
            coverage["covered_autos"] = [
                key
                for key, name in (
                    ("any_auto", "AnyAuto"),
                    ("owned", "AllOwnedAutos"),
                    ("scheduled", "ScheduledAutos"),
                    ("hired", "HiredAutos"),
                    ("non_owned", "NonOwnedAutos"),
                )
                if ticked(f"Vehicle_{name}Indicator_A")
            ]
        elif line == "umbrella":
            if ticked("Policy_PolicyType_ExcessIndicator_A") and not ticked(
                "Policy_PolicyType_UmbrellaIndicator_A"
            ):
                coverage["line"] = "excess"
            coverage["basis"] = (
                "occurrence"
                if ticked("ExcessUmbrella_OccurrenceIndicator_A")
                else "claims_made"
                if ticked("ExcessUmbrella_ClaimsMadeIndicator_A")
                else None
            )
        elif line == "workers_compensation":
            coverage["statutory"] = ticked(f"{_WC}WorkersCompensationStatutoryLimitIndicator_A")
            excluded = get(f"{_WC}AnyPersonsExcludedIndicator_A")
            coverage["officers_excluded"] = parse_mark(excluded) if excluded else None
        elif line == "other":
            coverage["description"] = get(
                "OtherPolicy_OtherPolicyDescription_A", f"{pointer}/description"
            )
            for suffix in "ABC":
                label = get(f"OtherPolicy_CoverageCode_{suffix}")
                amount = get(f"OtherPolicy_CoverageLimitAmount_{suffix}")
                if amount:
                    key = re.sub(r"[^a-z0-9]+", "_", (label or "limit").lower()).strip("_")
                    limits[key or "limit"] = parse_money(amount)
        coverage["limits"] = limits
        if coverage.get("policy_number") or any(v is not None for v in limits.values()):
            coverages.append(coverage)
    return {
        "certificate_date": parse_date(get("Form_CompletionDate_A", "/certificate_date") or ""),
        "certificate_number": get(
            "CertificateOfInsurance_CertificateNumberIdentifier_A", "/certificate_number"
        ),
        "revision_number": get(
            "CertificateOfInsurance_RevisionNumberIdentifier_A", "/revision_number"
        ),
        "producer": producer,
        "insured": party("NamedInsured", "/insured"),
        "insurers": insurers,
        "coverages": coverages,
        "description_of_operations": get(
            "CertificateOfLiabilityInsurance_ACORDForm_RemarkText_A",
            "/description_of_operations",
        ),
        "certificate_holder": party("CertificateHolder", "/certificate_holder"),
        "fields": evidence,
    }
