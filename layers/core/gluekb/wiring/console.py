"""What the console pages need beyond the query services: the session sealer (its secret read
once per execution environment) and the password source for reveals. Built on first use."""

from __future__ import annotations

from functools import cached_property

from gluekb.adapters.console_secret import console_secret
from gluekb.services.access.passwords import ItGlueReveals
from gluekb.services.console.session import SessionSealer
from gluekb.wiring.query import QueryServices


class ConsoleServices:
    def __init__(self, query: QueryServices) -> None:
        self.query = query

    @cached_property
    def sessions(self) -> SessionSealer:
        settings = self.query.settings
        secret = console_secret(
            self.query.clients, settings.console_session_secret, settings.console_session_key
        )
        return SessionSealer(secret, settings.console_session_ttl_s)

    @cached_property
    def password_source(self) -> ItGlueReveals:
        return ItGlueReveals(self.query.itglue)
