"""The desk's own pages for a missing page (404), a forbidden one (403) and a crash (500);
under /api/ the same errors stay JSON. The 500 page shows even when the database is what
failed: it is rendered without a request or the context processors."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.template import loader
from django.test import Client, override_settings
from django.urls import path, reverse

from supportdesk import urls as project_urls
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def crash(request):
    raise RuntimeError("boom")


def forbidden(request):
    raise PermissionDenied


# The project's routes with one page that crashes, and the project's error handlers.
urlpatterns = [
    path("crash/", crash),
    path("api/crash/", crash),
    path("api/forbidden/", forbidden),
    *project_urls.urlpatterns,
]
handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500


def test_a_missing_page_is_the_styled_404_with_a_way_home(policies):
    client = Client()
    client.force_login(UserFactory(organisation=OrganisationFactory()))

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    text = response.content.decode()
    assert "<h1>Page not found</h1>" in text
    assert f'href="{reverse("landing")}"' in text
    assert "css/app.css" in text
    assert "Log out" in text  # the desk's own layout, with the signed-in user's menu


def test_a_partner_on_a_staff_page_gets_the_styled_403(policies):
    client = Client()
    client.force_login(UserFactory(organisation=OrganisationFactory()))

    response = client.get(reverse("entitlements:time_report"))

    assert response.status_code == 403
    text = response.content.decode()
    assert "<h1>You cannot open this page</h1>" in text
    assert f'href="{reverse("landing")}"' in text


@override_settings(ROOT_URLCONF=__name__)
def test_a_refusal_under_the_api_that_no_api_view_answers_stays_json():
    response = Client().get("/api/forbidden/")

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert isinstance(json.loads(response.content)["detail"], str)


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_crashing_page_renders_the_500_page():
    client = Client()
    client.raise_request_exception = False

    response = client.get("/crash/")

    assert response.status_code == 500
    text = response.content.decode()
    assert "<h1>Something went wrong on our side</h1>" in text
    assert "css/app.css" in text
    assert 'href="/"' in text


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_crash_under_the_api_stays_json():
    client = Client(raise_request_exception=False)

    response = client.get("/api/crash/")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"


def test_the_500_page_renders_without_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        html = loader.get_template("500.html").render()

    assert "Something went wrong" in html
