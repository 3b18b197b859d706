"""The details a secretary meets every week: names in the header, branded error pages, favicon,
breadcrumbs, titles without doubled words, select placeholders, 撤回 only while pending."""

from datetime import timedelta

from django.utils import timezone

from meetings import services
from meetings.models import joined_title


def test_header_shows_the_persons_name_not_the_login(client, tree, secretary_a):
    client.force_login(secretary_a)
    page = client.get("/").content.decode()
    assert 'title="修改密码">李书记</a>' in page and ">secretary_a<" not in page


def test_mistyped_url_gets_the_branded_chinese_404(client, tree, secretary_a, settings):
    settings.DEBUG = True  # what make run shows
    client.force_login(secretary_a)
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "未找到" in response.content.decode() and "返回工作台" in response.content.decode()
    api = client.get("/api/v1/no-such-thing/")
    assert api.status_code == 404 and api.json() == {"detail": "未找到。"}


def test_missing_slash_still_redirects(client, tree, secretary_a):
    client.force_login(secretary_a)
    response = client.get("/orgs/A/meetings?page=2")
    assert response.status_code == 301 and response["Location"] == "/orgs/A/meetings/?page=2"


def test_branded_500_page_exists_and_renders_without_a_request():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "服务暂时出错" in html and "favicon.svg" in html


def test_breadcrumbs_name_only_what_the_user_may_see(client, tree, secretary_a, viewer, secretary_b):
    client.force_login(viewer)
    page = client.get("/orgs/A/meetings/").content.decode()
    crumbs = page[page.index('class="breadcrumbs"'):page.index("</nav>", page.index('class="breadcrumbs"'))]
    assert "中共临江市江城区委" in crumbs and "兴隆社区党支部" in crumbs and "会议记录" in crumbs
    assert "中共临江市委" not in crumbs  # above the viewer's scope
    client.force_login(secretary_b)
    denied = client.get("/orgs/A/meetings/").content.decode()
    assert "兴隆社区党支部" not in denied


def test_titles_do_not_double_words():
    assert joined_title("兴隆社区党支部", "支部党员大会记录") == "兴隆社区党支部党员大会记录"
    assert joined_title("兴隆社区党支部", "主题党日记录") == "兴隆社区党支部主题党日记录"


def test_meeting_title_does_not_repeat_its_kind(tree):
    now = timezone.now()
    same = services.plan_meeting(actor=None, branch=tree["a"], kinds=["theme_day"], topic="主题党日",
                                 held_at=now + timedelta(days=2), now=now)
    other = services.plan_meeting(actor=None, branch=tree["a"], kinds=["theme_day"], topic="学习党章",
                                  held_at=now + timedelta(days=3), now=now)
    assert same.title == "主题党日" and other.title == "主题党日：学习党章"


def test_selects_have_real_placeholders(client, tree, secretary_a):
    client.force_login(secretary_a)
    page = client.get("/orgs/A/meetings/new/").content.decode()
    assert "请选择主持人" in page and "---------" not in page
    assert "---------" not in client.get("/members/new/?branch=A").content.decode()
    plan = client.get("/orgs/A/meetings/plan/").content.decode()
    assert "发布会议计划" in plan and 'id="kinds"' in plan


def test_withdraw_is_offered_only_while_pending(client, tree, secretary_a, member_a):
    now = timezone.now()
    meeting = services.plan_meeting(actor=None, branch=tree["a"], kinds=["theme_day"], topic="学习会",
                                    held_at=now + timedelta(days=2), now=now)
    leave = services.request_leave(actor=member_a, member=member_a.member, meeting=meeting, reason="出差", now=now)
    client.force_login(member_a)
    assert "撤回" in client.get("/me/").content.decode()
    services.decide_leave(actor=secretary_a, leave=leave, approve=True, now=now)
    assert "撤回" not in client.get("/me/").content.decode()


def test_favicon_is_linked(client, tree, secretary_a):
    client.force_login(secretary_a)
    assert "favicon.svg" in client.get("/").content.decode()
