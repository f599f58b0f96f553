from tickets.views import inbox, partner, staff

app_name = "tickets"

urlpatterns = [*partner.urlpatterns, *staff.urlpatterns, *inbox.urlpatterns]
