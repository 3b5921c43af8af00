"""Page routes of the bookings app."""

from django.urls import path

from bookings import views
from bookings.tickets import views as ticket_views

urlpatterns = [
    path("campaigns/<slug:slug>/book/", views.campaign_book, name="campaign-book"),
    path("bookings/", views.booking_list, name="booking-list"),
    path("bookings/<int:pk>/", views.booking_detail, name="booking-detail"),
    path("bookings/<int:pk>/cancel/", views.booking_cancel, name="booking-cancel"),
    path("tickets/", ticket_views.my_tickets, name="my-tickets"),
    path(
        "tickets/<int:pk>/holder/", ticket_views.ticket_holder_change, name="ticket-holder-change"
    ),
    path("tickets/<int:pk>/transfer/", ticket_views.ticket_transfer, name="ticket-transfer"),
    path(
        "seller/campaigns/<int:pk>/bookings/",
        views.seller_campaign_bookings,
        name="seller-campaign-bookings",
    ),
    path(
        "seller/campaigns/<int:pk>/analytics/",
        views.campaign_analytics,
        name="seller-campaign-analytics",
    ),
]
