"""Knowledge-base suggestions beside the intake form, article pages and "this solved it"."""

import pytest
from django.db import connection
from django.urls import reverse

from partners.models import CaseReason, CaseType
from partners.roles import Role
from tests.factories import DeviceFactory, StaffFactory
from tests.partners.pages import Page
from tests.tickets.factories import ArticleFactory, policy_2026
from tickets.demo_articles import ARTICLES, seed_articles
from tickets.models import Article, Deflection, Ticket

pytestmark = pytest.mark.django_db

SUGGESTIONS = reverse("tickets:kb_suggestions")


@pytest.fixture
def partner(partner, client):
    client.force_login(partner)
    return partner


def suggested_titles(client, **params) -> list[str]:
    response = client.get(SUGGESTIONS, params, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    page = Page(response)
    return [
        link.text.removesuffix(" (opens in a new tab)")
        for link in page.find_all("a")
        if "kb-item__title" in link.attrs.get("class", "")
    ]


def test_suggestions_match_the_subject_typed(client, partner):
    ArticleFactory(title="One-way audio behind NAT", body="Check SIP ALG.", tags="")
    ArticleFactory(title="Invoices and credit notes", body="Download them as PDF.", tags="")

    titles = suggested_titles(client, subject="one-way audio on calls")

    assert titles == ["One-way audio behind NAT"]


def test_a_title_match_ranks_above_a_body_match(client, partner):
    ArticleFactory(
        title="Firmware upgrades for desk phones", body="Upgrade the PBX first.", tags=""
    )
    ArticleFactory(
        title="Provisioning checklist",
        body="After provisioning, check the firmware shown on the phone.",
        tags="",
    )

    titles = suggested_titles(client, subject="firmware")

    # PostgreSQL ranks by weight (title over body); the SQLite fallback puts title hits first.
    assert titles == ["Firmware upgrades for desk phones", "Provisioning checklist"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text ranking")
def test_full_text_search_finds_word_forms(client, partner):
    ArticleFactory(title="Calls dropping after thirty seconds", body="Session timers.", tags="")

    assert suggested_titles(client, subject="call drops") == ["Calls dropping after thirty seconds"]


def test_the_picked_reason_lifts_an_equally_relevant_article(client, partner):
    ArticleFactory(
        title="Trunk registration", body="Trunk.", reason_code="pbx-configuration", tags=""
    )
    ArticleFactory(title="Trunk audio", body="Trunk.", reason_code="call-quality", tags="")

    titles = suggested_titles(
        client, subject="trunk", case_type="tech_support", reason="call-quality"
    )

    assert titles == ["Trunk audio", "Trunk registration"]


def test_without_words_the_reason_or_device_picks_the_articles(client, partner):
    ArticleFactory(title="DECT registration", reason_code="devices", device_kind="device")
    ArticleFactory(title="Cloud PBX checklist", reason_code="cloud-pbx-unreachable")
    ArticleFactory(title="Billing", case_type_code="customer_care", reason_code="billing")
    phone = DeviceFactory(organisation=partner.organisation, kind="device")

    by_reason = suggested_titles(client, case_type="tech_support", reason="cloud-pbx-unreachable")
    by_device = suggested_titles(client, case_type="tech_support", device=phone.pk)
    nothing = suggested_titles(client, case_type="tech_support")

    assert by_reason == ["Cloud PBX checklist"]
    assert by_device == ["DECT registration"]
    assert nothing == []


def test_another_organisations_device_does_not_steer_suggestions(client, partner):
    ArticleFactory(title="DECT registration", reason_code="devices", device_kind="device")
    foreign_phone = DeviceFactory(kind="device")

    assert suggested_titles(client, case_type="tech_support", device=foreign_phone.pk) == []


def test_at_most_five_published_articles_are_suggested(client, partner):
    ArticleFactory.create_batch(7, title="Voicemail to e-mail", body="Voicemail.")
    ArticleFactory(title="Voicemail draft", is_published=False)

    titles = suggested_titles(client, subject="voicemail")

    assert len(titles) == 5
    assert "Voicemail draft" not in titles


def test_each_suggestion_offers_this_solved_it_with_the_subject(client, partner):
    article = ArticleFactory(title="One-way audio behind NAT", slug="one-way-audio")

    page = Page(client.get(SUGGESTIONS, {"subject": "one-way audio"}))

    forms = page.find_all("form", action=reverse("tickets:article_solved", args=[article.slug]))
    assert len(forms) == 1
    assert page.find_all("input", name="q", value="one-way audio")
    links = [a.attrs["href"] for a in page.find_all("a")]
    assert reverse("tickets:article", args=["one-way-audio"]) + "?q=one-way%20audio" in links


def test_the_intake_form_asks_for_suggestions_while_typing(client, partner):
    page = Page(client.get(reverse("tickets:case_new")))

    subject = page.field_labelled("Subject")
    assert subject.attrs["hx-get"] == SUGGESTIONS
    assert subject.attrs["hx-trigger"] == "input changed delay:400ms"
    assert subject.attrs["hx-target"] == "#kb-suggestions"
    for label in ("Case type", "PBX or device"):
        control = page.field_labelled(label)
        assert control.attrs["hx-get"] == SUGGESTIONS
        assert control.attrs["hx-trigger"] == "change"
    assert page.find_all("div", id="kb-suggestions")


def test_the_reason_list_asks_for_suggestions_when_changed(client, partner):
    url = reverse("tickets:intake_options")

    page = Page(client.get(url, {"case_type": "tech_support"}, HTTP_HX_REQUEST="true"))

    reason = page.field_labelled("Reason")
    assert reason.attrs["hx-get"] == SUGGESTIONS
    assert reason.attrs["hx-trigger"] == "change"


def test_this_solved_it_is_counted_and_opens_no_case(client, partner):
    article = ArticleFactory(title="One-way audio behind NAT", slug="one-way-audio")

    response = client.post(
        reverse("tickets:article_solved", args=[article.slug]),
        {"q": "one-way audio on calls"},
        follow=True,
    )

    assert response.status_code == 200
    deflection = Deflection.objects.get()
    assert deflection.article == article
    assert deflection.user == partner
    assert deflection.organisation == partner.organisation
    assert deflection.query == "one-way audio on calls"
    assert not Ticket.objects.exists()
    assert "no case was opened" in Page(response).text()


def test_reloading_the_thank_you_page_counts_nothing_more(client, partner):
    article = ArticleFactory()
    url = reverse("tickets:article_solved", args=[article.slug])
    client.post(url, {"q": "trunk"})

    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200

    assert Deflection.objects.count() == 1


def test_an_unpublished_article_is_404_everywhere(client, partner):
    draft = ArticleFactory(is_published=False)

    assert client.get(reverse("tickets:article", args=[draft.slug])).status_code == 404
    solved = client.post(reverse("tickets:article_solved", args=[draft.slug]))
    assert solved.status_code == 404
    assert not Deflection.objects.exists()


def test_article_page_renders_steps_and_escapes_html(client, partner):
    article = ArticleFactory(
        title="Check the trunk",
        body="Before you start:\n\n1. Open the admin\n2. Look at <b>Trunks</b>\n\n- a tip",
    )

    response = client.get(reverse("tickets:article", args=[article.slug]), {"q": "trunk"})

    html = response.content.decode()
    assert "<ol><li>Open the admin</li><li>Look at &lt;b&gt;Trunks&lt;/b&gt;</li></ol>" in html
    assert "<ul><li>a tip</li></ul>" in html
    page = Page(response)
    assert page.find_all("input", name="q", value="trunk")
    assert [b for b in page.find_all("button") if b.text == "This solved it"]


def test_staff_may_read_articles_but_not_mark_them_solved(client, policies):
    article = ArticleFactory(title="Check the trunk")
    client.force_login(StaffFactory(roles=[Role.AGENT]))

    page = client.get(reverse("tickets:article", args=[article.slug]))
    solved = client.post(reverse("tickets:article_solved", args=[article.slug]))

    assert page.status_code == 200
    assert b"Check the trunk" in page.content
    assert b"This solved it" not in page.content
    assert solved.status_code == 403


# --- The demo articles -------------------------------------------------------------------


def test_seed_articles_is_idempotent_and_uses_codes_of_the_terms(policies):
    assert seed_articles() == len(ARTICLES)
    seed_articles()

    assert Article.objects.count() == len(ARTICLES) >= 30
    policy = policy_2026()
    type_codes = set(CaseType.objects.filter(policy=policy).values_list("code", flat=True))
    for article in Article.objects.all():
        assert article.case_type_code in type_codes, article.slug
        assert CaseReason.objects.filter(
            case_type__policy=policy,
            case_type__code=article.case_type_code,
            code=article.reason_code,
        ).exists(), article.slug
        assert article.device_kind in ("", "cloud_pbx", "hardware_pbx", "device"), article.slug


def test_demo_articles_answer_common_questions(client, partner):
    seed_articles()

    assert "Cloud PBX unreachable: checklist before you open a case" in suggested_titles(
        client, subject="cloud pbx unreachable"
    )
    assert suggested_titles(
        client, subject="replacement police report", case_type="hwaas_management"
    )[0].startswith("Replacing a damaged, stolen or burnt HWaaS device")
