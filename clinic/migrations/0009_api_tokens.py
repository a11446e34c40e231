"""Personal API tokens (clinic.ApiToken), and the end of rest_framework.authtoken's tokens.

The old tokens never expired and were issued (in the admin, or with drf_create_token) without a
second factor, so they are not carried over: staff issue new ones on the Security page. Each
withdrawn token is an audit row naming its owner, never the key. The table is dropped, and the
app's rows in django_migrations with it, so re-adding the app later would create it afresh.
A database that never had rest_framework.authtoken migrates the same way.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

OLD_TABLE = "authtoken_token"


def withdraw_old_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if OLD_TABLE in connection.introspection.table_names():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT user_id FROM {OLD_TABLE} ORDER BY user_id")
            user_ids = [row[0] for row in cursor.fetchall()]
        User = apps.get_model("clinic", "User")
        AuditEvent = apps.get_model("audit", "AuditEvent")
        clinics = dict(User.objects.filter(pk__in=user_ids).values_list("pk", "clinic_id"))
        AuditEvent.objects.bulk_create(
            AuditEvent(
                actor_kind="system",
                actor_label="migration clinic 0009_api_tokens",
                clinic_id=clinics.get(user_id),
                action="delete",
                object_type="api_token",
                object_id=f"user {user_id}",
                note=(
                    "Unexpiring API token (rest_framework.authtoken, issued without two-factor "
                    "sign-in) withdrawn on upgrade; the owner issues a new one on the Security page"
                ),
            )
            for user_id in user_ids
        )
        schema_editor.execute(f"DROP TABLE {OLD_TABLE}")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = %s", ["authtoken"])


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0002_append_only"),
        ("clinic", "0008_security_policy_and_anonymisation"),
    ]

    operations = [
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
                "ordering": ["-created_at", "-id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("expires_at__gt", models.F("created_at"))),
                        name="api_token_expires_after_creation",
                    )
                ],
            },
        ),
        # Irreversible by nature (the old keys are gone); migrating back leaves them gone.
        migrations.RunPython(withdraw_old_tokens, migrations.RunPython.noop),
    ]
