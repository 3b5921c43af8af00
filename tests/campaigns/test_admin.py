"""The campaign admin: what support staff type is held to the API's rules."""

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError

from campaigns.admin import TicketTypeInline
from campaigns.models import Campaign, TicketType


@pytest.mark.parametrize(
    "typed",
    ["[" * 20000 + "]" * 20000, '{"note": "a\\u0000b"}', '{"size": 1e400}', '{"size": NaN}'],
    ids=["deep", "nul", "1e400", "nan"],
)
def test_attributes_typed_in_the_admin_are_refused_as_invalid_json(typed):
    inline = TicketTypeInline(Campaign, admin.site)
    field = inline.formfield_for_dbfield(TicketType._meta.get_field("attributes"), request=None)

    with pytest.raises(ValidationError) as refused:
        field.clean(typed)

    assert refused.value.messages == ["Enter a valid JSON."]
    assert field.clean('{"table_size": 6}') == {"table_size": 6}
