"""ApiToken moves from the clinic app to accounts, its table unchanged.

State only (SeparateDatabaseAndState): the table keeps its name (clinic_apitoken), its rows, its
constraint and its indexes; the model's content type (and so its permissions) follows it to the
new app label. clinic 0012 then removes the model from clinic's state.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from clinic.model_moves import content_types_mover


content_types_forward, content_types_backward = content_types_mover("clinic", "accounts", ["apitoken"])


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("clinic", "0011_task_progress"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ApiToken",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(help_text="What the token is for, e.g. the lab import.", max_length=60)),
                        ("prefix", models.CharField(max_length=16)),
                        ("digest", models.CharField(max_length=64, unique=True)),
                        ("second_factor", models.BooleanField(help_text="Issued from a session that had passed two-factor sign-in.")),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("expires_at", models.DateTimeField()),
                        ("last_used_at", models.DateTimeField(blank=True, null=True)),
                        ("last_used_ip", models.GenericIPAddressField(blank=True, null=True)),
                        ("revoked_at", models.DateTimeField(blank=True, null=True)),
                        ("revoked_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="api_tokens", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "clinic_apitoken",
                        "ordering": ["-created_at", "-id"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("expires_at__gt", models.F("created_at"))),
                                name="api_token_expires_after_creation",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_forward, content_types_backward),
    ]
