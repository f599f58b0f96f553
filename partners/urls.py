from django.urls import path

from partners import views

app_name = "partners"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("administration/", views.administration, name="administration"),
    path("no-role/", views.no_role, name="no_role"),
]
