"""The column vocabulary of the client-data flow: the export frame and the CRM import frame.

The export frame is the one shape every source is read into: the flattened API contacts, our
own xero_contacts_export CSV and Xero's UI export all become it, so the transforms have one
input. Its names follow Xero's CSV where Xero has one (``POAddressLine1``, ``SAPostalCode``,
``Person1Email``) and the API where it does not (``ContactID``, ``PhoneAreaCode``).
"""

# Xero AddressType -> column prefix, as in Xero's CSV: PO = postal (POBOX), SA = street (STREET).
ADDRESS_PREFIXES = {"POBOX": "PO", "STREET": "SA"}
ADDRESS_PARTS = (
    "AttentionTo", "AddressLine1", "AddressLine2", "AddressLine3", "AddressLine4",
    "City", "Region", "PostalCode", "Country",
)
ADDRESS_LINES = ("AddressLine1", "AddressLine2", "AddressLine3", "AddressLine4")

# Xero PhoneType -> column prefix. DEFAULT keeps the bare API names (PhoneNumber, ...), which is
# also the name of the joined phone column in Xero's UI export, so that export lands in the
# number part and is parsed as a whole.
PHONE_PREFIXES = {"DEFAULT": "Phone", "DDI": "DDI", "MOBILE": "Mobile", "FAX": "Fax", "OFFICE": "Office"}
PHONE_PARTS = ("CountryCode", "AreaCode", "Number")

PEOPLE_SLOTS = 5  # Xero: a primary person plus up to five more (ContactPersons)
PERSON_FIELDS = ("FirstName", "LastName", "Email", "IncludeInEmail")

IDENTITY_COLUMNS = [
    "ContactID", "Name", "ContactNumber", "AccountNumber", "ContactStatus",
    "FirstName", "LastName", "EmailAddress",
]
OTHER_COLUMNS = [
    "AccountsReceivableTaxType", "AccountsPayableTaxType", "TaxNumber", "BankAccountDetails",
    "CompanyNumber", "DefaultCurrency", "Website",
]


def address_column(address_type: str, part: str) -> str:
    return f"{ADDRESS_PREFIXES[address_type]}{part}"


def phone_column(phone_type: str, part: str) -> str:
    return f"{PHONE_PREFIXES[phone_type]}{part}"


def person_column(slot: int, field: str) -> str:
    return f"Person{slot}{field}"


ADDRESS_COLUMNS = [address_column(kind, part) for kind in ADDRESS_PREFIXES for part in ADDRESS_PARTS]
PHONE_COLUMNS = [phone_column(kind, part) for kind in PHONE_PREFIXES for part in PHONE_PARTS]
PEOPLE_COLUMNS = [person_column(slot, f) for slot in range(1, PEOPLE_SLOTS + 1) for f in PERSON_FIELDS]
POSTCODE_COLUMNS = [address_column(kind, "PostalCode") for kind in ADDRESS_PREFIXES]

EXPORT_COLUMNS = IDENTITY_COLUMNS + ADDRESS_COLUMNS + PHONE_COLUMNS + OTHER_COLUMNS + PEOPLE_COLUMNS

# The CRM import frame, exactly as the CRM's import screen names its fields.
ADDRESS_FIELDS = ("street", "city", "state", "postcode", "country")
CRM_COLUMNS = [
    "account_name", "xero_reference", "email", "phone",
    *(f"billing_{f}" for f in ADDRESS_FIELDS),
    *(f"shipping_{f}" for f in ADDRESS_FIELDS),
    "contact_first_name", "contact_last_name", "contact_email",
]
# CRM columns a company update may write (the contact_* columns belong to a person).
COMPANY_FIELDS = [c for c in CRM_COLUMNS if not c.startswith("contact_")]

# Which export column each CRM column comes from, for error messages that name what the user
# sees in their file. Street fields come from four lines; the first is named.
CRM_SOURCE_COLUMN = {
    "account_name": "Name",
    "xero_reference": "ContactID",
    "email": "EmailAddress",
    "phone": "PhoneNumber",
    **{f"billing_{f}": address_column("POBOX", p) for f, p in
       zip(ADDRESS_FIELDS, ("AddressLine1", "City", "Region", "PostalCode", "Country"), strict=True)},
    **{f"shipping_{f}": address_column("STREET", p) for f, p in
       zip(ADDRESS_FIELDS, ("AddressLine1", "City", "Region", "PostalCode", "Country"), strict=True)},
    "contact_first_name": "FirstName",
    "contact_last_name": "LastName",
    "contact_email": "EmailAddress",
}
