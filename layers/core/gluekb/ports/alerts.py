"""The alerts' ports: the receivers monitoring systems post to, and the incidents they keep open.

An incident is the open ticket of one asset (or of one undocumented alert source) at one
receiver, with the fingerprints of the alerts firing on it: every alert on that asset joins the
ticket while any of them fires, and when the last one resolves the incident closes, so the next
firing opens a new ticket.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, Field

from gluekb.models.alerts import AlertReceiver


class AlertReceiverRegistry(Protocol):
    def get(self, receiver_id: str) -> AlertReceiver | None: ...

    def put(self, receiver: AlertReceiver) -> None:
        """Register a receiver; Conflict when its id is taken."""

    def receivers(self) -> list[AlertReceiver]: ...

    def remove(self, receiver_id: str) -> bool: ...


class Incident(BaseModel):
    receiver_id: str
    asset_key: str = Field(description="the matched record's id, or undocumented:<identifier>")
    ticket_id: str
    opened_at: datetime
    firing: list[str] = Field(default_factory=list, description="fingerprints still firing")
    opened_by: str = Field(default="", description="the delivery that opened it")


class IncidentStore(Protocol):
    def open_incident(self, receiver_id: str, asset_key: str) -> Incident | None: ...

    def claim(self, incident: Incident) -> Incident | None:
        """Open the incident unless one is open for the same asset: None when this call opened
        it, else the one already open (its ticket takes the alert)."""

    def add_firing(self, receiver_id: str, asset_key: str, fingerprint: str) -> None: ...

    def remove_firing(self, receiver_id: str, asset_key: str, fingerprint: str) -> list[str]:
        """The fingerprints still firing once this one resolved."""

    def close(self, receiver_id: str, asset_key: str, ticket_id: str) -> bool:
        """Close the incident if it is still this ticket's and nothing fires on it."""

    def discard(self, receiver_id: str, asset_key: str, ticket_id: str) -> None:
        """Forget the incident of a ticket someone resolved or closed (the next alert opens a
        new one), whatever still fires."""
