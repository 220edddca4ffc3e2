"""The one personal-data screen for public text: citizens' opinions and everything officers write.

Text is normalised before it is matched, so the usual disguises count as what they hide: Unicode compatibility
forms (full-width digits, ＠), invisible characters, every kind of dash (the Hangul vowel ㅡ too), digits spaced
or split by dots, dashes or slashes, numbers spelt in Korean syllables (공일공 일이삼사 …), and `(at)`, `[at]`,
`골뱅이` or `앳` for @ and `(dot)`, `닷` for a dot. What it finds is named by kind, never quoted back.
"""

import re
import unicodedata

# Shapes of personal data, matched on the normalised text (digits already joined across separators).
PATTERNS: dict[str, re.Pattern[str]] = {
    # YYMMDD then SNNNNNN, the seventh digit 1-8 (century and sex, foreigners included): joined, or with up to
    # twenty characters of words between the two halves.
    "주민등록번호": re.compile(r"(?<!\d)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:-?|\D{1,20}?)[1-8]\d{6}(?!\d)"),
    # Mobiles (010…), Seoul (02), other areas (031…064) and 070, national or with (+)82.
    "전화번호": re.compile(r"(?<!\d)(?:\+?82-?|0)(?:1[016789]|2|[3-6][1-5]|70)-?\d{3,4}-?\d{4}(?!\d)"),
    "전자우편 주소": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
}

# Characters that take no space: a zero-width space splits a number for the eye of a filter, not a reader's.
INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff"), None)
DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\u3161\u1173\u30fc", "-"))
# Between two digits, any run of these joins them: 010 1234 5678, 010.1234.5678, 900101/1234567.
SEPARATED_DIGITS = re.compile(r"(?<=\d)[\s./_·,()-]+(?=\d)")
# Sino-Korean digits (and 공/영 for zero); a run of six or more is a number spelt out, not words.
KOREAN_DIGITS = {"공": "0", "영": "0", "일": "1", "이": "2", "삼": "3", "사": "4", "오": "5", "육": "6", "륙": "6"}
KOREAN_DIGITS |= {"칠": "7", "팔": "8", "구": "9"}
SPELT_NUMBER = re.compile(f"[{''.join(KOREAN_DIGITS)}](?:[\\s.-]*[{''.join(KOREAN_DIGITS)}]){{5,}}")
# `(at)`, `[at]`, 골뱅이 ("snail", Korean for @) and 앳 stand for @; a bare `at` only when a domain follows.
AT = re.compile(
    r"\s*(?:[(\[{<]\s*(?:at|골뱅이|앳)\s*[)\]}>]|골뱅이|앳)\s*|\s+at\s+(?=[\w-]+\s*(?:\.|[(\[]\s*dot|\s+dot\b|닷))",
    re.I,
)
DOT = re.compile(r"\s*(?:[(\[{<]\s*(?:dot|닷|점)\s*[)\]}>]|\s+dot\s+|닷)\s*", re.I)


def normalise(value: str) -> str:
    """The text as the patterns read it (never stored or shown)."""
    text = unicodedata.normalize("NFKC", value).translate(INVISIBLE).translate(DASHES)
    text = SPELT_NUMBER.sub(lambda match: "".join(KOREAN_DIGITS.get(char, "") for char in match.group()), text)
    text = AT.sub("@", text)
    text = DOT.sub(".", text) if "@" in text else text
    return SEPARATED_DIGITS.sub("", text)


def found_in(value: str) -> list[str]:
    """The kinds of personal data `value` seems to hold, in a fixed order."""
    text = normalise(value)
    return [kind for kind, pattern in PATTERNS.items() if pattern.search(text)]
