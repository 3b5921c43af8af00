"""Users keyed by e-mail with a role, seller applications, manager invitations, the audit log."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_countries.fields import CountryField

from accounts.validators import validate_phone
from core.choices import VenueType


class Role(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    SELLER = "seller", "Seller"
    MANAGER = "manager", "Manager"
    SUPER_ADMIN = "super_admin", "Super admin"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("Users need an e-mail address")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        if password:
            user.set_password(password)
        else:
            # Everyone but admin staff signs in with Google only.
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(role=Role.SUPER_ADMIN, is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150, blank=True)
    phone = models.CharField(max_length=32, blank=True, validators=[validate_phone])
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CUSTOMER)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="Can open the Django admin (super admins)."
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.email

    @property
    def is_seller(self) -> bool:
        return self.role == Role.SELLER

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER

    @property
    def is_super_admin(self) -> bool:
        return self.role == Role.SUPER_ADMIN


class SellerApplication(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="seller_applications"
    )
    business_name = models.CharField(max_length=200)
    # Printed on the receipts of the seller's sales (bookings.receipts).
    business_address = models.CharField(max_length=300, blank=True)
    business_type = models.CharField(max_length=16, choices=VenueType.choices)
    phone = models.CharField(max_length=32, validators=[validate_phone])
    country = CountryField()
    description = models.TextField(max_length=5000)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    rejection_reason = models.TextField(blank=True)
    decision_emailed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status="pending"),
                name="one_pending_seller_application_per_user",
            )
        ]

    def __str__(self):
        return f"{self.business_name} ({self.get_status_display()})"


class ManagerInvitation(models.Model):
    """An e-mail address invited to manage something (a campaign), until accepted or expired.

    Nobody's role or assignment changes before the invitee, signed in with that address,
    accepts. What is managed is referred to by content type and id: accounts sits below the
    apps that own it (campaigns), which apply the assignment when the invitation is accepted.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        REVOKED = "revoked", "Revoked"

    # What `state` shows for a pending invitation past `expires_at`; never stored.
    EXPIRED = "expired"

    email = models.EmailField(help_text="Lower case; the invitee signs in with this address.")
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who accepted, declined or revoked it.",
    )
    emailed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["email", "status"], name="manager_invitation_email")]
        constraints = [
            models.UniqueConstraint(
                fields=["target_type", "target_id", "email"],
                condition=Q(status="pending"),
                name="one_pending_manager_invitation",
            ),
        ]

    def __str__(self):
        return f"Invitation of {self.email} ({self.state})"

    @property
    def is_expired(self) -> bool:
        return self.status == self.Status.PENDING and self.expires_at <= timezone.now()

    @property
    def state(self) -> str:
        """The status as shown: a pending invitation past its end reads as expired."""
        return self.EXPIRED if self.is_expired else self.status


class AuditEvent(models.Model):
    """An append-only record of a security- or money-relevant action."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"]),
            # `?action=` newest first (the admin API and its filters) without a sort.
            models.Index(fields=["action", "-created_at", "-id"], name="audit_action_created_idx"),
        ]

    def __str__(self):
        return f"{self.action} {self.target_type}:{self.target_id}"
