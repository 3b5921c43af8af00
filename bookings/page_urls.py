"""Page routes of the bookings app."""

from django.urls import path

from bookings import views
from bookings.codes import views as code_views
from bookings.tickets import views as ticket_views
from bookings.waitlist import views as waitlist_views

urlpatterns = [
    path("campaigns/<slug:slug>/book/", views.campaign_book, name="campaign-book"),
    path("campaigns/<slug:slug>/offer/", views.campaign_book_offer, name="campaign-book-offer"),
    path(
        "campaigns/<slug:slug>/waiting-list/<int:ticket_type_id>/",
        waitlist_views.waiting_list_join,
        name="waiting-list-join",
    ),
    path(
        "campaigns/<slug:slug>/waiting-list/<int:ticket_type_id>/leave/",
        waitlist_views.waiting_list_leave,
        name="waiting-list-leave",
    ),
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
        "seller/campaigns/<int:pk>/attendees.csv",
        views.seller_campaign_attendees,
        name="seller-campaign-attendees",
    ),
    path(
        "seller/campaigns/<int:pk>/analytics/",
        views.campaign_analytics,
        name="seller-campaign-analytics",
    ),
    path(
        "seller/campaigns/<int:pk>/waiting-lists/",
        waitlist_views.seller_waiting_lists,
        name="seller-campaign-waiting-lists",
    ),
    path(
        "seller/campaigns/<int:pk>/codes/", code_views.campaign_codes, name="seller-campaign-codes"
    ),
    path("seller/codes/<int:pk>/", code_views.code_edit, name="seller-code-edit"),
    path(
        "seller/codes/<int:pk>/deactivate/",
        code_views.code_deactivate,
        name="seller-code-deactivate",
    ),
]
