"""The ``where`` parser on its own: what it accepts, and the 400s for what it does not."""

from __future__ import annotations

import pytest

from xero_sandbox.accounting.where import BOOL, DATE, GUID, NUMBER, STRING, compile_where
from xero_sandbox.errors import XeroApiError

FIELDS = {"Name": STRING, "Status": STRING, "AmountDue": NUMBER, "IsSold": BOOL,
          "Date": DATE, "Contact.ContactID": GUID, "Contact.Name": STRING}
DOC = {"Name": "Acme \"Quoted\" Ltd", "Status": "AUTHORISED", "AmountDue": "120.50",
       "IsSold": True, "Date": "/Date(1709251200000+0000)/",
       "Contact": {"ContactID": "3f2a1b0c-0000-4000-8000-00000000abcd", "Name": "Acme"}}


@pytest.mark.parametrize(("expr", "expected"), [
    ('Status=="AUTHORISED"', True),
    ('status == "authorised"', True),
    ('Status="AUTHORISED"', True),
    ('Status!="AUTHORISED"', False),
    ('AmountDue > 100 && AmountDue <= 120.50', True),
    ('AmountDue >= 120.51', False),
    ('IsSold', True),
    ('IsSold == false', False),
    ('!IsSold || NOT (Status=="DRAFT")', True),
    ('Date == DateTime(2024, 03, 01)', True),
    ('Date < DateTime(2024,3,1)', False),
    ('Contact.ContactID == Guid("3F2A1B0C-0000-4000-8000-00000000ABCD")', True),
    ('Contact.Name.StartsWith("ac") AND Contact.Name.EndsWith("ME")', True),
    ('Name.Contains("\\"quoted\\"")', True),
    ('Name.Contains("Zed") == false', True),
    ("Name == null", False),
    ('(Status=="DRAFT" OR Status=="AUTHORISED") and AmountDue>0', True),
    ("Status == 'AUTHORISED'", True),
])
def test_supported_expressions(expr, expected):
    predicate = compile_where(expr, FIELDS, "Invoice")
    assert predicate is not None
    assert predicate(DOC) is expected


@pytest.mark.parametrize(("expr", "fragment"), [
    ('Total > 5', "No property or field 'Total' exists in type 'Invoice'"),
    ('Status==', "expected a value"),
    ('Status=="A" &&', "expected a field name"),
    ('(Status=="A"', "expected ')'"),
    ('Name.ToLower()=="a"', "Method 'ToLower' is not supported"),
    ('AmountDue == "abc"', "incompatible with operand types 'Decimal' and 'String'"),
    ('Name > "a"', "cannot be used with String"),
    ('Status=="A" ~', "unexpected '~'"),
    ('Date > DateTime(2024)', "DateTime(...) takes"),
    ('Name', "expected a comparison"),
])
def test_unsupported_expressions_are_400s(expr, fragment):
    with pytest.raises(XeroApiError) as error:
        compile_where(expr, FIELDS, "Invoice")
    assert error.value.status == 400
    assert fragment in error.value.body["Message"]


def test_an_empty_where_means_no_filter():
    assert compile_where(None, FIELDS, "Invoice") is None
    assert compile_where("   ", FIELDS, "Invoice") is None
