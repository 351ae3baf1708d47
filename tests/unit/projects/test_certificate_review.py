"""The review page's judgement of names, placeholders and the fields left unread."""

from __future__ import annotations

from datetime import date

from backend.projects.certificate_review import insured_is_sub, review_warnings
from backend.web.review import is_placeholder, review_view


def test_the_insured_is_the_sub_despite_punctuation_suffixes_and_a_trade_name() -> None:
    assert insured_is_sub("Acme Roofing, L.L.C.", "Acme Roofing LLC")
    assert insured_is_sub("ACME ROOFING INC\n12 Main St", "Acme Roofing LLC")
    assert insured_is_sub("Acme Roofing LLC dba Rooftop Pros", "Acme Roofing LLC")
    assert not insured_is_sub("Acme Roofing Supply LLC", "Acme Roofing LLC")
    assert not insured_is_sub("Northwind Paving Inc", "Acme Roofing LLC")
    assert not insured_is_sub("LLC", "Inc.")


def test_template_placeholders_are_no_values() -> None:
    for blank in ("MM/DD/YYYY", "NAME", "Name and Address", "XXXXXXXX", "__/__/____"):
        assert is_placeholder(blank), blank
    for value in ("Northwind", "GL-1", "2026-01-01", "TBD"):
        assert not is_placeholder(value), value


def test_nothing_read_means_empty_fields_and_a_banner() -> None:
    view = review_view({"form": "acord25", "coverages": [], "insured": {"name": "NAME"}}, [], False)
    assert view.no_coverage_read
    assert not view.context  # the placeholder insured is not shown as read
    gl = view.coverages[0]
    values = {f.name: f.value for f in gl.fields}
    assert values["cov-0-basis"] == "" and values["cov-0-aggregate_applies_per"] == ""
    wc = next(c for c in view.coverages if c.line == "workers_compensation")
    assert {f.name: f.value for f in wc.fields}[f"cov-{wc.index}-wc_statutory"] == ""


def test_an_old_certificate_for_another_company_with_lapsed_policies_warns_three_times() -> None:
    result = {
        "insured": {"name": "Other Company Inc"},
        "certificate_date": "2025-01-02",
        "coverages": [{"line": "general_liability", "expiration": "2025-06-01"}],
    }
    warnings = review_warnings(result, "Acme Roofing LLC", None, date(2026, 1, 2), (90, "GC"))
    assert [w.code for w in warnings] == ["insured_name", "expired", "stale_certificate"]
    fresh = {**result, "insured": {"name": "Acme Roofing"}, "certificate_date": "2025-12-20"}
    fresh["coverages"] = [{"line": "general_liability", "expiration": "2026-06-01"}]
    assert review_warnings(fresh, "Acme Roofing LLC", None, date(2026, 1, 2), (90, "GC")) == []


def test_a_broker_reviewing_its_clients_upload_is_addressed_as_the_broker() -> None:
    # A broker reviewing a client's upload was told "not your legal name" and "Ask the broker
    # for a current one", as if it were the sub.
    result = {"insured": {"name": "Other Company Inc"}, "certificate_date": "2025-01-02"}
    for_sub = review_warnings(result, "Acme Roofing LLC", None, date(2026, 1, 2), (90, "GC"))
    for_broker = review_warnings(
        result, "Acme Roofing LLC", None, date(2026, 1, 2), (90, "GC"), for_broker=True
    )
    assert [w.code for w in for_broker] == [w.code for w in for_sub]
    sub_name, sub_age = (w.message for w in for_sub)
    broker_name, broker_age = (w.message for w in for_broker)
    assert "not your legal name “Acme Roofing LLC”" in sub_name and sub_name.endswith("cover you.")
    assert "not your client's legal name “Acme Roofing LLC”" in broker_name
    assert broker_name.endswith("does not cover your client.")
    assert sub_age.endswith("Ask the broker for a current one.")
    assert broker_age.endswith("Send a current one.") and "Ask the broker" not in broker_age
