"""How the pages show people's contact details."""

from django import template

from clinic.services import phone_for_people

register = template.Library()


@register.filter
def phone(stored: str, region: str) -> str:
    """`{{ patient.phone|phone:request.user.clinic.phone_region }}`: the clinic's format."""
    return phone_for_people(stored, region=region or "US")
