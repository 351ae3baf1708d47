"""The families modelled on issuers and paper handling the first kinds did not cover."""

from __future__ import annotations

import io
import math
import random
from pathlib import Path
from typing import Any

from PIL import Image
from pypdf import PdfReader

from fixturegen.camera import APERTURE_MM, Shot, choose_shot, defocus
from fixturegen.documents import plan_acord
from fixturegen.generate import build_document
from fixturegen.paper import STAMPED_SKEW_DEGREES, drawn_pdf
from fixturegen.scan import perspective_coefficients
from fixturegen.variety import VarietyRates, vary_as_in_life
from tests.unit.acord_fixtures.conftest import documents_of, page_texts

Corpus = tuple[Path, dict[str, Any]]


def test_livecycle_pages_carry_the_2014_form_in_text_and_a_script_never_run(
    corpus: Corpus,
) -> None:
    out, manifest = corpus
    for document in documents_of(manifest, "livecycle"):
        assert document["edition"] == "2014/01"
        assert document["expected"]["form_edition"] == "2014/01"
        [text] = page_texts(out / document["file"])
        assert "ACORD 25 (2014/01)" in text
        assert "ALL OWNED AUTOS" in text  # the older edition's wording
        assert document["expected"]["insured"]["name"] in text
        reader = PdfReader(out / document["file"])
        names = reader.trailer["/Root"]["/Names"]
        assert "/JavaScript" in names
        assert not reader.get_fields()


def test_turned_scans_are_landscape_rasters_upright_only_through_rotate(corpus: Corpus) -> None:
    out, manifest = corpus
    for document in documents_of(manifest, "turned"):
        turn = document["turn"]
        assert turn["raster_degrees"] in (90, 270)
        page = PdfReader(out / document["file"]).pages[0]
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert int(page.get("/Rotate", 0)) == turn["page_rotate"]
        assert (turn["raster_degrees"] + turn["page_rotate"]) % 360 in (0, 90, 270)
        shown_upright = (turn["raster_degrees"] + turn["page_rotate"]) % 360 == 0
        # The raster itself lies on its side; /Rotate, when present, stands the page up.
        assert width > height
        assert shown_upright == bool(turn["page_rotate"])
        assert page_texts(out / document["file"]) == [""]


def test_turned_scans_show_both_with_and_without_a_rotate_entry() -> None:
    rotates = {
        build_document(5, index, "turned", index).entry["turn"]["page_rotate"] != 0
        for index in range(6)
    }
    assert rotates == {True, False}


def test_stamped_scans_lie_askew_with_a_stamp_and_a_signature(corpus: Corpus) -> None:
    out, manifest = corpus
    low, high = STAMPED_SKEW_DEGREES
    for document in documents_of(manifest, "stamped"):
        assert low <= abs(document["scan"]["skew_degrees"]) <= high
        kinds = [mark["kind"] for mark in document["marks"]]
        assert kinds == ["stamp", "signature"]
        stamp = document["marks"][0]
        x0, top, x1, bottom = stamp["page_box"]
        assert 0 <= x0 < x1 <= 612 and 0 <= top < bottom <= 792
        # The stamp's date is a decoy: no certificate date reads like it.
        assert stamp["printed_date"] not in str(document["expected"])
        if document["format"] == "pdf":
            assert page_texts(out / document["file"]) == [""]


def test_photos_are_jpgs_of_a_page_seen_in_perspective(corpus: Corpus) -> None:
    out, manifest = corpus
    for document in documents_of(manifest, "photo"):
        photo = document["photo"]
        image = Image.open(out / document["file"])
        assert image.format == "JPEG" and image.mode == "RGB"  # phones take colour pictures
        assert list(image.size) == photo["size"]
        width, height = image.size
        assert width * 4 == height * 3  # a phone's 4:3 sensor held upright
        assert not image.getexif().get(0x0112)  # no orientation tag to undo anything
        tl, tr, br, bl = photo["corners"]
        # Keystone: the far (top) edge looks shorter than the near one.
        assert math.dist(tl, tr) < math.dist(bl, br)
        if photo["cropped"] is None:
            assert all(0 < v < 1 for corner in photo["corners"] for v in corner)
        else:
            # The frame cuts into the sheet's margin on one side only.
            assert any(not 0 < v < 1 for corner in photo["corners"] for v in corner)
        assert photo["blur_radius"] > 0 and photo["blur_far"] >= photo["blur_radius"]
        assert photo["light_falloff"] > 0 and photo["noise_sigma"] > 0
        assert photo["curl"]["height"] > 0 and 70 <= photo["jpeg_quality"] <= 92


def test_the_photo_model_varies_what_real_phone_photos_vary() -> None:
    """Across a few dozen shots, each effect of the sheet's shape and framing shows up and each
    is sometimes absent; the same draws give the same shot."""
    rng = random.Random(3)
    shots = [choose_shot(rng, 2400) for _ in range(40)]
    assert any(s.shape.folds for s in shots) and any(not s.shape.folds for s in shots)
    assert any(s.crop for s in shots) and any(not s.crop for s in shots)
    assert {s.shape.curl_axis for s in shots} == {"across", "down"}
    assert min(s.twist for s in shots) < -1 and max(s.twist for s in shots) > 1
    assert all(0 <= s.barrel <= 0.02 and s.shape.curl_height > 0 for s in shots)
    assert choose_shot(random.Random(9), 2000) == choose_shot(random.Random(9), 2000)


def test_a_tilted_sheet_is_blurred_by_the_depth_of_field_a_phone_has() -> None:
    """The far and near edges leave the plane of focus by the share the keystone shows: a square
    sheet seen head on is as sharp everywhere as in focus, a keystone of 7 % with the widest
    phone pupil adds under a pixel (a phone 25 cm over a page holds it nearly in focus), and
    the blur grows with the keystone and the pupil, adding to the in-focus one in quadrature."""
    rng = random.Random(3)
    shot = choose_shot(rng, 2400)
    head_on = Shot(**{**shot.__dict__, "quad": ((0, 0), (1800, 0), (1800, 2200), (0, 2200))})
    assert defocus(head_on, 0.8, APERTURE_MM[1]) == (0.8, 0.8)
    # The far edge 14 % shorter than the near one: a keystone of 7 %.
    tilted = Shot(**{**shot.__dict__, "quad": ((126, 0), (1674, 0), (1800, 2200), (0, 2200))})
    far, near = defocus(tilted, 0.8, APERTURE_MM[1])
    assert 0.8 < far < near < math.hypot(0.8, 1.0)
    narrow_far, _ = defocus(tilted, 0.8, APERTURE_MM[0])
    assert 0.8 < narrow_far < far


def test_perspective_coefficients_send_each_frame_corner_to_the_page_corner() -> None:
    quad = [(120.0, 80.0), (900.0, 95.0), (980.0, 1250.0), (60.0, 1230.0)]
    a, b, c, d, e, f, g, h = perspective_coefficients(quad, (850, 1100))
    for (x, y), (u, v) in zip(quad, [(0, 0), (850, 0), (850, 1100), (0, 1100)], strict=True):
        w = g * x + h * y + 1
        assert abs((a * x + b * y + c) / w - u) < 1e-6
        assert abs((d * x + e * y + f) / w - v) < 1e-6


def test_variety_puts_account_lines_placeholders_and_trade_names_on_current_layouts() -> None:
    always = VarietyRates(bare_digit_limits=1.0, placeholder_holder=0.0, account_line=1.0, dba=1.0)
    for seed in range(20):
        rng = random.Random(seed)
        plan = plan_acord(rng, "livecycle", "livecycle_2014")
        if plan.cert.insured.address.line_two or plan.cert.certificate_holder.address.line_two:
            continue
        varied, dba = vary_as_in_life(rng, plan, always)
        assert not varied.style.money_commas
        assert varied.options.holder_account and varied.options.holder_account.startswith("Acct")
        assert dba is not None and dba.startswith("DBA ")
        assert varied.options.insured_dba == dba
        break
    else:
        raise AssertionError("no plan without second address lines in 20 seeds")
    placeholders = VarietyRates(
        bare_digit_limits=0.0, placeholder_holder=1.0, account_line=0.0, dba=0.0
    )
    varied, _ = vary_as_in_life(
        random.Random(1), plan_acord(random.Random(1), "photo", "current_b"), placeholders
    )
    assert varied.options.holder_placeholders and not varied.options.holder_visible
    assert varied.expected("ocr")["certificate_holder"]["name"] is None


def test_the_older_layout_cannot_show_holder_oddities() -> None:
    always = VarietyRates(bare_digit_limits=0.0, placeholder_holder=1.0, account_line=1.0, dba=1.0)
    rng = random.Random(4)
    varied, dba = vary_as_in_life(rng, plan_acord(rng, "turned", "legacy_2001"), always)
    assert dba is None
    assert not varied.options.holder_placeholders and varied.options.holder_account is None


def test_image_families_hand_over_only_pixels(corpus: Corpus) -> None:
    out, manifest = corpus
    for kind in ("stamped", "photo"):
        for document in documents_of(manifest, kind):
            if document["format"] != "pdf":
                Image.open(io.BytesIO((out / document["file"]).read_bytes())).verify()


def test_a_livecycle_form_with_its_script_is_read_and_the_script_only_noted(
    tmp_path: Path,
) -> None:
    from backend.acord import read_document
    from tests.bench.bench_acord import compare_entry

    built = build_document(13, 0, "livecycle", 0)
    path = tmp_path / built.entry["file"]
    path.write_bytes(built.data)
    result = read_document(path)
    assert "error" not in result
    _, _, misses = compare_entry(built.entry, result)
    assert misses == [], misses
    assert result["form_edition"] == "2014/01"
    assert any(
        "JavaScript" in warning and "none of it was run" in warning
        for warning in result["warnings"]
    )


def test_a_date_box_left_with_its_placeholder_has_no_expected_date() -> None:
    rates = VarietyRates(
        bare_digit_limits=0.0,
        placeholder_holder=0.0,
        account_line=0.0,
        dba=0.0,
        date_placeholder=1.0,
    )
    rng = random.Random(3)
    varied, _ = vary_as_in_life(rng, plan_acord(rng, "stamped", "current_a"), rates)
    assert varied.options.date_placeholder
    assert varied.expected("ocr")["certificate_date"] is None
    pdf = drawn_pdf(varied)
    [text] = page_texts(pdf)
    assert "MM/DD/YYYY" in text.replace("DATE (MM/DD/YYYY)", "")
