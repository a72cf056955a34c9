"""Companies as Xero contacts: one contact per company, never a second one (B7, B8, B36, B37).

- The upsert key is ContactNumber = the CRM company id; a company whose Xero Reference
  (ContactID) is set is updated by that id, never created again.
- The document's person becomes the primary person (FirstName, LastName, EmailAddress). The
  original overwrote the previous person; here the previous primary moves to ContactPersons,
  so nobody is lost (B37). For a company already linked, the Xero contact is read first, so the
  people Xero already holds (added by hand in Xero, or by an earlier send) are kept too.
  Xero keeps at most 5 ContactPersons; beyond that the oldest are dropped and the report says so.
- EmailAddress is the primary person's address; the company's email stands in when that
  person has none (Xero has one EmailAddress per contact, and it belongs to the primary person).
- A company not yet linked whose name Xero already holds on an unlinked active contact (the
  client existed in Xero before the CRM, and no update import set the Xero Reference) is linked
  to that contact rather than refused or duplicated, but only when that is unambiguous: the
  name is unique in the CRM, or the contact's postcode matches the company's. Otherwise the
  company's documents are not sent and the report says how to link it.
- A company whose name Xero already gives to the contact of *another* CRM company (the CRM
  may hold two "Connor Couriers LLP" in different postcodes, B19, but Xero names are unique
  among active contacts) gets its own contact named "<name> (<postcode>)", as a bookkeeper
  would name it by hand (the city, or the CRM id, when there is no postcode). The report says
  so; the contact is keyed by ContactNumber like any other, so a resend finds it again.
- The ContactID Xero answers with is stored as the company's Xero Reference at once, batch by
  batch, so a run stopped midway never creates the contact again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from resources.crm.models import Company
from resources.xero.api import MAX_BATCH, XeroApi

from .documents import Address, CompanySnapshot, DocumentSnapshot, Person

MAX_CONTACT_PERSONS = 5  # Xero's limit per contact (third-party, UNCONFIRMED in reference 3.1)
IDS_PER_READ = 50  # about 52 GUIDs fit Xero's URL limit (reference section 4)
NAMES_PER_READ = 10
NAME_TAKEN = "is already assigned to another contact"


@dataclass
class ContactOutcome:
    company: CompanySnapshot
    contact_id: str | None
    message: str  # what happened, or why it failed
    dropped_persons: list[Person] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.contact_id is not None


@dataclass(frozen=True)
class ExistingContact:
    contact_id: str
    name: str
    contact_number: str
    status: str
    primary: Person | None
    persons: tuple[Person, ...]
    postcodes: frozenset[str]


# -- people -------------------------------------------------------------------------------------
def merge_persons(primary: Person | None, others: Sequence[Person], incoming: Iterable[Person]
                  ) -> tuple[Person | None, list[Person], list[Person]]:
    """Apply the documents' people in order: each new one becomes primary, the previous primary
    moves to the front of ContactPersons. Returns (primary, contact persons, dropped)."""
    current = primary
    rest = [p for p in others if not p.same_as(current)]
    for person in incoming:
        if person.same_as(current):
            current = person  # same human: take the CRM's spelling and email
            continue
        rest = [p for p in rest if not p.same_as(person)]
        if current is not None:
            rest.insert(0, current)
        current = person
    return current, rest[:MAX_CONTACT_PERSONS], rest[MAX_CONTACT_PERSONS:]


def persons_by_company(documents: Iterable[DocumentSnapshot]) -> dict[int, list[Person]]:
    """Each company's document people, oldest document first, so the latest one ends primary."""
    ordered = sorted(documents, key=lambda d: (d.issue_date, d.number))
    people: dict[int, list[Person]] = {}
    for document in ordered:
        chain = people.setdefault(document.company_id, [])
        if document.person is not None and not (chain and chain[-1].same_as(document.person)):
            chain.append(document.person)
    return people


def tax_type_by_company(documents: Iterable[DocumentSnapshot]) -> dict[int, str]:
    """The TaxType used most on a company's lines: its AccountsReceivableTaxType."""
    counts: dict[int, Counter[str]] = {}
    for document in documents:
        for line in document.lines:
            if line.xero_tax_type:
                counts.setdefault(document.company_id, Counter())[line.xero_tax_type.upper()] += 1
    return {company: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] for company, c in counts.items()}


# -- payloads -----------------------------------------------------------------------------------
def _address_lines(street: str) -> dict[str, str]:
    """Billing Street back into Xero's AddressLine1..4 (the client import joins them with ", ")."""
    parts = [p.strip() for p in street.split(",") if p.strip()]
    if len(parts) > 4:
        parts = [*parts[:3], ", ".join(parts[3:])]
    return {f"AddressLine{i}": part for i, part in enumerate(parts, start=1)}


def _address(kind: str, address: Address) -> dict[str, str]:
    return {
        "AddressType": kind,
        **_address_lines(address.street),
        "City": address.city,
        "Region": address.region,
        "PostalCode": address.postcode,
        "Country": address.country,
    }


def _person_json(person: Person) -> dict[str, Any]:
    return {"FirstName": person.first_name, "LastName": person.last_name,
            "EmailAddress": person.email, "IncludeInEmails": True}


def contact_payload(company: CompanySnapshot, *, contact_id: str | None, primary: Person | None,
                    others: Sequence[Person] | None, tax_type: str | None, creating: bool) -> dict[str, Any]:
    """The Xero contact for a company. ``others`` None leaves Xero's ContactPersons alone."""
    payload: dict[str, Any] = {}
    if contact_id:
        payload["ContactID"] = contact_id
    payload["ContactNumber"] = str(company.crm_id)
    payload["Name"] = company.name
    if primary is not None:
        payload.update(FirstName=primary.first_name, LastName=primary.last_name,
                       EmailAddress=primary.email or company.email)
    elif creating and company.email:
        payload["EmailAddress"] = company.email
    if others is not None:
        payload["ContactPersons"] = [_person_json(p) for p in others]
    addresses = [_address(kind, a) for kind, a in (("POBOX", company.billing), ("STREET", company.shipping))
                 if not a.is_empty]
    if addresses:
        payload["Addresses"] = addresses
    if company.phone_number:
        payload["Phones"] = [{
            "PhoneType": "DEFAULT",
            "PhoneCountryCode": company.phone_country_code,
            "PhoneAreaCode": company.phone_area_code,
            "PhoneNumber": company.phone_number,
        }]
    if tax_type:
        payload["AccountsReceivableTaxType"] = tax_type
    return payload


# -- reading Xero -------------------------------------------------------------------------------
def _norm_postcode(value: str) -> str:
    return "".join(value.split()).upper()


def _existing(row: dict[str, Any]) -> ExistingContact:
    def person(data: dict[str, Any]) -> Person:
        return Person(str(data.get("FirstName") or "").strip(), str(data.get("LastName") or "").strip(),
                      str(data.get("EmailAddress") or "").strip())

    primary = person(row)
    return ExistingContact(
        contact_id=str(row["ContactID"]),
        name=str(row.get("Name") or ""),
        contact_number=str(row.get("ContactNumber") or ""),
        status=str(row.get("ContactStatus") or "ACTIVE"),
        primary=None if primary.is_empty else primary,
        persons=tuple(p for p in (person(x) for x in row.get("ContactPersons") or []) if not p.is_empty),
        postcodes=frozenset(_norm_postcode(a.get("PostalCode") or "") for a in row.get("Addresses") or []
                            if a.get("PostalCode")),
    )


def read_contacts_by_id(api: XeroApi, tenant_id: str, contact_ids: Sequence[str]) -> dict[str, ExistingContact]:
    """Contacts by ContactID (archived ones too), keyed by lower-case id."""
    found: dict[str, ExistingContact] = {}
    ids = sorted(set(contact_ids))
    for start in range(0, len(ids), IDS_PER_READ):
        chunk = ids[start:start + IDS_PER_READ]
        reply = api.request("GET", "/Contacts", tenant_id,
                            params={"IDs": ",".join(chunk), "includeArchived": "true"})
        for row in reply.json().get("Contacts") or []:
            contact = _existing(row)
            found[contact.contact_id.lower()] = contact
    return found


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def read_contacts_by_name(api: XeroApi, tenant_id: str, names: Sequence[str]) -> dict[str, list[ExistingContact]]:
    """Active contacts holding each name (Xero compares names case-insensitively)."""
    found: dict[str, list[ExistingContact]] = {}
    unique = sorted({n.lower(): n for n in names}.values())
    for start in range(0, len(unique), NAMES_PER_READ):
        chunk = unique[start:start + NAMES_PER_READ]
        where = " OR ".join(f"Name=={_quoted(n)}" for n in chunk)
        reply = api.request("GET", "/Contacts", tenant_id, params={"where": where})
        for row in reply.json().get("Contacts") or []:
            contact = _existing(row)
            if contact.status == "ACTIVE":
                found.setdefault(contact.name.lower(), []).append(contact)
    return found


def crm_name_counts(engine: Engine, names: Iterable[str]) -> dict[str, int]:
    """How many CRM companies carry each name (case-insensitive)."""
    lowered = sorted({n.lower() for n in names})
    if not lowered:
        return {}
    with engine.connect() as db:
        rows = db.execute(
            select(func.lower(Company.account_name), func.count())
            .where(func.lower(Company.account_name).in_(lowered))
            .group_by(func.lower(Company.account_name))
        )
        return {name: count for name, count in rows}


# -- the upsert ---------------------------------------------------------------------------------
@dataclass
class _Pending:
    company: CompanySnapshot
    payload: dict[str, Any]
    dropped: list[Person]
    linked: bool  # the company already had a Xero Reference


def _plan(company: CompanySnapshot, people: list[Person], tax_type: str | None,
          existing: ExistingContact | None, *, adopting: bool = False) -> _Pending:
    if existing is not None:
        primary, others, dropped = merge_persons(existing.primary, existing.persons, people)
        contact_id: str | None = existing.contact_id
    else:
        primary, others, dropped = merge_persons(None, (), people)
        contact_id = None
    payload = contact_payload(company, contact_id=contact_id, primary=primary,
                              others=others if (people or existing is None) else None,
                              tax_type=tax_type, creating=existing is None)
    if existing is not None and existing.name.startswith(f"{company.name} ("):
        # Qualified earlier because another CRM company holds the plain name: keep it so.
        payload["Name"] = existing.name
    return _Pending(company, payload, dropped, linked=existing is not None and not adopting)


def sync_contacts(engine: Engine, api: XeroApi, tenant_id: str, companies: Sequence[CompanySnapshot],
                  documents: Sequence[DocumentSnapshot],
                  record: Callable[[list[ContactOutcome]], None]) -> dict[int, ContactOutcome]:
    """Upsert every company as a Xero contact; ``record`` gets each batch's outcomes as soon as
    Xero answers (the caller stores the ContactIDs), and the outcomes are returned by company."""
    people = persons_by_company(documents)
    tax_types = tax_type_by_company(documents)
    outcomes: dict[int, ContactOutcome] = {}

    linked_ids = [c.xero_reference for c in companies if c.xero_reference]
    existing = read_contacts_by_id(api, tenant_id, linked_ids) if linked_ids else {}
    pending: list[_Pending] = []
    refused: list[ContactOutcome] = []
    for company in companies:
        found = existing.get(company.xero_reference.lower()) if company.xero_reference else None
        if company.xero_reference and found is None:
            refused.append(ContactOutcome(company, None, (
                f"the company's Xero Reference {company.xero_reference} is not a contact in this Xero "
                "organisation; correct or clear the Xero Reference, then send again")))
            continue
        if found is not None and found.status != "ACTIVE":
            refused.append(ContactOutcome(company, None, (
                f"its Xero contact {found.contact_id} is {found.status.lower()}; restore it in Xero, "
                "then send again")))
            continue
        pending.append(_plan(company, people.get(company.crm_id, []), tax_types.get(company.crm_id), found))
    if refused:
        record(refused)
    for outcome in refused:
        outcomes[outcome.company.crm_id] = outcome

    name_clashes = _upsert(api, tenant_id, pending, record, outcomes)
    if name_clashes:
        adopt = _adoptable(engine, api, tenant_id, name_clashes, people, tax_types, outcomes, record)
        still_clashing = _upsert(api, tenant_id, adopt, record, outcomes)
        if still_clashing:  # even the qualified name is taken: say so rather than guess again
            refused = [ContactOutcome(item.company, None, message) for item, message in still_clashing]
            record(refused)
            for outcome in refused:
                outcomes[outcome.company.crm_id] = outcome
    return outcomes


def _upsert(api: XeroApi, tenant_id: str, pending: list[_Pending],
            record: Callable[[list[ContactOutcome]], None],
            outcomes: dict[int, ContactOutcome]) -> list[tuple[_Pending, str]]:
    """POST the contacts in batches; returns the unlinked ones refused for a taken name."""
    clashes: list[tuple[_Pending, str]] = []
    for start in range(0, len(pending), MAX_BATCH):
        chunk = pending[start:start + MAX_BATCH]
        batch: list[ContactOutcome] = []
        for replies in api.write_batches("Contacts", tenant_id, [p.payload for p in chunk]):
            for reply in replies:
                item = chunk[reply.index]
                message = "; ".join(reply.messages)
                if reply.ok and reply.xero_id:
                    if item.linked:
                        note = "contact updated (Xero Reference)"
                    elif item.payload.get("Name") != item.company.name and "ContactID" not in item.payload:
                        note = (f"contact saved as '{item.payload['Name']}': Xero already gives "
                                f"'{item.company.name}' to another CRM company's contact")
                    elif "ContactID" in item.payload:
                        note = "linked to the unlinked Xero contact of the same name, and updated"
                    else:
                        note = f"contact saved by ContactNumber {item.company.crm_id}"
                    if item.dropped:
                        note += ("; Xero keeps 5 contact persons, so these were dropped: "
                                 + ", ".join(p.display for p in item.dropped))
                    batch.append(ContactOutcome(item.company, reply.xero_id, note, item.dropped))
                elif NAME_TAKEN in message and not item.linked and "ContactID" not in item.payload:
                    clashes.append((item, message))
                else:
                    batch.append(ContactOutcome(item.company, None, message or "Xero refused the contact"))
        if batch:
            record(batch)
            for outcome in batch:
                outcomes[outcome.company.crm_id] = outcome
    return clashes


def _adoptable(engine: Engine, api: XeroApi, tenant_id: str, clashes: list[tuple[_Pending, str]],
               people: dict[int, list[Person]], tax_types: dict[int, str],
               outcomes: dict[int, ContactOutcome],
               record: Callable[[list[ContactOutcome]], None]) -> list[_Pending]:
    """Unlinked companies whose name Xero already holds: link to that contact when unambiguous."""
    names = [item.company.name for item, _ in clashes]
    in_xero = read_contacts_by_name(api, tenant_id, names)
    in_crm = crm_name_counts(engine, names)
    adopt: list[_Pending] = []
    refused: list[ContactOutcome] = []
    claimed: dict[str, int] = {}  # ContactID -> the CRM company taking it in this pass
    for item, message in clashes:
        company = item.company
        holders = in_xero.get(company.name.lower(), [])
        candidate = holders[0] if len(holders) == 1 else None
        postcodes = {_norm_postcode(company.billing.postcode), _norm_postcode(company.shipping.postcode)} - {""}
        unambiguous = candidate is not None and (
            in_crm.get(company.name.lower(), 1) == 1 or bool(postcodes & candidate.postcodes))
        if candidate is not None and not candidate.contact_number and unambiguous \
                and candidate.contact_id not in claimed:
            claimed[candidate.contact_id] = company.crm_id
            adopt.append(_plan(company, people.get(company.crm_id, []), tax_types.get(company.crm_id), candidate,
                               adopting=True))
            continue
        holder = candidate.contact_number if candidate is not None else ""
        if candidate is not None and not holder and candidate.contact_id in claimed:
            holder = str(claimed[candidate.contact_id])
        if candidate is not None and holder:
            # Another CRM company owns that name in Xero: this one gets a qualified name.
            qualifier = (company.billing.postcode or company.shipping.postcode or company.billing.city
                         or f"CRM {company.crm_id}").strip()
            renamed = _plan(company, people.get(company.crm_id, []), tax_types.get(company.crm_id), None)
            renamed.payload["Name"] = f"{company.name} ({qualifier})"
            adopt.append(renamed)
            continue
        if candidate is not None and holder:
            why = (f"Xero's contact named '{candidate.name}' is already linked to CRM company "
                   f"{holder}; Xero contact names must be unique, so rename one of the "
                   "two companies in the CRM")
        else:
            why = (f"Xero already has a contact named '{company.name}' that no CRM company is linked to, "
                   "and it cannot be told apart from other CRM companies of that name; set this company's "
                   "Xero Reference (client update import), then send again")
        refused.append(ContactOutcome(company, None, f"{message} ({why})"))
    if refused:
        record(refused)
        for outcome in refused:
            outcomes[outcome.company.crm_id] = outcome
    return adopt
