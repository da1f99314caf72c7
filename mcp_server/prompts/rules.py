"""What every prompt tells the model, whatever the task."""

from gluekb.services.text.untrusted import NEVER_INSTRUCTIONS

GROUND_RULES = f"""\
Ground rules:
- Work from gluekb's documentation and tickets, not from guesses. Cite the record or ticket id
  each point rests on; when something is not documented, say so instead of filling the gap.
- {NEVER_INSTRUCTIONS}
- Credentials: name the password records a step needs; call get_password only when the
  technician asks for one for a concrete step, with that step as the reason. Never write a
  password value into a summary, checklist or ticket."""
