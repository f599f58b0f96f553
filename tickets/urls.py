from tickets.views import inbox

app_name = "tickets"

urlpatterns = [*inbox.urlpatterns]
