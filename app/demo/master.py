"""The demo's master data: communities with buildings, units, owners, tariffs and one user per
role, and the dunning procedure of the demo: the key follow-up is a visit (上门催收) 30 days
overdue, made by the community's collector (``DEMO_VISIT``), beside the formal letter of the
same day.

Idempotent: rows are found by their codes and usernames, so a second run adds nothing. Names,
phones and ID numbers are generated (deterministically) and valid in form only. A dunning level
an administrator has changed from its installed default is left as it is.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import force_locale
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.checks import id_check_char
from app.domain.dunning import DEFAULT_LEVELS, FOLLOW_UP, VISIT
from app.models import (
    Building,
    Community,
    DunningLevel,
    Owner,
    Ownership,
    StaffAssignment,
    Tariff,
    Unit,
)
from app.role_labels import ROLE_LABELS
from app.security.roles import ROLES

DEMO_PASSWORD = "Wuye-Demo-2026"
USERNAMES = {
    "Admin": "admin",
    "Manager": "manager",
    "Finance": "finance",
    "CustomerService": "service",
    "Collector": "collector",
    "Auditor": "auditor",
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"
COMMUNITIES = [
    ("HY", "和园小区", "上海市浦东新区和园路 88 号"),
    ("JD", "锦东花园", "上海市闵行区锦东路 166 弄"),
    ("BS", "碧水湾", "上海市徐汇区碧水路 9 号"),
]

#: The tariffs' first day, unless the demo's history starts earlier.
TARIFFS_FROM = date(2026, 1, 1)

# The demo's key follow-up: a visit by the community's collector, 30 days overdue.
DEMO_VISIT = {"name": "上门催收", "days": 30, "channel": VISIT, "template": "home_visit"}


def _resident_id(rng: random.Random) -> str:
    body = f"310115{rng.randint(1950, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body += f"{rng.randint(0, 999):03d}"
    return body + id_check_char(body)


def _community(session: Session, code: str, name: str, address: str, since: date) -> Community:
    community = session.scalar(select(Community).where(Community.code == code))
    if community is None:
        community = Community(
            code=code,
            name=name,
            address=address,
            phone=f"021-5888{len(name) * 1234:04d}",
            payee_name=f"{name}物业服务中心",
            payee_bank="中国工商银行上海分行",
            payee_account=f"1001 2345 6789 {ord(code[0]) * 37:04d}",
            payment_instructions="银行转账请在附言中注明房号；也可在物业服务中心前台刷卡或扫码缴费。",
        )
        session.add(community)
        for code_, name_, kind, basis, price, cycle, types in (
            ("WYF-ZZ", "住宅物业服务费", "property", "area", "2.5000", 1, "residential"),
            ("WYF-SY", "商业物业服务费", "property", "area", "4.8000", 1, "commercial"),
            ("TCF", "车位停车费", "parking", "fixed", "150.0000", 3, "parking"),
        ):
            session.add(
                Tariff(
                    community=community,
                    code=code_,
                    name=name_,
                    fee_kind=kind,
                    basis=basis,
                    price=Decimal(price),
                    cycle_months=cycle,
                    property_types=types,
                    valid_from=since,
                    published_on=since - timedelta(days=47),
                    due_days=30,
                    late_fee_daily_rate=Decimal("0.0005"),
                    late_fee_grace_days=0,
                    late_fee_cap_ratio=Decimal("1.0"),
                )
            )
    return community


def _units(session: Session, community: Community, count: int, rng: random.Random) -> None:
    """Fill ``community`` up to ``count`` units in 6-floor buildings of 2 entrances."""
    existing = (
        session.scalar(
            select(func.count(Unit.id)).join(Building).where(Building.community_id == community.id)
        )
        if community.id
        else 0
    )
    per_building = 2 * 6 * 2
    for n in range(existing, count):
        b, rest = divmod(n, per_building)
        entrance, rest = divmod(rest, 12)
        floor, room = divmod(rest, 2)
        building_code = str(b + 1)
        building = session.scalar(
            select(Building).where(Building.community == community, Building.code == building_code)
        ) or Building(community=community, code=building_code, name=f"{b + 1}号楼")
        session.add(building)
        kind = "parking" if n % 10 == 9 else "commercial" if n % 25 == 0 else "residential"
        area = Decimal(rng.randint(1200, 16000)) / 100 if kind != "parking" else Decimal("12.50")
        unit = Unit(
            building=building,
            code=f"{b + 1}-{entrance + 1}-{floor + 1}0{room + 1}",
            property_type=kind,
            area=area,
            status="occupied" if n % 17 else "vacant",
        )
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))
        owner = Owner(
            community=community,
            name=name,
            phone=f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}",
            email=f"owner{n + 1}@example.com" if n % 3 == 0 else "",
            id_number=_resident_id(rng),
            customer_type="owner",
            preferred_channel=rng.choice(["sms", "phone", "app", "email"]),
            e_notice_consent=n % 3 == 0,
        )
        session.add_all(
            [
                unit,
                owner,
                Ownership(unit=unit, owner=owner, start_date=date(2020 + n % 5, 1 + n % 12, 1)),
            ]
        )
        session.flush()


def _visit_level(session: Session) -> None:
    """Make the key follow-up the demo's visit, unless it was changed from its default."""
    level = session.scalar(select(DunningLevel).where(DunningLevel.level == FOLLOW_UP))
    _, name, days, channel, template = DEFAULT_LEVELS[FOLLOW_UP]
    if level is not None and (level.name, level.days, level.channel, level.template) == (
        name,
        days,
        channel,
        template,
    ):
        for key, value in DEMO_VISIT.items():
            setattr(level, key, value)


def seed_master(
    session: Session,
    security_manager,
    communities: int,
    units: int,
    since: date = TARIFFS_FROM,
) -> list[Community]:
    """Create (or complete) the communities, units, owners and users; the tariffs of a new
    community are valid from ``since``. Returns the communities."""
    rng = random.Random(2026)
    made = []
    for code, name, address in COMMUNITIES[:communities]:
        community = _community(session, code, name, address, since)
        session.flush()
        _units(session, community, units, rng)
        made.append(community)
    for role_name in ROLES:
        role = security_manager.find_role(role_name) or security_manager.add_role(role_name)
        username = USERNAMES[role_name]
        user = security_manager.find_user(username=username)
        if user is None:
            with force_locale("zh"):  # the demo is Chinese: 管理员 演示, whatever WUYE_LOCALE
                first_name = str(ROLE_LABELS[role_name])
            user = security_manager.add_user(
                username,
                first_name,
                "演示",
                f"{username}@example.com",
                role,
                password=DEMO_PASSWORD,
            )
        if role_name not in ("Admin", "Auditor"):
            for community in made:
                if not session.scalar(
                    select(StaffAssignment).where(
                        StaffAssignment.user_id == user.id,
                        StaffAssignment.community_id == community.id,
                    )
                ):
                    session.add(StaffAssignment(user_id=user.id, community_id=community.id))
    _visit_level(session)
    session.flush()
    return made
