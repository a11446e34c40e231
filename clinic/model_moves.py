"""What the migrations that move a model to another app (its table kept) share: its content
type, and so its permissions, follows it to the new app label."""


def relabel_content_types(apps, old_label: str, new_label: str, models: list[str]) -> None:
    """Give the models' content types the new app label. A content type of the new label can
    exist already if the new code served a request (an admin log entry) before migrate ran: it
    holds nothing worth keeping, and the old one carries the permissions groups were given, so
    the old row is kept, relabelled."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in models:
        if ContentType.objects.filter(app_label=old_label, model=model).exists():
            ContentType.objects.filter(app_label=new_label, model=model).delete()
            ContentType.objects.filter(app_label=old_label, model=model).update(app_label=new_label)


def content_types_mover(old_label: str, new_label: str, models: list[str]):
    """RunPython functions (forward, backward) that move the models' content types."""

    def forward(apps, schema_editor):
        relabel_content_types(apps, old_label, new_label, models)

    def backward(apps, schema_editor):
        relabel_content_types(apps, new_label, old_label, models)

    return forward, backward
