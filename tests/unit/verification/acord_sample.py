"""An ACORD 25 JSON document as `coinet acord read --json` prints it (contracts/acord25-json.md),
with values invented for the tests."""

from __future__ import annotations

import copy
from typing import Any

_SAMPLE: dict[str, Any] = {
    "form": "ACORD 25",
    "form_edition": "2016/03",
    "source": "text",
    "certificate_date": "2026-11-20",
    "certificate_number": "8812",
    "revision_number": None,
    "producer": {
        "name": "Lakeside Risk Partners",
        "address": "10 Harbor St, Toledo OH 43604",
        "contact": "Dana Ruiz",
        "phone": "419-555-0100",
        "email": "dana@example.com",
    },
    "insured": {"name": "Apex Mechanical LLC", "address": "1200 Industrial Pkwy, Columbus OH"},
    "insurers": [
        {"letter": "A", "name": "Great Lakes Casualty Company", "naic": "24112"},
        {"letter": "B", "name": "Buckeye Workers Mutual", "naic": "10677"},
    ],
    "coverages": [
        {
            "line": "general_liability",
            "insurer_letter": "A",
            "policy_number": "GL-4410022",
            "effective": "2026-03-01",
            "expiration": "2027-03-01",
            "additional_insured": True,
            "subrogation_waived": True,
            "basis": "occurrence",
            "aggregate_applies_per": "project",
            "limits": {
                "each_occurrence": 2000000,
                "damage_to_rented_premises": 300000,
                "medical_expense": 10000,
                "personal_advertising_injury": 2000000,
                "general_aggregate": 4000000,
                "products_completed_operations_aggregate": 4000000,
            },
        },
        {
            "line": "auto_liability",
            "insurer_letter": "A",
            "policy_number": "BA-7781204",
            "effective": "2026-03-01",
            "expiration": "2027-03-01",
            "additional_insured": True,
            "subrogation_waived": True,
            "covered_autos": ["any_auto"],
            "limits": {
                "combined_single_limit": 1000000,
                "bodily_injury_per_person": None,
                "bodily_injury_per_accident": None,
                "property_damage": None,
            },
        },
        {
            "line": "excess",
            "insurer_letter": "A",
            "policy_number": "XS-0091833",
            "effective": "2026-03-01",
            "expiration": "2027-03-01",
            "additional_insured": True,
            "subrogation_waived": False,
            "basis": "occurrence",
            "limits": {"each_occurrence": 10000000, "aggregate": 10000000},
        },
        {
            "line": "workers_compensation",
            "insurer_letter": "B",
            "policy_number": "WC-5520017",
            "effective": "2026-03-01",
            "expiration": "2027-03-01",
            "additional_insured": None,
            "subrogation_waived": True,
            "statutory": True,
            "officers_excluded": False,
            "limits": {
                "el_each_accident": 1000000,
                "el_disease_each_employee": 1000000,
                "el_disease_policy_limit": 1000000,
            },
        },
        {"line": "other", "description": "Installation floater", "limits": {"each_claim": 250000}},
    ],
    "description_of_operations": (
        "Project: Harbor Point Tower. Meridian Construction Group LLC, Harbor Point Owner LP "
        "and First Lakes Bank, N.A. are additional insureds for ongoing and completed "
        "operations under CG 20 10 04 13 and CG 20 37 04 13 on a primary and non-contributory "
        "basis. Waiver of subrogation applies. Excess follows form. 30 days notice of "
        "cancellation. Stop gap employers liability applies to Ohio operations."
    ),
    "certificate_holder": {
        "name": "Meridian Construction Group LLC",
        "address": "400 Commerce Blvd, Columbus OH 43215",
    },
    "fields": {
        "/coverages/0/limits/each_occurrence": {
            "confidence": 0.98,
            "page": 1,
            "bbox": [420.5, 310.0, 470.0, 318.5],
        },
        "/certificate_holder/name": {"confidence": 0.95, "page": 1, "bbox": [30, 700, 200, 710]},
    },
    "warnings": [],
}


def acord_json(**changes: Any) -> dict[str, Any]:
    """A fresh copy of the sample with top-level keys replaced."""
    document = copy.deepcopy(_SAMPLE)
    document.update(changes)
    return document
