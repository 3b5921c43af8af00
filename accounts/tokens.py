"""The X-Session-Token strategy: allauth's session tokens, looked up in one read."""

from allauth.headless.internal import sessionkit
from allauth.headless.tokens.strategies.sessions import SessionTokenStrategy


class SingleReadSessionTokenStrategy(SessionTokenStrategy):
    """allauth's default checks `exists()` and then loads the session: two cache or database
    reads on every API call. Loading once is enough, and expired or unknown keys still fail."""

    def lookup_session(self, session_token: str):
        return sessionkit.lookup_session(session_token)
