from tickets.views import partner, staff

app_name = "tickets"

urlpatterns = [*partner.urlpatterns, *staff.urlpatterns]
