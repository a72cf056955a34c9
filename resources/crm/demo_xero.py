"""Xero contacts that match a demo CRM, for the sandbox the demo runs against.

A business that used Xero before the CRM has the same clients in both, typed a little
differently, without the Xero Reference on the CRM side. So: most CRM companies get a Xero
contact of the same name (some with "Ltd" spelt "Limited", some in capitals), the address
split over AddressLine1/2 as Xero holds it, the phone in its three parts with the area code's
leading zero, and the primary person. Company names Xero already holds are skipped (Xero names
are unique among active contacts), and a few Xero-only clients are added: the ones a
historical import would create. Deterministic from the seed.
"""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Company, Contact

XERO_ONLY_CLIENTS = [
    (
        "Harbour Lights Catering Ltd",
        "12 Quay Street",
        "Auckland",
        "Auckland",
        "1010",
        "New Zealand",
        "64",
        "09",
        "3021144",
    ),
    (
        "Pemberton & Sons Joinery",
        "4 Mill Lane",
        "Leeds",
        "West Yorkshire",
        "LS1 4AP",
        "United Kingdom",
        "44",
        "0113",
        "4960321",
    ),
    ("Red Gum Landscapes Pty Ltd", "88 Stuart Highway", "Darwin", "NT", "0800", "Australia", "61", "08", "89411234"),
    (
        "Granite State Printing LLC",
        "41 Elm Street",
        "Manchester",
        "NH",
        "03101",
        "United States",
        "1",
        "603",
        "5550147",
    ),
]


def _spelling(name: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.2 and name.endswith(" Ltd"):
        return name[: -len(" Ltd")] + " Limited"
    if roll < 0.3:
        return name.upper()
    return name


def _address(
    kind: str, street: str | None, city: str | None, region: str | None, postcode: str | None, country: str | None
) -> dict[str, str]:
    lines = [part.strip() for part in (street or "").split(",", 1)]
    return {
        "AddressType": kind,
        "AddressLine1": lines[0] if lines else "",
        "AddressLine2": lines[1] if len(lines) > 1 else "",
        "City": city or "",
        "Region": region or "",
        "PostalCode": postcode or "",
        "Country": country or "",
    }


def xero_contacts_for(session: Session, *, seed: int = 42, share: float = 0.8) -> list[dict[str, Any]]:
    """Xero Contact documents for a share of the CRM's companies plus a few Xero-only clients."""
    rng = random.Random(seed)
    primaries = {c.company_id: c for c in session.scalars(select(Contact).where(Contact.is_primary.is_(True)))}
    seen: set[str] = set()
    contacts: list[dict[str, Any]] = []
    for company in session.scalars(select(Company).order_by(Company.crm_id)):
        if company.account_name.lower() in seen or rng.random() >= share:
            continue
        seen.add(company.account_name.lower())
        person = primaries.get(company.crm_id)
        contacts.append(
            {
                "Name": _spelling(company.account_name, rng),
                "EmailAddress": company.email or "",
                "FirstName": person.first_name if person else "",
                "LastName": person.last_name if person else "",
                "Addresses": [
                    _address(
                        "POBOX",
                        company.billing_street,
                        company.billing_city,
                        company.billing_state,
                        company.billing_postcode,
                        company.billing_country,
                    ),
                    _address(
                        "STREET",
                        company.shipping_street,
                        company.shipping_city,
                        company.shipping_state,
                        company.shipping_postcode,
                        company.shipping_country,
                    ),
                ],
                "Phones": [
                    {
                        "PhoneType": "DEFAULT",
                        "PhoneCountryCode": company.phone_country_code or "",
                        "PhoneAreaCode": company.phone_area_code or "",
                        "PhoneNumber": company.phone_number or "",
                    }
                ],
                "ContactStatus": "ACTIVE",
            }
        )
    for name, street, city, region, postcode, country, cc, area, number in XERO_ONLY_CLIENTS:
        contacts.append(
            {
                "Name": name,
                "EmailAddress": f"accounts@{name.split()[0].lower()}.example",
                "Addresses": [_address("POBOX", street, city, region, postcode, country)],
                "Phones": [
                    {"PhoneType": "DEFAULT", "PhoneCountryCode": cc, "PhoneAreaCode": area, "PhoneNumber": number}
                ],
                "ContactPersons": [
                    {
                        "FirstName": "Sam",
                        "LastName": "Taylor",
                        "EmailAddress": f"sam@{name.split()[0].lower()}.example",
                        "IncludeInEmails": True,
                    }
                ],
                "ContactStatus": "ACTIVE",
            }
        )
    return contacts
