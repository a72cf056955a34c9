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
at once: the digits sit in a matrix of code points (numpy's fixed-width strings), so classes
are found by grouping integers and results are cut and glued as whole columns. Anything
outside that model (a "+" or letters in the number, an international dialling prefix, a
country code typed without "+", more than 18 digits, a region whose patterns do not analyse)
is parsed row by row. A property test holds the column results equal to the
reference.

A number "parses" when phonenumbers can read it and it has a possible length for its country.
One that does not is never dropped: the joined text is kept and reported.

Trunk zeros: a spreadsheet turns an area code "020" into "20". ``restore_trunk_prefixes`` puts
the zero back only where phonenumbers says the number is valid in the contact's country and its
national form starts with the trunk prefix "0", so a number that has no such zero (Australia's
1300 numbers) or is not valid at all is never touched.
"""

from __future__ import annotations

import itertools
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
from import_tools.series import first_rows, joined

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


_MAX_DIGITS = 18  # digit runs read as int64 keys; longer ones (no real national number is) go one by one


@dataclass(frozen=True)
class _Digits:
    """Each row's phone parts reduced to their digits, for the class rules.

    ``texts``: the digits as text where the parts hold only ASCII digits and the separators
    people type (else ""); ``simple``: such rows with 1 to 18 digits, the ones the class rules
    take (longer ones are parsed one by one); ``codes``: their digits' code points as a
    NUL-padded matrix (the layout of numpy's fixed-width strings), so leading digits become
    integers and results are cut and glued as whole columns; ``first``: the code point of the
    first character as typed (0 for none), separators included.
    """

    texts: np.ndarray
    simple: np.ndarray
    codes: np.ndarray
    lengths: np.ndarray
    first: np.ndarray


def _digits_of(area: np.ndarray, number: np.ndarray) -> _Digits:
    text = area + number  # object arrays: numpy concatenates each pair of parts
    lengths = np.fromiter(map(len, text.tolist()), dtype=np.int64, count=len(text))
    # Fixed-width strings truncate, which is fine: a longer text is never simple as it is.
    codes = text.astype(f"U{_MAX_DIGITS}").view(np.uint32).reshape(len(text), _MAX_DIGITS)
    first = codes[:, 0].copy()
    simple = (lengths <= _MAX_DIGITS) & (lengths > 0)
    simple &= ((codes - 48) < 10).sum(axis=1) == lengths  # digits only (NUL and the rest wrap round)
    texts = np.where(simple, text, "")
    # Separators, letters, other scripts' digits, long runs: the rare rows Python cleans one by one.
    messy = np.flatnonzero(~simple & (lengths > 0))
    cleaned = [value.translate(_SEPARATORS) for value in text[messy].tolist()]
    good = [value.isdigit() and value.isascii() for value in cleaned]
    if any(good):
        at = messy[np.array(good, dtype=bool)]
        kept = [value for value, ok in zip(cleaned, good, strict=True) if ok]
        texts[at] = kept
        lengths[at] = [len(value) for value in kept]
        short = at[lengths[at] <= _MAX_DIGITS]
        codes[short] = texts[short].astype(f"U{_MAX_DIGITS}").view(np.uint32).reshape(len(short), _MAX_DIGITS)
        simple[short] = True
    return _Digits(texts=texts, simple=simple, codes=codes, lengths=lengths, first=first)


def _leading(codes: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The integer value of each row's first ``counts`` digits (at most 18, so int64 holds them)."""
    value = np.zeros(len(codes), dtype=np.int64)
    for column in range(int(counts.max(initial=0))):
        reading = column < counts
        value = np.where(reading, value * 10 + codes[:, column].astype(np.int64) - 48, value)
    return value


@dataclass(frozen=True)
class _Classes:
    codes: np.ndarray  # each row's class, numbered in order of first appearance
    firsts: np.ndarray  # each class's first row: its representative
    outside: np.ndarray  # bool per class: parsed row by row instead


def _own_regions(country_codes: np.ndarray, regions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The region each number belongs to: its country-code part's ("+1" is the US whatever the
    address says), else the contact's country; and whether the country-code part (if any) is
    plain digits. Country-code parts repeat, so each distinct one is looked at once."""
    codes, distinct = pd.factorize(country_codes)
    digits = [str(value).translate(_CC_SEPARATORS) for value in distinct]
    their_regions = np.array([_region_for_country_code(value) for value in digits] or [""], dtype=object)
    plain = np.array([value.isdigit() and value.isascii() for value in digits] or [True], dtype=bool)
    has_cc = country_codes != ""
    return np.where(has_cc, their_regions[codes], regions), ~has_cc | plain[codes]


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

    def classes(self, digits: _Digits, rows: np.ndarray, plus: np.ndarray) -> _Classes:
        """The classes of the numbers at ``rows`` (short digit runs of ``digits``), in order of first
        appearance, and whether each falls outside the model (an international dialling prefix, or
        its country code typed without "+"; with fewer than 3 digits phonenumbers also weighs the
        separators).

        A class is the numbers agreeing on the leading digits their key width covers, their
        length, where their national prefix ends (twice: the formatted number is read back once
        more, see international_reference) and whether they had a "+cc" part: phonenumbers treats
        them all alike. Everything but the key's digits depends on the length and the first few
        digits only (both prefixes, the national one read twice, and the country code), so it is
        worked out in Python once per such *head* (a "$" in a prefix pattern makes the whole
        number the head); the rows themselves are only grouped, as integers, by numpy and pandas.
        """
        national_end = _match_ends(self.national_prefix, self.national_prefix_width)
        international_end = _match_ends(self.international_prefix, self.international_prefix_width)
        before, after, clip, country = self.before, self.after, _LENGTHS - 1, self.country_code
        codes, lengths, texts = digits.codes[rows], digits.lengths[rows], digits.texts[rows]
        whole = any(p is not None and "$" in p.pattern for p in (self.national_prefix, self.international_prefix))
        head_width = max(2 * self.national_prefix_width, self.international_prefix_width, len(country))
        if whole or head_width > _MAX_DIGITS - 3:  # the head is the whole number
            head_values = pd.factorize(texts)[0]
        else:  # the head's digits (how many is fixed by the length, so leading zeros count)
            head_values = _leading(codes, np.minimum(lengths, head_width))
        head_codes = pd.factorize((head_values * (_MAX_DIGITS + 1) + lengths) * 2 + plus)[0]
        head_rows = first_rows(head_codes)
        widths = np.empty(len(head_rows), dtype=np.int64)
        rule_of_head = np.empty(len(head_rows), dtype=np.int64)
        rules: dict[tuple[int, int, int, int, bool, bool], int] = {}
        for head, row in enumerate(head_rows.tolist()):
            number, has_cc = texts[row], bool(plus[row])
            length = len(number)
            end = national_end(number)
            again = national_end(number[end:]) if end else 0
            width = max(before[min(length, clip)], after[min(length, clip)],
                        end + after[min(max(length - end, 0), clip)],
                        end + again + after[min(max(length - end - again, 0), clip)])
            out = length < 3 or (not has_cc and (international_end(number) > 0 or number.startswith(country)))
            rule_of_head[head] = rules.setdefault((width, length, end, again, has_cc, out), len(rules))
            widths[head] = min(width, length)
        # The class key: the rule and the leading digits it reads (their count is the rule's).
        rule = rule_of_head[head_codes]
        key_codes = pd.factorize(_leading(codes, widths[head_codes]))[0]
        class_codes = pd.factorize(rule * (int(key_codes.max(initial=0)) + 1) + key_codes)[0]
        firsts = first_rows(class_codes)
        outside = np.array([out for *_, out in rules], dtype=bool)[rule[firsts]]
        return _Classes(codes=class_codes, firsts=firsts, outside=outside)


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


def _assemble(codes: np.ndarray, prefix: str, strip: int, separators: tuple[tuple[int, str], ...]) -> np.ndarray:
    """The shape applied to rows of digit code points: ``strip`` leading digits dropped, the rest
    cut at the separators' positions and glued back with them, as whole columns; the result
    read as fixed-width strings (the NUL padding after the last digit falls away)."""
    def constant(text: str) -> np.ndarray:
        return np.broadcast_to(np.array([ord(char) for char in text], dtype=np.uint32), (len(codes), len(text)))

    cuts = [strip, *(strip + position for position, _ in separators), codes.shape[1]]
    pieces = [constant(prefix)]
    for (start, end), glue in zip(itertools.pairwise(cuts), [*(sep for _, sep in separators), ""], strict=True):
        pieces += [codes[:, start:end], constant(glue)]
    glued = np.ascontiguousarray(np.concatenate(pieces, axis=1))
    return glued.view(f"U{glued.shape[1]}").reshape(len(codes))


def international_numbers(country_code: pd.Series, area: pd.Series, number: pd.Series,
                          region: pd.Series) -> pd.Series:
    """``international_reference`` for whole columns; None where a number does not parse."""
    values = international_texts(*(column.to_numpy(dtype=object) for column in (country_code, area, number, region)))
    return pd.Series(values, index=area.index, dtype=object)


def international_texts(ccs: np.ndarray, areas: np.ndarray, numbers: np.ndarray, regions: np.ndarray) -> np.ndarray:
    """``international_numbers`` on object arrays of text: an object array, None where a number
    does not parse (or there is none)."""
    values = np.full(len(areas), None, dtype=object)
    digits = _digits_of(areas, numbers)
    own, plain_cc = _own_regions(ccs, regions)
    has_cc = ccs != ""
    present = digits.lengths > 0  # most contacts have no fax, DDI or office line
    fallback = present & ~(digits.simple & plain_cc)  # parsed on their own
    # The rest by the region that reads them (no country and no "+": phonenumbers cannot place it either).
    placed = np.flatnonzero(present & ~fallback & (own != ""))
    region_codes, distinct = pd.factorize(own[placed])
    for code, region in enumerate(distinct.tolist()):
        rows = placed[region_codes == code]
        rules = key_rules(region)
        if rules is None:
            fallback[rows] = True
            continue
        classes = rules.classes(digits, rows, has_cc[rows])
        # One representative per class goes through phonenumbers; its shape fits the class.
        shapes: dict[tuple[str, int, tuple[tuple[int, str], ...]], int] = {}
        shape_of = np.empty(len(classes.firsts), dtype=np.int64)  # -1: row by row; -2: does not parse
        for number, (first, outside) in enumerate(zip(classes.firsts.tolist(), classes.outside.tolist(),
                                                      strict=True)):
            row = rows[first]
            shape = None if outside else _shape(
                international_reference(ccs[row], areas[row], numbers[row], regions[row]), digits.texts[row])
            shape_of[number] = -1 if shape is None else -2 if not shape[0] else shapes.setdefault(shape, len(shapes))
        row_shapes = shape_of[classes.codes]
        fallback[rows[row_shapes == -1]] = True
        for (prefix, strip, separators), number in shapes.items():
            members = rows[row_shapes == number]
            values[members] = _assemble(digits.codes[members], prefix, strip, separators)
    for row in np.flatnonzero(fallback).tolist():
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
    phone = international_texts(country_code, area, number, region)
    parsed = phone != None  # noqa: E711 (element-wise)
    phone[~parsed] = ""
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
    new_area, new_number, rule = (pd.Series(values, index=area.index, dtype="str")
                                  for values in restored_trunk_prefixes(
        *(column.to_numpy(dtype=object) for column in (country_code, area, number, region))))
    return new_area, new_number, rule


def restored_trunk_prefixes(ccs: np.ndarray, areas: np.ndarray, numbers: np.ndarray,
                            contact_regions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``restore_trunk_prefixes`` on object arrays of text: new areas, new numbers, rules."""
    own, _ = _own_regions(ccs, contact_regions)
    digits = _digits_of(areas, numbers)
    # The first character typed (the area's, else the number's): only a zero is a digit a
    # spreadsheet strips, and a US "1" never leads a stored number.
    typed_first = digits.first
    region_codes, distinct = pd.factorize(own)
    trunk_zero = np.array([_trunk_prefix(region) == "0" for region in distinct] or [False], dtype=bool)
    candidates = np.flatnonzero((digits.texts != "") & (typed_first != ord("0")) & (typed_first != ord("+"))
                                & trunk_zero[region_codes])
    fixed: list[np.ndarray] = []
    for code in np.unique(region_codes[candidates]).tolist():
        region = distinct[code]
        rows = candidates[region_codes[candidates] == code]
        rules = key_rules(region, validity=True)
        if rules is None:
            one_by_one = rows
        else:  # one phonenumbers check per class; more than 18 digits and outside classes one by one
            short = rows[digits.simple[rows]]
            classes = rules.classes(digits, short, np.zeros(len(short), dtype=bool))
            lost = np.array([not outside and _lost_trunk_zero(digits.texts[short[first]], region)
                             for first, outside in zip(classes.firsts.tolist(), classes.outside.tolist(),
                                                       strict=True)], dtype=bool)
            fixed.append(short[lost[classes.codes]])
            one_by_one = np.concatenate([rows[~digits.simple[rows]], short[classes.outside[classes.codes]]])
        fixed.append(np.array([row for row in one_by_one.tolist() if _lost_trunk_zero(digits.texts[row], region)],
                              dtype=np.int64))
    rules_applied = np.full(len(areas), "", dtype=object)
    at = np.concatenate(fixed) if fixed else np.array([], dtype=np.int64)
    if not len(at):
        return areas, numbers, rules_applied
    new_areas, new_numbers = areas.copy(), numbers.copy()
    in_area = at[areas[at] != ""]
    in_number = at[areas[at] == ""]
    new_areas[in_area] = "0" + areas[in_area]
    new_numbers[in_number] = "0" + numbers[in_number]
    rules_applied[at] = [f"{region} numbers start with trunk prefix 0 (phonenumbers national format)"
                         for region in own[at].tolist()]
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
