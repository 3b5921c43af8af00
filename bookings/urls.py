"""API routes of the bookings app, mounted under /api/v1/."""

from django.urls import path

from bookings import api
from bookings.codes import api as codes_api
from bookings.tickets import api as tickets_api
from bookings.waitlist import api as waitlist_api

urlpatterns = [
    path("bookings/", api.BookingListCreate.as_view(), name="api-bookings"),
    path("bookings/<int:pk>/", api.BookingDetail.as_view(), name="api-booking"),
    path("bookings/<int:pk>/cancel/", api.BookingCancel.as_view(), name="api-booking-cancel"),
    path("bookings/<int:pk>/pdf/", tickets_api.BookingPdf.as_view(), name="api-booking-pdf"),
    path("tickets/<int:pk>/", tickets_api.TicketDetail.as_view(), name="api-ticket"),
    path(
        "tickets/<int:pk>/transfer/",
        tickets_api.TicketTransfer.as_view(),
        name="api-ticket-transfer",
    ),
    path("bookings/<int:pk>/receipt/", api.BookingReceipt.as_view(), name="api-booking-receipt"),
    path("tickets/<int:pk>/pdf/", tickets_api.TicketPdf.as_view(), name="api-ticket-pdf"),
    path(
        "campaigns/<int:pk>/analytics/",
        api.CampaignAnalytics.as_view(),
        name="api-campaign-analytics",
    ),
    path(
        "ticket-types/<int:pk>/waiting-list/",
        waitlist_api.WaitingListView.as_view(),
        name="api-waiting-list",
    ),
    path(
        "campaigns/<int:pk>/waiting-lists/",
        waitlist_api.CampaignWaitingLists.as_view(),
        name="api-campaign-waiting-lists",
    ),
    path("campaigns/<int:pk>/codes/", codes_api.CampaignCodes.as_view(), name="api-campaign-codes"),
    path("codes/<int:pk>/", codes_api.CodeDetail.as_view(), name="api-code"),
]
