"""The database out of reach: every request answers 503 "try again" (JSON on the API), never a
500, and the same app works again once the database is back."""

from tests.postgres import _free_port
from tests.test_access_control import production_like


def test_a_database_outage_answers_503_on_screens_and_api(app, api):
    token = api("Auditor")  # signed while the database answered
    down = f"postgresql+psycopg://postgres@127.0.0.1:{_free_port()}/wuye"  # nothing listens
    client = production_like(app, SQLALCHEMY_DATABASE_URI=down)

    api = client.post(
        "/api/v1/security/login", json={"username": "admin", "password": "x", "provider": "db"}
    )
    assert api.status_code == 503 and api.headers["Retry-After"] == "10"
    assert api.json["message"] == "数据库暂时无法连接，请稍后再试。"
    screen = client.post("/login/", data={"username": "admin", "password": "x"})
    assert screen.status_code == 503
    assert "数据库暂时无法连接" in screen.get_data(as_text=True)
    listed = client.get("/api/v1/unit/", headers=token)
    assert listed.status_code == 503 and "message" in listed.json
