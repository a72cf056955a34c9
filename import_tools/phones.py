"""Phone parts joined into one international number, and stripped trunk zeros restored (B13, B14).

The rules are libphonenumber's (the ``phonenumbers`` port). ``international_reference`` parses
one number and formats it INTERNATIONAL ("+44 20 8366 1177"): it is the definition, and what
the benchmark's row-by-row baseline calls. The column functions give the same answers for a
whole frame while calling phonenumbers once per *class* of numbers instead of once per row:

Every pattern phonenumbers consults for a country (national prefix, number types, formats,
leading digits) constrains only the first few digits of a number and otherwise its length;
``key_width`` measures how many by walking the regexes' syntax trees (7 for GB, 8 for AU, 4
for NZ). Numbers that agree on their region, those first digits and their length therefore
take the same path through phonenumbers: the same trunk prefix stripped, the same validity,
the same grouping. So one representative per class is parsed, and its result, read as a
*shape* ("+44 ", strip 1 digit, a space after digits 2 and 6), is applied to the whole class
with string slicing. Anything outside that model (a "+" or letters in the number, an
international dialling prefix, a country code typed without "+", a region whose patterns do
not analyse) is parsed row by row. A property test holds the column results equal to the
reference.

A number "parses" when phonenumbers can read it and it has a possible length for its country.
One that does not is never dropped: the joined text is kept and reported.

Trunk zeros: a spreadsheet turns an area code "020" into "20". ``restore_trunk_prefixes`` puts
the zero back only where phonenumbers says the number is valid in the contact's country and its
national form starts with the trunk prefix "0", so a number that has no such zero (Australia's
1300 numbers) or is not valid at all is never touched.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat
from phonenumbers.phonemetadata import PhoneMetadata

from import_tools import reports
from import_tools.series import joined

try:  # the regex parser is private; without it every number is simply parsed row by row
    from re import _constants as _sre
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover
    _sre = _sre_parse = None

# Separators people type between digits; a number made only of digits and these is "simple".
_SEPARATORS = str.maketrans("", "", " ()-.")
_CC_SEPARATORS = str.maketrans("", "", " +")
_NUMBER_TYPES = ("fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "personal_number", "voip",
                 "pager", "uan", "voicemail", "no_international_dialling")


def international_reference(country_code: str, area: str, number: str, region: str) -> str | None:
    """One phone in INTERNATIONAL format, or None when it does not parse to a possible number.

    With a country-code part the number is read as "+cc area number"; without one, as a
    national number of ``region`` (the contact's country). A result is only accepted when it
    reads back as itself, so formatting is idempotent even for junk such as "+61 0 00000",
    which phonenumbers would otherwise print differently on each pass.
    """
    cc = re.sub(r"\D", "", country_code)
    text = " ".join(p for p in (area, number) if p)
    if cc:
        text, region = f"+{cc} {text}", ""
    formatted = _format_once(text, region)
    if formatted is None or _format_once(formatted, "") != formatted:
        return None
    return formatted


def _format_once(text: str, region: str) -> str | None:
    if not text.strip():
        return None
    try:
        parsed = phonenumbers.parse(text, region or None)
    except NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, PhoneNumberFormat.INTERNATIONAL)


def _region_for_country_code(code: object) -> str:
    code = str(code)
    return phonenumbers.region_code_for_country_code(int(code)) if code.isdigit() and len(code) <= 3 else "ZZ"


def _phone_regions(country_codes: list[str], regions: list[str], known: dict[str, str]) -> list[str]:
    """The region each number belongs to: its country-code part's ("+1" is the US whatever the
    address says), else the contact's country."""
    return [_cc_region(cc.translate(_CC_SEPARATORS), known) if cc else region
            for cc, region in zip(country_codes, regions, strict=True)]


def _cc_region(digits: str, known: dict[str, str]) -> str:
    """The region of a country code's digits; ``known`` remembers them (few distinct codes)."""
    found = known.get(digits)
    return found if found is not None else known.setdefault(digits, _region_for_country_code(digits))


class _Unanalysable(Exception):
    pass


def _any_digit(op: object, av: object) -> bool:
    return op == _sre.IN and len(av) == 1 and av[0] in ((_sre.CATEGORY, _sre.CATEGORY_DIGIT), (_sre.RANGE, (48, 57)))


def _walk(items: object, pos: int | None, width: int) -> tuple[int | None, int]:
    """Walk a regex syntax tree over digit strings: ``pos`` is the fixed position reached (None
    once a variable-length part was passed), ``width`` the furthest constrained position + 1."""
    for op, av in items:
        if _any_digit(op, av):
            pos = None if pos is None else pos + 1
        elif op in (_sre.LITERAL, _sre.NOT_LITERAL, _sre.ANY, _sre.IN):
            if pos is None:
                raise _Unanalysable  # a constrained digit after a variable-length part
            width, pos = max(width, pos + 1), pos + 1
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            low, high, sub = av
            if len(sub) == 1 and _any_digit(*sub[0]):
                pos = pos + low if pos is not None and low == high else None
                continue
            sub_low, sub_high = sub.getwidth()
            if pos is None or high == _sre.MAXREPEAT or (high > 1 and sub_low != sub_high):
                raise _Unanalysable
            for i in range(high):
                _, width = _walk(sub, pos + i * sub_low, width)
            pos = pos + low * sub_low if low == high and sub_low == sub_high else None
        elif op == _sre.SUBPATTERN:
            pos, width = _walk(av[-1], pos, width)
        elif op == _sre.BRANCH:
            if pos is None:
                raise _Unanalysable
            ends = []
            for alternative in av[1]:
                end, width = _walk(alternative, pos, width)
                ends.append(end)
            pos = ends[0] if None not in ends and len(set(ends)) == 1 else None
        else:
            raise _Unanalysable  # anchors, lookarounds, back references: not in phone metadata
    return pos, width


def _pattern_width(pattern: str | None, *, prefix_only: bool = False) -> int:
    """How many leading digits a full match (or, ``prefix_only``, a match at the start) depends on."""
    if not pattern:
        return 0
    tree = _sre_parse.parse(pattern)
    if prefix_only:
        high = tree.getwidth()[1]
        if high >= _sre.MAXREPEAT:
            raise _Unanalysable
        return high
    return _walk(tree, 0, 0)[1]


_LENGTHS = 20  # beyond phonenumbers' longest national number (17), every length is alike


@dataclass(frozen=True)
class _KeyRules:
    """Which leading digits decide phonenumbers' handling of a region's national numbers.

    ``before[n]``: digits the patterns read from a whole number of length n (before the national
    prefix is stripped); ``after[n]``: digits they read from a national number of length n
    (formats, leading digits, general and, for validity, number-type patterns). A pattern that
    cannot match a length never reads a digit of it.
    """

    country_code: str
    before: tuple[int, ...]
    after: tuple[int, ...]
    national_prefix: re.Pattern[str] | None
    national_prefix_width: int
    international_prefix: re.Pattern[str] | None
    international_prefix_width: int

    def classes(self, digits: list[str], has_cc: list[bool]) -> list[tuple[list[int], bool]]:
        """The numbers' classes, in order of first appearance: each one's positions, and whether it
        falls outside the model (an international dialling prefix, or its country code typed
        without "+"; with fewer than 3 digits phonenumbers also weighs the separators).

        A class is the numbers agreeing on the leading digits their key width covers, their
        length, where their national prefix ends (twice: the formatted number is read back once
        more, see international_reference) and whether they had a "+cc" part: phonenumbers treats
        them all alike. Plain loops with small caches: the patterns only read a few leading digits.
        """
        national_end = _match_ends(self.national_prefix, self.national_prefix_width)
        international_end = _match_ends(self.international_prefix, self.international_prefix_width)
        before, after, clip, country = self.before, self.after, _LENGTHS - 1, self.country_code
        # Everything but the key's digits depends on the length and the first few digits only
        # (both prefixes, the national one read twice, and the country code), so it is worked out
        # once per such head; a "$" in a prefix pattern makes the whole number the head.
        whole = any(p is not None and "$" in p.pattern for p in (self.national_prefix, self.international_prefix))
        head_width = None if whole else max(2 * self.national_prefix_width, self.international_prefix_width,
                                            len(country))
        heads: dict[tuple[str, int, bool], tuple[int, int, int, int, bool, bool]] = {}
        groups: dict[tuple[str, tuple[int, int, int, int, bool, bool]], list[int]] = {}
        for position, (number, plus) in enumerate(zip(digits, has_cc, strict=True)):
            length = len(number)
            head = (number[:head_width], length, plus)
            rule = heads.get(head)
            if rule is None:
                end = national_end(number)
                again = national_end(number[end:]) if end else 0
                width = max(before[min(length, clip)], after[min(length, clip)],
                            end + after[min(max(length - end, 0), clip)],
                            end + again + after[min(max(length - end - again, 0), clip)])
                out = length < 3 or (not plus and (international_end(number) > 0 or number.startswith(country)))
                rule = heads[head] = (width, length, end, again, plus, out)
            key = (number[:rule[0]], rule)
            members = groups.get(key)
            if members is None:
                groups[key] = [position]
            else:
                members.append(position)
        return [(members, rule[5]) for (_, rule), members in groups.items()]


def _match_ends(pattern: re.Pattern[str] | None, width: int) -> Callable[[str], int]:
    """Where ``pattern`` matching at the start of a number ends (0: no match), remembered per the
    leading ``width`` digits it can read (per whole number when a "$" makes all of it matter)."""
    if pattern is None:
        return lambda number: 0
    whole = "$" in pattern.pattern
    known: dict[str, int] = {}

    def end(number: str) -> int:
        key = number if whole else number[:width]
        found = known.get(key)
        if found is None:
            matched = pattern.match(key)
            found = known[key] = matched.end() if matched else 0
        return found

    return end


def _length_range(pattern: str) -> tuple[int, int]:
    low, high = _sre_parse.parse(pattern).getwidth()
    return low, min(high, _LENGTHS)


@lru_cache(maxsize=1024)
def key_rules(region: str, validity: bool = False) -> _KeyRules | None:
    """The class-key rules for national numbers of ``region``: parsing and formatting, and with
    ``validity`` the number-type patterns too. None when some pattern cannot be analysed: such
    numbers are parsed one by one."""
    metadata = PhoneMetadata.metadata_for_region(region, None) if region else None
    if metadata is None or _sre_parse is None:
        return None
    before, after = [0] * _LENGTHS, [0] * _LENGTHS

    def reads(table: list[int], pattern: str | None, width: int | None = None) -> None:
        if not pattern:
            return
        low, high = _length_range(pattern)
        needed = _pattern_width(pattern) if width is None else width
        for n in range(low, high + 1):
            table[n] = max(table[n], needed)

    try:
        reads(before, metadata.general_desc.national_number_pattern)  # viability before stripping
        for sharing in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(metadata.country_code, ()):
            shared = PhoneMetadata.metadata_for_region(sharing, None)
            if shared is None:
                continue
            descs = [shared.general_desc, *(getattr(shared, t, None) for t in (_NUMBER_TYPES if validity else ()))]
            for desc in descs:
                if desc is not None:
                    reads(after, desc.national_number_pattern)
            for fmt in (*shared.number_format, *shared.intl_number_format):
                reads(after, fmt.pattern)
                if fmt.leading_digits_pattern:  # read only where the format's pattern can match
                    reads(after, fmt.pattern, _pattern_width(fmt.leading_digits_pattern[-1], prefix_only=True))
            if shared.leading_digits:
                after = [max(a, _pattern_width(shared.leading_digits, prefix_only=True)) for a in after]
        national_prefix = metadata.national_prefix_for_parsing or None
        international_prefix = metadata.international_prefix or None
        rules = _KeyRules(
            country_code=str(metadata.country_code), before=tuple(before), after=tuple(after),
            national_prefix=re.compile(national_prefix) if national_prefix else None,
            national_prefix_width=_pattern_width(national_prefix, prefix_only=True),
            international_prefix=re.compile(international_prefix) if international_prefix else None,
            international_prefix_width=_pattern_width(international_prefix, prefix_only=True),
        )
    except (_Unanalysable, re.error):
        return None
    return rules


def _shape(formatted: str | None, digits: str) -> tuple[str, int, tuple[tuple[int, str], ...]] | None:
    """A representative's result as a shape: (prefix, digits stripped, separators by position).
    None when the result is not its own digits regrouped (then the class is parsed row by row)."""
    if formatted is None:
        return ("", 0, ())  # does not parse: the whole class does not
    prefix, _, rest = formatted.partition(" ")
    national = re.sub(r"\D", "", rest)
    if not prefix.startswith("+") or not national or not digits.endswith(national):
        return None
    separators: list[tuple[int, str]] = []
    position = 0
    for char in rest:
        if char.isdigit():
            position += 1
        elif separators and separators[-1][0] == position:
            separators[-1] = (position, separators[-1][1] + char)
        else:
            separators.append((position, char))
    return (prefix + " ", len(digits) - len(national), tuple(separators))


def _assemble(digits: list[str], strip: int, prefix: str, separators: tuple[tuple[int, str], ...]) -> list[str]:
    """The shape applied to each number: ``strip`` leading digits dropped, the rest cut at the
    separators' positions and glued back with them (one format call per number)."""
    cuts = [strip, *(strip + position for position, _ in separators)]
    pieces = operator.itemgetter(*(slice(start, end) for start, end in zip(cuts, [*cuts[1:], None], strict=True)))
    escaped = [text.replace("{", "{{").replace("}", "}}") for text in (prefix, *(sep for _, sep in separators))]
    template = "{}".join(escaped) + "{}"
    if len(cuts) == 1:  # itemgetter of one slice returns the piece itself, not a tuple
        return [template.format(pieces(number)) for number in digits]
    fill = template.format
    return [fill(*pieces(number)) for number in digits]


def international_numbers(country_code: pd.Series, area: pd.Series, number: pd.Series,
                          region: pd.Series) -> pd.Series:
    """``international_reference`` for whole columns; None where a number does not parse."""
    values = international_texts(*(column.tolist() for column in (country_code, area, number, region)))
    return pd.Series(values, index=area.index, dtype=object)


def international_texts(ccs: list[str], areas: list[str], numbers: list[str], regions: list[str]) -> list[str | None]:
    """``international_numbers`` on plain lists, one entry per row."""
    values: list[str | None] = [None] * len(areas)
    fallback: list[int] = []  # rows parsed on their own
    by_region: dict[str, list[int]] = {}  # simple numbers by the region that reads them
    digits: dict[int, str] = {}
    known: dict[str, str] = {}
    for row, (cc, area_part, number_part) in enumerate(zip(ccs, areas, numbers, strict=True)):
        if not area_part and not number_part:
            continue  # most contacts have no fax, DDI or office line
        text = (area_part + number_part).replace(" ", "")
        if not text.isdigit():
            text = text.translate(_SEPARATORS)
        cc_digits = cc.translate(_CC_SEPARATORS) if cc else ""
        if not (text.isdigit() and text.isascii()) or (cc and not (cc_digits.isdigit() and cc_digits.isascii())):
            fallback.append(row)
            continue
        # The region that reads the number: its country code's own, else the contact's country.
        own = _cc_region(cc_digits, known) if cc else regions[row]
        if own:  # no country and no "+": phonenumbers cannot place it either
            digits[row] = text
            by_region.setdefault(own, []).append(row)
    for own, rows in by_region.items():
        rules = key_rules(own)
        if rules is None:
            fallback.extend(rows)
            continue
        row_digits = [digits[row] for row in rows]
        shapes: dict[tuple[str, int, tuple[tuple[int, str], ...]], list[int]] = {}
        for positions, outside in rules.classes(row_digits, [ccs[row] != "" for row in rows]):
            # One representative per class goes through phonenumbers; its shape fits the class.
            row = rows[positions[0]]
            shape = None if outside else _shape(
                international_reference(ccs[row], areas[row], numbers[row], regions[row]), row_digits[positions[0]])
            if shape is None:
                fallback.extend(rows[position] for position in positions)
            else:
                shapes.setdefault(shape, []).extend(positions)
        for (prefix, strip, separators), positions in shapes.items():
            if not prefix:
                continue  # the class does not parse: None
            assembled = _assemble([row_digits[position] for position in positions], strip, prefix, separators)
            for position, formatted in zip(positions, assembled, strict=True):
                values[rows[position]] = formatted
    for row in fallback:
        values[row] = international_reference(ccs[row], areas[row], numbers[row], regions[row])
    return values


@dataclass
class PhoneResult:
    phone: pd.Series  # international format, or the joined text when it does not parse
    parsed: pd.Series  # bool: the number parsed (False also for empty phones)
    present: pd.Series  # bool: there was a number at all
    issues: pd.DataFrame


def format_phones(country_code: np.ndarray, area: np.ndarray, number: np.ndarray, region: np.ndarray,
                  column: str | np.ndarray, rows: pd.Index) -> PhoneResult:
    """The phone column of the CRM frame, with unparseable numbers kept as text and reported. The
    parts are object arrays in the order of ``rows`` (the row labels reports quote)."""
    present = (country_code != "") | (area != "") | (number != "")
    texts = international_texts(country_code.tolist(), area.tolist(), number.tolist(), region.tolist())
    parsed = np.array([text is not None for text in texts], dtype=bool)
    phone = np.array([text or "" for text in texts], dtype=object)
    bad = present & ~parsed
    # Kept as typed, never dropped; a country code part keeps its "+", so the text reads the same
    # way when it comes back (without it, "44 020" would read as a national number).
    cc = np.array([c if not c or c.startswith("+") else "+" + c for c in country_code[bad].tolist()], dtype=object)
    text = joined(cc, area[bad], number[bad])
    phone[bad] = text
    problem = np.where(region[bad] == "", "does not parse as a phone number (country unknown); kept as typed",
                       "does not parse as a phone number; kept as typed")
    columns = column[bad] if isinstance(column, np.ndarray) else column
    return PhoneResult(phone=pd.Series(phone, index=rows, dtype="str"), parsed=pd.Series(parsed, index=rows),
                       present=pd.Series(present, index=rows),
                       issues=reports.issues(rows[bad], columns, text, problem))


def restore_trunk_prefixes(country_code: pd.Series, area: pd.Series, number: pd.Series,
                           region: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Area codes (or, with no area part, numbers) whose trunk zero a spreadsheet stripped.

    The number's country is its country-code part's when it has one ("+1" is the US whatever
    the contact's address says), else the contact's. Returns the new area and number columns and
    the rule applied per changed row ("" if none).
    """
    new_areas, new_numbers, rules = restored_trunk_prefixes(
        country_code.tolist(), area.tolist(), number.tolist(), region.tolist())
    new_area, new_number, rule = (pd.Series(values, index=area.index, dtype="str")
                                  for values in (new_areas, new_numbers, rules))
    return new_area, new_number, rule


def restored_trunk_prefixes(ccs: list[str], areas: list[str], numbers: list[str],
                            contact_regions: list[str]) -> tuple[list[str], list[str], list[str]]:
    """``restore_trunk_prefixes`` on plain lists: new areas, new numbers, rules."""
    regions = _phone_regions(ccs, contact_regions, {})
    by_region: dict[str, list[int]] = {}
    digits: dict[int, str] = {}
    for row, (area_part, number_part, own) in enumerate(zip(areas, numbers, regions, strict=True)):
        first = area_part or number_part
        # Only a zero is a digit a spreadsheet strips; a US "1" never leads a stored number.
        if not first or first.startswith(("0", "+")) or _trunk_prefix(own) != "0":
            continue
        text = (area_part + number_part).translate(_SEPARATORS)
        if text.isdigit() and text.isascii():
            digits[row] = text
            by_region.setdefault(own, []).append(row)
    fixed: list[int] = []
    for own, rows in by_region.items():
        members = [digits[row] for row in rows]
        rules = key_rules(own, validity=True)
        if rules is None:
            fixed.extend(row for row, text in zip(rows, members, strict=True) if _lost_trunk_zero(text, own))
            continue
        for positions, outside in rules.classes(members, [False] * len(members)):
            if outside:  # parsed one by one
                fixed.extend(rows[position] for position in positions if _lost_trunk_zero(members[position], own))
            elif _lost_trunk_zero(members[positions[0]], own):
                fixed.extend(rows[position] for position in positions)
    rules_applied = [""] * len(areas)
    if not fixed:
        return areas, numbers, rules_applied
    new_areas, new_numbers = areas.copy(), numbers.copy()
    for row in fixed:
        if areas[row]:
            new_areas[row] = "0" + areas[row]
        else:
            new_numbers[row] = "0" + numbers[row]
        rules_applied[row] = f"{regions[row]} numbers start with trunk prefix 0 (phonenumbers national format)"
    return new_areas, new_numbers, rules_applied


def _lost_trunk_zero(digits: str, region: str) -> bool:
    """True when ``digits`` is a valid number of ``region`` whose national form is "0" + digits."""
    try:
        parsed = phonenumbers.parse(digits, region)
    except NumberParseException:
        return False
    if str(parsed.national_number) != digits or not phonenumbers.is_valid_number(parsed):
        return False  # a country code inside, or not a real number: not ours to change
    national = re.sub(r"\D", "", phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL))
    return national == "0" + digits  # not so for numbers without a trunk prefix (AU 1300 numbers)


@lru_cache(maxsize=512)
def _trunk_prefix(region: object) -> str:
    region = str(region)
    metadata = PhoneMetadata.metadata_for_region(region, None) if region else None
    return (metadata.national_prefix or "") if metadata is not None else ""
