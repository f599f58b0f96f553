import pytest
from django.urls import reverse

from partners.roles import Role
from tests.factories import StaffFactory, UserFactory


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("roles", "landing"),
    [
        ([Role.AGENT], "tickets:queue"),
        ([Role.NOC], "sla:noc_board"),
        ([Role.BILLING], "availability:billing"),
        ([Role.ADMIN], "partners:administration"),
    ],
)
def test_staff_land_on_their_page(client, policies, roles, landing):
    client.force_login(StaffFactory(roles=roles))
    response = client.get(reverse("landing"))
    assert response.status_code == 302
    assert response["Location"] == reverse(landing)
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.django_db
def test_partner_lands_on_my_cases(client, policies):
    client.force_login(UserFactory())
    response = client.get(reverse("landing"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("tickets:my_cases")
    assert b"Direct support" in response.content
