"""Page routes of the finance app."""

from django.urls import path

from finance import views

urlpatterns = [
    path("seller/finance/", views.seller_finance, name="seller-finance"),
    path("seller/finance/withdraw/", views.withdraw, name="seller-finance-withdraw"),
    path("seller/finance/methods/", views.withdrawal_method_add, name="seller-finance-method-add"),
    path(
        "seller/finance/methods/<int:pk>/remove/",
        views.withdrawal_method_remove,
        name="seller-finance-method-remove",
    ),
]
