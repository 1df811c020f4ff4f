"""A signed-in session ends at logout: a copied session cookie stops working (app/sessions.py)."""

from sqlalchemy import func, select

from app.models import AuditLog, UserSession


def signed_in(client) -> bool:
    return client.get("/billview/list/").status_code == 200


def copy_of(app, client):
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_a_copied_cookie_stops_working_at_logout(app, login, session):
    owner = login("Finance")
    thief = copy_of(app, owner)
    assert signed_in(thief)  # a copy works while the session lives ...
    owner.get("/logout/")
    assert not signed_in(owner)
    assert not signed_in(thief)  # ... and not after
    session.rollback()
    assert session.scalar(select(func.count()).select_from(UserSession)) == 0


def test_two_sign_ins_are_two_sessions_and_ending_one_keeps_the_other(app, login, session):
    first = login("Finance")
    second = app.test_client()
    second.post("/login/", data={"username": "finance", "password": "Test-Pass-2026"})
    assert signed_in(first) and signed_in(second)
    first.get("/logout/")
    assert signed_in(second) and not signed_in(first)
    session.rollback()
    rows = session.scalars(select(UserSession)).all()
    assert len(rows) == 1 and len(rows[0].digest) == 64
    assert (
        session.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.table_name == "user_session")
        )
        == 3
    )  # two sign-ins, one sign-out


def test_a_cookie_signed_before_sessions_were_recorded_is_signed_out(app, login, session):
    client = login("Finance")
    session.execute(UserSession.__table__.delete())
    session.commit()
    assert not signed_in(client)
