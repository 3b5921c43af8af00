"""Users and roles, Google sign-in (web and mobile), seller applications, the audit log."""
