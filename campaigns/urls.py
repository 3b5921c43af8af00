"""Routes of the campaigns app."""

urlpatterns: list = []
