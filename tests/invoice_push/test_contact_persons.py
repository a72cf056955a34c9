"""Who becomes a contact's primary person and who is kept in ContactPersons (B36, B37)."""

from __future__ import annotations

from resources.invoice_push.contacts import MAX_CONTACT_PERSONS, merge_persons
from resources.invoice_push.documents import Person

ANN = Person("Ann", "Lee", "ann@example.com")
BOB = Person("Bob", "Ray", "bob@example.com")
CY = Person("Cy", "Young", "")


def test_first_person_becomes_primary():
    """B36: a new client gets its document's person as primary person."""
    assert merge_persons(None, [], [ANN]) == (ANN, [], [])


def test_later_person_becomes_primary_and_the_previous_one_is_kept():
    """B37: the original overwrote the first person; here the first is kept in ContactPersons."""
    primary, others, dropped = merge_persons(ANN, [], [BOB])
    assert primary == BOB and others == [ANN] and dropped == []


def test_people_already_in_xero_are_kept_and_not_repeated():
    """B37: persons Xero holds survive; the new primary is not also listed as a contact person."""
    primary, others, _ = merge_persons(ANN, [BOB, CY], [BOB])
    assert primary == BOB and others == [ANN, CY]


def test_same_person_is_recognised_by_email_or_by_name():
    """B37: re-sending with the same person changes nothing."""
    assert merge_persons(ANN, [BOB], [Person("ANN", "LEE", "Ann@Example.com")])[1] == [BOB]
    assert merge_persons(CY, [], [Person("cy", "young", "")])[1] == []


def test_beyond_xeros_five_persons_the_oldest_are_dropped_and_reported():
    """B37: Xero keeps five ContactPersons; whoever falls off is reported, not silently lost."""
    people = [Person(f"P{i}", "X", f"p{i}@example.com") for i in range(7)]
    primary, others, dropped = merge_persons(None, [], people)
    assert primary == people[-1]
    assert len(others) == MAX_CONTACT_PERSONS
    assert dropped == [people[0]]
