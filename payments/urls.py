"""API routes of the payments app, mounted under /api/v1/."""

from django.urls import path

from payments import api

urlpatterns = [
    path("payments/initialize/", api.PaymentInitialize.as_view(), name="api-payments-initialize"),
    path("payments/webhook/", api.PaymentWebhook.as_view(), name="payments-webhook"),
    path("bookings/<int:pk>/confirm/", api.BookingConfirm.as_view(), name="api-booking-confirm"),
    path("bookings/<int:pk>/refund/", api.BookingRefund.as_view(), name="api-booking-refund"),
    path(
        "bookings/<int:pk>/refund-request/",
        api.BookingRefundRequest.as_view(),
        name="api-booking-refund-request",
    ),
    path("refund-requests/", api.RefundRequestList.as_view(), name="api-refund-requests"),
    path(
        "refund-requests/<int:pk>/approve/",
        api.RefundRequestApprove.as_view(),
        name="api-refund-request-approve",
    ),
    path(
        "refund-requests/<int:pk>/decline/",
        api.RefundRequestDecline.as_view(),
        name="api-refund-request-decline",
    ),
    path("campaigns/<int:pk>/cancel/", api.CampaignCancel.as_view(), name="api-campaign-cancel"),
]
