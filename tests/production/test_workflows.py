"""Each role's daily work, end to end, in a real browser (headless Chromium, zh-CN), on the
production topology: PostgreSQL, Redis, two ``wuye worker`` processes and gunicorn
(tests/production/topology.py), the demo data of ``wuye seed-demo`` (one community, 12 units)
and the demo users, each signing in through the login form.

The tests run in file order and build on each other, like a day at the office: finance bills
a month, prints its payment notices and takes a payment at the till; customer service logs a
complaint and takes it to its close, then asks for a waiver that the manager approves from the
dashboard; the manager starts a collection campaign and the collector works through today's
tasks; the auditor exports the payments. Every step asserts what the user sees (a flash
message, a row, a figure), no English word on the page, and where useful the database; it
leaves a screenshot in test-output/e2e/workflows/<role>-<step>.png. No request answers 500.

The billed month is the month of the first tariff (``min(tariff.valid_from)``, the demo's
2026-01), read from the database: ``run_billing`` refuses any earlier month, and it lies in the
past whatever the real date is from now on, so never beyond ``billing_months_ahead``; its bills
are overdue on any later day, which the collection campaign needs. The processes keep the real
clock: anything relative to today (the amount owed with its late fee, a promise's date, the
receipt's number) is read from the pages or the database, never from ``date.today()``.
"""

import csv
import io
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import browser  # noqa: F401  (the module's browser)
from tests.production.conftest import topology_for
from tests.production.pages import english, flash, follow, shot, signed_in, submit

pytestmark = pytest.mark.browser

UNITS = 12


@pytest.fixture(scope="module")
def topology(request, postgres_url, tmp_path_factory):
    yield from topology_for(request, postgres_url, tmp_path_factory, units=UNITS)


@pytest.fixture(scope="module")
def period(topology) -> str:
    """The month billed: the first tariff's (see the module's docstring)."""
    return f"{topology.scalar('SELECT min(valid_from) FROM tariff'):%Y-%m}"


@pytest.fixture(scope="module")
def sign_in(browser, topology):  # noqa: F811  (the imported fixture)
    """``with sign_in(username) as page``: that user's page, signed in through the login form."""
    return lambda username: signed_in(browser, topology.base, username)


def seen(page) -> str:
    assert english(page) == [], page.url
    return page.inner_text("body")


def test_finance_previews_and_runs_the_billing_of_a_month(sign_in, topology, period):
    t = topology
    with sign_in("finance") as page:
        page.goto(f"{t.base}/billingrunformview/start")
        page.fill("#period", period)
        page.check("#dry_run")
        submit(page, "#billing_run_form")
        preview = page.inner_text("#billing_preview")
        assert f"{period} 计费预览：尚未写入任何数据" in preview
        assert re.search(rf"新增账单\s+{UNITS}\b", preview), preview
        assert re.search(r"合计（元）\s+[1-9][\d,]*\.\d\d", preview), preview
        seen(page)
        shot(page, "finance", "billing-preview")
        assert t.scalar("SELECT count(*) FROM bill") == 0  # a preview writes nothing

        submit(page, "#billing_preview form")
        assert re.search(r"/billingrunview/show/\d+$", page.url), page.url
        assert f"{period} 计费完成：新增账单 {UNITS} 张" in flash(page)
        assert re.search(rf"计费月份\s+{period}", seen(page))
        shot(page, "finance", "billing-run")
        assert t.scalar("SELECT count(*) FROM bill") == UNITS

        page.goto(f"{t.base}/billview/list/")
        text = seen(page)
        assert f"记录数目: {UNITS}" in text
        for number in t.rows("SELECT number FROM bill"):
            assert number[0] in text
        shot(page, "finance", "bills")
    assert t.server_errors() == []


def test_finance_prints_the_payment_notices(sign_in, topology, period):
    t = topology
    with sign_in("finance") as page:
        page.goto(f"{t.base}/noticebatchformview/start")
        assert "生成缴费通知" in seen(page)
        page.fill("#period", period)
        submit(page)
        assert re.search(r"/noticebatchview/show/\d+$", page.url), page.url
        # The page reloads itself while the workers render; it ends finished, with the PDF.
        progress = page.locator("#notice_batch_progress")
        done = f"已完成 · 已生成 {UNITS} / {UNITS} 份通知单"
        expect(progress).to_contain_text(done, timeout=90_000)
        expect(progress).to_contain_text("合并打印 PDF")
        seen(page)
        shot(page, "finance", "notices")
        merged = page.get_attribute("#notice_batch_progress a", "href")
        answer = page.request.get(f"{t.base}{merged}")
        assert answer.status == 200 and answer.body()[:5] == b"%PDF-"
    t.wait_for_jobs()
    assert t.rows("SELECT status, notices, rendered FROM notice_batch") == [
        ("finished", UNITS, UNITS)
    ]
    assert t.server_errors() == []


def test_finance_takes_a_payment_at_the_till(sign_in, topology):
    t = topology
    # An owner whose phone's last 4 digits are theirs alone, as they say them at the counter.
    unit, phone, bill = t.rows(
        "SELECT u.code, o.phone, b.id FROM bill b JOIN unit u ON u.id = b.unit_id"
        " JOIN owner o ON o.id = b.owner_id WHERE (SELECT count(*) FROM owner x"
        " WHERE right(x.phone, 4) = right(o.phone, 4)) = 1 ORDER BY b.id DESC LIMIT 1"
    )[0]
    with sign_in("finance") as page:
        page.goto(f"{t.base}/recordpaymentformview/record")
        page.fill("input[name=find]", phone[-4:])
        with page.expect_navigation():
            page.click("#owed_lookup button[type=submit]")
        assert page.input_value("#unit_code") == unit  # the form is filled with the unit
        owed_row = page.locator("#owed tfoot tr").last
        assert f"今日应缴（元） · {unit}" in owed_row.inner_text()
        owed = owed_row.locator("td").inner_text().strip()
        assert re.fullmatch(r"[1-9][\d,]*\.\d\d", owed), owed
        seen(page)
        shot(page, "finance", "till")

        page.fill("#amount", owed.replace(",", ""))
        page.select_option("#method", label="现金")
        submit(page)
        assert re.search(r"/receiptview/show/\d+$", page.url), page.url
        number = t.scalar("SELECT number FROM receipt")
        assert f"收款已登记：收据号 {number}" in flash(page)
        text = seen(page)
        assert re.search(rf"收据编号\s+{number}", text)
        assert f"{unit} ¥{owed.replace(',', '')} 现金" in text
        shot(page, "finance", "receipt")

        page.click(".well a.btn:has-text('打印')")  # the print action: the receipt's PDF
        page.wait_for_url("**/receiptview/pdf/**")
        answer = page.request.get(page.url)
        assert answer.status == 200 and answer.body()[:5] == b"%PDF-"
    assert t.scalar("SELECT status FROM bill WHERE id = :b", b=bill) == "paid"
    assert t.server_errors() == []


COMPLAINT_STEPS = [  # button, flash, the log's new row (step, status)
    ("受理", "投诉已受理。", "已受理（首次应答）", "新建 → 已受理"),
    ("开始处理", "已开始处理。", "开始处理", "已受理 → 跟进中"),
    ("办结", "投诉已办结：待回访。", "已办结", "跟进中 → 已办结（待回访）"),
    ("回访", "回访已记录：投诉已关闭。", "回访 · 5/5", "已办结（待回访） → 已关闭"),
]


def test_customer_service_logs_a_complaint_and_takes_it_to_its_close(sign_in, topology):
    t = topology
    unit, owner = t.rows(
        "SELECT u.code, o.name FROM unit u JOIN ownership s ON s.unit_id = u.id"
        " JOIN owner o ON o.id = s.owner_id ORDER BY u.code LIMIT 1 OFFSET 4"
    )[0]
    with sign_in("service") as page:
        page.goto(f"{t.base}/complaints/new/")
        page.type("#search", unit)
        page.locator("#complaint_units a", has_text=unit).click()
        assert f"{unit} · {owner}" in page.inner_text("#complaint_unit_chosen")
        page.select_option("#category", label="绿化")
        page.fill("#description", "楼下草坪被踩坏，请尽快修复")
        shot(page, "service", "complaint-intake")
        submit(page)
        assert re.search(r"/complaintview/show/\d+$", page.url), page.url
        assert re.match(r"投诉 #\d+ 已登记：须于 .+ 前应答，.+ 前办结。", flash(page))
        text = seen(page)
        assert re.search(rf"房屋\s+{unit}", text) and "楼下草坪被踩坏" in text
        log = page.locator("#complaint_log tbody tr")
        expect(log).to_have_count(1)
        assert "已登记" in log.last.inner_text()
        shot(page, "service", "complaint")

        for n, (button, done, step, status) in enumerate(COMPLAINT_STEPS, start=2):
            follow(page, f"#complaint_steps a:has-text('{button}')")
            if page.locator("input[name=score]").count():
                page.check("input[name=score][value='5']")
            page.fill("#note", f"{button}：已与业主沟通")
            submit(page)
            assert flash(page) == done
            expect(log).to_have_count(n)
            row = log.last.inner_text()
            assert step in row and status in row and f"{button}：已与业主沟通" in row, row
            seen(page)
        assert re.search(r"状态\s+已关闭", page.inner_text("body"))
        shot(page, "service", "complaint-closed")
    assert t.scalar("SELECT status FROM complaint") == "closed"
    assert t.server_errors() == []


def test_the_manager_approves_a_waiver_from_the_dashboard(sign_in, topology):
    t = topology
    bill, number = t.rows("SELECT id, number FROM bill WHERE status = 'open' ORDER BY id")[0]
    # Customer service asks for it (finance reads waivers only: app/security/roles.py).
    with sign_in("service") as page:
        page.goto(f"{t.base}/billview/show/{bill}")
        follow(page, ".well a.btn:has-text('申请减免')")
        page.select_option("#part", label="本金")
        page.fill("#amount", "20.00")
        page.select_option("#reason", label="服务问题")
        page.fill("#explanation", "电梯停运两周")
        submit(page)
        assert flash(page) == "减免申请已提交。"
        assert re.search(r"状态\s+待审批", seen(page))
        shot(page, "service", "waiver-request")

    with sign_in("manager") as page:
        assert page.url.endswith("/dashboard/")  # the manager lands on the dashboard
        box = page.locator("#awaiting_decision")
        expect(box).to_contain_text("待我审批")
        waivers = box.locator("a", has_text="减免")
        expect(waivers.locator(".badge")).to_have_text("1")
        seen(page)
        shot(page, "manager", "dashboard")

        with page.expect_navigation():
            waivers.click()
        with page.expect_navigation():
            page.locator("tr", has_text=number).locator("a[href*='/waiverview/show/']").click()
        assert re.search(r"状态\s+待审批", seen(page))
        follow(page, ".well a.btn:has-text('批准')")
        page.fill("#reason", "情况属实")
        submit(page)
        assert flash(page) == "减免已批准。"
        text = seen(page)
        assert re.search(r"状态\s+已批准", text) and re.search(r"决定人\s+演示经理", text)
        shot(page, "manager", "waiver-approved")

        page.goto(f"{t.base}/dashboard/")
        box_text = page.inner_text("#awaiting_decision")
        assert "暂无待审批事项" in box_text or re.search(r"减免\s+0\b", box_text), box_text
        shot(page, "manager", "dashboard-after")
    assert t.scalar("SELECT waived FROM bill WHERE id = :b", b=bill) == 20
    assert t.server_errors() == []


def test_the_collector_records_a_contact_on_todays_tasks(sign_in, topology):
    t = topology
    with sign_in("manager") as page:
        page.goto(f"{t.base}/collection/new/")
        page.fill("#name", "年度清欠")
        collector = page.locator("#staff option", has_text="(collector)").get_attribute("value")
        page.select_option("#staff", [collector])
        submit(page)
        assert re.search(r"/collection/campaign/\d+$", page.url), page.url
        assert re.match(r"催缴活动已创建：\d+ 户分配给 1 名人员。", flash(page))
        seen(page)
        shot(page, "manager", "campaign")
    tasks = t.scalar("SELECT count(*) FROM collection_task")
    assert tasks > 0

    with sign_in("collector") as page:
        assert page.url.endswith("/collection/my-tasks/")  # the collector lands on 今日任务
        text = seen(page)
        assert "今日任务" in text
        today = date.fromisoformat(re.search(r"请于 (\d{4}-\d\d-\d\d) 或之前完成", text).group(1))
        rows = page.locator("#my_tasks tbody tr")
        expect(rows).to_have_count(tasks)
        unit = rows.first.locator("td").first.inner_text()
        shot(page, "collector", "tasks")

        with page.expect_navigation():
            rows.first.locator("a:has-text('登记联系结果')").click()
        assert unit in page.inner_text("body") and "今日应缴" in page.inner_text("body")
        page.select_option("#channel", label="电话")
        page.select_option("#outcome", value="promised")
        # Tomorrow by the app's date: still not past should midnight come meanwhile.
        page.fill("#promised_date", (today + timedelta(days=1)).isoformat())
        page.fill("#promised_amount", "100.00")
        page.fill("#note", "业主答应明天到前台缴费")
        seen(page)
        shot(page, "collector", "contact")
        submit(page)
        assert page.url.endswith("/collection/my-tasks/")
        assert flash(page) == "联系结果已登记。"
        row = page.locator("#my_tasks tbody tr", has_text=unit).inner_text()
        assert "近期交纳（已承诺日期和金额）" in row and "承诺日期前一天提醒" in row, row
        seen(page)
        shot(page, "collector", "contact-recorded")
    assert t.scalar("SELECT count(*) FROM contact_attempt") == 1
    assert t.server_errors() == []


def test_the_auditor_exports_the_payments_in_chinese(sign_in, topology):
    t = topology
    number = t.scalar("SELECT number FROM receipt")
    with sign_in("auditor") as page:
        page.goto(f"{t.base}/paymentview/list/")
        row = page.locator("tr", has_text=number).inner_text()
        assert "现金" in row, row
        seen(page)
        shot(page, "auditor", "payments")
        with page.expect_download() as download:
            page.click("#list_exports a:has-text('导出 CSV')")
        content = download.value.path().read_bytes().decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(content)))
    assert header == [
        "缴费时间",
        "小区",
        "房屋",
        "业主",
        "类型",
        "缴费方式",
        "交易流水号",
        "金额（元）",
        "录入人",
        "收据",
    ]
    assert [r[header.index("缴费方式")] for r in rows] == ["现金"]
    assert rows[0][header.index("收据")] == number
    assert "cash" not in content
    t.wait_for_jobs()
    assert t.server_errors() == []
