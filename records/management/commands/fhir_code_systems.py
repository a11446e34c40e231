"""Rewrite docs/fhir/CodeSystem-dorsi-*.json from the codes the apps define."""

import json

from django.core.management.base import BaseCommand

from records.code_systems import DOCS, code_system_path, code_systems


class Command(BaseCommand):
    help = "Write Dorsi's FHIR CodeSystem resources to docs/fhir/."

    def handle(self, *args, **options) -> None:
        DOCS.mkdir(parents=True, exist_ok=True)
        for code_system in code_systems():
            path = code_system_path(code_system)
            path.write_text(json.dumps(code_system, indent=2, ensure_ascii=False) + "\n")
            self.stdout.write(f"{path.relative_to(DOCS.parent.parent)}: {code_system['url']}")
