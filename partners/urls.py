from django.urls import path

from partners import views

app_name = "partners"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("administration/", views.administration, name="administration"),
    path("no-role/", views.no_role, name="no_role"),
]
