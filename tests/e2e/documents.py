"""Certificates and endorsement forms for the browser journeys, drawn with the project's own
ACORD 25 fixture drawer so the real reader reads them like any upload."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from fixturegen.acord25_modern import PageOptions
from fixturegen.documents import AcordPlan, draw_acord_page, new_canvas
from fixturegen.endorsements import ISO_FORMS, Endorsement, draw_endorsement_page
from fixturegen.pdfdraw import PrintStyle, TextSink
from fixturegen.values import (
    Address,
    Certificate,
    Coverage,
    Insurer,
    Party,
    Producer,
)

INSURER = Insurer(letter="A", name="Granite Mutual Casualty Company", naic="24112")
PRODUCER = Producer(
    name="Blue Anchor Insurance Services LLC",
    address=Address("18 Wharf Street", None, "Columbus", "OH", "43215"),
    contact="Dana Whitfield",
    phone="614-555-0142",
    fax=None,
    email="certs@blueanchor.example",
)


@dataclass(frozen=True)
class Policy:
    gl_number: str
    auto_number: str
    effective: date
    expiration: date


def certificate_pdf(insured: str, holder: str, policy: Policy, description: str) -> bytes:
    """A one-page ACORD 25 with general and auto liability, $1M / $2M and $1M any auto."""
    coverages = (
        Coverage(
            line="general_liability",
            insurer_letter="A",
            policy_number=policy.gl_number,
            effective=policy.effective,
            expiration=policy.expiration,
            additional_insured=True,
            subrogation_waived=True,
            limits={
                "each_occurrence": 1_000_000,
                "damage_to_rented_premises": 100_000,
                "medical_expense": 10_000,
                "personal_advertising_injury": 1_000_000,
                "general_aggregate": 2_000_000,
                "products_completed_operations_aggregate": 2_000_000,
            },
            basis="occurrence",
            aggregate_applies_per="policy",
        ),
        Coverage(
            line="auto_liability",
            insurer_letter="A",
            policy_number=policy.auto_number,
            effective=policy.effective,
            expiration=policy.expiration,
            additional_insured=True,
            subrogation_waived=True,
            limits={
                "combined_single_limit": 1_000_000,
                "bodily_injury_per_person": None,
                "bodily_injury_per_accident": None,
                "property_damage": None,
            },
            covered_autos=("any_auto",),
        ),
    )
    certificate = Certificate(
        certificate_date=policy.effective,
        certificate_number="E2E-0001",
        revision_number="1",
        producer=PRODUCER,
        insured=Party(insured, Address("400 Mill Road", None, "Columbus", "OH", "43204")),
        insurers=(INSURER,),
        coverages=coverages,
        description_of_operations=description,
        certificate_holder=Party(
            holder, Address("1 Commerce Plaza", None, "Columbus", "OH", "43215")
        ),
        owner_name="",
        project_name="",
    )
    plan = AcordPlan(certificate, "current_a", PrintStyle(), PageOptions(), [])
    buffer = io.BytesIO()
    canvas = new_canvas(buffer)
    draw_acord_page(canvas, plan, TextSink(canvas, plan.style), 1)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def endorsement_pdf(
    form: str,
    edition: str,
    insured: str,
    policy_number: str,
    effective: date,
    parties: tuple[str, ...],
) -> bytes:
    """One ISO endorsement page; blanket when no parties are scheduled."""
    _, purpose, title, _ = ISO_FORMS[form]
    endorsement = Endorsement(
        form_number=form,
        edition=edition,
        purpose=purpose,
        title=title,
        blanket=not parties,
        scheduled_parties=parties,
        schedule_items=(),
        carrier_specific=False,
        insurer_name=INSURER.name,
        policy_number=policy_number,
        named_insured=insured,
        effective=effective,
    )
    buffer = io.BytesIO()
    canvas = new_canvas(buffer)
    draw_endorsement_page(canvas, endorsement, "Page 1 of 1")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
