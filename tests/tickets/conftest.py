"""Fixtures the e-mail tests of this folder share."""

import pytest


@pytest.fixture
def mail_setup(settings, media_root, eager_celery, policies):
    """The desk's addresses as its e-mails give them; tasks run as soon as they are queued."""
    settings.SITE_URL = "https://desk.example.test"
    settings.DEFAULT_FROM_EMAIL = "Support desk <support@supportdesk.test>"
    settings.SUPPORT_REPLY_TO = "replies@supportdesk.test"


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what services queue on commit, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
