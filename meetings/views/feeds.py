"""A branch's iCal feed: planned meetings and deadlines, for calendar apps (no login: a token)."""

import secrets

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from branches.access import org_page, public
from branches.models import Organization
from branches.permissions import Perm
from meetings.ical import calendar_for
from meetings.models import CalendarFeed


@org_page(Perm.RECORD, kind=Organization.Kind.BRANCH)
def calendar_feed_settings(request, branch):
    feed = CalendarFeed.objects.filter(branch=branch).first()
    if request.method == "POST":
        feed, _ = CalendarFeed.objects.update_or_create(branch=branch, defaults={"token": secrets.token_urlsafe(32)})
        messages.success(request, "已生成新的订阅地址，旧地址立即失效。")
        return redirect("calendar-feed-settings", code=branch.code)
    url = request.build_absolute_uri(f"/orgs/{branch.code}/calendar.ics?token={feed.token}") if feed else ""
    return render(request, "meetings/calendar_feed.html", {"branch": branch, "url": url})


@public
def calendar_feed(request, code):
    """iCal feed; no login (calendar apps can't), the unguessable token is the credential."""
    token = request.GET.get("token", "")
    feed = CalendarFeed.objects.filter(branch__code=code, token=token).select_related("branch").first() if token else None
    if feed is None:
        raise Http404
    response = HttpResponse(calendar_for(feed.branch, now=timezone.now()), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{feed.branch.code}.ics"'
    return response
