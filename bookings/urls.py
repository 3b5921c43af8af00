"""API routes of the bookings app, mounted under /api/v1/."""

from django.urls import path

from bookings import api
from bookings.tickets import api as tickets_api

urlpatterns = [
    path("bookings/", api.BookingListCreate.as_view(), name="api-bookings"),
    path("bookings/<int:pk>/", api.BookingDetail.as_view(), name="api-booking"),
    path("bookings/<int:pk>/cancel/", api.BookingCancel.as_view(), name="api-booking-cancel"),
    path("bookings/<int:pk>/pdf/", tickets_api.BookingPdf.as_view(), name="api-booking-pdf"),
    path("bookings/<int:pk>/receipt/", api.BookingReceipt.as_view(), name="api-booking-receipt"),
    path("tickets/<int:pk>/pdf/", tickets_api.TicketPdf.as_view(), name="api-ticket-pdf"),
    path(
        "campaigns/<int:pk>/analytics/",
        api.CampaignAnalytics.as_view(),
        name="api-campaign-analytics",
    ),
]
