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
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat
from phonenumbers.phonemetadata import PhoneMetadata

from import_tools import reports
from import_tools.series import map_unique

try:  # the regex parser is private; without it every number is simply parsed row by row
    from re import _constants as _sre
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover
    _sre = _sre_parse = None

# Separators people type between digits; a number made only of digits and these is "simple".
_SEPARATORS = str.maketrans("", "", " ()-.")
_NUMBER_TYPES = ("fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "personal_number", "voip",
                 "pager", "uan", "voicemail", "no_international_dialling")
_FALLBACK = -1  # shape id: parse this row on its own


def joined(*parts: pd.Series) -> pd.Series:
    """The parts as one text, single spaces between the non-empty ones (Xero's CSV convention)."""
    out = parts[0]
    for part in parts[1:]:
        has_part = part != ""
        if not has_part.any():
            continue
        glue = out[has_part].where(out[has_part] == "", out[has_part] + " ")
        out = out.copy()
        out[has_part] = glue + part[has_part]
    return out


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


def phone_regions(country_code: pd.Series, region: pd.Series) -> pd.Series:
    """The region each number belongs to: its country-code part's, else the contact's country."""
    has_cc = country_code != ""
    if not has_cc.any():
        return region
    cc_digits = country_code[has_cc].str.translate(str.maketrans("", "", " +"))
    out = region.copy()
    out[has_cc] = map_unique(cc_digits, _region_for_country_code).astype("str")
    return out


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

    def _starts(self, digits: pd.Series, pattern: re.Pattern[str] | None, width: int) -> np.ndarray:
        """Where ``pattern`` matching at the start of each number ends (0: no match)."""
        if pattern is None:
            return np.zeros(len(digits), dtype="int64")

        def end(value: object) -> int:
            found = pattern.match(str(value))
            return found.end() if found else 0

        # A "$" in the pattern makes the whole number matter, not only its first digits.
        keys = digits if "$" in pattern.pattern else digits.str.slice(0, width)
        return map_unique(keys, end).to_numpy(dtype="int64")

    def classify(self, digits: pd.Series, has_cc: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per number: its key width, where its national prefix ends (twice: the formatted number is
        read back once more, see international_reference), and whether it falls outside the model
        (an international dialling prefix, or its country code typed without "+")."""
        lengths = digits.str.len().to_numpy(dtype="int64")
        ends = self._starts(digits, self.national_prefix, self.national_prefix_width)
        again = np.zeros(len(digits), dtype="int64")
        for end in np.unique(ends):
            at = ends == end
            again[at] = self._starts(digits[at].str.slice(int(end)), self.national_prefix, self.national_prefix_width)
        before, after = np.array(self.before), np.array(self.after)
        clip = _LENGTHS - 1

        def after_at(offset: np.ndarray) -> np.ndarray:
            return offset + after[np.minimum(np.maximum(lengths - offset, 0), clip)]

        width = np.maximum.reduce([before[np.minimum(lengths, clip)], after_at(np.zeros_like(ends)), after_at(ends),
                                   after_at(ends + again)])
        national = ~has_cc.to_numpy(dtype=bool)
        outside = national & (self._starts(digits, self.international_prefix, self.international_prefix_width) > 0)
        outside |= national & digits.str.startswith(self.country_code).to_numpy(dtype=bool)
        outside |= lengths < 3  # with fewer digits, phonenumbers also weighs the separators
        return width, ends * 32 + np.minimum(again, 31), outside


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


def _class_ids(digits: pd.Series, rules: _KeyRules, has_cc: pd.Series) -> tuple[np.ndarray, np.ndarray,
                                                                                 np.ndarray]:
    """Per number the id of its class, one row per class, and the numbers outside the model.

    A class is the numbers agreeing on the leading digits their key width covers, their length,
    where their national prefix ends and whether they had a "+cc" part: phonenumbers treats them
    all alike.
    """
    widths, ends, outside = rules.classify(digits, has_cc)
    prefix_codes = np.empty(len(digits), dtype="int64")
    offset = 0
    for width in np.unique(widths):
        at = widths == width
        codes, uniques = pd.factorize(digits[at].str.slice(0, int(width)), sort=False)
        prefix_codes[at] = codes + offset
        offset += len(uniques)
    lengths = np.minimum(digits.str.len().to_numpy(dtype="int64"), 2047)
    flags = has_cc.to_numpy(dtype="int64") * 2 + outside
    combined = ((prefix_codes * 2048 + lengths) * 1024 + np.minimum(ends, 1023)) * 4 + flags
    codes, _ = pd.factorize(combined, sort=False)
    _, first = np.unique(codes, return_index=True)  # the first row of each class
    return codes, first, outside


def international_numbers(country_code: pd.Series, area: pd.Series, number: pd.Series,
                          region: pd.Series) -> pd.Series:
    """``international_reference`` for whole columns; None where a number does not parse."""
    values = np.full(len(area), None, dtype=object)
    result = pd.Series(values, index=area.index, dtype=object)
    present = (area != "") | (number != "")
    if not present.any():
        return result
    present_positions = np.flatnonzero(present.to_numpy(dtype=bool))
    # Work on the rows that have a number only: most contacts have no fax, DDI or office line.
    text = joined(area[present], number[present])
    cc_part, contact_region = country_code[present], region[present]
    digits = text.str.translate(_SEPARATORS)
    simple = digits.str.isdigit() & digits.str.isascii()
    cc_digits = cc_part.str.translate(str.maketrans("", "", " +"))
    has_cc = cc_part != ""
    simple &= ~has_cc | (cc_digits.str.isdigit() & cc_digits.str.isascii())
    # The region that reads each number: its country code's own, else the contact's country.
    parse_region = contact_region.copy()
    if has_cc.any():
        parse_region[has_cc] = map_unique(cc_digits[has_cc], _region_for_country_code).astype("str")
    fallback = ~simple
    for code in pd.unique(parse_region[simple]):
        rows = simple & (parse_region == code)
        if not code:
            continue  # no country and no "+": phonenumbers cannot place it either
        rules = key_rules(code)
        if rules is None:
            fallback |= rows
            continue
        row_digits, row_cc = digits[rows], has_cc[rows]
        row_positions = present_positions[rows.to_numpy(dtype=bool)]
        codes, first, outside = _class_ids(row_digits, rules, row_cc)
        labels = row_digits.index
        shapes: dict[tuple, int] = {}
        shape_of_class = np.empty(len(first), dtype="int64")
        for class_id, position in enumerate(first):
            label = labels[position]
            sample = row_digits.iat[position]
            if outside[position]:
                shape_of_class[class_id] = _FALLBACK
                continue
            formatted = international_reference(cc_part[label], area[label], number[label], region[label])
            shape = _shape(formatted, sample)
            shape_of_class[class_id] = _FALLBACK if shape is None else shapes.setdefault(shape, len(shapes))
        row_shapes = shape_of_class[codes]
        fallback[labels[row_shapes == _FALLBACK]] = True
        for shape, shape_id in shapes.items():
            prefix, strip, separators = shape
            if not prefix:
                continue  # the class does not parse
            in_shape = row_shapes == shape_id
            assembled = _assemble(row_digits[in_shape].tolist(), strip, prefix, separators)
            values[row_positions[in_shape]] = np.array(assembled, dtype=object)
    result = pd.Series(values, index=area.index, dtype=object)
    for row in fallback[fallback].index:
        result[row] = international_reference(country_code[row], area[row], number[row], region[row])
    return result


@dataclass
class PhoneResult:
    phone: pd.Series  # international format, or the joined text when it does not parse
    parsed: pd.Series  # bool: the number parsed (False also for empty phones)
    present: pd.Series  # bool: there was a number at all
    issues: pd.DataFrame


def format_phones(country_code: pd.Series, area: pd.Series, number: pd.Series, region: pd.Series,
                  column: str | pd.Series) -> PhoneResult:
    """The phone column of the CRM frame, with unparseable numbers kept as text and reported."""
    present = (country_code != "") | (area != "") | (number != "")
    formatted = international_numbers(country_code, area, number, region)
    parsed = formatted.notna() & present
    phone = pd.Series("", index=area.index, dtype="str")
    phone[parsed] = formatted[parsed].astype("str")
    bad = present & ~parsed
    # Kept as typed, never dropped; a country code part keeps its "+", so the text reads the same
    # way when it comes back (without it, "44 020" would read as a national number).
    cc = country_code[bad]
    cc = cc.where((cc == "") | cc.str.startswith("+"), "+" + cc)
    text = joined(cc, area[bad], number[bad])
    phone[bad] = text
    problem = np.where(region[bad] == "", "does not parse as a phone number (country unknown); kept as typed",
                       "does not parse as a phone number; kept as typed")
    columns = column[bad] if isinstance(column, pd.Series) else column
    return PhoneResult(phone=phone, parsed=parsed, present=present,
                       issues=reports.issues(text.index, columns, text, pd.Series(problem)))


def restore_trunk_prefixes(country_code: pd.Series, area: pd.Series, number: pd.Series,
                           region: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Area codes (or, with no area part, numbers) whose trunk zero a spreadsheet stripped.

    The number's country is its country-code part's when it has one ("+1" is the US whatever
    the contact's address says), else the contact's. Returns the new area and number columns and
    the rule applied per changed row ("" if none).
    """
    unchanged = pd.Series("", index=area.index, dtype="str")
    region = phone_regions(country_code, region)
    first = area.where(area != "", number)
    # Only a zero is a digit a spreadsheet strips; a US "1" never leads a stored number.
    maybe = (first != "") & (map_unique(region, _trunk_prefix) == "0")
    if not maybe.any():
        return area, number, unchanged
    lacking = ~first[maybe].str.startswith(("0", "+"))
    rows = lacking[lacking].index
    digits = (area[rows] + number[rows]).str.translate(_SEPARATORS)
    digits = digits[digits.str.isdigit() & digits.str.isascii()]
    restore = pd.Series(False, index=digits.index)
    row_regions = region[digits.index]
    for code in pd.unique(row_regions):
        members = digits[row_regions == code]
        rules = key_rules(code, validity=True)
        if rules is None:
            restore[members.index] = [_lost_trunk_zero(d, code) for d in members]
            continue
        codes, first_rows, outside = _class_ids(members, rules, pd.Series(False, index=members.index))
        decided = np.array([None if outside[p] else _lost_trunk_zero(members.iat[p], code) for p in first_rows],
                           dtype=object)
        per_row = decided[codes]
        alone = np.array([d is None for d in per_row], dtype=bool)
        per_row[alone] = [_lost_trunk_zero(d, code) for d in members[alone]]  # parsed one by one
        restore[members.index] = per_row.astype(bool)
    fixed = restore[restore].index
    if not len(fixed):
        return area, number, unchanged
    in_area = area[fixed] != ""
    new_area, new_number = area.copy(), number.copy()
    new_area[fixed[in_area]] = "0" + area[fixed[in_area]]
    new_number[fixed[~in_area]] = "0" + number[fixed[~in_area]]
    rule = unchanged.copy()
    rule[fixed] = region[fixed] + " numbers start with trunk prefix 0 (phonenumbers national format)"
    return new_area, new_number, rule


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


def _with(values: pd.Series, changes: dict[object, str]) -> pd.Series:
    if not changes:
        return values
    out = values.copy()
    out[list(changes)] = list(changes.values())
    return out


@lru_cache(maxsize=512)
def _trunk_prefix(region: object) -> str:
    region = str(region)
    metadata = PhoneMetadata.metadata_for_region(region, None) if region else None
    return (metadata.national_prefix or "") if metadata is not None else ""
