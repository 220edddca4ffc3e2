"""Korean names, places and contacts for the demo.

Officers and applicants draw given names from two disjoint pools and use different phone and e-mail
forms, so a test can search every public response for applicants' data without false alarms.
"""

import random

from seed.seoul import District

SURNAMES = (
    ("김", 21),
    ("이", 15),
    ("박", 8),
    ("최", 5),
    ("정", 4),
    ("강", 2),
    ("조", 2),
    ("윤", 2),
    ("장", 2),
    ("임", 2),
    ("한", 1),
    ("오", 1),
    ("서", 1),
    ("신", 1),
    ("권", 1),
    ("황", 1),
    ("안", 1),
    ("송", 1),
    ("류", 1),
    ("홍", 1),
)
SURNAME_CHOICES = [name for name, _ in SURNAMES]
SURNAME_WEIGHTS = [weight for _, weight in SURNAMES]
OFFICER_GIVEN = (
    "민준",
    "서연",
    "지훈",
    "수빈",
    "현우",
    "지원",
    "도윤",
    "예린",
    "성민",
    "혜진",
    "준호",
    "미경",
    "상훈",
    "은정",
    "재원",
    "소영",
    "동현",
    "유진",
    "태호",
    "정민",
    "승현",
    "하은",
    "영수",
    "경희",
    "진우",
    "수정",
    "병철",
    "은주",
    "기현",
    "윤희",
    "창민",
    "보람",
    "재혁",
    "다은",
    "형준",
    "선영",
    "우진",
    "나연",
    "광수",
    "희정",
)
APPLICANT_GIVEN = (
    "가온",
    "나래",
    "다솜",
    "라온",
    "마루",
    "바다",
    "사랑",
    "아름",
    "자경",
    "차돌",
    "하늘",
    "겨레",
    "누리",
    "단비",
    "루리",
    "미르",
    "보미",
    "새롬",
    "아라",
    "이슬",
    "종필",
    "찬솔",
    "태양",
    "한결",
    "가람",
    "노을",
    "도담",
    "로운",
    "슬기",
    "여울",
    "온새",
    "윤슬",
    "채운",
    "한별",
    "해랑",
    "그루",
    "별하",
    "솔비",
    "은결",
    "초롱",
)
TITLES = ("주무관", "주무관", "주무관", "행정주사", "시설주사", "행정주사보")
EMAIL_DOMAINS = ("naver.com", "gmail.com", "daum.net", "kakao.com", "hanmail.net")
LATIN = "abcdefghijklmnopqrstuvwxyz"

SHOP_WORDS = (
    "한솥",
    "푸른솔",
    "은하수",
    "새벽",
    "큰마을",
    "옛골",
    "들꽃",
    "햇살",
    "청기와",
    "소나무",
    "달빛",
    "한마당",
)


def surname(rng: random.Random) -> str:
    return rng.choices(SURNAME_CHOICES, SURNAME_WEIGHTS)[0]


def officer_name(rng: random.Random) -> str:
    return surname(rng) + rng.choice(OFFICER_GIVEN)


def applicant_name(rng: random.Random) -> str:
    return surname(rng) + rng.choice(APPLICANT_GIVEN)


def officer_phone(serial: int) -> str:
    # Seoul City Hall's public numbers are 02-2133-XXXX; the demo keeps that form.
    return f"02-2133-{serial % 10_000:04d}"


def officer_email(rng: random.Random, serial: int) -> str:
    return f"{''.join(rng.choices(LATIN, k=3))}{serial}@seoul.go.kr"


def applicant_phone(rng: random.Random) -> str:
    return f"010-{rng.randrange(2000, 10_000):04d}-{rng.randrange(10_000):04d}"


def applicant_email(rng: random.Random, serial: int) -> str:
    return f"{''.join(rng.choices(LATIN, k=rng.randint(4, 8)))}{serial}@{rng.choice(EMAIL_DOMAINS)}"


def place(rng: random.Random, district: District) -> tuple[str, str]:
    """(district and neighbourhood, street address on one of the district's roads)."""
    dong = rng.choice(district.neighbourhoods)
    return f"{district.name} {dong}", f"서울특별시 {district.name} {rng.choice(district.roads)} {rng.randint(1, 400)}"


def shop_name(rng: random.Random, kind: str) -> str:
    return f"{rng.choice(SHOP_WORDS)}{kind}"
