"""Page routes of the payments app; the sandbox checkout exists only with the sandbox gateway."""

from django.urls import path

from gateways import sandbox_enabled
from payments import sandbox_views, views

urlpatterns = [
    path("payments/pay/<int:booking_id>/", views.pay, name="payments-pay"),
    path("payments/return/", views.payment_return, name="payments-return"),
    path("seller/campaigns/<int:pk>/cancel/", views.campaign_cancel, name="seller-campaign-cancel"),
    path(
        "bookings/<int:pk>/refund-request/",
        views.booking_refund_request,
        name="booking-refund-request",
    ),
    path("seller/refund-requests/", views.seller_refund_requests, name="seller-refund-requests"),
    path(
        "seller/refund-requests/<int:pk>/approve/",
        views.refund_request_decide,
        {"decision": "approve"},
        name="seller-refund-request-approve",
    ),
    path(
        "seller/refund-requests/<int:pk>/decline/",
        views.refund_request_decide,
        {"decision": "decline"},
        name="seller-refund-request-decline",
    ),
]
if sandbox_enabled():
    urlpatterns.append(
        path(
            "payments/sandbox/checkout/<str:tx_ref>/",
            sandbox_views.checkout,
            name="payments-sandbox-checkout",
        )
    )
