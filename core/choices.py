"""Vocabulary shared by several apps."""

from django.db import models


class VenueType(models.TextChoices):
    BAR = "bar", "Bar"
    SPORTS = "sports", "Sports"
    HOTEL = "hotel", "Hotel"
    EVENT = "event", "Event"
    OTHER = "other", "Other"
