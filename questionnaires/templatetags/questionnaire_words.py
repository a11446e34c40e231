from django import template

from questionnaires.wording import instrument_words, is_translated

register = template.Library()


@register.filter
def words(text: str, instrument) -> str:
    """`{{ item.text|words:instrument }}`: the shipped instrument's words in the reader's
    language where it may be translated (questionnaires/wording.py)."""
    return instrument_words(text, instrument)


@register.filter
def translated(instrument) -> bool:
    return is_translated(instrument)
