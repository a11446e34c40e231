"""Where a clinic's licensed instrument (the Oswestry Disability Index, say) is added as data.

The instrument is checked as a whole when saved (Instrument.clean: the scoring engine reads the
items and rules, and the MCID must fit its rule), and its source and licence terms are required.
Once a patient has been asked to answer it, or for the instruments Dorsi ships, nothing can be
changed here: answers keep the definition they were given with, so a change is a new version.
"""

from django.contrib import admin

from questionnaires.models import ClinicInstrumentSetting, Instrument


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "clinic", "domain", "scoring_method", "better", "is_active"]
    list_filter = ["clinic", "domain", "is_active"]
    search_fields = ["name", "slug"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and (obj.is_shipped or obj.requests.exists()):
            # Only retiring an old version is left to do.
            return [field.name for field in obj._meta.fields if field.name != "is_active"]
        return []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ClinicInstrumentSetting)
class ClinicInstrumentSettingAdmin(admin.ModelAdmin):
    list_display = ["clinic", "instrument", "enabled", "mcid_rule"]
    list_filter = ["clinic", "enabled"]
