"""Grounded answers (see `service`): facts quoted verbatim from records, with their sources."""

from gluekb.services.query.answers.models import NO_DATA, Answer, AskRequest, Fact, SourceRef
from gluekb.services.query.answers.service import AnswerService

__all__ = ["NO_DATA", "Answer", "AnswerService", "AskRequest", "Fact", "SourceRef"]
