"""Parameter types the tools share, with the descriptions the model reads."""

from typing import Annotated

from pydantic import Field

OrganizationRef = Annotated[
    str,
    Field(
        min_length=1,
        max_length=200,
        description="An organization (client) by name, short name or id, e.g. 'Acme Corp'. "
        "list_organizations shows the ones you may use.",
    ),
]
OptionalOrganization = Annotated[
    str | None,
    Field(
        max_length=200,
        description="Limit to one organization (name, short name or id). Leave empty to cover "
        "every organization you may see.",
    ),
]
RecordId = Annotated[
    str,
    Field(
        min_length=3,
        max_length=512,
        description="A record id as search, get_record or find_configurations return it, e.g. "
        "'itglue:configurations:200019'.",
    ),
]
