"""A deterministic demo CRM: the same seed always gives the same rows.

What it makes, and why each piece is there:

- Companies in the UK, Australia, New Zealand and the US with addresses in each country's real
  postcode format. Some postcodes start with a zero (Darwin NT "0800", Whangarei "0110",
  West Auckland "0610", Boston "02108") because spreadsheets drop that zero (B14). The first
  four companies are one per country, and the AU, NZ and US ones get such a postcode.
- Some companies share a name but not a postcode (company 5 always copies company 1's name),
  because matching needs name + postcode to break ties (B19).
- Phones are kept as country code, area code (with its trunk zero: "020", "08", "09") and
  number, plus the joined international form (B13). UK, AU and US numbers come from the
  ranges the regulators (Ofcom, ACMA, NANPA 555-01xx) set aside for fiction.
- One primary contact per company, sometimes more people (B16, B36, B37).
- Tax rates mapped to Xero TaxTypes (UK VAT 20 % -> OUTPUT2, AU GST 10 % -> OUTPUT,
  NZ GST 15 % -> OUTPUT2, US no tax -> NONE) and one deliberately unmapped rate,
  "UK VAT Reduced 5%", used only by product CHILD-SEAT, which no generated invoice uses, so a
  test can add it to trigger the unmapped-rate error (B5, B32).
- Invoices of one to four lines, some with per-line discounts and 4 dp unit prices, totals
  computed by resources.crm.money exactly as Xero computes them; statuses spread over Created,
  Live, Pending, Part Paid, Paid (and a few Cancelled), amount outstanding consistent with the
  status. Nothing is marked as sent: the Xero side starts empty.
- At least one credit note (company 1 always has one, with a discounted line for B40).
- Users "finance", "admin" and "sales", one per role (B38).

Dates are fixed (invoices in 2025), never "today", so a run is reproducible. Company names are
unique within a country for the first 64,000 companies of that country, beyond which they repeat.
The guarantees above need at least five companies.

Rows are built in batches and inserted with Core ``executemany``, so a million companies never
sit in memory at once. Measured with ``python -m resources.crm.demo_data --companies N`` on
SQLite (a file, WAL) on the development container: 100,000 companies (with 165,000 contacts,
140,000 invoices, 279,000 invoice lines and 4,000 credit notes, about 690,000 rows) in 13.8 s,
of which about 6 s is building the rows; 1,000,000 companies in 158 s with peak memory of
140 MB, flat throughout.

Command line::

    python -m resources.crm.demo_data --companies 10 --seed 42 [--url URL]
"""

from __future__ import annotations

import argparse
import math
import random
import re
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from typing import Any

from faker import Faker
from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from resources.crm.db import make_engine, session_factory, upgrade_head
from resources.crm.models import (
    Base,
    Company,
    Contact,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Product,
    TaxRate,
    User,
    UserRole,
)
from resources.crm.money import LineMoney, document_totals, round_money

Row = dict[str, Any]

# Insert order respects foreign keys.
TABLES: tuple[Table, ...] = tuple(
    Base.metadata.tables[model.__tablename__]
    for model in (
        TaxRate,
        Product,
        User,
        Company,
        Contact,
        Invoice,
        InvoiceLine,
        CreditNote,
        CreditNoteLine,
    )
)
_PRIMARY_KEYS = {table.name: next(iter(table.primary_key.columns)).name for table in TABLES}

INVOICE_YEAR_START = date(2025, 1, 1)
COMPANY_YEAR_START = date(2024, 1, 1)
POOL_SIZE_SURNAMES = 400
POOL_SIZE_FIRST_NAMES = 250
DUPLICATE_NAME_SHARE = 0.03


# --- reference data -------------------------------------------------------------------------


@dataclass(frozen=True)
class TaxRateSpec:
    id: int
    name: str
    rate: Decimal
    xero_tax_type: str | None


TAX_RATES: tuple[TaxRateSpec, ...] = (
    TaxRateSpec(1, "UK VAT 20%", Decimal("20"), "OUTPUT2"),
    TaxRateSpec(2, "AU GST 10%", Decimal("10"), "OUTPUT"),
    TaxRateSpec(3, "NZ GST 15%", Decimal("15"), "OUTPUT2"),
    TaxRateSpec(4, "US No Tax", Decimal("0"), "NONE"),
    # Deliberately unmapped: sending anything that uses it must stop with a clear error (B5).
    TaxRateSpec(5, "UK VAT Reduced 5%", Decimal("5"), None),
)
UNMAPPED_TAX_RATE_ID = 5
_RATE_BY_ID = {spec.id: spec.rate for spec in TAX_RATES}


@dataclass(frozen=True)
class ProductSpec:
    id: int
    code: str
    name: str
    unit_price: Decimal
    account_code: str
    hourly: bool = False
    tax_rate_id: int = 1


PRODUCTS: tuple[ProductSpec, ...] = (
    ProductSpec(1, "CONSULT-HR", "Consulting (per hour)", Decimal("125.0000"), "200", True),
    ProductSpec(2, "INSTALL-HR", "Installation labour (per hour)", Decimal("85.5000"), "200", True),
    ProductSpec(3, "SUPPORT-MO", "Support plan (monthly)", Decimal("49.9900"), "200"),
    # 3.335 is where half-up and half-even rounding disagree: 3 x 3.335 = 10.005.
    ProductSpec(4, "CABLE-TIES", "Cable ties (pack of 100)", Decimal("3.3350"), "200"),
    ProductSpec(5, "HDMI-2M", "HDMI cable 2 m", Decimal("12.4995"), "200"),
    ProductSpec(6, "ROUTER-AX", "Wi-Fi 6 router", Decimal("189.0000"), "200"),
    ProductSpec(7, "SWITCH-24", "24-port network switch", Decimal("349.9500"), "200"),
    ProductSpec(8, "UPS-1500", "UPS 1500 VA", Decimal("612.3300"), "200"),
    ProductSpec(9, "LAPTOP-14", "14-inch business laptop", Decimal("1249.0000"), "200"),
    ProductSpec(10, "MONITOR-27", "27-inch monitor", Decimal("329.0000"), "200"),
    ProductSpec(11, "TONER-BLK", "Toner cartridge, black", Decimal("64.9900"), "200"),
    ProductSpec(12, "TRAINING-DAY", "On-site training day", Decimal("950.0000"), "260"),
    ProductSpec(
        13,
        "CHILD-SEAT",
        "Child car seat",
        Decimal("79.0000"),
        "200",
        tax_rate_id=UNMAPPED_TAX_RATE_ID,
    ),
)
# Generated invoices never use the product with the unmapped rate: one bad product stops a
# whole send (B32), which would make every demo "Send All Live" fail.
_INVOICE_PRODUCTS = tuple(p for p in PRODUCTS if p.tax_rate_id != UNMAPPED_TAX_RATE_ID)

USERS: tuple[tuple[int, str, str, UserRole], ...] = (
    (1, "finance", "Priya Shah", UserRole.FINANCE),
    (2, "admin", "Tom Okafor", UserRole.ADMIN),
    (3, "sales", "Sam Reed", UserRole.SALES),
)

_FREE_TEXT_LINES: tuple[tuple[str, Decimal], ...] = (
    ("Call-out fee", Decimal("65.0000")),
    ("Ad hoc consulting, as agreed by phone", Decimal("110.0000")),
    ("Freight and handling", Decimal("18.7500")),
)


# --- places ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    city: str
    region: str
    postcodes: tuple[str, ...]  # UK: outward codes; the inward half is generated
    area_code: str  # with the trunk zero where the country has one
    number_prefix: str  # fixed leading digits of the local number
    number_length: int  # digits in the local number

    @property
    def leading_zero(self) -> bool:
        return self.postcodes[0].startswith("0")


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    locale: str
    currency: str
    dial_code: str
    tax_rate_id: int
    email_tld: str
    company_suffixes: tuple[str, ...]
    street_types: tuple[str, ...]
    unit_labels: tuple[str, ...]
    street_names: tuple[str, ...]
    places: tuple[Place, ...]
    mobile: Callable[[random.Random], str]
    weight: int


def _uk_mobile(rng: random.Random) -> str:
    return f"+44 7700 900{rng.randint(0, 999):03d}"  # Ofcom's drama range


def _au_mobile(rng: random.Random) -> str:
    return f"+61 491 57{rng.randint(0, 9)} {rng.randint(0, 999):03d}"  # ACMA's fiction range


def _nz_mobile(rng: random.Random) -> str:
    return f"+64 21 {rng.randint(100, 999)} {rng.randint(0, 9999):04d}"


def _us_mobile(rng: random.Random) -> str:
    return f"+1 {rng.choice(('617', '212', '415'))} 555 01{rng.randint(0, 99):02d}"


COUNTRIES: tuple[Country, ...] = (
    Country(
        code="GB",
        name="United Kingdom",
        locale="en_GB",
        currency="GBP",
        dial_code="44",
        tax_rate_id=1,
        email_tld="co.uk",
        company_suffixes=("Ltd", "Limited", "LLP", "Group Ltd"),
        street_types=("Road", "Street", "Lane", "Close", "Avenue", "Crescent", "Way", "Terrace"),
        unit_labels=("Unit", "Suite", "Flat"),
        street_names=("High", "Church", "Station", "Victoria", "Mill", "Park", "King", "Queen"),
        places=(
            Place(
                "London",
                "Greater London",
                ("SW1A", "EC1A", "W1D", "N1", "SE1", "E14"),
                "020",
                "79460",
                8,
            ),
            Place("Manchester", "Greater Manchester", ("M1", "M2", "M4"), "0161", "4960", 7),
            Place("Birmingham", "West Midlands", ("B1", "B2", "B3"), "0121", "4960", 7),
            Place("Leeds", "West Yorkshire", ("LS1", "LS2"), "0113", "4960", 7),
            Place("Bristol", "Bristol", ("BS1", "BS2"), "0117", "4960", 7),
            Place("Edinburgh", "City of Edinburgh", ("EH1", "EH2"), "0131", "4960", 7),
            Place("Glasgow", "Glasgow City", ("G1", "G2"), "0141", "4960", 7),
            Place("Cardiff", "Cardiff", ("CF10", "CF11"), "029", "20180", 8),
        ),
        mobile=_uk_mobile,
        weight=30,
    ),
    Country(
        code="AU",
        name="Australia",
        locale="en_AU",
        currency="AUD",
        dial_code="61",
        tax_rate_id=2,
        email_tld="com.au",
        company_suffixes=("Pty Ltd", "Pty Limited", "Group Pty Ltd", "Services Pty Ltd"),
        street_types=("Street", "Road", "Parade", "Avenue", "Crescent", "Drive", "Esplanade"),
        unit_labels=("Level", "Unit", "Suite"),
        street_names=("George", "Pitt", "Collins", "Flinders", "Queen", "Hay", "Smith", "Mitchell"),
        places=(
            Place("Darwin", "NT", ("0800", "0810", "0820"), "08", "5550", 8),
            Place("Alice Springs", "NT", ("0870",), "08", "5550", 8),
            Place("Sydney", "NSW", ("2000", "2010", "2060"), "02", "5550", 8),
            Place("Canberra", "ACT", ("2600", "2601", "2612"), "02", "5550", 8),
            Place("Melbourne", "VIC", ("3000", "3004", "3121"), "03", "5550", 8),
            Place("Hobart", "TAS", ("7000", "7004"), "03", "5550", 8),
            Place("Brisbane", "QLD", ("4000", "4006", "4101"), "07", "5550", 8),
            Place("Adelaide", "SA", ("5000", "5006"), "08", "5550", 8),
            Place("Perth", "WA", ("6000", "6005"), "08", "5550", 8),
        ),
        mobile=_au_mobile,
        weight=25,
    ),
    Country(
        code="NZ",
        name="New Zealand",
        locale="en_NZ",
        currency="NZD",
        dial_code="64",
        tax_rate_id=3,
        email_tld="co.nz",
        company_suffixes=("Ltd", "Limited", "Group Ltd", "Services Ltd"),
        street_types=("Street", "Road", "Place", "Avenue", "Terrace", "Crescent", "Quay"),
        unit_labels=("Level", "Unit"),
        street_names=("Queen", "Lambton", "Cuba", "Colombo", "Victoria", "Karangahape", "Dee"),
        places=(
            Place("Whangarei", "Northland", ("0110", "0112"), "09", "430", 7),
            Place("Henderson", "Auckland", ("0610", "0612"), "09", "836", 7),
            Place("Orewa", "Auckland", ("0931",), "09", "426", 7),
            Place("Auckland", "Auckland", ("1010", "1011", "1021"), "09", "309", 7),
            Place("Hamilton", "Waikato", ("3204", "3210"), "07", "838", 7),
            Place("Wellington", "Wellington", ("6011", "6012", "6021"), "04", "472", 7),
            Place("Christchurch", "Canterbury", ("8011", "8013", "8041"), "03", "379", 7),
            Place("Dunedin", "Otago", ("9016", "9010"), "03", "477", 7),
        ),
        mobile=_nz_mobile,
        weight=15,
    ),
    Country(
        code="US",
        name="United States",
        locale="en_US",
        currency="USD",
        dial_code="1",
        tax_rate_id=4,
        email_tld="com",
        company_suffixes=("LLC", "Inc.", "Corp.", "Group LLC"),
        street_types=("Street", "Avenue", "Boulevard", "Drive", "Lane", "Road", "Court"),
        unit_labels=("Suite", "Floor"),
        street_names=("Main", "Oak", "Maple", "Washington", "Lincoln", "Park", "Elm", "Cedar"),
        places=(
            Place("Boston", "MA", ("02108", "02110", "02116"), "617", "55501", 7),
            Place("Hartford", "CT", ("06103", "06106"), "860", "55501", 7),
            Place("Newark", "NJ", ("07102", "07105"), "973", "55501", 7),
            Place("Portland", "ME", ("04101", "04102"), "207", "55501", 7),
            Place("New York", "NY", ("10016", "10001", "10018"), "212", "55501", 7),
            Place("Chicago", "IL", ("60601", "60611"), "312", "55501", 7),
            Place("Austin", "TX", ("78701", "78704"), "512", "55501", 7),
            Place("San Francisco", "CA", ("94111", "94103"), "415", "55501", 7),
            Place("Seattle", "WA", ("98101", "98109"), "206", "55501", 7),
        ),
        mobile=_us_mobile,
        weight=30,
    ),
)
COUNTRY_BY_CODE = {country.code: country for country in COUNTRIES}

INDUSTRIES: tuple[str, ...] = (
    "Plumbing", "Electrical", "Joinery", "Consulting", "Logistics", "Bakery", "Landscaping",
    "Engineering", "Design", "Catering", "Motors", "Print", "Software", "Dental", "Builders",
    "Roofing", "Flooring", "Glazing", "Cleaning", "Marine", "Accounting", "Architects",
    "Brewing", "Coffee", "Couriers", "Decorating", "Events", "Fitness", "Florists", "Freight",
    "Furniture", "Hardware", "Interiors", "Media", "Optics", "Security", "Solar", "Storage",
    "Surveying", "Timber",
)  # fmt: skip

# UK inward codes never use C, I, K, M, O or V in the last two letters.
_UK_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def uk_postcode(outward: str, rng: random.Random) -> str:
    """A full UK postcode in the real shape, e.g. "SW1A 2DX"."""
    letters = rng.choice(_UK_INWARD_LETTERS) + rng.choice(_UK_INWARD_LETTERS)
    return f"{outward} {rng.randint(0, 9)}{letters}"


def international_phone(country_code: str, area_code: str, number: str) -> str:
    """Join phone parts the international way: "+44 20 7946 0123" (the trunk zero goes)."""
    local = f"{number[:-4]} {number[-4:]}" if len(number) > 4 else number
    area = area_code.lstrip("0")
    return " ".join(part for part in (f"+{country_code}", area, local) if part)


def _slug(value: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _email_local(value: str) -> str:
    return _slug(value).replace("-", "")


# --- pools ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CountryPools:
    surnames: tuple[str, ...]
    first_names: tuple[str, ...]
    street_names: tuple[str, ...]
    name_stride: int
    name_offset: int


def _unique_draws(draw: Callable[[], str], size: int) -> tuple[str, ...]:
    seen: dict[str, None] = {}  # a dict keeps first-seen order, so the pool is reproducible
    for _ in range(size * 20):
        seen.setdefault(draw(), None)
        if len(seen) >= size:
            break
    return tuple(seen)


def _coprime_stride(space: int) -> int:
    # A stride coprime with the name space walks every combination once before repeating;
    # the golden-ratio start scatters neighbours so consecutive companies look unrelated.
    stride = int(space * 0.6180339887) | 1
    while math.gcd(stride, space) != 1:
        stride += 2
    return stride


def _build_pools(seed: int, rng: random.Random) -> dict[str, _CountryPools]:
    """Small per-country name pools from seeded Faker, built once; rows then draw from them."""
    pools: dict[str, _CountryPools] = {}
    for index, country in enumerate(COUNTRIES):
        fake = Faker(country.locale)
        fake.seed_instance(seed * 10 + index)
        surnames = _unique_draws(fake.last_name, POOL_SIZE_SURNAMES)
        first_names = _unique_draws(fake.first_name, POOL_SIZE_FIRST_NAMES)
        space = len(surnames) * len(INDUSTRIES) * len(country.company_suffixes)
        pools[country.code] = _CountryPools(
            surnames=surnames,
            first_names=first_names,
            street_names=country.street_names + surnames[:60],
            name_stride=_coprime_stride(space),
            name_offset=rng.randrange(space),
        )
    return pools


# --- row generation -------------------------------------------------------------------------


@dataclass
class DemoBatch:
    """Rows for one batch of companies, keyed by table name, in insert order."""

    rows: dict[str, list[Row]] = field(default_factory=lambda: {t.name: [] for t in TABLES})

    def count(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


@dataclass
class _Counters:
    contact: int = 0
    invoice: int = 0
    invoice_line: int = 0
    credit_note: int = 0
    credit_note_line: int = 0
    per_country: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Address:
    place: Place
    street: str
    postcode: str
    country: str


@dataclass(frozen=True)
class _NameRecord:
    name: str
    country: str
    postcode: str
    email_domain: str


class _Generator:
    """Draws every row from one random.Random in a fixed order, so output depends only on
    the seed and the company count (never on the batch size)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.pools = _build_pools(seed, self.rng)
        self.counters = _Counters()
        self.recent_names: list[_NameRecord] = []
        self.first_name_record: _NameRecord | None = None
        self._country_codes = [c.code for c in COUNTRIES]
        self._country_weights = [c.weight for c in COUNTRIES]

    # -- companies

    def _country_for(self, index: int) -> Country:
        if index < len(COUNTRIES):
            return COUNTRIES[index]  # one per country first, so any demo has all four
        code = self.rng.choices(self._country_codes, self._country_weights)[0]
        return COUNTRY_BY_CODE[code]

    def _company_name(self, country: Country) -> tuple[str, str]:
        pools = self.pools[country.code]
        k = self.counters.per_country.get(country.code, 0)
        self.counters.per_country[country.code] = k + 1
        surnames = pools.surnames
        space = len(surnames) * len(INDUSTRIES) * len(country.company_suffixes)
        j = (pools.name_offset + k * pools.name_stride) % space
        surname = surnames[j % len(surnames)]
        industry = INDUSTRIES[(j // len(surnames)) % len(INDUSTRIES)]
        suffix = country.company_suffixes[j // (len(surnames) * len(INDUSTRIES))]
        domain = f"{_slug(surname + ' ' + industry)}.{country.email_tld}"
        return f"{surname} {industry} {suffix}", domain

    def _address(
        self, country: Country, place: Place | None = None, avoid_postcode: str | None = None
    ) -> _Address:
        rng = self.rng
        for _ in range(20):
            chosen = place or rng.choice(country.places)
            postcode_base = rng.choice(chosen.postcodes)
            postcode = uk_postcode(postcode_base, rng) if country.code == "GB" else postcode_base
            if postcode != avoid_postcode:
                break
            place = None  # the forced place only had that postcode: try another place
        pools = self.pools[country.code]
        number = rng.randint(1, 9_999) if country.code == "US" else rng.randint(1, 250)
        street = f"{number} {rng.choice(pools.street_names)} {rng.choice(country.street_types)}"
        lines = [street]
        if rng.random() < 0.25:
            lines.insert(0, f"{rng.choice(country.unit_labels)} {rng.randint(1, 40)}")
        return _Address(chosen, ", ".join(lines), postcode, country.name)

    def company(self, crm_id: int, index: int, batch: DemoBatch) -> None:
        rng = self.rng
        country = self._country_for(index)
        duplicate_of: _NameRecord | None = None
        if index == 4 and self.first_name_record is not None:
            duplicate_of = self.first_name_record
        elif index > 4 and self.recent_names and rng.random() < DUPLICATE_NAME_SHARE:
            duplicate_of = rng.choice(self.recent_names)

        place: Place | None = None
        if duplicate_of is not None:
            country = COUNTRY_BY_CODE[duplicate_of.country]
            name, domain = duplicate_of.name, duplicate_of.email_domain
        else:
            name, domain = self._company_name(country)
            if 0 < index < len(COUNTRIES) and country.code != "GB":
                place = rng.choice([p for p in country.places if p.leading_zero])
        billing = self._address(
            country, place, duplicate_of.postcode if duplicate_of is not None else None
        )
        record = _NameRecord(name, country.code, billing.postcode, domain)
        if self.first_name_record is None:
            self.first_name_record = record
        if duplicate_of is None:
            # A bounded window keeps memory flat for a million companies.
            self.recent_names.append(record)
            if len(self.recent_names) > 500:
                self.recent_names.pop(0)

        roll = rng.random()
        if roll < 0.70:
            shipping: _Address | None = billing
        elif roll < 0.90:
            shipping = None  # empty: the import copies billing over (B12)
        else:
            shipping = self._address(country)

        home = billing.place
        free_digits = home.number_length - len(home.number_prefix)
        number = home.number_prefix + f"{rng.randrange(10**free_digits):0{free_digits}d}"
        created = datetime.combine(
            COMPANY_YEAR_START + timedelta(days=rng.randint(0, 364)), clock_time(8, 0), UTC
        )
        company_row: Row = {
            "crm_id": crm_id,
            "account_name": name,
            "xero_reference": None,
            "billing_street": billing.street,
            "billing_city": billing.place.city,
            "billing_state": billing.place.region,
            "billing_postcode": billing.postcode,
            "billing_country": billing.country,
            "shipping_street": shipping.street if shipping else None,
            "shipping_city": shipping.place.city if shipping else None,
            "shipping_state": shipping.place.region if shipping else None,
            "shipping_postcode": shipping.postcode if shipping else None,
            "shipping_country": shipping.country if shipping else None,
            "phone": international_phone(country.dial_code, home.area_code, number),
            "phone_country_code": country.dial_code,
            "phone_area_code": home.area_code,
            "phone_number": number,
            "email": f"accounts@{domain}",
            "balance": Decimal("0.00"),
            "created_at": created,
            "updated_at": created,
        }
        batch.rows["companies"].append(company_row)

        contact_ids = self._contacts(crm_id, country, domain, created, batch)
        balance = Decimal("0.00")
        for _ in range(rng.choices((0, 1, 2, 3, 4), (20, 40, 25, 10, 5))[0]):
            balance += self._invoice(crm_id, country, contact_ids, batch)
        if index == 0 or rng.random() < 0.04:
            self._credit_note(crm_id, country, contact_ids[0], batch, discounted=index == 0)
        # The CRM balance is what the company still owes on its invoices.
        company_row["balance"] = balance

    def _contacts(
        self, crm_id: int, country: Country, domain: str, created: datetime, batch: DemoBatch
    ) -> list[int]:
        rng = self.rng
        pools = self.pools[country.code]
        ids: list[int] = []
        for position in range(rng.choices((1, 2, 3), (50, 35, 15))[0]):
            self.counters.contact += 1
            first = rng.choice(pools.first_names)
            last = rng.choice(pools.surnames)
            batch.rows["contacts"].append(
                {
                    "id": self.counters.contact,
                    "company_id": crm_id,
                    "first_name": first,
                    "last_name": last,
                    "email": f"{_email_local(first)}.{_email_local(last)}@{domain}",
                    "phone": country.mobile(rng) if rng.random() < 0.8 else None,
                    "is_primary": position == 0,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            ids.append(self.counters.contact)
        return ids

    # -- documents

    def _line(self, tax_rate_id: int, allow_discount: bool) -> Row:
        rng = self.rng
        if rng.random() < 0.05:
            description, price = rng.choice(_FREE_TEXT_LINES)
            product_id: int | None = None
            quantity = Decimal(1)
        else:
            product = rng.choice(_INVOICE_PRODUCTS)
            product_id, description, price = product.id, product.name, product.unit_price
            if product.hourly:
                quantity = Decimal(rng.randint(2, 32)) / 4  # quarter hours, 0.5 to 8
            else:
                quantity = Decimal(rng.choices((1, 2, 3, 5, 10, 20), (40, 20, 15, 10, 10, 5))[0])
        discount = Decimal(0)
        if allow_discount and rng.random() < 0.25:
            discount = Decimal(rng.choice(("5", "10", "12.5", "15", "20")))
        return {
            "product_id": product_id,
            "description": description,
            "quantity": quantity,
            "list_price": price,
            "discount_percent": discount,
            "tax_rate_id": tax_rate_id,
        }

    def _invoice_status(self) -> InvoiceStatus:
        index = self.counters.invoice - 1
        spread = (
            InvoiceStatus.CREATED,
            InvoiceStatus.LIVE,
            InvoiceStatus.PENDING,
            InvoiceStatus.PART_PAID,
            InvoiceStatus.PAID,
        )
        if index < len(spread):
            return spread[index]  # every status shows up even in a ten-company demo
        return self.rng.choices((*spread, InvoiceStatus.CANCELLED), (30, 30, 10, 15, 13, 2))[0]

    def _invoice(
        self, crm_id: int, country: Country, contact_ids: list[int], batch: DemoBatch
    ) -> Decimal:
        """Add one invoice with its lines; return what is still outstanding on it."""
        rng = self.rng
        self.counters.invoice += 1
        invoice_id = self.counters.invoice
        status = self._invoice_status()
        lines = [
            self._line(country.tax_rate_id, allow_discount=True)
            for _ in range(rng.choices((1, 2, 3, 4), (40, 30, 20, 10))[0])
        ]
        total = self._add_lines(lines, "invoice_id", invoice_id, batch, "invoice_lines")

        if status is InvoiceStatus.PART_PAID:
            outstanding = round_money(total * Decimal(rng.choice(("0.25", "0.5", "0.75"))))
        elif status in (InvoiceStatus.PAID, InvoiceStatus.CANCELLED):
            outstanding = Decimal("0.00")
        else:
            outstanding = total

        roll = rng.random()
        if roll < 0.8 or len(contact_ids) == 1:
            contact_id: int | None = contact_ids[0]
        elif roll < 0.9:
            contact_id = rng.choice(contact_ids[1:])  # another person than the primary (B37)
        else:
            contact_id = None
        issue = INVOICE_YEAR_START + timedelta(days=rng.randint(0, 364))
        created = datetime.combine(issue, clock_time(9, 0), UTC) + timedelta(
            minutes=rng.randint(0, 480)
        )
        batch.rows["invoices"].append(
            {
                "id": invoice_id,
                "number": f"INV-{invoice_id:06d}",
                "company_id": crm_id,
                "contact_id": contact_id,
                "status": status,
                "issue_date": issue,
                "due_date": issue + timedelta(days=rng.choice((7, 14, 30, 30, 30))),
                "currency": country.currency,
                "reference": f"PO-{rng.randint(1000, 99999)}" if rng.random() < 0.4 else None,
                "total": total,
                "amount_outstanding": outstanding,
                "sent_to_accounts": False,
                "sent_to_accounts_date": None,
                "xero_invoice_id": None,
                "created_at": created,
                "updated_at": created,
            }
        )
        return outstanding if status is not InvoiceStatus.CANCELLED else Decimal("0.00")

    def _add_lines(
        self, lines: list[Row], parent_key: str, parent_id: int, batch: DemoBatch, table: str
    ) -> Decimal:
        for position, line in enumerate(lines, start=1):
            if table == "invoice_lines":
                self.counters.invoice_line += 1
                line_id = self.counters.invoice_line
            else:
                self.counters.credit_note_line += 1
                line_id = self.counters.credit_note_line
            line.update({"id": line_id, parent_key: parent_id, "position": position})
            batch.rows[table].append(line)
        totals = document_totals(
            LineMoney(
                line["quantity"],
                line["list_price"],
                line["discount_percent"],
                _RATE_BY_ID[line["tax_rate_id"]],
            )
            for line in lines
        )
        return totals.total

    def _credit_note(
        self,
        crm_id: int,
        country: Country,
        contact_id: int,
        batch: DemoBatch,
        *,
        discounted: bool,
    ) -> None:
        rng = self.rng
        self.counters.credit_note += 1
        note_id = self.counters.credit_note
        lines = [
            self._line(country.tax_rate_id, allow_discount=rng.random() < 0.2)
            for _ in range(rng.choice((1, 2)))
        ]
        if discounted:
            # Xero takes no discount on credit notes; this line makes the push fold it (B40).
            lines[0]["discount_percent"] = Decimal("10")
        total = self._add_lines(lines, "credit_note_id", note_id, batch, "credit_note_lines")
        issue = INVOICE_YEAR_START + timedelta(days=rng.randint(0, 364))
        created = datetime.combine(issue, clock_time(10, 0), UTC)
        batch.rows["credit_notes"].append(
            {
                "id": note_id,
                "number": f"CN-{note_id:06d}",
                "company_id": crm_id,
                "contact_id": contact_id,
                "status": rng.choice((InvoiceStatus.CREATED, InvoiceStatus.LIVE)),
                "issue_date": issue,
                "due_date": None,
                "currency": country.currency,
                "reference": None,
                "total": total,
                "amount_outstanding": total,
                "remaining_credit": total,
                "sent_to_accounts": False,
                "sent_to_accounts_date": None,
                "xero_credit_note_id": None,
                "created_at": created,
                "updated_at": created,
            }
        )


def reference_batch() -> DemoBatch:
    """Tax rates, products and users: the same for every seed."""
    batch = DemoBatch()
    batch.rows["tax_rates"] = [
        {"id": s.id, "name": s.name, "rate": s.rate, "xero_tax_type": s.xero_tax_type}
        for s in TAX_RATES
    ]
    stamp = datetime.combine(COMPANY_YEAR_START, clock_time(0, 0), UTC)
    batch.rows["products"] = [
        {
            "id": p.id,
            "code": p.code,
            "name": p.name,
            "unit_price": p.unit_price,
            "tax_rate_id": p.tax_rate_id,
            "account_code": p.account_code,
            "created_at": stamp,
            "updated_at": stamp,
        }
        for p in PRODUCTS
    ]
    batch.rows["users"] = [
        {"id": uid, "login": login, "full_name": name, "role": role}
        for uid, login, name, role in USERS
    ]
    return batch


def iter_company_batches(
    companies: int, seed: int = 42, batch_size: int = 5_000
) -> Iterator[DemoBatch]:
    """Yield the demo companies and everything hanging off them, ``batch_size`` at a time.

    Pure: touches no database, so it also serves fixtures and CSV samples.
    """
    if companies < 0:
        raise ValueError(f"companies must not be negative, got {companies}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    generator = _Generator(seed)
    for start in range(0, companies, batch_size):
        batch = DemoBatch()
        for index in range(start, min(start + batch_size, companies)):
            generator.company(crm_id=index + 1, index=index, batch=batch)
        yield batch


# --- writing --------------------------------------------------------------------------------


@dataclass
class DemoSummary:
    """How many rows of each table the generator wrote."""

    counts: dict[str, int] = field(default_factory=lambda: {t.name: 0 for t in TABLES})
    seconds: float = 0.0

    def add(self, batch: DemoBatch) -> None:
        for name, rows in batch.rows.items():
            self.counts[name] += len(rows)


def _insert_batch(session: Session, batch: DemoBatch) -> None:
    for table in TABLES:
        rows = batch.rows[table.name]
        if rows:
            session.execute(insert(table), rows)


def _require_empty(session: Session) -> None:
    for name in ("companies", "tax_rates", "products", "users"):
        table = Base.metadata.tables[name]
        count = session.execute(select(func.count()).select_from(table)).scalar_one()
        if count:
            raise ValueError(
                f"demo data goes into an empty CRM, but table {table.name!r} already has "
                f"{count} rows; point CRM_DATABASE_URL (or --url) at a fresh database"
            )


def _reset_postgres_sequences(session: Session) -> None:
    """Rows were written with explicit ids; move each SERIAL past them so the next ORM insert
    does not collide."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        key = _PRIMARY_KEYS[table.name]
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{key}'), "
                f"COALESCE(MAX({key}), 0) + 1, false) FROM {table.name}"
            )
        )


def generate(
    session: Session,
    companies: int = 10,
    seed: int = 42,
    *,
    batch_size: int = 5_000,
    commit_each_batch: bool = False,
    progress: Callable[[int], None] | None = None,
) -> DemoSummary:
    """Fill an empty, migrated CRM with deterministic demo data.

    Everything is written in the session's transaction and left for the caller to commit,
    unless ``commit_each_batch`` is set (the CLI sets it, so a million-company run never
    holds one huge transaction). ``progress`` is called with the number of companies written.
    Raises ValueError when the CRM already has companies, tax rates, products or users.
    """
    started = time.perf_counter()
    _require_empty(session)
    summary = DemoSummary()
    reference = reference_batch()
    _insert_batch(session, reference)
    summary.add(reference)
    written = 0
    for batch in iter_company_batches(companies, seed, batch_size):
        _insert_batch(session, batch)
        summary.add(batch)
        written += len(batch.rows["companies"])
        if commit_each_batch:
            session.commit()
        if progress is not None:
            progress(written)
    _reset_postgres_sequences(session)
    if commit_each_batch:
        session.commit()
    summary.seconds = time.perf_counter() - started
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m resources.crm.demo_data",
        description="Migrate the CRM database and fill it with deterministic demo data.",
    )
    parser.add_argument("--companies", type=int, default=10, help="how many companies (10)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (42)")
    parser.add_argument(
        "--url", default=None, help="database URL (default: CRM_DATABASE_URL or data/crm.sqlite)"
    )
    parser.add_argument("--batch-size", type=int, default=5_000, help="companies per insert")
    args = parser.parse_args(argv)

    try:
        upgrade_head(args.url)
        engine = make_engine(args.url)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        with session_factory(engine)() as session:
            summary = generate(
                session,
                companies=args.companies,
                seed=args.seed,
                batch_size=args.batch_size,
                commit_each_batch=True,
                progress=lambda n: print(f"  {n:,} companies", file=sys.stderr),
            )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    counts = ", ".join(f"{name} {count:,}" for name, count in summary.counts.items())
    print(f"demo CRM written in {summary.seconds:.1f} s: {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
