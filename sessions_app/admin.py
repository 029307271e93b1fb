"""The admin: how a service administrator (a superuser) repairs data. Nobody else is let in (admin_site.py)."""
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils import timezone

from .models import Attendance, Contract, ProviderIdentity, Room, Session, Site, Team, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + (("Shown to staff", {"fields": ("display_name", "role_title")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("Shown to staff", {"fields": ("display_name", "role_title")}),)
    list_display = ("username", "display_name", "role_title", "email", "is_staff")


@admin.register(ProviderIdentity)
class ProviderIdentityAdmin(admin.ModelAdmin):
    """Who signs in through which provider. Deleting one unlinks it: her next sign-in there links by address again."""

    list_display = ("user", "issuer", "created_at", "last_signed_in_at")
    search_fields = ("user__username", "user__email", "user__display_name")
    readonly_fields = ("user", "issuer", "subject", "created_at", "last_signed_in_at")

    def has_add_permission(self, request):
        return False


class TeamInline(admin.TabularInline):
    model = Team
    extra = 0
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "time_zone", "lunch_starts_at", "lunch_ends_at")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [TeamInline]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "site", "slug")
    list_filter = ("site",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("name", "site", "is_suitable", "seats", "owner", "is_active")
    list_filter = ("site", "is_active", "owner")
    search_fields = ("name", "directions")

    @admin.display(boolean=True, description="suitable")
    def is_suitable(self, room):
        return room.is_suitable


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ("starts_at", "site", "room", "supervisor", "kind", "status", "room_booking")
    list_filter = ("site", "status", "kind", "room_booking")
    date_hierarchy = "starts_at"
    list_select_related = ("site", "room", "supervisor")
    autocomplete_fields = ("room",)
    filter_horizontal = ("audience_teams",)
    # A series date is set by the series pages, which keep a series and its dates in step.
    readonly_fields = ("series", "occurrence_date", "sequence", "created_at", "updated_at")

    def has_delete_permission(self, request, obj=None):
        # Calendars and reports need every session: cancel it instead.
        return False


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ("version", "is_published", "published_at", "created_at")
    readonly_fields = ("published_at", "created_at")
    actions = ["publish"]

    @admin.display(boolean=True, description="published")
    def is_published(self, contract):
        return contract.is_published

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_published:
            return [field.name for field in Contract._meta.fields]
        return super().get_readonly_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or not obj.is_published)

    @admin.action(description="Publish the selected draft versions", permissions=["change"])
    def publish(self, request, queryset):
        count = queryset.filter(published_at__isnull=True).update(published_at=timezone.now())
        self.message_user(request, f"Published {count} version(s).", messages.SUCCESS)


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    """Raw counts, for a service administrator's repairs.

    Not logged: a log entry would time-stamp a tally (privacy rule 1).
    """

    list_display = ("session", "staff_group", "seen", "not_seen")
    list_select_related = ("session__site",)

    def log_addition(self, request, obj, message):
        return None

    def log_change(self, request, obj, message):
        return None

    def log_deletion(self, request, obj, object_repr):
        return None

    def log_deletions(self, request, queryset):
        return None
