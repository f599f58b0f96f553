from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from desk import urls as desk_urls
from desk.views.password_reset import OutboxPasswordResetView
from entitlements import urls as entitlements_urls
from hwaas import urls as hwaas_urls
from partners import api as partners_api
from partners import views as partners_views
from partners.auth import EmailAuthenticationForm
from supportdesk import views
from tickets import urls as tickets_urls

# Under /api/ these answer JSON in the API's error shape (core.api.handlers). A database
# outage gives 503 (see supportdesk.unavailable), anything else the plain 500.
handler400 = "core.api.handlers.bad_request"
handler403 = "core.api.handlers.permission_denied"
handler404 = "core.api.handlers.page_not_found"
handler500 = "supportdesk.unavailable.server_error"

admin.site.site_header = "Support desk administration"
admin.site.site_title = "Support desk admin"

# Swagger UI's script comes as a file of its own; its page and widgets style themselves
# inline and draw icons from data: addresses.
api_docs = csp_update({"style-src": ["'unsafe-inline'"], "img-src": ["data:"]})(
    SpectacularSwaggerSplitView.as_view(url_name="api-schema")
)

api_patterns = [
    path("auth/token/", partners_api.ObtainTokenView.as_view(), name="api-token"),
    path("auth/tokens/", partners_api.TokenListView.as_view(), name="api-tokens"),
    path("auth/tokens/<int:pk>/", partners_api.TokenDetailView.as_view(), name="api-token-detail"),
    path("me/", partners_api.MeView.as_view(), name="api-me"),
    path("", include("desk.api.cases")),
    path("", include("desk.api.alerts")),
    path("", include("availability.records_api")),
    path("", include("availability.api")),
    path("", include("availability.status_api")),
    path("", include("hwaas.api")),
    path("", include("desk.api.hardware")),
    path("", include("entitlements.api")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", api_docs, name="api-docs"),
]

urlpatterns = [
    # First: the API and the load balancer's health check are resolved here before Django
    # tries (and lists, on the way) the pages' patterns, none of which they could match.
    path("api/", include(api_patterns)),
    path("health/", views.health_check, name="health"),
    path("", partners_views.landing, name="landing"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    # Password-reset requests are rate-limited (partners.views.PasswordResetView) and their
    # e-mail goes through the outbox (desk.views.password_reset).
    path(
        "accounts/password_reset/",
        OutboxPasswordResetView.as_view(),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("partners.urls")),
    # The case pages, the NOC board and the hardware request form are built in the use-case
    # layer (desk) on the apps below it; they keep the URL names of the app whose things
    # they show.
    path("", include(([*tickets_urls.urlpatterns, *desk_urls.case_patterns], "tickets"))),
    path("", include((desk_urls.noc_patterns, "sla"))),
    path("", include("availability.urls")),
    path("", include(([*hwaas_urls.urlpatterns, *desk_urls.hardware_patterns], "hwaas"))),
    path(
        "",
        include(
            (
                [*entitlements_urls.urlpatterns, *desk_urls.intervention_patterns],
                "entitlements",
            )
        ),
    ),
    path("admin/", admin.site.urls),
]
