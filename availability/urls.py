from django.urls import path

from availability import noc_views, status_views, views

app_name = "availability"

urlpatterns = [
    path("billing/", views.billing, name="billing"),
    path("billing/credits.csv", views.billing_csv, name="billing_csv"),
    path("status/", status_views.status_page, name="status"),
    path("status/incidents/<int:pk>/", status_views.status_incident, name="status_incident"),
    path(
        "status/subscriptions/",
        status_views.status_subscriptions,
        name="status_subscriptions",
    ),
    path(
        "status/subscriptions/feed-key/",
        status_views.status_feed_key_renew,
        name="status_feed_key_renew",
    ),
    path(
        "status/unsubscribe/<str:token>/",
        status_views.status_unsubscribe,
        name="status_unsubscribe",
    ),
    path("status/feeds/<str:key>/<slug:code>.atom", status_views.status_feed, name="status_feed"),
    path("status/public/", status_views.status_public, name="status_public"),
    path(
        "status/public/<slug:code>.atom",
        status_views.status_public_feed,
        name="status_public_feed",
    ),
]
urlpatterns += noc_views.urlpatterns
