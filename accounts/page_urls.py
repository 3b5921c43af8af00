"""Page routes of the accounts app."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("demo-login/", views.demo_login, name="demo-login"),
    path("seller/apply/", views.apply_seller, name="apply-seller"),
]
