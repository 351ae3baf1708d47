"""A notice's body on the notices page: escaped, and each page of this site it names after a
colon made a link (a folded notice names several engagements; its button opens the first)."""

from __future__ import annotations

from backend.web.template_filters import site_links

ID = "aa4f42b0-b2cb-4504-b5dc-95bc16237f3d"


def test_site_paths_become_links_and_nothing_else_does() -> None:
    body = (
        f"P-1 Riverside: non-compliant -> compliant.\nSee it: /my/engagements/{ID}\n"
        f"Open: /engagements/{ID}#messages\nReview: /documents/{ID}/review\nAll: /depends"
    )
    shown = str(site_links(body))
    assert "non-compliant -&gt; compliant" in shown
    for path in (
        f"/my/engagements/{ID}",
        f"/engagements/{ID}#messages",
        f"/documents/{ID}/review",
        "/depends",
    ):
        assert f'<a href="{path}">{path}</a>' in shown


def test_typed_text_never_becomes_a_link_or_markup() -> None:
    for typed in (
        'Note: /engagements/x" onclick="alert(1)',
        "Note: //evil.example/engagements",
        "Note: https://evil.example/my/engagements",
        "Note: <script>alert(1)</script>",
        f"Note:/engagements/{ID}",  # no space after the colon: not the notices' own format
        f"Note: /engagements/{ID}<b>",
    ):
        shown = str(site_links(typed))
        assert "<a " not in shown, typed
        assert "<script>" not in shown and "<b>" not in shown


def test_a_path_cut_short_by_the_home_pages_box_is_not_linked() -> None:
    cut = f"See it: /my/engagements/{ID[:30]}..."
    assert "<a " not in str(site_links(cut))
    whole = f"See it: /my/engagements/{ID}..."
    assert f'<a href="/my/engagements/{ID}">' in str(site_links(whole))
