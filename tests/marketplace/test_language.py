from django.conf import settings


def test_ukrainian_whatever_the_browser_says(client, db):
    response = client.get("/cabinet/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.headers["Content-Language"] == "uk"


def test_the_language_switch_wins(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    response = client.get("/cabinet/login/")
    assert response.headers["Content-Language"] == "ru"
