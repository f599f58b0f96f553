"""REST API for cases, messages, feedback and knowledge-base search."""

urlpatterns: list = []
