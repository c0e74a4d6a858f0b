"""The receipt's QR code never trusts the Host header (issue 17, finding "the receipt QR code
trusts the Host header"): it points under JIANFU_BASE_URL; without one, a production server
draws no QR code rather than a link to whatever host the request named."""

from __future__ import annotations

from flask import Flask

from webapp.complaints.filing_form import receipt_page, tracking_url

CODE = "1234567812345678"


def test_the_link_is_under_the_configured_base_url(public_app: Flask) -> None:
    public_app.config["BASE_URL"] = "https://jianfu.nanchuan.example/"
    with public_app.test_request_context("/report", headers={"Host": "evil.example"}):
        assert tracking_url(CODE) == (
            f"https://jianfu.nanchuan.example/report/track#code={CODE}")


def test_without_a_base_url_production_draws_no_qr_code(public_app: Flask) -> None:
    public_app.config["BASE_URL"] = ""
    public_app.testing = False
    with public_app.test_request_context("/report", headers={"Host": "evil.example"}):
        assert tracking_url(CODE) is None
        page = receipt_page(CODE, anonymous=True)
        assert "evil.example" not in page and 'class="qr"' not in page
        assert "1234 5678 1234 5678" in page


def test_a_test_server_uses_its_own_host(public_app: Flask) -> None:
    public_app.config["BASE_URL"] = ""
    public_app.testing = True
    with public_app.test_request_context("/report", base_url="http://127.0.0.1:5000"):
        assert tracking_url(CODE) == f"http://127.0.0.1:5000/report/track#code={CODE}"
