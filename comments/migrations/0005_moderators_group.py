"""The "Moderators" group: exactly what moderating needs, nothing that edits articles or users.

Permissions are normally created after migrations run; create them here so the
group can be given them on a fresh database.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODERATOR_PERMISSIONS = {
    "comments": [
        "view_comment",
        "can_moderate",
        "view_commentflag",
        "view_commentrevision",
        "view_auditentry",
        "view_wordrule",
        "add_wordrule",
        "change_wordrule",
        "delete_wordrule",
    ],
    "accounts": ["view_user", "moderate_user"],
    "articles": ["view_article", "moderate_discussion"],
}


def create_group(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Moderators")
    for app_label, codenames in MODERATOR_PERMISSIONS.items():
        permissions = Permission.objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        )
        missing = set(codenames) - set(permissions.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"Permissions missing for the Moderators group: {missing}")
        group.permissions.add(*permissions)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Moderators").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0004_moderation"),
        ("accounts", "0003_moderation"),
        ("articles", "0002_moderation"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
