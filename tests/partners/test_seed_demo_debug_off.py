"""``manage.py seed_demo`` on a production configuration (DEBUG off): refused unless forced.

Apart from ``test_seed_demo`` because these start from an empty database, where the tests
there share one run of the command.
"""

import pytest
from django.core.management import CommandError, call_command

from partners.models import Organisation, User
from tests.partners.test_seed_demo import ACCOUNTS

pytestmark = pytest.mark.django_db


def test_refuses_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", verbosity=0)

    assert not User.objects.exists()
    assert not Organisation.objects.exists()


def test_force_runs_with_debug_off(settings):
    settings.DEBUG = False

    call_command("seed_demo", "--force", verbosity=0)

    assert User.objects.count() == len(ACCOUNTS)
