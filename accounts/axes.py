"""django-axes glue: the admin login form posts `username`, our users are keyed by e-mail."""


def lockout_username(request, credentials) -> str | None:
    """The login name of an admin sign-in attempt, whichever key the backend used for it."""
    credentials = credentials or {}
    name = credentials.get("username") or credentials.get("email") or request.POST.get("username")
    return name.strip().lower() if name else None
