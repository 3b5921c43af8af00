"""Routes of the bookings app."""

urlpatterns: list = []
