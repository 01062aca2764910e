"""A local fake of Nova Poshta's JSON API 2.0 (`TrackingDocument.getStatusDocuments`) for every test.

It answers in the API's real shape (`success`, `data` with one document per number asked about,
`errors`, `warnings`, `info`, `messageCodes`, `errorCodes`, ...) from a dict number → document that a
test fills; a number nobody set answers as the real API does, `StatusCode` "3", "Номер не знайдено".

Usage (the fixture points `settings.NOVA_POSHTA_API_URL` at the fake and keeps `HTTP_TIMEOUT` short):

    def test_something(fake_novaposhta):
        fake_novaposhta.set("20450000000001", code=9)                        # received
        fake_novaposhta.set("20450000000002", code=7, branch="Відділення №5", storage_until=date(2026, 12, 1))
        fake_novaposhta.set("20450000000003", code=104, new_number="59000000000001")
        fake_novaposhta.set("20450000000004", code=5, numeric_code=True)     # StatusCode as a JSON number
        fake_novaposhta.set("20450000000005", code=9, RecipientDateTime="24.11.2026 12:00:00")  # any raw field
        fake_novaposhta.fail("timeout")             # the next request: "success_false", 500 (any status),
        fake_novaposhta.fail(500, times=3)          # "timeout", "not_json"; times=None: until .recover()
        fake_novaposhta.default = {"code": 5}       # every number nobody set is in transit (else: not found)
        ... run the code under test ...
        assert fake_novaposhta.request_count == 1
        assert fake_novaposhta.documents_per_request == [2]
        assert fake_novaposhta.asked == ["20450000000001", "20450000000002"]   # every number, in order

Tests anywhere under tests/ get the fixture by importing it and its server into their conftest.py or test module:
`from tests.orders.carriers.fakes import _novaposhta_server, fake_novaposhta  # noqa: F401` (a test function that takes
it then wants `# noqa: F811`); tests/orders/carriers/conftest.py does it for its own directory. Outside pytest
(bench/tracking.py) use `FakeNovaPoshta().start()`, `.url`, `.stop()` directly.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from datetime import date, datetime

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from marketplace.worktime import KYIV

PATH = "/v2.0/json/"

# The carrier's own texts for its codes (as the tracking page and the API say them, Ukrainian).
TEXTS = {
    1: "Відправник самостійно створив цю накладну, але ще не надав до відправки",
    2: "Видалено",
    3: "Номер не знайдено",
    4: "Відправлення у місті Київ",
    41: "Відправлення у місті Київ",
    5: "Відправлення прямує до міста Львів",
    6: "Відправлення у місті Львів, орієнтовна доставка до відділення",
    7: "Прибув на відділення",
    8: "Прибув на відділення (завантажено в Поштомат)",
    9: "Відправлення отримано",
    10: "Відправлення отримано, грошовий переказ буде надіслано",
    11: "Відправлення отримано, грошовий переказ видано одержувачу",
    12: "Нова Пошта комплектує ваше відправлення",
    101: "На шляху до одержувача",
    102: "Відмова від отримання",
    103: "Відмова одержувача",
    104: "Змінено адресу",
    105: "Припинено зберігання",
    106: "Одержано і створено ЄН зворотньої доставки",
    108: "Відмова одержувача: відправлення повертається",
    111: "Невдала спроба доставки через відсутність одержувача на адресі або зв'язку з ним",
    112: "Дата доставки перенесена одержувачем",
}

FAILURES = ("success_false", "timeout", "not_json")


def _when(value, dotted: bool = False) -> str:
    """A datetime or date (Kyiv wall time) as the carrier writes it: "dd.mm.YYYY HH:MM:SS" in
    RecipientDateTime and ScheduledDeliveryDate, "YYYY-mm-dd HH:MM:SS" elsewhere; a string as it is."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(KYIV)
        return value.strftime("%d.%m.%Y %H:%M:%S" if dotted else "%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y 00:00:00" if dotted else "%Y-%m-%d 00:00:00")
    return value or ""


def document(number: str, code=3, *, status: str | None = None, numeric_code: bool = False, **fields) -> dict:
    """One element of `data` as the real API gives it, with the fields tracking reads filled in.

    Friendly keywords: `branch`, `branch_address`, `at` (the state's time: RecipientDateTime for 9–11,
    TrackingUpdateDate always), `scheduled` (ScheduledDeliveryDate), `storage_until` (DatePayedKeeping),
    `new_number` (LastCreatedOnTheBasisNumber), `new_number_type` (…DocumentType). Any other keyword is put
    in the document as it is (the API's own field names), overriding the defaults."""
    code_int = int(code)
    branch = fields.pop("branch", "Відділення №1 (до 30 кг): вул. Хрещатик, 22")
    branch_address = fields.pop("branch_address", "м. Київ, вул. Хрещатик, 22")
    at_value = fields.pop("at", "")
    at, at_dotted = _when(at_value), _when(at_value, dotted=True)
    scheduled = _when(fields.pop("scheduled", ""), dotted=True)
    storage_until = _when(fields.pop("storage_until", ""))
    new_number = fields.pop("new_number", "")
    new_number_type = fields.pop("new_number_type", "Redirecting" if new_number else "")
    if code_int in (2, 3):
        doc = {"Number": number, "StatusCode": str(code_int), "Status": status or TEXTS[code_int]}
    else:
        doc = {
            "PossibilityCreateReturn": False,
            "PossibilityCreateRefusal": False,
            "PossibilityChangeEW": False,
            "PossibilityCreateRedirecting": False,
            "Number": number,
            "Redelivery": 0,
            "RedeliverySum": 0,
            "RedeliveryNum": "",
            "RedeliveryPayer": "",
            "OwnerDocumentType": "",
            "LastCreatedOnTheBasisDocumentType": new_number_type,
            "LastCreatedOnTheBasisPayerType": "",
            "LastCreatedOnTheBasisDateTime": at if new_number else "",
            "LastTransactionStatusGM": "",
            "LastTransactionDateTimeGM": "",
            "LastAmountTransferGM": "",
            "DateCreated": "23-11-2026 18:30:00",
            "DocumentWeight": 0.5,
            "FactualWeight": "0.5",
            "VolumeWeight": "0.1",
            "CheckWeight": 0,
            "DocumentCost": "60",
            "SumBeforeCheckWeight": 0,
            "PayerType": "Recipient",
            "RecipientFullName": "",
            "RecipientDateTime": at_dotted if code_int in (9, 10, 11) else "",
            "ScheduledDeliveryDate": scheduled,
            "PaymentMethod": "Cash",
            "CargoDescriptionString": "Товар",
            "CargoType": "Parcel",
            "CitySender": "Київ",
            "CityRecipient": "Львів",
            "WarehouseRecipient": branch,
            "CounterpartyType": "PrivatePerson",
            "AfterpaymentOnGoodsCost": "0",
            "ServiceType": "WarehouseWarehouse",
            "UndeliveryReasonsSubtypeDescription": "",
            "WarehouseRecipientNumber": 1,
            "LastCreatedOnTheBasisNumber": new_number,
            "PhoneRecipient": "",
            "RecipientFullNameEW": "",
            "WarehouseRecipientInternetAddressRef": "",
            "MarketplacePartnerToken": "",
            "ClientBarcode": "",
            "RecipientAddress": branch_address,
            "CounterpartyRecipientDescription": "Приватна особа",
            "CounterpartySenderType": "PrivatePerson",
            "DateScan": "0001-01-01 00:00:00",
            "PaymentStatus": "",
            "PaymentStatusDate": "",
            "AmountToPay": "",
            "AmountPaid": "",
            "Status": status or TEXTS.get(code_int, "Статус"),
            "StatusCode": str(code_int),
            "RefEW": "00000000-0000-0000-0000-000000000000",
            "BackwardDeliverySubTypesServices": [],
            "BackwardDeliverySubTypesActions": [],
            "UndeliveryReasons": "",
            "DatePayedKeeping": storage_until,
            "InternationalDeliveryType": "",
            "SeatsAmount": "1",
            "CardMaskedNumber": "",
            "ExpressWaybillPaymentStatus": "",
            "ExpressWaybillAmountToPay": "",
            "PhoneSender": "",
            "TrackingUpdateDate": at,
            "WarehouseSender": "Відділення №2: вул. Велика Васильківська, 10",
            "DateReturnCargo": "",
            "DateMoving": "",
            "DateFirstDayStorage": "",
            "RefCityRecipient": "00000000-0000-0000-0000-000000000001",
            "RefCitySender": "00000000-0000-0000-0000-000000000002",
            "RefSettlementRecipient": "00000000-0000-0000-0000-000000000003",
            "RefSettlementSender": "00000000-0000-0000-0000-000000000004",
            "SenderAddress": "м. Київ, вул. Велика Васильківська, 10",
            "SenderFullNameEW": "",
            "AnnouncedPrice": "",
            "AdditionalInformationEW": "",
            "ActualDeliveryDate": at if code_int in (7, 8, 9, 10, 11) else "",
            "PostomatV3CellReservationNumber": "",
            "OwnerDocumentNumber": "",
            "LastAmountReceivedCommissionGM": "",
            "DeliveryTimeframe": "",
            "CreatedOnTheBasis": "",
            "UndeliveryReasonsDate": "",
            "RecipientWarehouseTypeRef": "",
            "WarehouseRecipientRef": "00000000-0000-0000-0000-000000000005",
            "CategoryOfWarehouse": "Branch",
            "WarehouseRecipientAddress": branch_address,
            "WarehouseSenderInternetAddressRef": "",
            "WarehouseSenderAddress": "м. Київ, вул. Велика Васильківська, 10",
            "AviaDelivery": "",
            "BarcodeRedBox": "",
            "CargoReturnRefusal": "",
            "DaysStorageCargo": "",
            "Packaging": [],
            "PartialReturnGoods": [],
            "SecurePayment": "",
            "PossibilityChangeCash2Card": False,
            "PossibilityChangeDeliveryIntervals": False,
            "PossibilityTermExtensio": False,
            "StorageAmount": "",
            "StoragePrice": "",
            "FreeShipping": "",
            "LoyaltyCardRecipient": "",
        }
    doc.update(fields)
    if numeric_code:
        doc["StatusCode"] = code_int
    return doc


def envelope(data: list, *, success: bool = True, errors: list | None = None, error_codes: list | None = None) -> dict:
    return {
        "success": success,
        "data": data,
        "errors": errors or [],
        "warnings": [],
        "info": [],
        "messageCodes": [],
        "errorCodes": error_codes or [],
        "warningCodes": [],
        "infoCodes": [],
    }


class FakeNovaPoshta:
    """A threaded local server for `POST /v2.0/json/`; see the module docstring."""

    def __init__(self, *, timeout_sleep: float = 2.0):
        self.server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        self.server.no_handler_status_code = 404
        self.server.expect_request(PATH, method="POST").respond_with_handler(self._handle)
        self.lock = threading.Lock()
        self.timeout_sleep = timeout_sleep  # longer than the client's timeout in tests (HTTP_TIMEOUT = 1)
        self._released = threading.Event()
        self.documents: dict[str, dict] = {}
        self._failures: deque = deque()
        self._failing_forever = None
        self.requests: list[dict] = []  # every request body, in order
        self.api_keys: list[str] = []
        # What a number nobody `set` answers: None is the real API's "not found" (code 3); a dict of
        # `document` keywords (e.g. {"code": 5}) answers that state for every such number.
        self.default: dict | None = None

    # Setup ---------------------------------------------------------------------------------------
    def start(self) -> FakeNovaPoshta:
        self.server.start()
        return self

    def stop(self) -> None:
        self._released.set()
        self.server.clear()
        if self.server.is_running():
            self.server.stop()

    def reset(self) -> None:
        with self.lock:
            self.documents = {}
            self._failures.clear()
            self._failing_forever = None
            self.requests = []
            self.api_keys = []
            self.default = None
        self._released.set()
        self._released = threading.Event()

    @property
    def url(self) -> str:
        return self.server.url_for(PATH)

    # What it answers -----------------------------------------------------------------------------
    def set(self, number: str, code=9, **fields) -> dict:
        """The state the carrier reports for `number` from now on (see `document` for the keywords)."""
        doc = document(number, code, **fields)
        with self.lock:
            self.documents[number] = doc
        return doc

    def set_raw(self, number: str, doc: dict) -> None:
        """Answer exactly this document for `number`."""
        with self.lock:
            self.documents[number] = doc

    def forget(self, number: str) -> None:
        with self.lock:
            self.documents.pop(number, None)

    def fail(self, how, *, times: int | None = 1, errors: list | None = None) -> None:
        """Fail the next `times` requests (None: every request until `recover()`): "success_false"
        (HTTP 200, `success: false` with `errors`), an HTTP status such as 500 or 503, "timeout" (answers
        only after `timeout_sleep` seconds) or "not_json" (an HTML page with status 200)."""
        assert isinstance(how, int) or how in FAILURES, how
        failure = (how, (errors or ["API key expired"]) if how == "success_false" else errors)
        with self.lock:
            if times is None:
                self._failing_forever = failure
            else:
                self._failures.extend([failure] * times)

    def recover(self) -> None:
        with self.lock:
            self._failures.clear()
            self._failing_forever = None

    # What it saw ---------------------------------------------------------------------------------
    @property
    def request_count(self) -> int:
        return len(self.requests)

    @property
    def documents_per_request(self) -> list[int]:
        return [len(body.get("methodProperties", {}).get("Documents", [])) for body in self.requests]

    @property
    def asked(self) -> list[str]:
        """Every DocumentNumber asked about, in order (repeats included)."""
        return [d.get("DocumentNumber") for body in self.requests for d in body["methodProperties"]["Documents"]]

    @property
    def phones(self) -> dict[str, str]:
        """The last Phone sent with each number."""
        return {
            d.get("DocumentNumber"): d.get("Phone", "")
            for body in self.requests
            for d in body["methodProperties"]["Documents"]
        }

    # The handler ---------------------------------------------------------------------------------
    def _handle(self, request: Request) -> Response:
        body = request.get_json(force=True, silent=True) or {}
        with self.lock:
            self.requests.append(body)
            self.api_keys.append(body.get("apiKey", ""))
            failure = self._failures.popleft() if self._failures else self._failing_forever
            released = self._released
        if failure is not None:
            how, errors = failure
            if how == "timeout":
                released.wait(self.timeout_sleep)
            elif how == "not_json":
                return Response("<html><body>502 Bad Gateway</body></html>", 200, content_type="text/html")
            elif how == "success_false":
                return self._json(envelope([], success=False, errors=errors, error_codes=["20000200068"]))
            else:
                return Response("<html><body>Server error</body></html>", how, content_type="text/html")
        if body.get("modelName") != "TrackingDocument" or body.get("calledMethod") != "getStatusDocuments":
            return self._json(envelope([], success=False, errors=["Method not found"]))
        documents = body.get("methodProperties", {}).get("Documents", [])
        if len(documents) > 100:
            return self._json(envelope([], success=False, errors=["Documents limit exceeded (100)"]))
        with self.lock:
            known, default = dict(self.documents), self.default
        data = []
        for asked in documents:
            number = asked.get("DocumentNumber", "")
            if number in known:
                data.append(known[number])
            elif default is not None:
                data.append(document(number, **default))
            else:
                data.append(document(number, 3))
        return self._json(envelope(data))

    @staticmethod
    def _json(payload: dict) -> Response:
        return Response(json.dumps(payload, ensure_ascii=False), 200, content_type="application/json")


@pytest.fixture(scope="session")
def _novaposhta_server():
    server = FakeNovaPoshta().start()
    yield server
    server.stop()


@pytest.fixture
def fake_novaposhta(_novaposhta_server, settings):
    """The fake Nova Poshta API, empty, with `settings.NOVA_POSHTA_API_URL` pointing at it."""
    _novaposhta_server.reset()
    settings.NOVA_POSHTA_API_URL = _novaposhta_server.url
    settings.NOVA_POSHTA_API_KEY = ""
    settings.HTTP_TIMEOUT = 1
    return _novaposhta_server


UKRPOSHTA_TOKEN = "ukrposhta-test-token"


class FakeUkrposhta:
    """Ukrposhta's status-tracking API: `GET /status-tracking/0.0.1/statuses/last?barcode=…` answers the
    barcode's last event set with `set(barcode, event=41000, ...)`, 404 for one nobody set, 401 without
    the bearer token; `fail(500)` / `fail("timeout")` / `fail("not_json")` the next request."""

    PATH = "/status-tracking/0.0.1/statuses/last"

    def __init__(self):
        self.server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        self.server.expect_request(self.PATH, method="GET").respond_with_handler(self._handle)
        self.lock = threading.Lock()
        self.statuses: dict[str, dict] = {}
        self._failures: deque = deque()
        self.asked: list[str] = []

    def start(self) -> FakeUkrposhta:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.clear()
        if self.server.is_running():
            self.server.stop()

    def reset(self) -> None:
        with self.lock:
            self.statuses, self.asked = {}, []
            self._failures.clear()

    @property
    def url(self) -> str:
        return self.server.url_for("/status-tracking/0.0.1/")

    def set(self, barcode: str, event=41000, *, name: str = "Вручено", at: datetime | None = None, **fields) -> dict:
        status = {
            "barcode": barcode,
            "step": 5,
            "date": (at or datetime(2026, 11, 24, 9, 0)).strftime("%Y-%m-%dT%H:%M:%S"),
            "index": "01001",
            "name": "Київ 1",
            "event": event,
            "eventName": name,
            "country": "Україна",
            "eventReason": None,
            "eventReason_id": None,
            "mailType": 26,
            "indexOrder": 0,
            **fields,
        }
        with self.lock:
            self.statuses[barcode] = status
        return status

    def fail(self, how, *, times: int = 1) -> None:
        with self.lock:
            self._failures.extend([how] * times)

    def _handle(self, request: Request) -> Response:
        barcode = request.args.get("barcode", "")
        with self.lock:
            self.asked.append(barcode)
            failure = self._failures.popleft() if self._failures else None
            status = self.statuses.get(barcode)
        if request.headers.get("Authorization") != f"Bearer {UKRPOSHTA_TOKEN}":
            return Response(json.dumps({"message": "Unauthorized"}), 401, content_type="application/json")
        if failure == "timeout":
            threading.Event().wait(2.0)
        elif failure == "not_json":
            return Response("<html>maintenance</html>", 200, content_type="text/html")
        elif isinstance(failure, int):
            return Response("<html>error</html>", failure, content_type="text/html")
        if status is None:
            return Response(
                json.dumps({"code": "404", "message": f"Barcode {barcode} not found"}),
                404,
                content_type="application/json",
            )
        return Response(json.dumps(status, ensure_ascii=False), 200, content_type="application/json")


@pytest.fixture(scope="session")
def _ukrposhta_server():
    server = FakeUkrposhta().start()
    yield server
    server.stop()


@pytest.fixture
def fake_ukrposhta(_ukrposhta_server, settings):
    _ukrposhta_server.reset()
    settings.UKRPOSHTA_TRACKING_URL = _ukrposhta_server.url
    settings.UKRPOSHTA_TRACKING_TOKEN = UKRPOSHTA_TOKEN
    settings.HTTP_TIMEOUT = 1
    return _ukrposhta_server
