from __future__ import annotations

from backend.acord.endorsements import is_endorsement_page, merge_pages, read_endorsement_page

HEAD = (
    "POLICY NUMBER: GLX-204417 Northwind Casualty Company\n"
    "THIS ENDORSEMENT AMENDS YOUR POLICY. READ IT WITH CARE.\n"
)


def test_carrier_form_with_edition_in_brackets_and_a_blanket_title() -> None:
    text = (
        HEAD + "BLANKET WAIVER OF SUBROGATION WHEN AGREED IN WRITING\n"
        "It applies to the coverage part shown here:\n"
        "COMMERCIAL GENERAL LIABILITY COVERAGE PART\n"
        "Named Insured: Birchwood Roofing LLC\nEndorsement effective: 3/1/2026\n"
        "A. We give up our right of recovery where you agreed to it in a written contract.\n"
        "NWC-GL 4410 (06 21) Page 1 of 1"
    )
    assert is_endorsement_page(text)
    entry = read_endorsement_page(text, 4)
    assert entry is not None
    assert (entry["form_number"], entry["edition"]) == ("NWC-GL 4410", "06 21")
    assert entry["kind"] == "other" and entry["carrier_specific"] is True
    assert entry["purpose"] == "waiver_of_subrogation"
    assert entry["blanket"] is True and entry["scheduled_parties"] == []
    assert entry["policy_number"] == "GLX-204417"
    assert entry["insurer"] == "Northwind Casualty Company"
    assert entry["named_insured"] == "Birchwood Roofing LLC"
    assert entry["effective"] == "2026-03-01"
    assert entry["page"] == 4


def test_workers_compensation_form_has_three_number_pairs() -> None:
    text = (
        HEAD + "WAIVER OF RIGHT TO RECOVER FROM OTHERS\nSCHEDULE\nPerson(s) or Organization(s):\n"
        "Lakeview School District\nAnything this schedule leaves blank is in the Declarations.\n"
        "WC 00 03 13 04 84 Page 1 of 1"
    )
    entry = read_endorsement_page(text, 1)
    assert entry is not None
    assert (entry["form_number"], entry["edition"]) == ("WC 00 03 13", "04 84")
    assert entry["kind"] == "workers_compensation_waiver_of_subrogation"
    assert entry["scheduled_parties"] == ["Lakeview School District"]
    assert entry["blanket"] is False


def test_project_schedule_and_blanket_project_wording() -> None:
    scheduled = (
        HEAD + "DESIGNATED CONSTRUCTION PROJECTS - SEPARATE GENERAL AGGREGATE\nSCHEDULE\n"
        "Designated Construction Project(s):\nRiverside Clinic Expansion\n"
        "A. A separate aggregate applies to each project.\nCG 25 03 05 09"
    )
    entry = read_endorsement_page(scheduled, 1)
    assert entry is not None
    assert entry["schedule_items"] == ["Riverside Clinic Expansion"]
    assert entry["scheduled_parties"] == [] and entry["blanket"] is False
    blanket = scheduled.replace(
        "Riverside Clinic Expansion", "All construction projects you perform for others."
    )
    entry = read_endorsement_page(blanket, 1)
    assert entry is not None
    assert entry["blanket"] is True and entry["schedule_items"] == []


def test_a_form_over_two_pages_is_listed_once() -> None:
    first = read_endorsement_page(
        HEAD + "SCHEDULE\nPerson(s) or Organization(s):\nAlder Homes LLC\nCG 20 10 04 13 Page 1", 2
    )
    second = read_endorsement_page(
        HEAD + "SCHEDULE\nPerson(s) or Organization(s):\nCity of Easton\nCG 20 10 04 13 Page 2", 3
    )
    assert first is not None and second is not None
    merged = merge_pages([first, second])
    assert len(merged) == 1
    assert merged[0]["page"] == 2
    assert merged[0]["scheduled_parties"] == ["Alder Homes LLC", "City of Easton"]


def test_a_page_that_only_mentions_a_form_is_not_an_endorsement() -> None:
    text = "Remarks: CG 20 10 and CG 20 37 apply per the attached forms.\nPage 2"
    assert not is_endorsement_page(text)


def test_notice_of_cancellation_form_gives_its_scheduled_days() -> None:
    text = (
        HEAD + "NOTICE OF CANCELLATION TO DESIGNATED PERSON OR ORGANIZATION\n"
        "SCHEDULE\nNumber of days' notice: 30\n"
        "Name of Person or Organization: Meridian Construction Group LLC\n"
        "A. If we cancel this policy for any reason other than nonpayment of premium, we will "
        "mail notice at least the number of days shown in the Schedule before the cancellation "
        "takes effect; for nonpayment, 10 days.\n"
        "IL 70 21 09 15 Page 1 of 1"
    )
    entry = read_endorsement_page(text, 1)
    assert entry is not None
    assert (entry["form_number"], entry["edition"]) == ("IL 70 21", "09 15")
    assert entry["kind"] == "notice_of_cancellation"
    assert entry["purpose"] == "notice_of_cancellation"
    assert entry["notice_days"] == 30


def test_other_forms_state_no_notice_days() -> None:
    text = (
        HEAD + "WAIVER OF TRANSFER OF RIGHTS OF RECOVERY AGAINST OTHERS TO US\n"
        "Coverage applies 30 days after the contract is signed.\n"
        "CG 24 04 05 09 Page 1 of 1"
    )
    entry = read_endorsement_page(text, 1)
    assert entry is not None and entry["notice_days"] is None
